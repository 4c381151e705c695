"""Query expressions: ``User.age >= 18`` builds a SQL condition with bound values.

A class attribute of a :class:`~ouroboros.postgres.Table` that names a field
is a :class:`Column`. Comparing it builds a :class:`Condition`; ``&``, ``|``
and ``~`` combine conditions. Nothing here writes a value into SQL text:
every value becomes a ``$n`` parameter, and every identifier is a declared
column or table name, quoted.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ouroboros.core import InvalidArgumentError

if TYPE_CHECKING:
    from ouroboros.postgres._table import Table

__all__ = [
    "Avg",
    "Column",
    "Condition",
    "Count",
    "Max",
    "Min",
    "OrderBy",
    "SqlExpr",
    "Sum",
    "quote_ident",
]


def quote_ident(name: str) -> str:
    """``name`` as a quoted SQL identifier (``"a""b"`` for ``a"b``)."""
    if not isinstance(name, str) or not name or "\x00" in name:
        raise InvalidArgumentError(f"not a valid SQL identifier: {name!r}")
    return '"' + name.replace('"', '""') + '"'


class Params:
    """The bound values of one statement, numbered ``$1``, ``$2``, ..."""

    __slots__ = ("values",)

    def __init__(self) -> None:
        self.values: list[Any] = []

    def add(self, value: Any) -> str:
        self.values.append(value)
        return f"${len(self.values)}"


class SqlExpr:
    """Something that renders as SQL: a column, an aggregate, arithmetic."""

    def sql(self, params: Params) -> str:
        raise NotImplementedError

    # Comparisons build conditions (hash stays identity-based).
    __hash__ = object.__hash__

    def _compare(self, op: str, other: Any) -> Condition:
        return Compare(self, op, other)

    def __eq__(self, other: Any) -> Condition:  # type: ignore[override]
        return IsNull(self, negate=False) if other is None else self._compare("=", other)

    def __ne__(self, other: Any) -> Condition:  # type: ignore[override]
        return IsNull(self, negate=True) if other is None else self._compare("<>", other)

    def __lt__(self, other: Any) -> Condition:
        return self._compare("<", other)

    def __le__(self, other: Any) -> Condition:
        return self._compare("<=", other)

    def __gt__(self, other: Any) -> Condition:
        return self._compare(">", other)

    def __ge__(self, other: Any) -> Condition:
        return self._compare(">=", other)

    def __add__(self, other: Any) -> Arithmetic:
        return Arithmetic(self, "+", other)

    def __sub__(self, other: Any) -> Arithmetic:
        return Arithmetic(self, "-", other)

    def __mul__(self, other: Any) -> Arithmetic:
        return Arithmetic(self, "*", other)

    def __truediv__(self, other: Any) -> Arithmetic:
        return Arithmetic(self, "/", other)

    def in_(self, values: Iterable[Any]) -> Condition:
        """The value is one of ``values`` (one array parameter: ``= ANY($n)``)."""
        return AnyOf(self, _as_list(values, "in_"), negate=False)

    def not_in(self, values: Iterable[Any]) -> Condition:
        """The value is none of ``values`` (``<> ALL($n)``)."""
        return AnyOf(self, _as_list(values, "not_in"), negate=True)

    def is_null(self) -> Condition:
        return IsNull(self, negate=False)

    def is_not_null(self) -> Condition:
        return IsNull(self, negate=True)

    def between(self, low: Any, high: Any) -> Condition:
        """``low <= value <= high``."""
        return Between(self, low, high)

    def like(self, pattern: str) -> Condition:
        """SQL ``LIKE`` with ``pattern`` bound as a parameter (``%`` and ``_`` are wildcards)."""
        return Compare(self, "LIKE", _text(pattern, "like"))

    def ilike(self, pattern: str) -> Condition:
        """Case-insensitive ``like``."""
        return Compare(self, "ILIKE", _text(pattern, "ilike"))

    def not_like(self, pattern: str) -> Condition:
        return Compare(self, "NOT LIKE", _text(pattern, "not_like"))

    def startswith(self, prefix: str) -> Condition:
        """Text starting with ``prefix`` taken literally (wildcards escaped)."""
        return Compare(self, "LIKE", _escape_like(_text(prefix, "startswith")) + "%")

    def endswith(self, suffix: str) -> Condition:
        return Compare(self, "LIKE", "%" + _escape_like(_text(suffix, "endswith")))

    def contains(self, part: str) -> Condition:
        """Text containing ``part`` taken literally."""
        return Compare(self, "LIKE", "%" + _escape_like(_text(part, "contains")) + "%")

    def asc(self, *, nulls: str | None = None) -> OrderBy:
        return OrderBy(self, descending=False, nulls=nulls)

    def desc(self, *, nulls: str | None = None) -> OrderBy:
        return OrderBy(self, descending=True, nulls=nulls)


def _as_list(values: Iterable[Any], op: str) -> list[Any]:
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise InvalidArgumentError(f"{op}() takes a list of values, got {type(values).__name__}")
    return list(values)


def _text(value: Any, op: str) -> str:
    if not isinstance(value, str):
        raise InvalidArgumentError(f"{op}() takes a str, got {type(value).__name__}")
    return value


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def render(value: Any, params: Params) -> str:
    """An operand: an expression renders itself, anything else is bound."""
    if isinstance(value, SqlExpr):
        return value.sql(params)
    if isinstance(value, Condition):
        return "(" + value.sql(params) + ")"
    return params.add(value)


class Column(SqlExpr):
    """A declared column of a table (``User.age``)."""

    __slots__ = ("model", "name")

    def __init__(self, model: type[Table], name: str) -> None:
        self.model = model
        self.name = name

    def sql(self, params: Params) -> str:
        return f"{quote_ident(self.model.get_table_name())}.{quote_ident(self.name)}"

    def __repr__(self) -> str:
        return f"{self.model.__name__}.{self.name}"


class Arithmetic(SqlExpr):
    """``User.age + 1``: usable in updates, conditions and ordering."""

    __slots__ = ("left", "op", "right")

    def __init__(self, left: Any, op: str, right: Any) -> None:
        self.left, self.op, self.right = left, op, right

    def sql(self, params: Params) -> str:
        return f"({render(self.left, params)} {self.op} {render(self.right, params)})"


class Aggregate(SqlExpr):
    """An aggregate function over a column (or every row for ``Count()``)."""

    function = ""

    def __init__(self, column: SqlExpr | None = None, *, distinct: bool = False) -> None:
        if column is not None and not isinstance(column, SqlExpr):
            raise InvalidArgumentError(
                f"{type(self).__name__}() takes a column such as User.age, got {type(column).__name__}"
            )
        if column is None and type(self) is not Count:
            raise InvalidArgumentError(f"{type(self).__name__}() needs a column")
        self.column = column
        self.distinct = bool(distinct)

    def sql(self, params: Params) -> str:
        if self.column is None:
            return f"{self.function}(*)"
        inner = self.column.sql(params)
        return f"{self.function}({'DISTINCT ' if self.distinct else ''}{inner})"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.column!r})"


