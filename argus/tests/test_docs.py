"""Every ```python block of docs/argus.md runs as written."""

from __future__ import annotations

import pathlib
import re

import pytest

DOC = pathlib.Path(__file__).resolve().parents[2] / "docs" / "argus.md"
BLOCKS = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S) if DOC.exists() else []


def test_the_page_has_examples():
    assert len(BLOCKS) >= 6


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_example_runs(index):
    code = BLOCKS[index]
    namespace: dict = {"__name__": f"docs_argus_example_{index}"}
    exec(compile(code, f"{DOC}:block{index}", "exec"), namespace)
