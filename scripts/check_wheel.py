#!/usr/bin/env python3
"""Reject wheels that would break the shared ``ouroboros`` namespace.

Every ouroboros package installs into the PEP 420 namespace ``ouroboros``; a
wheel that ships ``ouroboros/__init__.py`` turns it into a regular package and
hides every other module. The build (noxfile) runs this on every wheel.

    python scripts/check_wheel.py dist/ci/*.whl
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path


def problems(wheel: Path) -> list[str]:
    """What is wrong with one wheel (empty when it is fine)."""
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
    found = []
    if "ouroboros/__init__.py" in names:
        found.append(
            "contains ouroboros/__init__.py: `ouroboros` is a namespace shared by every "
            "package (PEP 420) and this file would hide the other wheels; delete it"
        )
    packages = {n.split("/")[1] for n in names if n.startswith("ouroboros/") and n.count("/") >= 2}
    for pkg in sorted(packages):
        if f"ouroboros/{pkg}/py.typed" not in names:
            found.append(f"ouroboros/{pkg}/ has no py.typed marker (PEP 561)")
    if not packages:
        found.append("ships nothing under ouroboros/")
    return found


def main(paths: list[str]) -> int:
    if not paths:
        print(__doc__)
        return 2
    failed = 0
    for path in map(Path, paths):
        for problem in problems(path):
            print(f"{path.name}: {problem}", file=sys.stderr)
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
