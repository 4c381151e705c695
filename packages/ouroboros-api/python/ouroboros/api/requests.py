"""The request object handlers can ask for (``request: Request``)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import parse_qsl, unquote

from ouroboros.api import _api
from ouroboros.api.datastructures import URL

__all__ = ["HTTPConnection", "Headers", "Request"]


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


class Request:
    """One HTTP request, read-only.

    Built lazily from the Rust side's data; only routes that declare a
    ``Request`` parameter (or apps with Python middleware) pay for it.
    """

    def __init__(self, data: Any) -> None:
        self._data = data
        self._headers: Headers | None = None
        self._query: dict[str, str] | None = None
        self._cookies: dict[str, str] | None = None
        self.state: dict[str, Any] = {}
        self.app: Any = None

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
        return URL(f"http://{host}{self._data.path}" + (f"?{qs}" if qs else ""))

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
    def client(self) -> tuple[str, int] | None:
        return self._data.client

    async def body(self) -> bytes:
        """The raw body (already read, within the server's size limit)."""
        return self._data.body

    async def json(self) -> Any:
        """The body parsed as JSON (in Rust).

        Raises:
            ValueError: The body is not valid JSON.
        """
        return _api.loads(self._data.body)

    async def form(self) -> dict[str, str]:
        """A urlencoded form body as a dict."""
        return dict(parse_qsl(self._data.body.decode("utf-8", errors="replace"), keep_blank_values=True))

    def __repr__(self) -> str:
        return f"<Request {self.method} {self.url_path}>"


# Starlette's base of Request and WebSocket; here Request plays both parts.
HTTPConnection = Request
