"""scripts/previous.py on a temporary clone with synthetic release tags."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "previous.py"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout


def set_core_version(repo: Path, version: str) -> None:
    for rel, pattern, line in [
        ("packages/ouroboros-core/pyproject.toml", r'^version = ".*"$', f'version = "{version}"'),
        (
            "packages/ouroboros-core/python/ouroboros/core/__init__.py",
            r'^__version__ = ".*"$',
            f'__version__ = "{version}"',
        ),
    ]:
        path = repo / rel
        path.write_text(re.sub(pattern, line, path.read_text(), count=1, flags=re.MULTILINE))
    git(repo, "commit", "-q", "-am", f"core {version}")


def previous(repo: Path, *args: str) -> str:
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--root", str(repo), *args], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    repo = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--no-tags", str(ROOT), str(repo)], check=True)
    git(repo, "config", "user.name", "Previous Test")
    git(repo, "config", "user.email", "previous@example.invalid")
    return repo


def test_no_previous_release_prints_nothing(clone):
    assert git(clone, "tag", "--list") == ""
    assert previous(clone, "find", "ouroboros-http") == ""


def test_finds_the_newest_release_of_the_previous_minor_line_and_builds_it(clone, tmp_path):
    current = re.search(
        r'^version = "(.*)"$', (clone / "packages/ouroboros-core/pyproject.toml").read_text(), flags=re.MULTILINE
    ).group(1)
    set_core_version(clone, "0.0.5")
    git(clone, "tag", "ouroboros-core-v0.0.5")
    set_core_version(clone, "0.0.9")
    git(clone, "tag", "-a", "ouroboros-core-v0.0.9", "-m", "ouroboros-core 0.0.9")
    set_core_version(clone, current)
    git(clone, "tag", f"ouroboros-core-v{current}")  # the current line: not "previous"
    git(clone, "tag", "ouroboros-core-vnot-a-version")
    git(clone, "tag", "ouroboros-http-v0.0.1")  # another package's tag

    assert previous(clone, "find", "ouroboros-core") == "ouroboros-core-v0.0.9 0.0.9"

    wheel = Path(previous(clone, "build", "ouroboros-core", "ouroboros-core-v0.0.9", "--out", str(tmp_path / "out")))
    assert wheel.name.startswith("ouroboros_core-0.0.9-")
    with zipfile.ZipFile(wheel) as zf:
        init = zf.read("ouroboros/core/__init__.py").decode()
    assert '__version__ = "0.0.9"' in init
