"""FastAPI's ``fastapi.security.utils`` path: the same classes as `ouroboros.api.security`."""

from ouroboros.api.security import (
    get_authorization_scheme_param,
)

__all__ = ["get_authorization_scheme_param"]
