"""Work that runs after the response is sent."""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Callable
from typing import Any

__all__ = ["BackgroundTasks"]

logger = logging.getLogger("ouroboros.api")


class BackgroundTasks:
    """Declare ``background: BackgroundTasks`` and ``add_task`` to it."""

    def __init__(self) -> None:
        self.tasks: list[tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]] = []

    def add_task(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Run ``func(*args, **kwargs)`` after the response (async or sync; sync
        functions run in the default thread pool)."""
        self.tasks.append((func, args, kwargs))

    async def run(self) -> None:
        """Run every task in order; a failing task is logged, later ones still run."""
        loop = asyncio.get_running_loop()
        for func, args, kwargs in self.tasks:
            try:
                if inspect.iscoroutinefunction(func):
                    await func(*args, **kwargs)
                else:
                    await loop.run_in_executor(None, lambda f=func, a=args, k=kwargs: f(*a, **k))
            except Exception:
                logger.exception("background task %r failed", func)
