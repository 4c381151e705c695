"""scripts/compat: the shared runner of the peers' suites and its rename shim."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts" / "compat"))
import compat_runner  # noqa: E402

SUITE = compat_runner.Suite(peer="peerlib", title="PeerLib", renames={"peerlib": "email"})


def shim_run(code: str, renames: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "scripts" / "compat"),
        "OUROBOROS_COMPAT_RENAMES": json.dumps(renames),
    }
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)


def test_shim_answers_the_peer_name_with_the_module_itself() -> None:
    proc = shim_run(
        "import rename_shim, email.utils, peerlib.utils, peerlib\n"
        "assert peerlib.utils is email.utils and peerlib is sys.modules['email']\n"
        "print('ok')".replace("sys.modules", "__import__('sys').modules"),
        {"peerlib": "email"},
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"


def test_shim_does_not_fall_back_for_a_missing_name() -> None:
    proc = shim_run("import rename_shim\nimport peerlib.no_such_module", {"peerlib": "email"})
    assert proc.returncode == 1
    assert "No module named 'email.no_such_module'" in proc.stderr


def test_shim_refuses_to_start_without_a_table() -> None:
    proc = shim_run("import rename_shim", {})
    assert proc.returncode == 1
    assert "OUROBOROS_COMPAT_RENAMES names no package" in proc.stderr


def test_shim_refuses_a_peer_imported_before_it() -> None:
    proc = shim_run("import email\nimport rename_shim", {"email": "json"})
    assert proc.returncode == 1
    assert "email was imported before the rename shim was installed" in proc.stderr


@pytest.mark.parametrize(
    ("message", "text", "cause"),
    [
        (
            "",
            "E   ModuleNotFoundError: No module named 'ouroboros.api._form_limits'",
            "missing module ouroboros.api._form_limits",
        ),
        (
            "",
            "E   ImportError: cannot import name 'Color' from 'ouroboros.validation'",
            "missing name ouroboros.validation.Color",
        ),
        ("Failed: DID NOT RAISE <class 'ValueError'>", "", "no ValueError raised where the peer raises"),
        ("", "E   TypeError: f() got an unexpected keyword argument 'by_alias'", "unsupported keyword f(by_alias=)"),
        ("", "E   assert 1 == 2", "different result (assertion)"),
        ("", "E   ValueError: bad thing happened here", "ValueError"),
    ],
)
def test_causes_group_failures(message: str, text: str, cause: str) -> None:
    assert compat_runner.Classifier(SUITE)(message, text) == cause


def test_cause_keeps_the_message_start_when_asked() -> None:
    suite = compat_runner.Suite(peer="p", title="P", renames={"p": "email"}, detail=12)
    assert compat_runner.Classifier(suite)("", "E   ValueError: bad thing happened here") == "ValueError: bad thing ha"


def test_suite_causes_come_first() -> None:
    suite = compat_runner.Suite(
        peer="p", title="P", renames={"p": "email"}, causes=[(r"no attribute '(\w+)'", "gone {0}")]
    )
    assert compat_runner.Classifier(suite)("", "E   AttributeError: 'X' object has no attribute 'y'") == "gone y"


REPORT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest">
  <testcase classname="tests.test_a" name="test_ok" file="tests/test_a.py" line="3"/>
  <testcase classname="tests.test_a" name="test_bad" file="tests/test_a.py" line="9">
    <failure message="assert 1 == 2">E   assert 1 == 2</failure>
  </testcase>
  <testcase classname="tests.test_a" name="test_skip" file="tests/test_a.py" line="12"><skipped message="no"/></testcase>
  <testcase classname="tests.test_b" name="" file="tests/test_b.py">
    <error message="collection failure">E   ModuleNotFoundError: No module named 'email.gone'</error>
  </testcase>
</testsuite></testsuites>
"""


def test_read_report(tmp_path: Path) -> None:
    report = tmp_path / "r.xml"
    report.write_text(REPORT)
    tests, broken = compat_runner.read_report(report, compat_runner.Classifier(SUITE))
    assert {tid: (o.passed, o.cause) for tid, o in tests.items()} == {
        "tests.test_a::test_ok": (True, None),
        "tests.test_a::test_bad": (False, "different result (assertion)"),
        "tests.test_a::test_skip": (False, None),
    }
    assert broken == {"tests/test_b.py": "missing module email.gone"}


def test_selection_narrows_the_reference(tmp_path: Path) -> None:
    (tmp_path / "tests" / "types").mkdir(parents=True)
    (tmp_path / "tests" / "types" / "test_x.py").write_text("")
    extra = ["tests/types/test_x.py::test_one", "-k", "thing", "--tb=short"]
    assert compat_runner.selected(tmp_path, extra) == ["tests/types/test_x.py::test_one"]
    assert compat_runner.selected(tmp_path, ["-k", "tests"]) == []
    assert compat_runner.in_selection("tests/types/test_x.py", ["tests/types"])
    assert not compat_runner.in_selection("tests/typesx/test_x.py", ["tests/types"])
    assert compat_runner.in_selection("tests/anything.py", [])
