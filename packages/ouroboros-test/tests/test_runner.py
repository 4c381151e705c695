"""The Rust runner on sample projects: output, reports, exit codes, workers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

PASSING = """
from ouroboros.test import TestSuite, test, expect

class TestMath(TestSuite):
    @test
    def test_add(self):
        expect(1 + 1).to_equal(2)

    @test
    async def test_async(self):
        expect([1, 2]).to_have_length(2)
"""

MIXED = """
from ouroboros.test import TestSuite, test, expect, skip, xfail, tag

class TestMixed(TestSuite):
    @test
    def test_pass(self):
        pass

    @test
    def test_fail(self):
        user = {"name": "Alice", "age": 30}
        expect(user).to_equal({"name": "Alice", "age": 31})

    @skip("later")
    @test
    def test_skip(self):
        pass

    @xfail("bug")
    @test
    def test_xfail(self):
        raise ValueError("known")

    @tag("slow")
    @test
    def test_tagged(self):
        print("captured text")
"""


def write(root: Path, files: dict[str, str]) -> Path:
    for name, body in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(body))
    return root


def ob(root: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 90) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "COLUMNS": "80", "NO_COLOR": "1", **(env or {})}
    full_env.pop("CI", None)
    proc = subprocess.run(
        [sys.executable, "-m", "ouroboros.test", *args],
        cwd=root,
        capture_output=True,
        env=full_env,
        timeout=timeout,
        check=False,
    )
    # Decoded by hand: text mode would turn the live display's "\r" into "\n".
    proc.stdout = proc.stdout.decode()
    proc.stderr = proc.stderr.decode()
    return proc


def test_all_passing_exit_0(tmp_path):
    write(tmp_path, {"tests/test_math.py": PASSING})
    proc = ob(tmp_path, "tests")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "collected 2 items" in proc.stdout
    assert "tests/test_math.py::TestMath .. [100%]" in proc.stdout
    assert proc.stdout.rstrip().splitlines()[-1].startswith("=")
    assert " 2 passed in " in proc.stdout


def test_failures_exit_1_with_readable_report(tmp_path):
    write(tmp_path, {"test_mixed.py": MIXED})
    proc = ob(tmp_path, "test_mixed.py")
    out = proc.stdout
    assert proc.returncode == 1, out + proc.stderr
    assert "test_mixed.py::TestMixed .Fsx. [100%]" in out
    assert "FAILURES" in out
    assert "_ test_mixed.py::TestMixed::test_fail _" in out
    assert 'expect(user).to_equal({"name": "Alice", "age": 31})' in out
    assert "  Expected: {'age': 31, 'name': 'Alice'}" in out
    assert "  Received: {'age': 30, 'name': 'Alice'}" in out
    assert "- {'age': 31," in out and "+ {'age': 30," in out
    assert "FAILED test_mixed.py::TestMixed::test_fail - Expected {'age': 31" in out
    assert "1 failed, 2 passed, 1 skipped, 1 xfailed in" in out
    # Output of passing tests is not shown by default.
    assert "captured text" not in out


def test_show_output_prints_captured_text(tmp_path):
    write(tmp_path, {"test_mixed.py": MIXED})
    proc = ob(tmp_path, "-s", "-k", "tagged")
    assert "captured text" in proc.stdout
    assert proc.returncode == 0


def test_no_tests_exit_5(tmp_path):
    write(tmp_path, {"test_empty.py": "x = 1\n"})
    proc = ob(tmp_path)
    assert proc.returncode == 5
    assert "no tests ran" in proc.stdout


def test_no_test_files_exit_5(tmp_path):
    write(tmp_path, {"helpers.py": "x = 1\n"})
    proc = ob(tmp_path)
    assert proc.returncode == 5


def test_import_error_exit_2_and_nothing_runs(tmp_path):
    write(tmp_path, {"test_ok.py": PASSING, "test_broken.py": "import no_such_module_here\n"})
    proc = ob(tmp_path)
    assert proc.returncode == 2
    assert "ERROR collecting test_broken.py" in proc.stdout
    assert "ModuleNotFoundError: No module named 'no_such_module_here'" in proc.stdout
    assert "passed" not in proc.stdout.splitlines()[-1]
    assert "1 error in" in proc.stdout


def test_missing_path_is_usage_error_4(tmp_path):
    proc = ob(tmp_path, "does/not/exist")
    assert proc.returncode == 4
    assert "file or directory not found: does/not/exist" in proc.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-k", "a and"], "bad expression"),
        (["-k", "(a"], "missing ')'"),
        (["--tag", "or"], "bad expression"),
        (["-n", "0"], "--workers must be between 1 and 1024"),
        (["-n", "many"], "--workers must be a number or 'auto'"),
        (["--timeout", "-1"], "timeout must be a number of seconds"),
        (["--maxfail", "-2"], "--maxfail must not be negative"),
    ],
)
def test_bad_arguments_exit_4(tmp_path, args, message):
    write(tmp_path, {"test_math.py": PASSING})
    proc = ob(tmp_path, *args)
    assert proc.returncode == 4, proc.stdout + proc.stderr
    assert message in proc.stderr


def test_unknown_option_exit_4(tmp_path):
    proc = ob(tmp_path, "--no-such-option")
    assert proc.returncode == 4
    assert "unrecognized arguments" in proc.stderr


@pytest.mark.parametrize(
    ("expr", "selected"),
    [
        ("add", ["test_add"]),
        ("ADD or async", ["test_add", "test_async"]),
        ("not add", ["test_async"]),
        ("TestMath and not (add or async)", []),
    ],
)
def test_keyword_selection(tmp_path, expr, selected):
    write(tmp_path, {"test_math.py": PASSING})
    report = tmp_path / "r.json"
    proc = ob(tmp_path, "-k", expr, "--json", str(report))
    data = json.loads(report.read_text())
    assert [t["name"] for t in data["tests"]] == selected
    assert data["summary"]["deselected"] == 2 - len(selected)
    assert proc.returncode == (0 if selected else 5)


def test_tag_selection(tmp_path):
    write(tmp_path, {"test_mixed.py": MIXED})
    report = tmp_path / "r.json"
    proc = ob(tmp_path, "--tag", "slow", "--json", str(report))
    assert proc.returncode == 0
    data = json.loads(report.read_text())
    assert [t["name"] for t in data["tests"]] == ["test_tagged"]
    assert "collected 5 items / 4 deselected / 1 selected" in proc.stdout


def test_collect_only_lists_ids(tmp_path):
    write(tmp_path, {"tests/test_math.py": PASSING, "tests/test_mixed.py": MIXED})
    proc = ob(tmp_path, "--collect-only")
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert lines[:2] == ["tests/test_math.py::TestMath::test_add", "tests/test_math.py::TestMath::test_async"]
    assert "7 tests collected" in proc.stdout


def test_junit_xml_report(tmp_path):
    write(tmp_path, {"test_mixed.py": MIXED})
    out = tmp_path / "reports" / "junit.xml"
    ob(tmp_path, "--junit-xml", str(out))
    root = ET.parse(out).getroot()
    suite = root.find("testsuite")
    assert suite is not None
    assert suite.get("tests") == "5"
    assert suite.get("failures") == "1"
    assert suite.get("skipped") == "2"
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert set(cases) == {"test_pass", "test_fail", "test_skip", "test_xfail", "test_tagged"}
    failure = cases["test_fail"].find("failure")
    assert failure is not None
    assert failure.get("message").startswith("Expected {'age': 31")
    assert "Difference (- expected, + received)" in failure.text
    assert cases["test_skip"].find("skipped").get("message") == "later"
    assert cases["test_tagged"].find("system-out").text == "captured text\n"
    assert cases["test_pass"].get("classname") == "test_mixed.TestMixed"


def test_json_report(tmp_path):
    write(tmp_path, {"test_mixed.py": MIXED})
    out = tmp_path / "report.json"
    ob(tmp_path, "--json", str(out))
    data = json.loads(out.read_text())
    assert data["exit_code"] == 1
    assert data["summary"] == {
        "collected": 5,
        "deselected": 0,
        "passed": 2,
        "failed": 1,
        "errors": 0,
        "skipped": 1,
        "xfailed": 1,
        "xpassed": 0,
    }
    by_name = {t["name"]: t for t in data["tests"]}
    assert by_name["test_fail"]["outcome"] == "failed"
    assert by_name["test_fail"]["id"] == "test_mixed.py::TestMixed::test_fail"
    assert by_name["test_xfail"]["message"] == "bug"


def test_last_failed_reruns_only_failures(tmp_path):
    write(tmp_path, {"test_mixed.py": MIXED})
    first = ob(tmp_path)
    assert first.returncode == 1
    report = tmp_path / "r.json"
    second = ob(tmp_path, "--lf", "--json", str(report))
    data = json.loads(report.read_text())
    assert [t["name"] for t in data["tests"]] == ["test_fail"]
    assert second.returncode == 1
    # Fix the test: --lf runs it, it passes, and the next --lf runs everything.
    fixed = MIXED.replace('"age": 31', '"age": 30')
    (tmp_path / "test_mixed.py").write_text(textwrap.dedent(fixed))
    assert ob(tmp_path, "--lf").returncode == 0
    ob(tmp_path, "--lf", "--json", str(report))
    assert len(json.loads(report.read_text())["tests"]) == 5


def test_no_cache_writes_nothing(tmp_path):
    write(tmp_path, {"test_math.py": PASSING})
    ob(tmp_path, "--no-cache")
    assert not (tmp_path / ".ouroboros-test").exists()
    ob(tmp_path)
    assert (tmp_path / ".ouroboros-test" / "cache.json").exists()


def test_exitfirst_stops(tmp_path):
    body = "from ouroboros.test import TestSuite, test\n\nclass TestMany(TestSuite):\n"
    for i in range(20):
        body += f"    @test\n    def test_{i:02d}(self):\n        assert False, 'boom {i}'\n"
    write(tmp_path, {"test_many.py": body})
    report = tmp_path / "r.json"
    proc = ob(tmp_path, "-x", "-n", "1", "--json", str(report))
    assert proc.returncode == 1
    assert "stopping after 1 failure" in proc.stdout
    assert len(json.loads(report.read_text())["tests"]) == 1


def test_maxfail_stops_after_n(tmp_path):
    body = "from ouroboros.test import TestSuite, test\n\nclass TestMany(TestSuite):\n"
    for i in range(10):
        body += f"    @test\n    def test_{i}(self):\n        assert False\n"
    write(tmp_path, {"test_many.py": body})
    report = tmp_path / "r.json"
    ob(tmp_path, "--maxfail", "3", "-n", "1", "--json", str(report))
    assert json.loads(report.read_text())["summary"]["failed"] == 3


def test_verbose_display_line_per_test(tmp_path):
    write(tmp_path, {"test_math.py": PASSING})
    proc = ob(tmp_path, "-v")
    assert "test_math.py::TestMath::test_add PASSED (" in proc.stdout
    assert "test_math.py::TestMath::test_async PASSED (" in proc.stdout


def test_live_display_rewrites_one_line(tmp_path):
    write(tmp_path, {"test_mixed.py": MIXED})
    proc = ob(tmp_path, "--display", "live")
    assert "\r\x1b[2K" in proc.stdout
    assert "FAILED test_mixed.py::TestMixed::test_fail" in proc.stdout
    assert "[100%] 5/5" in proc.stdout


def test_ci_environment_gets_plain_output(tmp_path):
    write(tmp_path, {"test_math.py": PASSING})
    proc = ob(tmp_path, env={"CI": "1"})
    assert "\r" not in proc.stdout
    assert "test_math.py::TestMath .. [100%]" in proc.stdout


def test_parallel_workers_share_the_work(tmp_path):
    files = {}
    for n in range(4):
        files[f"test_p{n}.py"] = f"""