class Count(Aggregate):
    """``count(*)``, or ``count(column)`` (non-NULL values; ``distinct=True`` for unique ones)."""

    function = "count"


class Sum(Aggregate):
    function = "sum"


class Avg(Aggregate):
    function = "avg"


class Min(Aggregate):
    function = "min"


class Max(Aggregate):
    function = "max"


class OrderBy:
    """One ``ORDER BY`` item: ``User.age.desc()``, ``User.name.asc(nulls="last")``."""

    __slots__ = ("descending", "expr", "nulls")

    def __init__(self, expr: SqlExpr, *, descending: bool = False, nulls: str | None = None) -> None:
        if nulls not in (None, "first", "last"):
            raise InvalidArgumentError(f"nulls must be 'first', 'last' or None, got {nulls!r}")
        self.expr = expr
        self.descending = descending
        self.nulls = nulls

    def sql(self, params: Params) -> str:
        out = self.expr.sql(params) + (" DESC" if self.descending else " ASC")
        if self.nulls:
            out += f" NULLS {self.nulls.upper()}"
        return out


class Condition:
    """A boolean SQL condition; combine with ``&``, ``|`` and ``~``."""

    def sql(self, params: Params) -> str:
        raise NotImplementedError

    def __and__(self, other: Condition) -> Condition:
        return BoolOp("AND", [self, _condition(other)])

    def __or__(self, other: Condition) -> Condition:
        return BoolOp("OR", [self, _condition(other)])

    def __invert__(self) -> Condition:
        return Not(self)

    def __bool__(self) -> bool:
        # `a < b < c` and `if User.age == 3:` would silently use truthiness.
        raise TypeError("a query condition has no truth value; combine conditions with & | ~, not and/or/not")


def _condition(value: Any) -> Condition:
    if not isinstance(value, Condition):
        raise InvalidArgumentError(f"expected a condition such as User.age >= 18, got {type(value).__name__}")
    return value


class Compare(Condition):
    __slots__ = ("left", "op", "right")

    def __init__(self, left: SqlExpr, op: str, right: Any) -> None:
        self.left, self.op, self.right = left, op, right

    def sql(self, params: Params) -> str:
        return f"{self.left.sql(params)} {self.op} {render(self.right, params)}"

    def __repr__(self) -> str:
        return f"<{self.left!r} {self.op} {self.right!r}>"


class IsNull(Condition):
    def __init__(self, expr: SqlExpr, *, negate: bool) -> None:
        self.expr, self.negate = expr, negate

    def sql(self, params: Params) -> str:
        return f"{self.expr.sql(params)} IS {'NOT ' if self.negate else ''}NULL"


class AnyOf(Condition):
    def __init__(self, expr: SqlExpr, values: list[Any], *, negate: bool) -> None:
        self.expr, self.values, self.negate = expr, values, negate

    def sql(self, params: Params) -> str:
        op = "<> ALL" if self.negate else "= ANY"
        return f"{self.expr.sql(params)} {op}({params.add(self.values)})"


class Between(Condition):
    def __init__(self, expr: SqlExpr, low: Any, high: Any) -> None:
        self.expr, self.low, self.high = expr, low, high

    def sql(self, params: Params) -> str:
        return f"{self.expr.sql(params)} BETWEEN {render(self.low, params)} AND {render(self.high, params)}"


class BoolOp(Condition):
    def __init__(self, op: str, parts: list[Condition]) -> None:
        flat: list[Condition] = []
        for part in parts:
            if isinstance(part, BoolOp) and part.op == op:
                flat.extend(part.parts)
            else:
                flat.append(part)
        self.op, self.parts = op, flat

    def sql(self, params: Params) -> str:
        return "(" + f" {self.op} ".join(p.sql(params) for p in self.parts) + ")"


class Not(Condition):
    def __init__(self, inner: Condition) -> None:
        self.inner = inner

    def sql(self, params: Params) -> str:
        return f"NOT ({self.inner.sql(params)})"


def all_of(conditions: list[Condition]) -> Condition | None:
    """The conjunction of ``conditions`` (None when there are none)."""
    conditions = [_condition(c) for c in conditions]
    if not conditions:
        return None
    return conditions[0] if len(conditions) == 1 else BoolOp("AND", conditions)
