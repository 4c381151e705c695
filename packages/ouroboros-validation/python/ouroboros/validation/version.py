"""Version information (``pydantic.version``).

``VERSION`` is the Pydantic API level this package implements; the package's own
version is ``ouroboros.validation.__version__``.
"""

from __future__ import annotations

import platform
import sys

from ouroboros.validation._validation import __version__ as _ouroboros_version

__all__ = ["VERSION", "check_pydantic_core_version", "version_info", "version_short"]

VERSION = "2.14.4"


def version_short() -> str:
    """``"2.14"``."""
    return ".".join(VERSION.split(".")[:2])


def version_info() -> str:
    """A few lines for bug reports."""
    info = {
        "pydantic-compatible version": VERSION,
        "ouroboros-validation version": _ouroboros_version,
        "python version": sys.version,
        "platform": platform.platform(),
    }
    return "\n".join(f"{k:>30} {v}" for k, v in info.items())


def check_pydantic_core_version() -> bool:
    """Whether the core matches this API level: always, the core ships in the same wheel."""
    return True