import os, time
from ouroboros.test import TestSuite, test

class TestP{n}(TestSuite):
    @test
    def test_pid(self):
        time.sleep(0.3)
        print(os.getpid())
"""
    write(tmp_path, files)
    report = tmp_path / "r.json"
    proc = ob(tmp_path, "-n", "2", "-s", "--json", str(report))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "2 workers" in proc.stdout
    pids = {line for line in proc.stdout.splitlines() if line.strip().isdigit()}
    assert len(pids) == 2


def test_worker_crash_is_reported_and_the_rest_runs(tmp_path):
    write(
        tmp_path,
        {
            "test_crash.py": """
import os, sys
from ouroboros.test import TestSuite, test

class TestCrash(TestSuite):
    @test
    def test_before(self):
        pass

    @test
    def test_dies(self):
        sys.__stderr__.write("about to die\\n")
        sys.__stderr__.flush()
        os._exit(7)

    @test
    def test_after(self):
        pass
"""
        },
    )
    report = tmp_path / "r.json"
    proc = ob(tmp_path, "-n", "1", "--json", str(report))
    assert proc.returncode == 1
    data = {t["name"]: t for t in json.loads(report.read_text())["tests"]}
    assert data["test_before"]["outcome"] == "passed"
    assert data["test_dies"]["outcome"] == "failed"
    assert "worker process ended unexpectedly (exit status: 7)" in data["test_dies"]["longrepr"]
    assert "about to die" in data["test_dies"]["longrepr"]
    assert data["test_after"]["outcome"] == "passed"
    assert "crashed; starting a new one" in proc.stdout


def test_hard_timeout_kills_a_stuck_worker(tmp_path):
    write(
        tmp_path,
        {
            "test_stuck.py": """
