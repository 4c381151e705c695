"""FastAPI's ``fastapi.security.base`` path: the same classes as `ouroboros.api.security`."""

from ouroboros.api.security import (
    SecurityBase,
)

__all__ = ["SecurityBase"]
