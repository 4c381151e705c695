"""`TestClient`: the real Rust server on a free loopback port, driven by httpx.

Unlike FastAPI's ASGI-based client, requests go through the same server,
router and parameter parsing as production: what the tests see is what users
get.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import contextlib
import contextvars
import functools
import ssl
import sys
import threading
import weakref
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any

from ouroboros.api.exceptions import WebSocketDisconnect

if TYPE_CHECKING:
    import httpx

    from ouroboros.api.app import App

__all__ = ["AsyncTestClient", "TestClient", "WebSocketTestSession"]  # and WebSocketDenialResponse (lazy)


# Servers started by a request outside ``with`` (FastAPI's tests build
# clients at module level and per test): at most this many run at once; the
# least recently used one stops and starts again on its next request.
_IDLE_LIMIT = 8
_idle: collections.OrderedDict[int, _Server] = collections.OrderedDict()
_idle_lock = threading.Lock()


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """One TLS context for every client (httpx loads the CA bundle for each
    new client otherwise, most of the cost of a `TestClient`)."""
    return ssl.create_default_context()


def _loopback_transport(port: int) -> httpx.HTTPTransport:
    """An httpx transport whose every connection goes to the test server,
    whatever host the URL names (``http://testserver/`` as in Starlette's
    TestClient, or any other)."""
    import httpcore
    import httpx

    server_port = port

    class Plain(httpcore.NetworkStream):
        """The test server speaks plain HTTP: an ``https://`` URL (a
        ``base_url`` naming one, as in Starlette's tests) skips the TLS
        handshake instead of failing it."""

        def __init__(self, inner: httpcore.NetworkStream) -> None:
            self.inner = inner

        def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
            return self.inner.read(max_bytes, timeout)

        def write(self, buffer: bytes, timeout: float | None = None) -> None:
            self.inner.write(buffer, timeout)

        def close(self) -> None:
            self.inner.close()

        def start_tls(self, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
            return self

        def get_extra_info(self, info: str) -> Any:
            return self.inner.get_extra_info(info)

    class Loopback(httpcore.NetworkBackend):
        def __init__(self) -> None:
            self.inner = httpcore.SyncBackend()

        def connect_tcp(
            self,
            host: str,
            port: int,
            timeout: float | None = None,
            local_address: str | None = None,
            socket_options: Any = None,
        ) -> httpcore.NetworkStream:
            return Plain(self.inner.connect_tcp("127.0.0.1", server_port, timeout, local_address, socket_options))

        def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options: Any = None) -> Any:
            return self.inner.connect_unix_socket(path, timeout, socket_options)

        def sleep(self, seconds: float) -> None:
            self.inner.sleep(seconds)

    transport = httpx.HTTPTransport(verify=_ssl_context())
    # httpx does not take a network backend; its pool (httpcore's) does.
    transport._pool = httpcore.ConnectionPool(ssl_context=_ssl_context(), network_backend=Loopback())
    return transport


def _forwarded_scheme(request: httpx.Request) -> None:
    """Every connection is plain HTTP to the test server: a request made to
    an ``https://`` URL tells the server so as a proxy would
    (``X-Forwarded-Proto``, believed from loopback), so ``request.url`` and
    HTTPS redirects see ``https`` as under Starlette's TestClient."""
    if request.url.scheme in ("https", "wss") and "x-forwarded-proto" not in request.headers:
        request.headers["x-forwarded-proto"] = request.url.scheme


def _reraise_hook(app: App, enabled: bool) -> Callable[[httpx.Response], None]:
    """The response hook raising the exception behind a 500 the app did not
    handle (it must not hold the `TestClient`, whose finalizer stops the server)."""

    def reraise(response: httpx.Response) -> None:
        sink = app._server_exceptions
        if not sink:
            return
        if not enabled:
            sink.clear()  # this client answers with the 500 (another may raise)
            return
        exc = sink.pop(0)
        sink.clear()
        response.close()
        raise exc

    return reraise


