"""A peer library's own test suite, run against an ouroboros module (`nox -s compat -- <module>`).

Each package describes its peer in ``packages/<pkg>/compat/run.py`` (a `Suite`)
and calls `main`. For the installed release of the peer, the runner:

1. downloads the peer's sdist from PyPI (it carries ``tests/``) into
   ``target/compat/`` and unpacks it once;
2. runs the suite on the peer itself, then again with ``rename_shim`` (a pytest
   plugin in this folder that only renames the peer's packages to ours);
3. prints the pass rate (tests passing through the shim among those passing on
   the peer) and groups the other failures by cause, largest first.

Every test has a time limit (pytest-timeout) and every whole run a budget, so a
test that hangs under ouroboros fails instead of stalling the measurement.
"""

from __future__ import annotations

import argparse
import collections
import importlib.metadata
import json
import os
import re
import subprocess
import sys
import tarfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
WORK = ROOT / "target" / "compat"
PIP_DOWNLOAD = [sys.executable, "-m", "pip", "download", "--quiet", "--no-binary", ":all:", "--no-deps"]

sys.path.insert(0, str(HERE.parent))
from previous import extract  # noqa: E402  (the tar "data" filter, also on Pythons without it)


@dataclass(frozen=True)
class Suite:
    """How to run one peer's suite against one ouroboros module."""

    peer: str  # the peer's distribution name on PyPI: "pydantic"
    title: str  # how the summary names it: "Pydantic"
    renames: dict[str, str]  # peer package -> ouroboros module, given to rename_shim
    reports: str = ""  # prefix of the JUnit report names in target/compat/
    excluded: Sequence[str] | Callable[[Path], Sequence[str]] = ()  # paths in the sdist, or a function of it
    excluded_note: str = ""  # printed in the summary when `excluded` is worth naming
    test_timeout: int = 30  # seconds per test
    budget: float = 45 * 60  # seconds per whole run
    causes: Sequence[tuple[str, str]] = ()  # (regex, label) tried before the common ones
    detail: int = 0  # characters of an exception's message kept in its cause label
    top_files: int = 20
    pytest_args: Sequence[str] = field(default=())


COMMON_CAUSES = [
    (r"No module named '([\w.]+)'", "missing module {0}"),
    (r"cannot import name '(\w+)' from '([\w.]+)'", "missing name {1}.{0}"),
    (r"module '([\w.]+)' has no attribute '(\w+)'", "missing name {0}.{1}"),
    (r"'(\w+)' object has no attribute '(\w+)'", "missing attribute {0}.{1}"),
    (r"type object '(\w+)' has no attribute '(\w+)'", "missing attribute {0}.{1}"),
    (r"(\w+)\(\) got an unexpected keyword argument '(\w+)'", "unsupported keyword {0}({1}=)"),
    (r"got an unexpected keyword argument '(\w+)'", "unsupported keyword {0}="),
    (r"DID NOT RAISE <class '([\w.]+)'>", "no {0} raised where the peer raises"),
    (r"DID NOT RAISE", "no error raised where the peer raises"),
    (r"Timeout >[\d.]+s", "test timed out"),
]
_EXCEPTION = re.compile(r"([\w.]*(?:Error|Exception|Warning|Exit|Timeout|Closed|Consumed|Protocol))\b:?\s*(.*)")


class Outcome:
    """One test case of a JUnit report."""

    __slots__ = ("cause", "file", "passed")

    def __init__(self, file: str, passed: bool, cause: str | None) -> None:
        self.file, self.passed, self.cause = file, passed, cause


class Classifier:
    """Short, groupable causes for failures: the suite's own patterns first, then the common ones."""

    def __init__(self, suite: Suite) -> None:
        self.patterns = [(re.compile(p), label) for p, label in [*suite.causes, *COMMON_CAUSES]]
        self.detail = suite.detail

    def __call__(self, message: str, text: str) -> str:
        lines = [ln.strip() for ln in f"{message}\n{text}".splitlines() if ln.strip()]
        blob = "\n".join(lines)
        for pattern, label in self.patterns:
            found = pattern.search(blob)
            if found:
                return label.format(*(g[:60] for g in found.groups()))
        errors = [ln[1:].strip() for ln in lines if ln.startswith("E ")]
        first = errors[0] if errors else (lines[0] if lines else "unknown")
        exc = _EXCEPTION.match(first)
        if exc:
            return f"{exc.group(1)}: {exc.group(2)[: self.detail]}".rstrip(": ") if self.detail else exc.group(1)
        if first.startswith("assert"):
            return "different result (assertion)"
        return first[:70]


