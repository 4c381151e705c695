"""Running blocking code from async code (``fastapi.concurrency``).

Calls run on a pool of worker threads sized like AnyIO's default (40, or
``OUROBOROS_API_THREAD_POOL_SIZE``), separate from the event loop.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import AsyncExitStack as AsyncExitStack
from contextlib import asynccontextmanager as asynccontextmanager
from typing import Any, TypeVar

from ouroboros.api._threads import SyncPool

__all__ = [
    "AsyncExitStack",
    "asynccontextmanager",
    "contextmanager_in_threadpool",
    "iterate_in_threadpool",
    "run_in_threadpool",
    "run_until_first_complete",
]

T = TypeVar("T")
_POOL = SyncPool()
_DONE = object()


async def run_in_threadpool(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``await run_in_threadpool(f, x)``: ``f(x)`` on a worker thread."""
    return await _POOL.run(functools.partial(func, *args, **kwargs))


async def iterate_in_threadpool(iterator: Iterable[T]) -> AsyncIterator[T]:
    """Iterate a blocking iterator, each ``next()`` on a worker thread."""
    it = iter(iterator)
    while True:
        item = await _POOL.run(functools.partial(next, it, _DONE))
        if item is _DONE:
            return
        yield item  # type: ignore[misc]


@asynccontextmanager
async def contextmanager_in_threadpool(cm: contextlib.AbstractContextManager[T]) -> AsyncIterator[T]:
    """Enter and exit a blocking context manager on worker threads."""
    value = await _POOL.run(cm.__enter__)
    try:
        yield value
    except BaseException as exc:
        if not await _POOL.run(functools.partial(cm.__exit__, type(exc), exc, exc.__traceback__)):
            raise
    else:
        await _POOL.run(functools.partial(cm.__exit__, None, None, None))


async def run_until_first_complete(*calls: tuple[Callable[..., Any], dict[str, Any]]) -> None:
    """Run coroutine functions concurrently; when one returns, cancel the rest."""
    import asyncio

    tasks = [asyncio.ensure_future(func(**kwargs)) for func, kwargs in calls]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
