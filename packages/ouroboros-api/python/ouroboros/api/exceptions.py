"""Exceptions of ouroboros.api.

Each subclasses `ouroboros.core.OuroborosError` and the builtin a FastAPI user
would catch, so ``except ValueError`` keeps working for validation errors.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ouroboros.core import OuroborosError

__all__ = [
    "DependencyScopeError",
    "FastAPIDeprecationWarning",
    "FastAPIError",
    "HTTPException",
    "PydanticV1NotSupportedError",
    "RequestValidationError",
    "ResponseValidationError",
    "ValidationException",
    "WebSocketDisconnect",
    "WebSocketException",
    "WebSocketRequestValidationError",
]


class HTTPException(OuroborosError):
    """Raise inside a handler or dependency to answer with an error status.

    The response body is ``{"detail": detail}`` as in FastAPI.

    Args:
        status_code: The HTTP status to answer with.
        detail: Any JSON-serializable value; defaults to the status phrase.
        headers: Extra response headers (e.g. ``WWW-Authenticate``).
    """

    def __init__(
        self,
        status_code: int,
        detail: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        if detail is None:
            from http import HTTPStatus

            try:
                detail = HTTPStatus(status_code).phrase
            except ValueError:
                detail = "Error"
        super().__init__(f"{status_code}: {detail}")
        self.status_code = status_code
        self.detail = detail
        self.headers = dict(headers) if headers else None


class FastAPIError(OuroborosError, RuntimeError):
    """The app is used or defined wrongly (FastAPI's name for it)."""


class DependencyScopeError(FastAPIError):
    """A ``yield`` dependency whose exit code runs after the response
    (``scope="request"``) depends on one that closes before it (``scope="function"``)."""


class PydanticV1NotSupportedError(FastAPIError):
    """Pydantic v1 models are not supported (there is only one engine here)."""


class FastAPIDeprecationWarning(DeprecationWarning):
    """A deprecated feature of the FastAPI API was used."""


class ValidationException(OuroborosError, ValueError):
    """Errors of validation in the framework: FastAPI-shaped error dicts
    (``type``, ``loc``, ``msg``, ``input``, ``ctx``).

    Args:
        errors: The error dicts.
        body: The request body or the returned value, when known.
    """

    def __init__(
        self,
        errors: Sequence[Mapping[str, Any]],
        *,
        body: Any = None,
        endpoint_ctx: Mapping[str, Any] | None = None,
    ) -> None:
        self._errors = [dict(e) for e in errors]
        self.body = body
        self.endpoint_ctx = endpoint_ctx
        ctx = endpoint_ctx or {}
        self.endpoint_function = ctx.get("function")
        self.endpoint_path = ctx.get("path")
        self.endpoint_file = ctx.get("file")
        self.endpoint_line = ctx.get("line")
        super().__init__(self._summary())

    def _summary(self) -> str:
        n = len(self._errors)
        lines = [f"{n} validation error{'s' if n != 1 else ''}:"]
        lines += [f"  {e}" for e in self._errors]
        # Where the failing endpoint is (FastAPI's endpoint context).
        if self.endpoint_file and self.endpoint_line and self.endpoint_function:
            lines.append(f'  File "{self.endpoint_file}", line {self.endpoint_line}, in {self.endpoint_function}')
            if self.endpoint_path:
                lines.append(f"    {self.endpoint_path}")
        elif self.endpoint_path:
            lines.append(f"  Endpoint: {self.endpoint_path}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self._summary()

    def errors(self) -> list[dict[str, Any]]:
        """The error dicts, as FastAPI's ``exc.errors()``."""
        return list(self._errors)


def error_dicts(exc: BaseException) -> list[dict[str, Any]] | None:
    """The error dicts of a validation error (ours, Pydantic's or the api's
    own), without Pydantic's documentation ``url`` (FastAPI leaves it out of
    its answers), or None for an exception that has none."""
    errors = getattr(exc, "errors", None)
    if not callable(errors):
        return None
    try:
        return list(errors(include_url=False))
    except TypeError:  # an errors() without options
        return list(errors())


class RequestValidationError(ValidationException):
    """The request did not match the route's parameters (answered with 422)."""


class WebSocketRequestValidationError(ValidationException):
    """A WebSocket's parameters did not validate (the upgrade is refused)."""


class ResponseValidationError(ValidationException):
    """The handler returned a value its ``response_model`` refuses: a bug of
    the server, answered with 500 (errors are located under ``response``)."""


class WebSocketDisconnect(OuroborosError, ConnectionError):
    """The WebSocket peer closed the connection."""

    def __init__(self, code: int = 1000, reason: str | None = None) -> None:
        super().__init__(f"WebSocket closed with code {code}")
        self.code = code
        self.reason = reason


class WebSocketException(Exception):
    """Raise it in a WebSocket handler or its dependencies to close the
    connection with ``code`` (and ``reason``); before `WebSocket.accept` the
    handshake is refused (403)."""

    def __init__(self, code: int, reason: str | None = None) -> None:
        super().__init__(code, reason)
        self.code = code
        self.reason = reason or ""

    def __str__(self) -> str:
        return f"{self.code}: {self.reason}"