import signal, time
from ouroboros.test import TestSuite, test

class TestStuck(TestSuite):
    @test(timeout=0.5)
    def test_ignores_alarm(self):
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        time.sleep(30)

    @test
    def test_next(self):
        pass
"""
        },
    )
    report = tmp_path / "r.json"
    proc = ob(tmp_path, "-n", "1", "--json", str(report), timeout=60)
    assert proc.returncode == 1
    data = {t["name"]: t for t in json.loads(report.read_text())["tests"]}
    assert data["test_ignores_alarm"]["outcome"] == "failed"
    assert "ran longer than 0.5s and did not stop" in data["test_ignores_alarm"]["message"]
    assert data["test_next"]["outcome"] == "passed"
    assert json.loads(report.read_text())["duration"] < 20


def test_default_timeout_option(tmp_path):
    write(
        tmp_path,
        {
            "test_slow.py": """
import time
from ouroboros.test import TestSuite, test

class TestSlow(TestSuite):
    @test
    def test_sleep(self):
        time.sleep(10)
"""
        },
    )
    proc = ob(tmp_path, "--timeout", "0.3")
    assert proc.returncode == 1
    assert "Timeout: the test ran longer than 0.3s" in proc.stdout


def test_conftest_fixtures_and_helpers(tmp_path):
    write(
        tmp_path,
        {
            "tests/conftest.py": """
