#!/usr/bin/env python3
"""Release one package of the federation on its own.

    nox -s release -- <package> <major|minor|patch> [--dry-run]
    python scripts/release.py ouroboros-http patch --dry-run

What it changes, in one commit tagged `<package>-v<version>` (settings in release.toml):
- the version: Cargo.toml for a maturin package or a crate (and its Cargo.lock
  entry), pyproject.toml and `__version__` for ouroboros-core and ouroboros-kit;
- the package's CHANGELOG.md: the [Unreleased] section becomes the new version's;
- compatibility ranges the new version leaves: ouroboros-kit's compat.toml, the
  `ouroboros-*` dependency ranges of the other packages, and the root Cargo.toml
  requirement of a shared crate; ouroboros-kit's changelog records each change.

It refuses to run when the package's tests fail (`nox -s "tests(package=...)"`),
when the tree has uncommitted changes, when the [Unreleased] section is empty or
when the tag exists. `--dry-run` prints the changes as diffs and changes nothing;
it does not run the tests, and says so. Pushing the tag (which starts
.github/workflows/release.yml) is left to the person releasing.

Packages: every packages/*/pyproject.toml, plus the crates versioned on their
own: those nested in a package folder (packages/ouroboros-http/core) and the
shared ones (rust-shared/*).
"""

from __future__ import annotations

import argparse
import datetime
import difflib
import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from packaging.specifiers import SpecifierSet
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
LEVELS = ("major", "minor", "patch")


class ReleaseError(Exception):
    """A reason not to release, printed as one line."""


@dataclass
class Target:
    """Something that can be released: a distribution or a nested crate."""

    name: str
    folder: Path
    version: Version
    #: Cargo package name when the version lives in Cargo.toml.
    crate: str | None
    #: The distribution whose nox tests gate the release.
    tested_by: str
    #: Whether ouroboros-kit's compat.toml and the packages' dependencies name it.
    distribution: bool = True