def read_report(report: Path, classify: Callable[[str, str], str]) -> tuple[dict[str, Outcome], dict[str, str]]:
    """Test id -> outcome, and test file -> why it could not be collected."""
    tests: dict[str, Outcome] = {}
    broken: dict[str, str] = {}
    for case in ET.parse(report).iter("testcase"):
        classname, name = case.get("classname", ""), case.get("name", "")
        file = case.get("file") or classname.replace(".", "/") + ".py"
        bad = case.find("failure")
        if bad is None:
            bad = case.find("error")
        message = "" if bad is None else bad.get("message", "")
        if bad is not None and ((not name and not case.get("line")) or message.startswith("collection failure")):
            broken[file] = classify(message, bad.text or "")
            continue
        passed = bad is None and case.find("skipped") is None
        cause = None if bad is None else classify(message, bad.text or "")
        tests[f"{classname}::{name}"] = Outcome(file, passed, cause)
    return tests, broken


# pytest options whose next argument is their value, not a test path.
TAKES_VALUE = {"-k", "-m", "-p", "-o", "-c", "--deselect", "--ignore", "--rootdir", "--junitxml", "--confcutdir"}


def selected(tree: Path, extra: Sequence[str]) -> list[str]:
    """The test files or ids named among pytest's extra arguments (paths inside the sdist)."""
    found = []
    for before, arg in zip(["", *extra], extra, strict=False):
        if arg.startswith("-") or before in TAKES_VALUE:
            continue
        if (tree / arg.split("::")[0]).exists():
            found.append(arg)
    return found


def in_selection(file: str, only: Sequence[str]) -> bool:
    """Whether a test file lies in the selection (everything when nothing is selected)."""
    paths = [a.split("::")[0] for a in only]
    return not paths or any(file == p or file.startswith(p.rstrip("/") + "/") for p in paths)


