"""Middleware: ``BaseMiddleware`` subclasses run around every route handler.

The built-in CORS, GZip, timing and trusted-host middleware run in Rust on the
built-in server (``native_config``), around every request including 404s and
CORS preflights, outside any Python middleware. Under an ASGI server they run
as the Python middleware defined here, with the same behaviour.
"""

from __future__ import annotations

import gzip as _gzip
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ouroboros.api.requests import Request
from ouroboros.api.responses import PlainTextResponse, Response

__all__ = [
    "BaseMiddleware",
    "CORSConfig",
    "CORSMiddleware",
    "GZipMiddleware",
    "Middleware",
    "TimingMiddleware",
    "TrustedHostMiddleware",
]

CallNext = Callable[[Request], Awaitable[Response]]


class Middleware:
    """A middleware class and its options, for ``App(middleware=[...])``
    (Starlette's ``Middleware``): ``Middleware(GZipMiddleware, minimum_size=500)``."""

    def __init__(self, cls: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        self.cls = cls
        self.args = args
        self.kwargs = kwargs

    def build(self) -> Any:
        """The middleware instance the app runs."""
        return self.cls(*self.args, **self.kwargs)

    def __iter__(self) -> Any:
        return iter((self.cls, self.args, self.kwargs))


class BaseMiddleware:
    """Subclass and implement ``async __call__(self, request, call_next)``."""

    async def __call__(self, request: Request, call_next: CallNext) -> Response:
        return await call_next(request)


class FunctionMiddleware(BaseMiddleware):
    """Adapts ``@app.middleware("http")`` functions."""

    def __init__(self, func: Callable[[Request, CallNext], Awaitable[Response]]) -> None:
        self.func = func

    async def __call__(self, request: Request, call_next: CallNext) -> Response:
        return await self.func(request, call_next)


def wrap_with_middleware(
    invoke: Callable[..., Any],
    middleware: Sequence[BaseMiddleware],
    request_index: int | None,
    body_of: Callable[[Any], bytes],
    status: int,
) -> Callable[..., Any]:
    """Run ``invoke`` inside the middleware chain (last added = outermost)."""
    from ouroboros.api._serve import make_error_renderer

    async def invoke_with_middleware(*values: Any) -> Response:
        request = values[request_index] if request_index is not None else None
        on_error = make_error_renderer(request)

        async def endpoint(_: Request) -> Response:
            try:
                result = await invoke(*values)
            except Exception as exc:  # noqa: BLE001 - exception handlers run inside the middleware chain
                return await on_error(exc)
            if isinstance(result, Response):
                return result
            return Response(body_of(result), status_code=status, media_type="application/json")

        call: CallNext = endpoint
        for mw in middleware:
            call = _bind(mw, call)
        return await call(request)  # type: ignore[arg-type]

    return invoke_with_middleware


def _bind(mw: BaseMiddleware, call_next: CallNext) -> CallNext:
    async def run(request: Request) -> Response:
        return await mw(request, call_next)

    return run


@dataclass
class CORSConfig:
    """Cross-origin settings, as in Starlette's CORSMiddleware."""

    allow_origins: Sequence[str] = field(default_factory=list)
    allow_methods: Sequence[str] = ("GET",)
    allow_headers: Sequence[str] = field(default_factory=list)
    allow_credentials: bool = False
    expose_headers: Sequence[str] = field(default_factory=list)
    max_age: int = 600


class CORSMiddleware(BaseMiddleware):
    """Adds ``Access-Control-*`` headers for allowed origins."""

    def __init__(self, config: CORSConfig | None = None, **kwargs: Any) -> None:
        self.config = config or CORSConfig(**kwargs)

    def native_config(self) -> dict[str, Any]:
        c = self.config
        return {
            "cors": {
                "allow_origins": list(c.allow_origins),
                "allow_methods": [m.upper() for m in c.allow_methods],
                "allow_headers": list(c.allow_headers),
                "allow_credentials": c.allow_credentials,
                "expose_headers": list(c.expose_headers),
                "max_age": c.max_age,
            }
        }

    def _allowed(self, origin: str) -> bool:
        return "*" in self.config.allow_origins or origin in self.config.allow_origins

    async def __call__(self, request: Request, call_next: CallNext) -> Response:
        origin = request.headers.get("origin")
        response = await call_next(request)
        if origin and self._allowed(origin):
            c = self.config
            allow = "*" if "*" in c.allow_origins and not c.allow_credentials else origin
            response.set_header("access-control-allow-origin", allow)
            if allow != "*":
                response.set_header("vary", "Origin")
            if c.allow_credentials:
                response.set_header("access-control-allow-credentials", "true")
            if c.expose_headers:
                response.set_header("access-control-expose-headers", ", ".join(c.expose_headers))
        return response


class TimingMiddleware(BaseMiddleware):
    """Adds ``X-Process-Time`` (seconds spent in the handler chain)."""

    def __init__(self, header: str = "x-process-time") -> None:
        self.header = header

    def native_config(self) -> dict[str, Any]:
        return {"timing": self.header}

    async def __call__(self, request: Request, call_next: CallNext) -> Response:
        start = time.perf_counter()
        response = await call_next(request)
        response.set_header(self.header, f"{time.perf_counter() - start:.6f}")
        return response


class GZipMiddleware(BaseMiddleware):
    """Compresses bodies of at least ``minimum_size`` bytes for clients that
    accept gzip."""

    def __init__(self, minimum_size: int = 500, compresslevel: int = 9) -> None:
        self.minimum_size = minimum_size
        self.compresslevel = compresslevel

    def native_config(self) -> dict[str, Any]:
        return {"gzip": {"minimum_size": self.minimum_size, "compresslevel": self.compresslevel}}

    async def __call__(self, request: Request, call_next: CallNext) -> Response:
        response = await call_next(request)
        accepts = "gzip" in request.headers.get("accept-encoding", "")
        if accepts and response.body_iterator is None and len(response.body) >= self.minimum_size:
            response.body = _gzip.compress(response.body, self.compresslevel)
            response.set_header("content-encoding", "gzip")
            response.set_header("vary", "Accept-Encoding")
        return response


class TrustedHostMiddleware(BaseMiddleware):
    """Answers 400 to requests whose ``Host`` is not allowed."""

    def __init__(self, allowed_hosts: Sequence[str] = ("*",)) -> None:
        self.allowed_hosts = list(allowed_hosts)

    def native_config(self) -> dict[str, Any]:
        return {"trusted_hosts": self.allowed_hosts}

    def _ok(self, host: str) -> bool:
        host = host.split(":")[0]
        for pattern in self.allowed_hosts:
            if pattern == "*" or pattern == host or (pattern.startswith("*.") and host.endswith(pattern[1:])):
                return True
        return False

    async def __call__(self, request: Request, call_next: CallNext) -> Response:
        if not self._ok(request.headers.get("host", "")):
            return PlainTextResponse("Invalid host header", status_code=400)
        return await call_next(request)
