"""Bounded memory: `async for` over a large find keeps the client's RSS flat.

The suite scans OUROBOROS_MONGODB_SCAN_DOCS documents (default 40,000: inserting
into SecantusDB is slow, and CI time is bounded); set it to 1000000 to run the
issue's full-size scan. The assertion is on growth after warm-up, which must
stay far below what holding the result would take.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from ouroboros.mongodb import Document

pytestmark = [pytest.mark.asyncio, pytest.mark.slow]

DOCS = int(os.environ.get("OUROBOROS_MONGODB_SCAN_DOCS", "40000"))
BATCH = 500


class Row(Document):
    n: int
    name: str
    payload: str
    tags: list[str]

    class Settings:
        name = "scan_rows"


def rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


async def fill(n: int) -> None:
    coll = Row.get_collection()
    chunk = 10_000
    for start in range(0, n, chunk):
        docs = [
            {"n": i, "name": f"row{i}", "payload": "x" * 200, "tags": ["a", "b", str(i % 10)]}
            for i in range(start, min(n, start + chunk))
        ]
        await coll.insert_many(docs)


async def test_async_for_keeps_memory_flat(conn):
    await fill(DOCS)
    warm_at = max(DOCS // 5, 2 * BATCH)
    samples: list[tuple[int, int]] = []
    count = 0
    total = 0
    async for row in Row.find_all().batch_size(BATCH):
        count += 1
        total += row.n
        if count == warm_at or (count > warm_at and count % 2000 == 0):
            samples.append((count, rss_bytes()))
        if count % (BATCH * 4) == 0:
            # A slow consumer: the cursor waits; nothing is prefetched meanwhile.
            await asyncio.sleep(0.01)
    assert count == DOCS
    assert total == DOCS * (DOCS - 1) // 2
    base = samples[0][1]
    growth = max(r for _, r in samples) - base
    # Holding the result would take well over 300 bytes per document (each is a
    # model instance with a 200-character string); a bounded cursor holds two batches.
    held_if_buffered = (DOCS - warm_at) * 300
    slope = (samples[-1][1] - base) / max(1, samples[-1][0] - warm_at)
    print(f"\nscan of {DOCS} docs: RSS growth after warm-up {growth / 1e6:.2f} MB, slope {slope:.1f} bytes/doc")
    assert growth < min(16 * 1024 * 1024, held_if_buffered / 4), (growth, slope)
