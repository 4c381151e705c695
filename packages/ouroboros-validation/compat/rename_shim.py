"""pytest plugin: ``pydantic`` and ``pydantic_core`` are renamed to ouroboros.

Loaded with ``-p rename_shim`` before any test module is imported. It only
renames: ``import pydantic.fields`` gives the module
``ouroboros.validation.fields`` itself (no wrapper, no fallback to the real
Pydantic), and a name that does not exist there fails as it would for a user.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
from types import ModuleType

# Longest prefix first is not needed: "pydantic_core" never starts with "pydantic.".
RENAMES = {"pydantic": "ouroboros.validation", "pydantic_core": "ouroboros.validation.core"}


def renamed(fullname: str) -> str | None:
    """The ouroboros module a ``pydantic``/``pydantic_core`` name stands for."""
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
