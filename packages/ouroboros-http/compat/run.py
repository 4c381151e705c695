"""httpx's own test suite, run against ouroboros.http.

    nox -s compat -- http     (or: python compat/run.py [--only-ours] [pytest args])

The httpx sdist's tests run twice, on httpx and then through a shim that only
renames ``httpx`` -> ``ouroboros.http`` (scripts/compat/compat_runner.py does
the work). As issue 10 states, every test file that imports a private
``httpx._*`` module or httpcore is left out: those test httpx's internals.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "scripts" / "compat"))
from compat_runner import Suite, main

PRIVATE_IMPORT = re.compile(r"^\s*(?:import|from)\s+(?:httpx\._\w*|httpcore)\b", re.MULTILINE)


def private_test_files(tree: Path) -> list[str]:
    """Test files (relative to the sdist) that import ``httpx._*`` or httpcore."""
    return sorted(
        str(p.relative_to(tree))
        for p in (tree / "tests").rglob("test_*.py")
        if PRIVATE_IMPORT.search(p.read_text(encoding="utf-8"))
    )


SUITE = Suite(
    peer="httpx",
    title="httpx",
    renames={"httpx": "ouroboros.http"},
    reports="http-",
    excluded=private_test_files,
    excluded_note="test files left out (import httpx._* or httpcore)",
    test_timeout=20,
    budget=20 * 60,
    causes=[(r"module '(?:ouroboros\.http|httpx)' has no attribute '(\w+)'", "missing name {0}")],
    detail=50,
)

if __name__ == "__main__":
    main(SUITE)
