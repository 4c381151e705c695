"""``fastapi.middleware.trustedhost``: the trusted-host middleware (runs in Rust on the built-in server)."""

from ouroboros.api.middleware import TrustedHostMiddleware as TrustedHostMiddleware

__all__ = ["TrustedHostMiddleware"]
