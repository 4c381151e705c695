"""Pydantic's own test suite, run against ouroboros.validation.

    nox -s compat -- validation            (or: python compat/run.py [pytest args])

1. Downloads the sdist of the installed Pydantic release from PyPI (it carries
   ``tests/``) into ``target/compat/`` and unpacks it once.
2. Runs the suite with the real Pydantic, then again with ``rename_shim``, a
   pytest plugin that only renames ``pydantic`` -> ``ouroboros.validation`` and
   ``pydantic_core`` -> ``ouroboros.validation.core``.
3. Prints the pass rate: tests passing through the shim among those passing on
   Pydantic, and the causes of the rest, largest first.

Excluded, as the issue states: tests of ``pydantic._internal``
(``test_internal.py``), of plugins (``plugin/``, ``test_plugins.py``,
``test_plugin_loader.py``), of mypy (``mypy/``) and of the private schema
generator (``types/unions/test_direct_schema.py``); ``test_docs.py`` needs the
docs/ folder, which the sdist does not ship.
"""

from __future__ import annotations

import argparse
import collections
import importlib.metadata
import os
import re
import subprocess
import sys
import tarfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
WORK = ROOT / "target" / "compat"
EXCLUDED = [
    "tests/mypy",
    "tests/plugin",
    "tests/test_plugins.py",
    "tests/test_plugin_loader.py",
    "tests/test_internal.py",
    # Runs the code blocks of Pydantic's docs/, which the sdist does not ship.
    "tests/test_docs.py",
    # Tests pydantic._internal._generate_schema's private union fast path
    # (GenerateSchema._union_schema, _is_simple_schema_type, ConfigWrapper).
    "tests/types/unions/test_direct_schema.py",
]


PIP_DOWNLOAD = [sys.executable, "-m", "pip", "download", "--quiet", "--no-binary", ":all:", "--no-deps"]


def fetch_suite(version: str) -> Path:
    """The unpacked sdist of ``pydantic==version`` (downloaded once)."""
    tree = WORK / f"pydantic-{version}"
    if (tree / "tests").is_dir():
        return tree
    WORK.mkdir(parents=True, exist_ok=True)
    archive = WORK / f"pydantic-{version}.tar.gz"
    if not archive.exists():
        print(f"[compat] downloading the pydantic {version} sdist from PyPI", flush=True)
        subprocess.run(
            [*PIP_DOWNLOAD, f"pydantic=={version}", "-d", str(WORK)],
            check=True,
        )
    with tarfile.open(archive) as tar:
        tar.extractall(WORK, filter="data")
    return tree


def run_suite(tree: Path, label: str, shim: bool, extra: list[str]) -> Path:
    """Run the suite once; return the JUnit report."""
    report = WORK / f"{label}.xml"
    # pytest-asyncio (a test tool of the federation) is not one of the suite's plugins.
    args = [sys.executable, "-m", "pytest", "tests", "-q", "-p", "no:cacheprovider", "-p", "no:asyncio", "--no-header"]
    args += ["-o", "junit_family=xunit1", f"--junitxml={report}", "-rN", "--tb=line", "--continue-on-collection-errors"]
    # A test that loops under ouroboros must fail, not stall the run (pytest-timeout).
    args += ["--timeout=30"]
    args += [f"--ignore={p}" for p in EXCLUDED]
    env = dict(os.environ)
    if shim:
        args += ["-p", "rename_shim"]
        env["PYTHONPATH"] = os.pathsep.join([str(HERE), env.get("PYTHONPATH", "")])
    started = time.monotonic()
    print(f"[compat] {label}: running Pydantic's tests", flush=True)
    # The suite's own config (pyproject.toml in the sdist) applies: warnings are errors.
    proc = subprocess.run(args + extra, cwd=tree, env=env, capture_output=True, text=True)
    tail = proc.stdout.strip().splitlines()[-1:] or proc.stderr.strip().splitlines()[-1:]
    print(f"[compat] {label}: {' '.join(tail)} ({time.monotonic() - started:.0f}s)", flush=True)
    if report.exists():
        report.with_suffix(".stopped").unlink(missing_ok=True)
    else:
        # Nothing ran (typically tests/conftest.py failed to import): every test fails for that cause.
        print(proc.stdout[-2000:], proc.stderr[-2000:], sep="\n")
        report.with_suffix(".stopped").write_text(classify("", proc.stdout + "\n" + proc.stderr))
    return report


class Outcome:
    """One test case of a JUnit report."""

    def __init__(self, file: str, passed: bool, cause: str | None) -> None:
        self.file = file
        self.passed = passed
        self.cause = cause


