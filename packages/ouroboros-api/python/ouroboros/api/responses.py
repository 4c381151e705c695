"""Response classes (the Starlette/FastAPI set).

A response carries ``status_code``, ``raw_headers`` (a list of ``(bytes,
bytes)``) and ``body`` bytes, or a ``body_iterator`` for streaming; the Rust
server reads exactly those attributes.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import warnings
from collections.abc import AsyncIterable, Iterable, Iterator, Mapping, MutableMapping
from email.utils import formatdate
from typing import Any
from urllib.parse import quote

from ouroboros.api import _api
from ouroboros.api._encoding import to_plain

__all__ = [
    "EventSourceResponse",
    "FileResponse",
    "HTMLResponse",
    "JSONResponse",
    "MutableHeaders",
    "ORJSONResponse",
    "PlainTextResponse",
    "RedirectResponse",
    "Response",
    "ServerSentEvent",
    "StreamingResponse",
    "UJSONResponse",
    "format_sse_event",
]


class MutableHeaders(MutableMapping[str, str]):
    """A response's headers as Starlette's ``MutableHeaders``: names are
    case-insensitive, writes go straight to ``raw_headers``."""

    __slots__ = ("_response",)

    def __init__(self, response: Response) -> None:
        self._response = response

    @staticmethod
    def _key(name: str) -> bytes:
        return name.lower().encode("latin-1")

    def __getitem__(self, name: str) -> str:
        key = self._key(name)
        for k, v in reversed(self._response.raw_headers):
            if k == key:
                return v.decode("latin-1")
        raise KeyError(name)

    def __setitem__(self, name: str, value: str) -> None:
        self._response.set_header(name, value)

    def __delitem__(self, name: str) -> None:
        key = self._key(name)
        if not any(k == key for k, _ in self._response.raw_headers):
            raise KeyError(name)
        self._response.raw_headers = [(k, v) for k, v in self._response.raw_headers if k != key]

    def __iter__(self) -> Iterator[str]:
        seen: dict[str, None] = {}
        for k, _ in self._response.raw_headers:
            seen.setdefault(k.decode("latin-1"), None)
        return iter(seen)

    def __len__(self) -> int:
        return len({k for k, _ in self._response.raw_headers})

    def append(self, name: str, value: str) -> None:
        """Add a header line without replacing the others of that name."""
        self._response.raw_headers.append((self._key(name), value.encode("latin-1")))

    def getlist(self, name: str) -> list[str]:
        """Every value of ``name``, in order."""
        key = self._key(name)
        return [v.decode("latin-1") for k, v in self._response.raw_headers if k == key]

    def __repr__(self) -> str:
        return f"MutableHeaders({dict(self)!r})"


class Response:
    """A complete HTTP response.

    Args:
        content: ``bytes`` or ``str`` (encoded as UTF-8).
        status_code: The HTTP status.
        headers: Extra headers.
        media_type: The ``Content-Type`` (``charset=utf-8`` added for text).
    """

    media_type: str | None = None
    charset = "utf-8"
    body_iterator: Any = None
    background: Any = None

    def __init__(
        self,
        content: Any = None,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: Any = None,
    ) -> None:
        self.status_code = status_code
        if media_type is not None:
            self.media_type = media_type
        # Run once the response is sent (a `BackgroundTask(s)`, ours or Starlette's).
        self.background = background
        self.body = self.render(content)
        self.raw_headers: list[tuple[bytes, bytes]] = []
        for k, v in (headers or {}).items():
            self.raw_headers.append((k.lower().encode("latin-1"), str(v).encode("latin-1")))
        self._set_content_type()

    def render(self, content: Any) -> bytes:
        if content is None:
            return b""
        if isinstance(content, (bytes, bytearray, memoryview)):
            return bytes(content)
        return str(content).encode(self.charset)

    def _set_content_type(self) -> None:
        if self.media_type is None or any(k == b"content-type" for k, _ in self.raw_headers):
            return
        ct = self.media_type
        if ct.startswith("text/") and "charset=" not in ct:
            ct += f"; charset={self.charset}"
        self.raw_headers.append((b"content-type", ct.encode("latin-1")))

    @property
    def headers(self) -> MutableHeaders:
        """The headers, editable in place (``response.headers["x-a"] = "1"``)."""
        return MutableHeaders(self)

    def set_header(self, name: str, value: str) -> None:
        """Set (replace) one header."""
        key = name.lower().encode("latin-1")
        self.raw_headers = [(k, v) for k, v in self.raw_headers if k != key]
        self.raw_headers.append((key, value.encode("latin-1")))

    def set_cookie(
        self,
        key: str,
        value: str = "",
        max_age: int | None = None,
        path: str = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: str | None = "lax",
    ) -> None:
        """Add a ``Set-Cookie`` header."""
        parts = [f"{key}={quote(value, safe='')}", f"Path={path}"]
        if max_age is not None:
            parts.append(f"Max-Age={max_age}")
        if domain:
            parts.append(f"Domain={domain}")
        if secure:
            parts.append("Secure")
        if httponly:
            parts.append("HttpOnly")
        if samesite:
            parts.append(f"SameSite={samesite.capitalize()}")
        self.raw_headers.append((b"set-cookie", "; ".join(parts).encode("latin-1")))

    def delete_cookie(self, key: str, path: str = "/") -> None:
        """Expire a cookie on the client."""
        self.set_cookie(key, "", max_age=0, path=path)


class JSONResponse(Response):
    """JSON, serialized in Rust (datetimes, enums, models... supported)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return _api.dumps(content, to_plain)


