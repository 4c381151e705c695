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

from ouroboros.api._threads import SyncPool, run_sync

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


def _in_anyio_task() -> bool:
    """Whether AnyIO can run here: inside an asyncio Task, or under another
    library (trio). The built-in server runs a handler's first step outside
    a Task; calls made there use the module's own pool."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return True
    return asyncio.current_task(loop) is not None


async def run_in_threadpool(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``await run_in_threadpool(f, x)``: ``f(x)`` on a worker thread (AnyIO's,
    as under Starlette, so ``anyio.from_thread`` works inside)."""
    call = functools.partial(func, *args, **kwargs)
    if _in_anyio_task():
        import anyio.to_thread

        return await anyio.to_thread.run_sync(call)
    return await _POOL.run(call)


async def iterate_in_threadpool(iterator: Iterable[T]) -> AsyncIterator[T]:
    """Iterate a blocking iterator, each ``next()`` on a worker thread."""
    it = iter(iterator)
    while True:
        item = await run_in_threadpool(next, it, _DONE)
        if item is _DONE:
            return
        yield item  # type: ignore[misc]


class ThreadedContext:
    """A blocking context manager entered and exited on worker threads.

    With ``use_anyio`` (AnyIO can run: under ASGI, trio, or any Task), entry
    waits for AnyIO's thread capacity and can be cancelled while it waits;
    exit runs shielded from cancellation on a thread of its own limiter, so
    a cancelled caller still closes what it opened and a full pool cannot
    hold the exit back. Otherwise both run on ``pool``.
    """

    __slots__ = ("cm", "pool", "use_anyio")

    def __init__(self, cm: contextlib.AbstractContextManager[T], pool: SyncPool | None, use_anyio: bool) -> None:
        self.cm, self.pool, self.use_anyio = cm, pool, use_anyio

    async def __aenter__(self) -> Any:
        if self.use_anyio:
            import anyio.to_thread

            return await anyio.to_thread.run_sync(self.cm.__enter__)
        return await run_sync(self.pool, self.cm.__enter__)

    async def __aexit__(self, kind: Any, exc: Any, tb: Any) -> bool:
        leave = functools.partial(self.cm.__exit__, kind, exc, tb)
        if not self.use_anyio:
            return bool(await run_sync(self.pool, leave))
        import anyio
        import anyio.to_thread

        with anyio.CancelScope(shield=True):
            return bool(await anyio.to_thread.run_sync(leave, limiter=anyio.CapacityLimiter(1)))


def contextmanager_in_threadpool(cm: contextlib.AbstractContextManager[T]) -> ThreadedContext:
    """Enter and exit a blocking context manager on worker threads (``async with``)."""
    return ThreadedContext(cm, _POOL, _in_anyio_task())


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
