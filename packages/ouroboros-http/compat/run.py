"""httpx's own test suite, run against ouroboros.http.

    nox -s compat -- http            (or: python compat/run.py [--reuse] [pytest args])

1. Fetches the sdist of the installed httpx release with pip (the sdist ships
   ``tests/``) into ``target/compat/`` and unpacks it once.
2. Leaves out, as issue 10 states, every test file that imports a private
   ``httpx._*`` module or httpcore: they test httpx's internals, not its API.
3. Runs the rest twice: on httpx, then with ``rename_shim`` (a pytest plugin
   that only answers ``import httpx`` with ``ouroboros.http``).
4. Prints the pass rate (tests passing through the shim among those passing on
   httpx) and groups the other failures by cause, largest first.

Every test has a time bound (``--timeout``, 20 s) and so has each whole run
(``--budget``, 20 minutes): a test that hangs on ouroboros fails, it does not
stall the count.
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
PRIVATE_IMPORT = re.compile(r"^\s*(?:import|from)\s+(?:httpx\._\w*|httpcore)\b", re.MULTILINE)


def suite_tree(version: str) -> Path:
    """The unpacked ``httpx==version`` sdist (downloaded on first use)."""
    tree = WORK / f"httpx-{version}"
    if (tree / "tests").is_dir():
        return tree
    WORK.mkdir(parents=True, exist_ok=True)
    archive = WORK / f"httpx-{version}.tar.gz"
    if not archive.exists():
        print(f"[compat] fetching the httpx {version} sdist from PyPI", flush=True)
        subprocess.run(
            [
                *(sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:"),
                *(f"httpx=={version}", "-d", str(WORK)),
            ],
            check=True,
        )
    with tarfile.open(archive) as tar:
        tar.extractall(WORK, filter="data")
    return tree


def private_test_files(tree: Path) -> list[str]:
    """Test files (relative to the tree) that import ``httpx._*`` or httpcore."""
    return sorted(
        str(p.relative_to(tree))
        for p in (tree / "tests").rglob("test_*.py")
        if PRIVATE_IMPORT.search(p.read_text(encoding="utf-8"))
    )


def run_once(tree: Path, label: str, shim: bool, ignored: list[str], budget: float, extra: list[str]) -> Path:
    """One pass over the suite; returns the JUnit report (or a ``.stopped`` note)."""
    report = WORK / f"http-{label}.xml"
    report.unlink(missing_ok=True)
    stopped = report.with_suffix(".stopped")
    stopped.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "pytest", "tests", "-q", "--no-header", "-p", "no:cacheprovider"]
    # The federation's pytest-asyncio is not one of httpx's plugins (anyio's runs its async tests).
    cmd += ["-p", "no:asyncio", "-o", "junit_family=xunit1", f"--junitxml={report}", "--tb=line", "-rN"]
    cmd += ["--timeout=20", "--continue-on-collection-errors"]
    cmd += [f"--ignore={p}" for p in ignored]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    if shim:
        cmd += ["-p", "rename_shim"]
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE), env.get("PYTHONPATH")]))
    print(f"[compat] {label}: running httpx's tests", flush=True)
    started = time.monotonic()
    try:
        proc = subprocess.run(cmd + extra, cwd=tree, env=env, capture_output=True, text=True, timeout=budget)
        output = proc.stdout + "\n" + proc.stderr
    except subprocess.TimeoutExpired as exc:
        stopped.write_text(f"the run exceeded its budget of {budget:.0f}s")
        print(f"[compat] {label}: stopped after {budget:.0f}s", flush=True)
        output = str(exc.stdout or "")
        return report
    last = [ln for ln in proc.stdout.splitlines() if ln.strip()][-1:]
    print(f"[compat] {label}: {' '.join(last)} ({time.monotonic() - started:.0f}s)", flush=True)
    if not report.exists():
        # Nothing ran: usually the suite's conftest.py failed to import.
        print(output[-3000:])
        stopped.write_text(cause_of("", output))
    return report


class Case:
    """One test's outcome."""

    __slots__ = ("cause", "file", "passed")

    def __init__(self, file: str, passed: bool, cause: str | None) -> None:
        self.file, self.passed, self.cause = file, passed, cause


def load(report: Path) -> tuple[dict[str, Case], dict[str, str]]:
    """Test id -> outcome, and test file -> why it could not be collected."""
    cases: dict[str, Case] = {}
    uncollected: dict[str, str] = {}
    for tc in ET.parse(report).iter("testcase"):
        classname, name = tc.get("classname", ""), tc.get("name", "")
        file = tc.get("file") or classname.replace(".", "/") + ".py"
        bad = tc.find("failure")
        if bad is None:
            bad = tc.find("error")
        message = "" if bad is None else bad.get("message", "")
        if bad is not None and (not name or message.startswith("collection failure")):
            uncollected[file] = cause_of(message, bad.text or "")
            continue
        passed = bad is None and tc.find("skipped") is None
        cause = None if bad is None else cause_of(message, bad.text or "")
        cases[f"{classname}::{name}"] = Case(file, passed, cause)
    return cases, uncollected


