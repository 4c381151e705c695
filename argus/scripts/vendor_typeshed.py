#!/usr/bin/env python3
"""Vendor typeshed's stdlib stubs into the ouroboros-argus wheel.

Argus resolves the standard library through typeshed stubs first (they carry
the types the sources lack). The stubs come from a registry package, not by
hand: mypy's wheel ships a pinned typeshed. This script downloads that wheel
with pip and extracts `typeshed/stdlib` (minus GUI, Windows-only and
long-removed modules) and typeshed's LICENSE into
python/ouroboros/argus/typeshed/.

    python argus/scripts/vendor_typeshed.py            # the pinned mypy
    python argus/scripts/vendor_typeshed.py 1.18.2
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

MYPY_VERSION = "1.18.2"
DEST = Path(__file__).resolve().parents[1] / "python" / "ouroboros" / "argus" / "typeshed"
PREFIX = "mypy/typeshed/"
# Left out: GUI toolkits, Windows-only modules, removed or tooling-only packages.
SKIP = (
    "tkinter",
    "turtle",
    "lib2to3",
    "distutils",
    "idlelib",
    "ensurepip",
    "pydoc_data",
    "msvcrt",
    "winreg",
    "winsound",
    "_winapi",
    "_msi",
    "msilib",
    "_tkinter",
    "turtledemo",
)


def wanted(rel: str) -> bool:
    if rel == "LICENSE" or rel == "stdlib/VERSIONS":
        return True
    if not rel.startswith("stdlib/") or not rel.endswith(".pyi"):
        return False
    top = rel.removeprefix("stdlib/").split("/")[0].removesuffix(".pyi")
    return top not in SKIP


def main(version: str = MYPY_VERSION) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                f"mypy=={version}",
                "--no-deps",
                "--only-binary=:all:",
                "-d",
                tmp,
            ],
            check=True,
        )
        (wheel,) = Path(tmp).glob("mypy-*.whl")
        if DEST.exists():
            shutil.rmtree(DEST)
        count = 0
        with zipfile.ZipFile(wheel) as z:
            for info in z.infolist():
                if not info.filename.startswith(PREFIX):
                    continue
                rel = info.filename.removeprefix(PREFIX)
                if not wanted(rel):
                    continue
                target = DEST / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(z.read(info))
                count += 1
        (DEST / "SOURCE").write_text(f"typeshed stdlib stubs from the mypy {version} wheel (PyPI)\n")
    print(f"vendored {count} files into {DEST}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
