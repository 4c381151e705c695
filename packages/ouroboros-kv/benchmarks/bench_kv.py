"""ouroboros.kv against py-lmdb, rocksdict and redis-py (hiredis), in one run.

Run: ``scripts/dev -s bench -- kv`` (release wheel, the ``bench`` extra) or
``python benchmarks/bench_kv.py [--n N] [--redis-n N]``. Redis comes from
``OUROBOROS_REDIS_URL`` (``source .services/env``); without it the Redis rows
are skipped with a note.

Embedded: one store file per library in a temporary folder, 100-byte values,
keys ``key:00000001``. Every ``set`` is its own committed transaction without
fsync (ouroboros ``durability=eventual``, lmdb ``sync=False``, rocksdict's
default WAL without sync): all three survive a killed process, none waits
for the disk. Every ``get`` is its own read transaction (lmdb also shown with
one read transaction kept open for all gets). Batch: 1,000 keys per
transaction (``set_many`` / ``putmulti`` / ``WriteBatch``).

Redis: the async clients (``KV`` vs ``redis.asyncio`` with the hiredis
parser) at concurrency 1 (sequential awaits) and 64 (64 tasks), and
100-command MULTI/EXEC transactions (``kv.batch()`` vs
``pipeline(transaction=True)``); the sync clients at concurrency 1.

Times are wall-clock microseconds per operation, best of ``--rounds``; the
ratio is peer time / ouroboros time (> 1: ouroboros is faster).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import lmdb
import redis
import redis.asyncio as aredis
import rocksdict

import ouroboros.kv as okv
from ouroboros.kv import KV, SyncKV

VALUE = bytes(range(100))
ROWS: list[tuple[str, str, float, float]] = []


def best(fn: Callable[[], Any], ops: int, rounds: int) -> float:
    """Microseconds per op, best of `rounds`."""
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times) / ops * 1e6


def row(name: str, peer: str, ours: float, theirs: float) -> None:
    ROWS.append((name, peer, ours, theirs))
    print(f"  {name:34} ouroboros {ours:9.3f} us   {peer:22} {theirs:9.3f} us   {theirs / ours:6.2f}x", flush=True)


def embedded(n: int, batch_n: int, rounds: int) -> None:
    keys = [f"key:{i:08}" for i in range(n)]
    bkeys = [k.encode() for k in keys]
    folder = Path(tempfile.mkdtemp(prefix="kv-bench-"))
    try:
        kv = SyncKV.open((folder / "ob.redb").as_uri() + "?durability=eventual")
        env = lmdb.open(str(folder / "lmdb"), map_size=8 << 30, sync=False, metasync=False)
        rdb = rocksdict.Rdict(str(folder / "rocks"))

        def ob_set() -> None:
            s = kv.set
            for k in keys:
                s(k, VALUE)

        def lmdb_set() -> None:
            for k in bkeys:
                with env.begin(write=True) as txn:
                    txn.put(k, VALUE)

        def rocks_set() -> None:
            for k in bkeys:
                rdb[k] = VALUE

        print(f"embedded: {n:,} keys, 100-byte values", flush=True)
        ob = best(ob_set, n, 1)
        lm = best(lmdb_set, n, 1)
        rk = best(rocks_set, n, 1)
        row(f"set ({n:,}, one commit each)", "lmdb", ob, lm)
        row(f"set ({n:,}, one commit each)", "rocksdict", ob, rk)

        def ob_get() -> None:
            g = kv.get
            for k in keys:
                g(k)

        def lmdb_get() -> None:
            for k in bkeys:
                with env.begin() as txn:
                    txn.get(k)

        def lmdb_get_one_txn() -> None:
            with env.begin() as txn:
                g = txn.get
                for k in bkeys:
                    g(k)

        def rocks_get() -> None:
            for k in bkeys:
                rdb[k]

        assert kv.get(keys[-1]) == VALUE
        ob = best(ob_get, n, rounds)
        row(f"get ({n:,})", "lmdb", ob, best(lmdb_get, n, rounds))
        row(f"get ({n:,})", "lmdb (one read txn)", ob, best(lmdb_get_one_txn, n, rounds))
        row(f"get ({n:,})", "rocksdict", ob, best(rocks_get, n, rounds))

        chunks = [keys[i : i + 1000] for i in range(0, batch_n, 1000)]
        bchunks = [bkeys[i : i + 1000] for i in range(0, batch_n, 1000)]

        def ob_batch() -> None:
            for chunk in chunks:
                kv.set_many(dict.fromkeys(chunk, VALUE))

        def lmdb_batch() -> None:
            for chunk in bchunks:
                with env.begin(write=True) as txn:
                    txn.cursor().putmulti([(k, VALUE) for k in chunk])

        def rocks_batch() -> None:
            for chunk in bchunks:
                wb = rocksdict.WriteBatch()
                for k in chunk:
                    wb.put(k, VALUE)
                rdb.write(wb)

        total = len(chunks) * 1000
        ob = best(ob_batch, total, rounds)
        row(f"batch set ({total:,}, 1,000 per txn)", "lmdb", ob, best(lmdb_batch, total, rounds))
        row(f"batch set ({total:,}, 1,000 per txn)", "rocksdict", ob, best(rocks_batch, total, rounds))
        kv.close()
        env.close()
        rdb.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def durable_concurrent(n: int, writers: int = 64) -> None:
    """`n` durable (fsync) single-key writes from `writers` concurrent writers:
    asyncio tasks on our file store (group commit), threads on the peers."""
    folder = Path(tempfile.mkdtemp(prefix="kv-bench-durable-"))
    per = n // writers
    total = per * writers
    try:
        kv = KV.open((folder / "ob.redb").as_uri())
        env = lmdb.open(str(folder / "lmdb"), map_size=1 << 30, sync=True, metasync=True)
        rdb = rocksdict.Rdict(str(folder / "rocks"))
        sync_write = rocksdict.WriteOptions()
        sync_write.sync = True
        rdb.set_write_options(sync_write)

        async def ob_all() -> None:
            async def writer(w: int) -> None:
                for i in range(per):
                    await kv.set(f"w{w}:{i}", VALUE)

            await asyncio.gather(*(writer(w) for w in range(writers)))

        def threads(put: Callable[[bytes], Any]) -> Callable[[], None]:
            def writer(w: int) -> None:
                for i in range(per):
                    put(f"w{w}:{i}".encode())

            def run() -> None:
                with ThreadPoolExecutor(writers) as pool:
                    list(pool.map(writer, range(writers)))

            return run

        def lmdb_put(k: bytes) -> None:
            with env.begin(write=True) as txn:
                txn.put(k, VALUE)

        def rocks_put(k: bytes) -> None:
            rdb[k] = VALUE

        print(f"embedded durable: {total:,} single-key commits from {writers} concurrent writers", flush=True)
        ob = best(lambda: asyncio.run(ob_all()), total, 1)
        name = f"durable set ({total:,}, {writers} writers)"
        row(name, "lmdb (sync, threads)", ob, best(threads(lmdb_put), total, 1))
        row(name, "rocksdict (sync, threads)", ob, best(threads(rocks_put), total, 1))

        # One writer, every write durable before the next: no one to share
        # a commit with, so each side pays its own fsync per write.
        lone = 300
        skv = SyncKV.open((folder / "ob-lone.redb").as_uri())

        def ob_lone() -> None:
            for i in range(lone):
                skv.set(f"lone:{i}", VALUE)

        def peer_lone(put: Callable[[bytes], Any]) -> Callable[[], None]:
            def run() -> None:
                for i in range(lone):
                    put(f"lone:{i}".encode())

            return run

        ob = best(ob_lone, lone, 1)
        name = f"durable set ({lone}, one writer)"
        row(name, "lmdb (sync)", ob, best(peer_lone(lmdb_put), lone, 1))
        row(name, "rocksdict (sync)", ob, best(peer_lone(rocks_put), lone, 1))
        skv.close()
        env.close()
        rdb.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


async def redis_async(url: str, n: int, rounds: int) -> None:
    name = f"bench{uuid.uuid4().hex[:8]}"
    kv = KV.open(url).namespace(name)
    peer = aredis.Redis.from_url(url, max_connections=128)
    keys = [f"k{i}" for i in range(n)]
    pkeys = [f"{name}:p{i}" for i in range(n)]

    async def timed(coro_fn: Callable[[], Any], ops: int) -> float:
        times = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            await coro_fn()
            times.append(time.perf_counter() - t0)
        return min(times) / ops * 1e6

    async def ob_set1() -> None:
        for k in keys:
            await kv.set(k, VALUE)

    async def peer_set1() -> None:
        for k in pkeys:
            await peer.set(k, VALUE)

    async def ob_get1() -> None:
        for k in keys:
            await kv.get(k)

    async def peer_get1() -> None:
        for k in pkeys:
            await peer.get(k)

    def spread(fn: Callable[[list[str]], Any], ks: list[str], tasks: int = 64) -> Callable[[], Any]:
        async def run() -> None:
            await asyncio.gather(*(fn(ks[i::tasks]) for i in range(tasks)))

        return run

    async def ob_set_part(ks: list[str]) -> None:
        for k in ks:
            await kv.set(k, VALUE)

    async def peer_set_part(ks: list[str]) -> None:
        for k in ks:
            await peer.set(k, VALUE)

    async def ob_get_part(ks: list[str]) -> None:
        for k in ks:
            await kv.get(k)

    async def peer_get_part(ks: list[str]) -> None:
        for k in ks:
            await peer.get(k)

    pipes = max(1, n // 100)

    async def ob_pipe() -> None:
        for p in range(pipes):
            b = kv.batch()
            for k in keys[p * 100 : p * 100 + 100]:
                b.set(k, VALUE)
            await b.execute()

    async def peer_pipe() -> None:
        for p in range(pipes):
            async with peer.pipeline(transaction=True) as pipe:
                for k in pkeys[p * 100 : p * 100 + 100]:
                    pipe.set(k, VALUE)
                await pipe.execute()

    print(f"redis (async): {n:,} operations per measurement", flush=True)
    await kv.set("warm", 1)
    await peer.ping()
    row("SET, concurrency 1", "redis-py+hiredis", await timed(ob_set1, n), await timed(peer_set1, n))
    row("GET, concurrency 1", "redis-py+hiredis", await timed(ob_get1, n), await timed(peer_get1, n))
    row(
        "SET, concurrency 64",
        "redis-py+hiredis",
        await timed(spread(ob_set_part, keys), n),
        await timed(spread(peer_set_part, pkeys), n),
    )
    row(
        "GET, concurrency 64",
        "redis-py+hiredis",
        await timed(spread(ob_get_part, keys), n),
        await timed(spread(peer_get_part, pkeys), n),
    )
    row(
        "100-command MULTI/EXEC (per command)",
        "redis-py+hiredis",
        await timed(ob_pipe, pipes * 100),
        await timed(peer_pipe, pipes * 100),
    )
    await kv.delete_many([*keys, "warm"])
    await peer.delete(*pkeys)
    await peer.aclose()


def redis_sync(url: str, n: int, rounds: int) -> None:
    name = f"bench{uuid.uuid4().hex[:8]}"
    kv = SyncKV.open(url).namespace(name)
    peer = redis.Redis.from_url(url)
    keys = [f"k{i}" for i in range(n)]
    pkeys = [f"{name}:p{i}" for i in range(n)]

    def ob_set() -> None:
        for k in keys:
            kv.set(k, VALUE)

    def peer_set() -> None:
        for k in pkeys:
            peer.set(k, VALUE)

    def ob_get() -> None:
        for k in keys:
            kv.get(k)

    def peer_get() -> None:
        for k in pkeys:
            peer.get(k)

    print(f"redis (sync): {n:,} operations per measurement", flush=True)
    row("sync SET, concurrency 1", "redis-py+hiredis", best(ob_set, n, rounds), best(peer_set, n, rounds))
    row("sync GET, concurrency 1", "redis-py+hiredis", best(ob_get, n, rounds), best(peer_get, n, rounds))
    kv.delete_many(keys)
    peer.delete(*pkeys)
    peer.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1_000_000, help="embedded keys (default 1,000,000)")
    parser.add_argument("--redis-n", type=int, default=20_000, help="Redis operations per measurement")
    parser.add_argument("--durable-n", type=int, default=6_400, help="durable concurrent writes (default 6,400)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"ouroboros.kv {okv.__version__} vs lmdb {lmdb.__version__}, rocksdict, redis-py {redis.__version__}")
    print(f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs, {platform.node()}")
    embedded(args.n, min(args.n, 1_000_000), args.rounds)
    durable_concurrent(args.durable_n)
    url = os.environ.get("OUROBOROS_REDIS_URL")
    if url:
        asyncio.run(redis_async(url, args.redis_n, args.rounds))
        redis_sync(url, args.redis_n, args.rounds)
    else:
        print("OUROBOROS_REDIS_URL is not set: Redis rows skipped (source .services/env)")
    print()
    print("| operation | peer | ouroboros (µs/op) | peer (µs/op) | speed-up |")
    print("|---|---|---:|---:|---:|")
    for name, peer, ours, theirs in ROWS:
        print(f"| {name} | {peer} | {ours:.3f} | {theirs:.3f} | {theirs / ours:.2f}x |")


if __name__ == "__main__":
    main()
