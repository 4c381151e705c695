"""``await conn.prepare(query)``: asyncpg's PreparedStatement.

Statements are prepared once per connection and cached either way; a
prepared statement object adds the description of its parameters and result
columns, and calls without repeating the SQL text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple


class Type(NamedTuple):
    """A PostgreSQL type: ``Type(oid=23, name='int4', kind='scalar', schema='pg_catalog')``."""

    oid: int
    name: str
    kind: str
    schema: str


class Attribute(NamedTuple):
    """A result column: its name and type."""

    name: str
    type: Type


class PreparedStatement:
    """A statement prepared on one connection."""

    __slots__ = ("_columns", "_conn", "_params", "_query")

    def __init__(self, conn: Any, query: str, described: tuple[list[tuple], list[tuple]]) -> None:
        params, columns = described
        self._conn = conn
        self._query = query
        self._params = tuple(Type(*p) for p in params)
        self._columns = tuple(Attribute(name, Type(*t)) for name, t in columns)

    def __repr__(self) -> str:
        return f"<PreparedStatement {self._query!r}>"

    def get_query(self) -> str:
        return self._query

    def get_parameters(self) -> tuple[Type, ...]:
        """The types of ``$1``, ``$2``, ... as the server inferred them."""
        return self._params

    def get_attributes(self) -> tuple[Attribute, ...]:
        """The result columns (empty for a command that returns no rows)."""
        return self._columns

    async def fetch(self, *args: Any, timeout: float | None = None) -> list[Any]:
        return await self._conn.fetch(self._query, *args, timeout=timeout)

    async def fetchrow(self, *args: Any, timeout: float | None = None) -> Any:
        return await self._conn.fetchrow(self._query, *args, timeout=timeout)

    async def fetchval(self, *args: Any, column: int = 0, timeout: float | None = None) -> Any:
        return await self._conn.fetchval(self._query, *args, column=column, timeout=timeout)

    async def executemany(self, args: Iterable[Sequence[Any]], *, timeout: float | None = None) -> None:
        await self._conn.executemany(self._query, args, timeout=timeout)

    def cursor(self, *args: Any, prefetch: int | None = None, timeout: float | None = None) -> Any:
        return self._conn.cursor(self._query, *args, prefetch=prefetch, timeout=timeout)


async def prepare(conn: Any, query: str, timeout: float | None = None) -> PreparedStatement:
    return PreparedStatement(conn, query, await conn._describe(query, timeout))
