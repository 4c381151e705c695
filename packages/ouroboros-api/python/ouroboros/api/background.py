"""Work that runs after the response is sent."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ouroboros.api._threads import SyncPool

__all__ = ["BackgroundTasks"]

logger = logging.getLogger("ouroboros.api")


class BackgroundTasks:
    """Declare ``background: BackgroundTasks`` and ``add_task`` to it."""

    def __init__(self) -> None:
        self.tasks: list[tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]] = []

    def add_task(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Run ``func(*args, **kwargs)`` after the response (async or sync; sync
        functions run in the app's thread pool)."""
        self.tasks.append((func, args, kwargs))

    async def run(self, pool: SyncPool | None = None) -> None:
        """Run every task in order; a failing task is logged, later ones still run.

        Sync tasks run on ``pool`` (the app's thread pool), else on asyncio's
        default executor.
        """
        from ouroboros.api._threads import run_sync

        for func, args, kwargs in self.tasks:
            try:
                if inspect.iscoroutinefunction(func):
                    await func(*args, **kwargs)
                else:
                    await run_sync(pool, lambda f=func, a=args, k=kwargs: f(*a, **k))
            except Exception:
                logger.exception("background task %r failed", func)
