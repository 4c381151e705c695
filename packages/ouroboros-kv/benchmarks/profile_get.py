"""Where the time of one async Redis GET at concurrency 1 goes.

    OUROBOROS_REDIS_URL=redis://... python packages/ouroboros-kv/benchmarks/profile_get.py [--n 20000]

Splits ``await kv.get(key)`` into its layers by timing, in one process:

- ``bridge``: ``await _selftest_sleep(None)``: a Rust future that completes at
  once, handed to the tokio runtime and back to the asyncio loop (the
  pyo3-async-runtimes bridge: create the loop future, spawn, wake the loop
  with ``call_soon_threadsafe``). Every async call pays this.
- ``sync get``: ``SyncKV.get``: the Redis round trip driven from the calling
  thread (``block_on``), no event loop involved.
- ``async get``: ``await KV.get``.
- redis-py with hiredis: ``await client.get`` (asyncio) and ``client.get`` (sync).

The async get is roughly bridge + sync get; redis-py's asyncio client waits
on the socket from the loop itself and pays no thread hand-off.
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
from ouroboros.kv._kv import _selftest_sleep


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
            await _selftest_sleep(None)
        out["bridge (await a ready Rust future)"] = per_call_us(time.perf_counter() - t0, n)
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
