"""Request bodies: the byte streams and the encoders of ``content=``, ``data=``, ``files=`` and ``json=``.

A body is a stream: :class:`ByteStream` for bytes known up front (sent with a
``Content-Length``), or a wrapper around a sync or async iterator of bytes
(sent chunked unless the caller gave a ``Content-Length``). Multipart bodies
are written part by part, so a file is read when its part is sent.
"""

from __future__ import annotations

import contextlib
import io
import mimetypes
import os
import pathlib
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Mapping
from json import dumps as _json_dumps
from typing import Any
from urllib.parse import urlencode

from ouroboros.core import InvalidArgumentError

CHUNK = 64 * 1024


class SyncByteStream:
    """Base class of synchronous body streams: iterate to get ``bytes`` chunks."""

    def __iter__(self) -> Iterator[bytes]:
        raise NotImplementedError("a SyncByteStream subclass must implement __iter__")
        yield b""  # pragma: no cover - makes this a generator

    def close(self) -> None:
        """Release what the stream holds (nothing by default)."""


class AsyncByteStream:
    """Base class of asynchronous body streams: ``async for`` gives ``bytes`` chunks."""

    async def __aiter__(self) -> AsyncIterator[bytes]:
        raise NotImplementedError("an AsyncByteStream subclass must implement __aiter__")
        yield b""  # pragma: no cover - makes this an async generator

    async def aclose(self) -> None:
        """Release what the stream holds (nothing by default)."""


class ByteStream(AsyncByteStream, SyncByteStream):
    """Bytes known in full, readable both ways (and as many times as needed)."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def __iter__(self) -> Iterator[bytes]:
        yield self._data

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self._data


class _IteratorStream(SyncByteStream):
    """A sync iterator of bytes; it can be read once."""

    def __init__(self, source: Iterable[Any]) -> None:
        self._source = source
        self._used = False

    def __iter__(self) -> Iterator[bytes]:
        from ouroboros.http._errors import StreamConsumed

        if self._used and not isinstance(self._source, (list, tuple)):
            raise StreamConsumed("the request body is an iterator and was already sent; it cannot be sent twice")
        self._used = True
        for chunk in self._source:
            yield _chunk_bytes(chunk)

    def __getstate__(self) -> dict[str, Any]:
        return {}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._source, self._used = (), True


class _AsyncIteratorStream(AsyncByteStream):
    """An async iterator of bytes; it can be read once."""

    def __init__(self, source: AsyncIterable[Any]) -> None:
        self._source = source
        self._used = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        from ouroboros.http._errors import StreamConsumed

        if self._used:
            raise StreamConsumed("the request body is an async iterator and was already sent; it cannot be sent twice")
        self._used = True
        async for chunk in self._source:
            yield _chunk_bytes(chunk)

    def __getstate__(self) -> dict[str, Any]:
        return {}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._source, self._used = _Nothing(), True


class ClosedStream(AsyncByteStream, SyncByteStream):
    """Stands for an iterator body that cannot be read any more (after pickling)."""

    def __iter__(self) -> Iterator[bytes]:
        from ouroboros.http._errors import StreamClosed

        raise StreamClosed("the request body was an iterator that is no longer available; read() it before pickling")
        yield b""  # pragma: no cover

    async def __aiter__(self) -> AsyncIterator[bytes]:
        from ouroboros.http._errors import StreamClosed

        raise StreamClosed("the request body was an iterator that is no longer available; aread() it before pickling")
        yield b""  # pragma: no cover


class _Nothing:
    def __aiter__(self) -> _Nothing:
        return self

    async def __anext__(self) -> bytes:
        raise StopAsyncIteration


def _file_length(file: Any) -> int | None:
    """Bytes left in a file object, when it can tell without reading."""
    with contextlib.suppress(AttributeError, OSError, io.UnsupportedOperation):
        return os.fstat(file.fileno()).st_size - file.tell()
    try:
        here = file.tell()
        end = file.seek(0, os.SEEK_END)
        file.seek(here)
        return int(end - here)
    except (AttributeError, OSError, io.UnsupportedOperation):
        return None


def _whole_file_length(file: Any) -> int | None:
    """A file object's full size (multipart parts are read from its start)."""
    with contextlib.suppress(AttributeError, OSError, io.UnsupportedOperation):
        return os.fstat(file.fileno()).st_size
    try:
        here = file.tell()
        end = file.seek(0, os.SEEK_END)
        file.seek(here)
        return int(end)
    except (AttributeError, OSError, io.UnsupportedOperation):
        return None


class _FileStream(SyncByteStream):
    """A file object read in chunks as the body is sent."""

    def __init__(self, file: Any) -> None:
        self._file = file

    def __iter__(self) -> Iterator[bytes]:
        while True:
            chunk = self._file.read(CHUNK)
            if not chunk:
                return
            yield _chunk_bytes(chunk)


