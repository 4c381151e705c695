"""Validation pipelines (``pydantic.experimental.pipeline``).

``Annotated[str, validate_as(...).str_strip().str_lower()]`` chains parsing,
transformations and constraints. A pipeline compiles to an ouroboros-schema
type schema: a constraint right after a parse step becomes a keyword of that
type's schema (so its error is the type's own, ``greater_than``...); after a
transformation it becomes a check in Python with the same error type.
``a | b`` tries ``a`` then ``b``; ``a & b`` runs ``b`` on ``a``'s output.
"""

from __future__ import annotations

import datetime
import operator
import re
from collections.abc import Callable, Container
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import annotated_types

__all__ = ["transform", "validate_as", "validate_as_deferred"]

_In = TypeVar("_In")
_Out = TypeVar("_Out")

_NUMERIC = ("int", "float", "decimal", "date", "datetime", "time", "timedelta")
_SIZED = ("str", "bytes", "list", "set", "frozenset", "tuple", "dict")


@dataclass(frozen=True)
class _ValidateAs:
    tp: Any
    strict: bool = False


@dataclass(frozen=True)
class _ValidateAsDefer:
    func: Callable[[], Any]


@dataclass(frozen=True)
class _Transform:
    func: Callable[[Any], Any]


@dataclass(frozen=True)
class _Constraint:
    constraint: Any


@dataclass(frozen=True)
class _PipelineOr:
    left: _Pipeline[Any, Any]
    right: _Pipeline[Any, Any]


@dataclass(frozen=True)
class _PipelineAnd:
    left: _Pipeline[Any, Any]
    right: _Pipeline[Any, Any]


@dataclass(frozen=True)
class _Eq:
    value: Any


@dataclass(frozen=True)
class _NotEq:
    value: Any


@dataclass(frozen=True)
class _IsIn:
    values: Container[Any]


@dataclass(frozen=True)
class _IsNotIn:
    values: Container[Any]


@dataclass(frozen=True)
class _Pipeline(Generic[_In, _Out]):
    """A chain of steps; use it as an ``Annotated`` marker."""

    _steps: tuple[Any, ...]

    def _add(self, step: Any) -> _Pipeline[Any, Any]:
        return _Pipeline((*self._steps, step))

    def transform(self, func: Callable[[Any], Any]) -> _Pipeline[Any, Any]:
        """Apply ``func`` to the value (no validation of the result)."""
        return self._add(_Transform(func))

    def validate_as(self, tp: Any, *, strict: bool = False) -> _Pipeline[Any, Any]:
        """Validate the value as ``tp`` (``...``: the annotated type)."""
        return self._add(_ValidateAs(tp, strict))

    def validate_as_deferred(self, func: Callable[[], Any]) -> _Pipeline[Any, Any]:
        """Validate as the type ``func()`` returns (for recursive types)."""
        return self._add(_ValidateAsDefer(func))

    def constrain(self, constraint: Any) -> _Pipeline[Any, Any]:
        """An ``annotated_types`` constraint, a compiled pattern, or an ``_Eq``-style check."""
        return self._add(_Constraint(constraint))

    def predicate(self, func: Callable[[Any], bool]) -> _Pipeline[Any, Any]:
        """The value must satisfy ``func``."""
        return self.constrain(annotated_types.Predicate(func))

    def gt(self, gt: Any) -> _Pipeline[Any, Any]:
        return self.constrain(annotated_types.Gt(gt))

    def lt(self, lt: Any) -> _Pipeline[Any, Any]:
        return self.constrain(annotated_types.Lt(lt))

    def ge(self, ge: Any) -> _Pipeline[Any, Any]:
        return self.constrain(annotated_types.Ge(ge))

    def le(self, le: Any) -> _Pipeline[Any, Any]:
        return self.constrain(annotated_types.Le(le))

    def len(self, min_len: int, max_len: int | None = None) -> _Pipeline[Any, Any]:
        return self.constrain(annotated_types.Len(min_len, max_len))

    def multiple_of(self, multiple_of: Any) -> _Pipeline[Any, Any]:
        return self.constrain(annotated_types.MultipleOf(multiple_of))

    def eq(self, value: Any) -> _Pipeline[Any, Any]:
        return self.constrain(_Eq(value))

    def not_eq(self, value: Any) -> _Pipeline[Any, Any]:
        return self.constrain(_NotEq(value))

    def in_(self, values: Container[Any]) -> _Pipeline[Any, Any]:
        return self.constrain(_IsIn(values))

    def not_in(self, values: Container[Any]) -> _Pipeline[Any, Any]:
        return self.constrain(_IsNotIn(values))

    def datetime_tz_naive(self) -> _Pipeline[Any, Any]:
        return self.constrain(annotated_types.Timezone(None))

    def datetime_tz_aware(self) -> _Pipeline[Any, Any]:
        return self.constrain(annotated_types.Timezone(...))

    def datetime_tz(self, tz: datetime.tzinfo) -> _Pipeline[Any, Any]:
        return self.constrain(annotated_types.Timezone(tz))  # type: ignore[arg-type]

    def datetime_with_tz(self, tz: datetime.tzinfo | None) -> _Pipeline[Any, Any]:
        return self.transform(lambda d: d.replace(tzinfo=tz))

    def str_lower(self) -> _Pipeline[Any, Any]:
        return self.transform(str.lower)

    def str_upper(self) -> _Pipeline[Any, Any]:
        return self.transform(str.upper)

    def str_title(self) -> _Pipeline[Any, Any]:
        return self.transform(str.title)

    def str_strip(self) -> _Pipeline[Any, Any]:
        return self.transform(str.strip)

    def str_pattern(self, pattern: str) -> _Pipeline[Any, Any]:
        return self.constrain(re.compile(pattern))

    def str_contains(self, substring: str) -> _Pipeline[Any, Any]:
        return self.predicate(lambda v: substring in v)

    def str_starts_with(self, prefix: str) -> _Pipeline[Any, Any]:
        return self.predicate(lambda v: v.startswith(prefix))

    def str_ends_with(self, suffix: str) -> _Pipeline[Any, Any]:
        return self.predicate(lambda v: v.endswith(suffix))

    def otherwise(self, other: _Pipeline[Any, Any]) -> _Pipeline[Any, Any]:
        """This pipeline, or when it fails, ``other``."""
        return _Pipeline((_PipelineOr(self, other),))

    __or__ = otherwise

    def then(self, other: _Pipeline[Any, Any]) -> _Pipeline[Any, Any]:
        """``other`` applied to this pipeline's output."""
        return _Pipeline((_PipelineAnd(self, other),))

    __and__ = then

    def _ouroboros_wrap(self, schema: dict[str, Any], source: Any = None) -> dict[str, Any]:
        return _compile(self._steps, schema, source)


