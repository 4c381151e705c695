import json
import subprocess
import sys
from importlib import metadata

import pytest

from ouroboros.kit import compatibility_table
from ouroboros.kit.cli import main, version_report

MODULES = [n for n in compatibility_table() if n != "ouroboros-core"]


def installed(dist: str) -> bool:
    try:
        metadata.version(dist)
    except metadata.PackageNotFoundError:
        return False
    return True


def run_ob(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ouroboros.kit", *args], capture_output=True, text=True, timeout=60)


def test_version_lists_every_module_with_its_state():
    result = run_ob("--version")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"ouroboros-kit {metadata.version('ouroboros-kit')}"
    for dist in compatibility_table():
        (line,) = [ln for ln in lines if ln.split()[0] == dist]
        expected = metadata.version(dist) if installed(dist) else "not installed"
        assert line.split(None, 1)[1].startswith(expected), line
    assert result.stdout.strip() == version_report()


@pytest.mark.parametrize("dist", MODULES)
def test_module_commands_exist_only_where_installed(dist, capsys):
    short = dist.removeprefix("ouroboros-")
    if installed(dist):
        assert main([short, "info", "--json"]) == 0
        info = json.loads(capsys.readouterr().out)
        assert info["module"] == f"ouroboros.{short}"
        assert info["version"] == metadata.version(dist)
        assert info["worker_threads"] >= 1
    else:
        with pytest.raises(SystemExit) as exc:
            main([short, "info"])
        assert exc.value.code == 2
        assert f"invalid choice: '{short}'" in capsys.readouterr().err


def test_no_command_prints_help_and_fails():
    result = run_ob()
    assert result.returncode == 2
    assert "usage: ob" in result.stdout


def test_entry_points_are_registered_by_installed_packages():
    names = {ep.name for ep in metadata.entry_points(group="ouroboros.cli")}
    expected = {d.removeprefix("ouroboros-") for d in MODULES if installed(d)}
    assert names == expected
