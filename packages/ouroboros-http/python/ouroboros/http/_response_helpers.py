"""The Python side of ``Response`` (the type itself is native).

Used for the cases the native code hands over: a body given to
``Response(content=...)`` as a Python iterator or byte stream, a body given
with a ``Content-Encoding`` (decoded as httpx does), iteration in chunks of a
fixed size or in a charset other than UTF-8, and async calls made from a trio
event loop (the native awaitables need asyncio; under trio the blocking
methods run in a worker thread).
"""

from __future__ import annotations

import codecs
import zlib
from collections.abc import AsyncIterator, Iterator
from typing import Any

from ouroboros.http._content import AsyncByteStream, ByteStream, ClosedStream, SyncByteStream

# -- content decoding -----------------------------------------------------------


class _Decoder:
    def decode(self, data: bytes) -> bytes:
        return data

    def flush(self) -> bytes:
        return b""


class _Zlib(_Decoder):
    def __init__(self, gzip: bool) -> None:
        self._gzip = gzip
        self._first = True
        self._obj = zlib.decompressobj(zlib.MAX_WBITS | 16 if gzip else zlib.MAX_WBITS)

    def decode(self, data: bytes) -> bytes:
        if not self._gzip and self._first and data:
            self._first = False
            try:
                return self._obj.decompress(data)
            except zlib.error:
                # "deflate" sent as raw deflate, without the zlib wrapper.
                self._obj = zlib.decompressobj(-zlib.MAX_WBITS)
        self._first = False
        return self._obj.decompress(data)

    def flush(self) -> bytes:
        return self._obj.flush()


class _Brotli(_Decoder):
    def __init__(self) -> None:
        import brotli

        self._obj = brotli.Decompressor()

    def decode(self, data: bytes) -> bytes:
        process = getattr(self._obj, "process", None) or self._obj.decompress
        return process(data) if data else b""


class _Zstd(_Decoder):
    def __init__(self) -> None:
        import zstandard

        self._new = zstandard.ZstdDecompressor().decompressobj
        self._obj = self._new()

    def decode(self, data: bytes) -> bytes:
        # A body may hold several frames (and skippable ones): a decompressor
        # object stops at the end of its frame, so the rest goes to a new one.
        out = [self._obj.decompress(data)] if data else []
        while self._obj.eof and self._obj.unused_data:
            rest = self._obj.unused_data
            self._obj = self._new()
            out.append(self._obj.decompress(rest))
        return b"".join(out)


def _decoders(codings: list[str]) -> list[_Decoder]:
    names = [n.strip().lower() for v in codings for n in v.split(",") if n.strip()]
    out: list[_Decoder] = []
    for name in names:
        if name == "gzip":
            out.append(_Zlib(gzip=True))
        elif name == "deflate":
            out.append(_Zlib(gzip=False))
        elif name == "br":
            out.append(_Brotli())
        elif name == "zstd":
            out.append(_Zstd())
        elif name != "identity":
            return []  # an unknown coding: the body is passed through as it is, like httpx
    return list(reversed(out))


def _decode_error(url: str, exc: Exception) -> Exception:
    from ouroboros.http._errors import DecodingError

    where = f"{url}: " if url else ""
    return DecodingError(f"{where}cannot decode the body ({type(exc).__name__}: {exc})", url=url or None)


class _Decoding:
    """Applies content codings (``Content-Encoding``, last applied first undone) chunk by chunk."""

    def __init__(self, codings: list[str], url: str = "") -> None:
        self._url = url
        try:
            self._chain = _decoders(codings)
        except ImportError as exc:
            raise _decode_error(url, exc) from None

    def decode(self, data: bytes) -> bytes:
        try:
            for d in self._chain:
                data = d.decode(data)
        except Exception as exc:  # noqa: BLE001 - zlib, brotli and zstandard raise their own types
            raise _decode_error(self._url, exc) from None
        return data

    def flush(self) -> bytes:
        data = b""
        try:
            for d in self._chain:
                data = d.decode(data) + d.flush()
        except Exception as exc:  # noqa: BLE001 - zlib, brotli and zstandard raise their own types
            raise _decode_error(self._url, exc) from None
        return data