class _Server:
    """One running server of a `TestClient`: its thread, asyncio loop and
    httpx client. It holds no reference to the `TestClient`, so a client
    dropped without ``close()`` can stop it from a finalizer."""

    def __init__(self, app: App, serve_options: dict[str, Any], lifespan: bool) -> None:
        self.app = app
        self.serve_options = serve_options
        self.lifespan = lifespan
        self.loop: asyncio.AbstractEventLoop | None = None
        self.server: Any = None
        self.thread: threading.Thread | None = None
        self.client: httpx.Client | None = None
        self.error: BaseException | None = None
        self.base_url = ""
        # The routes are compiled with the overrides of this moment.
        self.overrides = dict(app.dependency_overrides or {})

    def changed(self) -> bool:
        """Whether the app changed since its routes were compiled: other
        dependency overrides, or routes added (to it or a router it includes)."""
        app = self.app
        return self.overrides != (app.dependency_overrides or {}) or (
            self.server is not None and app._served_fingerprint != app._routes_fingerprint()
        )

    def start(
        self, client_base_url: str, client_options: dict[str, Any], reraise: Callable[[httpx.Response], None]
    ) -> None:
        import httpx

        ready = threading.Event()

        def started(server: Any, address: tuple[str, int]) -> None:
            self.server = server
            self.base_url = f"http://{address[0]}:{address[1]}"
            ready.set()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self.loop = loop
            try:
                loop.run_until_complete(
                    self.app.serve(
                        "127.0.0.1",
                        0,
                        install_signal_handlers=False,
                        started=started,
                        lifespan=self.lifespan,
                        **self.serve_options,
                    )
                )
            except BaseException as exc:  # noqa: BLE001 - reported to the thread that called start()
                self.error = exc
            finally:
                loop.close()
                ready.set()

        self.thread = threading.Thread(target=run, name="ouroboros-api-testclient", daemon=True)
        self.thread.start()
        ready.wait(30)
        if self.error is not None or not self.base_url:
            self.thread.join(30)
            raise RuntimeError(f"the test server did not start: {self.error!r}") from self.error
        self.client = httpx.Client(
            base_url=client_base_url,
            timeout=30,
            event_hooks={"request": [_forwarded_scheme], "response": [reraise]},
            transport=_loopback_transport(int(self.base_url.rsplit(":", 1)[1])),
            trust_env=False,
            **client_options,
        )

    @property
    def running(self) -> bool:
        return self.thread is not None

    def settle(self, timeout: float = 10) -> None:
        """Wait (at most ``timeout`` seconds) for the work the server runs
        after its responses."""
        from ouroboros.api._plan import after_response_settled

        loop = self.loop
        if loop is None or loop.is_closed():
            return
        try:
            done = asyncio.run_coroutine_threadsafe(after_response_settled(), loop)
        except RuntimeError:  # the loop closed meanwhile
            return
        try:
            done.result(timeout)
        except concurrent.futures.TimeoutError:
            done.cancel()

    def stop(self) -> None:
        """Close the connections, stop the server gracefully (lifespan
        shutdown runs) and wait for its thread."""
        with _idle_lock:
            _idle.pop(id(self), None)
        if self.client is not None:
            self.client.close()
        loop, server = self.loop, self.server
        if loop is not None and server is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(server.shutdown)
        if self.thread is not None:
            self.thread.join(30)
        # Nothing of the stopped server stays alive with its client (its
        # request queue holds a file descriptor).
        self.thread = self.server = self.loop = None


