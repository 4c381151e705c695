"""HTTP status codes as names: ``status.HTTP_404_NOT_FOUND`` (as in FastAPI)."""

from http import HTTPStatus


def _name(s: HTTPStatus) -> str:
    return f"HTTP_{s.value}_{s.name}"


globals().update({_name(s): s.value for s in HTTPStatus})
# Names FastAPI (Starlette) spells differently from the standard library.
HTTP_413_REQUEST_ENTITY_TOO_LARGE = 413
HTTP_414_REQUEST_URI_TOO_LONG = 414
HTTP_416_REQUESTED_RANGE_NOT_SATISFIABLE = 416
HTTP_422_UNPROCESSABLE_ENTITY = 422

__all__ = sorted(name for name in globals() if name.startswith("HTTP_"))
