"""The examples of docs/mongodb.md run as written (all blocks, in order, one namespace)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[3] / "docs" / "mongodb.md"


def test_docs_examples_run(mongo_uri, monkeypatch):
    monkeypatch.setenv("OUROBOROS_MONGODB_URI", mongo_uri)
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) >= 8
    namespace: dict = {"__name__": "docs_mongodb"}
    try:
        for block in blocks:
            exec(compile(block, str(DOC), "exec", dont_inherit=True), namespace)
    finally:

        async def drop() -> None:
            from ouroboros.mongodb import init

            conn = await init(mongo_uri, database="docs_example")
            await conn.drop_database()

        asyncio.run(drop())
