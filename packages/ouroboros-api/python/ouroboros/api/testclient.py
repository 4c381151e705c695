"""`TestClient`: the real Rust server on a free loopback port, driven by httpx.

Unlike FastAPI's ASGI-based client, requests go through the same server,
router and parameter parsing as production: what the tests see is what users
get.
"""

from __future__ import annotations

import asyncio
import threading
from types import TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

    from ouroboros.api.app import App

__all__ = ["AsyncTestClient", "TestClient", "WebSocketTestSession"]


class TestClient:
    """Serve ``app`` in a background thread for the duration of a ``with``.

    Args:
        app: The application.
        raise_server_exceptions: An exception no handler of the app catches
            (answered with 500) is raised again in the test after the
            request, as FastAPI's TestClient does; ``False`` returns the 500.
        cookies: Cookies sent with every request.
        headers: Headers sent with every request.
        follow_redirects: Follow redirects (FastAPI's default).
        **serve_options: Passed to `App.serve` (limits and timeouts).

    Every httpx.Client method (``get``, ``post``, ``request``...) is
    available; lifespan startup runs on enter and shutdown on exit.
    """

    __test__ = False  # not a pytest test class

    def __init__(
        self,
        app: App,
        *,
        raise_server_exceptions: bool = True,
        cookies: Any = None,
        headers: Any = None,
        follow_redirects: bool = True,
        **serve_options: Any,
    ) -> None:
        self.app = app
        self.raise_server_exceptions = raise_server_exceptions
        self._client_options = {"cookies": cookies, "headers": headers, "follow_redirects": follow_redirects}
        self.serve_options = serve_options
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: Any = None
        self._client: httpx.Client | None = None
        self._error: BaseException | None = None
        self.base_url = ""

    def start(self) -> None:
        """Start the server (done by ``with`` or the first request)."""
        if self._thread is not None:
            return
        import httpx

        ready = threading.Event()

        def started(server: Any, address: tuple[str, int]) -> None:
            self._server = server
            self.base_url = f"http://{address[0]}:{address[1]}"
            ready.set()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(
                    self.app.serve("127.0.0.1", 0, install_signal_handlers=False, started=started, **self.serve_options)
                )
            except BaseException as exc:  # noqa: BLE001 - reported to the thread that called start()
                self._error = exc
            finally:
                loop.close()
                ready.set()

        self._thread = threading.Thread(target=run, name="ouroboros-api-testclient", daemon=True)
        self._thread.start()
        ready.wait(30)
        if self._error is not None or not self.base_url:
            raise RuntimeError(f"the test server did not start: {self._error!r}") from self._error
        self.app._server_exceptions = [] if self.raise_server_exceptions else None
        self._client = httpx.Client(
            base_url=self.base_url,
            timeout=30,
            event_hooks={"response": [self._reraise]},
            **self._client_options,
        )

    def _reraise(self, response: httpx.Response) -> None:
        """Raise the exception behind a 500 the app did not handle."""
        sink = self.app._server_exceptions
        if sink and self.raise_server_exceptions:
            exc = sink.pop(0)
            sink.clear()
            response.close()
            raise exc

    def close(self) -> None:
        """Stop the server gracefully and run lifespan shutdown."""
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._loop is not None and self._server is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._server.shutdown)
        if self._thread is not None:
            self._thread.join(30)
            self._thread = None

    def __enter__(self) -> TestClient:
        self.start()
        return self

    def websocket_connect(
        self, url: str, subprotocols: list[str] | None = None, headers: Any = None, **_: Any
    ) -> WebSocketTestSession:
        """Open a WebSocket to the test server (Starlette's API), for use as
        ``with client.websocket_connect("/ws") as ws:``.

        Raises:
            WebSocketDisconnect: The server refused the connection (unknown
                path, invalid parameters), with code 1008 as Starlette's.
        """
        from websockets.exceptions import InvalidStatus
        from websockets.sync.client import connect

        from ouroboros.api.exceptions import WebSocketDisconnect

        self.start()
        target = url if "://" in url else self.base_url.replace("http", "ws", 1) + url
        extra = dict(headers or {})
        try:
            conn = connect(target, subprotocols=subprotocols, additional_headers=extra, open_timeout=30)  # type: ignore[arg-type]
            # The session closes it; entering marks it as managed (websockets
            # >= 17.1 warns about connections used outside `with`).
            conn.__enter__()
        except InvalidStatus as exc:
            raise WebSocketDisconnect(1008, f"HTTP {exc.response.status_code}") from None
        return WebSocketTestSession(conn)

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        self.start()
        return getattr(self._client, name)


class WebSocketTestSession:
    """One WebSocket opened by `TestClient.websocket_connect`."""

    __test__ = False

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    def __enter__(self) -> WebSocketTestSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send_text(self, data: str) -> None:
        self._conn.send(data)

    def send_bytes(self, data: bytes) -> None:
        self._conn.send(bytes(data))

    def send_json(self, data: Any, mode: str = "text") -> None:
        import json

        text = json.dumps(data, separators=(",", ":"))
        self._conn.send(text if mode == "text" else text.encode())

    def receive(self, timeout: float | None = 30) -> dict[str, Any]:
        """The next message as an ASGI-style dict; a close from the server
        raises `WebSocketDisconnect` with its code."""
        from websockets.exceptions import ConnectionClosed

        from ouroboros.api.exceptions import WebSocketDisconnect

        try:
            data = self._conn.recv(timeout=timeout)
        except ConnectionClosed as exc:
            rcvd = exc.rcvd
            raise WebSocketDisconnect(rcvd.code if rcvd else 1006, rcvd.reason if rcvd else None) from None
        if isinstance(data, str):
            return {"type": "websocket.send", "text": data}
        return {"type": "websocket.send", "bytes": data}

    def receive_text(self) -> str:
        message = self.receive()
        if "text" not in message:
            raise TypeError("expected a text frame, got a binary one")
        return message["text"]

    def receive_bytes(self) -> bytes:
        message = self.receive()
        return message["bytes"] if "bytes" in message else message["text"].encode()

    def receive_json(self, mode: str = "text") -> Any:
        import json

        message = self.receive()
        return json.loads(message["text"] if "text" in message else message["bytes"])

    def close(self, code: int = 1000, reason: str | None = None) -> None:
        self._conn.close(code, reason or "")


class AsyncTestClient:
    """`TestClient` for async tests: the same background server, driven by an
    ``httpx.AsyncClient`` (``async with AsyncTestClient(app) as client``).

    Args:
        app: The application.
        **serve_options: Passed to `App.serve` (limits and timeouts).
    """

    __test__ = False

    def __init__(self, app: App, **serve_options: Any) -> None:
        self._server = TestClient(app, **serve_options)
        self._client: httpx.AsyncClient | None = None

    @property
    def base_url(self) -> str:
        return self._server.base_url

    async def __aenter__(self) -> AsyncTestClient:
        import httpx

        # Starting blocks until the server listens; keep the caller's loop free.
        await asyncio.get_running_loop().run_in_executor(None, self._server.start)
        self._client = httpx.AsyncClient(base_url=self._server.base_url, timeout=30)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
        await asyncio.get_running_loop().run_in_executor(None, self._server.close)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or self._client is None:
            raise AttributeError(f"{name} (use `async with AsyncTestClient(app) as client`)")
        return getattr(self._client, name)
