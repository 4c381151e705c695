"""``fastapi.middleware.cors``: the CORS middleware (runs in Rust on the built-in server)."""

from ouroboros.api.middleware import CORSMiddleware as CORSMiddleware

__all__ = ["CORSMiddleware"]
