"""FastAPI's ``fastapi.security.http`` path: the same classes as `ouroboros.api.security`."""

from ouroboros.api.security import (
    HTTPAuthorizationCredentials,
    HTTPBase,
    HTTPBasic,
    HTTPBasicCredentials,
    HTTPBearer,
    HTTPDigest,
)

__all__ = ["HTTPAuthorizationCredentials", "HTTPBase", "HTTPBasic", "HTTPBasicCredentials", "HTTPBearer", "HTTPDigest"]