class Runner:
    def __init__(self, suite: Suite) -> None:
        self.suite = suite
        self.classify = Classifier(suite)
        self.version = importlib.metadata.version(suite.peer)

    def report(self, label: str) -> Path:
        return WORK / f"{self.suite.reports}{label}.xml"

    def tree(self) -> Path:
        """The unpacked sdist of the installed peer release (downloaded once)."""
        tree = WORK / f"{self.suite.peer}-{self.version}"
        if (tree / "tests").is_dir():
            return tree
        WORK.mkdir(parents=True, exist_ok=True)
        archive = WORK / f"{self.suite.peer}-{self.version}.tar.gz"
        if not archive.exists():
            print(f"[compat] downloading the {self.suite.peer} {self.version} sdist from PyPI", flush=True)
            subprocess.run([*PIP_DOWNLOAD, f"{self.suite.peer}=={self.version}", "-d", str(WORK)], check=True)
        with tarfile.open(archive) as tar:
            extract(tar, WORK)
        return tree

    def excluded(self, tree: Path) -> list[str]:
        excluded = self.suite.excluded
        return list(excluded(tree) if callable(excluded) else excluded)

    def run(self, tree: Path, label: str, shim: bool, budget: float, extra: list[str]) -> Path:
        """One pass over the suite; returns the JUnit report (or leaves a ``.stopped`` note beside it)."""
        report = self.report(label)
        stopped = report.with_suffix(".stopped")
        report.unlink(missing_ok=True)
        stopped.unlink(missing_ok=True)
        # Test files or ids among the extra arguments replace the whole tests/ folder.
        targets = [] if selected(tree, extra) else ["tests"]
        args = [sys.executable, "-m", "pytest", *targets, "-q", "--no-header", "-p", "no:cacheprovider"]
        # pytest-asyncio (a test tool of the federation) is not one of the peers' plugins.
        args += ["-p", "no:asyncio", "-o", "junit_family=xunit1", f"--junitxml={report}", "-rN", "--tb=line"]
        args += [f"--timeout={self.suite.test_timeout}", "--continue-on-collection-errors"]
        args += [f"--ignore={p}" for p in self.excluded(tree)]
        args += list(self.suite.pytest_args)
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        if shim:
            args += ["-p", "rename_shim"]
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE), env.get("PYTHONPATH")]))
            env["OUROBOROS_COMPAT_RENAMES"] = json.dumps(self.suite.renames)
        print(f"[compat] {label}: running {self.suite.title}'s tests", flush=True)
        started = time.monotonic()
        # The suite's own config (pyproject.toml or setup.cfg in the sdist) applies: warnings are errors.
        try:
            proc = subprocess.run(
                args + extra, cwd=tree, env=env, capture_output=True, text=True, timeout=budget, check=False
            )
            out, err = proc.stdout, proc.stderr
        except subprocess.TimeoutExpired as exc:
            out = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else str(exc.stdout or "")
            err = f"the run took more than its budget of {budget:.0f}s and was stopped"
        tail = [ln for ln in out.splitlines() if ln.strip()][-1:] or err.strip().splitlines()[-1:]
        print(f"[compat] {label}: {' '.join(tail)} ({time.monotonic() - started:.0f}s)", flush=True)
        if not report.exists():
            # Nothing was reported: the suite's conftest failed to import, or the run was stopped.
            print(out[-2000:], err[-2000:], sep="\n")
            stopped.write_text(self.classify("", out + "\n" + err))
        return report

    def summary(self, top: int, only: Sequence[str] = ()) -> None:
        peer_report, ours_report = self.report(self.suite.peer), self.report("ouroboros")
        if peer_report.with_suffix(".stopped").exists() or not peer_report.exists():
            sys.exit(f"[compat] the suite did not run on {self.suite.title} itself: the run is broken")
        base, _ = read_report(peer_report, self.classify)
        reference = {tid: o for tid, o in base.items() if o.passed and in_selection(o.file, only)}
        if not reference:
            sys.exit(f"[compat] no test passed on {self.suite.title} itself: the run is broken")
        stopped = ours_report.with_suffix(".stopped")
        if stopped.exists():
            ours: dict[str, Outcome] = {}
            broken = {o.file: f"(whole run) {stopped.read_text()}" for o in reference.values()}
        else:
            ours, broken = read_report(ours_report, self.classify)
        causes: collections.Counter[str] = collections.Counter()
        by_file: collections.Counter[str] = collections.Counter()
        passed = 0
        for tid, ref in reference.items():
            mine = ours.get(tid)
            if mine is not None and mine.passed:
                passed += 1
                continue
            if mine is None:
                cause = f"[import] {broken[ref.file]}" if ref.file in broken else "not collected"
            else:
                cause = mine.cause or "skipped"
            causes[cause] += 1
            by_file[ref.file] += 1
        total = len(reference)
        renames = ", ".join(f"{old} -> {new}" for old, new in self.suite.renames.items())
        print()
        print(f"{self.suite.title} {self.version} test suite through the rename shim ({renames})")
        if only:
            print(f"  only: {' '.join(only)}")
        if self.suite.excluded_note:
            print(f"  {self.suite.excluded_note}: {', '.join(self.excluded(self.tree())) or 'none'}")
        print(f"{'  tests passing on ' + self.suite.title + ':':<35}{total}")
        print(f"  of those, passing on ouroboros:  {passed}")
        print(f"  pass rate:                       {100 * passed / total:.1f}%")
        print(f"  test files failing to import:    {len(broken)}")
        print()
        print(f"Failure causes (tests affected), top {top}:")
        for cause, n in causes.most_common(top):
            print(f"  {n:6d}  {cause}")
        print()
        print("Files with the most failing tests:")
        for file, n in by_file.most_common(self.suite.top_files):
            print(f"  {n:6d}  {file}")


def main(suite: Suite, argv: Sequence[str] | None = None) -> None:
    """Command line of a package's compat/run.py; unknown arguments go to pytest (a test file, -k ...)."""
    parser = argparse.ArgumentParser(description=f"{suite.title}'s own test suite, run against ouroboros.")
    parser.add_argument("--reuse", action="store_true", help="reuse both reports of the last run")
    parser.add_argument(
        f"--reuse-{suite.peer}",
        "--only-ours",
        dest="reuse_peer",
        action="store_true",
        help=f"reuse the last {suite.title} report, rerun ours",
    )
    parser.add_argument("--budget", type=float, default=suite.budget, help="seconds allowed for each whole run")
    parser.add_argument("--top", type=int, default=40, help="how many failure causes to list")
    args, extra = parser.parse_known_args(argv)
    runner = Runner(suite)
    tree = runner.tree()
    for label, shim in ((suite.peer, False), ("ouroboros", True)):
        report = runner.report(label)
        reuse = args.reuse or (args.reuse_peer and label == suite.peer)
        if not (reuse and (report.exists() or report.with_suffix(".stopped").exists())):
            runner.run(tree, label, shim, args.budget, extra)
    runner.summary(args.top, selected(tree, extra))
