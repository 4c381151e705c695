"""``MockTransport``: answer requests from registered responses, without a network.

Give it to a client (``HttpClient(transport=mock)``) in your tests: requests
then go through the client's auth, hooks, base_url and params as usual, and
are answered by the first matching route, or by ``handler`` when none matches.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ouroboros.core import InvalidArgumentError
from ouroboros.http._errors import ConnectError, HTTPError
from ouroboros.http._http import Response
from ouroboros.http._models import Request
from ouroboros.http._transports import AsyncBaseTransport, BaseTransport

_NO_JSON: Any = object()


@dataclass
class Route:
    """One registered answer. ``calls`` counts the requests it answered."""

    method: str
    url: str
    status_code: int = 200
    headers: Any = None
    content: bytes | None = None
    text: str | None = None
    json: Any = _NO_JSON
    error: BaseException | None = None
    times: int | None = None
    calls: int = 0
    _split: Any = field(default=None, repr=False)

    def matches(self, request: Request) -> bool:
        if self.times is not None and self.calls >= self.times:
            return False
        if self.method not in ("*", request.method):
            return False
        if self.url == str(request.url):
            return True
        want, got = self._split, urlsplit(str(request.url))
        same_place = (want.scheme, want.netloc, want.path or "/") == (got.scheme, got.netloc, got.path or "/")
        if not same_place:
            return False
        # A route without a query matches any query; one with a query needs the same pairs.
        return not want.query or sorted(parse_qsl(want.query)) == sorted(parse_qsl(got.query))

    def respond(self, request: Request) -> Response:
        self.calls += 1
        if self.error is not None:
            raise self.error
        kwargs: dict[str, Any] = {
            "headers": self.headers,
            "url": str(request.url),
            "method": request.method,
            "request": request,
        }
        if self.json is not _NO_JSON:
            kwargs["json"] = self.json
        elif self.text is not None:
            kwargs["text"] = self.text
        elif self.content is not None:
            kwargs["content"] = self.content
        return Response(self.status_code, **kwargs)


class MockTransport(BaseTransport, AsyncBaseTransport):
    """Registered responses by method and URL, plus an optional fallback handler.

    Example::

        mock = MockTransport()
        mock.add("GET", "https://api.test/users", json=[{"id": 1}])
        async with HttpClient(transport=mock) as client:
            assert (await client.get("https://api.test/users")).json() == [{"id": 1}]
        assert mock.requests[0].method == "GET"

    Args:
        handler: Called with each unmatched :class:`Request`; returns a ``Response``
            (or an awaitable of one, for the async client).
    """

    def __init__(self, handler: Callable[[Request], Any] | None = None) -> None:
        self.handler = handler
        self.routes: list[Route] = []
        self.requests: list[Request] = []

    def add(
        self,
        method: str,
        url: str,
        *,
        status_code: int = 200,
        headers: Any = None,
        content: bytes | None = None,
        text: str | None = None,
        json: Any = _NO_JSON,
        error: BaseException | None = None,
        times: int | None = None,
    ) -> Route:
        """Register a response (or an ``error`` to raise) for ``method`` (``"*"`` for any) and ``url``.

        Routes are tried in the order they were added; ``times`` limits how often one answers.
        """
        if error is not None and not isinstance(error, BaseException):
            raise InvalidArgumentError("error= expects an exception instance")
        split = urlsplit(url)
        if not split.scheme or not split.netloc:
            raise InvalidArgumentError(f"MockTransport routes need an absolute URL, got {url!r}")
        route = Route(method.upper(), url, status_code, headers, content, text, json, error, times)
        route._split = split
        self.routes.append(route)
        return route

    def handle_request(self, request: Request) -> Any:
        if request._content is None and hasattr(request.stream, "__iter__"):
            request.read()
        self.requests.append(request)
        for route in self.routes:
            if route.matches(request):
                return route.respond(request)
        if self.handler is not None:
            return self.handler(request)
        known = ", ".join(f"{r.method} {r.url}" for r in self.routes) or "none"
        raise ConnectError(
            f"{request.method} {request.url}: MockTransport has no response for this request (registered: {known})",
            method=request.method,
            url=str(request.url),
            request=request,
        )

    async def handle_async_request(self, request: Request) -> Any:
        await request.aread()
        response = self.handle_request(request)
        if inspect.isawaitable(response):
            response = await response
        return response

    def reset(self) -> None:
        """Forget routes and recorded requests."""
        self.routes.clear()
        self.requests.clear()


__all__ = ["HTTPError", "MockTransport", "Route"]