def _chunks_of(file: Any) -> Iterator[bytes]:
    while True:
        chunk = file.read(CHUNK)
        if not chunk:
            return
        yield chunk.encode("utf-8") if isinstance(chunk, str) else bytes(chunk)


def _chunk_bytes(chunk: Any) -> bytes:
    if isinstance(chunk, bytes):
        return chunk
    if isinstance(chunk, (bytearray, memoryview)):
        return bytes(chunk)
    if isinstance(chunk, str):
        return chunk.encode("utf-8")
    raise InvalidArgumentError(f"a request body iterator must give bytes, got {type(chunk).__name__}")


def _form_text(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return ""
    return str(value)


def encode_content(content: Any) -> tuple[dict[str, str], Any]:
    """Headers and stream for ``content=`` (bytes, str, or an iterator of bytes)."""
    if isinstance(content, (bytes, bytearray, memoryview, str)):
        body = content.encode("utf-8") if isinstance(content, str) else bytes(content)
        return ({"Content-Length": str(len(body))} if body else {}), ByteStream(body)
    if isinstance(content, (SyncByteStream, AsyncByteStream)):
        return {"Transfer-Encoding": "chunked"}, content
    if hasattr(content, "read") and not hasattr(content, "__aiter__"):
        size = _file_length(content)
        stream = _FileStream(content)
        if size is None:
            return {"Transfer-Encoding": "chunked"}, stream
        return {"Content-Length": str(size)}, stream
    if hasattr(content, "__aiter__"):
        return {"Transfer-Encoding": "chunked"}, _AsyncIteratorStream(content)
    if isinstance(content, Iterable) and not isinstance(content, Mapping):
        return {"Transfer-Encoding": "chunked"}, _IteratorStream(content)
    raise TypeError(f"Unexpected type for 'content', {type(content)!r}")


def encode_urlencoded(data: Mapping[str, Any]) -> tuple[dict[str, str], ByteStream]:
    pairs: list[tuple[str, str]] = []
    for key, value in data.items():
        values = value if isinstance(value, (list, tuple)) else [value]
        pairs.extend((str(key), _form_text(v)) for v in values)
    body = urlencode(pairs, doseq=True).encode("ascii")
    return (
        {"Content-Length": str(len(body)), "Content-Type": "application/x-www-form-urlencoded"},
        ByteStream(body),
    )


def encode_json(value: Any) -> tuple[dict[str, str], ByteStream]:
    body = _json_dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
    return {"Content-Length": str(len(body)), "Content-Type": "application/json"}, ByteStream(body)


# -- multipart/form-data ------------------------------------------------------


# HTML5 form encoding of names and filenames: quote, backslash and control characters
# (ESC excepted, as browsers do) are escaped.
_PARAM_ESCAPES = {'"': "%22", "\\": "\\\\", **{chr(c): f"%{c:02X}" for c in range(0x20) if c != 0x1B}}


def _quoted_param(text: str) -> str:
    return "".join(_PARAM_ESCAPES.get(c, c) for c in text)


def _read_file(value: Any) -> bytes:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, (pathlib.PurePath, os.PathLike)):
        return pathlib.Path(value).read_bytes()
    if hasattr(value, "read"):
        if hasattr(value, "seek"):
            with contextlib.suppress(OSError, io.UnsupportedOperation):
                value.seek(0)
        raw = value.read()
        return raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)
    raise TypeError(f"Invalid type for file value: expected bytes, str or a file object, got {type(value).__name__}")


