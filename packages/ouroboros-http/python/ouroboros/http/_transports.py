"""Transports: what answers a request once the client has built it.

``HTTPTransport``/``AsyncHTTPTransport`` send it over the network (a pooled
Rust client of their own, no redirects: the client follows them);
``WSGITransport``/``ASGITransport`` call a WSGI or ASGI application in the
same process (an ouroboros.api app, Flask, Starlette, Django...), so such an
app can be tested without a socket. Subclass ``BaseTransport`` /
``AsyncBaseTransport`` to write your own (``MockTransport`` is one).
"""

from __future__ import annotations

import io
import sys
from typing import Any
from urllib.parse import unquote

from ouroboros.http._http import Response
from ouroboros.http._models import Limits, Request


class BaseTransport:
    """Answers requests for the sync client: override :meth:`handle_request`."""

    def handle_request(self, request: Request) -> Response:
        raise NotImplementedError("The 'handle_request' method must be implemented.")

    def close(self) -> None:
        """Release the transport's resources."""

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncBaseTransport:
    """Answers requests for the async client: override :meth:`handle_async_request`."""

    async def handle_async_request(self, request: Request) -> Response:
        raise NotImplementedError("The 'handle_async_request' method must be implemented.")

    async def aclose(self) -> None:
        """Release the transport's resources."""

    async def __aenter__(self) -> Any:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


def _native_client(
    verify: Any, cert: Any, trust_env: bool, http1: bool, http2: bool, limits: Limits, proxy: Any, retries: int
) -> Any:
    from ouroboros.http._client import Client

    # A Client configured like the transport; only its native pool is used.
    return Client(
        verify=verify,
        cert=cert,
        trust_env=trust_env,
        http1=http1,
        http2=http2,
        limits=limits,
        proxy=None if proxy is None else str(getattr(proxy, "url", proxy)),
        retries=retries,
        timeout=None,
        store_cookies=False,
    )._native


def _send_args(request: Request, body: bytes) -> dict[str, Any]:
    from ouroboros.http._http import Headers

    headers = Headers(request.headers)
    for name in ("host", "content-length", "transfer-encoding"):
        if name in request._auto:
            headers.pop(name, None)
    args: dict[str, Any] = {"headers": headers, "follow_redirects": False}
    if body:
        args["content"] = body
    return args


class HTTPTransport(BaseTransport):
    """Sends requests over the network (sync), with its own connection pool."""

    def __init__(
        self,
        verify: Any = True,
        cert: Any = None,
        trust_env: bool = True,
        http1: bool = True,
        http2: bool = False,
        limits: Limits = Limits(),  # noqa: B008 - immutable
        proxy: Any = None,
        retries: int = 0,
        **_unused: Any,
    ) -> None:
        self._native = _native_client(verify, cert, trust_env, http1, http2, limits, proxy, retries)

    def handle_request(self, request: Request) -> Response:
        body = request.read()
        return self._native.request_sync(request.method, str(request.url), None, **_send_args(request, body))


class AsyncHTTPTransport(AsyncBaseTransport):
    """Sends requests over the network (async), with its own connection pool."""

    def __init__(
        self,
        verify: Any = True,
        cert: Any = None,
        trust_env: bool = True,
        http1: bool = True,
        http2: bool = False,
        limits: Limits = Limits(),  # noqa: B008 - immutable
        proxy: Any = None,
        retries: int = 0,
        **_unused: Any,
    ) -> None:
        self._native = _native_client(verify, cert, trust_env, http1, http2, limits, proxy, retries)

    async def handle_async_request(self, request: Request) -> Response:
        body = await request.aread()
        return await self._native.request(request.method, str(request.url), None, **_send_args(request, body))


def _latin1(value: Any) -> str:
    return value.decode("latin-1") if isinstance(value, (bytes, bytearray)) else str(value)


