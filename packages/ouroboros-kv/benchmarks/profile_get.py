"""Where the time of one async Redis GET at concurrency 1 goes.

    OUROBOROS_REDIS_URL=redis://... python packages/ouroboros-kv/benchmarks/profile_get.py [--n 20000]

Times, in one process and one after the other (so machine load hits all
alike), the layers of one GET:

- ``sync get``: ``SyncKV.get``: on a single server the command goes out on
  the calling thread over a blocking socket (GIL released), as redis-py's
  does: no thread hand-off;
- ``async get``: ``await KV.get``: the round trip on the tokio runtime, plus
  ouroboros-common's asyncio bridge (an asyncio future created, the Rust
  future spawned on tokio, the finished result queued for the loop, which a
  byte on a socket pair wakes; the loop builds the result on its own thread);
- redis-py with hiredis: ``await client.get`` (asyncio) and ``client.get``
  (sync): the loop (or the thread) waits on the socket itself, no hand-off.

At concurrency 1 a GET is latency-bound: the Redis round trip is shared by
all, and what differs is the work around it and the number of thread
wake-ups per call (async: ours two, redis-py none; sync: none on either
side), which is what this script makes visible.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
import uuid

import redis
import redis.asyncio as aredis

from ouroboros.kv import KV, SyncKV


def per_call_us(total: float, n: int) -> float:
    return total / n * 1e6


async def main_async(url: str, n: int) -> dict[str, float]:
    key = f"profile:{uuid.uuid4().hex}"
    kv = KV.open(url)
    await kv.set(key, b"x" * 100)
    peer = aredis.from_url(url)
    out: dict[str, float] = {}
    for _ in range(2):  # the second round is the measurement (warm caches)
        t0 = time.perf_counter()
        for _ in range(n):
            await kv.get(key)
        out["ouroboros async get"] = per_call_us(time.perf_counter() - t0, n)
        t0 = time.perf_counter()
        for _ in range(n):
            await peer.get(key)
        out["redis-py asyncio get"] = per_call_us(time.perf_counter() - t0, n)
    await kv.delete(key)
    await peer.aclose()
    return out


def main_sync(url: str, n: int) -> dict[str, float]:
    key = f"profile:{uuid.uuid4().hex}"
    kv = SyncKV.open(url)
    kv.set(key, b"x" * 100)
    peer = redis.from_url(url)
    out: dict[str, float] = {}
    for _ in range(2):
        t0 = time.perf_counter()
        for _ in range(n):
            kv.get(key)
        out["ouroboros sync get"] = per_call_us(time.perf_counter() - t0, n)
        t0 = time.perf_counter()
        for _ in range(n):
            peer.get(key)
        out["redis-py sync get"] = per_call_us(time.perf_counter() - t0, n)
    kv.delete(key)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000)
    args = parser.parse_args()
    url = os.environ.get("OUROBOROS_REDIS_URL")
    if not url:
        raise SystemExit("profile_get: set OUROBOROS_REDIS_URL")
    rows = {**asyncio.run(main_async(url, args.n)), **main_sync(url, args.n)}
    for name, us in rows.items():
        print(f"{name:40} {us:8.2f} us/call")


if __name__ == "__main__":
    main()
