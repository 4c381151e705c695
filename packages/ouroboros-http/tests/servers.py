"""Real local servers for the tests, all on 127.0.0.1, each in its own thread.

- ``AppServer``: hypercorn serving :func:`app` (HTTP/1.1, h2c with prior
  knowledge, or TLS with ALPN h2 when given certificates).
- ``RawServer``: an asyncio socket server with a scripted misbehaviour
  (accept and stall, read the request and drop the connection, send a
  malformed response).
"""

from __future__ import annotations

import asyncio
import email.parser
import email.policy
import gzip
import json
import threading
import zlib
from collections import defaultdict
from typing import Any, Self
from urllib.parse import parse_qsl

COUNTERS: dict[str, int] = defaultdict(int)


async def _read_body(receive: Any) -> bytes:
    body = b""
    while True:
        msg = await receive()
        body += msg.get("body", b"")
        if not msg.get("more_body"):
            return body


async def _send(
    send: Any,
    status: int,
    body: bytes,
    headers: list[tuple[str, str]] | None = None,
    ctype: str | None = "application/json",
) -> None:
    h = [(k.lower().encode(), v.encode("latin-1")) for k, v in (headers or [])]
    if ctype:
        h.append((b"content-type", ctype.encode()))
    h.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": h})
    await send({"type": "http.response.body", "body": body})


def _json(obj: Any) -> bytes:
    return json.dumps(obj).encode()


JSON_1K = {"id": 1, "name": "ouroboros", "items": [{"n": i, "label": f"item-{i}", "ok": i % 2 == 0} for i in range(22)]}


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            msg = await receive()
            if msg["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif msg["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    path: str = scope["path"]
    query = parse_qsl(scope["query_string"].decode(), keep_blank_values=True)
    q = dict(query)
    headers = [(k.decode(), v.decode("latin-1")) for k, v in scope["headers"]]
    hmap = dict(headers)
    body = await _read_body(receive)
    if path == "/json":
        await _send(send, 200, _json(JSON_1K))
    elif path == "/echo":
        await _send(
            send,
            200,
            _json(
                {
                    "method": scope["method"],
                    "path": path,
                    "query": query,
                    "headers": headers,
                    "body": body.decode("latin-1"),
                    "http_version": scope["http_version"],
                    "scheme": scope["scheme"],
                }
            ),
        )
    elif path.startswith("/status/"):
        code = int(path.rsplit("/", 1)[1])
        extra = [("location", q["location"])] if "location" in q else []
        await _send(send, code, b"" if code in (204, 304) else _json({"status": code}), extra)
    elif path.startswith("/redirect/"):
        n = int(path.rsplit("/", 1)[1])
        target = "/echo" if n <= 1 else f"/redirect/{n - 1}"
        await _send(send, int(q.get("status", "302")), b"", [("location", target)], None)
    elif path == "/redirect-to":
        await _send(send, int(q.get("status", "302")), b"redirecting", [("location", q["url"])], "text/plain")
    elif path == "/loop":
        await _send(send, 302, b"", [("location", "/loop")], None)
    elif path == "/set-cookie":
        await _send(send, 200, b"{}", [("set-cookie", f"{k}={v}; Path=/") for k, v in query])
    elif path == "/delay":
        await asyncio.sleep(float(q.get("s", "1")))
        await _send(send, 200, _json({"delayed": True}))
    elif path == "/slow-body":
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/plain"), (b"content-length", b"100")],
            }
        )
        await send({"type": "http.response.body", "body": b"start", "more_body": True})
        await asyncio.sleep(float(q.get("s", "10")))
        await send({"type": "http.response.body", "body": b"x" * 95})
    elif path == "/stream":
        n = int(q.get("n", "5"))
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        for i in range(n):
            await send({"type": "http.response.body", "body": f"line {i}\n".encode(), "more_body": True})
        await send({"type": "http.response.body", "body": b""})
    elif path == "/bytes":
        await _send(send, 200, b"x" * int(q.get("n", "10")), ctype="application/octet-stream")
    elif path == "/flaky":
        key = q.get("key", "default")
        COUNTERS[key] += 1
        fails = int(q.get("fails", "2"))
        if COUNTERS[key] <= fails:
            extra = [("retry-after", q["retry_after"])] if "retry_after" in q else []
            await _send(send, int(q.get("status", "503")), _json({"attempt": COUNTERS[key]}), extra)
        else:
            await _send(send, 200, _json({"attempt": COUNTERS[key]}))
    elif path == "/count":
        await _send(send, 200, _json({"count": COUNTERS[q.get("key", "default")]}))
    elif path == "/encoded":
        raw = b'{"compressed": true, "pad": "' + b"a" * 2000 + b'"}'
        enc = q["enc"]
        if enc == "gzip":
            data = gzip.compress(raw)
        elif enc == "deflate":
            data = zlib.compress(raw)
        elif enc == "br":
            import brotli

            data = brotli.compress(raw)
        elif enc == "zstd-frames":
            import zstandard

            # Two frames with a skippable frame (magic 0x184D2A50, 4 bytes of data) between them.
            half = len(raw) // 2
            skippable = (0x184D2A50).to_bytes(4, "little") + (4).to_bytes(4, "little") + b"skip"
            compress = zstandard.ZstdCompressor().compress
            data, enc = compress(raw[:half]) + skippable + compress(raw[half:]), "zstd"
        else:
            import zstandard

            data = zstandard.ZstdCompressor().compress(raw)
        await _send(send, 200, data, [("content-encoding", enc)])
    elif path == "/multipart":
        ctype = hmap.get("content-type", "")
        msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {ctype}\r\n\r\n".encode() + body
        )
        parts = []
        for part in msg.iter_parts():
            parts.append(
                {
                    "name": part.get_param("name", header="content-disposition"),
                    "filename": part.get_filename(),
                    "type": part.get_content_type(),
                    "data": part.get_payload(decode=True).decode("latin-1"),
                }
            )
        await _send(send, 200, _json({"parts": parts}))
    elif path == "/latin1":
        await _send(send, 200, "café".encode("latin-1"), ctype="text/plain; charset=iso-8859-1")
    elif path == "/text":
        await _send(send, 200, "héllo wörld".encode(), ctype="text/plain; charset=utf-8")
    elif path == "/bad-json":
        await _send(send, 200, b'{"a": 1,,}')
    elif path == "/headers-multi":
        await _send(send, 200, b"{}", [("x-multi", "a"), ("x-multi", "b"), ("X-Case", "Keep")])
    elif path == "/bench":
        await _send(send, 200, _json(JSON_1K))
    else:
        await _send(send, 404, _json({"detail": "not found", "path": path}))


