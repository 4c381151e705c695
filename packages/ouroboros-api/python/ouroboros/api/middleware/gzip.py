"""``fastapi.middleware.gzip``: the GZip middleware (runs in Rust on the built-in server)."""

from ouroboros.api.middleware import GZipMiddleware as GZipMiddleware

__all__ = ["GZipMiddleware"]