validate_as = _Pipeline[Any, Any](()).validate_as
validate_as_deferred = _Pipeline[Any, Any](()).validate_as_deferred
transform = _Pipeline[Any, Any](()).transform


def _describe(tp: Any) -> dict[str, Any]:
    from ouroboros.validation._describe import DescribeContext, describe_type

    return describe_type(tp, DescribeContext(arbitrary_types_allowed=True))


def _after(schema: dict[str, Any] | None, func: Callable[[Any], Any]) -> dict[str, Any]:
    return {
        "type": "function",
        "mode": "after",
        "func": lambda value, _data=None, _context=None: func(value),
        "schema": schema if schema is not None else {"type": "any"},
    }


def _run(schema: dict[str, Any]) -> Callable[[Any], Any]:
    from ouroboros.validation._describe import _LazyHandler

    return _LazyHandler(schema)


def _compile(steps: tuple[Any, ...], source_schema: dict[str, Any], source: Any) -> dict[str, Any]:
    current: dict[str, Any] | None = None
    for step in steps:
        if isinstance(step, (_ValidateAs, _ValidateAsDefer)):
            if isinstance(step, _ValidateAsDefer):
                target = _describe(step.func())
            else:
                target = dict(source_schema) if step.tp is ... else _describe(step.tp)
            if isinstance(step, _ValidateAs) and step.strict:
                target = {**target, "strict": True}
            current = target if current is None else _after(current, _run(target))
        elif isinstance(step, _Transform):
            current = _after(current, step.func)
        elif isinstance(step, _Constraint):
            current = _constrain(current, step.constraint)
        elif isinstance(step, _PipelineOr):
            left = _compile(step.left._steps, source_schema, source)
            right = _compile(step.right._steps, source_schema, source)
            current = {"type": "union", "choices": [left, right], "mode": "left_to_right"}
        elif isinstance(step, _PipelineAnd):
            left = _compile(step.left._steps, source_schema, source)
            right = _compile(step.right._steps, source_schema, source)
            current = _after(left, _run(right))
    return current if current is not None else dict(source_schema)


_CHECKS: dict[str, tuple[Callable[[Any, Any], bool], str]] = {
    "gt": (operator.gt, "greater_than"),
    "ge": (operator.ge, "greater_than_equal"),
    "lt": (operator.lt, "less_than"),
    "le": (operator.le, "less_than_equal"),
}