class AppServer:
    """Hypercorn in a background thread; ``url`` is set once it listens."""

    def __init__(
        self,
        *,
        certfile: str | None = None,
        keyfile: str | None = None,
        ca_certs: str | None = None,
        require_client_cert: bool = False,
    ) -> None:
        from hypercorn.config import Config

        self.config = Config()
        self.config.bind = ["127.0.0.1:0"]
        self.config.loglevel = "ERROR"
        self.config.accesslog = None
        self.config.errorlog = None
        self.config.graceful_timeout = 0.1
        if certfile:
            self.config.certfile = certfile
            self.config.keyfile = keyfile
            self.config.alpn_protocols = ["h2", "http/1.1"]
            if require_client_cert:
                import ssl

                self.config.ca_certs = ca_certs
                self.config.verify_mode = ssl.CERT_REQUIRED
        self.scheme = "https" if certfile else "http"
        self.url = ""
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        from hypercorn.asyncio import serve

        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            sock_holder: list[Any] = []
            orig_bind = self.config.create_sockets

            def create_sockets() -> Any:
                sockets = orig_bind()
                sock_holder.append(sockets)
                return sockets

            self.config.create_sockets = create_sockets  # type: ignore[method-assign]
            task = asyncio.ensure_future(serve(app, self.config, shutdown_trigger=self._stop.wait))
            while not sock_holder:
                await asyncio.sleep(0.01)
            s = sock_holder[0]
            port = (s.secure_sockets or s.insecure_sockets)[0].getsockname()[1]
            self.url = f"{self.scheme}://127.0.0.1:{port}"
            await asyncio.sleep(0.05)
            self._ready.set()
            await task

        asyncio.run(main())

    def start(self) -> AppServer:
        self._thread.start()
        if not self._ready.wait(15):
            raise RuntimeError("test server did not start")
        return self

    def stop(self) -> None:
        if self._loop and self._stop:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(5)


class StreamServer:
    """An asyncio socket server on its own thread, for servers written by hand.

    Subclasses implement ``_handle(reader, writer)``; ``start()`` returns once
    ``url`` is bound on a free loopback port, ``stop()`` closes it.
    """

    def __init__(self) -> None:
        self.url = ""
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        raise NotImplementedError

    def _run(self) -> None:
        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
            self.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
            self._ready.set()
            async with server:
                await self._stop.wait()

        asyncio.run(main())

    def start(self) -> Self:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError(f"{type(self).__name__} did not start")
        return self

    def stop(self) -> None:
        if self._loop and self._stop:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(5)


