"""The query builder: ``User.find(User.age >= 18).order_by("-age").limit(10)``.

A :class:`Query` is immutable (each method returns a new one) and runs when
awaited through one of its terminal methods (``to_list``, ``first``,
``count``, ``aggregate``, ``update``, ``delete``...). It writes SQL from
declared identifiers only, quoted; values are bound as ``$n`` parameters.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Generator
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ouroboros.core import InvalidArgumentError
from ouroboros.postgres import _database
from ouroboros.postgres._expressions import (
    Aggregate,
    Avg,
    Column,
    Condition,
    Max,
    Min,
    OrderBy,
    Params,
    SqlExpr,
    Sum,
    all_of,
    quote_ident,
    render,
)

if TYPE_CHECKING:
    from ouroboros.postgres._postgres import Record
    from ouroboros.postgres._table import Alias, Table

__all__ = ["Query"]

T = TypeVar("T", bound="Table")

_JOIN_KINDS = {"inner": "INNER JOIN", "left": "LEFT JOIN"}


def _count_of(status: str) -> int:
    """Rows affected, from a command status such as ``"UPDATE 3"``."""
    try:
        return int(status.rsplit(" ", 1)[1])
    except (IndexError, ValueError):
        return 0


class _Join:
    __slots__ = ("kind", "model", "on")

    def __init__(self, model: type[Table], on: Condition, kind: str) -> None:
        self.model, self.on, self.kind = model, on, kind


class Query(Generic[T]):
    """Rows of a table (and its joined tables) matching conditions."""

    __slots__ = ("_group", "_having", "_joins", "_limit", "_model", "_offset", "_order", "_where")

    def __init__(self, model: type[T], where: list[Condition]) -> None:
        self._model = model
        self._where = where
        self._joins: list[_Join] = []
        self._order: list[OrderBy] = []
        self._group: list[SqlExpr] = []
        self._having: list[Condition] = []
        self._limit: int | None = None
        self._offset: int | None = None

    def _copy(self) -> Query[T]:
        q = Query.__new__(Query)
        q._model, q._where, q._joins = self._model, list(self._where), list(self._joins)
        q._order, q._group, q._having = list(self._order), list(self._group), list(self._having)
        q._limit, q._offset = self._limit, self._offset
        return q

    # ------------------------------------------------------------ building
    def _models(self) -> list[type[Table]]:
        return [self._model, *(j.model for j in self._joins)]

    def where(self, *conditions: Condition, **equals: Any) -> Query[T]:
        """More conditions (all must hold); ``name=value`` means ``Model.name == value``."""
        q = self._copy()
        q._where.extend(self._model._ob_conditions(conditions, equals))
        return q

    filter = where

    def _column(self, name: str) -> SqlExpr:
        """A declared column named by a string: ``"age"`` or ``"users.age"``."""
        if not isinstance(name, str):
            raise InvalidArgumentError(f"expected a column name or a column such as User.age, got {name!r}")
        table, _, field = name.rpartition(".")
        for model in self._models():
            if table in ("", model.get_table_name(), model.__name__) and field in model._ob_columns():
                return Column(model, field)
        known = ", ".join(f"{m.__name__}.{c}" for m in self._models() for c in m._ob_columns())
        raise InvalidArgumentError(f"{name!r} is not a declared column of this query (columns: {known})")

    def _expr(self, item: Any) -> SqlExpr:
        if isinstance(item, SqlExpr):
            return item
        return self._column(item)

    def _order_item(self, key: Any) -> OrderBy:
        if isinstance(key, OrderBy):
            return key
        if isinstance(key, SqlExpr):
            return OrderBy(key)
        if isinstance(key, tuple) and len(key) == 2:
            name, direction = key
            if direction not in (1, -1, "asc", "desc"):
                raise InvalidArgumentError(f"sort direction must be 1, -1, 'asc' or 'desc', got {direction!r}")
            return OrderBy(self._expr(name), descending=direction in (-1, "desc"))
        if isinstance(key, str):
            descending = key.startswith("-")
            name = key[1:] if key[:1] in ("-", "+") else key
            return OrderBy(self._column(name), descending=descending)
        raise InvalidArgumentError(f"cannot order by {key!r}: give a column, 'name' / '-name', or (name, 1 | -1)")

    def order_by(self, *keys: Any) -> Query[T]:
        """Sort: columns (``User.age.desc()``), names (``"-age"``) or ``(name, -1)`` pairs."""
        q = self._copy()
        flat: list[Any] = []
        for key in keys:
            flat.extend(key if isinstance(key, list) else [key])
        q._order.extend(q._order_item(k) for k in flat)
        return q

    sort = order_by

    def limit(self, n: int | None) -> Query[T]:
        q = self._copy()
        q._limit = _non_negative("limit", n)
        return q

    def offset(self, n: int | None) -> Query[T]:
        q = self._copy()
        q._offset = _non_negative("offset", n)
        return q

    skip = offset

    def join(self, other: type[Table] | Alias, on: Condition | None = None, *, kind: str = "inner") -> Query[T]:
        """Join another table (or an alias of one: ``Employee.alias("boss")``),
        on its declared foreign key unless ``on`` is given.

        Rows then come back as tuples of instances, one per table in join order.
        """
        from ouroboros.postgres._table import Alias, Table

        if not (isinstance(other, Alias) or (isinstance(other, type) and issubclass(other, Table))):
            raise InvalidArgumentError(f"join() takes a Table class or an alias, got {other!r}")
        if kind not in _JOIN_KINDS:
            raise InvalidArgumentError(f"join kind must be 'inner' or 'left', got {kind!r}")
        if any(m.get_table_name() == other.get_table_name() for m in self._models()):
            raise InvalidArgumentError(
                f"{other.__name__} is already part of this query: join an alias for a self-join "
                f"({other.__name__}.alias('other_name'))"
            )
        if on is None:
            on = _foreign_key_condition(self._models(), other)
        elif not isinstance(on, Condition):
            raise InvalidArgumentError(f"on= takes a condition such as Post.author_id == User.id, got {on!r}")
        q = self._copy()
        q._joins.append(_Join(other, on, kind))
        return q

    def left_join(self, other: type[Table] | Alias, on: Condition | None = None) -> Query[T]:
        """``join(..., kind="left")``: the joined instance is None where no row matches."""
        return self.join(other, on, kind="left")

    def group_by(self, *columns: Any) -> Query[T]:
        """Group rows; read the groups with ``aggregate(name=Count(), ...)``."""
        q = self._copy()
        q._group.extend(q._expr(c) for c in columns)
        return q

    def having(self, *conditions: Condition) -> Query[T]:
        """Conditions on groups, e.g. ``Count() > 2`` or ``Avg(User.age) >= 30``."""
        q = self._copy()
        for c in conditions:
            if not isinstance(c, Condition):
                raise InvalidArgumentError(f"having() takes conditions such as Count() > 2, got {c!r}")
            q._having.append(c)
        return q

    # ------------------------------------------------------------ SQL
    def _from(self, params: Params) -> str:
        out = quote_ident(self._model.get_table_name())
        for j in self._joins:
            target = j.model._ob_from() if hasattr(j.model, "_ob_from") else quote_ident(j.model.get_table_name())
            out += f" {_JOIN_KINDS[j.kind]} {target} ON {j.on.sql(params)}"
        return out

    def _where_sql(self, params: Params) -> str:
        cond = all_of(self._where)
        return f" WHERE {cond.sql(params)}" if cond is not None else ""

    def _tail(self, params: Params, *, order: bool = True) -> str:
        out = ""
        if order and self._order:
            out += " ORDER BY " + ", ".join(o.sql(params) for o in self._order)
        if self._limit is not None:
            out += f" LIMIT {params.add(self._limit)}"
        if self._offset is not None:
            out += f" OFFSET {params.add(self._offset)}"
        return out

    def _select_sql(self) -> tuple[str, list[Any]]:
        params = Params()
        cols = ", ".join(m._ob_select_list() for m in self._models())
        sql = f"SELECT {cols} FROM {self._from(params)}{self._where_sql(params)}{self._tail(params)}"
        return sql, params.values

    def sql(self) -> tuple[str, list[Any]]:
        """The SELECT this query runs and its bound values (for logging and tests)."""
        return self._select_sql()

    def _shape(self) -> Any:
        if not self._joins:
            return self._model._ob_codec()
        shape = [(self._model._ob_codec(), False)]
        shape.extend((j.model._ob_codec(), j.kind == "left") for j in self._joins)
        return shape

    # ------------------------------------------------------------ running
    async def to_list(self) -> list[Any]:
        """Every matching row: instances, or tuples of instances with joins."""
        if self._group:
            raise InvalidArgumentError("a grouped query returns groups: use aggregate(name=Count(), ...)")
        sql, args = self._select_sql()
        return await _database.executor()._fetch_models(sql, tuple(args), self._shape())

    all = to_list

    def __await__(self) -> Generator[Any, None, list[Any]]:
        return self.to_list().__await__()

    def __aiter__(self) -> AsyncIterator[Any]:
        return self.iterate()

    async def iterate(self, *, prefetch: int = 500) -> AsyncIterator[Any]:
        """The rows one by one through a server-side cursor, ``prefetch`` at a time.

        ``async for user in User.find(...)`` uses it: memory stays bounded by
        ``prefetch`` rows whatever the result size. The cursor lives in a
        transaction (a savepoint inside ``transaction()``).
        """
        if self._group:
            raise InvalidArgumentError("a grouped query returns groups: use aggregate(name=Count(), ...)")
        if isinstance(prefetch, bool) or not isinstance(prefetch, int) or prefetch < 1:
            raise InvalidArgumentError(f"prefetch must be a positive int, got {prefetch!r}")
        sql, args = self._select_sql()
        shape = self._shape()
        parts = shape if self._joins else [(shape, False)]
        async with _database.transaction() as conn:
            async for record in conn.cursor(sql, *args, prefetch=prefetch):
                if not self._joins:
                    yield shape.validate_values(record)
                    continue
                values = tuple(record)
                items = []
                start = 0
                for codec, optional in parts:
                    width = len(codec.columns)
                    items.append(codec.validate_values(values[start : start + width], optional))
                    start += width
                yield tuple(items)

    async def first(self) -> Any:
        """The first matching row (in this query's order), or None."""
        q = self.limit(1)
        sql, args = q._select_sql()
        return await _database.executor()._fetchrow_model(sql, tuple(args), q._shape())

    async def count(self) -> int:
        """How many rows match (ignores order; counts within limit/offset)."""
        params = Params()
        inner = f"SELECT 1 FROM {self._from(params)}{self._where_sql(params)}{self._tail(params, order=False)}"
        sql = f"SELECT count(*) FROM ({inner}) AS q"
        return int(await _database.executor().fetchval(sql, *params.values))

    async def exists(self) -> bool:
        params = Params()
        inner = f"SELECT 1 FROM {self._from(params)}{self._where_sql(params)}{self._tail(params, order=False)}"
        return bool(await _database.executor().fetchval(f"SELECT EXISTS ({inner})", *params.values))

    async def aggregate(self, **aggregates: SqlExpr) -> Any:
        """Aggregate values: one ``Record`` (no groups) or one per group.

        ``await User.find().aggregate(n=Count(), oldest=Max(User.age))`` ->
        ``Record(n=..., oldest=...)``; after ``group_by(User.city)`` every
        record also holds the grouping columns.
        """
        if not aggregates:
            raise InvalidArgumentError("aggregate() needs at least one name=Aggregate(...)")
        for name, expr in aggregates.items():
            if not isinstance(expr, SqlExpr):
                raise InvalidArgumentError(f"aggregate {name}= takes Count(), Sum(User.x), ..., got {expr!r}")
        params = Params()
        items = [g.sql(params) for g in self._group]
        items += [f"{expr.sql(params)} AS {quote_ident(name)}" for name, expr in aggregates.items()]
        sql = f"SELECT {', '.join(items)} FROM {self._from(params)}{self._where_sql(params)}"
        if self._group:
            sql += " GROUP BY " + ", ".join(g.sql(params) for g in self._group)
        having = all_of(self._having)
        if having is not None:
            sql += f" HAVING {having.sql(params)}"
        if self._group:
            sql += self._tail(params)
            return await _database.executor().fetch(sql, *params.values)
        return await _database.executor().fetchrow(sql, *params.values)

    async def _one_aggregate(self, agg: Aggregate) -> Any:
        if self._group:
            raise InvalidArgumentError("a grouped query returns groups: use aggregate(name=...)")
        return (await self.aggregate(value=agg))["value"]

    async def sum(self, column: Any) -> Any:
        return await self._one_aggregate(Sum(self._expr(column)))

    async def avg(self, column: Any) -> Any:
        return await self._one_aggregate(Avg(self._expr(column)))

    async def min(self, column: Any) -> Any:
        return await self._one_aggregate(Min(self._expr(column)))

    async def max(self, column: Any) -> Any:
        return await self._one_aggregate(Max(self._expr(column)))

    async def values(self, *columns: Any) -> list[Record]:
        """Only some columns, as records (``await q.values("name", User.age)``)."""
        if not columns:
            raise InvalidArgumentError("values() needs at least one column")
        params = Params()
        exprs = [self._expr(c) for c in columns]
        names = [e.name if isinstance(e, Column) else f"col{i}" for i, e in enumerate(exprs)]
        items = [f"{e.sql(params)} AS {quote_ident(n)}" for e, n in zip(exprs, names, strict=True)]
        sql = f"SELECT {', '.join(items)} FROM {self._from(params)}{self._where_sql(params)}{self._tail(params)}"
        return await _database.executor().fetch(sql, *params.values)

    def _restricted(self, params: Params) -> str:
        """The WHERE of an UPDATE/DELETE (order/limit/offset through the primary key)."""
        if self._joins or self._group:
            raise InvalidArgumentError("update() and delete() work on one table: remove join() and group_by()")
        if not (self._order or self._limit is not None or self._offset is not None):
            return self._where_sql(params)
        keys = ", ".join(Column(self._model, k).sql(params) for k in self._model._ob_primary_keys())
        table = quote_ident(self._model.get_table_name())
        inner = f"SELECT {keys} FROM {table}{self._where_sql(params)}{self._tail(params)}"
        return f" WHERE ({keys}) IN ({inner})"

    async def update(self, values: dict[str, Any] | None = None, /, **kwargs: Any) -> int:
        """Set columns on every matching row; returns how many rows changed.

        Values are validated by the model's field (a ``ValidationError`` names
        it); an expression such as ``User.age + 1`` is computed by the server.
        """
        changes = {**(values or {}), **kwargs}
        if not changes:
            raise InvalidArgumentError("update() needs at least one column=value")
        params = Params()
        sets = []
        for name, value in changes.items():
            self._model._ob_check_column(name)
            if isinstance(value, SqlExpr):
                rendered = render(value, params)
            else:
                rendered = params.add(self._model._ob_codec().field_value(name, value))
            sets.append(f"{quote_ident(name)} = {rendered}")
        table = quote_ident(self._model.get_table_name())
        sql = f"UPDATE {table} SET {', '.join(sets)}{self._restricted(params)}"
        return _count_of(await _database.executor().execute(sql, *params.values))

    async def delete(self) -> int:
        """Delete every matching row; returns how many were deleted."""
        params = Params()
        sql = f"DELETE FROM {quote_ident(self._model.get_table_name())}{self._restricted(params)}"
        return _count_of(await _database.executor().execute(sql, *params.values))

    def __repr__(self) -> str:
        return f"<Query {self.sql()[0]!r}>"


def _non_negative(what: str, n: Any) -> int | None:
    if n is None:
        return None
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise InvalidArgumentError(f"{what} must be a non-negative int or None, got {n!r}")
    return n


def _foreign_key_condition(models: list[type[Table]], other: type[Table]) -> Condition:
    """``other`` joined to the query's tables on the one declared foreign key between them."""
    from ouroboros.postgres._table import Alias

    def table_of(m: Any) -> Any:
        return m._ob_model if isinstance(m, Alias) else m

    def pairs(source: Any, columns: tuple[str, ...], target: Any, targets: tuple[str, ...]) -> Condition:
        condition = Column(source, columns[0]) == Column(target, targets[0])
        for column, target_column in zip(columns[1:], targets[1:], strict=True):
            condition = condition & (Column(source, column) == Column(target, target_column))
        return condition

    forward: list[Condition] = []
    backward: list[Condition] = []
    for model in models:
        for columns, (target, targets) in model._ob_foreign_keys().items():
            if target is table_of(other):
                forward.append(pairs(model, columns, other, targets))
        for columns, (target, targets) in other._ob_foreign_keys().items():
            if target is table_of(model):
                backward.append(pairs(other, columns, model, targets))
    # A self-join (an alias of a table already in the query) follows the
    # query's foreign keys towards the alias: each row joined to the row it
    # points at; the other direction needs on=.
    self_join = isinstance(other, Alias) and any(table_of(m) is other._ob_model for m in models)
    found = forward if self_join and forward else forward + backward
    if len(found) != 1:
        names = ", ".join(m.__name__ for m in models)
        what = "no foreign key" if not found else f"{len(found)} foreign keys"
        raise InvalidArgumentError(
            f"{what} between {other.__name__} and {names} in Settings.foreign_keys: pass on=... to join()"
        )
    return found[0]
