"""Stopping running tasks, strict priority and broker-wide rate limits,
the same cases on every broker."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import pytest
from service_brokers import fresh_prefix, wait_for

from ouroboros.core import InvalidArgumentError
from ouroboros.tasks import App, AsyncResult, Broker, State, TaskFailed, TaskRevokedError


def test_revoke_cancels_running_async_task(app: App, start_worker, tmp_path: Path) -> None:
    @app.task
    async def long(marker: str) -> str:
        Path(marker, "started").touch()
        try:
            await asyncio.sleep(60)
        finally:
            Path(marker, "cleanup").touch()
        return "finished"

    @app.task
    def quick() -> int:
        return 7

    running = start_worker(app, concurrency=1)
    r = long.delay(str(tmp_path))
    wait_for(lambda: (tmp_path / "started").exists(), timeout=20)
    r.revoke()
    wait_for(lambda: (tmp_path / "cleanup").exists(), timeout=10)
    with pytest.raises(TaskRevokedError, match=r.id):
        r.get(timeout=10)
    # The only slot is free again, and the message was acknowledged.
    assert quick.delay().get(timeout=20) == 7
    wait_for(lambda: app.counts()["in_flight"] == 0 and app.counts()["ready"] == 0)
    assert running.worker.stats[long.name].revoked == 1
    assert running.worker.stats[long.name].succeeded == 0
    assert r.state == State.REVOKED


def test_revoke_interrupts_running_sync_task(app: App, start_worker, tmp_path: Path) -> None:
    steps: list[int] = []

    @app.task
    def spin(marker: str) -> str:
        Path(marker, "started").touch()
        try:
            for i in range(1200):
                steps.append(i)
                time.sleep(0.05)
        finally:
            Path(marker, "cleanup").touch()
        return "finished"

    @app.task
    def quick() -> int:
        return 8

    running = start_worker(app, concurrency=1, threads=1)
    r = spin.delay(str(tmp_path))
    wait_for(lambda: (tmp_path / "started").exists(), timeout=20)
    r.revoke()
    wait_for(lambda: (tmp_path / "cleanup").exists(), timeout=10)
    stopped_at = len(steps)
    assert stopped_at < 1200
    # The one pool thread is free: the next sync task runs on it.
    assert quick.delay().get(timeout=20) == 8
    assert len(steps) == stopped_at
    with pytest.raises(TaskRevokedError):
        r.get(timeout=5)
    wait_for(lambda: running.worker.stats[spin.name].revoked == 1)
    wait_for(lambda: app.counts()["in_flight"] == 0)


def test_sync_task_past_time_limit_is_stopped(app: App, start_worker, tmp_path: Path) -> None:
    steps: list[int] = []

    @app.task(time_limit=0.3)
    def spin(marker: str) -> None:
        try:
            for i in range(1200):
                steps.append(i)
                time.sleep(0.05)
        finally:
            Path(marker, "cleanup").touch()

    start_worker(app, concurrency=1, threads=1)
    with pytest.raises(TaskFailed) as info:
        spin.delay(str(tmp_path)).get(timeout=20)
    assert info.value.exc_type == "ouroboros.tasks.exceptions.TimeLimitExceeded"
    wait_for(lambda: (tmp_path / "cleanup").exists(), timeout=10)
    stopped_at = len(steps)
    assert stopped_at < 1200
    time.sleep(0.3)
    assert len(steps) == stopped_at


def test_revoked_sync_task_not_yet_in_its_thread_never_starts(app: App, start_worker, tmp_path: Path) -> None:
    gate = threading.Event()

    @app.task
    def hold() -> None:
        gate.wait(20)

    @app.task
    def never(marker: str) -> None:
        Path(marker, "ran").touch()

    # One thread, two slots: `never` is taken from the queue but waits for the thread.
    start_worker(app, concurrency=2, threads=1)
    h = hold.delay()
    wait_for(lambda: app.counts()["in_flight"] >= 1, timeout=20)
    r = never.delay(str(tmp_path))
    wait_for(lambda: app.counts()["in_flight"] == 2, timeout=20)
    r.revoke()
    time.sleep(0.6)
    gate.set()
    h.get(timeout=20)
    with pytest.raises(TaskRevokedError):
        r.get(timeout=5)
    wait_for(lambda: app.counts()["in_flight"] == 0)
    assert not (tmp_path / "ran").exists()


def test_priority_is_strict_across_the_queue(app: App, start_worker) -> None:
    order: list[str] = []
    first_started = threading.Event()

    @app.task
    def step(label: str) -> None:
        first_started.set()
        order.append(label)
        time.sleep(0.05)

    # Twenty low-priority tasks wait in the queue before the urgent one.
    step.delay_many([(f"low{i}",) for i in range(20)])
    start_worker(app, concurrency=1)
    assert first_started.wait(20)
    urgent = step.apply_async(("urgent",), priority=9)
    urgent.get(timeout=30)
    wait_for(lambda: len(order) == 21, timeout=30)
    # Ahead of every low task not yet started (one or two were already taken).
    assert order.index("urgent") <= 2, order


def test_rate_limit_holds_across_workers(app: App, start_worker) -> None:
    @app.task(rate_limit="10/s")
    def tick(i: int) -> float:
        return time.time()

    # Two workers, each would allow 10/s on its own: together they must not.
    start_worker(app, concurrency=2)
    start_worker(app, concurrency=2)
    results = tick.delay_many([(i,) for i in range(12)])
    stamps = sorted(r.get(timeout=60) for r in results)
    # One start every 0.1 s across both workers: the last of 12 cannot start
    # before 1.1 s after the first, whoever runs it (per-worker buckets: 0.5 s).
    assert stamps[-1] - stamps[0] >= 0.95


def test_rate_acquire_is_a_shared_token_bucket(broker_url: str) -> None:
    prefix = fresh_prefix()
    one = Broker(broker_url, prefix=prefix)
    two = Broker(broker_url, prefix=prefix)
    assert one.rate_acquire("k", 1.0, 2.0, wait=True) == 0.0
    assert two.rate_acquire("k", 1.0, 2.0, wait=True) == 0.0
    wait = one.rate_acquire("k", 1.0, 2.0, wait=True)
    assert 0.0 < wait <= 1.0
    # Another bucket is independent.
    assert two.rate_acquire("other", 1.0, 1.0, wait=True) == 0.0


@pytest.mark.parametrize(
    ("rate", "burst", "field"),
    [(0.0, 1.0, "rate"), (-1.0, 1.0, "rate"), (float("nan"), 1.0, "rate"), (1.0, 0.5, "burst"), (1.0, 2e6, "burst")],
)
def test_rate_acquire_rejects_bad_arguments(broker_url: str, rate: float, burst: float, field: str) -> None:
    broker = Broker(broker_url, prefix=fresh_prefix())
    with pytest.raises(InvalidArgumentError, match=field):
        broker.rate_acquire("k", rate, burst, wait=True)


def test_async_state_accessors(app: App, start_worker) -> None:
    @app.task
    def double(x: int) -> int:
        return 2 * x

    start_worker(app)
    r = double.delay(4)
    assert r.get(timeout=20) == 8

    async def check() -> None:
        assert await r.astate() == State.SUCCEEDED
        info = await r.ainfo()
        assert info is not None
        assert info["result"] == 8
        missing = AsyncResult("0" * 32, app)
        assert await missing.astate() == State.PENDING
        assert await missing.ainfo() is None

    asyncio.run(check())
