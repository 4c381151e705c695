"""`python -m ouroboros_argus`: the Argus command line (same as `ob argus`)."""

from ouroboros.argus import Index, __version__

__all__ = ["Index", "__version__"]
