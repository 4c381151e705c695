"""pytest collects and runs TestSuite classes through the bundled plugin."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

SAMPLE = """
import asyncio
from ouroboros.test import TestSuite, test, expect, fixture, parametrize, skip, xfail, tag

EVENTS = []

class TestWithPytest(TestSuite):
    def setup_suite(self):
        EVENTS.append("setup_suite")

    def teardown_suite(self):
        EVENTS.append("teardown_suite")
        with open("events.txt", "w") as f:
            f.write(",".join(EVENTS))

    @fixture
    def number(self):
        return 41

    @test
    def test_fixture(self, number):
        EVENTS.append("fixture")
        expect(number + 1).to_equal(42)

    @test
    async def test_async(self):
        await asyncio.sleep(0)
        EVENTS.append("async")

    @parametrize("n", [1, 2])
    @test
    def test_param(self, n):
        EVENTS.append(f"param{n}")

    @skip("not now")
    @test
    def test_skip(self):
        pass

    @xfail("known")
    @test
    def test_xfail(self):
        raise ValueError

    @tag("slow")
    @test
    def test_fails(self):
        expect([1, 2]).to_equal([1, 3])


def test_plain_pytest_function():
    assert True
"""


def run_pytest(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "120"}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-W",
            "error",
            "-o",
            "asyncio_default_fixture_loop_scope=function",
            *args,
        ],
        cwd=root,
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )


def test_pytest_runs_suites(tmp_path):
    (tmp_path / "test_sample.py").write_text(textwrap.dedent(SAMPLE))
    proc = run_pytest(tmp_path, "-rA")
    out = proc.stdout
    assert proc.returncode == 1, out + proc.stderr
    assert "1 failed, 5 passed, 1 skipped, 1 xfailed" in out
    assert "PASSED test_sample.py::TestWithPytest::test_fixture" in out
    assert "PASSED test_sample.py::TestWithPytest::test_param[2]" in out
    assert "PASSED test_sample.py::test_plain_pytest_function" in out
    # The failure shows the expectation report, not pytest internals.
    assert "expect([1, 2]).to_equal([1, 3])" in out
    assert "Expected: [1, 3]" in out
    events = (tmp_path / "events.txt").read_text().split(",")
    assert events[0] == "setup_suite"
    assert events.count("setup_suite") == 1
    assert {"fixture", "async", "param1", "param2"} <= set(events)


def test_pytest_marks_from_tags(tmp_path):
    (tmp_path / "test_sample.py").write_text(textwrap.dedent(SAMPLE))
    proc = run_pytest(tmp_path, "-m", "slow", "--strict-markers")
    assert "1 failed" in proc.stdout
    assert "7 deselected" in proc.stdout


def test_pytest_k_selects_suite_tests(tmp_path):
    (tmp_path / "test_sample.py").write_text(textwrap.dedent(SAMPLE))
    proc = run_pytest(tmp_path, "-k", "param")
    assert proc.returncode == 0, proc.stdout
    assert "2 passed" in proc.stdout


def test_plugin_leaves_other_tests_alone(tmp_path):
    (tmp_path / "test_plain.py").write_text(
        "from ouroboros.test import TestSuite, test, expect\n\n"
        "class TestClassic:\n    def test_x(self):\n        assert 1\n\n"
        "def test_y():\n    expect(1).to_equal(1)\n"
    )
    proc = run_pytest(tmp_path, "-q")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "2 passed" in proc.stdout


def test_suite_with_test_false_is_not_collected(tmp_path):
    (tmp_path / "test_off.py").write_text(
        "from ouroboros.test import TestSuite, test\n\n"
        "class TestOff(TestSuite):\n    __test__ = False\n\n    @test\n    def test_x(self):\n        raise AssertionError\n"
    )
    proc = run_pytest(tmp_path, "-q")
    assert proc.returncode == 5, proc.stdout
