"""A full scan with `async for`: 1,000,000 documents by default, memory and CPU.

    scripts/dev -s bench -- mongodb                 (runs after bench_mongodb.py)
    scripts/dev -s bench -- mongodb scan=200000     (another size)

The documents are written once (PyMongo insert_many in chunks, not timed), then
each library iterates over all of them with a server-side cursor: ouroboros.mongodb
(`async for doc in Row.find_all().batch_size(1000)`, model instances), Beanie 2.x
(model instances; it has no batch size, so PyMongo's default batches) and PyMongo's
AsyncMongoClient (raw dicts, batches of 1,000). For each: wall time, client CPU
time, and how much the process's resident memory grew after the first 10% of the
scan (a client that buffered the result would grow by the size of the whole
result; a bounded cursor stays flat).
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

import beanie
from pymongo import AsyncMongoClient

from ouroboros.mongodb import Document, init

URI = os.environ.get("OUROBOROS_MONGODB_URI")
DB = f"ob_bench_scan_{os.getpid()}"
BATCH = 1000
CHUNK = 20_000


class ORow(Document):
    n: int
    name: str
    payload: str
    tags: list[str]

    class Settings:
        name = "scan"


class BRow(beanie.Document):
    n: int
    name: str
    payload: str
    tags: list[str]

    class Settings:
        name = "scan"


def rss() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


async def fill(pm: AsyncMongoClient, n: int) -> None:
    coll = pm[DB]["scan"]
    for start in range(0, n, CHUNK):
        await coll.insert_many(
            [
                {"n": i, "name": f"row{i}", "payload": "x" * 100, "tags": ["a", "b", str(i % 10)]}
                for i in range(start, min(n, start + CHUNK))
            ]
        )


async def scan(label: str, rows, n: int) -> tuple[str, float, float, float, int]:
    warm = max(n // 10, BATCH)
    c0, w0 = time.process_time(), time.perf_counter()
    count = total = 0
    base = peak = 0
    async for row in rows:
        count += 1
        total += row["n"] if isinstance(row, dict) else row.n
        if count == warm:
            base = peak = rss()
        elif count > warm and count % 10_000 == 0:
            peak = max(peak, rss())
    cpu = time.process_time() - c0
    wall = time.perf_counter() - w0
    if count != n or total != n * (n - 1) // 2:
        sys.exit(f"{label}: read {count} documents (sum {total}), expected {n}")
    return label, wall, cpu, (peak - base) / 1e6, count


async def main() -> None:
    if not URI:
        sys.exit("set OUROBOROS_MONGODB_URI (scripts/services starts a server)")
    sizes = [int(a.split("=", 1)[1]) for a in sys.argv[1:] if a.startswith("scan=")]
    n = sizes[0] if sizes else 1_000_000
    if n == 0:
        # `scan=0`: a quick run of bench_mongodb.py's rows alone.
        return
    pm = AsyncMongoClient(URI)
    await beanie.init_beanie(database=pm[DB], document_models=[BRow])
    await init(URI, database=DB, document_models=[ORow])
    try:
        t0 = time.perf_counter()
        await fill(pm, n)
        print(f"\nasync-for scan of {n:,} documents (written in {time.perf_counter() - t0:.0f} s), batches of {BATCH}")
        print("| library | wall s | client CPU s | CPU vs ouroboros | RSS growth after 10% (MB) |")
        print("|---|---:|---:|---:|---:|")
        ours = 0.0
        for label, rows in (
            ("ouroboros", lambda: ORow.find_all().batch_size(BATCH)),
            # Beanie has no batch size: its cursor reads PyMongo's default batches (16 MB).
            ("beanie", lambda: BRow.find_all()),
            ("pymongo dicts", lambda: pm[DB]["scan"].find({}, batch_size=BATCH)),
        ):
            _, wall, cpu, grown, _ = await scan(label, rows(), n)
            ours = ours or cpu
            print(f"| {label} | {wall:.1f} | {cpu:.2f} | {cpu / ours:.2f}x | {grown:.1f} |", flush=True)
    finally:
        await pm.drop_database(DB)
        await pm.close()


if __name__ == "__main__":
    asyncio.run(main())
