"""ouroboros.http: an async and sync HTTP client on reqwest."""

from ouroboros.http._http import __version__

__all__ = ["__version__"]
