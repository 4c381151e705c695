"""ouroboros.tasks against taskiq, arq and Celery on the same Redis, in one run.

    scripts/dev -s bench -- tasks [--tasks 20000] [--single 5000] [--latency 1000]

Rows (one worker process, the worker in the same process as the producer so
completion is seen without extra round trips; every library gets the same
concurrency):

- enqueue one by one: ``await task.adelay()`` / ``await task.kiq()`` /
  ``await pool.enqueue_job()``, one awaited call at a time;
- batched enqueue: ours ``adelay_many`` in chunks of 1,000; taskiq and arq
  have no batch call, so chunks of 1,000 concurrent calls (asyncio.gather);
- run no-op tasks: the batched tasks, one worker started after they were
  enqueued, until the last one ran;
- enqueue-to-start latency: one task at a time on an idle worker, the task
  compares its start time with the send time it got as an argument.
- the floor under those latencies: a bare redis-py ``PING`` round trip from
  this process, timed in the same run (an enqueue-to-start needs at least two
  Redis round trips: the enqueue and the worker's read), so a loaded
  machine's tail shows in its own row.

taskiq uses taskiq-redis's RedisStreamBroker (consumer group and acks, the
same at-least-once delivery as ours) and no result backend; ours runs the
no-op with ``ignore_result=True``; arq runs with ``keep_result=0`` and its
default 0.5 s poll delay. Celery (Redis transport, no result backend,
``ignore_result``) runs its real worker in a thread of this process
(``celery.contrib.testing.worker.start_worker``) with the threads pool at the
same concurrency; its producer API is blocking, so its rows call
``delay()`` from a thread and its batched enqueue sends groups of 1,000.

Current releases of every peer: taskiq 0.13 with taskiq-redis 1.2 and Celery
need redis-py 8, which arq (0.28, needs redis-py<6) cannot import beside, so
arq runs in its own venv (``.nox/bench-arq``, made and updated with pip on
first use; ``--arq-python`` names another interpreter) as a child process of
this run, against the same Redis, one peer after the other as the rest.

Where our enqueue-to-start time goes: each latency sample is split at the
enqueue's acknowledgement (the ``XADD`` reply), the worker's fetch returning
the message (broker to Python) and the task's first line (dispatch in the
event loop); the slowest 1% are printed with their split.

Needs OUROBOROS_REDIS_URL (``scripts/services start redis``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.metadata
import json
import os
import platform
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

CONCURRENCY = 100
CHUNK = 1000


class Probe:
    """Counts no-op runs and collects latencies inside each library's tasks."""

    def __init__(self) -> None:
        self.target = 0
        self.count = 0
        self.done = asyncio.Event()
        self.latencies: list[float] = []
        self.started = asyncio.Event()

    def arm(self, n: int) -> None:
        self.target, self.count = n, 0
        self.done = asyncio.Event()

    def hit(self) -> None:
        self.count += 1
        if self.count >= self.target:
            self.done.set()

    def stamp(self, sent: float) -> None:
        self.latencies.append(time.time() - sent)
        self.started.set()


async def drop_key(url: str, key: str) -> None:
    import redis.asyncio as aioredis

    client = aioredis.from_url(url)
    await client.delete(key)
    await client.aclose()


async def timed(fn: Callable[[], Awaitable[Any]]) -> float:
    t0 = time.perf_counter()
    await fn()
    return time.perf_counter() - t0


