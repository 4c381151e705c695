"""The request object handlers can ask for (``request: Request``)."""

from __future__ import annotations

import contextvars
from collections.abc import Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import parse_qsl, unquote

from ouroboros.api import _api
from ouroboros.api.datastructures import URL, Address, State

__all__ = ["HTTPConnection", "Headers", "ProxyTrust", "Request"]


class Headers(Mapping[str, str]):
    """Case-insensitive, multi-valued request headers."""

    def __init__(self, items: list[tuple[str, str]]) -> None:
        self._items = [(k.lower(), v) for k, v in items]

    def __getitem__(self, key: str) -> str:
        key = key.lower()
        for k, v in self._items:
            if k == key:
                return v
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        seen: list[str] = []
        for k, _ in self._items:
            if k not in seen:
                seen.append(k)
        return iter(seen)

    def __len__(self) -> int:
        return len({k for k, _ in self._items})

    def getlist(self, key: str) -> list[str]:
        """Every value of a repeated header."""
        key = key.lower()
        return [v for k, v in self._items if k == key]

    def __repr__(self) -> str:
        return f"Headers({self._items!r})"


# Under the ASGI adapter: the scheme the ASGI server gave the request's scope
# (uvicorn's, after its own proxy headers), None on the built-in server.
ASGI_SCHEME: contextvars.ContextVar[str | None] = contextvars.ContextVar("ouroboros_api_asgi_scheme", default=None)


class ProxyTrust:
    """Which peers' ``X-Forwarded-Proto``/``X-Forwarded-For`` headers are
    believed (uvicorn's ``--forwarded-allow-ips``): addresses, or ``*`` for
    any peer."""

    __slots__ = ("any", "hosts")

    def __init__(self, allow: str | Iterable[str]) -> None:
        items = [h.strip() for h in allow.split(",")] if isinstance(allow, str) else [str(h).strip() for h in allow]
        self.any = "*" in items
        self.hosts = frozenset(h for h in items if h and h != "*")

    def __contains__(self, host: object) -> bool:
        return self.any or host in self.hosts