CAUSES = [
    (re.compile(r"cannot import name '(\w+)' from '([\w.]+)'"), "missing name {0}"),
    (re.compile(r"module '(?:ouroboros\.http|httpx)' has no attribute '(\w+)'"), "missing name {0}"),
    (re.compile(r"No module named '([\w.]+)'"), "missing module {0}"),
    (re.compile(r"'(\w+)' object has no attribute '(\w+)'"), "missing attribute {0}.{1}"),
    (re.compile(r"type object '(\w+)' has no attribute '(\w+)'"), "missing attribute {0}.{1}"),
    (re.compile(r"(\w+)\(\) got an unexpected keyword argument '(\w+)'"), "unsupported keyword {0}({1}=)"),
    (re.compile(r"got an unexpected keyword argument '(\w+)'"), "unsupported keyword {0}="),
    (re.compile(r"DID NOT RAISE <class '([\w.]+)'>"), "no {0} raised"),
    (re.compile(r"Timeout >[\d.]+s"), "test timed out"),
]


def cause_of(message: str, text: str) -> str:
    """A short label grouping failures that share a cause."""
    lines = [ln.strip() for ln in f"{message}\n{text}".splitlines() if ln.strip()]
    blob = "\n".join(lines)
    for pattern, label in CAUSES:
        found = pattern.search(blob)
        if found:
            return label.format(*(g[:60] for g in found.groups()))
    errors = [ln[1:].strip() for ln in lines if ln.startswith("E ")]
    first = errors[0] if errors else (lines[0] if lines else "unknown")
    exc = re.match(r"([\w.]*(?:Error|Exception|Warning|Exit|Timeout|Closed|Consumed|Protocol))\b:?\s*(.*)", first)
    if exc:
        return f"{exc.group(1)}: {exc.group(2)[:50]}".rstrip(": ")
    if first.startswith("assert"):
        return "different result (assertion)"
    return first[:70]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reuse", action="store_true", help="reuse the last reports instead of running")
    parser.add_argument("--only-ours", action="store_true", help="reuse httpx's last report, rerun ours")
    parser.add_argument("--budget", type=float, default=1200.0, help="seconds allowed for each whole run")
    parser.add_argument("--top", type=int, default=40, help="how many failure causes to list")
    args, extra = parser.parse_known_args()
    version = importlib.metadata.version("httpx")
    tree = suite_tree(version)
    ignored = private_test_files(tree)
    reports: dict[str, Path] = {}
    for label, shim in (("httpx", False), ("ouroboros", True)):
        report = WORK / f"http-{label}.xml"
        keep = args.reuse or (args.only_ours and label == "httpx")
        if keep and (report.exists() or report.with_suffix(".stopped").exists()):
            reports[label] = report
        else:
            reports[label] = run_once(tree, label, shim, ignored, args.budget, extra)
    if reports["httpx"].with_suffix(".stopped").exists():
        sys.exit(
            f"[compat] the run on httpx itself did not finish: {reports['httpx'].with_suffix('.stopped').read_text()}"
        )
    base, _ = load(reports["httpx"])
    reference = {tid: case for tid, case in base.items() if case.passed}
    if not reference:
        sys.exit("[compat] no test passed on httpx itself: the run is broken")
    stopped = reports["ouroboros"].with_suffix(".stopped")
    if stopped.exists():
        ours: dict[str, Case] = {}
        uncollected = {case.file: f"(whole run) {stopped.read_text()}" for case in reference.values()}
    else:
        ours, uncollected = load(reports["ouroboros"])
    causes: collections.Counter[str] = collections.Counter()
    per_file: collections.Counter[str] = collections.Counter()
    passed = 0
    for tid, ref in reference.items():
        mine = ours.get(tid)
        if mine is not None and mine.passed:
            passed += 1
            continue
        if mine is None:
            cause = f"[collection] {uncollected[ref.file]}" if ref.file in uncollected else "not collected"
        else:
            cause = mine.cause or "skipped"
        causes[cause] += 1
        per_file[ref.file] += 1
    total = len(reference)
    print()
    print(f"httpx {version} test suite through the rename shim (httpx -> ouroboros.http)")
    print(f"  test files left out (import httpx._* or httpcore): {', '.join(ignored) or 'none'}")
    print(f"  tests passing on httpx:          {total}")
    print(f"  of those, passing on ouroboros:  {passed}")
    print(f"  pass rate:                       {100 * passed / total:.1f}%")
    print(f"  test files failing to collect:   {len(uncollected)}")
    print()
    print(f"Failure causes (tests affected), top {args.top}:")
    for cause, n in causes.most_common(args.top):
        print(f"  {n:6d}  {cause}")
    print()
    print("Files with the most failing tests:")
    for file, n in per_file.most_common(20):
        print(f"  {n:6d}  {file}")


if __name__ == "__main__":
    main()
