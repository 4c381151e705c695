"""pytest plugin: a peer's package names answered with ouroboros modules.

Loaded with ``-p rename_shim`` before any test module is imported. The rename
table comes from the ``OUROBOROS_COMPAT_RENAMES`` variable (JSON, peer name to
ouroboros module, set by compat_runner.py), for instance
``{"pydantic": "ouroboros.validation", "pydantic_core": "ouroboros.validation.core"}``.

It only renames: ``import pydantic.fields`` gives the module
``ouroboros.validation.fields`` itself (no wrapper, no fallback to the peer),
and a name that does not exist there fails as it would for a user who changed
the import line.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
from types import ModuleType

RENAMES: dict[str, str] = json.loads(os.environ.get("OUROBOROS_COMPAT_RENAMES") or "{}")
if not RENAMES:
    raise RuntimeError("rename_shim: OUROBOROS_COMPAT_RENAMES names no package to rename")


def renamed(fullname: str) -> str | None:
    """The ouroboros module standing for ``fullname``, or None when it is not renamed."""
    for old, new in RENAMES.items():
        if fullname == old or fullname.startswith(old + "."):
            return new + fullname[len(old) :]
    return None


class RenameFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Answers imports of the renamed packages with the ouroboros modules."""

    def find_spec(
        self, fullname: str, path: object = None, target: object = None
    ) -> importlib.machinery.ModuleSpec | None:
        if renamed(fullname) is None:
            return None
        return importlib.util.spec_from_loader(fullname, self, is_package=True)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        target = renamed(spec.name)
        assert target is not None
        return importlib.import_module(target)

    def exec_module(self, module: ModuleType) -> None:
        """The module is already executed under its ouroboros name."""


for _name in list(sys.modules):
    if renamed(_name) is not None:
        raise RuntimeError(f"{_name} was imported before the rename shim was installed")
sys.meta_path.insert(0, RenameFinder())
