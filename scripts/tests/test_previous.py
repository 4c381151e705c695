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


def _tar(members: dict[str, tuple[str, str]]) -> bytes:
    """A tar in memory: name -> ("file", text) or ("link", target)."""
    import io
    import tarfile

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, (kind, value) in members.items():
            info = tarfile.TarInfo(name)
            if kind == "link":
                info.type, info.linkname = tarfile.SYMTYPE, value
                tar.addfile(info)
            else:
                data = value.encode()
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


@pytest.mark.parametrize("filters", [True, False], ids=["python-filters", "python-3.11.2"])
def test_extract_refuses_what_escapes_the_folder_with_or_without_tar_filters(tmp_path, monkeypatch, filters):
    import importlib.util
    import io
    import tarfile

    spec = importlib.util.spec_from_file_location("previous_under_test", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not filters:
        monkeypatch.delattr(tarfile, "data_filter", raising=False)
    good = tmp_path / "good"
    with tarfile.open(fileobj=io.BytesIO(_tar({"a/b.txt": ("file", "hi"), "a/c": ("link", "b.txt")}))) as tar:
        module.extract(tar, good)
    assert (good / "a" / "b.txt").read_text() == "hi"
    for i, bad in enumerate([{"../evil.txt": ("file", "x")}, {"a/up": ("link", "../../outside")}]):
        dest = tmp_path / f"bad{i}"
        with tarfile.open(fileobj=io.BytesIO(_tar(bad))) as tar, pytest.raises((ValueError, tarfile.TarError)):
            module.extract(tar, dest)
        assert not (tmp_path / "evil.txt").exists()
    # An absolute name is made relative, as the "data" filter does.
    with tarfile.open(fileobj=io.BytesIO(_tar({"/abs-ouroboros-test.txt": ("file", "x")}))) as tar:
        module.extract(tar, tmp_path / "abs")
    assert (tmp_path / "abs" / "abs-ouroboros-test.txt").read_text() == "x"
    assert not Path("/abs-ouroboros-test.txt").exists()
