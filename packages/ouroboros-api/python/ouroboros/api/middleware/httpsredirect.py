"""``fastapi.middleware.httpsredirect``: send plain-HTTP requests to HTTPS.

The built-in server speaks plain HTTP (TLS ends at a proxy in front of it),
so behind a proxy every request arrives as ``http``: use this middleware
only where the app itself sees the TLS scheme, as with Starlette's.
"""

from __future__ import annotations

from ouroboros.api.middleware import BaseMiddleware, CallNext
from ouroboros.api.requests import Request
from ouroboros.api.responses import RedirectResponse, Response

__all__ = ["HTTPSRedirectMiddleware"]


class HTTPSRedirectMiddleware(BaseMiddleware):
    """Answers a request made over ``http`` with a 307 to the same URL over
    ``https`` (the port dropped when it is 80 or 443), as Starlette's does."""

    async def __call__(self, request: Request, call_next: CallNext) -> Response:
        url = request.url
        if url.scheme != "http":
            return await call_next(request)
        netloc = url.hostname if url.port in (80, 443) else url.netloc
        return RedirectResponse(str(url.replace(scheme="https", netloc=netloc)), status_code=307)
