"""The thread pool that sync handlers, sync dependencies and sync background
tasks run on.

asyncio's default executor has ``min(32, cpus + 4)`` threads: six on a
two-core machine, so the seventh blocking handler waits. Like AnyIO (which
FastAPI uses) the pool has 40 threads by default; ``App(thread_pool_size=)``
or the ``OUROBOROS_API_THREAD_POOL_SIZE`` environment variable changes it.
"""

from __future__ import annotations

import asyncio
import contextvars
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

__all__ = ["DEFAULT_THREAD_POOL_SIZE", "THREAD_POOL_ENV", "SyncPool"]

DEFAULT_THREAD_POOL_SIZE = 40
# Set for calls coming through ASGI: sync code runs on AnyIO's worker threads
# there, as under Starlette (so ``anyio.from_thread`` works inside it).
ANYIO_THREADS: contextvars.ContextVar[bool] = contextvars.ContextVar("ouroboros_api_anyio_threads", default=False)
THREAD_POOL_ENV = "OUROBOROS_API_THREAD_POOL_SIZE"

T = TypeVar("T")


def _size_from(size: int | None) -> int:
    from ouroboros.core import InvalidArgumentError

    if size is None:
        raw = os.environ.get(THREAD_POOL_ENV, "").strip()
        if not raw:
            return DEFAULT_THREAD_POOL_SIZE
        try:
            size = int(raw)
        except ValueError:
            raise InvalidArgumentError(f"{THREAD_POOL_ENV}={raw!r} is not an integer") from None
        source = THREAD_POOL_ENV
    else:
        source = "thread_pool_size"
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise InvalidArgumentError(f"{source} must be a positive integer, got {size!r}")
    return size


class SyncPool:
    """A lazily started ``ThreadPoolExecutor`` of ``size`` threads.

    The threads start on first use, so a pool built before ``fork()`` (the
    ``workers=`` option) is started in each worker, not inherited dead.
    """

    __slots__ = ("_executor", "_lock", "size")

    def __init__(self, size: int | None = None) -> None:
        self.size = _size_from(size)
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def executor(self) -> ThreadPoolExecutor:
        """The executor, started on first call."""
        if self._executor is None:
            with self._lock:
                if self._executor is None:
                    self._executor = ThreadPoolExecutor(max_workers=self.size, thread_name_prefix="ouroboros-api")
        return self._executor

    async def run(self, func: Callable[[], T]) -> T:
        """``await func()`` on a pool thread, in a copy of the caller's
        context (its ContextVars are seen there, as under AnyIO)."""
        return await asyncio.get_running_loop().run_in_executor(self.executor(), contextvars.copy_context().run, func)

    def shutdown(self) -> None:
        """Stop the threads (after the running calls finish); a later call starts new ones."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False)


def asyncio_running() -> bool:
    """Whether this code runs under asyncio (else another library drives an
    ASGI call: trio, through AnyIO or not)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


async def _foreign_thread(func: Callable[[], T]) -> T:
    """``func`` on a worker thread of the running non-asyncio library
    (AnyIO's when installed, so ``anyio.from_thread`` works inside)."""
    try:
        import anyio.to_thread
    except ImportError:
        import trio

        return await trio.to_thread.run_sync(func)
    return await anyio.to_thread.run_sync(func)


def run_sync(pool: SyncPool | None, func: Callable[[], Any]) -> Any:
    """The awaitable running ``func`` on ``pool`` (asyncio's default executor
    without one; the running library's threads when it is not asyncio or the
    call came through ASGI)."""
    if ANYIO_THREADS.get() or not asyncio_running():
        return _foreign_thread(func)
    if pool is not None:
        return pool.run(func)
    return asyncio.get_running_loop().run_in_executor(None, contextvars.copy_context().run, func)
