"""Exceptions of ouroboros.tasks.

Every class derives from :class:`ouroboros.core.OuroborosError` and from the
builtin that fits, so ``except TimeoutError`` or ``except ConnectionError``
keeps working.
"""

from __future__ import annotations

from typing import Any

from ouroboros.core import OuroborosError


class TasksError(OuroborosError):
    """Base class of the errors of ouroboros.tasks."""


class BrokerError(TasksError, ConnectionError):
    """The broker could not be reached or refused an operation; the message
    names the broker, the operation and the queue."""


class UnknownTaskError(TasksError, KeyError):
    """A message names a task that this app does not define."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class ResultTimeoutError(TasksError, TimeoutError):
    """``AsyncResult.get(timeout=...)`` did not see a final state in time."""


class TimeLimitExceeded(TasksError, TimeoutError):
    """A task ran longer than its ``time_limit``."""


class TaskRevokedError(TasksError):
    """The task was revoked (raised by ``get()``, and inside a running sync task's thread)."""


class TaskFailed(TasksError):
    """A task raised; ``AsyncResult.get()`` re-raises its error as this class.

    ``exc_type`` is the qualified name of the original exception class,
    ``exc_message`` its message and ``traceback`` the worker's traceback.
    """

    def __init__(self, task_id: str, error: dict[str, Any]) -> None:
        self.task_id = task_id
        self.exc_type: str = error.get("type", "Exception")
        self.exc_message: str = error.get("message", "")
        self.traceback: str = error.get("traceback", "")
        super().__init__(f"task {task_id} failed: {self.exc_type}: {self.exc_message}")


class Retry(TasksError):
    """Raise inside a task to run it again after ``countdown`` seconds.

    Counts against the task's ``retries``; when none are left the task fails
    with the original ``exc`` (or this exception).
    """

    def __init__(self, countdown: float | None = None, exc: BaseException | None = None) -> None:
        self.countdown = countdown
        self.exc = exc
        super().__init__(f"retry requested (countdown={countdown})")


__all__ = [
    "BrokerError",
    "ResultTimeoutError",
    "Retry",
    "TaskFailed",
    "TaskRevokedError",
    "TasksError",
    "TimeLimitExceeded",
    "UnknownTaskError",
]