@dataclass
class Plan:
    """Every file edit of one release, computed before anything is written."""

    target: Target
    new: Version
    files: dict[Path, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def read(self, path: Path) -> str:
        return self.files[path] if path in self.files else path.read_text()


def bump(version: Version, level: str) -> Version:
    major, minor, patch = (*version.release, 0, 0, 0)[:3]
    if level == "major":
        return Version(f"{major + 1}.0.0")
    if level == "minor":
        return Version(f"{major}.{minor + 1}.0")
    if level == "patch":
        return Version(f"{major}.{minor}.{patch + 1}")
    raise ReleaseError(f"unknown level {level!r}; use one of {', '.join(LEVELS)}")


def compatible_range(version: Version) -> str:
    """The range a kit admits for a release line: >=0.2,<0.3 before 1.0, >=1.4,<2 after."""
    if version.major == 0:
        return f">={version.major}.{version.minor},<0.{version.minor + 1}"
    return f">={version.major}.{version.minor},<{version.major + 1}"


def caret_admits(requirement: str, version: Version) -> bool:
    """Whether Cargo's default (caret) requirement `requirement` accepts `version`."""
    req = Version(requirement)
    if version < req:
        return False
    if req.major:
        return version.major == req.major
    if req.minor:
        return (version.major, version.minor) == (0, req.minor)
    return version.release[:3] == req.release[:3]


def _package_version(text: str, section: str) -> str:
    return tomllib.loads(text)[section]["version"]


def discover(root: Path) -> dict[str, Target]:
    """Every releasable target under packages/ (and argus/, discovered as nox does)."""
    found: dict[str, Target] = {}
    for pyproject in sorted([*root.glob("packages/*/pyproject.toml"), *root.glob("argus/pyproject.toml")]):
        folder = pyproject.parent
        name = tomllib.loads(pyproject.read_text())["project"]["name"]
        cargo = folder / "Cargo.toml"
        if cargo.exists():
            data = tomllib.loads(cargo.read_text())["package"]
            found[name] = Target(name, folder, Version(data["version"]), data["name"], name)
        else:
            version = Version(_package_version(pyproject.read_text(), "project"))
            found[name] = Target(name, folder, version, None, name)
        for nested in sorted(folder.glob("*/Cargo.toml")):
            data = tomllib.loads(nested.read_text()).get("package")
            if data and "version" in data and isinstance(data["version"], str):
                found[data["name"]] = Target(
                    data["name"], nested.parent, Version(data["version"]), data["name"], name, distribution=False
                )
    for cargo in sorted(root.glob("rust-shared/*/Cargo.toml")):
        data = tomllib.loads(cargo.read_text())["package"]
        if isinstance(data.get("version"), str):
            found[data["name"]] = Target(
                data["name"], cargo.parent, Version(data["version"]), data["name"], "rust-shared", distribution=False
            )
    return found


def _replace_once(text: str, pattern: str, replacement: str, what: str, flags: int = re.MULTILINE) -> str:
    new, count = re.subn(pattern, replacement, text, count=1, flags=flags)
    if count != 1:
        raise ReleaseError(f"could not find {what}")
    return new


def _set_section_version(text: str, section: str, old: Version, new: Version, where: Path) -> str:
    """Replace `version = "old"` inside [section] (the first one after its header)."""
    header = re.search(rf"^\[{re.escape(section)}\]\s*$", text, flags=re.MULTILINE)
    if not header:
        raise ReleaseError(f"{where}: no [{section}] section")
    head, tail = text[: header.end()], text[header.end() :]
    tail = _replace_once(
        tail, rf'^version = "{re.escape(str(old))}"', f'version = "{new}"', f"version {old} in {where}"
    )
    return head + tail


def plan_version(plan: Plan, root: Path) -> None:
    target, new = plan.target, plan.new
    old = target.version
    if target.crate:
        cargo = target.folder / "Cargo.toml"
        plan.files[cargo] = _set_section_version(plan.read(cargo), "package", old, new, cargo)
        lock = root / "Cargo.lock"
        if lock.exists():
            plan.files[lock] = _replace_once(
                plan.read(lock),
                rf'^(name = "{re.escape(target.crate)}"\nversion = )"{re.escape(str(old))}"',
                rf'\g<1>"{new}"',
                f"{target.crate} {old} in Cargo.lock",
            )
        return
    pyproject = target.folder / "pyproject.toml"
    plan.files[pyproject] = _set_section_version(plan.read(pyproject), "project", old, new, pyproject)
    short = target.name.removeprefix("ouroboros-")
    init = target.folder / "python" / "ouroboros" / short / "__init__.py"
    if init.exists():
        plan.files[init] = _replace_once(
            plan.read(init),
            rf'^__version__ = "{re.escape(str(old))}"',
            f'__version__ = "{new}"',
            f"__version__ in {init}",
        )


def plan_changelog(plan: Plan, path: Path, today: str) -> None:
    text = plan.read(path) if path.exists() else ""
    match = re.search(r"^## \[Unreleased\][^\n]*\n(.*?)(?=^## \[|\Z)", text, flags=re.MULTILINE | re.DOTALL)
    if not match:
        raise ReleaseError(f"{path} has no '## [Unreleased]' section")
    if not match.group(1).strip():
        raise ReleaseError(f"{path}: the [Unreleased] section is empty; write what this release changes first")
    plan.files[path] = (
        text[: match.start()] + f"## [Unreleased]\n\n## [{plan.new}] - {today}\n" + match.group(1) + text[match.end() :]
    )


def _note_in_kit_changelog(plan: Plan, kit_changelog: Path, line: str) -> None:
    text = plan.read(kit_changelog)
    match = re.search(r"^## \[Unreleased\]\n", text, flags=re.MULTILINE)
    if not match:
        raise ReleaseError(f"{kit_changelog} has no '## [Unreleased]' section")
    body_start = match.end()
    heading = "### Changed\n"
    following = text[body_start:]
    next_release = re.search(r"^## \[", following, flags=re.MULTILINE)
    section = following[: next_release.start()] if next_release else following
    if heading in section:
        insert_at = body_start + section.index(heading) + len(heading)
        text = text[:insert_at] + f"- {line}\n" + text[insert_at:]
    else:
        text = text[:body_start] + f"\n{heading}- {line}\n" + text[body_start:]
    plan.files[kit_changelog] = text


def plan_compatibility(plan: Plan, root: Path, targets: dict[str, Target]) -> None:
    """Ranges elsewhere that the new version leaves, rewritten to admit it."""
    target, new = plan.target, plan.new
    kit = targets.get("ouroboros-kit")
    if not target.distribution:
        # A shared crate: the root Cargo.toml's requirement of it.
        manifest = root / "Cargo.toml"
        text = plan.read(manifest)
        pattern = rf'^({re.escape(target.crate)} = \{{[^\n}}]*version = )"([^"]+)"'
        match = re.search(pattern, text, flags=re.MULTILINE)
        if not match:
            plan.notes.append(f"compatibility: nothing in Cargo.toml names {target.crate} with a version")
        elif caret_admits(match.group(2), new):
            plan.notes.append(
                f'compatibility: Cargo.toml requires {target.crate} "{match.group(2)}", which admits {new}'
            )
        else:
            plan.files[manifest] = re.sub(pattern, rf'\g<1>"{new}"', text, count=1, flags=re.MULTILINE)
            plan.notes.append(f'compatibility: Cargo.toml requirement of {target.crate} "{match.group(2)}" -> "{new}"')
        return
    if kit is not None and target.name != "ouroboros-kit":
        compat = kit.folder / "python" / "ouroboros" / "kit" / "compat.toml"
        text = plan.read(compat)
        match = re.search(rf'^{re.escape(target.name)} = "([^"]+)"', text, flags=re.MULTILINE)
        if not match:
            raise ReleaseError(f"{compat} has no entry for {target.name}; add one first")
        if new in SpecifierSet(match.group(1)):
            plan.notes.append(f'compatibility: compat.toml {target.name} = "{match.group(1)}" admits {new}; unchanged')
        else:
            wanted = compatible_range(new)
            plan.files[compat] = text[: match.start(1)] + wanted + text[match.end(1) :]
            plan.notes.append(f'compatibility: compat.toml {target.name} "{match.group(1)}" -> "{wanted}"')
            _note_in_kit_changelog(
                plan,
                kit.folder / "CHANGELOG.md",
                f"compat.toml: {target.name} {wanted} (was {match.group(1)}), for {target.name} {new}.",
            )
    # Other packages' dependency ranges on this one.
    for other in targets.values():
        if not other.distribution or other.name == target.name:
            continue
        pyproject = other.folder / "pyproject.toml"
        text = plan.read(pyproject)
        for match in re.finditer(rf'"{re.escape(target.name)}([<>=!~][^";]*)"', text):
            spec = match.group(1)
            if new in SpecifierSet(spec):
                plan.notes.append(f"compatibility: {other.name} requires {target.name}{spec}, which admits {new}")
                continue
            wanted = compatible_range(new)
            text = text.replace(match.group(0), f'"{target.name}{wanted}"')
            plan.files[pyproject] = text
            plan.notes.append(f"compatibility: {other.name} requires {target.name}{wanted} (was {spec})")


def make_plan(root: Path, name: str, level: str, today: str) -> Plan:
    targets = discover(root)
    if name not in targets:
        raise ReleaseError(f"unknown package {name!r}; known: {', '.join(targets)}")
    target = targets[name]
    plan = Plan(target, bump(target.version, level))
    plan_version(plan, root)
    plan_changelog(plan, target.folder / "CHANGELOG.md", today)
    plan_compatibility(plan, root, targets)
    return plan


def settings(root: Path) -> dict[str, str]:
    data = tomllib.loads((root / "release.toml").read_text())
    return {k: data[k] for k in ("tag-name", "tag-message", "commit-message")}


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True).stdout


