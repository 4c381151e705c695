"""FastAPI's default exception handlers, for apps that wrap them
(``return await http_exception_handler(request, exc)``)."""

from __future__ import annotations

from typing import Any

from ouroboros.api.exceptions import HTTPException, RequestValidationError, WebSocketRequestValidationError
from ouroboros.api.responses import JSONResponse, Response

__all__ = [
    "http_exception_handler",
    "request_validation_exception_handler",
    "websocket_request_validation_exception_handler",
]

# Statuses whose answers carry no body.
_NO_BODY = {204, 304}


async def http_exception_handler(request: Any, exc: HTTPException) -> Response:
    """``{"detail": ...}`` with the exception's status and headers."""
    if exc.status_code in _NO_BODY or exc.status_code < 200:
        return Response(status_code=exc.status_code, headers=exc.headers)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)


async def request_validation_exception_handler(request: Any, exc: RequestValidationError) -> JSONResponse:
    """The 422 answer: ``{"detail": [errors]}``."""
    return JSONResponse({"detail": exc.errors()}, status_code=422)


async def websocket_request_validation_exception_handler(websocket: Any, exc: WebSocketRequestValidationError) -> None:
    """Close the WebSocket with 1008 (policy violation), as FastAPI does."""
    await websocket.close(code=1008, reason=str(exc.errors()))
