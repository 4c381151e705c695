"""ouroboros.mongodb: a Beanie-compatible MongoDB ODM with BSON handled in Rust."""

from ouroboros.mongodb._mongodb import __version__

__all__ = ["__version__"]
