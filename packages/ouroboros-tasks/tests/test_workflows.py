"""chain, group, chord, periodic tasks, stats and heartbeats on every broker."""

from __future__ import annotations

import asyncio
import time

import pytest
from service_brokers import wait_for

from ouroboros.tasks import App, Scheduler, State, TaskFailed, chain, chord, group
from ouroboros.tasks._cli import collect_stats


def make_tasks(app: App):
    @app.task
    def add(x, y):
        return x + y

    @app.task
    async def mul(x, y):
        return x * y

    @app.task
    def total(values, extra=0):
        return sum(values) + extra

    @app.task
    def fail(x):
        raise ValueError(f"member {x} failed")

    return add, mul, total, fail


def test_chain_passes_results(app: App, start_worker) -> None:
    add, mul, _, _ = make_tasks(app)
    start_worker(app)
    r = chain(add.s(1, 2), mul.s(10), add.s(5)).delay()
    assert r.get(timeout=15) == 35


def test_chain_immutable_step(app: App, start_worker) -> None:
    add, mul, _, _ = make_tasks(app)
    start_worker(app)
    assert chain(add.s(1, 2), mul.si(4, 4)).apply_async().get(timeout=15) == 16


def test_chain_stops_on_failure(app: App, start_worker) -> None:
    add, _, _, fail = make_tasks(app)
    start_worker(app)
    last = add.s(1)
    r = chain(fail.s(1), last).delay()
    time.sleep(1.0)
    assert r.state == State.PENDING


def test_group(app: App, start_worker) -> None:
    add, _, _, _ = make_tasks(app)
    start_worker(app)
    g = group(add.s(i, i) for i in range(6)).delay()
    assert g.get(timeout=15) == [0, 2, 4, 6, 8, 10]
    assert len(g) == 6
    assert g.ready() and g.successful()
    assert g.completed_count() == 6


def test_chord(app: App, start_worker) -> None:
    add, _, total, _ = make_tasks(app)
    start_worker(app)
    r = chord([add.s(i, 1) for i in range(5)], total.s(extra=100)).delay()
    assert r.get(timeout=15) == 115


def test_chord_member_failure(app: App, start_worker) -> None:
    add, _, total, fail = make_tasks(app)
    start_worker(app)
    r = chord(group(add.s(1, 1), fail.s(2)), total.s()).delay()
    with pytest.raises(TaskFailed) as info:
        r.get(timeout=15)
    assert info.value.exc_type == "ChordError"
    assert "member 2 failed" in info.value.exc_message


def test_async_workflows(app: App, start_worker) -> None:
    add, mul, total, _ = make_tasks(app)
    start_worker(app)

    async def main():
        c = await chain(add.s(1, 1), mul.s(3)).adelay()
        g = await group(add.s(1, 2), add.s(3, 4)).adelay()
        ch = await chord([add.s(1, 1), add.s(2, 2)], total.s()).adelay()
        return await c.aget(timeout=15), await g.aget(timeout=15), await ch.aget(timeout=15)

    assert asyncio.run(main()) == (6, [3, 7], 6)


def test_signature_options(app: App, start_worker) -> None:
    add, _, _, _ = make_tasks(app)
    start_worker(app)
    sig = add.s(2, 2).set(priority=7, countdown=0.1)
    assert sig.delay().get(timeout=10) == 4
    with pytest.raises(ValueError, match="unknown"):
        add.s(1, 1).set(bogus=1)


def test_periodic_every(app: App, start_worker) -> None:
    hits = []

    @app.periodic(every=0.3)
    def beat():
        hits.append(time.monotonic())

    start_worker(app, scheduler=True)
    wait_for(lambda: len(hits) >= 3, timeout=15)
    assert hits[2] - hits[0] >= 0.4


def test_periodic_cron_entry(app: App) -> None:
    @app.task
    def nightly():
        return 1

    entry = app.add_periodic(nightly, cron="0 3 * * *", name="nightly-report")
    assert app.periodic_entries["nightly-report"] is entry
    nxt = entry.next_after(int(time.time() * 1000))
    assert time.gmtime(nxt / 1000).tm_hour == 3


def test_one_scheduler_active(app: App) -> None:
    @app.periodic(every=0.2)
    def beat():
        return 1

    a, b = Scheduler(app, name="a", lock_ttl=5), Scheduler(app, name="b", lock_ttl=5)

    async def main():
        for _ in range(8):
            await a.tick()
            await b.tick()
            await asyncio.sleep(0.1)
        return a.is_leader, b.is_leader

    leaders = asyncio.run(main())
    assert leaders == (True, False)
    assert len(a.fired) >= 2
    assert b.fired == []
    counts = app.counts()
    assert counts["ready"] + counts["in_flight"] >= len(a.fired) - 1


def test_scheduler_hands_over(app: App) -> None:
    @app.periodic(every=0.2)
    def beat():
        return 1

    a, b = Scheduler(app, name="a", lock_ttl=0.3), Scheduler(app, name="b", lock_ttl=0.3)

    async def main():
        await a.tick()
        assert a.is_leader
        await b.tick()
        assert not b.is_leader
        stop = asyncio.Event()
        stop.set()
        await a.run(stop)  # gives the lease up
        await b.tick()
        return b.is_leader

    assert asyncio.run(main()) is True


def test_stats_and_heartbeat(app: App, start_worker) -> None:
    add, _, _, fail = make_tasks(app)
    w = start_worker(app)
    for i in range(3):
        add.delay(i, i).get(timeout=10)
    with pytest.raises(TaskFailed):
        fail.delay(1).get(timeout=10)

    def settled() -> bool:
        # Heartbeats publish snapshots: wait for one taken after the dead letter too.
        tasks = collect_stats(app)["tasks"]
        return tasks.get(add.name, {}).get("succeeded") == 3 and tasks.get(fail.name, {}).get("dead") == 1

    wait_for(settled)
    stats = collect_stats(app)
    assert stats["tasks"][fail.name]["failed"] == 1
    assert stats["tasks"][fail.name]["dead"] == 1
    assert stats["tasks"][add.name]["runtime_avg"] >= 0
    (worker,) = stats["workers"]
    assert worker["worker"] == w.worker.name
    assert worker["processed"] >= 4
    assert stats["queues"]["default"]["dead"] == 1
    w.stop()
    assert collect_stats(app)["workers"] == []
