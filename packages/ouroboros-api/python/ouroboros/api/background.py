"""Work that runs after the response is sent."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ouroboros.api._threads import SyncPool

__all__ = ["BackgroundTask", "BackgroundTasks"]

logger = logging.getLogger("ouroboros.api")


class BackgroundTask:
    """One call made after the response is sent: ``Response(...,
    background=BackgroundTask(func, *args, **kwargs))`` (Starlette's class).

    An ``async def`` function is awaited on the event loop; a plain function
    runs on the app's thread pool.
    """

    def __init__(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        self.func = func
        self.args = args
        self.kwargs = kwargs
        self.is_async = inspect.iscoroutinefunction(func) or inspect.iscoroutinefunction(
            getattr(func, "__call__", None)  # noqa: B004 - an object whose __call__ is async
        )

    async def run(self, pool: SyncPool | None = None) -> None:
        """Make the call (sync functions on ``pool``, else asyncio's default executor)."""
        from ouroboros.api._threads import run_sync

        if self.is_async:
            await self.func(*self.args, **self.kwargs)
        else:
            await run_sync(pool, lambda: self.func(*self.args, **self.kwargs))

    async def __call__(self) -> None:
        await self.run()


class BackgroundTasks(BackgroundTask):
    """Declare ``background: BackgroundTasks`` and ``add_task`` to it, or pass
    one to a response's ``background=``."""

    def __init__(self, tasks: Sequence[BackgroundTask] | None = None) -> None:
        self.tasks: list[BackgroundTask] = list(tasks or ())

    def add_task(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Run ``func(*args, **kwargs)`` after the response (async or sync; sync
        functions run in the app's thread pool)."""
        self.tasks.append(BackgroundTask(func, *args, **kwargs))

    async def run(self, pool: SyncPool | None = None) -> None:
        """Run every task in order; a failing task is logged, later ones still run.

        Sync tasks run on ``pool`` (the app's thread pool), else on asyncio's
        default executor.
        """
        for task in self.tasks:
            try:
                await run_background(task, pool)
            except Exception:
                logger.exception("background task %r failed", getattr(task, "func", task))


async def run_background(task: Any, pool: SyncPool | None = None) -> None:
    """Run a response's ``background``: one of ours (on ``pool``) or any
    awaitable callable, such as Starlette's ``BackgroundTask``."""
    if isinstance(task, BackgroundTask):
        await task.run(pool)
    else:
        await task()
