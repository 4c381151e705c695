"""ouroboros.kv: a key-value store: embedded on disk, or Redis."""

from ouroboros.kv._kv import __version__

__all__ = ["__version__"]