def read_report(report: Path) -> tuple[dict[str, Outcome], dict[str, str]]:
    """Test id -> outcome, and file -> cause of a collection error in it."""
    tests: dict[str, Outcome] = {}
    broken_files: dict[str, str] = {}
    for case in ET.parse(report).iter("testcase"):
        classname = case.get("classname", "")
        name = case.get("name", "")
        file = case.get("file") or classname.replace(".", "/") + ".py"
        failure = case.find("failure")
        if failure is None:
            failure = case.find("error")
        skipped = case.find("skipped")
        if failure is not None and not name and not case.get("line"):
            broken_files[file] = classify(failure.get("message", ""), failure.text or "")
            continue
        if failure is not None and failure.get("message", "").startswith("collection failure"):
            broken_files[file] = classify("", failure.text or "")
            continue
        passed = failure is None and skipped is None
        cause = None if passed or failure is None else classify(failure.get("message", ""), failure.text or "")
        tests[f"{classname}::{name}"] = Outcome(file, passed, cause)
    return tests, broken_files


_PATTERNS = [
    (re.compile(r"No module named '([\w.]+)'"), "missing module {0}"),
    (re.compile(r"cannot import name '(\w+)' from '([\w.]+)'"), "missing name {1}.{0}"),
    (re.compile(r"module '([\w.]+)' has no attribute '(\w+)'"), "missing name {0}.{1}"),
    (re.compile(r"'(\w+)' object has no attribute '(\w+)'"), "missing attribute {0}.{1}"),
    (re.compile(r"type object '(\w+)' has no attribute '(\w+)'"), "missing attribute {0}.{1}"),
    (re.compile(r"got an unexpected keyword argument '(\w+)'"), "unsupported keyword {0}"),
    (re.compile(r"DID NOT RAISE"), "no error raised where Pydantic raises"),
    (re.compile(r"cannot validate values of type (.+)"), "unsupported type {0}"),
]


def classify(message: str, text: str) -> str:
    """A short, groupable cause for one failure."""
    lines = [ln.strip() for ln in (message + "\n" + text).splitlines() if ln.strip()]
    blob = "\n".join(lines)
    for pattern, label in _PATTERNS:
        m = pattern.search(blob)
        if m:
            return label.format(*[g[:60] for g in m.groups()])
    errors = [ln[1:].strip() for ln in lines if ln.startswith("E ")]
    first = errors[0] if errors else (lines[0] if lines else "unknown")
    exc = re.match(r"([\w.]*(Error|Exception|Warning|Exit))\b", first)
    if exc:
        return exc.group(1)
    if first.startswith("assert"):
        return "different result (assertion)"
    return first[:60]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reuse", action="store_true", help="reuse the reports of the last run")
    parser.add_argument("--top", type=int, default=40, help="how many failure causes to list")
    args, extra = parser.parse_known_args()
    version = importlib.metadata.version("pydantic")
    tree = fetch_suite(version)
    reports = {}
    for label, shim in (("pydantic", False), ("ouroboros", True)):
        report = WORK / f"{label}.xml"
        reused = args.reuse and (report.exists() or report.with_suffix(".stopped").exists())
        reports[label] = report if reused else run_suite(tree, label, shim, extra)
    base, _ = read_report(reports["pydantic"])
    stopped = reports["ouroboros"].with_suffix(".stopped")
    if stopped.exists():
        ours, broken = {}, {o.file: f"(conftest) {stopped.read_text()}" for o in base.values()}
    else:
        ours, broken = read_report(reports["ouroboros"])
    reference = {tid: o for tid, o in base.items() if o.passed}
    if not reference:
        sys.exit("[compat] no test passed on Pydantic itself: the run is broken")
    causes: collections.Counter[str] = collections.Counter()
    by_file: collections.Counter[str] = collections.Counter()
    passed = 0
    for tid, ref in reference.items():
        mine = ours.get(tid)
        if mine is not None and mine.passed:
            passed += 1
            continue
        if mine is None and ref.file in broken:
            cause = f"[import] {broken[ref.file]}"
        elif mine is None:
            cause = "not collected"
        else:
            cause = mine.cause or "skipped"
        causes[cause] += 1
        by_file[ref.file] += 1
    total = len(reference)
    print()
    print(f"Pydantic {version} test suite through the rename shim")
    print(f"  tests passing on Pydantic:       {total}")
    print(f"  of those, passing on ouroboros:  {passed}")
    print(f"  pass rate:                       {100 * passed / total:.1f}%")
    print(f"  test files failing to import:    {len(broken)}")
    print()
    print(f"Failure causes (tests affected), top {args.top}:")
    for cause, n in causes.most_common(args.top):
        print(f"  {n:6d}  {cause}")
    print()
    print("Files with the most failing tests:")
    for file, n in by_file.most_common(15):
        print(f"  {n:6d}  {file}")


if __name__ == "__main__":
    main()
