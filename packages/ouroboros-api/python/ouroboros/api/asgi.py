"""Running an `App` under any ASGI 3 server (uvicorn, granian, httpx's
``ASGITransport``).

Routing, parameter parsing, model validation and JSON rendering are the same
Rust code the built-in server uses; only the transport differs. WebSocket
routes are served too: the handler's `WebSocket` talks to the ASGI server
through `_AsgiConnection`, with the same bounded windows in both directions.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import itertools
from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any

from ouroboros.api import _api, _plan, _serve, _threads
from ouroboros.api._encoding import ForeignResponse
from ouroboros.api._threads import run_sync
from ouroboros.api.background import run_background
from ouroboros.api.requests import ASGI_SCHEME

if TYPE_CHECKING:
    from ouroboros.api.app import App

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class ASGIAdapter:
    """The ASGI side of one app (built on the first request)."""

    def __init__(self, app: App, max_body_size: int = 1024 * 1024) -> None:
        self.app = app
        self.max_body_size = max_body_size
        self.server: Any = None
        self.routes: list[dict[str, Any]] = []
        self.on_error: Callable[..., Any] | None = None
        self.lifespan_stack: contextlib.AsyncExitStack | None = None
        self.read_limit: int | None = None
        self.overrides: dict[Any, Any] = {}
        self.reads_bodies = True
        self.reads_forms = False

    def _build(self) -> None:
        if self.server is not None and self.overrides != (self.app.dependency_overrides or {}):
            # Routes are compiled with the overrides: compiled again when they change.
            self.server = None
            self.read_limit = None
        if self.server is None:
            self.overrides = dict(self.app.dependency_overrides or {})
            self.server = self.app.build_server(native_middleware=False, max_body_size=self.max_body_size)
            self.routes = self.app._compiled_routes
            # Whether any route may read the body (body parameters, or a
            # Request the handler may read it from): when none does, a request
            # that announces no body (HTTP/1 without Content-Length or
            # Transfer-Encoding) is not read at all; else it is read whatever
            # the headers say, as some ASGI callers omit them.
            self.reads_bodies = any(
                (r["wants_request"] and not getattr(route.endpoint, "_reads_no_body", False))
                or any(p["source"] in _BODY_SOURCES for p in r["params"])
                for r, route in zip(self.routes, self.app._served_routes, strict=True)
            )
            # Whether a route parses multipart bodies itself: those are fed to
            # the parser as they arrive (`_feed_form`), not read whole.
            self.reads_forms = any(
                not r["wants_request"] and any(p["source"] in _FORM_SOURCES for p in r["params"]) for r in self.routes
            )
            self.on_error = _serve.make_on_error(self.app)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        self._build()
        token = _threads.ANYIO_THREADS.set(True)
        scheme = ASGI_SCHEME.set(scope.get("scheme") or "http")
        try:
            if scope["type"] == "http":
                await self._http(scope, receive, send)
            elif scope["type"] == "websocket":
                await self._websocket(scope, receive, send)
        finally:
            ASGI_SCHEME.reset(scheme)
            _threads.ANYIO_THREADS.reset(token)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    self.lifespan_stack = contextlib.AsyncExitStack()
                    await self.lifespan_stack.enter_async_context(self.app.run_lifespan())
                except Exception as exc:  # noqa: BLE001 - reported to the ASGI server
                    await send({"type": "lifespan.startup.failed", "message": repr(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self.lifespan_stack is not None:
                    await self.lifespan_stack.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The handshake's first message is read when the handler accepts (as
        # Starlette does): dependencies run, and may fail, before that.
        conn = _AsgiConnection(receive, send)
        make_websocket = _serve.make_websocket_factory(self.app, self.app.root_path)
        client = scope.get("client")
        decision = _api.asgi_dispatch(
            self.server,
            "WEBSOCKET",
            scope["path"],
            scope.get("query_string", b"").decode("latin-1"),
            list(scope.get("headers", [])),
            b"",
            tuple(client) if client else None,
            lambda data: make_websocket(data, conn),
        )
        if decision[0] == "response":
            # No route, or invalid parameters: refused before the handshake
            # (FastAPI closes with 1008 for the latter; 403 over HTTP).
            await send({"type": "websocket.close", "code": 1008 if decision[1] == 422 else 1000})
            return
        _, route, args = decision
        deferred: list[Callable[[], Any]] = []
        token = _plan.AFTER_RESPONSE.set(deferred)
        try:
            await self.routes[route]["invoke"](*args)
        finally:
            _plan.AFTER_RESPONSE.reset(token)
            await conn.finish()
            for run in deferred:
                await run()

    def _read_limit(self) -> int:
        """The most any route accepts: reading stops past it."""
        limits = [self.route_limit(r) for r in range(len(self.routes))]
        return max(limits, default=self.max_body_size)

    def route_limit(self, route: int) -> int:
        limit = self.routes[route].get("max_body_size")
        return self.max_body_size if limit is None else limit

    async def _read_body(self, scope: Scope, receive: Receive) -> bytes | None:
        if not self.reads_bodies and _no_body(scope):
            return b""
        chunks, size = [], 0
        if self.read_limit is None:
            self.read_limit = self._read_limit()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.read_limit:
                return b"\x00too-large"
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Background tasks and request-scoped exit code run here, after the
        # response, in this same call and task, as under Starlette (a yield
        # dependency's cancel scopes and task groups exit where they entered).
        deferred: list[Callable[[], Any]] = []
        token = _plan.AFTER_RESPONSE.set(deferred)
        try:
            await self._http_one(scope, receive, send)
        finally:
            _plan.AFTER_RESPONSE.reset(token)
            for run in deferred:
                await run()

    async def _feed_form(self, form: Any, receive: Receive) -> bool:
        """Feed a multipart body to its parser as it arrives: files past
        1 MiB go to disk, so an upload of any size holds a chunk or two of
        memory (Starlette's `SpooledTemporaryFile`). Once files spool, the
        parser runs on the thread pool. False: the client left."""
        pool = self.app.thread_pool
        while not form.done:
            message = await receive()
            if message["type"] == "http.disconnect":
                return False
            chunk = message.get("body", b"")
            if chunk:
                if form.spooling:
                    await run_sync(pool, functools.partial(form.feed, chunk))
                else:
                    form.feed(chunk)
            if not message.get("more_body", False):
                await run_sync(pool, form.finish) if form.spooling else form.finish()
                break
        return True

    async def _http_one(self, scope: Scope, receive: Receive, send: Send) -> None:
        form = None
        if self.reads_forms:
            form = _api.asgi_form_feed(self.server, scope["method"], scope["path"], list(scope.get("headers", [])))
        if form is not None:
            if not await self._feed_form(form, receive):
                return
            body = b""
        else:
            body = await self._read_body(scope, receive)
            if body is None:
                return
            if body == b"\x00too-large":
                await _send_too_large(send)
                return
        client = scope.get("client")
        request = None
        route: int | None = None
        try:
            decision = _api.asgi_dispatch(
                self.server,
                scope["method"],
                scope["path"],
                scope.get("query_string", b"").decode("latin-1"),
                list(scope.get("headers", [])),
                body,
                tuple(client) if client else None,
                None,
                form,
            )
            if decision[0] == "response" and decision[1] == 422 and self.app._handles_validation_errors():
                raise _serve.validation_error(decision[3])
            if decision[0] == "response":
                _, status, headers, payload = decision
                await _send_full(send, status, headers, payload)
                return
            if decision[0] == "errors":
                # Refused parameters: the valid dependencies run first, then the 422.
                _, route, args, errors = decision
                await self.routes[route]["before_errors"](*args, error=_serve.validation_error(errors))
            _, route, args = decision
            if len(body) > self.route_limit(route):
                await _send_too_large(send)
                return
            compiled = self.routes[route]
            result = _plan.call_route(compiled, args)
            if compiled["is_async"] or inspect.isawaitable(result):
                result = await result
        except Exception as exc:  # every error becomes a response, as in the server
            assert self.on_error is not None
            result = await self.on_error(exc, request)
            route = None
            if _unhandled(self.app, exc):
                # As Starlette: the 500 is sent, then the error goes on to
                # the ASGI server (which logs it; httpx's transport raises it).
                await self._respond(send, route, result)
                raise
        await self._respond(send, route, result)

    async def _respond(self, send: Send, route: int | None, result: Any) -> None:
        try:
            rendered = _api.asgi_render(self.server, route, result)
        except ForeignResponse as foreign:
            rendered = _api.asgi_render(self.server, None, foreign.adopt())
        if rendered[0] == "full":
            _, status, headers, payload = rendered
            await _send_full(send, status, headers, payload)
            return
        response = rendered[1]
        await send({"type": "http.response.start", "status": response.status_code, "headers": response.raw_headers})
        iterator = response.body_iterator
        if hasattr(iterator, "__aiter__"):
            async for chunk in iterator:
                await send({"type": "http.response.body", "body": response.encode_chunk(chunk), "more_body": True})
        else:
            # Sync iterators (FileResponse's reads) run on the app's pool, off
            # the event loop; `send` waits for the client, so memory stays bounded.
            it = iter(iterator)
            step = functools.partial(next, it, _serve._STOP)
            while (chunk := await run_sync(self.app.thread_pool, step)) is not _serve._STOP:
                await send({"type": "http.response.body", "body": response.encode_chunk(chunk), "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        for after in getattr(response, "_after_body", ()):
            await after()
        if response.background is not None:
            await run_background(response.background, self.app.thread_pool)


_BODY_SOURCES = frozenset({"body", "body_field", "form", "file"})
_FORM_SOURCES = frozenset({"form", "file"})


def _no_body(scope: Scope) -> bool:
    """An HTTP/1 request with neither ``Content-Length`` nor ``Transfer-Encoding``
    has no body (RFC 9112 6.3): nothing is read for it (Starlette reads
    only when asked; an app called directly may give a ``receive`` that
    must not be awaited)."""
    if scope.get("http_version", "1.1") not in ("1.0", "1.1"):
        return False
    return not any(k.lower() in (b"content-length", b"transfer-encoding") for k, _ in scope.get("headers", ()))


def _unhandled(app: App, exc: Exception) -> bool:
    """No handler of the app took ``exc`` and it is not one FastAPI answers itself."""
    from ouroboros.api.exceptions import HTTPException, RequestValidationError

    if isinstance(exc, (HTTPException, RequestValidationError, ForeignResponse)) or _serve._starlette_http_exception(
        exc
    ):
        return False
    return not any(cls in app.exception_handlers for cls in type(exc).__mro__ if cls not in (Exception, BaseException))


async def _send_too_large(send: Send) -> None:
    await _send_full(send, 413, [(b"content-type", b"application/json")], b'{"detail":"Request body is too large"}')


async def _send_full(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class _AsgiConnection:
    """What `WebSocket` needs from its connection (the Rust server's
    `WsConnection` interface), over ASGI ``receive``/``send``.

    Sends are queued for a writer task; past `SEND_WINDOW` bytes the handler
    parks until the ASGI server has taken half of them. Received frames are
    read by a reader task only while fewer than `RECEIVE_WINDOW` bytes wait
    for the handler.
    """

    SEND_WINDOW = 256 * 1024
    RECEIVE_WINDOW = 1024 * 1024
    _ids = itertools.count(1 << 48)

    def __init__(self, receive: Receive, send: Send) -> None:
        self.id = next(self._ids)
        self._receive, self._send = receive, send
        self._out: asyncio.Queue[tuple[MutableMapping[str, Any] | None, int]] = asyncio.Queue()
        self._queued = 0
        self._waiter: asyncio.Future[None] | None = None
        self._pending = 0
        self._room = asyncio.Event()
        self._room.set()
        self._connected = asyncio.Event()
        self._gone = False
        self._accepted = False
        self._tasks: list[asyncio.Task[None]] = []

    def accept(self, subprotocol: str | None = None, headers: Any = None) -> None:
        """Send the handshake's answer (`WebSocket.accept`)."""
        self._start(subprotocol, headers)

    def _start(self, subprotocol: str | None = None, headers: Any = None) -> None:
        if not self._accepted:
            self._accepted = True
            accept: dict[str, Any] = {"type": "websocket.accept", "subprotocol": subprotocol}
            if headers:
                accept["headers"] = [(k.lower().encode(), v.encode()) for k, v in dict(headers).items()]
            self._out.put_nowait((accept, 0))
            loop = asyncio.get_running_loop()
            self._tasks = [loop.create_task(self._writer()), loop.create_task(self._reader())]

    def _queue(self, message: MutableMapping[str, Any], size: int) -> int:
        if self._gone:
            return 0
        self._start()
        self._out.put_nowait((message, size))
        self._queued += size
        return 2 if self._queued > self.SEND_WINDOW else 1

    def send_text(self, text: str) -> int:
        return self._queue({"type": "websocket.send", "text": text}, len(text))

    def send_bytes(self, data: bytes) -> int:
        return self._queue({"type": "websocket.send", "bytes": bytes(data)}, len(data))

    def park(self, future: asyncio.Future[None]) -> bool:
        if self._gone or self._queued <= self.SEND_WINDOW // 2:
            return False
        self._waiter = future
        return True

    def taken(self, size: int) -> None:
        self._pending = max(0, self._pending - size)
        if self._pending <= self.RECEIVE_WINDOW:
            self._room.set()

    def close(self, code: int = 1000, reason: str = "") -> None:
        if not self._gone:
            self._start()
            self._out.put_nowait(({"type": "websocket.close", "code": code, "reason": reason}, 0))
        self._out.put_nowait((None, 0))

    def _wake(self) -> None:
        if self._waiter is not None and (self._gone or self._queued <= self.SEND_WINDOW // 2):
            if not self._waiter.done():
                self._waiter.set_result(None)
            self._waiter = None

    async def _writer(self) -> None:
        try:
            # The client's `websocket.connect`, read once the handler answers it.
            if (await self._receive())["type"] != "websocket.connect":
                return
            self._connected.set()
            while True:
                message, size = await self._out.get()
                if message is None:
                    break
                await self._send(message)
                self._queued -= size
                self._wake()
        except Exception:  # noqa: BLE001 - the client is gone: sends now answer 0
            pass
        finally:
            self._gone = True
            self._wake()

    async def _reader(self) -> None:
        from ouroboros.api.websockets import deliver

        await self._connected.wait()
        while True:
            await self._room.wait()
            message = await self._receive()
            kind = message["type"]
            if kind != "websocket.receive":
                # A disconnect, or a message the protocol does not allow here (Starlette
                # raises on it): reading stops. Going on would spin on a `receive` that
                # answers at once, starving the loop.
                code = message.get("code", 1005) if kind == "websocket.disconnect" else 1002
                deliver(self.id, "close", (code, message.get("reason") or ""))
                self._gone = True
                self._wake()
                return
            if message.get("text") is not None:
                data: Any = message["text"]
                self._pending += len(data.encode())
                deliver(self.id, "text", data)
            elif message.get("bytes") is not None:
                data = message["bytes"]
                self._pending += len(data)
                deliver(self.id, "bytes", data)
            if self._pending > self.RECEIVE_WINDOW:
                self._room.clear()

    async def finish(self) -> None:
        """After the handler: let the writer send what is queued, stop reading."""
        self._out.put_nowait((None, 0))
        if self._tasks:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(self._tasks[0]), 10)
            for task in self._tasks:
                task.cancel()
