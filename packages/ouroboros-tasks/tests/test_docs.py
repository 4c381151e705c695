"""Every ```python block of docs/tasks.md runs as written."""

from __future__ import annotations

import pathlib
import re

import pytest

DOC = pathlib.Path(__file__).resolve().parents[3] / "docs" / "tasks.md"
BLOCKS = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S) if DOC.exists() else []


def test_the_page_has_examples() -> None:
    assert len(BLOCKS) >= 7


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_example_runs(index: int) -> None:
    code = BLOCKS[index]
    namespace: dict = {"__name__": f"docs_tasks_example_{index}"}
    exec(compile(code, f"{DOC}:block{index}", "exec"), namespace)
