"""Where Argus looks for modules: typeshed, a venv's site-packages, the stdlib."""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
from pathlib import Path

TYPESHED_STDLIB = Path(__file__).resolve().parent / "typeshed" / "stdlib"

_PROBE = (
    "import json, site, sys, sysconfig; p = sysconfig.get_paths(); "
    "print(json.dumps({'stdlib': p['stdlib'], 'site': [p['purelib'], p['platlib']]}))"
)


def find_python(root: Path) -> str | None:
    """The interpreter of a project's own venv (``.venv`` or ``venv``), if any."""
    for name in (".venv", "venv"):
        candidate = root / name / "bin" / "python"
        if candidate.exists():
            return str(candidate)
    return None


def search_paths(python: str | None = None) -> list[Path]:
    """Module search order after the project roots.

    typeshed's stdlib stubs come first (so ``.pyi`` wins for the stdlib), then
    the site-packages of ``python`` (default: this interpreter), then that
    interpreter's stdlib sources for modules typeshed does not cover.
    """
    if python is None or Path(python).resolve() == Path(sys.executable).resolve():
        paths = sysconfig.get_paths()
        info = {"stdlib": paths["stdlib"], "site": [paths["purelib"], paths["platlib"]]}
    else:
        out = subprocess.run([python, "-c", _PROBE], capture_output=True, text=True, timeout=30, check=True)
        info = json.loads(out.stdout)
    result: list[Path] = [TYPESHED_STDLIB]
    for p in [*info["site"], info["stdlib"]]:
        path = Path(p)
        if path.is_dir() and path not in result:
            result.append(path)
    return result