class MultipartStream(AsyncByteStream, SyncByteStream):
    """``multipart/form-data`` of form fields and files, written part by part."""

    def __init__(self, data: Mapping[str, Any], files: Any, boundary: bytes | None = None) -> None:
        self.boundary = boundary if boundary is not None else os.urandom(16).hex().encode("ascii")
        self._parts: list[tuple[bytes, Any]] = []
        for name, value in data.items():
            if not isinstance(name, str):
                raise TypeError(f"Invalid type for name. Expected str, got {type(name).__name__}: {name!r}")
            for one in value if isinstance(value, (list, tuple)) else [value]:
                if not isinstance(one, (str, bytes, int, float)) and one is not None:
                    raise TypeError(
                        f"Invalid type for value. Expected primitive type, got {type(one).__name__}: {one!r}"
                    )
                head = f'Content-Disposition: form-data; name="{_quoted_param(name)}"\r\n\r\n'.encode()
                body = one if isinstance(one, bytes) else _form_text(one).encode("utf-8")
                self._parts.append((head, body))
        items = files.items() if isinstance(files, Mapping) else files
        for name, value in items:
            self._parts.append(self._file_part(str(name), value))

    @staticmethod
    def _file_part(name: str, value: Any) -> tuple[bytes, Any]:
        """The part header and body source of one ``files=`` entry."""
        ctype: str | None = None
        extra: Mapping[str, str] = {}
        if isinstance(value, tuple):
            if not 2 <= len(value) <= 4:
                raise InvalidArgumentError(f"files[{name!r}]: expected (filename, data[, content_type[, headers]])")
            filename: str | None = value[0]
            if len(value) > 2:
                ctype = value[2]
            if len(value) > 3:
                extra = value[3] or {}
            source = value[1]
        else:
            source = value
            fname = getattr(value, "name", None)
            filename = pathlib.Path(fname).name if isinstance(fname, str) else "upload"
        if isinstance(source, io.TextIOBase):
            raise TypeError(f"files[{name!r}]: open the file in binary mode ('rb'), not text mode")
        if not isinstance(source, (bytes, bytearray, memoryview, str, pathlib.PurePath, os.PathLike)) and not hasattr(
            source, "read"
        ):
            raise TypeError(f"Invalid type for file value: {type(source).__name__}")
        lines = [f'Content-Disposition: form-data; name="{_quoted_param(name)}"']
        if filename is not None:
            lines[0] += f'; filename="{_quoted_param(filename)}"'
        has_ctype = any(k.lower() == "content-type" for k in extra)
        lines.extend(f"{k}: {v}" for k, v in extra.items() if k.lower() != "content-type")
        if has_ctype:
            lines.extend(f"{k}: {v}" for k, v in extra.items() if k.lower() == "content-type")
        elif filename is not None:
            ctype = ctype or mimetypes.guess_type(filename)[0] or "application/octet-stream"
            lines.append(f"Content-Type: {ctype}")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")
        if isinstance(source, (bytearray, memoryview, str)):
            source = _read_file(source)
        elif isinstance(source, (pathlib.PurePath, os.PathLike)):
            try:
                os.stat(source)
            except OSError as exc:
                raise InvalidArgumentError(f"files[{name!r}]: cannot read {source}: {exc}") from exc
        return head, source

    def __iter__(self) -> Iterator[bytes]:
        # Files are read CHUNK bytes at a time as the body is sent: a large
        # upload never sits in memory whole.
        for head, body in self._parts:
            yield b"--" + self.boundary + b"\r\n" + head
            if isinstance(body, bytes):
                yield body
            elif isinstance(body, (pathlib.PurePath, os.PathLike)):
                with open(body, "rb") as f:
                    yield from _chunks_of(f)
            else:
                if hasattr(body, "seek"):
                    with contextlib.suppress(OSError, io.UnsupportedOperation):
                        body.seek(0)
                yield from _chunks_of(body)
            yield b"\r\n"
        yield b"--" + self.boundary + b"--\r\n"

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self:
            yield chunk

    def in_memory(self) -> bool:
        """Every part is already bytes (no file or path to read as it is sent)."""
        return all(isinstance(body, bytes) for _, body in self._parts)

    def content_length(self) -> int | None:
        """The body's size when every part's size is known without reading it."""
        total = 0
        for head, body in self._parts:
            total += len(self.boundary) + 4 + len(head) + 2
            if isinstance(body, bytes):
                total += len(body)
            elif isinstance(body, (pathlib.PurePath, os.PathLike)):
                total += os.path.getsize(body)
            else:
                size = _whole_file_length(body)
                if size is None:
                    return None
                total += size
        return total + len(self.boundary) + 6


def _boundary_of(content_type: str | None) -> bytes | None:
    if not content_type or not content_type.lower().startswith("multipart/form-data"):
        return None
    for param in content_type.split(";")[1:]:
        key, _, val = param.strip().partition("=")
        if key.strip().lower() == "boundary":
            return val.strip().strip('"').encode("latin-1")
    return None


def encode_multipart(data: Mapping[str, Any], files: Any, content_type: str | None) -> tuple[dict[str, str], Any]:
    boundary = _boundary_of(content_type)
    stream = MultipartStream(data, files, boundary)
    headers = {"Content-Type": f"multipart/form-data; boundary={stream.boundary.decode('ascii')}"}
    size = stream.content_length()
    if size is None:
        # A file that cannot tell its size is sent chunked, read as it goes.
        return {**headers, "Transfer-Encoding": "chunked"}, stream
    return {**headers, "Content-Length": str(size)}, stream


def encode_request(
    content: Any = None,
    data: Any = None,
    files: Any = None,
    json: Any = None,
    content_type: str | None = None,
) -> tuple[dict[str, str], Any]:
    """Headers and stream for a request body given in any of httpx's forms."""
    if data is not None and not isinstance(data, Mapping):
        import warnings

        warnings.warn("Use 'content=<...>' to upload raw bytes/text content.", DeprecationWarning, stacklevel=3)
        return encode_content(data)
    if content is not None:
        return encode_content(content)
    if files:
        return encode_multipart(data or {}, files, content_type)
    if data:
        return encode_urlencoded(data)
    if json is not None:
        return encode_json(json)
    return {}, ByteStream(b"")
