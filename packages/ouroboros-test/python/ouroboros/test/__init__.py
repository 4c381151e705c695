"""ouroboros.test: a test framework with a Rust runner."""

from ouroboros.test._test import __version__

__all__ = ["__version__"]
