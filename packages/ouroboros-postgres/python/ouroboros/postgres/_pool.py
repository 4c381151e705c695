"""``create_pool()`` and ``Pool``: the awaitable / async-context parts of
asyncpg's pool on top of the native pool."""

from __future__ import annotations

from typing import Any

from ouroboros.postgres._postgres import Connection
from ouroboros.postgres._postgres import Pool as _NativePool


class PoolAcquireContext:
    """``await pool.acquire()`` or ``async with pool.acquire() as conn``."""

    __slots__ = ("_conn", "_pool", "_timeout")

    def __init__(self, pool: Pool, timeout: float | None) -> None:
        self._pool = pool
        self._timeout = timeout
        self._conn: Connection | None = None

    def __await__(self) -> Any:
        return self._pool._acquire(timeout=self._timeout).__await__()

    async def __aenter__(self) -> Connection:
        self._conn = await self._pool._acquire(timeout=self._timeout)
        return self._conn

    async def __aexit__(self, *exc: Any) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            self._pool._release(conn)


class Pool(_NativePool):
    """A pool of connections (see :func:`create_pool`)."""

    def acquire(self, *, timeout: float | None = None) -> PoolAcquireContext:
        """A connection for the caller alone; give it back with ``release`` (or use ``async with``)."""
        return PoolAcquireContext(self, timeout)

    async def release(self, connection: Connection, *, timeout: float | None = None) -> None:
        """Give a connection back; one left inside a transaction is closed instead of reused."""
        self._release(connection)

    def __await__(self) -> Any:
        return self._open().__await__()

    async def __aenter__(self) -> Pool:
        await self._open()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()


def create_pool(
    dsn: str,
    *,
    min_size: int = 10,
    max_size: int = 10,
    statement_cache_size: int = 100,
    command_timeout: float | None = None,
    timeout: float = 60.0,
    acquire_timeout: float | None = None,
) -> Pool:
    """A pool for ``dsn``: ``pool = await create_pool(dsn)`` or ``async with create_pool(dsn) as pool``.

    ``min_size`` connections are opened when the pool is awaited; up to
    ``max_size`` exist at once. ``acquire_timeout`` bounds the wait for a free
    connection (:class:`PoolTimeoutError`).
    """
    return Pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        statement_cache_size=statement_cache_size,
        command_timeout=command_timeout,
        timeout=timeout,
        acquire_timeout=acquire_timeout,
    )


async def connect(
    dsn: str, *, statement_cache_size: int = 100, command_timeout: float | None = None, timeout: float = 60.0
) -> Connection:
    """Open one connection: ``conn = await connect("postgresql://user@host/db")``.

    ``statement_cache_size`` prepared statements are kept per connection;
    ``command_timeout`` (seconds) bounds every call that has no ``timeout=``
    of its own; ``timeout`` bounds connecting.
    """
    from ouroboros.postgres._postgres import _connect

    return await _connect(
        dsn, statement_cache_size=statement_cache_size, command_timeout=command_timeout, timeout=timeout
    )