class TestClient:
    """Serve ``app`` in a background thread, as FastAPI's TestClient drives it.

    Args:
        app: The application.
        raise_server_exceptions: An exception no handler of the app catches
            (answered with 500) is raised again in the test after the
            request, as FastAPI's TestClient does; ``False`` returns the 500.
        cookies: Cookies sent with every request.
        headers: Headers sent with every request (``User-Agent: testclient`` unless
            they name another, as Starlette's).
        follow_redirects: Follow redirects (FastAPI's default).
        base_url: The URL requests are made against (their ``Host``), as in
            Starlette; every connection goes to the test server whatever
            host a URL names.
        **serve_options: Passed to `App.serve` (limits and timeouts).

    The ``base_url`` attribute is the server's real address, for other
    clients (a WebSocket library, a second httpx client). Every
    httpx.Client method (``get``, ``post``, ``request``...) is
    available. Inside ``with`` (or after `start`) the server runs until the
    exit, with the app's lifespan, as in Starlette. A request made outside
    ``with`` starts the server without the lifespan; at most 8 such servers
    run at once in a process (the least recently used stops and starts
    again on its next request), and a client dropped without `close` stops
    its server, so building many clients does not exhaust file descriptors.
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
        base_url: str = "http://testserver",
        **serve_options: Any,
    ) -> None:
        self.app = app
        self._base_url = base_url
        self.raise_server_exceptions = raise_server_exceptions
        import httpx

        # Starlette's TestClient names itself; the caller's headers win.
        sent = httpx.Headers({"user-agent": "testclient"})
        if headers is not None:
            sent.update(headers)
        self._client_options = {"cookies": cookies, "headers": sent, "follow_redirects": follow_redirects}
        self.serve_options = serve_options
        self._running: _Server | None = None
        self._finalizer: weakref.finalize[Any, Any] | None = None

    @property
    def app_state(self) -> dict[str, Any]:
        """What the app's lifespans yielded (Starlette's lifespan state)."""
        return self.app.lifespan_state

    @property
    def base_url(self) -> str:
        """The running server's address (empty before the first start)."""
        return self._running.base_url if self._running is not None else ""

    @property
    def _client(self) -> httpx.Client | None:
        return self._running.client if self._running is not None and self._running.running else None

    def start(self) -> None:
        """Start the server with the app's lifespan (done by ``with``); it
        runs until `close`."""
        running = self._running
        if running is not None and running.running:
            if running.lifespan:
                return
            self.close()  # started by a request: restart with the lifespan
        self._launch(lifespan=True)

    def _launch(self, *, lifespan: bool) -> _Server:
        # The routes are compiled to run in the test thread's context.
        self.app._client_context = contextvars.copy_context()
        running = _Server(self.app, self.serve_options, lifespan)
        options = dict(self._client_options)
        previous = self._running
        if previous is not None and previous.client is not None:
            # A restarted server keeps the cookies the client had collected.
            options["cookies"] = previous.client.cookies
        running.start(self._base_url, options, _reraise_hook(self.app, self.raise_server_exceptions))
        self._running = running
        if self._finalizer is not None:
            self._finalizer.detach()
        self._finalizer = weakref.finalize(self, running.stop)
        # Unhandled errors are collected for every client of the app; each
        # client raises them or not (two clients of one app may differ).
        if self.app._server_exceptions is None:
            self.app._server_exceptions = []
        return running

    def _ensure(self) -> _Server:
        """The running server, started without the lifespan when needed (and
        built again when ``app.dependency_overrides`` changed since it started)."""
        running = self._running
        if running is not None and running.running and running.changed():
            lifespan = running.lifespan
            self.close()
            if lifespan:
                return self._launch(lifespan=True)
        if running is not None and running.running:
            if not running.lifespan:
                with _idle_lock:
                    if id(running) in _idle:
                        _idle.move_to_end(id(running))
            return running
        running = self._launch(lifespan=False)
        with _idle_lock:
            _idle[id(running)] = running
            evicted = [_idle.popitem(last=False)[1] for _ in range(len(_idle) - _IDLE_LIMIT)]
        for old in evicted:
            old.stop()
        return running

    def close(self) -> None:
        """Stop the server gracefully and run lifespan shutdown."""
        if self._finalizer is not None:
            self._finalizer()  # runs `stop` once
            self._finalizer = None

    def __enter__(self) -> TestClient:
        self.start()
        return self

    def websocket_connect(
        self, url: str, subprotocols: list[str] | None = None, headers: Any = None, **_: Any
    ) -> WebSocketTestSession:
        """Open a WebSocket to the test server (Starlette's API), for use as
        ``with client.websocket_connect("/ws") as ws:``.

        Raises:
            WebSocketDisconnect: The app closed the connection before
                accepting it (with its code and reason: 1000 for an unknown
                path, 1008 for invalid parameters), as Starlette's.
            WebSocketDenialResponse: The app answered the handshake with an
                HTTP response (an `HTTPException` of a dependency, or
                `WebSocket.send_denial_response`): its status, headers, body.
        """
        import socket

        from websockets.exceptions import InvalidStatus
        from websockets.sync.client import connect

        running = self._ensure()
        self.app._client_context = contextvars.copy_context()
        base_url = running.base_url
        sock, port = None, None
        if "://" not in url:
            # Our own socket: its port names the connection to the server,
            # which reports when its handler ended (for `__exit__`).
            sock = socket.create_connection(("127.0.0.1", int(base_url.rsplit(":", 1)[1])), timeout=30)
            port = sock.getsockname()[1]
        target = url if "://" in url else base_url.replace("http", "ws", 1) + url
        extra = dict(headers or {})
        try:
            conn = connect(target, sock=sock, subprotocols=subprotocols, additional_headers=extra, open_timeout=30)  # type: ignore[arg-type]
            # The session closes it; entering marks it as managed (websockets
            # >= 17.1 warns about connections used outside `with`).
            conn.__enter__()
        except InvalidStatus as exc:
            if sock is not None:
                sock.close()
            raise _refusal(exc.response) from None
        except BaseException:
            if sock is not None:
                sock.close()
            raise
        session = WebSocketTestSession(conn, running, port)
        # ``TestClient(app).websocket_connect(...)``: the session keeps the
        # client (whose finalizer stops the server) alive while it is used.
        session._client = self
        return session

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        attr = getattr(self._ensure().client, name)
        if not callable(attr):
            return attr

        # ``TestClient(app).get("/")`` drops the client before the call: the
        # method keeps it (and so its server) alive until the call returns.
        @functools.wraps(attr)
        def call(*args: Any, **kwargs: Any) -> Any:
            running = self._ensure()
            self.app._client_context = contextvars.copy_context()
            if self.app._server_exceptions:
                # Only what fails during this call is raised by it (not a
                # request another client made to the server meanwhile).
                self.app._server_exceptions.clear()
            result = getattr(running.client, name)(*args, **kwargs)
            if name != "stream":
                # As under Starlette's TestClient, the call returns once the
                # app is done with the request (exit code, background tasks),
                # and raises what failed meanwhile (a body that broke mid-stream).
                running.settle()
                sink = self.app._server_exceptions
                if sink:
                    exc = sink.pop(0)
                    sink.clear()
                    if self.raise_server_exceptions:
                        raise exc
            return result

        return call


