"""FastAPI's own test suite, run against ouroboros.api.

    nox -s compat -- api            (or: python compat/run.py [pytest args])

1. Downloads the sdist of the installed FastAPI release from PyPI (it carries
   ``tests/`` and the ``docs_src/`` the tutorial tests import) into
   ``target/compat/`` and unpacks it once.
2. Runs the suite with the real FastAPI, then again with ``rename_shim``, a
   pytest plugin that only renames ``fastapi`` -> ``ouroboros.api`` (and, as the
   validation suite's shim does, ``pydantic`` -> ``ouroboros.validation``).
3. Prints the pass rate: tests passing through the shim among those passing on
   FastAPI, and the causes of the rest, largest first.

Each test has a time limit (pytest-timeout) and each run a total one, so a test
that hangs under ouroboros fails instead of stalling the measurement.

Excluded: FastAPI's benchmarks (pytest-codspeed), its OpenTelemetry
integration tests, and the tests of its release and translation scripts.
"""

from __future__ import annotations

import argparse
import collections
import importlib.metadata
import importlib.util
import os
import subprocess
import sys
import tarfile
import time
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
WORK = ROOT / "target" / "compat"
EXCLUDED = [
    "tests/benchmarks",
    "tests/memory_benchmarks",
    "tests/test_telemetry",
    "tests/test_tutorial/test_opentelemetry",
    "tests/test_translate.py",
    "tests/test_prepare_release.py",
]
TEST_TIMEOUT = 20  # seconds per test, FastAPI's own setting
RUN_TIMEOUT = 45 * 60  # seconds per run of the whole suite


def _report_tools() -> ModuleType:
    """The validation runner: the JUnit reading and failure classification are shared."""
    path = ROOT / "packages" / "ouroboros-validation" / "compat" / "run.py"
    spec = importlib.util.spec_from_file_location("validation_compat_run", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tools = _report_tools()


def fetch_suite(version: str) -> Path:
    """The unpacked sdist of ``fastapi==version`` (downloaded once)."""
    tree = WORK / f"fastapi-{version}"
    if (tree / "tests").is_dir():
        return tree
    WORK.mkdir(parents=True, exist_ok=True)
    archive = WORK / f"fastapi-{version}.tar.gz"
    if not archive.exists():
        print(f"[compat] downloading the fastapi {version} sdist from PyPI", flush=True)
        subprocess.run([*tools.PIP_DOWNLOAD, f"fastapi=={version}", "-d", str(WORK)], check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(WORK, filter="data")
    return tree


def run_suite(tree: Path, label: str, shim: bool, extra: list[str]) -> Path:
    """Run the suite once; return the JUnit report."""
    report = WORK / f"api-{label}.xml"
    report.unlink(missing_ok=True)
    args = [sys.executable, "-m", "pytest", "tests", "-q", "-p", "no:cacheprovider", "-p", "no:asyncio", "--no-header"]
    args += ["-o", "junit_family=xunit1", f"--junitxml={report}", "-rN", "--tb=line", "--continue-on-collection-errors"]
    args += [f"--timeout={TEST_TIMEOUT}"]
    args += [f"--ignore={p}" for p in EXCLUDED]
    env = dict(os.environ)
    if shim:
        args += ["-p", "rename_shim"]
        env["PYTHONPATH"] = os.pathsep.join([str(HERE), env.get("PYTHONPATH", "")])
    started = time.monotonic()
    print(f"[compat] {label}: running FastAPI's tests", flush=True)
    # The suite's own config (pyproject.toml in the sdist) applies: warnings are errors.
    try:
        proc = subprocess.run(
            args + extra, cwd=tree, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False
        )
        out, err = proc.stdout, proc.stderr
    except subprocess.TimeoutExpired as exc:
        out, err = str(exc.stdout or ""), f"the run took more than {RUN_TIMEOUT}s and was stopped"
    tail = out.strip().splitlines()[-1:] or err.strip().splitlines()[-1:]
    print(f"[compat] {label}: {' '.join(tail)} ({time.monotonic() - started:.0f}s)", flush=True)
    if report.exists():
        report.with_suffix(".stopped").unlink(missing_ok=True)
    else:
        # Nothing was reported (conftest failed to import, or the run was stopped).
        print(out[-2000:], err[-2000:], sep="\n")
        report.with_suffix(".stopped").write_text(tools.classify("", out + "\n" + err))
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reuse", action="store_true", help="reuse the reports of the last run")
    parser.add_argument("--reuse-fastapi", action="store_true", help="reuse the last FastAPI report, rerun ours")
    parser.add_argument("--top", type=int, default=40, help="how many failure causes to list")
    args, extra = parser.parse_known_args()
    version = importlib.metadata.version("fastapi")
    tree = fetch_suite(version)
    reports = {}
    for label, shim in (("fastapi", False), ("ouroboros", True)):
        report = WORK / f"api-{label}.xml"
        reuse = args.reuse or (args.reuse_fastapi and label == "fastapi")
        reused = reuse and (report.exists() or report.with_suffix(".stopped").exists())
        reports[label] = report if reused else run_suite(tree, label, shim, extra)
    if reports["fastapi"].with_suffix(".stopped").exists():
        sys.exit("[compat] the suite did not run on FastAPI itself: the run is broken")
    base, _ = tools.read_report(reports["fastapi"])
    stopped = reports["ouroboros"].with_suffix(".stopped")
    if stopped.exists():
        ours, broken = {}, {o.file: f"(stopped) {stopped.read_text()}" for o in base.values()}
    else:
        ours, broken = tools.read_report(reports["ouroboros"])
    reference = {tid: o for tid, o in base.items() if o.passed}
    if not reference:
        sys.exit("[compat] no test passed on FastAPI itself: the run is broken")
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
    print(f"FastAPI {version} test suite through the rename shim")
    print(f"  tests passing on FastAPI:        {total}")
    print(f"  of those, passing on ouroboros:  {passed}")
    print(f"  pass rate:                       {100 * passed / total:.1f}%")
    print(f"  test files failing to import:    {len(broken)}")
    print()
    print(f"Failure causes (tests affected), top {args.top}:")
    for cause, n in causes.most_common(args.top):
        print(f"  {n:6d}  {cause}")
    print()
    print("Files with the most failing tests:")
    for file, n in by_file.most_common(25):
        print(f"  {n:6d}  {file}")


if __name__ == "__main__":
    main()