async def latency_rounds(probe: Probe, send: Callable[[float], Awaitable[Any]], n: int) -> tuple[float, float]:
    probe.latencies = []
    for _ in range(n):
        probe.started = asyncio.Event()
        await send(time.time())
        await asyncio.wait_for(probe.started.wait(), 30)
    lat = sorted(probe.latencies)
    return lat[len(lat) // 2] * 1000, lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000


class TimedBroker:
    """Our broker, noting when each fetch hands messages to Python."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.fetched: list[float] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def fetch(self, *args: Any) -> Any:
        batch = await self._inner.fetch(*args)
        if batch:
            self.fetched.append(time.time())
        return batch


async def split_rounds(probe: Probe, send: Callable[[float], Awaitable[Any]], timed: TimedBroker, n: int) -> None:
    """Our latency samples with their split (see the module docs); prints the slowest 1%."""
    rows = []
    for _ in range(n):
        probe.started = asyncio.Event()
        timed.fetched.clear()
        sent = time.time()
        await send(sent)
        acked = time.time()
        await asyncio.wait_for(probe.started.wait(), 30)
        start = sent + probe.latencies[-1]
        fetched = timed.fetched[0] if timed.fetched else start
        rows.append((start - sent, acked - sent, fetched - sent, start - fetched))
    rows.sort()
    slow = rows[-max(1, n // 100) :]
    print(f"    slowest {len(slow)} of {n} (ms): total = enqueue ack | broker->Python fetch | dispatch", flush=True)
    line = "{:6.2f} = ack {:5.2f} | fetch {:5.2f} | dispatch {:5.2f}"
    for row in slow:
        print("      " + line.format(*(x * 1000 for x in row)))
    print("    median sample: " + line.format(*(x * 1000 for x in rows[len(rows) // 2])), flush=True)


async def bench_ours(url: str, n: int, single: int, lat_n: int) -> dict[str, float]:
    from ouroboros.tasks import App, Worker

    probe = Probe()
    app = App(url, prefix=f"bench{uuid.uuid4().hex[:10]}", ack_wait=60)
    timed_broker = TimedBroker(app.broker)
    app._broker = timed_broker  # type: ignore[assignment]  # the worker reads app.broker

    @app.task(ignore_result=True, name="noop")
    async def noop() -> None:
        probe.hit()

    @app.task(ignore_result=True, name="stamp")
    async def stamp(sent):
        probe.stamp(sent)

    out: dict[str, float] = {}

    async def one_by_one() -> None:
        for _ in range(single):
            await noop.adelay()

    out["enqueue_single"] = single / await timed(one_by_one)
    await app.broker.purge("default")

    async def batched() -> None:
        for i in range(0, n, CHUNK):
            await noop.adelay_many([() for _ in range(min(CHUNK, n - i))])

    out["enqueue_batch"] = n / await timed(batched)
    probe.arm(n)
    worker = Worker(app, concurrency=CONCURRENCY, heartbeat=5)
    t0 = time.perf_counter()
    running = asyncio.create_task(worker.run())
    await asyncio.wait_for(probe.done.wait(), 600)
    out["run"] = n / (time.perf_counter() - t0)
    out["p50"], out["p99"] = await latency_rounds(probe, stamp.adelay, lat_n)
    await split_rounds(probe, stamp.adelay, timed_broker, lat_n)
    worker.stop()
    await running
    await app.broker.purge("default")
    return out


async def bench_taskiq(url: str, n: int, single: int, lat_n: int) -> dict[str, float]:
    from taskiq.receiver import Receiver
    from taskiq_redis import RedisStreamBroker

    probe = Probe()
    queue = f"bench-taskiq-{uuid.uuid4().hex[:10]}"
    broker = RedisStreamBroker(url, queue_name=queue, consumer_group_name="bench", xread_block=100)

    @broker.task(task_name="noop")
    async def noop() -> None:
        probe.hit()

    @broker.task(task_name="stamp")
    async def stamp(sent: float) -> None:
        probe.stamp(sent)

    await broker.startup()
    out: dict[str, float] = {}

    async def one_by_one() -> None:
        for _ in range(single):
            await noop.kiq()

    out["enqueue_single"] = single / await timed(one_by_one)
    # Start the timed batch from an empty stream.
    await drop_key(url, queue)
    await broker.startup()

    async def batched() -> None:
        for i in range(0, n, CHUNK):
            await asyncio.gather(*(noop.kiq() for _ in range(min(CHUNK, n - i))))

    out["enqueue_batch"] = n / await timed(batched)
    probe.arm(n)
    finish = asyncio.Event()
    pool = ThreadPoolExecutor(4)
    receiver = Receiver(broker, executor=pool, max_async_tasks=CONCURRENCY, run_startup=False)
    t0 = time.perf_counter()
    listening = asyncio.create_task(receiver.listen(finish))
    await asyncio.wait_for(probe.done.wait(), 600)
    out["run"] = n / (time.perf_counter() - t0)
    out["p50"], out["p99"] = await latency_rounds(probe, stamp.kiq, lat_n)
    # taskiq 0.13's receiver and taskiq-redis 1.2's shutdown can wait forever
    # once the stream is idle after a large run: bounded, the rows are taken.
    finish.set()
    for step in (listening, broker.shutdown()):
        try:
            await asyncio.wait_for(step, 10)
        except TimeoutError:
            print("    (taskiq teardown step timed out after 10 s)", flush=True)
    pool.shutdown(wait=False, cancel_futures=True)
    await drop_key(url, queue)
    return out


async def redis_floor(url: str, n: int = 2_000) -> tuple[float, float]:
    """p50 and p99 (ms) of a bare redis-py PING round trip."""
    import redis.asyncio as aioredis

    client = aioredis.from_url(url)
    await client.ping()
    lat = []
    for _ in range(n):
        t0 = time.perf_counter()
        await client.ping()
        lat.append(time.perf_counter() - t0)
    await client.aclose()
    lat.sort()
    return lat[len(lat) // 2] * 1000, lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000


async def bench_arq(url: str, n: int, single: int, lat_n: int) -> dict[str, float]:
    from arq import create_pool
    from arq.connections import RedisSettings
    from arq.worker import Worker as ArqWorker
    from arq.worker import func

    probe = Probe()
    queue = f"bench-arq-{uuid.uuid4().hex[:10]}"
    pool = await create_pool(RedisSettings.from_dsn(url), default_queue_name=queue)

    async def noop(ctx: Any) -> None:
        probe.hit()

    async def stamp(ctx: Any, sent: float) -> None:
        probe.stamp(sent)

    out: dict[str, float] = {}

    async def one_by_one() -> None:
        for _ in range(single):
            await pool.enqueue_job("noop", _queue_name=queue)

    out["enqueue_single"] = single / await timed(one_by_one)
    await pool.delete(queue)

    async def batched() -> None:
        for i in range(0, n, CHUNK):
            await asyncio.gather(*(pool.enqueue_job("noop", _queue_name=queue) for _ in range(min(CHUNK, n - i))))

    out["enqueue_batch"] = n / await timed(batched)
    probe.arm(n)
    worker = ArqWorker(
        functions=[func(noop, name="noop"), func(stamp, name="stamp")],
        redis_pool=pool,
        queue_name=queue,
        max_jobs=CONCURRENCY,
        keep_result=0,
        handle_signals=False,
    )
    t0 = time.perf_counter()
    running = asyncio.create_task(worker.async_run())
    await asyncio.wait_for(probe.done.wait(), 600)
    out["run"] = n / (time.perf_counter() - t0)

    async def send(sent: float) -> None:
        await pool.enqueue_job("stamp", sent, _queue_name=queue)

    out["p50"], out["p99"] = await latency_rounds(probe, send, lat_n)
    running.cancel()
    await asyncio.gather(running, return_exceptions=True)
    with contextlib.suppress(asyncio.CancelledError):
        await worker.close()
    await pool.delete(queue)
    await pool.aclose()
    return out


def bench_celery_sync(url: str, n: int, single: int, lat_n: int) -> dict[str, float]:
    import threading

    from celery import Celery, group
    from celery.contrib.testing.worker import start_worker

    queue = f"bench-celery-{uuid.uuid4().hex[:10]}"
    app = Celery("bench", broker=url, set_as_current=False)
    app.conf.update(
        task_default_queue=queue,
        task_ignore_result=True,
        worker_hijack_root_logger=False,
        broker_connection_retry_on_startup=True,
        worker_prefetch_multiplier=4,
    )
    lock = threading.Lock()
    state: dict[str, Any] = {"count": 0, "target": 0, "done": threading.Event(), "lat": [], "started": None}

    @app.task(name="noop")
    def noop() -> None:
        with lock:
            state["count"] += 1
            if state["count"] >= state["target"]:
                state["done"].set()

    @app.task(name="stamp")
    def stamp(sent: float) -> None:
        state["lat"].append(time.time() - sent)
        state["started"].set()

    out: dict[str, float] = {}
    t0 = time.perf_counter()
    for _ in range(single):
        noop.delay()
    out["enqueue_single"] = single / (time.perf_counter() - t0)
    with app.connection_for_write() as conn:
        conn.default_channel.client.delete(queue)
    t0 = time.perf_counter()
    for i in range(0, n, CHUNK):
        group(noop.s() for _ in range(min(CHUNK, n - i))).apply_async()
    out["enqueue_batch"] = n / (time.perf_counter() - t0)
    state["target"] = n
    t0 = time.perf_counter()
    with start_worker(
        app, pool="threads", concurrency=CONCURRENCY, perform_ping_check=False, shutdown_timeout=30, loglevel="WARNING"
    ):
        if not state["done"].wait(600):
            raise RuntimeError("celery did not run every task in time")
        out["run"] = n / (time.perf_counter() - t0)
        for _ in range(lat_n):
            state["started"] = threading.Event()
            stamp.delay(time.time())
            if not state["started"].wait(30):
                raise RuntimeError("celery latency sample timed out")
    lat = sorted(state["lat"])
    out["p50"], out["p99"] = lat[len(lat) // 2] * 1000, lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000
    with app.connection_for_write() as conn:
        conn.default_channel.client.delete(queue)
    return out


async def bench_celery(url: str, n: int, single: int, lat_n: int) -> dict[str, float]:
    return await asyncio.to_thread(bench_celery_sync, url, n, single, lat_n)


PEERS = ("taskiq", "arq", "celery")
ARQ_REQUIREMENTS = ["arq>=0.28", "redis[hiredis]>=5,<6"]


def arq_python(given: str | None) -> str:
    """An interpreter with arq: ``.nox/bench-arq`` beside this venv, made on first use."""
    if given:
        return given
    venv = Path(sys.prefix).parent / "bench-arq"
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", "-U", *ARQ_REQUIREMENTS], check=True)
    return str(python)


def bench_arq_isolated(python: str, url: str, n: int, single: int, lat_n: int) -> dict[str, float]:
    """Run :func:`bench_arq` in arq's own venv; its result is the child's last line."""
    argv = [python, __file__, "--arq-child", "--tasks", str(n), "--single", str(single), "--arq-latency", str(lat_n)]
    done = subprocess.run(
        argv, check=True, capture_output=True, text=True, env={**os.environ, "OUROBOROS_REDIS_URL": url}
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def versions(arq_py: str) -> str:
    got = [f"{p} {importlib.metadata.version(p)}" for p in ("taskiq", "taskiq-redis", "celery", "redis")]
    arq = subprocess.run(
        [arq_py, "-c", "import importlib.metadata as m; print(m.version('arq'), m.version('redis'))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return ", ".join(got) + f"; arq {arq[0]} with redis {arq[1]} (own venv)"


ROWS = [
    ("enqueue one by one (tasks/s)", "enqueue_single", True),
    ("batched enqueue (tasks/s)", "enqueue_batch", True),
    ("run no-op tasks, 1 worker (tasks/s)", "run", True),
    ("enqueue-to-start p50 (ms)", "p50", False),
    ("enqueue-to-start p99 (ms)", "p99", False),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=20_000)
    parser.add_argument("--single", type=int, default=5_000)
    parser.add_argument("--latency", type=int, default=1_000)
    # arq polls its queue every 0.5 s, so each of its samples takes ~0.5 s.
    parser.add_argument("--arq-latency", type=int, default=100)
    parser.add_argument("--celery-latency", type=int, default=300)
    parser.add_argument("--arq-python", help="an interpreter with arq installed (default: .nox/bench-arq)")
    parser.add_argument("--arq-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    url = os.environ.get("OUROBOROS_REDIS_URL")
    if not url:
        sys.exit("bench_tasks: set OUROBOROS_REDIS_URL (scripts/services start redis; source .services/env)")
    if args.arq_child:
        print(json.dumps(asyncio.run(bench_arq(url, args.tasks, args.single, args.arq_latency))))
        return
    arq_py = arq_python(args.arq_python)
    print(versions(arq_py), flush=True)
    results = {}
    for name in ("ouroboros", "taskiq", "arq", "celery"):
        print(f"running {name} ...", flush=True)
        samples = {"arq": args.arq_latency, "celery": args.celery_latency}.get(name, args.latency)
        if name == "arq":
            results[name] = bench_arq_isolated(arq_py, url, args.tasks, args.single, samples)
        else:
            fn = {"ouroboros": bench_ours, "taskiq": bench_taskiq, "celery": bench_celery}[name]
            results[name] = asyncio.run(fn(url, args.tasks, args.single, samples))
        print("   ", {k: round(v, 2) for k, v in results[name].items()}, flush=True)
    floor = asyncio.run(redis_floor(url))
    print(f"redis-py PING round trip (the floor): p50 {floor[0]:.2f} ms, p99 {floor[1]:.2f} ms", flush=True)
    print(
        f"\n{time.strftime('%Y-%m-%d')}, {platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} cores, Redis at {url}; {args.tasks:,} tasks, {args.single:,} single enqueues, "
        f"{args.latency:,} latency samples ({args.arq_latency} for arq, {args.celery_latency} for celery)\n"
    )
    print("| row | ouroboros | " + " | ".join(PEERS) + " | " + " | ".join(f"vs {p}" for p in PEERS) + " |")
    print("|---" * (1 + 2 * len(PEERS) + 1) + "|")
    for label, key, higher in ROWS:
        ours = results["ouroboros"][key]
        theirs = [results[p][key] for p in PEERS]
        fmt = "{:,.0f}" if higher else "{:.2f}"
        ratios = [(ours / t) if higher else (t / ours) for t in theirs]
        cells = [fmt.format(ours), *(fmt.format(t) for t in theirs), *(f"{r:.1f}x" for r in ratios)]
        print(f"| {label} | " + " | ".join(cells) + " |")
    print(f"| redis-py PING round trip p50 / p99 (ms, the floor) | {floor[0]:.2f} / {floor[1]:.2f} |")
    print("\n(ratios: how many times better ouroboros is; latency ratios are peer / ours)")


if __name__ == "__main__":
    main()
