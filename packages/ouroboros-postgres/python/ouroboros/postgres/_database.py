"""Where Table operations run: the pool given to ``init()``, or the connection
bound by ``transaction()`` / ``using()`` in the current task.

Binding is per asyncio task (a ``ContextVar``), so concurrent requests each
see their own transaction.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterable, Iterator
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from ouroboros.postgres._errors import InterfaceError
from ouroboros.postgres._pool import Pool, create_pool
from ouroboros.postgres._postgres import Connection

if TYPE_CHECKING:
    from ouroboros.postgres._table import Table

__all__ = ["close", "get_pool", "init", "transaction", "using"]

_pool: Pool | None = None
_owned = False
_bound: ContextVar[Connection | None] = ContextVar("ouroboros_postgres_connection", default=None)


async def init(
    dsn: str | None = None,
    *,
    pool: Pool | None = None,
    min_size: int = 1,
    max_size: int = 10,
    create_tables: Iterable[type[Table]] = (),
    **pool_options: Any,
) -> Pool:
    """Make Table operations use ``pool`` (or a pool opened on ``dsn``).

    ``create_tables`` runs ``create_table()`` for each model given (tables that
    exist are left as they are). Returns the pool.
    """
    global _pool, _owned
    if (dsn is None) == (pool is None):
        raise InterfaceError("init() takes a dsn or a pool (exactly one of them)")
    if pool is None:
        opened = await create_pool(dsn, min_size=min_size, max_size=max_size, **pool_options)  # type: ignore[arg-type]
        new, owned = opened, True
    else:
        new, owned = await pool, False
    await close()
    _pool, _owned = new, owned
    for model in create_tables:
        await model.create_table()
    return new


async def close() -> None:
    """Forget the pool given to ``init()`` (closing it when ``init`` opened it)."""
    global _pool, _owned
    pool, owned = _pool, _owned
    _pool, _owned = None, False
    if pool is not None and owned:
        await pool.close()


def get_pool() -> Pool:
    """The pool given to ``init()``."""
    if _pool is None:
        raise InterfaceError("ouroboros.postgres is not initialised: `await ouroboros.postgres.init(dsn)` first")
    return _pool


def executor() -> Connection | Pool:
    """The connection bound in this task, else the pool."""
    conn = _bound.get()
    if conn is not None:
        return conn
    return get_pool()


@contextlib.asynccontextmanager
async def transaction(
    *, isolation: str | None = None, readonly: bool = False, deferrable: bool = False
) -> AsyncIterator[Connection]:
    """``async with transaction() as conn:`` every Table call inside runs in
    one transaction on one connection; an exception rolls it all back.

    Nested blocks become savepoints on the same connection.
    """
    current = _bound.get()
    if current is not None:
        async with current.transaction(isolation=isolation, readonly=readonly, deferrable=deferrable):
            yield current
        return
    async with get_pool().acquire() as conn:
        token = _bound.set(conn)
        try:
            async with conn.transaction(isolation=isolation, readonly=readonly, deferrable=deferrable):
                yield conn
        finally:
            _bound.reset(token)


@contextlib.contextmanager
def using(connection: Connection) -> Iterator[Connection]:
    """``with using(conn):`` Table calls inside run on ``connection``."""
    if not isinstance(connection, Connection):
        raise InterfaceError(f"using() takes a Connection, got {type(connection).__name__}")
    token = _bound.set(connection)
    try:
        yield connection
    finally:
        _bound.reset(token)
