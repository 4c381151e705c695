"""Tasks end to end through a worker, the same cases on every broker."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from service_brokers import wait_for

from ouroboros.tasks import App, ResultTimeoutError, Retry, State, TaskFailed, TaskRevokedError
from ouroboros.validation import BaseModel, ValidationError


class Point(BaseModel):
    x: int
    y: int


def test_async_task(app: App, start_worker) -> None:
    @app.task
    async def add(x, y):
        await asyncio.sleep(0)
        return x + y

    start_worker(app)
    r = add.delay(2, 3)
    assert r.get(timeout=10) == 5
    assert r.state == State.SUCCEEDED
    assert r.successful() and r.ready() and not r.failed()
    info = r.info
    assert info["task"] == add.name
    assert info["attempt"] == 0
    assert info["runtime"] >= 0


def test_sync_task_runs_in_thread_pool(app: App, start_worker) -> None:
    @app.task
    def where() -> str:
        return threading.current_thread().name

    start_worker(app)
    assert where.delay().get(timeout=10).startswith("ob-task")


def test_kwargs_and_defaults(app: App, start_worker) -> None:
    @app.task
    def greet(name, greeting="hello", *, punct="!"):
        return f"{greeting} {name}{punct}"

    start_worker(app)
    assert greet.delay("ann").get(timeout=10) == "hello ann!"
    assert greet.apply_async(("bob",), {"greeting": "hi", "punct": "?"}).get(timeout=10) == "hi bob?"


def test_wrong_arguments_fail_at_enqueue(app: App) -> None:
    @app.task
    def one(a):
        return a

    with pytest.raises(TypeError, match="one"):
        one.delay(1, 2)
    # A shape that bound once is remembered; other shapes are still checked.
    assert len(one.delay_many([(1,), (2,)])) == 2
    with pytest.raises(TypeError, match="too many positional"):
        one.delay_many([(3,), (4, 5)])
    with pytest.raises(TypeError, match="unexpected keyword argument 'b'"):
        one.delay_many([((1,), {"b": 1})])
    one.delay_many([((), {"a": 1})])


def test_annotated_arguments_are_validated(app: App, start_worker) -> None:
    @app.task
    def area(p: Point, scale: int = 1) -> int:
        assert isinstance(p, Point)
        return p.x * p.y * scale

    start_worker(app)
    assert area.delay({"x": "2", "y": 3}, scale="2").get(timeout=10) == 12
    assert area.delay(Point(x=4, y=5)).get(timeout=10) == 20


def test_validation_error_at_enqueue(app: App) -> None:
    @app.task
    def area(p: Point) -> int:
        return p.x * p.y

    with pytest.raises(ValidationError) as info:
        area.delay({"x": "two", "y": 3})
    (err,) = info.value.errors()
    assert err["loc"] == ("p", "x")
    assert err["type"] == "int_parsing"


def test_result_is_validated_into_return_type(app: App, start_worker) -> None:
    @app.task
    async def make(x: int) -> Point:
        return Point(x=x, y=x + 1)

    start_worker(app)
    p = make.delay(3).get(timeout=10)
    assert isinstance(p, Point)
    assert (p.x, p.y) == (3, 4)


def test_failure_is_reported_and_dead_lettered(app: App, start_worker) -> None:
    @app.task
    def boom(n):
        raise ValueError(f"bad {n}")

    start_worker(app)
    r = boom.delay(7)
    with pytest.raises(TaskFailed) as info:
        r.get(timeout=10)
    assert info.value.exc_type == "ValueError"
    assert info.value.exc_message == "bad 7"
    assert "raise ValueError" in info.value.traceback
    assert r.state == State.FAILED and r.failed()
    assert r.get(timeout=1, propagate=False)["type"] == "ValueError"
    (dead,) = app.dead_letters()
    assert dead.id == r.id
    assert dead.task == boom.name
    assert dead.args == [7]
    assert dead.error.startswith("ValueError: bad 7")


def test_retries_then_success(app: App, start_worker) -> None:
    calls = []

    @app.task(retries=3, retry_backoff=0.05)
    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionError("try again")
        return "ok"

    start_worker(app)
    r = flaky.delay()
    assert r.get(timeout=15) == "ok"
    assert len(calls) == 3
    assert r.info["attempt"] == 2
    assert app.dead_letters() == []


def test_retries_exhausted(app: App, start_worker) -> None:
    calls = []

    @app.task(retries=2, retry_backoff=0.01, retry_jitter=False)
    def always():
        calls.append(1)
        raise RuntimeError("nope")

    start_worker(app)
    r = always.delay()
    with pytest.raises(TaskFailed, match="RuntimeError: nope"):
        r.get(timeout=15)
    assert len(calls) == 3
    assert r.info["attempt"] == 2
    (dead,) = app.dead_letters()
    assert "RuntimeError: nope" in dead.error


def test_retrying_state_is_visible(app: App, start_worker) -> None:
    @app.task(retries=1, retry_backoff=2.0, retry_jitter=False)
    def slow_retry():
        raise KeyError("k")

    start_worker(app)
    r = slow_retry.delay()
    wait_for(lambda: r.state == State.RETRYING)
    assert r.info["error"]["type"] == "KeyError"
    assert r.info["retry_in"] == 2.0


def test_explicit_retry_with_countdown(app: App, start_worker) -> None:
    calls = []

    @app.task(retries=1)
    def again():
        calls.append(time.monotonic())
        if len(calls) == 1:
            raise Retry(countdown=0.3)
        return len(calls)

    start_worker(app)
    assert again.delay().get(timeout=10) == 2
    assert calls[1] - calls[0] >= 0.25


def test_time_limit_async(app: App, start_worker) -> None:
    @app.task(time_limit=0.2)
    async def sleepy():
        await asyncio.sleep(30)

    start_worker(app)
    with pytest.raises(TaskFailed) as info:
        sleepy.delay().get(timeout=10)
    assert info.value.exc_type == "ouroboros.tasks.exceptions.TimeLimitExceeded"
    assert "time limit of 0.2 s" in info.value.exc_message


def test_time_limit_sync(app: App, start_worker) -> None:
    release = threading.Event()

    @app.task(time_limit=0.2)
    def blocking():
        release.wait(5)

    start_worker(app)
    try:
        with pytest.raises(TaskFailed, match="TimeLimitExceeded"):
            blocking.delay().get(timeout=10)
    finally:
        release.set()


def test_countdown_delays_start(app: App, start_worker) -> None:
    @app.task
    def stamp():
        return time.time()

    start_worker(app)
    sent = time.time()
    r = stamp.apply_async(countdown=0.6)
    assert r.state == State.PENDING
    assert r.get(timeout=10) >= sent + 0.55


def test_eta_delays_start(app: App, start_worker) -> None:
    @app.task
    def stamp():
        return time.time()

    start_worker(app)
    eta = datetime.now(UTC) + timedelta(seconds=0.5)
    assert stamp.apply_async(eta=eta).get(timeout=10) >= eta.timestamp() - 0.01


def test_priority_option(app: App, start_worker) -> None:
    @app.task(priority=3)
    def p(x):
        return x

    start_worker(app)
    assert p.apply_async((1,), priority=9).get(timeout=10) == 1
    assert p.delay(2).get(timeout=10) == 2


def test_other_queue(app: App, start_worker) -> None:
    @app.task(queue="mail")
    def send(to):
        return f"sent {to}"

    start_worker(app, queues=["mail"])
    assert send.delay("a@b").get(timeout=10) == "sent a@b"
    assert "mail" in app.queues()


def test_rate_limit_spaces_starts(app: App, start_worker) -> None:
    @app.task(rate_limit="10/s")
    def tick():
        return time.monotonic()

    start_worker(app)
    results = tick.delay_many([() for _ in range(4)])
    starts = sorted(r.get(timeout=15) for r in results)
    # A token bucket of 10/s: each start after the first waits ~0.1 s.
    assert starts[-1] - starts[0] >= 0.25


def test_ignore_result(app: App, start_worker) -> None:
    done = threading.Event()

    @app.task(ignore_result=True)
    def fire():
        done.set()
        return 1

    start_worker(app)
    r = fire.delay()
    assert done.wait(10)
    time.sleep(0.2)
    assert r.state == State.PENDING


def test_track_started(app: App, start_worker) -> None:
    release = threading.Event()

    @app.task(track_started=True)
    def hold():
        release.wait(10)
        return "done"

    start_worker(app)
    r = hold.delay()
    try:
        wait_for(lambda: r.state == State.STARTED)
    finally:
        release.set()
    assert r.get(timeout=10) == "done"


def test_result_ttl(app: App, start_worker) -> None:
    @app.task(result_ttl=0.5)
    def short():
        return 1

    start_worker(app)
    r = short.delay()
    assert r.get(timeout=10) == 1
    wait_for(lambda: r.state == State.PENDING, timeout=5)


def test_get_timeout(app: App) -> None:
    @app.task
    def never():
        return 1

    r = never.delay()
    with pytest.raises(ResultTimeoutError, match=r"did not finish within 0\.2 s") as info:
        r.get(timeout=0.2)
    assert isinstance(info.value, TimeoutError)


def test_revoke_before_start(app: App, start_worker) -> None:
    ran = []

    @app.task
    def victim():
        ran.append(1)

    r = victim.apply_async(countdown=0.5)
    r.revoke()
    start_worker(app)
    with pytest.raises(TaskRevokedError):
        r.get(timeout=5)
    time.sleep(1.0)
    assert ran == []
    assert r.state == State.REVOKED


def test_unknown_task_goes_to_dead_letters(app: App, start_worker) -> None:
    start_worker(app)
    r = app.send_task("no.such.task", (1,))
    with pytest.raises(TaskFailed, match="UnknownTaskError"):
        r.get(timeout=10)
    (dead,) = app.dead_letters()
    assert dead.task == "no.such.task"
    assert "no task named 'no.such.task'" in dead.error


def test_forget(app: App, start_worker) -> None:
    @app.task
    def one():
        return 1

    start_worker(app)
    r = one.delay()
    assert r.get(timeout=10) == 1
    r.forget()
    assert r.state == State.PENDING


def test_delay_many(app: App, start_worker) -> None:
    @app.task
    async def sq(x):
        return x * x

    start_worker(app, concurrency=50)
    results = sq.delay_many([(i,) for i in range(300)])
    assert len({r.id for r in results}) == 300
    assert all(len(r.id) == 32 and int(r.id, 16) >= 0 for r in results)
    assert [r.get(timeout=30) for r in results] == [i * i for i in range(300)]


def test_async_producer_api(app: App, start_worker) -> None:
    @app.task
    async def add(x, y):
        return x + y

    start_worker(app)

    async def main():
        r = await add.adelay(1, 1)
        rs = await add.adelay_many([(i, i) for i in range(5)])
        r2 = await add.aapply_async((5, 5), countdown=0.1)
        return await r.aget(timeout=10), [await x.aget(timeout=10) for x in rs], await r2.aget(timeout=10)

    assert asyncio.run(main()) == (2, [0, 2, 4, 6, 8], 10)


def test_concurrency_runs_async_tasks_together(app: App, start_worker) -> None:
    @app.task
    async def gate(n):
        await asyncio.sleep(0.3)
        return n

    start_worker(app, concurrency=10)
    t0 = time.monotonic()
    assert [r.get(timeout=10) for r in gate.delay_many([(i,) for i in range(10)])] == list(range(10))
    # Run one after another they would take 3 s; this is a behaviour check
    # with a wide margin, not a speed measurement.
    assert time.monotonic() - t0 < 2.5
