"""pytest plugin: ``fastapi`` is renamed to ``ouroboros.api``.

Loaded with ``-p rename_shim`` before any test module is imported. On top of
the validation suite's shim (``pydantic`` -> ``ouroboros.validation``,
``pydantic_core`` -> ``ouroboros.validation.core``) it only adds one rename:
``import fastapi.security`` gives the module ``ouroboros.api.security`` itself,
with no wrapper and no fallback to the real FastAPI; a name missing there fails
as it would for a user.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_VALIDATION_SHIM = Path(__file__).resolve().parents[2] / "ouroboros-validation" / "compat" / "rename_shim.py"


def _load_validation_shim() -> dict[str, str]:
    """Install the validation shim (its finder) and return its rename table."""
    spec = importlib.util.spec_from_file_location("validation_rename_shim", _VALIDATION_SHIM)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    renames: dict[str, str] = module.RENAMES
    return renames


if "fastapi" in sys.modules:
    raise RuntimeError("fastapi was imported before the rename shim was installed")
# The validation shim's finder reads its table on every import: one more entry renames fastapi.
_load_validation_shim()["fastapi"] = "ouroboros.api"
