"""`python -m ouroboros_argus` / `ob argus`: check with exit codes, one-shot queries, registration."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import pytest
from conftest import BASIC, pos

from ouroboros.argus import __version__
from ouroboros.argus._cli import register


def run(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "ouroboros_argus", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


def test_check_reports_problems_and_exits_1():
    result = run("check", BASIC, cwd=BASIC)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert (
        f"diags.py:{pos('diags.py', 'undefined_thing')[1]}:7: error[undefined-name] name `undefined_thing` is not defined"
        in lines
    )
    assert len([ln for ln in lines if ln.startswith("diags.py:")]) == 11
    assert any(ln.startswith("broken.py:8:") and "syntax-error" in ln for ln in lines)
    assert "problems in" in result.stderr


def test_check_clean_project_exits_0(tmp_path):
    (tmp_path / "ok.py").write_text("import os\n\n\ndef f() -> str:\n    return os.getcwd()\n")
    result = run("check", tmp_path)
    assert result.returncode == 0, result.stdout
    assert result.stdout == ""
    assert "0 problems in 1 files" in result.stderr


def test_check_json():
    result = run("check", BASIC / "shapes", "--json")
    assert result.returncode == 0
    assert json.loads(result.stdout) == []


def test_check_missing_path_exits_2(tmp_path):
    result = run("check", tmp_path / "nope")
    assert result.returncode == 2
    assert "no such file or folder" in result.stderr


@pytest.mark.parametrize(
    ("command", "needle", "delta", "check"),
    [
        ("definition", "Round(1.5)", 0, lambda r: r[0]["path"].endswith("shapes/circle.py")),
        ("hover", "Circle(2.0)", 0, lambda r: r["text"].startswith("(class) class Circle(Shape)")),
        ("type", "found = ", 0, lambda r: r == "Shape | None"),
        ("references", "registry = ", 0, lambda r: len(r) == 5),
    ],
)
def test_one_shot_queries(command, needle, delta, check):
    path, line, column = pos("app.py", needle, 0, delta)
    result = run(command, f"{path}:{line}:{column}", "--root", BASIC)
    assert result.returncode == 0, result.stderr
    assert check(json.loads(result.stdout))


def test_bad_position_argument():
    result = run("definition", "app.py", "--root", BASIC)
    assert result.returncode != 0
    assert "FILE:LINE:COLUMN" in result.stderr


def test_symbols_commands():
    result = run("symbols", BASIC / "shapes" / "square.py", "--root", BASIC)
    assert [s["name"] for s in json.loads(result.stdout)] == [
        "__all__",
        "Square",
        "sides",
        "__init__",
        "side",
        "area",
        "_Hidden",
    ]
    result = run("symbols", "--query", "box", "--root", BASIC)
    assert [s["name"] for s in json.loads(result.stdout)] == ["box", "Box", "boxed_circle"]


def test_no_command_prints_help():
    result = run()
    assert result.returncode == 2
    assert "usage: python -m ouroboros_argus" in result.stdout


def test_ob_registration_adds_the_commands(capsys):
    parser = argparse.ArgumentParser(prog="ob")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["argus", "check", str(BASIC / "shapes")])
    assert args.handler(args) == 0
    args = parser.parse_args(["argus", "info", "--json"])
    assert args.handler(args) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["module"] == "ouroboros.argus"
    assert info["version"] == __version__
