"""ouroboros.tasks: a task queue on an embedded broker, NATS JetStream or Redis Streams.

::

    from ouroboros.tasks import App

    tasks = App("redis://localhost:6379/0")

    @tasks.task(retries=3)
    async def add(x: int, y: int) -> int:
        return x + y

    add.delay(1, 2).get(timeout=5)   # 3, once `ob tasks worker app:tasks` runs

The broker engine (enqueue, fetch, acks, redelivery, dead letters, results)
is Rust (``ouroboros.tasks._tasks``); workers run the Python functions.
"""

from ouroboros.tasks._message import State
from ouroboros.tasks._tasks import Broker, Cron, __version__
from ouroboros.tasks.app import App, DeadLetter, PeriodicEntry, default_app, task
from ouroboros.tasks.canvas import Signature, chain, chord, group
from ouroboros.tasks.exceptions import (
    BrokerError,
    ResultTimeoutError,
    Retry,
    TaskFailed,
    TaskRevokedError,
    TasksError,
    TimeLimitExceeded,
    UnknownTaskError,
)
from ouroboros.tasks.result import AsyncResult, GroupResult
from ouroboros.tasks.scheduler import Scheduler
from ouroboros.tasks.task import Task
from ouroboros.tasks.worker import Worker

__all__ = [
    "App",
    "AsyncResult",
    "Broker",
    "BrokerError",
    "Cron",
    "DeadLetter",
    "GroupResult",
    "PeriodicEntry",
    "ResultTimeoutError",
    "Retry",
    "Scheduler",
    "Signature",
    "State",
    "Task",
    "TaskFailed",
    "TaskRevokedError",
    "TasksError",
    "TimeLimitExceeded",
    "UnknownTaskError",
    "Worker",
    "__version__",
    "chain",
    "chord",
    "default_app",
    "group",
    "task",
]
