"""Importing test files by path, with their ``conftest.py`` files.

As pytest's default import mode: a test file's folder is searched upwards
while it holds ``__init__.py``; the folder above the top package goes on
``sys.path`` and the file is imported by its dotted name, so tests can import
their own helpers. ``conftest.py`` files from the root folder down to the
test's folder are imported first; their fixtures serve every test below them.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from types import ModuleType

from ouroboros.test._fixtures import module_fixtures
from ouroboros.test._suite import CONFTEST_FIXTURES, TestSuite

_loaded_conftests: set[str] = set()


def _package_base(path: str) -> tuple[str, str]:
    """(folder to put on sys.path, dotted module name) for a .py file."""
    folder = os.path.dirname(path)
    parts = [os.path.splitext(os.path.basename(path))[0]]
    while os.path.isfile(os.path.join(folder, "__init__.py")):
        parts.insert(0, os.path.basename(folder))
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    return folder, ".".join(parts)


def _import_path(path: str) -> ModuleType:
    base, name = _package_base(path)
    if base not in sys.path:
        sys.path.insert(0, base)
    existing = sys.modules.get(name)
    if existing is not None:
        if os.path.abspath(getattr(existing, "__file__", "") or "") == path:
            return existing
        # Two test files with one name in different folders (no packages):
        # import the second under a name made from its path.
        unique = "ob_test_" + path.strip(os.sep).replace(os.sep, "_").replace(".", "_")
        spec = importlib.util.spec_from_file_location(unique, path)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot import {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[unique] = module
        spec.loader.exec_module(module)
        return module
    return importlib.import_module(name)


def _load_conftests(path: str, rootdir: str) -> None:
    folder = os.path.dirname(path)
    chain = []
    while True:
        chain.append(folder)
        if folder == rootdir or not folder.startswith(rootdir):
            break
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    for d in reversed(chain):
        conf = os.path.join(d, "conftest.py")
        if conf in _loaded_conftests or not os.path.isfile(conf):
            continue
        _loaded_conftests.add(conf)
        module = _import_path(conf)
        CONFTEST_FIXTURES.append((d, module_fixtures(vars(module))))


def import_test_file(path: str, rootdir: str) -> ModuleType:
    """Import a test file (and its conftest files) and return the module."""
    path = os.path.abspath(path)
    _load_conftests(path, os.path.abspath(rootdir))
    return _import_path(path)


def suites_of(module: ModuleType) -> list[type[TestSuite]]:
    """Suite classes defined in ``module`` (not imported into it), in order."""
    found = []
    for obj in vars(module).values():
        if (
            isinstance(obj, type)
            and issubclass(obj, TestSuite)
            and obj is not TestSuite
            and obj.__module__ == module.__name__
            and obj.__dict__.get("__test__", True)
        ):
            found.append(obj)
    return found
