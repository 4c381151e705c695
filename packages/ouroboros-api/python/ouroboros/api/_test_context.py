"""What a `TestClient` adds to the routes it serves (only there).

Starlette's TestClient runs the app in a copy of the calling thread's
context, so a ``ContextVar`` the test sets is seen by handlers and
dependencies; and leaving ``with client.websocket_connect(...)`` returns once
the app is done with the connection (its dependencies' exit code included).
Our TestClient serves the app on a server thread: each route's entry is
wrapped to run the handler in a copy of the context of the test's last call,
and WebSocket handlers report when they end. Servers started by `App.serve`
are not wrapped (nothing is added to production requests).
"""

from __future__ import annotations

import collections.abc
import contextvars
import threading
from collections.abc import Callable, Generator
from typing import Any

# WebSocket handlers that ended, by the client's port: the test's session
# waits for its own (`WebSocketTestSession.__exit__`), and raises what ended
# the handler, as Starlette's TestClient does.
_ended: dict[int, threading.Event] = {}
_errors: dict[int, BaseException] = {}
_ended_lock = threading.Lock()


def websocket_ended(port: int) -> threading.Event:
    """The event set when the handler of the connection from ``port`` ends
    (the first of the two sides to ask creates it)."""
    with _ended_lock:
        return _ended.setdefault(port, threading.Event())


def forget_websocket(port: int) -> BaseException | None:
    """Forget the connection from ``port``; what ended its handler, if anything."""
    with _ended_lock:
        _ended.pop(port, None)
        return _errors.pop(port, None)


class _InContext(collections.abc.Coroutine):  # type: ignore[type-arg]
    """A coroutine whose every step runs in ``ctx``."""

    __slots__ = ("_coro", "_ctx")

    def __init__(self, ctx: contextvars.Context, coro: Any) -> None:
        self._ctx = ctx
        self._coro = coro

    def send(self, value: Any) -> Any:
        return self._ctx.run(self._coro.send, value)

    def throw(self, *args: Any) -> Any:
        return self._ctx.run(self._coro.throw, *args)

    def close(self) -> None:
        self._ctx.run(self._coro.close)

    def __next__(self) -> Any:
        return self.send(None)

    def __iter__(self) -> _InContext:
        return self

    def __await__(self) -> Generator[Any, None, Any]:
        return self  # type: ignore[return-value]


async def _reporting_end(coro: Any, ws: Any) -> Any:
    try:
        return await coro
    finally:
        client = getattr(ws, "client", None)
        if client is not None:
            error = getattr(ws, "_handler_error", None)
            if error is not None:
                with _ended_lock:
                    _errors[client[1]] = error
            websocket_ended(client[1]).set()


def in_client_context(invoke: Callable[..., Any], app: Any, websocket_index: int | None) -> Callable[..., Any]:
    """``invoke`` run in a copy of the context the app's `TestClient` last
    called from (``app._client_context``)."""

    def call(*values: Any) -> Any:
        base = app._client_context
        ctx = base.copy() if base is not None else contextvars.copy_context()
        result = ctx.run(invoke, *values)
        if websocket_index is not None:
            result = ctx.run(_reporting_end, result, values[websocket_index])
        if isinstance(result, collections.abc.Coroutine):
            return _InContext(ctx, result)
        return result

    return call