class WSGITransport(BaseTransport):
    """Calls a WSGI application in this process (sync client)."""

    def __init__(
        self,
        app: Any,
        raise_app_exceptions: bool = True,
        script_name: str = "",
        remote_addr: str = "127.0.0.1",
        wsgi_errors: Any = None,
    ) -> None:
        self.app = app
        self.raise_app_exceptions = raise_app_exceptions
        self.script_name = script_name
        self.remote_addr = remote_addr
        self.wsgi_errors = wsgi_errors

    def handle_request(self, request: Request) -> Response:
        body = request.read()
        url = request.url
        port = url.port or {"http": 80, "https": 443}.get(url.scheme, 80)
        environ: dict[str, Any] = {
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": url.scheme,
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": self.wsgi_errors or sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "REQUEST_METHOD": request.method,
            "SCRIPT_NAME": self.script_name,
            "PATH_INFO": unquote(url.raw_path.decode("ascii").partition("?")[0]),
            "QUERY_STRING": url.query.decode("ascii"),
            "SERVER_NAME": url.host,
            "SERVER_PORT": str(port),
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": self.remote_addr,
        }
        for key, value in request.headers.multi_items():
            name = key.upper().replace("-", "_")
            if name not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                name = "HTTP_" + name
            environ[name] = value
        state: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            state["status"], state["headers"], state["exc_info"] = status, headers, exc_info
            return lambda data: None

        result = self.app(environ, start_response)
        try:
            chunks = [bytes(chunk) for chunk in result if chunk]
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        exc_info = state.get("exc_info")
        if exc_info and self.raise_app_exceptions:
            raise exc_info[1]
        status = int(state["status"].split(" ", 1)[0])
        headers = [(_latin1(k), _latin1(v)) for k, v in state["headers"]]
        return Response(status, headers=headers, content=b"".join(chunks), request=request)


class ASGITransport(AsyncBaseTransport):
    """Calls an ASGI application in this process (async client); the app runs on the caller's loop."""

    def __init__(
        self,
        app: Any,
        raise_app_exceptions: bool = True,
        root_path: str = "",
        client: tuple[str, int] = ("127.0.0.1", 123),
    ) -> None:
        self.app = app
        self.raise_app_exceptions = raise_app_exceptions
        self.root_path = root_path
        self.client = client

    async def handle_async_request(self, request: Request) -> Response:
        import asyncio

        body = await request.aread()
        url = request.url
        raw_path, _, _query = url.raw_path.partition(b"?")
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": request.method,
            "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in request.headers.multi_items()],
            "scheme": url.scheme,
            "path": unquote(raw_path.decode("ascii")),
            "raw_path": raw_path,
            "query_string": url.query,
            "server": (url.host, url.port or {"http": 80, "https": 443}.get(url.scheme)),
            "client": self.client,
            "root_path": self.root_path,
        }
        sent_request = False
        done = asyncio.Event()
        status: int | None = None
        headers: list[tuple[str, str]] = []
        chunks: list[bytes] = []

        async def receive() -> dict[str, Any]:
            nonlocal sent_request
            if sent_request:
                await done.wait()
                return {"type": "http.disconnect"}
            sent_request = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers.extend((_latin1(k), _latin1(v)) for k, v in message.get("headers", []))
            elif message["type"] == "http.response.body":
                if request.method != "HEAD":
                    chunks.append(bytes(message.get("body", b"")))
                if not message.get("more_body", False):
                    done.set()

        try:
            await self.app(scope, receive, send)
        except Exception:
            if self.raise_app_exceptions:
                raise
            done.set()
            if status is None:
                status, headers, chunks = 500, [], []
        finally:
            done.set()
        if status is None:
            status = 500
        return Response(status, headers=headers, content=b"".join(chunks), request=request)


__all__ = [
    "ASGITransport",
    "AsyncBaseTransport",
    "AsyncHTTPTransport",
    "BaseTransport",
    "HTTPTransport",
    "WSGITransport",
]
