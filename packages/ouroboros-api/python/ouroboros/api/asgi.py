"""Running an `App` under any ASGI 3 server (uvicorn, granian, httpx's
``ASGITransport``).

Routing, parameter parsing, model validation and JSON rendering are the same
Rust code the built-in server uses; only the transport differs. WebSocket
routes need the built-in server.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any

from ouroboros.api import _api, _serve

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

    def _build(self) -> None:
        if self.server is None:
            self.server = self.app.build_server(native_middleware=False, max_body_size=self.max_body_size)
            self.routes = self.app._compiled_routes
            self.on_error = _serve.make_on_error(self.app)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            self._build()
            await self._http(scope, receive, send)
        else:
            await send({"type": "websocket.close", "code": 1000})

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

    async def _read_body(self, receive: Receive) -> bytes | None:
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_size:
                return b"\x00too-large"
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = await self._read_body(receive)
        if body is None:
            return
        if body == b"\x00too-large":
            await _send_full(
                send, 413, [(b"content-type", b"application/json")], b'{"detail":"Request body is too large"}'
            )
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
            )
            if decision[0] == "response" and decision[1] == 422 and self.app._handles_validation_errors():
                raise _serve.validation_error(decision[3])
            if decision[0] == "response":
                _, status, headers, payload = decision
                await _send_full(send, status, headers, payload)
                return
            _, route, args = decision
            compiled = self.routes[route]
            result = compiled["invoke"](*args)
            if compiled["is_async"] or inspect.isawaitable(result):
                result = await result
        except Exception as exc:  # noqa: BLE001 - every error becomes a response, as in the server
            assert self.on_error is not None
            result = await self.on_error(exc, request)
            route = None
        rendered = _api.asgi_render(self.server, route, result)
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
            for chunk in iterator:
                await send({"type": "http.response.body", "body": response.encode_chunk(chunk), "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _send_full(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
