"""Every ```python block of docs/kv.md runs as written."""

from __future__ import annotations

import os
import pathlib
import re

import pytest

DOC = pathlib.Path(__file__).resolve().parents[3] / "docs" / "kv.md"
BLOCKS = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S) if DOC.exists() else []


def test_the_page_has_examples():
    assert len(BLOCKS) >= 10


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_example_runs(index):
    code = BLOCKS[index]
    if "OUROBOROS_REDIS_URL" in code and not os.environ.get("OUROBOROS_REDIS_URL"):
        if os.environ.get("OUROBOROS_REQUIRE_SERVICES") == "1":
            pytest.fail("OUROBOROS_REDIS_URL is not set but OUROBOROS_REQUIRE_SERVICES=1")
        pytest.skip("OUROBOROS_REDIS_URL is not set (scripts/services start; . .services/env)")
    namespace: dict = {"__name__": f"docs_kv_example_{index}"}
    exec(compile(code, f"{DOC}:block{index}", "exec", dont_inherit=True), namespace)
