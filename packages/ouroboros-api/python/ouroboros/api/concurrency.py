"""Running blocking code from async code (``fastapi.concurrency``).

Calls run on a pool of worker threads sized like AnyIO's default (40, or
``OUROBOROS_API_THREAD_POOL_SIZE``), separate from the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import weakref
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import AsyncExitStack as AsyncExitStack
from contextlib import asynccontextmanager as asynccontextmanager
from typing import Any, NamedTuple, TypeVar

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
    tasks = [asyncio.ensure_future(func(**kwargs)) for func, kwargs in calls]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()


class DependencyConcurrency:
    """The accounting of one ``Depends(max_concurrency=N)`` declaration: a
    semaphore per event loop, shared by every route that uses the
    declaration. Under asyncio it is asyncio's own (the built-in server runs
    a handler's first step outside a Task, where AnyIO cannot tell the
    library); under trio, AnyIO's."""

    def __init__(self, max_concurrency: int) -> None:
        self.max_concurrency = max_concurrency
        self._semaphores: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()

    def get_semaphore(self) -> Any:
        """The running event loop's semaphore (made on first use): ``async
        with`` it; ``value`` is the free capacity and ``statistics()`` counts
        the waiting tasks, as on AnyIO's."""
        try:
            loop: Any = asyncio.get_running_loop()
        except RuntimeError:
            import anyio
            import anyio.lowlevel

            loop = anyio.lowlevel.current_token().native_token
            make: Callable[[int], Any] = anyio.Semaphore
        else:
            make = _LoopSemaphore
        semaphore = self._semaphores.get(loop)
        if semaphore is None:
            semaphore = self._semaphores[loop] = make(self.max_concurrency)
        return semaphore


class _Waiting(NamedTuple):
    tasks_waiting: int


class _LoopSemaphore(asyncio.Semaphore):
    """asyncio's semaphore with AnyIO's ``value`` and ``statistics()``."""

    @property
    def value(self) -> int:
        return self._value

    def statistics(self) -> _Waiting:
        waiters = self._waiters or ()
        return _Waiting(sum(1 for w in waiters if not w.done()))
