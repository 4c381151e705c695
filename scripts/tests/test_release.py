"""scripts/release.py on a temporary copy of the repository (a git repo of its own)."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import release
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
SKIP = shutil.ignore_patterns(
    "target", ".nox", "dist", ".venv*", ".services", ".git", "node_modules", "__pycache__", "benchmarks", "tests"
)
TODAY = "2026-01-02"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    copy = tmp_path / "repo"
    shutil.copytree(ROOT, copy, ignore=SKIP)
    git(copy, "init", "-q", "-b", "main")
    git(copy, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "add", "-A")
    git(copy, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-q", "-m", "start")
    git(copy, "config", "user.name", "Release Test")
    git(copy, "config", "user.email", "release@example.invalid")
    return copy


def snapshot(repo: Path) -> dict[str, str]:
    files = [p for p in repo.rglob("*") if p.is_file() and ".git" not in p.parts]
    return {str(p.relative_to(repo)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def run(repo: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = release.main([*args, "--root", str(repo), "--date", TODAY])
    out, err = capsys.readouterr()
    return code, out, err


def cargo_version(path: Path) -> str:
    return tomllib.loads(path.read_text())["package"]["version"]


def compat(repo: Path) -> dict:
    return tomllib.loads((repo / "packages/ouroboros-kit/python/ouroboros/kit/compat.toml").read_text())


def test_dry_run_shows_version_changelog_and_compatibility_and_changes_nothing(repo, capsys):
    before = snapshot(repo)
    old = Version(cargo_version(repo / "packages/ouroboros-http/Cargo.toml"))
    new = f"{old.major}.{old.minor}.{old.micro + 1}"
    code, out, _ = run(repo, "ouroboros-http", "patch", "--dry-run", capsys=capsys)
    assert code == 0
    assert f"ouroboros-http: {old} -> {new} (tag ouroboros-http-v{new})" in out
    assert f'-version = "{old}"\n+version = "{new}"' in out
    assert "+++ b/packages/ouroboros-http/CHANGELOG.md" in out
    assert f"+## [{new}] - {TODAY}" in out
    assert "+++ b/Cargo.lock" in out
    assert f'compat.toml ouroboros-http = ">={old.major}.{old.minor},<{old.major}.{old.minor + 1}" admits {new}' in out
    assert "tests: NOT run (dry run)" in out
    assert snapshot(repo) == before
    assert git(repo, "tag", "--list") == ""


def test_minor_release_moves_the_changelog_and_the_ranges_then_commits_and_tags(repo, capsys):
    code, out, err = run(repo, "ouroboros-http", "minor", "--test-command", "true", capsys=capsys)
    assert code == 0, err
    assert cargo_version(repo / "packages/ouroboros-http/Cargo.toml") == "0.2.0"
    lock = (repo / "Cargo.lock").read_text()
    assert 'name = "ouroboros-http-py"\nversion = "0.2.0"' in lock
    changelog = (repo / "packages/ouroboros-http/CHANGELOG.md").read_text()
    unreleased, rest = changelog.split("## [Unreleased]\n", 1)[1].split(f"## [0.2.0] - {TODAY}\n", 1)
    assert unreleased.strip() == ""
    assert "### Added" in rest
    assert compat(repo)["modules"]["ouroboros-http"] == ">=0.2,<0.3"
    assert compat(repo)["modules"]["ouroboros-api"] == ">=0.1,<0.2"
    kit_changelog = (repo / "packages/ouroboros-kit/CHANGELOG.md").read_text()
    assert "- compat.toml: ouroboros-http >=0.2,<0.3 (was >=0.1,<0.2), for ouroboros-http 0.2.0." in kit_changelog
    assert git(repo, "tag", "--list").split() == ["ouroboros-http-v0.2.0"]
    assert git(repo, "log", "-1", "--format=%s") == "Release ouroboros-http 0.2.0\n"
    assert git(repo, "status", "--porcelain") == ""
    assert "committed and tagged ouroboros-http-v0.2.0" in out


def test_refuses_when_the_tests_fail_and_changes_nothing(repo, capsys):
    before = snapshot(repo)
    code, _, err = run(repo, "ouroboros-http", "patch", "--test-command", "exit 3", capsys=capsys)
    assert code == 1
    assert "release refused: the tests of ouroboros-http failed; nothing was changed" in err
    assert snapshot(repo) == before
    assert git(repo, "tag", "--list") == ""


def test_refuses_with_uncommitted_changes(repo, capsys):
    readme = repo / "packages/ouroboros-http/README.md"
    readme.write_text(readme.read_text() + "\nedited\n")
    code, _, err = run(repo, "ouroboros-http", "patch", "--test-command", "true", capsys=capsys)
    assert code == 1
    assert "uncommitted changes" in err


def test_refuses_an_empty_unreleased_section(repo, capsys):
    assert run(repo, "ouroboros-http", "patch", "--test-command", "true", capsys=capsys)[0] == 0
    code, _, err = run(repo, "ouroboros-http", "patch", "--test-command", "true", capsys=capsys)
    assert code == 1
    assert "the [Unreleased] section is empty" in err


def test_core_is_released_from_pyproject_and_every_dependent_range_follows(repo, capsys):
    code, _, err = run(repo, "ouroboros-core", "minor", "--test-command", "true", capsys=capsys)
    assert code == 0, err
    core = repo / "packages/ouroboros-core"
    assert tomllib.loads((core / "pyproject.toml").read_text())["project"]["version"] == "0.2.0"
    assert '__version__ = "0.2.0"' in (core / "python/ouroboros/core/__init__.py").read_text()
    assert compat(repo)["core"]["ouroboros-core"] == ">=0.2,<0.3"
    for pyproject in repo.glob("packages/*/pyproject.toml"):
        deps = tomllib.loads(pyproject.read_text())["project"].get("dependencies", [])
        for dep in deps:
            if dep.startswith("ouroboros-core"):
                assert dep == "ouroboros-core>=0.2,<0.3", pyproject


def test_kit_is_released_from_pyproject_and_init(repo, capsys):
    code, _, err = run(repo, "ouroboros-kit", "patch", "--test-command", "true", capsys=capsys)
    assert code == 0, err
    kit = repo / "packages/ouroboros-kit"
    assert tomllib.loads((kit / "pyproject.toml").read_text())["project"]["version"] == "0.1.1"
    assert '__version__ = "0.1.1"' in (kit / "python/ouroboros/kit/__init__.py").read_text()
    assert git(repo, "tag", "--list").split() == ["ouroboros-kit-v0.1.1"]


def test_the_nested_http_engine_crate_is_released_with_its_own_changelog(repo, capsys):
    code, out, _ = run(repo, "ouroboros-http-core", "minor", "--dry-run", capsys=capsys)
    assert code == 0
    assert "a release first runs nox -s \"tests(package='ouroboros-http')\"" in out
    code, out, err = run(repo, "ouroboros-http-core", "minor", "--test-command", "true", capsys=capsys)
    assert code == 0, err
    crate = repo / "packages/ouroboros-http/core"
    assert cargo_version(crate / "Cargo.toml") == "0.2.0"
    assert cargo_version(repo / "packages/ouroboros-http/Cargo.toml") == "0.1.0"
    assert f"## [0.2.0] - {TODAY}" in (crate / "CHANGELOG.md").read_text()
    workspace = tomllib.loads((repo / "Cargo.toml").read_text())["workspace"]["dependencies"]
    assert workspace["ouroboros-http-core"]["version"] == "0.2.0"
    assert 'name = "ouroboros-http-core"\nversion = "0.2.0"' in (repo / "Cargo.lock").read_text()
    assert git(repo, "tag", "--list").split() == ["ouroboros-http-core-v0.2.0"]


def test_unknown_package_is_named(repo, capsys):
    code, _, err = run(repo, "ouroboros-nope", "patch", "--dry-run", capsys=capsys)
    assert code == 1
    assert "unknown package 'ouroboros-nope'" in err


@pytest.mark.parametrize(
    ("requirement", "version", "admits"),
    [("0.1.0", "0.1.5", True), ("0.1.0", "0.2.0", False), ("1.2.0", "1.9.0", True), ("1.2.0", "2.0.0", False)],
)
def test_caret_requirements(requirement, version, admits):
    assert release.caret_admits(requirement, Version(version)) is admits


def test_compatible_ranges():
    assert release.compatible_range(Version("0.3.0")) == ">=0.3,<0.4"
    assert release.compatible_range(Version("2.0.0")) == ">=2.0,<3"
    assert release.bump(Version("1.4.2"), "major") == Version("2.0.0")