class Request:
    """One HTTP request, read-only.

    Built lazily from the Rust side's data; only routes that declare a
    ``Request`` parameter (or apps with Python middleware) pay for it.
    """

    # The scheme of a request on this server (``ws`` for a WebSocket), and
    # the proxies whose forwarded headers may change it and the client.
    _plain_scheme = "http"
    _secure_scheme = "https"
    _trust: ProxyTrust | None = None

    def __init__(self, data: Any, receive: Any = None) -> None:
        source = data if isinstance(data, dict) else None
        if source is not None:
            # Starlette's ``Request(scope, receive)``, from another request's
            # `scope` (a custom Request class in a route handler).
            data = source["ouroboros.request_data"]
        self._data = data
        self._headers: Headers | None = None
        self._query: dict[str, str] | None = None
        self._cookies: dict[str, str] | None = None
        self.state = State()
        self.app: Any = None
        # The prefix the app is served under (`serve(root_path=)`, a proxy's).
        self.root_path = ""
        # The matched route (set before the handler runs).
        self.route: Any = None
        self._scope: dict[str, Any] | None = None
        self._forwarded: tuple[str, Address | None] | None = None
        self._asgi_scheme = ASGI_SCHEME.get()
        if source is not None:
            self.app = source.get("app")
            self.root_path = source.get("root_path", "")
            self.route = source.get("route")
            if isinstance(source.get("state"), State):
                self.state = source["state"]

    async def receive(self) -> dict[str, Any]:
        """The body as one ASGI ``http.request`` message (Starlette's ``request.receive``)."""
        return {"type": "http.request", "body": await self.body(), "more_body": False}

    @property
    def method(self) -> str:
        return self._data.method

    @property
    def url_path(self) -> str:
        """The path, without the query string."""
        return self._data.path

    @property
    def url(self) -> URL:
        """The request's URL: a string with ``.path``, ``.query``... parts."""
        qs = self._data.query_string
        host = self.headers.get("host", "localhost")
        return URL(f"{self.scheme}://{host}{self._data.path}" + (f"?{qs}" if qs else ""))

    @property
    def base_url(self) -> URL:
        """Where the app is served from: scheme, host and ``root_path``, ending in ``/``."""
        host = self.headers.get("host", "localhost")
        return URL(f"{self.scheme}://{host}{self.root_path.rstrip('/')}/")

    @property
    def scheme(self) -> str:
        """``http`` (``ws``), or ``https`` (``wss``) when a trusted proxy says
        so with ``X-Forwarded-Proto`` (under the ASGI adapter: the scope's)."""
        return self._proxied()[0]

    def _proxied(self) -> tuple[str, Address | None]:
        """The scheme and the client, as a trusted proxy's forwarded headers
        give them (uvicorn's ``ProxyHeadersMiddleware``): computed on first use."""
        if self._forwarded is None:
            raw = self._data.client
            client = Address(*raw) if raw is not None else None
            secure = self._asgi_scheme in ("https", "wss")
            scheme = self._secure_scheme if secure else self._plain_scheme
            trust = self._trust
            if trust is not None and client is not None and client.host in trust:
                proto = self.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
                if proto in ("https", "wss"):
                    scheme = self._secure_scheme
                elif proto in ("http", "ws"):
                    scheme = self._plain_scheme
                chain = [h.strip() for h in self.headers.get("x-forwarded-for", "").split(",") if h.strip()]
                if chain:
                    # The nearest address no trusted proxy claims is the client.
                    host = next((h for h in reversed(chain) if h not in trust), chain[0])
                    client = Address(host, 0)
            self._forwarded = (scheme, client)
        return self._forwarded

    def url_for(self, name: str, /, **path_params: Any) -> URL:
        """The absolute URL of the route (or static mount) named ``name`` with
        ``path_params`` filled in, as Starlette's ``request.url_for``.

        Raises:
            NoMatchFound: No route of the app has that name and those parameters.
        """
        if self.app is None:
            raise RuntimeError("url_for needs the request's app (this request was made without one)")
        path = self.app.url_path_for(name, **path_params)
        return URL(self.base_url.rstrip("/") + path)

    @property
    def headers(self) -> Headers:
        if self._headers is None:
            self._headers = Headers(self._data.headers)
        return self._headers

    @property
    def query_params(self) -> dict[str, str]:
        if self._query is None:
            self._query = dict(parse_qsl(self._data.query_string, keep_blank_values=True))
        return self._query

    @property
    def path_params(self) -> dict[str, str]:
        return {k: unquote(v) for k, v in self._data.path_params.items()}

    @property
    def cookies(self) -> dict[str, str]:
        if self._cookies is None:
            jar: dict[str, str] = {}
            for header in self.headers.getlist("cookie"):
                for part in header.split(";"):
                    if "=" in part:
                        k, v = part.split("=", 1)
                        jar[k.strip()] = v.strip().strip('"')
            self._cookies = jar
        return self._cookies

    @property
    def client(self) -> Address | None:
        """The peer's ``(host, port)`` as an `Address` (``request.client.host``);
        behind a trusted proxy, the address its ``X-Forwarded-For`` names (port 0)."""
        return self._proxied()[1]

    _scope_type = "http"

    @property
    def scope(self) -> dict[str, Any]:
        """The request as an ASGI scope (``type``, ``method``, ``path``,
        ``root_path``, ``query_string``, ``headers``...), built on first use."""
        if self._scope is None:
            self._scope = {
                "type": self._scope_type,
                "asgi": {"version": "3.0"},
                "http_version": "1.1",
                "scheme": self.scheme,
                "method": self.method,
                "path": self.url_path,
                "raw_path": self.url_path.encode(),
                "root_path": self.root_path,
                "query_string": self._data.query_string.encode("latin-1"),
                "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in self.headers._items],
                "client": self.client,
                "path_params": self.path_params,
                "app": self.app,
                "state": self.state,
                "route": self.route,
                "endpoint": getattr(self.route, "endpoint", None),
                "ouroboros.request_data": self._data,
            }
            if self.route is not None:
                from ouroboros.api.routing import RouteContext

                original = getattr(self.route, "_original_route", self.route)
                self._scope["fastapi"] = {"effective_route_context": RouteContext(original, self.route)}
        return self._scope

    async def body(self) -> bytes:
        """The raw body (already read, within the server's size limit)."""
        return self._data.body

    async def json(self) -> Any:
        """The body parsed as JSON (in Rust).

        Raises:
            ValueError: The body is not valid JSON.
        """
        return _api.loads(self._data.body)

    def form(
        self,
        *,
        max_files: int | float = 1000,
        max_fields: int | float = 1000,
        max_part_size: int = 1024 * 1024,
    ) -> _FormReader:
        """The body parsed as a form (multipart or urlencoded, in Rust):
        ``await request.form()`` or ``async with request.form() as form:``
        (which closes its files at the end).

        Raises:
            HTTPException: 400 with the reason when the form has more files
                or fields than allowed, a text part over ``max_part_size``
                bytes, or is not a valid form (Starlette's answers).
        """
        return _FormReader(self, max_files, max_fields, max_part_size)

    def _parse_form(self, max_files: int | float, max_fields: int | float, max_part_size: int) -> Any:
        from ouroboros.api.datastructures import FormData, UploadFile
        from ouroboros.api.exceptions import HTTPException

        def count(limit: int | float) -> int:
            return limit if isinstance(limit, int) else (1 << 62 if limit == float("inf") else int(limit))

        try:
            fields, files = _api.parse_form(
                self._data.body,
                self.headers.get("content-type", ""),
                count(max_fields),
                count(max_files),
                max_part_size,
            )
        except ValueError as e:
            raise HTTPException(status_code=400, detail=str(e)) from None
        items: list[tuple[str, Any]] = list(fields)
        items.extend((name, UploadFile.from_native(native)) for name, native in files)
        return FormData(items)

    def __repr__(self) -> str:
        return f"<Request {self.method} {self.url_path}>"


# Starlette's base of Request and WebSocket; here Request plays both parts.
HTTPConnection = Request


class _FormReader:
    """What ``Request.form()`` returns: awaitable, or an async context
    manager that closes the form's files on exit."""

    def __init__(self, request: Request, max_files: int | float, max_fields: int | float, max_part_size: int) -> None:
        self._request = request
        self._limits = (max_files, max_fields, max_part_size)
        self._form: Any = None

    async def _get(self) -> Any:
        cached = getattr(self._request, "_form", None)
        if cached is None:
            cached = self._request._parse_form(*self._limits)
            self._request._form = cached
        self._form = cached
        return cached

    def __await__(self) -> Any:
        return self._get().__await__()

    async def __aenter__(self) -> Any:
        return await self._get()

    async def __aexit__(self, *exc: object) -> None:
        if self._form is not None:
            await self._form.close()
