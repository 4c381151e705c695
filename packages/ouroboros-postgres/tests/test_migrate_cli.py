"""`ob postgres migrate` against the real server: output, exit codes, errors in one line."""

from __future__ import annotations

import argparse
import uuid
from pathlib import Path

import pytest

from ouroboros.postgres._cli import register


def write(folder: Path, name: str, up: str, down: str) -> None:
    (folder / name).write_text(f"-- migrate:up\n{up}\n-- migrate:down\n{down}\n", encoding="utf-8")


@pytest.fixture
def names() -> dict[str, str]:
    tag = uuid.uuid4().hex[:8]
    return {"t1": f"cli_a_{tag}", "t2": f"cli_b_{tag}", "table": f"cli_log_{tag}"}


@pytest.fixture
def folder(tmp_path: Path, names: dict[str, str]) -> Path:
    t1, t2 = names["t1"], names["t2"]
    write(tmp_path, "0001_first.sql", f"CREATE TABLE {t1} (id int);", f"DROP TABLE {t1};")
    write(tmp_path, "0002_second.sql", f"CREATE TABLE {t2} (id int);", f"DROP TABLE {t2};")
    write(tmp_path, "0003_third.sql", f"ALTER TABLE {t1} ADD COLUMN note text;", f"ALTER TABLE {t1} DROP COLUMN note;")
    return tmp_path


def run_cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="ob")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["postgres", "migrate", *argv])
    return int(args.handler(args) or 0)


def test_cli_up_status_down(dsn, folder, names, capsys):
    common = ["--dsn", dsn, "--dir", str(folder), "--table", names["table"]]
    assert run_cli(["up", *common, "--to", "2"]) == 0
    out = capsys.readouterr().out
    assert "applied  0001 first" in out and "applied  0002 second" in out and "2 migration(s) applied" in out
    assert run_cli(["status", *common]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("0001  applied  first") and lines[2].startswith("0003  pending  third")
    assert run_cli(["down", *common, "--steps", "2"]) == 0
    assert "reverted 0002 second" in capsys.readouterr().out
    assert run_cli(["up", *common]) == 0
    assert run_cli(["up", *common]) == 0
    assert "nothing to apply" in capsys.readouterr().out


def test_cli_errors_are_one_line(tmp_path, dsn, capsys):
    assert run_cli(["up", "--dsn", dsn, "--dir", str(tmp_path / "nope")]) == 1
    assert "migrations directory" in capsys.readouterr().err
    assert run_cli(["up", "--dsn", "postgresql://nobody@127.0.0.1:1/x", "--dir", str(tmp_path)]) == 1
    assert capsys.readouterr().err.startswith("ob postgres migrate: ")


def test_cli_new_and_autogenerate(tmp_path, dsn, names, capsys, monkeypatch):
    assert run_cli(["new", "add things", "--dir", str(tmp_path)]) == 0
    assert "0001_add_things.sql" in capsys.readouterr().out
    module = tmp_path / f"cli_models_{names['t1']}.py"
    module.write_text(
        "from ouroboros.postgres import Table\n"
        "class Gadget(Table):\n"
        "    id: int | None = None\n"
        "    label: str\n"
        "    class Settings:\n"
        f"        table_name = {names['t1']!r}\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    common = ["--dsn", dsn, "--dir", str(tmp_path / "m"), "--table", names["table"]]
    assert run_cli(["autogenerate", "gadgets", "--models", module.stem, *common]) == 0
    assert "0001_gadgets.sql" in capsys.readouterr().out
    assert run_cli(["up", *common]) == 0
    assert run_cli(["autogenerate", "again", "--models", module.stem, *common]) == 0
    assert "no changes" in capsys.readouterr().out
    assert run_cli(["autogenerate", "x", "--models", "no_such_module_here", *common]) == 1
