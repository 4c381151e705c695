"""`WebSocket`: the object a ``@app.websocket`` handler receives."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from ouroboros.api.exceptions import WebSocketDisconnect
from ouroboros.api.requests import Request

__all__ = ["WebSocket", "WebSocketState"]

# Open connections by id, so frames the Rust side delivers find their socket.
_open: dict[int, WebSocket] = {}


class WebSocketState:
    CONNECTING = 0
    CONNECTED = 1
    DISCONNECTED = 2


class WebSocket(Request):
    """One WebSocket connection (Starlette's API).

    The handshake is answered when the handler calls `accept` (101), or
    refused with 403 when it closes (or returns) first, as under Starlette's
    servers. Frames sent before `accept` wait for it.
    """

    _scope_type = "websocket"
    _plain_scheme = "ws"
    _secure_scheme = "wss"

    def __init__(self, data: Any, conn: Any) -> None:
        super().__init__(data)
        self._conn = conn
        self._events: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        self.client_state = WebSocketState.CONNECTING
        self.application_state = WebSocketState.CONNECTING
        self.close_code: int | None = None
        # What ended the handler unhandled (a TestClient raises it in the test).
        self._handler_error: BaseException | None = None
        _open[conn.id] = self

    def _deliver(self, kind: str, data: Any) -> None:
        self._events.put_nowait((kind, data))

    async def accept(self, subprotocol: str | None = None, headers: Any = None) -> None:
        """Accept the connection: the handshake's answer (101) is sent now,
        with ``subprotocol`` and extra ``headers`` (pairs of str or bytes)."""
        if self.application_state == WebSocketState.CONNECTING:
            self._conn.accept(subprotocol, _header_pairs(headers))
        self.client_state = WebSocketState.CONNECTED
        self.application_state = WebSocketState.CONNECTED

    async def receive(self) -> dict[str, Any]:
        """The next message as an ASGI-style dict.

        Raises:
            WebSocketDisconnect: The client closed the connection.
        """
        if self.client_state == WebSocketState.DISCONNECTED:
            raise WebSocketDisconnect(self.close_code or 1006)
        kind, data = await self._events.get()
        if kind != "close":
            # Lets the server read more from the client (it stops reading
            # while a window of frames waits here).
            self._conn.taken(len(data) if kind == "bytes" else len(data.encode()))
        if kind == "close":
            code, reason = data
            self.client_state = WebSocketState.DISCONNECTED
            self.close_code = code
            _open.pop(self._conn.id, None)
            raise WebSocketDisconnect(code, reason or None)
        if kind == "text":
            return {"type": "websocket.receive", "text": data}
        return {"type": "websocket.receive", "bytes": data}

    async def receive_text(self) -> str:
        message = await self.receive()
        if "text" not in message:
            raise TypeError("expected a text frame, got a binary one")
        return message["text"]

    async def receive_bytes(self) -> bytes:
        message = await self.receive()
        if "bytes" not in message:
            return message["text"].encode()
        return message["bytes"]

    async def receive_json(self, mode: str = "text") -> Any:
        message = await self.receive()
        raw = message.get("text") if "text" in message else message["bytes"]
        return json.loads(raw)

    def _check_open(self) -> None:
        if self.application_state == WebSocketState.DISCONNECTED:
            raise WebSocketDisconnect(self.close_code or 1000)

    async def send_text(self, data: str) -> None:
        """Send a text frame.

        Raises:
            WebSocketDisconnect: The connection is gone.
        """
        self._check_open()
        await self._sent(self._conn.send_text(data))

    async def _sent(self, state: int) -> None:
        if state == 0:
            raise WebSocketDisconnect(1006)
        if state == 2:
            # The client is a window behind: wait until it reads.
            fut = asyncio.get_running_loop().create_future()
            if self._conn.park(fut):
                await fut

    async def send_bytes(self, data: bytes) -> None:
        self._check_open()
        await self._sent(self._conn.send_bytes(bytes(data)))

    async def send_json(self, data: Any, mode: str = "text") -> None:
        text = json.dumps(data, separators=(",", ":"))
        if mode == "binary":
            await self.send_bytes(text.encode())
        else:
            await self.send_text(text)

    async def send_denial_response(self, response: Any) -> None:
        """Answer the handshake with ``response`` (an HTTP status, headers
        and body) instead of accepting it, as Starlette's.

        Raises:
            RuntimeError: The connection was accepted or closed already.
        """
        if self.application_state != WebSocketState.CONNECTING:
            raise RuntimeError("a denial response can only be sent before the WebSocket is accepted")
        self.application_state = WebSocketState.DISCONNECTED
        headers = [(_text(k), _text(v)) for k, v in response.raw_headers]
        self._conn.deny(response.status_code, headers, bytes(response.body))
        _open.pop(self._conn.id, None)

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        """Close the connection with ``code``."""
        if self.application_state != WebSocketState.DISCONNECTED:
            self.application_state = WebSocketState.DISCONNECTED
            self._conn.close(code, reason or "")
        _open.pop(self._conn.id, None)

    async def iter_text(self) -> AsyncIterator[str]:
        """Yield text messages until the client disconnects."""
        try:
            while True:
                yield await self.receive_text()
        except WebSocketDisconnect:
            return

    def __repr__(self) -> str:
        return f"<WebSocket {self.url_path}>"


def _header_pairs(headers: Any) -> list[tuple[str, str]] | None:
    """Starlette's ``accept(headers=)`` (pairs of bytes, or a mapping) as str pairs."""
    if not headers:
        return None
    items = headers.items() if hasattr(headers, "items") else headers
    return [(_text(k), _text(v)) for k, v in items]


def _text(value: str | bytes) -> str:
    return value.decode("latin-1") if isinstance(value, (bytes, bytearray)) else value


def deliver(conn_id: int, kind: str, data: Any) -> None:
    """Called by the Rust server for each frame (and the close)."""
    ws = _open.get(conn_id)
    if ws is not None:
        ws._deliver(kind, data)
