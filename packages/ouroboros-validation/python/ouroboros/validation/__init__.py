"""ouroboros.validation: pydantic-v2-compatible models validated in Rust."""

from ouroboros.validation._validation import __version__

__all__ = ["__version__"]
