"""Pydantic's own test suite, run against ouroboros.validation.

    nox -s compat -- validation     (or: python compat/run.py [--reuse] [pytest args])

The pydantic sdist's tests run twice, on Pydantic and then through a shim that
only renames ``pydantic`` -> ``ouroboros.validation`` and ``pydantic_core`` ->
``ouroboros.validation.core``; the rate is the share of the tests passing on
Pydantic that pass here (scripts/compat/compat_runner.py does the work).

Excluded, as issue 8 states: tests of ``pydantic._internal``
(``test_internal.py``), of plugins (``plugin/``, ``test_plugins.py``,
``test_plugin_loader.py``), of mypy (``mypy/``) and of the private schema
generator (``types/unions/test_direct_schema.py``); ``test_docs.py`` needs the
docs/ folder, which the sdist does not ship.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "scripts" / "compat"))
from compat_runner import Suite, main

SUITE = Suite(
    peer="pydantic",
    title="Pydantic",
    renames={"pydantic": "ouroboros.validation", "pydantic_core": "ouroboros.validation.core"},
    excluded=[
        "tests/mypy",
        "tests/plugin",
        "tests/test_plugins.py",
        "tests/test_plugin_loader.py",
        "tests/test_internal.py",
        "tests/test_docs.py",
        "tests/types/unions/test_direct_schema.py",
    ],
    budget=60 * 60,
    causes=[(r"cannot validate values of type (.+)", "unsupported type {0}")],
    top_files=15,
)

if __name__ == "__main__":
    main(SUITE)
