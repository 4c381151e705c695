"""Every ```python block of docs/postgres.md runs as written (against this run's database)."""

from __future__ import annotations

import pathlib
import re

import pytest

DOC = pathlib.Path(__file__).resolve().parents[3] / "docs" / "postgres.md"
BLOCKS = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S) if DOC.exists() else []


def test_the_page_has_examples():
    assert len(BLOCKS) >= 8


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_example_runs(index, dsn, monkeypatch, capsys):
    monkeypatch.setenv("OUROBOROS_POSTGRES_DSN", dsn)
    namespace: dict = {"__name__": f"docs_postgres_example_{index}"}
    exec(compile(BLOCKS[index], f"{DOC}:block{index}", "exec", dont_inherit=True), namespace)