class _DeprecatedJSONResponse(JSONResponse):
    """FastAPI's deprecated JSON classes: the same JSON, written in Rust."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from ouroboros.api.exceptions import FastAPIDeprecationWarning

        warnings.warn(
            f"{type(self).__name__} is deprecated: JSONResponse (or a return type / response_model) "
            "already writes JSON in Rust",
            FastAPIDeprecationWarning,
            stacklevel=2,
        )
        super().__init__(*args, **kwargs)


class UJSONResponse(_DeprecatedJSONResponse):
    """FastAPI's deprecated ``UJSONResponse`` (no ``ujson`` needed here)."""


class ORJSONResponse(_DeprecatedJSONResponse):
    """FastAPI's deprecated ``ORJSONResponse`` (no ``orjson`` needed here)."""


class HTMLResponse(Response):
    media_type = "text/html"


class PlainTextResponse(Response):
    media_type = "text/plain"


class RedirectResponse(Response):
    """Redirect to ``url`` (307 by default, like FastAPI)."""

    def __init__(
        self, url: str, status_code: int = 307, headers: Mapping[str, str] | None = None, background: Any = None
    ) -> None:
        super().__init__(b"", status_code=status_code, headers=headers, background=background)
        self.set_header("location", quote(str(url), safe=":/%#?=@[]!$&'()*+,;"))


class StreamingResponse(Response):
    """A body produced chunk by chunk by a (sync or async) iterator."""

    def __init__(
        self,
        content: AsyncIterable[Any] | Iterable[Any],
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: Any = None,
    ) -> None:
        super().__init__(None, status_code=status_code, headers=headers, media_type=media_type, background=background)
        self.body_iterator = content

    def encode_chunk(self, chunk: Any) -> bytes:
        if isinstance(chunk, (bytes, bytearray, memoryview)):
            return bytes(chunk)
        return str(chunk).encode(self.charset)


class FileResponse(StreamingResponse):
    """Stream a file from disk in 64 KiB chunks."""

    chunk_size = 64 * 1024

    def __init__(
        self,
        path: str | os.PathLike[str],
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: Any = None,
        filename: str | None = None,
    ) -> None:
        import mimetypes

        self.path = os.fspath(path)
        if media_type is None:
            media_type = mimetypes.guess_type(filename or self.path)[0] or "application/octet-stream"
        super().__init__(
            self._chunks(), status_code=status_code, headers=headers, media_type=media_type, background=background
        )
        stat = os.stat(self.path)
        self.set_header("content-length", str(stat.st_size))
        # Starlette's validators: the modification time, and a tag of it and the size.
        self.set_header("last-modified", formatdate(stat.st_mtime, usegmt=True))
        tag = hashlib.md5(f"{stat.st_mtime}-{stat.st_size}".encode(), usedforsecurity=False).hexdigest()
        self.set_header("etag", f'"{tag}"')
        if filename:
            self.set_header("content-disposition", f"attachment; filename*=utf-8''{quote(filename)}")

    def _chunks(self) -> Iterable[bytes]:
        with open(self.path, "rb") as f:
            while chunk := f.read(self.chunk_size):
                yield chunk


