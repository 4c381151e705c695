"""App: the broker connection, the task registry and the periodic schedule."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, overload

from ouroboros.core import InvalidArgumentError
from ouroboros.tasks._message import State, dumps, loads, now_ms, result_key
from ouroboros.tasks._tasks import Broker, Cron
from ouroboros.tasks.result import AsyncResult
from ouroboros.tasks.task import Task

F = TypeVar("F", bound=Callable[..., Any])

#: Used when no broker URL is given and OUROBOROS_TASKS_BROKER is unset.
DEFAULT_BROKER = "local://.ouroboros/tasks.redb"


@dataclass(frozen=True)
class DeadLetter:
    """A message that failed for good, with the error that ended it."""

    id: str
    task: str
    args: list[Any]
    kwargs: dict[str, Any]
    error: str
    at_ms: int


@dataclass
class PeriodicEntry:
    """One schedule: a task run on a cron expression or every N seconds."""

    name: str
    task: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    cron: Cron | None
    every: float | None

    def next_after(self, after_ms: int) -> int:
        if self.cron is not None:
            return int(self.cron.next_after(after_ms))
        assert self.every is not None
        return after_ms + int(self.every * 1000)


class App:
    """A task app: ``tasks = App("redis://localhost:6379/0")``.

    Args:
        broker: ``local://<file>`` (the default, an embedded on-disk queue),
            ``redis://…`` (Redis Streams) or ``nats://…`` (NATS JetStream).
            Defaults to ``$OUROBOROS_TASKS_BROKER``, then ``local://.ouroboros/tasks.redb``.
        prefix: namespace of every stream and key (one per app).
        default_queue: queue of tasks that name none.
        result_ttl: seconds results are kept (per task: ``result_ttl=``).
        ack_wait: seconds a delivery may stay unacknowledged before another
            worker gets it (workers extend it while a task runs).
        max_deliveries: deliveries without an ack (worker crashes, lost
            connections) before a message goes to the dead-letter queue.
    """

    def __init__(
        self,
        broker: str | None = None,
        *,
        prefix: str = "ob",
        default_queue: str = "default",
        result_ttl: float = 86_400.0,
        ack_wait: float = 30.0,
        max_deliveries: int = 5,
        dead_letter_limit: int = 10_000,
    ) -> None:
        self.url = broker or os.environ.get("OUROBOROS_TASKS_BROKER") or DEFAULT_BROKER
        self.prefix = prefix
        self.default_queue = default_queue
        if result_ttl <= 0:
            raise InvalidArgumentError(f"invalid argument `result_ttl`: {result_ttl!r} must be above zero")
        self.result_ttl = float(result_ttl)
        self.ack_wait = float(ack_wait)
        self.max_deliveries = int(max_deliveries)
        self.dead_letter_limit = int(dead_letter_limit)
        self.tasks: dict[str, Task[Any, Any]] = {}
        self.periodic_entries: dict[str, PeriodicEntry] = {}
        self._broker: Broker | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<App {self.url} prefix={self.prefix!r} tasks={len(self.tasks)}>"

    @property
    def broker(self) -> Broker:
        """The native broker connection, opened on first use."""
        if self._broker is None:
            with self._lock:
                if self._broker is None:
                    self._broker = Broker(
                        self.url,
                        prefix=self.prefix,
                        ack_wait=self.ack_wait,
                        max_deliveries=self.max_deliveries,
                        dead_letter_limit=self.dead_letter_limit,
                    )
        return self._broker

    # --- registering tasks ----------------------------------------------------------
    @overload
    def task(self, fn: F, /) -> Task[Any, Any]: ...
    @overload
    def task(self, fn: None = None, /, **options: Any) -> Callable[[F], Task[Any, Any]]: ...

    def task(self, fn: Any = None, /, **options: Any) -> Any:
        """Register a function (sync or async) as a task.

        Options: ``name``, ``queue``, ``retries``, ``retry_backoff`` (seconds,
        doubled per attempt, capped by ``retry_backoff_max``),
        ``retry_jitter`` (random 0..backoff), ``time_limit`` (seconds),
        ``rate_limit`` (``"10/s"``, per worker), ``priority`` (0-9),
        ``ignore_result``, ``result_ttl``, ``track_started``, ``validate``.
        """

        def register(f: F) -> Task[Any, Any]:
            task: Task[Any, Any] = Task(self, f, **options)
            existing = self.tasks.get(task.name)
            if existing is not None and existing.fn is not f:
                raise InvalidArgumentError(f"invalid argument `name`: a task named {task.name!r} is already registered")
            self.tasks[task.name] = task
            return task

        return register(fn) if fn is not None else register

    def get_task(self, name: str) -> Task[Any, Any] | None:
        return self.tasks.get(name)

    def periodic(
        self,
        *,
        cron: str | None = None,
        every: float | None = None,
        name: str | None = None,
        args: tuple[Any, ...] = (),
        kwargs: dict[str, Any] | None = None,
        **task_options: Any,
    ) -> Callable[[F], Task[Any, Any]]:
        """Register a task and run it on a schedule: ``@app.periodic(cron="*/5 * * * *")``
        or ``@app.periodic(every=30)``. One scheduler runs it (``ob tasks scheduler``
        or ``ob tasks worker --scheduler``), however many are started."""

        def register(f: F) -> Task[Any, Any]:
            task = self.task(**task_options)(f)
            self.add_periodic(task, cron=cron, every=every, name=name, args=args, kwargs=kwargs)
            return task

        return register

    def add_periodic(
        self,
        task: Task[Any, Any] | str,
        *,
        cron: str | None = None,
        every: float | None = None,
        name: str | None = None,
        args: tuple[Any, ...] = (),
        kwargs: dict[str, Any] | None = None,
    ) -> PeriodicEntry:
        """Schedule an existing task (by object or name)."""
        if (cron is None) == (every is None):
            raise InvalidArgumentError("invalid argument `cron`: give exactly one of cron= or every=")
        if every is not None and every <= 0:
            raise InvalidArgumentError(f"invalid argument `every`: {every!r} must be above zero seconds")
        task_name = task if isinstance(task, str) else task.name
        entry = PeriodicEntry(
            name or task_name,
            task_name,
            tuple(args),
            dict(kwargs or {}),
            Cron(cron) if cron is not None else None,
            float(every) if every is not None else None,
        )
        self.periodic_entries[entry.name] = entry
        return entry

    # --- using results and queues ---------------------------------------------------
    def AsyncResult(self, task_id: str) -> AsyncResult:
        """A handle on a task run by id."""
        return AsyncResult(task_id, self)

    def send_task(
        self,
        name: str,
        args: tuple[Any, ...] = (),
        kwargs: dict[str, Any] | None = None,
        **options: Any,
    ) -> AsyncResult:
        """Enqueue a task by name, for producers that do not import its code."""
        from ouroboros.tasks.canvas import Signature

        return Signature(name, args, kwargs, app=self, options=options).apply_async()

    def revoke(self, task_id: str) -> None:
        """Mark a task so no worker runs it, and stop it where it already runs.

        Workers see revocations within a quarter second: a waiting message is
        skipped, a running async task is cancelled, a running sync task gets
        :class:`TaskRevokedError` raised in its thread (see docs/tasks.md).
        """
        record = {"state": State.REVOKED.value, "task": None, "finished": now_ms()}
        self.broker.kv_put_many(
            [
                (f"revoked.{task_id}", b"1", self.result_ttl),
                (result_key(task_id), dumps(record), self.result_ttl),
            ],
            wait=True,
        )
        self.broker.kv_incr("revoked-version", 1, None, wait=True)

    def dead_letters(self, queue: str | None = None, limit: int = 100) -> list[DeadLetter]:
        """The newest ``limit`` dead letters of a queue, oldest first."""
        out = []
        for msg_id, body, error, at in self.broker.dead_letters(queue or self.default_queue, limit, wait=True):
            try:
                msg = loads(body)
            except ValueError:
                msg = {"id": msg_id, "task": "?", "args": [], "kwargs": {}}
            out.append(
                DeadLetter(
                    msg.get("id", msg_id), msg.get("task", "?"), msg.get("args", []), msg.get("kwargs", {}), error, at
                )
            )
        return out

    def counts(self, queue: str | None = None) -> dict[str, int]:
        """Ready, in-flight, delayed and dead messages of a queue."""
        return dict(self.broker.counts(queue or self.default_queue, wait=True))

    def purge(self, queue: str | None = None) -> None:
        """Drop every message of a queue."""
        self.broker.purge(queue or self.default_queue, wait=True)

    def queues(self) -> list[str]:
        """Every queue that a registered task uses."""
        return sorted({t.queue for t in self.tasks.values()} | {self.default_queue})


_default_app: App | None = None


def default_app() -> App:
    """The app behind the module-level :func:`task` decorator."""
    global _default_app
    if _default_app is None:
        _default_app = App()
    return _default_app


def task(fn: Any = None, /, **options: Any) -> Any:
    """``@task`` on the default app (broker from ``$OUROBOROS_TASKS_BROKER``)."""
    return default_app().task(fn, **options)
