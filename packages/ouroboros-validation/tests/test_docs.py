"""The examples of docs/validation.md run as written (all blocks, in order, one namespace)."""

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[3] / "docs" / "validation.md"


def test_docs_examples_run(capsys):
    text = DOC.read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) >= 8
    namespace: dict = {"__name__": "docs_validation"}
    for i, block in enumerate(blocks):
        exec(compile(block, f"{DOC.name}[block {i}]", "exec"), namespace)
    assert "5 validation errors for User" in capsys.readouterr().out