def _constrain(current: dict[str, Any] | None, constraint: Any) -> dict[str, Any]:
    from ouroboros.validation._errors import PydanticCustomError
    from ouroboros.validation.core._known_errors import PydanticKnownError

    kind = current.get("type") if current is not None else None
    if isinstance(constraint, annotated_types.GroupedMetadata) and not isinstance(constraint, annotated_types.Len):
        for part in constraint:
            current = _constrain(current, part)
        return current if current is not None else {"type": "any"}
    name = type(constraint).__name__.lower()
    if name in _CHECKS:
        bound = getattr(constraint, name)
        if kind == "int" and isinstance(bound, float) and bound.is_integer():
            bound = int(bound)
        if kind in _NUMERIC and current is not None and (kind != "int" or isinstance(bound, int)):
            return {**current, name: bound}
        check, error = _CHECKS[name]

        def compare(value: Any) -> Any:
            if not check(value, bound):
                raise PydanticKnownError(error, {name: bound})
            return value

        return _after(current, compare)
    if isinstance(constraint, annotated_types.MultipleOf):
        if kind in ("int", "float", "decimal") and current is not None:
            return {**current, "multiple_of": constraint.multiple_of}

        def multiple(value: Any) -> Any:
            if value % constraint.multiple_of != 0:
                raise PydanticKnownError("multiple_of", {"multiple_of": constraint.multiple_of})
            return value

        return _after(current, multiple)
    if isinstance(constraint, annotated_types.Len):
        if kind in _SIZED and current is not None:
            out = {**current, "min_length": constraint.min_length}
            if constraint.max_length is not None:
                out["max_length"] = constraint.max_length
            return out

        def length(value: Any) -> Any:
            n = len(value)
            if n < constraint.min_length or (constraint.max_length is not None and n > constraint.max_length):
                raise PydanticCustomError(
                    "too_short" if n < constraint.min_length else "too_long",
                    "Length should be between {min_length} and {max_length}",
                    {"min_length": constraint.min_length, "max_length": constraint.max_length},
                )
            return value

        return _after(current, length)
    if isinstance(constraint, re.Pattern):
        if kind == "str" and current is not None and not constraint.flags & ~re.UNICODE:
            return {**current, "pattern": constraint.pattern}

        def match(value: Any) -> Any:
            if not constraint.match(value):
                raise PydanticKnownError("string_pattern_mismatch", {"pattern": constraint.pattern})
            return value

        return _after(current, match)
    if isinstance(constraint, annotated_types.Timezone):
        return _after(current, _tz_check(constraint.tz))
    if isinstance(constraint, annotated_types.Predicate):
        func = constraint.func
        label = getattr(func, "__qualname__", repr(func))

        def predicate(value: Any) -> Any:
            if not func(value):
                raise PydanticCustomError("predicate_failed", f"Predicate {label} failed")
            return value

        return _after(current, predicate)
    if isinstance(constraint, (_Eq, _NotEq, _IsIn, _IsNotIn)):
        return _after(current, _membership(constraint))
    raise TypeError(f"unsupported pipeline constraint {constraint!r}")


def _tz_check(tz: Any) -> Callable[[Any], Any]:
    from ouroboros.validation.core._known_errors import PydanticKnownError

    def check(value: Any) -> Any:
        if tz is None and value.tzinfo is not None:
            raise PydanticKnownError("timezone_naive")
        if tz is ... and value.tzinfo is None:
            raise PydanticKnownError("timezone_aware")
        if tz not in (None, ...) and value.tzinfo != tz:
            raise PydanticKnownError("timezone_aware")
        return value

    return check


def _membership(constraint: Any) -> Callable[[Any], Any]:
    from ouroboros.validation._errors import PydanticCustomError

    def check(value: Any) -> Any:
        if isinstance(constraint, _Eq) and value != constraint.value:
            raise PydanticCustomError("value_error", f"Value error, Expected {constraint.value!r}")
        if isinstance(constraint, _NotEq) and value == constraint.value:
            raise PydanticCustomError("value_error", f"Value error, Expected not {constraint.value!r}")
        if isinstance(constraint, _IsIn) and value not in constraint.values:
            raise PydanticCustomError("value_error", f"Value error, Expected one of {constraint.values!r}")
        if isinstance(constraint, _IsNotIn) and value in constraint.values:
            raise PydanticCustomError("value_error", f"Value error, Expected not in {constraint.values!r}")
        return value

    return check
