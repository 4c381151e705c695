"""Worker: fetches messages, runs tasks, records results, acknowledges.

One asyncio loop runs async tasks concurrently (up to ``concurrency`` at a
time) and hands sync tasks to a thread pool. Acknowledgements and result
writes are batched: a flusher coroutine writes whatever finished since its
last round trip, results first, then acks, so a result is stored before its
message leaves the queue (at-least-once: a crash in between runs the task
again, it never loses it).

While a task runs, the heartbeat extends its ack wait, so a long task is not
redelivered to another worker; a worker that dies stops extending it and the
broker redelivers after the ack wait. On shutdown (SIGTERM/SIGINT) the worker
stops fetching, lets running tasks finish for ``shutdown_timeout`` seconds,
then returns the rest to the queue.

Stopping a running task (revoke, or a sync task past its ``time_limit``): an
async task is cancelled (``CancelledError`` at its current ``await``); a sync
task's thread gets the exception raised asynchronously
(``PyThreadState_SetAsyncExc``), so Python code stops at its next bytecode;
a blocking call in C (``time.sleep``, a socket read) returns first.

Rate limits are token buckets kept in the broker, so ``rate_limit="10/s"``
holds across every worker and process of the app.
"""

from __future__ import annotations

import asyncio
import ctypes
import functools
import hashlib
import logging
import os
import random
import re
import signal
import socket
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ouroboros.tasks._message import State, dumps, envelope_id, loads, new_id, now_ms, result_key
from ouroboros.tasks.canvas import Signature
from ouroboros.tasks.exceptions import Retry, TaskRevokedError, TimeLimitExceeded, UnknownTaskError

if TYPE_CHECKING:
    from ouroboros.tasks.app import App
    from ouroboros.tasks.task import Task

log = logging.getLogger("ouroboros.tasks.worker")

#: Most messages taken in one fetch; bounded so a worker never buffers more
#: than it can start soon (their ack wait already runs).
MAX_BATCH = 256
FETCH_WAIT = 0.2
STATS_TTL = 7 * 24 * 3600.0


@dataclass
class TaskStats:
    """Counters and durations of one task on one worker."""

    succeeded: int = 0
    failed: int = 0
    retried: int = 0
    dead: int = 0
    revoked: int = 0
    runtime_sum: float = 0.0
    runtime_max: float = 0.0
    latency_sum: float = 0.0
    latency_max: float = 0.0

    def add_run(self, runtime: float, latency: float) -> None:
        self.runtime_sum += runtime
        self.runtime_max = max(self.runtime_max, runtime)
        self.latency_sum += latency
        self.latency_max = max(self.latency_max, latency)


@functools.lru_cache(maxsize=1024)
def _rate_key(name: str) -> str:
    """The broker key of a task's rate limit (task names may hold any character)."""
    plain = re.sub(r"[^A-Za-z0-9_.=/-]+", "_", name).strip(".")[:180]
    return f"rate.{plain}.{hashlib.blake2b(name.encode(), digest_size=6).hexdigest()}"