from ouroboros.test import fixture

@fixture(scope="session")
def settings():
    return {"env": "test"}
""",
            "tests/helpers.py": "def double(x):\n    return 2 * x\n",
            "tests/sub/test_uses.py": """
from ouroboros.test import TestSuite, test, expect
from helpers import double

class TestUses(TestSuite):
    @test
    def test_fixture(self, settings):
        expect(settings["env"]).to_equal("test")
        expect(double(2)).to_equal(4)
""",
            "tests/sub/helpers.py": "def double(x):\n    return 2 * x\n",
        },
    )
    proc = ob(tmp_path, "tests")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_same_file_name_in_two_folders(tmp_path):
    write(tmp_path, {"a/test_same.py": PASSING, "b/test_same.py": PASSING.replace("TestMath", "TestOther")})
    proc = ob(tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "4 passed" in proc.stdout


def test_hidden_and_venv_folders_are_not_searched(tmp_path):
    write(
        tmp_path,
        {
            "test_math.py": PASSING,
            ".venv/lib/test_inside.py": "raise SystemExit('must not be imported')\n",
            "node_modules/x/test_x.py": "raise SystemExit('must not be imported')\n",
            "__pycache__/test_c.py": "raise SystemExit('must not be imported')\n",
        },
    )
    proc = ob(tmp_path)
    assert proc.returncode == 0, proc.stdout


def test_symlink_loop_does_not_hang(tmp_path):
    write(tmp_path, {"pkg/test_math.py": PASSING})
    (tmp_path / "pkg" / "loop").symlink_to(tmp_path / "pkg")
    proc = ob(tmp_path, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_ob_test_command(tmp_path):
    write(tmp_path, {"test_math.py": PASSING})
    proc = subprocess.run(
        [sys.executable, "-m", "ouroboros.kit", "test", ".", "-q"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=90,
    )
    if "No module named ouroboros.kit" in proc.stderr:
        pytest.skip("ouroboros-kit is not installed in this venv (the matrix session installs it)")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "2 passed" in proc.stdout
