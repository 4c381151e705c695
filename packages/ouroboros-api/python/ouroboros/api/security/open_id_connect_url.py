"""FastAPI's ``fastapi.security.open_id_connect_url`` path: the same classes as `ouroboros.api.security`."""

from ouroboros.api.security import (
    OpenIdConnect,
)

__all__ = ["OpenIdConnect"]
