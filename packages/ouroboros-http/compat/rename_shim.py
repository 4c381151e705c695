"""pytest plugin: the name ``httpx`` is answered with ``ouroboros.http``.

Loaded with ``-p rename_shim`` before httpx's conftest is imported. It renames
and does nothing else: ``import httpx`` gives the ``ouroboros.http`` module
itself, ``httpx.X`` is ``ouroboros.http.X`` or an AttributeError, exactly as a
user who changed the import line would see.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
from types import ModuleType

OLD, NEW = "httpx", "ouroboros.http"


def target_of(fullname: str) -> str | None:
    """The ouroboros module standing for ``httpx`` or ``httpx.<sub>``."""
    if fullname == OLD or fullname.startswith(OLD + "."):
        return NEW + fullname[len(OLD) :]
    return None


class _Rename(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(
        self, fullname: str, path: object = None, target: object = None
    ) -> importlib.machinery.ModuleSpec | None:
        if target_of(fullname) is None:
            return None
        return importlib.util.spec_from_loader(fullname, self, is_package=True)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        name = target_of(spec.name)
        assert name is not None
        return importlib.import_module(name)

    def exec_module(self, module: ModuleType) -> None:
        """Already executed under its own name."""


if any(target_of(name) for name in sys.modules):
    raise RuntimeError("httpx was imported before the rename shim; run pytest with -p rename_shim first")
sys.meta_path.insert(0, _Rename())