def _response_decoding(response: Any) -> _Decoding:
    return _Decoding(response.headers.get_list("content-encoding"), str(response.url))


def decode_body(codings: list[str], body: bytes) -> bytes:
    """A body given to ``Response(content=...)`` with its ``Content-Encoding`` undone."""
    decoding = _Decoding(codings)
    if not decoding._chain:
        return body
    return decoding.decode(body) + decoding.flush()


# -- chunking -------------------------------------------------------------------


def _rechunk(chunks: Iterator[bytes], size: int | None) -> Iterator[bytes]:
    if size is None:
        yield from (c for c in chunks if c)
        return
    buf = b""
    for chunk in chunks:
        buf += chunk
        while len(buf) >= size:
            yield buf[:size]
            buf = buf[size:]
    if buf:
        yield buf


def _rechunk_text(chunks: Iterator[str], size: int | None) -> Iterator[str]:
    if size is None:
        yield from (c for c in chunks if c)
        return
    buf = ""
    for chunk in chunks:
        buf += chunk
        while len(buf) >= size:
            yield buf[:size]
            buf = buf[size:]
    if buf:
        yield buf


def _text_chunks(response: Any, chunks: Iterator[bytes]) -> Iterator[str]:
    decoder = codecs.getincrementaldecoder(response.encoding or "utf-8")(errors="replace")
    for chunk in chunks:
        text = decoder.decode(chunk)
        if text:
            yield text
    tail = decoder.decode(b"", final=True)
    if tail:
        yield tail


def _lines(texts: Iterator[str]) -> Iterator[str]:
    buf = ""
    for text in texts:
        buf += text
        lines = buf.splitlines(keepends=True)
        buf = ""
        for line in lines:
            if line.endswith(("\n", "\r")) and not (line.endswith("\r") and line is lines[-1]):
                yield line.rstrip("\r\n")
            else:
                buf = line
    if buf:
        yield buf.rstrip("\r\n")


# -- sync -----------------------------------------------------------------------


def _stream_consumed(response: Any) -> Exception:
    from ouroboros.http._errors import StreamConsumed

    return StreamConsumed(f"{response.url}: the body of this response was already read")


def _raw_chunks(response: Any) -> Iterator[bytes]:
    """The body's chunks before content decoding."""
    if response._python_body:
        stream = response._py_stream
        if stream is not None and not hasattr(stream, "__iter__"):
            raise RuntimeError("Attempted to call a sync iterator on an async stream.")
        response._py_stream_taken()
        for chunk in stream:
            chunk = bytes(chunk)
            response._add_downloaded(len(chunk))
            yield chunk
        response._mark_closed()
        return
    yield from response._native_iter(False)


def _decoded_chunks(response: Any) -> Iterator[bytes]:
    if not response._python_body:
        # Native bodies arrive decoded already.
        yield from _raw_chunks(response)
        return
    decoding = _response_decoding(response)
    for chunk in _raw_chunks(response):
        out = decoding.decode(chunk)
        if out:
            yield out
    tail = decoding.flush()
    if tail:
        yield tail


def read(response: Any) -> bytes:
    if response._python_body:
        # Iterating the body does not keep it (as in httpx: a second read of a
        # streamed body is refused); read() does.
        response._set_body(b"".join(_decoded_chunks(response)))
    return response.content


def iter_raw(response: Any, chunk_size: int | None = None) -> Iterator[bytes]:
    return _rechunk(_raw_chunks(response), chunk_size)


def iter_bytes(response: Any, chunk_size: int | None = None) -> Iterator[bytes]:
    return _rechunk(_decoded_chunks(response), chunk_size)


def iter_text(response: Any, chunk_size: int | None = None) -> Iterator[str]:
    return _rechunk_text(_text_chunks(response, _decoded_chunks(response)), chunk_size)


def iter_lines(response: Any, _chunk_size: int | None = None) -> Iterator[str]:
    return _lines(_text_chunks(response, _decoded_chunks(response)))


