"""Refresh the Swagger UI and ReDoc files shipped in the wheel.

The docs pages must work with no internet, so their JavaScript and CSS live in
``python/ouroboros/api/static/`` and are packaged like any other file. This
script fetches the pinned npm packages with ``npm pack`` and copies the few
files the pages load (plus the licenses). Run it when bumping the versions:

    python packages/ouroboros-api/scripts/fetch_docs_assets.py
"""

import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

PACKAGES = {
    "swagger-ui-dist@5.35.0": {
        "package/swagger-ui-bundle.js": "swagger-ui-bundle.js",
        "package/swagger-ui.css": "swagger-ui.css",
        "package/LICENSE": "LICENSE.swagger-ui",
    },
    "redoc@2.5.4": {
        "package/bundles/redoc.standalone.js": "redoc.standalone.js",
        "package/LICENSE": "LICENSE.redoc",
    },
}
STATIC = Path(__file__).resolve().parent.parent / "python" / "ouroboros" / "api" / "static"


def main() -> None:
    STATIC.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for spec, files in PACKAGES.items():
            out = subprocess.run(["npm", "pack", spec, "--silent"], cwd=tmp, check=True, capture_output=True, text=True)
            tarball = Path(tmp) / out.stdout.strip().splitlines()[-1]
            with tarfile.open(tarball) as tar:
                for member, target in files.items():
                    src = tar.extractfile(member)
                    if src is None:
                        raise SystemExit(f"{spec}: {member} is not a file")
                    with open(STATIC / target, "wb") as dst:
                        shutil.copyfileobj(src, dst)
            print(f"{spec}: {', '.join(files.values())}")


if __name__ == "__main__":
    main()
