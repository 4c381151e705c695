"""ouroboros.postgres: postgreSQL access with rows decoded into models in Rust."""

from ouroboros.postgres._postgres import __version__

__all__ = ["__version__"]