def show(plan: Plan, root: Path) -> None:
    for path, text in plan.files.items():
        before = path.read_text().splitlines(keepends=True)
        rel = path.relative_to(root)
        sys.stdout.writelines(difflib.unified_diff(before, text.splitlines(keepends=True), f"a/{rel}", f"b/{rel}"))
    for note in plan.notes:
        print(note)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("package", help="a distribution (ouroboros-http) or a nested crate (ouroboros-http-core)")
    parser.add_argument("level", choices=LEVELS)
    parser.add_argument("--dry-run", action="store_true", help="print the changes, change nothing, run no tests")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    parser.add_argument(
        "--test-command",
        help="command that gates the release (default: nox -s \"tests(package='<package>')\")",
    )
    parser.add_argument(
        "--date", default=datetime.datetime.now(datetime.UTC).date().isoformat(), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    root = args.root.resolve()
    try:
        plan = make_plan(root, args.package, args.level, args.date)
        config = settings(root)
        values = {"package": plan.target.name, "version": str(plan.new)}
        tag = config["tag-name"].format(**values)
        print(f"{plan.target.name}: {plan.target.version} -> {plan.new} (tag {tag})")
        show(plan, root)
        test_command = args.test_command or f"nox -s \"tests(package='{plan.target.tested_by}')\""
        if args.dry_run:
            print(f"tests: NOT run (dry run); a release first runs {test_command}")
            print("dry run: nothing written, no commit, no tag")
            return 0
        if git(root, "tag", "--list", tag).strip():
            raise ReleaseError(f"tag {tag} exists already")
        if git(root, "status", "--porcelain", "--untracked-files=no").strip():
            raise ReleaseError("the work tree has uncommitted changes; commit or stash them first")
        print(f"tests: {test_command}", flush=True)
        if subprocess.run(test_command, shell=True, cwd=root, check=False).returncode:
            raise ReleaseError(f"the tests of {plan.target.tested_by} failed; nothing was changed")
        for path, text in plan.files.items():
            path.write_text(text)
        git(root, "add", *[str(p) for p in plan.files])
        git(root, "commit", "-q", "-m", config["commit-message"].format(**values))
        git(root, "tag", "-a", tag, "-m", config["tag-message"].format(**values))
        print(f"committed and tagged {tag}; publish with: git push origin HEAD {tag}")
    except ReleaseError as err:
        print(f"release refused: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
