#!/usr/bin/env python3
"""Import one package in a venv that holds it alone (run by `nox -s matrix`).

    python scripts/check_alone.py ouroboros-http ouroboros.http

Fails when the import fails or when an ouroboros distribution other than the
package and the ones it declares is installed.
"""

from __future__ import annotations

import importlib
import sys
from importlib import metadata


def main(distribution: str, module: str, *allowed: str) -> int:
    mod = importlib.import_module(module)
    ours = sorted(d.metadata["Name"] for d in metadata.distributions() if d.metadata["Name"].startswith("ouroboros-"))
    unexpected = sorted(set(ours) - {distribution, *allowed})
    if unexpected:
        print(f"{distribution}: unexpected ouroboros distributions installed: {unexpected}", file=sys.stderr)
        return 1
    print(f"{distribution} alone: import {module} ok, version {getattr(mod, '__version__', '?')}; with {ours}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
