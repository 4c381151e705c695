"""`UploadFile`: a file sent in a ``multipart/form-data`` body."""

from __future__ import annotations

import io
from typing import Any

__all__ = ["UploadFile"]


class URL(str):
    """A URL string with Starlette's parts (``.path``, ``.query``...)."""

    __slots__ = ()

    def _parts(self) -> Any:
        from urllib.parse import urlsplit

        return urlsplit(self)

    @property
    def scheme(self) -> str:
        return self._parts().scheme

    @property
    def netloc(self) -> str:
        return self._parts().netloc

    @property
    def path(self) -> str:
        return self._parts().path

    @property
    def query(self) -> str:
        return self._parts().query

    @property
    def fragment(self) -> str:
        return self._parts().fragment

    @property
    def hostname(self) -> str | None:
        return self._parts().hostname

    @property
    def port(self) -> int | None:
        return self._parts().port

    @property
    def is_secure(self) -> bool:
        return self.scheme in ("https", "wss")

    def replace(self, **parts: Any) -> URL:  # type: ignore[override]
        """A copy with some parts changed (``path=``, ``query=``...)."""
        return URL(self._parts()._replace(**parts).geturl())


class UploadFile:
    """An uploaded file (kept in memory: bodies are bounded by ``max_body_size``).

    Attributes:
        filename: The name the client sent.
        content_type: The part's ``Content-Type``.
        size: Length in bytes.
        file: A binary file object positioned at the start.
    """

    def __init__(self, filename: str, data: bytes = b"", content_type: str = "application/octet-stream") -> None:
        self.filename = filename
        self.content_type = content_type
        self.file = io.BytesIO(data)
        self.size = len(data)

    @classmethod
    def from_native(cls, native: Any) -> UploadFile:
        """Wrap the Rust side's parsed part."""
        return cls(native.filename, native.data, native.content_type)

    async def read(self, size: int = -1) -> bytes:
        return self.file.read(size)

    async def seek(self, offset: int) -> None:
        self.file.seek(offset)

    async def write(self, data: bytes) -> None:
        self.file.write(data)
        self.size = max(self.size, self.file.tell())

    async def close(self) -> None:
        self.file.close()

    def __repr__(self) -> str:
        return f"UploadFile(filename={self.filename!r}, size={self.size}, content_type={self.content_type!r})"


class DefaultPlaceholder:
    """A default value that can be told apart from one given explicitly
    (FastAPI's ``Default(...)``)."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __bool__(self) -> bool:
        return bool(self.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DefaultPlaceholder) and other.value == self.value

    def __hash__(self) -> int:
        return hash(("DefaultPlaceholder", repr(self.value)))


def Default(value: Any) -> Any:
    """Mark ``value`` as a default (see `DefaultPlaceholder`)."""
    return DefaultPlaceholder(value)