# -- async ----------------------------------------------------------------------


async def _to_thread(func: Any, *args: Any) -> Any:
    """Run a blocking call off the event loop, whichever loop it is."""
    import sniffio

    if sniffio.current_async_library() == "trio":
        import trio

        return await trio.to_thread.run_sync(func, *args)
    import asyncio

    return await asyncio.to_thread(func, *args)


async def _araw_chunks(response: Any) -> AsyncIterator[bytes]:
    if response._python_body:
        stream = response._py_stream
        if stream is not None and not hasattr(stream, "__aiter__"):
            raise RuntimeError("Attempted to call an async iterator on a sync stream.")
        response._py_stream_taken()
        async for chunk in stream:
            chunk = bytes(chunk)
            response._add_downloaded(len(chunk))
            yield chunk
        response._mark_closed()
        return
    if _asyncio_running():
        async for chunk in response._native_aiter(False):
            yield chunk
        return
    it = response._native_iter(False)
    end = object()
    while True:
        chunk = await _to_thread(next, it, end)
        if chunk is end:
            return
        yield chunk


def _asyncio_running() -> bool:
    import asyncio

    return asyncio._get_running_loop() is not None


async def _adecoded_chunks(response: Any) -> AsyncIterator[bytes]:
    if not response._python_body:
        async for chunk in _araw_chunks(response):
            if chunk:
                yield chunk
        return
    decoding = _response_decoding(response)
    async for chunk in _araw_chunks(response):
        out = decoding.decode(chunk)
        if out:
            yield out
    tail = decoding.flush()
    if tail:
        yield tail


async def aread(response: Any) -> bytes:
    if response._python_body:
        response._set_body(b"".join([chunk async for chunk in _adecoded_chunks(response)]))
        return response.content
    return await _to_thread(response.read)


async def aclose(response: Any) -> None:
    if response._python_body:
        if response.is_closed:
            return
        stream = response.stream  # the given stream, read or not
        if not hasattr(stream, "__aiter__"):
            raise RuntimeError("Attempted to call an async close on a sync stream.")
        if hasattr(stream, "aclose"):
            await stream.aclose()
        response._mark_closed()
        return
    response.close()


async def _arechunk(chunks: AsyncIterator[Any], size: int | None, empty: Any) -> AsyncIterator[Any]:
    buf = empty
    async for chunk in chunks:
        if size is None:
            if chunk:
                yield chunk
            continue
        buf += chunk
        while len(buf) >= size:
            yield buf[:size]
            buf = buf[size:]
    if buf:
        yield buf


async def _atext_chunks(response: Any) -> AsyncIterator[str]:
    decoder = None
    async for chunk in _adecoded_chunks(response):
        if decoder is None:
            decoder = codecs.getincrementaldecoder(response.encoding or "utf-8")(errors="replace")
        text = decoder.decode(chunk)
        if text:
            yield text
    if decoder is not None:
        tail = decoder.decode(b"", final=True)
        if tail:
            yield tail


def aiter_raw(response: Any, chunk_size: int | None = None) -> AsyncIterator[bytes]:
    return _arechunk(_araw_chunks(response), chunk_size, b"")


def aiter_bytes(response: Any, chunk_size: int | None = None) -> AsyncIterator[bytes]:
    return _arechunk(_adecoded_chunks(response), chunk_size, b"")


def aiter_text(response: Any, chunk_size: int | None = None) -> AsyncIterator[str]:
    return _arechunk(_atext_chunks(response), chunk_size, "")


async def aiter_lines(response: Any, _chunk_size: int | None = None) -> AsyncIterator[str]:
    texts = [t async for t in _atext_chunks(response)]
    for line in _lines(iter(texts)):
        yield line


# -- other parts of the response ------------------------------------------------