@functools.cache
def _denial_response_class() -> type[WebSocketDisconnect]:
    import httpx

    class WebSocketDenialResponse(httpx.Response, WebSocketDisconnect):
        """Raised by `TestClient.websocket_connect` when the app answered the
        handshake with an HTTP response: a `WebSocketDisconnect` that is also
        the response (``status_code``, ``headers``, ``json()``), as Starlette's."""

        def __init__(self, status_code: int, headers: Any = None, content: bytes = b"") -> None:
            httpx.Response.__init__(self, status_code, headers=headers, content=content)
            WebSocketDisconnect.__init__(self, 1000)

    WebSocketDenialResponse.__module__ = __name__
    return WebSocketDenialResponse


@functools.cache
def _with_starlettes(theirs: type) -> type[WebSocketDisconnect]:
    ours = _denial_response_class()
    try:
        return type("WebSocketDenialResponse", (ours, theirs), {"__module__": __name__})
    except TypeError:  # an incompatible layout: ours alone
        return ours


def _denial_class() -> type[WebSocketDisconnect]:
    """Ours, and also Starlette's when a test imported it (tests written for
    Starlette's TestClient catch ``starlette.testclient.WebSocketDenialResponse``)."""
    theirs = getattr(sys.modules.get("starlette.testclient"), "WebSocketDenialResponse", None)
    return _with_starlettes(theirs) if isinstance(theirs, type) else _denial_response_class()


def __getattr__(name: str) -> Any:
    if name == "WebSocketDenialResponse":  # needs httpx: built on first use
        return _denial_response_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _refusal(response: Any) -> WebSocketDisconnect:
    """The exception for a refused handshake: the app's close code (the
    server names it in a header) or its HTTP denial response."""
    code = response.headers.get("x-websocket-close-code")
    if code is not None and code.isdigit():
        reason = bytes(response.body).decode("utf-8", "replace") if response.body else None
        return WebSocketDisconnect(int(code), reason)
    denial: Any = _denial_class()
    body = bytes(response.body or b"")
    return denial(response.status_code, headers=list(response.headers.raw_items()), content=body)


class WebSocketTestSession:
    """One WebSocket opened by `TestClient.websocket_connect`."""

    __test__ = False

    def __init__(self, conn: Any, server: _Server | None = None, port: int | None = None) -> None:
        self._conn = conn
        self._server = server
        self._port = port
        self._client: Any = None

    def __enter__(self) -> WebSocketTestSession:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *_: object) -> None:
        """Close the connection, then return once the app is done with it
        (its handler and dependencies' exit code, at most 5 s), as Starlette's.

        Raises:
            Exception: What ended the handler unhandled (a
                `WebSocketDisconnect` it did not catch included), as
                Starlette's TestClient raises the app's error.
        """
        from ouroboros.api._test_context import forget_websocket, websocket_ended

        self.close()
        if self._port is None or self._server is None:
            return
        error = None
        try:
            websocket_ended(self._port).wait(5)
            self._server.settle()
        finally:
            error = forget_websocket(self._port)
        if error is not None and exc_type is None:
            raise error

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
    def app_state(self) -> dict[str, Any]:
        """What the app's lifespans yielded (Starlette's lifespan state)."""
        return self.app.lifespan_state

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