class RawServer(StreamServer):
    """A socket server that misbehaves on purpose.

    Modes: ``stall`` (accept, never answer), ``drop`` (read the request, close),
    ``garbage`` (answer with bytes that are not HTTP), ``midbody`` (promise 1000
    bytes, send 10, close), ``bomb`` (a gzip body of about 0.5 MB that inflates to
    512 MiB), ``endless`` (a chunked body that never ends), ``pattern`` (a 25 MiB body whose
    bytes say where they belong, see ``pattern_block``), ``cookies`` (a 100 KB
    ``Set-Cookie`` and 50 small ones), ``status700`` and ``status99`` (status lines outside 100-599).
    """

    BOMB_INFLATED = 512 << 20
    _bomb: bytes | None = None

    @classmethod
    def bomb_body(cls) -> bytes:
        """gzip of BOMB_INFLATED zero bytes, made once."""
        if cls._bomb is None:
            import zlib

            z = zlib.compressobj(9, zlib.DEFLATED, 31)
            zeros = bytes(1 << 20)
            parts = [z.compress(zeros) for _ in range(cls.BOMB_INFLATED >> 20)]
            cls._bomb = b"".join(parts) + z.flush()
        return cls._bomb

    PATTERN_BLOCKS = 400

    @staticmethod
    def pattern_block(i: int) -> bytes:
        """Block ``i`` of the ``pattern`` body: 65521 bytes (a prime, so block
        and chunk edges fall apart) of one value that changes with ``i``."""
        return bytes([i % 251]) * 65521

    def __init__(self, mode: str) -> None:
        super().__init__()
        self.mode = mode
        self.connections = 0
        # Bytes written by ``endless`` handlers, and handlers that ended (the
        # client closed its connection).
        self.sent = 0
        self.finished = 0

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            if self.mode == "stall":
                await asyncio.sleep(60)
                return
            await reader.readuntil(b"\r\n\r\n")
            if self.mode == "garbage":
                writer.write(b"THIS IS NOT HTTP\r\n\r\n")
                await writer.drain()
            elif self.mode == "midbody":
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n0123456789")
                await writer.drain()
            elif self.mode == "bomb":
                body = self.bomb_body()
                head = f"HTTP/1.1 200 OK\r\ncontent-encoding: gzip\r\ncontent-length: {len(body)}\r\n\r\n"
                writer.write(head.encode())
                for i in range(0, len(body), 1 << 16):
                    writer.write(body[i : i + (1 << 16)])
                    await writer.drain()
            elif self.mode == "pattern":
                blocks = [self.pattern_block(i) for i in range(self.PATTERN_BLOCKS)]
                head = f"HTTP/1.1 200 OK\r\ncontent-length: {sum(map(len, blocks))}\r\n\r\n"
                writer.write(head.encode())
                for block in blocks:
                    writer.write(block)
                    await writer.drain()
            elif self.mode == "endless":
                writer.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
                chunk = b"%x\r\n" % (1 << 16) + bytes(1 << 16) + b"\r\n"
                while True:
                    writer.write(chunk)
                    await writer.drain()
                    self.sent += len(chunk)
            elif self.mode == "cookies":
                lines = [b"HTTP/1.1 200 OK", b"set-cookie: big=" + b"x" * 100_000]
                lines += [b"set-cookie: c%d=v%d" % (i, i) for i in range(50)]
                lines += [b"content-length: 2", b"", b"ok"]
                writer.write(b"\r\n".join(lines))
                await writer.drain()
            elif self.mode == "status700":
                writer.write(b"HTTP/1.1 700 Weird\r\ncontent-length: 2\r\n\r\nok")
                await writer.drain()
            elif self.mode == "status99":
                writer.write(b"HTTP/1.1 099 Low\r\ncontent-length: 2\r\n\r\nok")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self.finished += 1
            writer.close()


class SinkServer(StreamServer):
    """Reads request bodies without keeping them (``Content-Length`` or chunked)
    and answers with what arrived: ``{"length", "sha256", "chunked",
    "content_length"}``. ``incomplete`` counts bodies cut short by the client.
    ``delay`` (seconds per 1 MiB read) makes it a slow reader."""

    def __init__(self, delay: float = 0.0) -> None:
        super().__init__()
        self.delay = delay
        self.incomplete = 0
        self.completed: list[dict[str, Any]] = []

    async def _read_body(self, reader: asyncio.StreamReader, chunked: bool, size: int) -> tuple[int, str]:
        import hashlib

        digest = hashlib.sha256()
        length = since_pause = 0

        async def take(n: int) -> None:
            nonlocal length, since_pause
            while n:
                piece = await reader.read(min(n, 1 << 16))
                if not piece:
                    raise asyncio.IncompleteReadError(b"", n)
                digest.update(piece)
                length += len(piece)
                n -= len(piece)
                since_pause += len(piece)
                if self.delay and since_pause >= 1 << 20:
                    since_pause = 0
                    await asyncio.sleep(self.delay)

        if chunked:
            while True:
                n = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if n == 0:
                    await reader.readuntil(b"\r\n")
                    break
                await take(n)
                await reader.readexactly(2)
        else:
            await take(size)
        return length, digest.hexdigest()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except asyncio.IncompleteReadError:
                    return
                fields = {
                    k.strip().lower(): v.strip()
                    for k, _, v in (line.partition(":") for line in head.decode("latin-1").split("\r\n")[1:] if line)
                }
                chunked = fields.get("transfer-encoding", "").lower() == "chunked"
                try:
                    length, digest = await self._read_body(reader, chunked, int(fields.get("content-length", "0")))
                except (asyncio.IncompleteReadError, ValueError):
                    self.incomplete += 1
                    return
                result = {
                    "length": length,
                    "sha256": digest,
                    "chunked": chunked,
                    "content_length": fields.get("content-length"),
                    "content_type": fields.get("content-type"),
                }
                self.completed.append(result)
                body = json.dumps(result).encode()
                writer.write(
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n" % len(body)
                    + body
                )
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            self.incomplete += 1
        finally:
            writer.close()
