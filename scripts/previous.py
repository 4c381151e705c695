#!/usr/bin/env python3
"""A package's previous minor release, rebuilt from its git tag (used by `nox -s matrix`).

    python scripts/previous.py find ouroboros-http
        prints "<tag> <version>" of the newest release tagged before the current
        minor line (ouroboros-http-v0.1.4 while the tree says 0.2.x), or nothing
        when no such tag exists yet
    python scripts/previous.py build ouroboros-http ouroboros-http-v0.1.4 --out dist/previous
        exports the whole tree at that tag into a temporary folder and builds the
        package's wheel there (maturin or uv, like nox's build); prints its path

Users upgrade one package at a time, so the matrix installs that wheel beside the
current versions of every other package and runs the cross-package tests.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from packaging.version import InvalidVersion, Version

sys.path.insert(0, str(Path(__file__).resolve().parent))
from release import ROOT, discover


def tagged_versions(root: Path, package: str) -> dict[Version, str]:
    prefix = f"{package}-v"
    tags = subprocess.run(
        ["git", "-C", str(root), "tag", "--list", f"{prefix}*"], check=True, capture_output=True, text=True
    ).stdout.split()
    found = {}
    for tag in tags:
        try:
            found[Version(tag.removeprefix(prefix))] = tag
        except InvalidVersion:
            continue
    return found


def previous_minor(root: Path, package: str) -> tuple[str, Version] | None:
    """The newest tagged release of an earlier minor line than the tree's version."""
    current = discover(root)[package].version
    older = [v for v in tagged_versions(root, package) if (v.major, v.minor) < (current.major, current.minor)]
    if not older:
        return None
    best = max(older)
    return tagged_versions(root, package)[best], best


def export(root: Path, tag: str, dest: Path) -> Path:
    """The repository's files at `tag`, written under `dest` (no .git)."""
    archive = subprocess.run(["git", "-C", str(root), "archive", "--format=tar", tag], check=True, capture_output=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        extract(tar, dest)
    return dest


def extract(tar: tarfile.TarFile, dest: Path) -> None:
    """`extractall` with the "data" filter, also where Python has no filters
    (before 3.11.4; Debian 12 ships 3.11.2): the same refusals, checked here."""
    if hasattr(tarfile, "data_filter"):
        tar.extractall(dest, filter="data")
        return
    top = dest.resolve()
    for member in tar.getmembers():
        member.name = member.name.lstrip("/")  # as the filter does: "/x" lands at dest/x
        target = (top / member.name).resolve()
        if not (member.isfile() or member.isdir() or member.issym()):
            raise ValueError(f"refusing to extract {member.name!r}: not a file, folder or symlink")
        if not target.is_relative_to(top):
            raise ValueError(f"refusing to extract {member.name!r}: outside {top}")
        if member.issym() and not (target.parent / member.linkname).resolve().is_relative_to(top):
            raise ValueError(f"refusing to extract {member.name!r}: its link points outside {top}")
    tar.extractall(dest)


def build(root: Path, package: str, tag: str, out: Path, interpreter: str) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    stem = package.replace("-", "_")
    for old in out.glob(f"{stem}-*.whl"):
        old.unlink()
    with tempfile.TemporaryDirectory(prefix=f"{package}-previous-") as tmp:
        tree = export(root, tag, Path(tmp))
        folder = tree / "packages" / package
        if (folder / "Cargo.toml").exists():
            # The current target dir: third-party crates are not rebuilt.
            env = {**os.environ, "CARGO_TARGET_DIR": str(root / "target")}
            cmd = ["maturin", "build", "--profile", "ci", "--interpreter", interpreter, "--out", str(out)]
            subprocess.run([*cmd, "--manifest-path", str(folder / "Cargo.toml")], check=True, env=env)
        else:
            uv = shutil.which("uv")
            if not uv:
                sys.exit("previous.py: uv is not on PATH (scripts/dev puts the project's .venv-dev/bin there)")
            subprocess.run([uv, "build", "--wheel", "--out-dir", str(out), str(folder)], check=True)
    (wheel,) = out.glob(f"{stem}-*.whl")
    return wheel


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=ROOT)
    sub = parser.add_subparsers(dest="command", required=True)
    find_cmd = sub.add_parser("find")
    find_cmd.add_argument("package")
    build_cmd = sub.add_parser("build")
    build_cmd.add_argument("package")
    build_cmd.add_argument("tag")
    build_cmd.add_argument("--out", type=Path, required=True)
    build_cmd.add_argument("--interpreter", default=sys.executable)
    args = parser.parse_args(argv)
    root = args.root.resolve()
    if args.command == "find":
        found = previous_minor(root, args.package)
        if found:
            print(found[0], found[1])
        return 0
    # Build output goes to stderr so the wheel path is the one line on stdout.
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        wheel = build(root, args.package, args.tag, args.out, args.interpreter)
    finally:
        os.dup2(saved, 1)
    print(wheel)
    return 0


if __name__ == "__main__":
    sys.exit(main())