def _raise_in_thread(ident: int, exc_type: type[BaseException] | None) -> None:
    """Raise ``exc_type`` in thread ``ident`` at its next bytecode (None clears it)."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(ident), ctypes.py_object(exc_type) if exc_type else None)


@dataclass
class _InFlight:
    queue: str
    delivery: tuple[str, str, bytes, int, int]
    since: float
    job: asyncio.Task[None] | None = None
    touched: float = field(default_factory=time.monotonic)
    task_id: str | None = None
    #: True while the task's own code runs (only then may it be interrupted).
    running: bool = False
    #: Why it was interrupted: TaskRevokedError or TimeLimitExceeded.
    stopped: type[BaseException] | None = None
    #: The pool thread running a sync task, guarded by ``lock``.
    thread: int | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def call_in_thread(self, fn: Any, args: Any, kwargs: Any) -> Any:
        """Run ``fn`` in a pool thread, interruptible through :meth:`interrupt`."""
        with self.lock:
            if self.stopped is not None:
                raise self.stopped
            self.thread = threading.get_ident()
        try:
            return fn(*args, **kwargs)
        finally:
            with self.lock:
                ident, self.thread = self.thread, None
                if ident is not None and self.stopped is not None:
                    # Not raised yet: it must not escape into the pool's own code.
                    _raise_in_thread(ident, None)

    def interrupt(self, reason: type[BaseException]) -> None:
        with self.lock:
            if self.stopped is not None:
                return
            self.stopped = reason
            if self.thread is not None:
                _raise_in_thread(self.thread, reason)


class Worker:
    """Runs the app's tasks from one or more queues.

    Args:
        app: the :class:`~ouroboros.tasks.App`.
        queues: queues to consume (default: every queue of the app's tasks).
        concurrency: tasks run at once (async tasks on the loop, sync ones in threads).
        threads: size of the thread pool for sync tasks (default: ``concurrency``).
        shutdown_timeout: seconds running tasks get to finish on shutdown.
        heartbeat: seconds between heartbeats (worker record, stats, ack-wait extension).
        scheduler: also run the periodic scheduler (one is active across workers).
    """

    def __init__(
        self,
        app: App,
        *,
        queues: list[str] | None = None,
        concurrency: int = 10,
        threads: int | None = None,
        name: str | None = None,
        shutdown_timeout: float = 30.0,
        heartbeat: float = 2.0,
        scheduler: bool = False,
    ) -> None:
        if concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, got {concurrency}")
        self.app = app
        self.queues = list(queues or app.queues())
        self.concurrency = concurrency
        self.name = name or f"{socket.gethostname()}-{os.getpid()}-{new_id()[:6]}"
        self.shutdown_timeout = shutdown_timeout
        self.heartbeat = heartbeat
        self.run_scheduler = scheduler
        self.stats: dict[str, TaskStats] = {}
        self.processed = 0
        self._threads = threads or concurrency
        self._pool: ThreadPoolExecutor | None = None
        self._active: dict[str, _InFlight] = {}
        self._slot = asyncio.Event()
        self._stopping = False
        self._stop_event: asyncio.Event | None = None
        self._acks: dict[str, list[str]] = {}
        self._results: list[tuple[str, bytes, float | None]] = []
        self._flush_wanted = asyncio.Event()
        self._flush_lock = asyncio.Lock()
        self._revoked: set[str] = set()
        self._revoked_version: bytes | None = None
        self._started_at = now_ms()
        self.ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    # --- lifecycle --------------------------------------------------------------------
    async def __aenter__(self) -> Worker:
        """Run in the background of the current loop: ``async with Worker(app):``."""
        self._task = asyncio.create_task(self.run())
        ready = asyncio.create_task(self.ready.wait())
        await asyncio.wait({self._task, ready}, return_when=asyncio.FIRST_COMPLETED)
        if self._task.done():
            ready.cancel()
            self._task.result()  # raises the start-up error
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.stop()
        if self._task is not None:
            await self._task

    def stop(self) -> None:
        """Ask the worker to shut down gracefully (safe to call from a signal handler)."""
        self._stopping = True
        if self._stop_event is not None:
            self._stop_event.set()
        self._slot.set()

    def run_forever(self) -> None:
        """Run until SIGTERM or SIGINT (a second signal skips the grace period)."""

        async def main() -> None:
            loop = asyncio.get_running_loop()

            def on_signal() -> None:
                if self._stopping:
                    log.warning("second signal: returning running tasks to the queue now")
                    self.shutdown_timeout = 0
                    for item in list(self._active.values()):
                        if item.job is not None:
                            item.job.cancel()
                else:
                    log.info("shutting down: finishing running tasks", extra={"event": "shutdown"})
                self.stop()

            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, on_signal)
            await self.run()

        asyncio.run(main())

    async def run(self) -> None:
        """Consume until :meth:`stop`, then shut down gracefully."""
        broker = self.app.broker
        self._stop_event = asyncio.Event()
        if self._stopping:
            self._stop_event.set()
        self._pool = ThreadPoolExecutor(max_workers=self._threads, thread_name_prefix="ob-task")
        await self._refresh_revoked()
        log.info(
            "worker %s started: broker=%s queues=%s concurrency=%d",
            self.name,
            broker.kind,
            ",".join(self.queues),
            self.concurrency,
            extra={"event": "worker_started", "worker": self.name},
        )
        background = [
            asyncio.create_task(self._flusher()),
            asyncio.create_task(self._heartbeat_loop()),
            asyncio.create_task(self._revoked_loop()),
        ]
        if self.run_scheduler:
            from ouroboros.tasks.scheduler import Scheduler

            background.append(asyncio.create_task(Scheduler(self.app, name=self.name).run(self._stop_event)))
        consumers = [asyncio.create_task(self._consume(q)) for q in self.queues]
        self.ready.set()
        try:
            await asyncio.gather(*consumers)
        finally:
            await self._shutdown(background)

    async def _shutdown(self, background: list[asyncio.Task[Any]]) -> None:
        jobs = [i.job for i in self._active.values() if i.job is not None]
        if jobs:
            log.info("waiting up to %.1f s for %d running task(s)", self.shutdown_timeout, len(jobs))
            _, pending = await asyncio.wait(jobs, timeout=max(0.0, self.shutdown_timeout))
            for job in pending:
                job.cancel()
            if pending:
                await asyncio.wait(pending)
        # Whatever did not finish goes back to its queue at once.
        leftover: dict[str, list[Any]] = {}
        for item in self._active.values():
            leftover.setdefault(item.queue, []).append(item.delivery)
        self._active.clear()
        await self._flush()
        for queue, deliveries in leftover.items():
            await self.app.broker.nack(queue, deliveries)
            log.info("returned %d task(s) to queue %s", len(deliveries), queue, extra={"event": "returned"})
        for task in background:
            task.cancel()
        await asyncio.gather(*background, return_exceptions=True)
        await self._write_heartbeat(final=True)
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        log.info("worker %s stopped after %d task(s)", self.name, self.processed, extra={"event": "worker_stopped"})

    # --- consuming --------------------------------------------------------------------
    async def _consume(self, queue: str) -> None:
        broker = self.app.broker
        while not self._stopping:
            free = self.concurrency - len(self._active)
            if free <= 0:
                self._slot.clear()
                await self._slot.wait()
                continue
            try:
                batch = await broker.fetch(queue, self.name, min(free, MAX_BATCH), FETCH_WAIT)
            except Exception as exc:  # noqa: BLE001 - a broker outage: log, back off, go on
                log.error("fetch from %s failed: %s", queue, exc, extra={"event": "broker_error", "queue": queue})
                await asyncio.sleep(1.0)
                continue
            if self._stopping and batch:
                await broker.nack(queue, batch)
                break
            for delivery in batch:
                item = _InFlight(queue, delivery, time.monotonic())
                self._active[delivery[0]] = item
                item.job = asyncio.create_task(self._handle(item))

    def _release(self, token: str) -> None:
        self._active.pop(token, None)
        self._slot.set()

    def _ack_later(self, queue: str, token: str) -> None:
        self._acks.setdefault(queue, []).append(token)
        self._flush_wanted.set()

    def _result_later(self, task_id: str, record: dict[str, Any], ttl: float) -> None:
        self._results.append((result_key(task_id), dumps(record), ttl))
        self._flush_wanted.set()

    async def _flush(self) -> None:
        async with self._flush_lock:
            results, self._results = self._results, []
            acks, self._acks = self._acks, {}
            broker = self.app.broker
            if results:
                await broker.kv_put_many(results)
            for queue, tokens in acks.items():
                await broker.ack(queue, tokens)

    async def _flusher(self) -> None:
        while True:
            await self._flush_wanted.wait()
            self._flush_wanted.clear()
            try:
                await self._flush()
            except Exception as exc:  # noqa: BLE001 - unacked messages are redelivered
                log.error("writing results/acks failed: %s", exc, extra={"event": "broker_error"})
                await asyncio.sleep(0.5)

    # --- running one task ---------------------------------------------------------------
    def _stats(self, name: str) -> TaskStats:
        stats = self.stats.get(name)
        if stats is None:
            stats = self.stats[name] = TaskStats()
        return stats

    async def _handle(self, item: _InFlight) -> None:
        token, _, body, _, deliveries = item.delivery
        queue = item.queue
        cancelled = False
        try:
            try:
                msg = loads(body)
                task_id = msg["id"]
                name = msg["task"]
            except (ValueError, KeyError, TypeError) as exc:
                await self._dead(item, f"unreadable message: {exc}", None, None)
                return
            item.task_id = task_id
            task = self.app.tasks.get(name)
            if task is None:
                error = UnknownTaskError(
                    f"no task named {name!r} in this app (known: {', '.join(sorted(self.app.tasks))})"
                )
                await self._fail(item, msg, None, error, retry_allowed=False)
                return
            if task_id in self._revoked:
                self._stats(name).revoked += 1
                self._ack_later(queue, token)
                log.info(
                    "task %s[%s] revoked; skipped",
                    name,
                    task_id,
                    extra={"event": "revoked", "task": name, "task_id": task_id},
                )
                return
            await self._run(item, msg, task, deliveries)
        except asyncio.CancelledError:
            # Forced shutdown: the delivery stays in _active; _shutdown returns it.
            cancelled = True
            raise
        finally:
            if not cancelled:
                self._release(token)

    async def _rate_wait(self, task: Task[Any, Any]) -> None:
        """Take a token of the task's rate limit, shared by every worker.

        The bucket holds one token (as Celery's rate limits): starts are
        spaced evenly, ``1 / rate`` seconds apart, with no burst.
        """
        assert task.rate_limit is not None
        key = _rate_key(task.name)
        while True:
            try:
                wait = await self.app.broker.rate_acquire(key, task.rate_limit, 1.0)
            except Exception as exc:  # noqa: BLE001 - a broker outage: wait, ask again
                log.error("rate limit of %s: %s", task.name, exc, extra={"event": "broker_error"})
                wait = 1.0
            if wait <= 0:
                return
            await asyncio.sleep(wait)

    async def _run(self, item: _InFlight, msg: dict[str, Any], task: Task[Any, Any], deliveries: int) -> None:
        task_id, name = msg["id"], task.name
        if task.rate_limit is not None:
            await self._rate_wait(task)
        started_ms = now_ms()
        latency = max(0.0, (started_ms - (msg.get("eta") or msg.get("enqueued") or started_ms)) / 1000)
        if task.track_started:
            self._result_later(task_id, self._record(State.STARTED, msg, started_ms), task.result_ttl)
        t0 = time.perf_counter()
        try:
            args, kwargs = task.decode_args(msg.get("args", []), msg.get("kwargs", {}))
        except Exception as exc:  # noqa: BLE001 - bad arguments never succeed: no retry
            await self._fail(item, msg, task, exc, retry_allowed=False)
            return
        if task_id in self._revoked:
            await self._revoked_while_running(item, name, task_id)
            return
        item.running = True
        try:
            try:
                if task.is_async:
                    coro = task.fn(*args, **kwargs)
                    value = await (asyncio.wait_for(coro, task.time_limit) if task.time_limit else coro)
                else:
                    assert self._pool is not None
                    loop = asyncio.get_running_loop()
                    fut = loop.run_in_executor(self._pool, item.call_in_thread, task.fn, args, kwargs)
                    value = await (asyncio.wait_for(fut, task.time_limit) if task.time_limit else fut)
            finally:
                # Before any handler below awaits: a revoke arriving while the
                # failure is recorded must not cancel that.
                item.running = False
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if item.stopped is TaskRevokedError and current is not None and current.uncancel() == 0:
                await self._revoked_while_running(item, name, task_id)
                return
            raise
        except TaskRevokedError:
            await self._revoked_while_running(item, name, task_id)
            return
        except TimeoutError:
            exc: BaseException = TimeoutError()
            if task.time_limit is not None and time.perf_counter() - t0 >= task.time_limit * 0.99:
                exc = TimeLimitExceeded(f"task {name}[{task_id}] exceeded its time limit of {task.time_limit} s")
                if not task.is_async:
                    item.interrupt(TimeLimitExceeded)
            await self._fail(item, msg, task, exc, retry_allowed=True)
            return
        except Retry as exc:
            await self._fail(item, msg, task, exc.exc or exc, retry_allowed=True, countdown=exc.countdown)
            return
        except Exception as exc:  # noqa: BLE001 - a failing task is data, not a worker crash
            await self._fail(item, msg, task, exc, retry_allowed=True)
            return
        runtime = time.perf_counter() - t0
        stats = self._stats(name)
        stats.succeeded += 1
        stats.add_run(runtime, latency)
        self.processed += 1
        log.debug(
            "task %s[%s] succeeded in %.4f s",
            name,
            task_id,
            runtime,
            extra={"event": "succeeded", "task": name, "task_id": task_id, "runtime": runtime},
        )
        await self._on_success(item, msg, task, value, started_ms, runtime)

    async def _revoked_while_running(self, item: _InFlight, name: str, task_id: str) -> None:
        """A revoked task was stopped: ack it; its REVOKED record stays."""
        self._stats(name).revoked += 1
        self._ack_later(item.queue, item.delivery[0])
        log.info(
            "task %s[%s] revoked while running; stopped",
            name,
            task_id,
            extra={"event": "revoked", "task": name, "task_id": task_id},
        )

    def _stop_revoked(self) -> None:
        """Interrupt running tasks that were revoked since they started."""
        for item in list(self._active.values()):
            if item.task_id in self._revoked and item.running and item.stopped is None:
                item.interrupt(TaskRevokedError)
                if item.job is not None:
                    item.job.cancel()

    def _record(self, state: State, msg: dict[str, Any], started: int, **more: Any) -> dict[str, Any]:
        record = {
            "state": state.value,
            "task": msg.get("task"),
            "attempt": msg.get("attempt", 0),
            "worker": self.name,
            "started": started,
        }
        record.update(more)
        return record

    async def _on_success(
        self, item: _InFlight, msg: dict[str, Any], task: Task[Any, Any], value: Any, started: int, runtime: float
    ) -> None:
        broker = self.app.broker
        task_id = msg["id"]
        chord = msg.get("chord")
        record = self._record(State.SUCCEEDED, msg, started, result=value, finished=now_ms(), runtime=runtime)
        link = msg.get("link")
        if link:
            # The next step of the chain is stored before this message is acked.
            nxt = Signature.from_dict(link[0], self.app)
            queue, env = nxt.envelope(prepend=[loads(dumps(value))], link=link[1:] or None)
            await broker.enqueue(queue, [env])
        if chord:
            await broker.kv_put_many([(result_key(task_id), dumps(record), task.result_ttl)])
            await self._chord_member_done(chord, task.result_ttl)
        elif not task.ignore_result:
            self._result_later(task_id, record, task.result_ttl)
        self._ack_later(item.queue, item.delivery[0])

    async def _chord_member_done(self, chord: dict[str, Any], ttl: float) -> None:
        broker = self.app.broker
        done = await broker.kv_incr(f"chord.{chord['id']}", 1, ttl)
        if done != chord["size"]:
            return
        raws = await broker.kv_get_many([result_key(m) for m in chord["members"]])
        records = [loads(r) if r is not None else None for r in raws]
        callback = Signature.from_dict(chord["callback"], self.app)
        failed = [
            (m, r) for m, r in zip(chord["members"], records, strict=True) if not r or r["state"] != State.SUCCEEDED
        ]
        if failed:
            member, record = failed[0]
            error = (record or {}).get("error") or {"type": "ChordError", "message": "result missing"}
            rec = {
                "state": State.FAILED.value,
                "task": callback.task,
                "attempt": 0,
                "error": {
                    "type": "ChordError",
                    "message": f"chord member {member} failed: {error.get('type')}: {error.get('message')}",
                    "traceback": error.get("traceback", ""),
                },
                "finished": now_ms(),
            }
            await broker.kv_put_many([(result_key(callback.id), dumps(rec), ttl)])
            return
        results = [r["result"] for r in records if r is not None]
        queue, env = callback.envelope(prepend=[results])
        await broker.enqueue(queue, [env])

    async def _fail(
        self,
        item: _InFlight,
        msg: dict[str, Any],
        task: Task[Any, Any] | None,
        exc: BaseException,
        *,
        retry_allowed: bool,
        countdown: float | None = None,
    ) -> None:
        broker = self.app.broker
        task_id, name = msg.get("id", "?"), msg.get("task", "?")
        attempt = int(msg.get("attempt", 0))
        error = {
            "type": f"{type(exc).__module__}.{type(exc).__qualname__}".removeprefix("builtins."),
            "message": str(exc),
            "traceback": "".join(traceback.format_exception(exc)),
        }
        stats = self._stats(name)
        if task is not None and retry_allowed and attempt < task.retries:
            delay = countdown if countdown is not None else self._backoff(task, attempt)
            nxt = dict(msg)
            nxt["attempt"] = attempt + 1
            nxt["eta"] = now_ms() + int(delay * 1000)
            env = (envelope_id(task_id, attempt + 1), dumps(nxt), item.delivery[3], nxt["eta"])
            await broker.enqueue(item.queue, [env])
            self._result_later(
                task_id, self._record(State.RETRYING, msg, now_ms(), error=error, retry_in=delay), task.result_ttl
            )
            self._ack_later(item.queue, item.delivery[0])
            stats.retried += 1
            log.info(
                "task %s[%s] failed (%s: %s); retry %d/%d in %.2f s",
                name,
                task_id,
                error["type"],
                error["message"],
                attempt + 1,
                task.retries,
                delay,
                extra={"event": "retry", "task": name, "task_id": task_id, "attempt": attempt + 1},
            )
            return
        stats.failed += 1
        self.processed += 1
        ttl = task.result_ttl if task is not None else self.app.result_ttl
        record = self._record(State.FAILED, msg, now_ms(), error=error, finished=now_ms())
        # Dead-letter first: once `get()` sees the failure, the dead letter is there too.
        await self._dead(item, f"{error['type']}: {error['message']}\n{error['traceback']}", name, task_id)
        await broker.kv_put_many([(result_key(task_id), dumps(record), ttl)])
        chord = msg.get("chord")
        if chord:
            await self._chord_member_done(chord, ttl)
        log.error(
            "task %s[%s] failed after %d attempt(s): %s: %s",
            name,
            task_id,
            attempt + 1,
            error["type"],
            error["message"],
            extra={"event": "failed", "task": name, "task_id": task_id, "attempt": attempt},
        )

    async def _dead(self, item: _InFlight, error: str, name: str | None, task_id: str | None) -> None:
        await self.app.broker.dead_letter(item.queue, item.delivery, error)
        self._stats(name or "?").dead += 1
        log.warning(
            "task %s[%s] moved to the dead-letter queue of %s",
            name,
            task_id,
            item.queue,
            extra={"event": "dead_letter", "task": name, "task_id": task_id, "queue": item.queue},
        )

    @staticmethod
    def _backoff(task: Task[Any, Any], attempt: int) -> float:
        delay = min(task.retry_backoff * (2**attempt), task.retry_backoff_max)
        return random.uniform(0, delay) if task.retry_jitter else delay

    # --- heartbeats, revocations --------------------------------------------------------
    async def _heartbeat_loop(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat)
            try:
                await self._touch_running()
                await self._write_heartbeat()
            except Exception as exc:  # noqa: BLE001
                log.error("heartbeat failed: %s", exc, extra={"event": "broker_error"})

    async def _touch_running(self) -> None:
        """Extend the ack wait of tasks running longer than a third of it."""
        now = time.monotonic()
        due: dict[str, list[str]] = {}
        for token, item in list(self._active.items()):
            if now - item.touched >= self.app.ack_wait / 3:
                item.touched = now
                due.setdefault(item.queue, []).append(token)
        for queue, tokens in due.items():
            await self.app.broker.touch(queue, self.name, tokens)

    def snapshot(self) -> dict[str, Any]:
        return {
            "worker": self.name,
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "queues": self.queues,
            "concurrency": self.concurrency,
            "active": len(self._active),
            "processed": self.processed,
            "started": self._started_at,
            "beat": now_ms(),
            "tasks": {name: vars(s) for name, s in self.stats.items()},
        }

    async def _write_heartbeat(self, *, final: bool = False) -> None:
        snap = self.snapshot()
        items: list[tuple[str, bytes, float | None]] = [(f"stats.{self.name}", dumps(snap), STATS_TTL)]
        if not final:
            items.append((f"workers.{self.name}", dumps(snap), self.heartbeat * 5))
        await self.app.broker.kv_put_many(items)
        if final:
            await self.app.broker.kv_delete(f"workers.{self.name}")

    async def _refresh_revoked(self) -> None:
        broker = self.app.broker
        (version,) = await broker.kv_get_many(["revoked-version"])
        if version != self._revoked_version:
            self._revoked_version = version
            self._revoked = {k.removeprefix("revoked.") for k, _ in await broker.kv_scan("revoked.")}
            self._stop_revoked()

    async def _revoked_loop(self) -> None:
        while True:
            await asyncio.sleep(0.25)
            try:
                await self._refresh_revoked()
            except Exception as exc:  # noqa: BLE001
                log.error("reading revocations failed: %s", exc, extra={"event": "broker_error"})
