"""`UploadFile`: a file sent in a ``multipart/form-data`` body."""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, NamedTuple

__all__ = ["Address", "FormData", "State", "UploadFile"]


class Address(NamedTuple):
    """A peer's address (``request.client``): ``host`` and ``port``, also a tuple."""

    host: str
    port: int


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


class _SpooledFile(io.BufferedRandom):
    """The temporary file of an upload spooled to disk. The request closes
    it when its handler is done; one kept past that (a background task...)
    is closed when collected, without a ResourceWarning."""

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.close()


class UploadFile:
    """An uploaded file (Starlette's ``UploadFile``).

    ``UploadFile(file, *, size=None, filename=None, headers=None)`` wraps a
    binary file object, as Starlette's constructor does. Files the server
    receives stay in memory up to 1 MiB and are spooled to a temporary file
    past that (the server parses the body while it arrives); reads of a
    spooled file run on the thread pool.

    Attributes:
        file: The binary file object, positioned at the start.
        filename: The name the client sent.
        size: Length in bytes (``None`` when unknown).
        headers: The part's headers.
    """

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        """An ``UploadFile`` field of a model (a form model's file) holds the
        upload itself, checked with ``isinstance`` (FastAPI's class has this hook too)."""
        from ouroboros.validation.core import core_schema

        return core_schema.is_instance_schema(cls)

    def __init__(
        self,
        file: Any,
        *,
        size: int | None = None,
        filename: str | None = None,
        headers: Any = None,
    ) -> None:
        from ouroboros.api.requests import Headers

        if isinstance(file, str):
            raise TypeError(
                "UploadFile takes the file object first: UploadFile(file, filename=..., headers=...), as in Starlette"
            )
        self.file = file
        self.size = size
        self.filename = filename
        if headers is None:
            headers = Headers([])
        elif not isinstance(headers, Headers):
            headers = Headers(list(headers.items()) if hasattr(headers, "items") else list(headers))
        self.headers = headers
        self._on_disk = False

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")

    @property
    def _in_memory(self) -> bool:
        rolled = getattr(self.file, "_rolled", None)
        return not (self._on_disk if rolled is None else rolled)

    @classmethod
    def from_native(cls, native: Any) -> UploadFile:
        """The request's one ``UploadFile`` for a part the server parsed
        (every parameter reading that part gets the same object)."""
        return native.shared(cls._wrap)

    @classmethod
    def _wrap(cls, native: Any) -> UploadFile:
        fd = native.fileno()
        if fd is None:
            file: Any = io.BytesIO(native.data)
        else:
            file = _SpooledFile(io.FileIO(os.dup(fd), "r+"))
            file.seek(0)
        headers = native.headers
        if not any(k == "content-type" for k, _ in headers):
            headers = [*headers, ("content-type", native.content_type)]
        upload = cls(file, size=native.size, filename=native.filename, headers=headers)
        upload._on_disk = fd is not None
        return upload

    @classmethod
    def _validate(cls, value: Any, _info: Any = None) -> UploadFile:
        """FastAPI's validator hook: the value must be an ``UploadFile``."""
        if not isinstance(value, UploadFile):
            raise ValueError(f"Expected UploadFile, received: {type(value)}")
        return value

    async def _run(self, func: Any, *args: Any) -> Any:
        if self._in_memory:
            return func(*args)
        from ouroboros.api.concurrency import run_in_threadpool

        return await run_in_threadpool(func, *args)

    async def read(self, size: int = -1) -> bytes:
        return await self._run(self.file.read, size)

    async def seek(self, offset: int) -> None:
        await self._run(self.file.seek, offset)

    async def write(self, data: bytes) -> None:
        if self.size is not None:
            self.size += len(data)
        await self._run(self.file.write, data)

    async def close(self) -> None:
        await self._run(self.file.close)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(filename={self.filename!r}, size={self.size!r}, headers={self.headers!r})"


class FormData(Mapping[str, Any]):
    """A parsed form (Starlette's ``FormData``): text values and
    ``UploadFile``s by name; ``form[name]`` is the last value sent,
    ``getlist(name)`` every one."""

    def __init__(self, items: Iterable[tuple[str, Any]] = ()) -> None:
        self._items = list(items)
        self._dict = dict(self._items)

    def __getitem__(self, key: str) -> Any:
        return self._dict[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._dict)

    def __len__(self) -> int:
        return len(self._dict)

    def getlist(self, key: str) -> list[Any]:
        return [v for k, v in self._items if k == key]

    def multi_items(self) -> list[tuple[str, Any]]:
        return list(self._items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FormData):
            return sorted(self._items, key=repr) == sorted(other._items, key=repr)
        return isinstance(other, Mapping) and dict(self._dict) == dict(other)

    __hash__ = None  # type: ignore[assignment]

    async def close(self) -> None:
        """Close every ``UploadFile`` of the form."""
        for _, value in self._items:
            if isinstance(value, UploadFile):
                await value.close()

    def __repr__(self) -> str:
        return f"FormData({self._items!r})"


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


class State(dict):  # type: ignore[type-arg]
    """``app.state`` and ``request.state``: a dict whose keys are also
    attributes (``app.state.db`` and ``app.state["db"]``), as Starlette's."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"'State' object has no attribute {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self[name]
        except KeyError:
            raise AttributeError(name) from None