class ServerSentEvent:
    """One Server-Sent Event (``fastapi.sse.ServerSentEvent``).

    Args:
        data: The payload, always sent as JSON (``"hello"`` goes out quoted).
        raw_data: A payload sent as it is (text, HTML, CSV); not with ``data``.
        event: The event name (``event:`` line, one line).
        id: The event id (``id:`` line, one line, no NUL).
        retry: Reconnection delay in milliseconds (a non-negative integer).
        comment: A comment line (``: ...``), e.g. for keep-alives.

    Raises:
        ValueError: A field breaks one of the rules above.
    """

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        """Events in a stream's item type (``AsyncIterable[ServerSentEvent]``) are
        sent as they are, checked with ``isinstance``."""
        from ouroboros.validation.core import core_schema

        return core_schema.is_instance_schema(cls)

    def __init__(
        self,
        data: Any = None,
        *,
        raw_data: str | None = None,
        event: str | None = None,
        id: str | None = None,
        retry: int | None = None,
        comment: str | None = None,
    ) -> None:
        if data is not None and raw_data is not None:
            raise ValueError(
                "Cannot set both 'data' and 'raw_data' on the same ServerSentEvent: 'data' is sent as JSON, "
                "'raw_data' as it is"
            )
        for name, value in (("event", event), ("id", id)):
            if value is not None and ("\r" in value or "\n" in value):
                raise ValueError(f"SSE '{name}' must be a single line")
        if id is not None and "\0" in id:
            raise ValueError("SSE 'id' must not contain null characters")
        if retry is not None and (isinstance(retry, bool) or not isinstance(retry, int) or retry < 0):
            raise ValueError(f"SSE 'retry' must be a non-negative integer of milliseconds, got {retry!r}")
        self.data, self.raw_data, self.event, self.id, self.retry, self.comment = (
            data,
            raw_data,
            event,
            id,
            retry,
            comment,
        )

    def encode(self) -> bytes:
        data = self.raw_data
        if data is None and self.data is not None:
            dump_json = getattr(self.data, "model_dump_json", None)
            data = dump_json() if callable(dump_json) else json.dumps(to_plain_deep(self.data))
        return format_sse_event(data_str=data, event=self.event, id=self.id, retry=self.retry, comment=self.comment)


_SSE_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def format_sse_event(
    *,
    data_str: str | None = None,
    event: str | None = None,
    id: str | None = None,
    retry: int | None = None,
    comment: str | None = None,
) -> bytes:
    """One event in the ``text/event-stream`` wire format, in FastAPI's field
    order (comment, event, data, id, retry); multi-line comments and data get
    one prefixed line each; the event ends with a blank line."""
    lines = [f": {line}" for line in _SSE_LINE_BREAK.split(comment)] if comment is not None else []
    if event is not None:
        lines.append(f"event: {event}")
    if data_str is not None:
        lines.extend(f"data: {line}" for line in _SSE_LINE_BREAK.split(data_str))
    if id is not None:
        lines.append(f"id: {id}")
    if retry is not None:
        lines.append(f"retry: {retry}")
    return ("\n".join(lines) + "\n\n").encode("utf-8")


def to_plain_deep(value: Any) -> Any:
    """Plain JSON values for ``json.dumps`` (via the Rust encoder)."""
    return json.loads(_api.dumps(value, to_plain))


class EventSourceResponse(StreamingResponse):
    """A ``text/event-stream`` of `ServerSentEvent` (or plain data) items."""

    def __init__(
        self,
        content: AsyncIterable[Any] | Iterable[Any],
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        background: Any = None,
    ) -> None:
        super().__init__(
            content, status_code=status_code, headers=headers, media_type="text/event-stream", background=background
        )
        self.set_header("cache-control", "no-cache")
        self.set_header("x-accel-buffering", "no")

    def encode_chunk(self, chunk: Any) -> bytes:
        if isinstance(chunk, (bytes, bytearray, memoryview)):
            return bytes(chunk)  # an event already in the wire format
        if not isinstance(chunk, ServerSentEvent):
            chunk = ServerSentEvent(chunk)
        return chunk.encode()
