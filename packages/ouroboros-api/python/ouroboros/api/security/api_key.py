"""FastAPI's ``fastapi.security.api_key`` path: the same classes as `ouroboros.api.security`."""

from ouroboros.api.security import (
    APIKeyBase,
    APIKeyCookie,
    APIKeyHeader,
    APIKeyQuery,
)

__all__ = ["APIKeyBase", "APIKeyCookie", "APIKeyHeader", "APIKeyQuery"]