def links(response: Any) -> dict[str, dict[str, str]]:
    """The ``Link`` header: ``{rel or url: {"url": ..., "rel": ..., ...}}``."""
    out: dict[str, dict[str, str]] = {}
    header = response.headers.get("link")
    if not header:
        return out
    for part in header.split(","):
        if ";" in part:
            url, _, params = part.partition(";")
        else:
            url, params = part, ""
        link = {"url": url.strip().strip("<> '\"")}
        for param in params.split(";"):
            key, eq, value = param.partition("=")
            if eq:
                link[key.strip(" '\"")] = value.strip(" '\"")
        out[link.get("rel") or link["url"]] = link
    return out


class _ResponseIterStream(SyncByteStream):
    """A response body given as a sync iterator of bytes; it can be read once."""

    def __init__(self, source: Any) -> None:
        self._source = source
        self._used = False

    def __iter__(self) -> Iterator[bytes]:
        if self._used:
            raise _consumed_stream()
        self._used = True
        for chunk in self._source:
            yield bytes(chunk)

    def close(self) -> None:
        close = getattr(self._source, "close", None)
        if close is not None:
            close()


class _ResponseAsyncIterStream(AsyncByteStream):
    """A response body given as an async iterator of bytes; it can be read once."""

    def __init__(self, source: Any) -> None:
        self._source = source
        self._used = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self._used:
            raise _consumed_stream()
        self._used = True
        async for chunk in self._source:
            yield bytes(chunk)

    async def aclose(self) -> None:
        close = getattr(self._source, "aclose", None)
        if close is not None:
            await close()


def _consumed_stream() -> Exception:
    from ouroboros.http._errors import StreamConsumed

    return StreamConsumed("the body of this response was already read; a streamed body can be read once")


class _OpenStream(AsyncByteStream, SyncByteStream):
    """``Response.stream`` of a body still arriving from the network."""

    def __init__(self, response: Any) -> None:
        self._response = response

    def __iter__(self) -> Iterator[bytes]:
        yield from self._response.iter_raw()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._response.aiter_raw():
            yield chunk

    def close(self) -> None:
        self._response.close()

    async def aclose(self) -> None:
        await self._response.aclose()


def wrap_stream(source: Any) -> Any:
    """The stream object of a ``Response(content=<iterator>)`` (or ``stream=``)."""
    if isinstance(source, (SyncByteStream, AsyncByteStream)):
        return source
    if hasattr(source, "__aiter__"):
        return _ResponseAsyncIterStream(source)
    return _ResponseIterStream(source)


def stream_of(response: Any) -> Any:
    """``Response.stream`` for a body read into memory or still on the network."""
    from ouroboros.http._errors import ResponseNotRead

    if not response._python_body:
        try:
            return ByteStream(response.content)
        except ResponseNotRead:  # the body is still arriving
            return _OpenStream(response)
    return ClosedStream()


def reduce(response: Any) -> tuple[Any, tuple[Any, ...]]:
    try:
        content = response.content
    except Exception:  # noqa: BLE001 - an unread stream pickles as a closed one
        content = None
    return (
        _unpickle,
        (
            response.status_code,
            response.headers.multi_items(),
            content,
            str(response.url),
            getattr(_request_or_none(response), "method", "GET"),
            _request_or_none(response),
            response.encoding,
            {},  # as httpx: extensions (the connection's details) do not travel
            response.num_bytes_downloaded,
        ),
    )


def _request_or_none(response: Any) -> Any:
    try:
        return response.request
    except RuntimeError:
        return None


def _unpickle(
    status: int,
    headers: list[tuple[str, str]],
    content: bytes | None,
    url: str,
    method: str,
    request: Any,
    encoding: str,
    extensions: dict[str, Any],
    downloaded: int = 0,
) -> Any:
    from ouroboros.http._http import Response

    if content is None:
        # An unread stream cannot travel: the copy is closed, and not consumed.
        response = Response(
            status, headers=headers, stream=ClosedStream(), url=url, method=method, extensions=extensions
        )
        response._mark_closed()
    else:
        response = Response(status, headers=headers, url=url, method=method, extensions=extensions)
        response._set_body(content)
    if request is not None:
        response.request = request
    response._add_downloaded(downloaded)
    return response
