"""ouroboros-kit: the modules that work together, and the ``ob`` command.

Importing this package checks the installed ouroboros modules against the
kit's compatibility table and warns (:class:`IncompatibleModuleWarning`) with
the module, its version, the supported range and the command that fixes it.
"""

from __future__ import annotations

import warnings

from ouroboros.kit._compat import (
    IncompatibleModuleWarning,
    ModuleStatus,
    compatibility_table,
    describe_incompatible,
    incompatible_modules,
    module_statuses,
)

__version__ = "0.1.0"


def check_compatibility() -> list[ModuleStatus]:
    """Warn about installed modules outside the supported ranges; return them."""
    bad = incompatible_modules()
    if bad:
        warnings.warn(describe_incompatible(bad), IncompatibleModuleWarning, stacklevel=2)
    return bad


check_compatibility()

__all__ = [
    "IncompatibleModuleWarning",
    "ModuleStatus",
    "__version__",
    "check_compatibility",
    "compatibility_table",
    "module_statuses",
]
