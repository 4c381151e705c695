"""ouroboros.api: a FastAPI-compatible web framework whose server, routing and validation run in Rust."""

from ouroboros.api._api import __version__

__all__ = ["__version__"]
