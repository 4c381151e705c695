"""ouroboros.test's runner against pytest and pytest-xdist on generated projects.

    scripts/dev -s bench -- test            (or: python bench_runner.py [--rounds N])

Three projects are generated twice, with the same test bodies: once as
ouroboros.test suites (``expect``), once as pytest test classes (``assert``):

- 1,000 trivial tests (10 files of 100), 10,000 trivial tests (100 files of
  100), and 200 slow tests (20 files of 10, each sleeping 50 ms).

Each is run by ``python -m ouroboros.test`` (2 workers, the default on this
machine), by ``pytest``, and by ``pytest -n 2`` (pytest-xdist), as separate
processes, cache off. Reported: collection time (``--collect-only``) and total
time, the median of the rounds, and pytest's time divided by ours.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECTS = {
    "1,000 trivial": (10, 100, None),
    "10,000 trivial": (100, 100, None),
    "200 slow (50 ms)": (20, 10, 0.05),
}


def generate(root: Path, files: int, per_file: int, sleep: float | None) -> tuple[Path, Path]:
    ob, pt = root / "ob", root / "pt"
    for d in (ob, pt):
        d.mkdir(parents=True)
    for f in range(files):
        ob_lines = ["import time", "from ouroboros.test import TestSuite, expect, test", ""]
        ob_lines.append(f"class TestGroup{f}(TestSuite):")
        pt_lines = ["import time", "", f"class TestGroup{f}:"]
        for t in range(per_file):
            body = f"time.sleep({sleep})" if sleep else f"value = {t} + 1"
            ob_lines += ["    @test", f"    def test_{t}(self):", f"        {body}"]
            pt_lines += [f"    def test_{t}(self):", f"        {body}"]
            if not sleep:
                ob_lines.append(f"        expect(value).to_equal({t + 1})")
                pt_lines.append(f"        assert value == {t + 1}")
        (ob / f"test_file_{f}.py").write_text("\n".join(ob_lines) + "\n")
        (pt / f"test_file_{f}.py").write_text("\n".join(pt_lines) + "\n")
    return ob, pt


def timed(cmd: list[str], cwd: Path, expect_count: int | None = None) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    spent = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    if expect_count is not None and str(expect_count) not in proc.stdout:
        raise SystemExit(f"{' '.join(cmd)}: expected {expect_count} tests in the output:\n{proc.stdout[-1000:]}")
    return spent


def median_of(rounds: int, cmd: list[str], cwd: Path, count: int | None = None) -> float:
    return statistics.median(timed(cmd, cwd, count) for _ in range(rounds))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    py = sys.executable
    ob = [py, "-m", "ouroboros.test", "-q", "--no-cache", "-n", "2", "."]
    pytest = [py, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:ouroboros_test", "."]
    xdist = [*pytest[:-1], "-n", "2", "."]
    when = time.strftime("%Y-%m-%d")
    print(f"# ouroboros.test runner vs pytest — {when}, {platform.machine()}, {os.cpu_count()} cores")
    print(f"python {platform.python_version()}, median of {args.rounds} rounds, seconds\n")
    header = "| project | runner | collect | total | pytest total / this |"
    print(header)
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for label, (files, per_file, sleep) in PROJECTS.items():
            count = files * per_file
            ob_dir, pt_dir = generate(Path(tmp) / label.split()[0].replace(",", ""), files, per_file, sleep)
            rows = []
            ob_collect = median_of(args.rounds, [*ob[:-1], "--collect-only", "."], ob_dir, count)
            ob_total = median_of(args.rounds, ob, ob_dir, count)
            pt_collect = median_of(args.rounds, [*pytest[:-1], "--collect-only", "."], pt_dir, count)
            pt_total = median_of(args.rounds, pytest, pt_dir, count)
            xd_total = median_of(args.rounds, xdist, pt_dir, count)
            rows.append(("ouroboros.test -n 2", ob_collect, ob_total, pt_total / ob_total))
            rows.append(("pytest", pt_collect, pt_total, 1.0))
            rows.append(("pytest-xdist -n 2", None, xd_total, pt_total / xd_total))
            for name, collect, total, ratio in rows:
                c = f"{collect:.2f}" if collect is not None else "–"
                print(f"| {label} | {name} | {c} | {total:.2f} | {ratio:.2f}x |")
            print(
                f"| {label} | **this vs xdist** | | | {xd_total / ob_total:.2f}x |",
                flush=True,
            )


if __name__ == "__main__":
    main()
