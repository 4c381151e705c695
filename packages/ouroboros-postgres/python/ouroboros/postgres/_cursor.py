"""``conn.cursor(query, *args)``: a server-side cursor for results too large
to hold in memory at once. Rows arrive ``prefetch`` at a time (``FETCH n``);
memory stays bounded by that batch whatever the size of the result.

PostgreSQL keeps cursors inside a transaction block, so a cursor must be
opened inside ``async with conn.transaction():``.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from ouroboros.postgres._errors import InterfaceError

DEFAULT_PREFETCH = 50


def _name_slot(conn: Any) -> int:
    """The lowest cursor number free on this connection: names are reused so
    their ``FETCH n FROM name`` statements stay in the statement cache."""
    used = conn.__dict__.setdefault("_cursor_names", set())
    n = 0
    while n in used:
        n += 1
    used.add(n)
    return n


class Cursor:
    """An open cursor: ``fetch(n)``, ``fetchrow()``, ``forward(n)``."""

    def __init__(self, conn: Any, slot: int, timeout: float | None) -> None:
        self._conn = conn
        self._slot = slot
        self._name = f"ouroboros_cursor_{slot}"
        self._timeout = timeout
        self._closed = False

    def _check(self) -> None:
        if self._closed:
            raise InterfaceError("the cursor is closed")
        if not self._conn.is_in_transaction():
            self._closed = True
            self._release_name()
            raise InterfaceError("the cursor's transaction has ended")

    def _release_name(self) -> None:
        self._conn.__dict__.setdefault("_cursor_names", set()).discard(self._slot)

    async def fetch(self, n: int, *, timeout: float | None = None) -> list[Any]:
        """The next ``n`` rows (fewer at the end)."""
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise InterfaceError(f"n must be a positive int, got {n!r}")
        self._check()
        return await self._conn.fetch(f"FETCH {n} FROM {self._name}", timeout=timeout or self._timeout)

    async def fetchrow(self, *, timeout: float | None = None) -> Any:
        """The next row, or None at the end."""
        self._check()
        return await self._conn.fetchrow(f"FETCH 1 FROM {self._name}", timeout=timeout or self._timeout)

    async def forward(self, n: int, *, timeout: float | None = None) -> int:
        """Skip ``n`` rows; returns how many were skipped."""
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise InterfaceError(f"n must be a positive int, got {n!r}")
        self._check()
        status = await self._conn.execute(f"MOVE {n} FROM {self._name}", timeout=timeout or self._timeout)
        return int(status.rsplit(" ", 1)[-1])

    async def close(self) -> None:
        """Close the cursor on the server (the transaction's end closes it too)."""
        if self._closed:
            return
        self._closed = True
        self._release_name()
        if self._conn.is_in_transaction() and not self._conn.is_closed():
            await self._conn.execute(f"CLOSE {self._name}")


class CursorFactory:
    """What ``conn.cursor()`` returns: ``await`` it for a :class:`Cursor`, or
    iterate it with ``async for`` (rows fetched ``prefetch`` at a time)."""

    def __init__(self, conn: Any, query: str, args: tuple[Any, ...], prefetch: int | None, timeout: float | None):
        if prefetch is not None and prefetch < 1:
            raise InterfaceError(f"prefetch must be a positive int, got {prefetch!r}")
        self._conn = conn
        self._query = query
        self._args = args
        self._prefetch = prefetch or DEFAULT_PREFETCH
        self._timeout = timeout

    async def _open(self) -> Cursor:
        if not self._conn.is_in_transaction():
            raise InterfaceError("a cursor needs a transaction: open one with `async with conn.transaction():`")
        slot = _name_slot(self._conn)
        cursor = Cursor(self._conn, slot, self._timeout)
        try:
            sql = f"DECLARE {cursor._name} NO SCROLL CURSOR FOR {self._query}"
            await self._conn._execute_uncached(sql, self._args, self._timeout)
        except BaseException:
            cursor._release_name()
            raise
        return cursor

    def __await__(self) -> Any:
        return self._open().__await__()

    def __aiter__(self) -> CursorIterator:
        return CursorIterator(self)


class CursorIterator:
    """Async iteration over a cursor, ``prefetch`` rows per round trip."""

    def __init__(self, factory: CursorFactory) -> None:
        self._factory = factory
        self._cursor: Cursor | None = None
        self._buffer: deque[Any] = deque()
        self._exhausted = False

    def __aiter__(self) -> CursorIterator:
        return self

    async def __anext__(self) -> Any:
        if not self._buffer:
            if self._exhausted:
                raise StopAsyncIteration
            if self._cursor is None:
                self._cursor = await self._factory._open()
            rows = await self._cursor.fetch(self._factory._prefetch)
            if len(rows) < self._factory._prefetch:
                self._exhausted = True
                await self._cursor.close()
            if not rows:
                raise StopAsyncIteration
            self._buffer.extend(rows)
        return self._buffer.popleft()
