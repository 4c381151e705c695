"""Every Python example in docs/test.md runs and its assertions hold."""

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[3] / "docs" / "test.md"
BLOCKS = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S) if DOC.exists() else []


@pytest.mark.skipif(not DOC.exists(), reason="docs/test.md is not in this checkout")
@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_doc_example(index):
    code = compile(BLOCKS[index], f"docs/test.md example {index + 1}", "exec")
    exec(code, {"__name__": f"doc_example_{index}"})
