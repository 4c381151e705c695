"""Turn Python annotations into the type schemas of a model description.

The output is plain data (dicts, lists, classes, callables): the contract
every wheel compiles with ``ouroboros-schema`` (see its README).
"""

from __future__ import annotations

import collections.abc
import contextvars
import dataclasses
import datetime
import decimal
import enum
import functools
import inspect
import ipaddress
import math
import os
import pathlib
import re
import types
import typing
import uuid
from collections.abc import Callable
from typing import Any

from ouroboros.validation._decorators import _arity, takes_validated_data
from ouroboros.validation._discriminator import Discriminator, callable_union
from ouroboros.validation._fields import FieldInfo
from ouroboros.validation._internal._generics import PydanticRecursiveRef
from ouroboros.validation._types import (
    AfterValidator,
    BeforeValidator,
    PlainValidator,
    Strict,
    WrapValidator,
    _StrTransform,
)

__all__ = ["describe_type", "split_annotated", "wrap_plain_call"]

_SIMPLE: dict[Any, str] = {
    int: "int",
    float: "float",
    str: "str",
    bool: "bool",
    bytes: "bytes",
    bytearray: "bytes",
    datetime.datetime: "datetime",
    datetime.date: "date",
    datetime.time: "time",
    datetime.timedelta: "timedelta",
    uuid.UUID: "uuid",
    decimal.Decimal: "decimal",
}

_IP_TYPES = {
    ipaddress.IPv4Address,
    ipaddress.IPv6Address,
    ipaddress.IPv4Interface,
    ipaddress.IPv6Interface,
    ipaddress.IPv4Network,
    ipaddress.IPv6Network,
}
_PATHS = {pathlib.Path, pathlib.PurePath, os.PathLike}
_SEQUENCES = {collections.abc.Sequence, typing.Sequence}
_LISTS = {list, typing.List, collections.abc.Sequence, collections.abc.MutableSequence, typing.Sequence}  # noqa: UP006
_SETS = {set, typing.Set, collections.abc.Set, collections.abc.MutableSet, typing.AbstractSet}  # noqa: UP006
_FROZENSETS = {frozenset, typing.FrozenSet}  # noqa: UP006
_DICTS = {dict, typing.Dict, collections.abc.Mapping, collections.abc.MutableMapping, typing.Mapping}  # noqa: UP006
_TUPLES = {tuple, typing.Tuple}  # noqa: UP006


def is_model_class(tp: Any) -> bool:
    """Whether ``tp`` is an ouroboros BaseModel subclass (not BaseModel itself)."""
    return isinstance(tp, type) and tp.__dict__.get("__ouroboros_model__", False) is True


def is_pydantic_dataclass(tp: Any) -> bool:
    """Whether ``tp`` was made by ``ouroboros.validation.dataclasses.dataclass``."""
    return isinstance(tp, type) and "__ouroboros_dataclass_schema__" in tp.__dict__


def split_annotated(annotation: Any) -> tuple[Any, list[Any]]:
    """``Annotated[T, a, b]`` -> ``(T, [a, b])`` (nested Annotated flattened)."""
    metadata: list[Any] = []
    while typing.get_origin(annotation) is typing.Annotated:
        metadata = [*annotation.__metadata__, *metadata]
        annotation = annotation.__origin__
    return annotation, metadata


#: The model field whose type is being described: what ``info.field_name`` of the
#: validators inside that type reports (None for a bare type, as in Pydantic).
describing_field: contextvars.ContextVar[str | None] = contextvars.ContextVar("describing_field", default=None)


def wrap_plain_call(func: Callable[..., Any]) -> Callable[[Any, Any], Any]:
    """Adapt ``f(value)`` or ``f(value, info)`` to the ``(value, data)`` call convention."""
    from ouroboros.validation._decorators import ValidationInfo

    if _arity(func) >= 2:
        field_name = describing_field.get()
        return lambda value, data, context=None: func(value, ValidationInfo(data, field_name, context=context))
    return lambda value, _data, _context=None: func(value)


# Constraint keywords each type schema of ouroboros-schema enforces itself.
_BOUNDS = frozenset({"gt", "ge", "lt", "le"})
_LENGTHS = frozenset({"min_length", "max_length"})
_NATIVE: dict[str, frozenset[str]] = {
    "int": _BOUNDS | {"multiple_of"},
    "float": _BOUNDS | {"multiple_of", "allow_inf_nan"},
    "decimal": _BOUNDS | {"multiple_of", "allow_inf_nan", "max_digits", "decimal_places"},
    "str": _LENGTHS | {"pattern", "strip_whitespace", "to_lower", "to_upper"},
    "bytes": _LENGTHS,
    "list": _LENGTHS,
    "set": _LENGTHS,
    "frozenset": _LENGTHS,
    "tuple": _LENGTHS,
    "dict": _LENGTHS,
    "date": _BOUNDS,
    "datetime": _BOUNDS,
    "time": _BOUNDS,
    "timedelta": _BOUNDS,
    "url": frozenset(
        {"max_length", "allowed_schemes", "host_required", "default_host", "default_port", "default_path"}
    ),
}
# Constraints checked in Python (as Pydantic does) on types that do not enforce them natively.
_CHECKED = _BOUNDS | _LENGTHS | {"multiple_of", "max_digits", "decimal_places"}


def apply_constraints(schema: dict[str, Any], constraints: dict[str, Any]) -> dict[str, Any]:
    """Put constraint keywords on the schema they belong to (through Optional).

    A constraint the type does not enforce itself (``gt`` on a list, ``max_length`` on a
    Decimal...) becomes a check after validation, as in Pydantic: it reports Pydantic's
    error type, or raises ``TypeError("Unable to apply constraint ...")`` when the value
    does not support it. Nothing is silently ignored.
    """
    if not constraints:
        return schema
    kind = schema["type"]
    if kind in ("nullable", "passthrough"):
        return {**schema, "schema": apply_constraints(schema["schema"], constraints)}
    if "fail_fast" in constraints:
        # `Field(fail_fast=True)`: as `Annotated[..., FailFast()]`, around the constrained schema.
        from ouroboros.validation._more_types import FailFast

        fail_fast = constraints["fail_fast"]
        schema = apply_constraints(schema, {k: v for k, v in constraints.items() if k != "fail_fast"})
        return FailFast(fail_fast)._ouroboros_wrap(schema)
    if kind == "function" and "schema" in schema:
        wrapped = {**schema, "schema": apply_constraints(schema["schema"], constraints)}
        if "strict_python" in schema and "strict" in constraints:
            # The function itself decides what strict mode takes from Python.
            wrapped["strict"] = constraints["strict"]
        return wrapped
    if kind in ("decimal", "float", "int"):
        _check_number_constraints(kind, constraints)
    step = constraints.get("multiple_of")
    if (kind == "timedelta" and isinstance(step, datetime.timedelta) and step <= datetime.timedelta(0)) or (
        schema.get("fraction") and step is not None and step <= 0
    ):
        from ouroboros.validation.core._translate import SchemaError

        raise SchemaError("Invalid Schema:\n  'multiple_of' must be greater than 0")
    out = dict(schema)
    if schema.get("iterable") and "max_length" in constraints:
        # Iterable[T] is lazy: its length is checked item by item as it is consumed.
        import functools

        out["func"] = functools.partial(schema["func"], max_length=constraints["max_length"])
        constraints = {k: v for k, v in constraints.items() if k != "max_length"}
    if isinstance(constraints.get("pattern"), re.Pattern):
        # A compiled pattern is matched by Python's `re` (its flags, look-around), as
        # pydantic-core's python-re engine does; the JSON Schema shows its text.
        compiled = constraints["pattern"]
        rest = {k: v for k, v in constraints.items() if k != "pattern"}
        inner = {**apply_constraints(schema, rest), "python_pattern": compiled.pattern}
        return {"type": "function", "mode": "after", "func": _python_pattern(compiled), "schema": inner}
    coerce_numbers = constraints.get("coerce_numbers_to_str")
    constraints = {k: v for k, v in constraints.items() if k != "coerce_numbers_to_str"}
    if coerce_numbers and kind == "str" and not constraints.get("strict", schema.get("strict")):
        return {
            "type": "function",
            "mode": "before",
            "func": _number_to_str,
            "schema": apply_constraints(schema, constraints),
        }
    checks: dict[str, Any] = {}
    native = _NATIVE.get(kind)
    if kind == "int":
        # Bounds beyond 64 bits (`Field(gt=10**30)`), which the native int check cannot hold:
        # checked in Python (their JSON Schema keywords kept), as Pydantic accepts them.
        big = {k: v for k, v in constraints.items() if k in _NATIVE["int"] and _beyond_i64(v)}
        if big:
            native = native - big.keys()
    transforms = [k for k in _STR_TRANSFORMS if constraints.get(k) and (native is None or k not in native)]
    if transforms:
        # A text transform on a str-like type (EmailStr...): applied to the validated text.
        constraints = {k: v for k, v in constraints.items() if k not in transforms}
        out = {"type": "function", "mode": "after", "func": _str_transform(transforms), "schema": out}
    for key, value in constraints.items():
        if key == "union_mode":
            if kind == "union":
                out["mode"] = value
            continue
        if key == "strict" and kind in ("union", "model", "tagged_union"):
            continue
        if key in _CHECKED and (native is None or key not in native):
            checks[key] = value
            continue
        out[key] = value
    for key, value in checks.items():
        out = {"type": "function", "mode": "after", "func": _constraint_check(key, value), "schema": out}
        if kind == "int" and _beyond_i64(value):
            from ouroboros.validation._json_schema import _KEYWORDS

            out["json_schema_constraints"] = {_KEYWORDS[key]: value}
    if schema.get("fraction"):
        out = {**out, "fraction": True, "json_schema_modes": _fraction_json_schema(schema, constraints)}
    return out


def _beyond_i64(value: Any) -> bool:
    return type(value) is int and not -(2**63) <= value < 2**63


def _python_pattern(compiled: re.Pattern[str]) -> Callable[..., Any]:
    from ouroboros.validation._errors import PydanticCustomError

    def check(value: Any, _data: Any = None, _context: Any = None) -> Any:
        if isinstance(value, str) and compiled.search(value) is None:
            raise PydanticCustomError(
                "string_pattern_mismatch", "String should match pattern '{pattern}'", {"pattern": compiled.pattern}
            )
        return value

    return check


def _fraction_json_schema(schema: dict[str, Any], constraints: dict[str, Any]) -> dict[str, Any]:
    """A Fraction's JSON Schema with its bounds on the number choice (validation mode), as Pydantic."""
    modes = schema["json_schema_modes"]
    number, text = modes["validation"]["anyOf"]
    keywords = {"gt": "exclusiveMinimum", "ge": "minimum", "lt": "exclusiveMaximum", "le": "maximum"}
    bounds = {keywords[k]: float(v) for k, v in constraints.items() if k in keywords and v is not None}
    return {**modes, "validation": {"anyOf": [{**number, **bounds}, text]}}


_STR_TRANSFORMS = ("strip_whitespace", "to_lower", "to_upper")


def _str_transform(transforms: list[str]) -> Callable[..., Any]:
    def transform(value: Any, _data: Any = None, _context: Any = None) -> Any:
        if isinstance(value, str):
            if "strip_whitespace" in transforms:
                value = value.strip()
            if "to_lower" in transforms:
                value = value.lower()
            if "to_upper" in transforms:
                value = value.upper()
        return value

    return transform


def _number_to_str(value: Any, _data: Any = None, _context: Any = None) -> Any:
    """``coerce_numbers_to_str``: ints, floats and Decimals become their text (lax mode)."""
    if isinstance(value, (int, float, decimal.Decimal)) and not isinstance(value, bool):
        return str(value)
    return value


def _check_number_constraints(kind: str, constraints: dict[str, Any]) -> None:
    """Refuse number constraints that cannot hold, as pydantic-core's schema check does."""
    import math

    from ouroboros.validation.core._translate import SchemaError

    if (
        kind == "decimal"
        and constraints.get("allow_inf_nan")
        and (constraints.get("max_digits") is not None or constraints.get("decimal_places") is not None)
    ):
        raise SchemaError("Invalid Schema:\n  allow_inf_nan=True cannot be used with max_digits or decimal_places")
    step = constraints.get("multiple_of")
    if step is not None:
        try:
            if isinstance(step, decimal.Decimal):
                valid = step.is_finite() and step > 0
            else:
                valid = math.isfinite(step) and step > 0
        except (TypeError, ValueError):
            valid = False
        if not valid:
            raise SchemaError("Invalid Schema:\n  'multiple_of' must be a finite number greater than 0")


_CHECK_ERRORS = {
    "gt": ("greater_than", lambda v, b: v > b),
    "ge": ("greater_than_equal", lambda v, b: v >= b),
    "lt": ("less_than", lambda v, b: v < b),
    "le": ("less_than_equal", lambda v, b: v <= b),
    # ``not``: a timedelta remainder is ``timedelta(0)``, which is not ``== 0``.
    "multiple_of": ("multiple_of", lambda v, b: not v % b),
    "min_length": ("too_short", lambda v, b: len(v) >= b),
    "max_length": ("too_long", lambda v, b: len(v) <= b),
}


_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def _with_temporal_unit(schema: dict[str, Any], unit: str) -> dict[str, Any]:
    """``val_temporal_unit="seconds"``/``"milliseconds"``: a number (or numeric text) given for
    a datetime or date is read in that unit, not inferred from its size."""
    kind = schema["type"]

    def read(value: Any, _data: Any = None, _context: Any = None) -> Any:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            return value
        try:
            number = float(value)
        except ValueError:
            return value
        if not math.isfinite(number):
            return value
        from ouroboros.validation._errors import PydanticCustomError

        seconds = number if unit == "seconds" else number / 1000
        try:
            instant = _EPOCH + datetime.timedelta(seconds=seconds)
        except OverflowError:
            side = "after 9999" if seconds > 0 else "before 0000"
            if kind == "datetime":
                error, message = "datetime_parsing", "Input should be a valid datetime, {error}"
            else:
                error, message = "date_from_datetime_parsing", "Input should be a valid date or datetime, {error}"
            raise PydanticCustomError(
                error, message, {"error": f"dates {side} are not supported as unix timestamps"}
            ) from None
        if kind == "datetime":
            return instant
        if instant.time() != datetime.time(0):
            raise PydanticCustomError(
                "date_from_datetime_inexact",
                "Datetimes provided to dates should have zero time - e.g. be exact dates",
            )
        return instant.date()

    return {"type": "function", "mode": "before", "func": read, "schema": schema}


def _duration_text(td: datetime.timedelta) -> str:
    """A duration as pydantic-core words it in errors: ``15 minutes``, ``1 day and 2 hours``."""
    units = [
        (td.days, "day"),
        (td.seconds // 3600, "hour"),
        (td.seconds % 3600 // 60, "minute"),
        (td.seconds % 60, "second"),
        (td.microseconds, "microsecond"),
    ]
    parts = [f"{n} {unit}{'' if n == 1 else 's'}" for n, unit in units if n]
    return " and ".join(parts) or "0 seconds"


def _constraint_check(key: str, bound: Any) -> Callable[..., Any]:
    """A validator function enforcing one constraint in Python."""
    from ouroboros.validation.core._known_errors import PydanticKnownError

    def check(value: Any, _data: Any = None, _context: Any = None) -> Any:
        try:
            if key in ("max_digits", "decimal_places"):
                from ouroboros.validation._internal._validators import _extract_decimal_digits_info

                digits, places = _extract_decimal_digits_info(value)
                ok = (digits if key == "max_digits" else places) <= bound
                error = "decimal_max_digits" if key == "max_digits" else "decimal_max_places"
                ctx = {key: bound}
            else:
                error, test = _CHECK_ERRORS[key]
                ok = test(value, bound)
                ctx = {key: _duration_text(bound) if isinstance(bound, datetime.timedelta) else bound}
                if key in ("min_length", "max_length"):
                    ctx = {"field_type": "Value", key: bound, "actual_length": len(value)}
        except TypeError:
            raise TypeError(f"Unable to apply constraint '{key}' to supplied value {value}") from None
        if not ok:
            raise PydanticKnownError(error, ctx)
        return value

    return check


def describe_type(tp: Any, ctx: DescribeContext, metadata: list[Any] | None = None) -> dict[str, Any]:
    """The type schema of annotation ``tp`` with ``Annotated`` metadata applied."""
    top = tp is ctx.top_annotation or tp is _FIELD_ANNOTATION.get()
    if top and isinstance(tp, typing.TypeVar) and ctx.typevars.get(tp, tp) is not tp:
        # A generic field's parameter (``RootModel[Annotated[str, Field(...)]]``) is field-level too.
        ctx.top_annotation = ctx.typevars[tp]
    tp, inner_meta = split_annotated(tp)
    if not top:
        for item in inner_meta:
            if type(item) is FieldInfo:
                _warn_unsupported_field_attributes(item, ctx)
    metadata = [*inner_meta, *(metadata or [])]
    unknown: dict[str, Any] | None = None
    try:
        schema = _describe_bare(tp, ctx)
    except TypeError as exc:  # PydanticSchemaGenerationError (a TypeError, imported lazily)
        if not metadata or not hasattr(exc, "source_type"):
            raise
        # A class without a schema under markers that may not need one (`PlainValidator`,
        # `InstanceOf`, a hook that never calls `handler(source)`): Pydantic raises only when
        # the class's own schema is used, which is checked once the markers are applied.
        schema = unknown = {"type": "is_instance", "cls": tp, "unknown_error": exc}
    from ouroboros.validation._json_schema import static_json_schema

    static = static_json_schema(tp, metadata)
    if static is not None:
        schema = {**schema, "json_schema": static}
    constraints: dict[str, Any] = {}
    validators: list[tuple[str, Any]] = []
    discriminator = None
    json_hook = None
    # Checks placed after a validator in the `Annotated` metadata (see `_after_validators`).
    checked_after: set[str] = set()
    for index, item in enumerate(metadata):
        new: dict[str, Any] | None = None
        if isinstance(item, FieldInfo):
            new = item.constraints
            if item.discriminator:
                discriminator = item.discriminator
        elif isinstance(item, Discriminator):
            discriminator = item
        elif isinstance(item, Strict):
            constraints["strict"] = item.strict
        elif isinstance(item, _StrTransform):
            constraints.update({k: v for k, v in vars(item).items() if v})
        elif isinstance(item, (BeforeValidator, AfterValidator, PlainValidator, WrapValidator)):
            validators.append((_ValidatorKind(item), item.func))
        elif isinstance(item, dict):
            new = item
        elif hasattr(item, "_ouroboros_constraints"):
            new = item._ouroboros_constraints()
        elif hasattr(item, "_ouroboros_validator"):
            marker = item._ouroboros_validator()
            validators.append((type(marker).__name__, marker.func))
            # EncodedBytes/EncodedStr also shape the JSON Schema (format of their encoder).
            json_hook = getattr(item, "__get_pydantic_json_schema__", json_hook)
        elif hasattr(item, "_ouroboros_wrap"):
            schema = apply_constraints(schema, constraints)
            for kind, func in validators:
                schema = _wrap_validator(schema, kind, func, ctx)
            constraints, validators = {}, []
            # `_ouroboros_wrap(schema, source)`: the schema so far and the annotated type.
            schema = item._ouroboros_wrap(schema, tp)
        elif type(item).__module__ == "annotated_types":
            new = {}
            _annotated_types_item(item, new, validators)
        elif hasattr(item, "__get_pydantic_json_schema__") and not hasattr(item, "__get_pydantic_core_schema__"):
            json_hook = item.__get_pydantic_json_schema__
        elif hasattr(item, "__get_pydantic_core_schema__") and not is_model_class(item):
            # A marker with its own core schema wraps what was built so far.
            schema = apply_constraints(schema, constraints)
            for kind, func in validators:
                schema = _wrap_validator(schema, kind, func, ctx)
            constraints, validators = {}, []
            schema = _marker_schema(item, tp, schema, ctx)
        if new:
            if index < len(inner_meta) and (validators or checked_after):
                checks = {k: v for k, v in new.items() if k in _CHECK_ERRORS}
                if checks:
                    schema = _after_validators(schema, constraints, validators, checks, ctx)
                    constraints, validators = {}, []
                    checked_after.update(checks)
            constraints.update({k: v for k, v in new.items() if k not in checked_after})
        if isinstance(item, FieldInfo):
            validators.extend(item._validators)
    if isinstance(discriminator, Discriminator):
        if callable(discriminator.discriminator):
            union_tp = tp
            schema = callable_union(union_tp, discriminator, lambda a: describe_type(a, ctx))
            if any(a is type(None) for a in typing.get_args(union_tp)):
                schema = {"type": "nullable", "schema": schema}
            discriminator = None
        else:
            discriminator = discriminator.discriminator
    if discriminator is not None:
        schema = _discriminated(tp, discriminator, ctx)
    if ctx.allow_inf_nan is not None and schema.get("type") in ("float", "decimal"):
        constraints.setdefault("allow_inf_nan", ctx.allow_inf_nan)
    if ctx.str_strip_whitespace and schema.get("type") == "str":
        constraints.setdefault("strip_whitespace", True)
    if ctx.coerce_numbers_to_str and schema.get("type") == "str":
        constraints.setdefault("coerce_numbers_to_str", True)
    if ctx.str_config and schema.get("type") == "str":
        for key, value in ctx.str_config.items():
            constraints.setdefault(key, value)
    if ctx.url_preserve_empty_path and schema.get("type") == "url":
        constraints.setdefault("preserve_empty_path", True)
    if ctx.val_json_bytes is not None and schema.get("type") == "bytes":
        schema = {**schema, "json_encoding": ctx.val_json_bytes}
    if ctx.val_temporal_unit is not None and schema.get("type") in ("datetime", "date"):
        schema = _with_temporal_unit(schema, ctx.val_temporal_unit)
    if ctx.strict is not None and "strict" not in constraints and schema["type"] not in ("model",):
        constraints["strict"] = ctx.strict
    schema = apply_constraints(schema, constraints)
    for kind, func in validators:
        schema = _wrap_validator(schema, kind, func, ctx)
    if unknown is not None and _uses_unknown(schema):
        raise unknown["unknown_error"]
    if json_hook is not None:
        schema = {**schema, "json_schema_hook": (json_hook, None)}
    return schema


def _after_validators(
    schema: dict[str, Any],
    constraints: dict[str, Any],
    validators: list[tuple[str, Any]],
    checks: dict[str, Any],
    ctx: DescribeContext,
) -> dict[str, Any]:
    """A bound or length placed after a validator (``Annotated[str, BeforeValidator(f),
    Field(min_length=3)]``) checks what the validators return, as Pydantic's generic checks do
    (``too_short``, not ``string_too_short``): the constraints and validators so far are
    applied, then the checks around them. Its JSON Schema keywords stay on the type's."""
    from ouroboros.validation._json_schema import _KEYWORDS

    schema = apply_constraints(schema, constraints)
    for kind, func in validators:
        schema = _wrap_validator(schema, kind, func, ctx)
    inner = schema
    while inner.get("type") in ("function", "nullable") and isinstance(inner.get("schema"), dict):
        inner = inner["schema"]
    keywords = dict(_KEYWORDS)
    if inner.get("type") in ("list", "set", "frozenset", "tuple", "deque"):
        keywords.update(min_length="minItems", max_length="maxItems")
    for key, value in checks.items():
        schema = {
            "type": "function",
            "mode": "after",
            "func": _constraint_check(key, value),
            "schema": schema,
            "json_schema_constraints": {keywords[key]: value},
        }
    return schema


_FIELD_ANNOTATION: contextvars.ContextVar[Any] = contextvars.ContextVar("_FIELD_ANNOTATION", default=None)


def describe_field(annotation: Any, describe: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    """``describe(annotation)`` for the annotation of a field (a TypedDict key...): its own
    ``Annotated[..., Field()]`` metadata is field-level there."""
    token = _FIELD_ANNOTATION.set(annotation)
    try:
        return describe(annotation)
    finally:
        _FIELD_ANNOTATION.reset(token)


# FieldInfo attributes that only mean something on a model field, and their unset values.
_FIELD_ONLY_ATTRIBUTES = (
    ("alias", None),
    ("validation_alias", None),
    ("serialization_alias", None),
    ("default", "undefined"),
    ("default_factory", None),
    ("exclude", None),
    ("deprecated", None),
    ("repr", True),
    ("validate_default", None),
    ("frozen", None),
    ("init", None),
    ("init_var", None),
    ("kw_only", None),
)


def _warn_unsupported_field_attributes(info: FieldInfo, ctx: DescribeContext) -> None:
    """Pydantic's ``UnsupportedFieldAttributeWarning``: a ``Field()`` nested in a type
    (a type alias, a union member, a list item) cannot carry field-level settings."""
    import warnings

    from ouroboros.validation._fields import PYDANTIC_UNDEFINED
    from ouroboros.validation.warnings import UnsupportedFieldAttributeWarning

    for attr, unset in _FIELD_ONLY_ATTRIBUTES:
        value = getattr(info, attr, unset)
        if unset == "undefined":
            unset = PYDANTIC_UNDEFINED
        if value is unset or (attr in ("default", "default_factory") and not ctx.in_model):
            continue
        if attr in ("validation_alias", "serialization_alias") and value == info.alias:
            continue  # set from `alias` by Field(): warned about as `alias`
        warnings.warn(
            f"The {attr!r} attribute with value {value!r} was provided to the `Field()` function, "
            f"which has no effect in the context it was used. {attr!r} is field-specific metadata, "
            "and can only be attached to a model field using `Annotated` metadata or by assignment. "
            "This may have happened because an `Annotated` type alias using the `type` statement was "
            "used, or if the `Field()` function was attached to a single member of a union type.",
            UnsupportedFieldAttributeWarning,
            stacklevel=2,
        )
    factory = info.default_factory
    if factory is not None and not ctx.in_model and takes_validated_data(factory):
        warnings.warn(
            "A 'default_factory' taking validated data as an argument was provided to the `Field()` "
            "function, but no validated data is available in the context it was used.",
            UnsupportedFieldAttributeWarning,
            stacklevel=2,
        )


# annotated_types markers and the constraint keyword each one sets.
_AT_KEYS = {
    "Gt": "gt",
    "Ge": "ge",
    "Lt": "lt",
    "Le": "le",
    "MultipleOf": "multiple_of",
    "MinLen": "min_length",
    "MaxLen": "max_length",
}


def _annotated_types_item(item: Any, constraints: dict[str, Any], validators: list[tuple[str, Any]]) -> None:
    """Apply one ``annotated_types`` marker the way Pydantic does.

    Grouped markers (``Interval``, ``Len``) are expanded; ``Predicate`` and
    ``Not`` become after-validators reporting ``predicate_failed`` /
    ``not_operation_failed``; markers Pydantic ignores (``Timezone``,
    ``Unit``, docs) are ignored here too.
    """
    name = type(item).__name__
    if name in _AT_KEYS:
        key = _AT_KEYS[name]
        constraints[key] = getattr(item, key)
    elif name in ("Predicate", "Not"):
        validators.append(("AfterValidator", _predicate_check(item.func, negate=name == "Not")))
    elif _is_grouped(item):
        for sub in item:
            _annotated_types_item(sub, constraints, validators)


def _is_grouped(item: Any) -> bool:
    import annotated_types

    return isinstance(item, annotated_types.GroupedMetadata)


def _predicate_check(func: Callable[[Any], Any], *, negate: bool) -> Callable[[Any], Any]:
    from ouroboros.validation._errors import PydanticCustomError

    label = f"{func.__qualname__!r} " if hasattr(func, "__qualname__") else ""

    def check(value: Any) -> Any:
        if negate and func(value):
            raise PydanticCustomError("not_operation_failed", f"Not of {label}failed")
        if not negate and not func(value):
            raise PydanticCustomError("predicate_failed", f"Predicate {label}failed")
        return value

    return check


class GetCoreSchemaHandler:
    """The ``handler`` of ``__get_pydantic_core_schema__``: the schema of a type
    as it would be without the hook (``handler(source)``)."""

    def __init__(self, build: Callable[[Any], dict[str, Any]], ctx: DescribeContext) -> None:
        self._build = build
        self._ctx = ctx
        self.field_name: str | None = None

    def __call__(self, source_type: Any) -> dict[str, Any]:
        return self._build(source_type)

    def generate_schema(self, source_type: Any) -> dict[str, Any]:
        """The schema of another type (its own hook included)."""
        return describe_type(source_type, self._ctx)

    def resolve_ref_schema(self, maybe_ref_schema: dict[str, Any]) -> dict[str, Any]:
        return maybe_ref_schema


def _with_json_hook(schema: dict[str, Any], owner: Any, core: dict[str, Any]) -> dict[str, Any]:
    hook = getattr(owner, "__get_pydantic_json_schema__", None)
    if hook is None or is_model_class(owner):
        return schema
    return {**schema, "json_schema_hook": (hook, core)}


def _from_core_schema_hook(tp: Any, ctx: DescribeContext) -> dict[str, Any]:
    from ouroboros.validation.core._translate import to_description

    def without_hook(source: Any) -> dict[str, Any]:
        if source is tp:
            origin = typing.get_origin(tp) or tp
            for base in getattr(origin, "__mro__", ())[1:]:
                if base in _SIMPLE:
                    return {"type": _SIMPLE[base]}
            if not isinstance(origin, type):
                return {"type": "any"}
            structural = _structural_schema(tp, ctx)
            if structural is not None:
                # A NamedTuple, TypedDict or dataclass: its fields, as Pydantic's handler gives.
                return structural
            if not ctx.arbitrary_types_allowed:
                # `handler(source)` of a class with no schema of its own: Pydantic's error.
                raise unknown_type_error(tp)
            return {"type": "is_instance", "cls": origin}
        return describe_type(source, ctx)

    core = tp.__get_pydantic_core_schema__(tp, GetCoreSchemaHandler(without_hook, ctx))
    return _with_json_hook(to_description(core), tp, core)


def _structural_schema(tp: Any, ctx: DescribeContext) -> dict[str, Any] | None:
    """The schema of a NamedTuple, TypedDict or standard-library dataclass from its fields
    (what ``handler(source)`` gives inside the class's own ``__get_pydantic_core_schema__``)."""
    from ouroboros.validation._typeddict import describe_typed_dict, is_typed_dict

    origin = typing.get_origin(tp) or tp
    if _is_named_tuple(origin):
        from ouroboros.validation._more_annotations import describe_more

        return describe_more(tp, ctx.describe)
    if is_typed_dict(tp):
        return describe_typed_dict(tp, ctx)
    if isinstance(origin, type) and dataclasses.is_dataclass(origin) and not is_pydantic_dataclass(origin):
        from ouroboros.validation.dataclasses import stdlib_dataclass_schema

        return stdlib_dataclass_schema(origin)
    return None


def _marker_schema(item: Any, source: Any, current: dict[str, Any], ctx: DescribeContext) -> dict[str, Any]:
    from ouroboros.validation.core._translate import to_description

    def inner(src: Any) -> dict[str, Any]:
        if src is not source:
            return describe_type(src, ctx)
        if _uses_unknown(current):
            # `handler(source)` of a class without a schema: Pydantic's error, raised here.
            raise current["unknown_error"] if "unknown_error" in current else unknown_type_error(source)
        return current

    core = item.__get_pydantic_core_schema__(source, GetCoreSchemaHandler(inner, ctx))
    return _with_json_hook(to_description(core), item, core)


class _ValidatorKind(str):
    """The kind of a validator marker (``"BeforeValidator"``...) carrying its
    ``json_schema_input_type`` (``Any`` when not given)."""

    input_type: Any

    def __new__(cls, marker: Any) -> _ValidatorKind:
        kind = super().__new__(cls, type(marker).__name__)
        kind.input_type = getattr(marker, "json_schema_input_type", Any)
        return kind


def with_input_type(
    described: dict[str, Any], kind: str, input_type: Any, source: dict[str, Any], ctx: DescribeContext | None = None
) -> dict[str, Any]:
    """A validator's description with what its validation-mode JSON Schema shows: the
    ``json_schema_input_type`` given, or for a plain validator without one any value; a plain
    validator's serialization-mode JSON Schema shows the type it stands for (``source``)."""
    if kind == "plain":
        described["source_schema"] = source
    if input_type is Any and kind != "plain":
        return described
    if input_type is Any:
        described["json_schema_input"] = lambda: {"type": "any"}
        return described

    def input_schema() -> dict[str, Any]:
        context = ctx or DescribeContext()
        tp = context.resolve(input_type) if isinstance(input_type, str) else input_type
        return describe_type(tp, context)

    described["json_schema_input"] = input_schema
    return described


def _wrap_validator(schema: dict[str, Any], kind: str, func: Any, ctx: DescribeContext) -> dict[str, Any]:
    input_type = getattr(kind, "input_type", Any)
    if isinstance(kind, _ValidatorKind) and (input_type is not Any or kind == "PlainValidator"):
        mode = {"BeforeValidator": "before", "PlainValidator": "plain", "WrapValidator": "wrap"}.get(kind, "after")
        return with_input_type(_wrap_validator(schema, str(kind), func, ctx), mode, input_type, schema, ctx)
    call = wrap_plain_call(func)
    name = function_name(func)
    if kind == "BeforeValidator":
        return {"type": "function", "mode": "before", "func": call, "schema": schema, "name": name}
    if kind == "AfterValidator":
        return {"type": "function", "mode": "after", "func": call, "schema": schema, "name": name}
    if kind == "PlainValidator":
        return {"type": "function", "mode": "plain", "func": call, "name": name}
    inner = _LazyHandler(schema)
    two = (lambda v, d: func(v, inner)) if _arity(func) < 3 else None
    field_name = describing_field.get()

    def wrap(value: Any, data: Any, context: Any = None) -> Any:
        from ouroboros.validation._decorators import ValidationInfo

        if two is not None:
            return two(value, data)
        return func(value, inner, ValidationInfo(data, field_name, context=context))

    return {"type": "function", "mode": "plain", "func": wrap, "inner_schema": schema, "name": name, "wrap": True}


def function_name(func: Any) -> str:
    """A validator function's name as union errors show it (``check`` in
    ``function-after[check(), int]``): its ``__name__``, else its repr."""
    name = getattr(func, "__name__", None)
    return name if isinstance(name, str) else repr(func)


class _LazyHandler:
    """The ``handler`` a wrap validator receives: validates as the wrapped type."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self._schema = schema
        self._validator: Any = None

    def __call__(self, value: Any) -> Any:
        if self._validator is None:
            from ouroboros.validation._validation import SchemaValidator

            self._validator = SchemaValidator(self._schema)
        return self._validator.validate_python(value)


class DescribeContext:
    """Where forward references are resolved and which config applies."""

    def __init__(
        self,
        globalns: dict[str, Any] | None = None,
        localns: dict[str, Any] | None = None,
        *,
        strict: bool | None = None,
        str_strip_whitespace: bool = False,
        allow_inf_nan: bool | None = None,
        arbitrary_types_allowed: bool = False,
        typevars: dict[Any, Any] | None = None,
        self_type: Any = None,
    ) -> None:
        self.globalns = globalns or {}
        self.localns = localns or {}
        self.strict = strict
        self.str_strip_whitespace = str_strip_whitespace
        # ``ConfigDict(allow_inf_nan=...)``: the default of floats and Decimals (None: the type's own).
        self.allow_inf_nan = allow_inf_nan
        self.arbitrary_types_allowed = arbitrary_types_allowed
        self.typevars = typevars or {}
        # What the TypeVars of a forward reference stand for once it is resolved (a generic
        # model's parametrization, whose other annotations are bound already).
        self.ref_bindings: dict[Any, Any] = {}
        # The class ``typing.Self`` stands for (the model being described).
        self.self_type = self_type
        # The annotation whose own ``Annotated[..., Field()]`` metadata is field-level.
        self.top_annotation: Any = None
        self.coerce_numbers_to_str = False
        # ``str_to_lower``, ``str_min_length``... of the config, as str constraints.
        self.str_config: dict[str, Any] = {}
        # ``val_temporal_unit``: numbers given for datetimes and dates are in this unit.
        self.val_temporal_unit: str | None = None
        # `url_preserve_empty_path`: "http://a.com" stays without its "/".
        self.url_preserve_empty_path = False
        # `val_json_bytes`: how bytes are written in JSON input ("base64", "hex"; None: UTF-8).
        self.val_json_bytes: str | None = None
        # Type aliases being described (a recursive alias refers back to one of these).
        self.aliases_open: set[str] = set()
        self.aliases_pending: dict[str, list[dict[str, Any]]] = {}

    def describe(self, tp: Any) -> dict[str, Any]:
        """The type schema of ``tp`` in this context."""
        return describe_type(tp, self)

    def apply_config(self, config: Any) -> None:
        """Config keys that act on every field of a type (besides ``strict``)."""
        self.coerce_numbers_to_str = bool(config.get("coerce_numbers_to_str", False))
        for key, constraint in (
            ("str_to_lower", "to_lower"),
            ("str_to_upper", "to_upper"),
            ("str_min_length", "min_length"),
            ("str_max_length", "max_length"),
        ):
            if config.get(key):
                self.str_config[constraint] = config[key]
        self.in_model = False
        self.url_preserve_empty_path = bool(config.get("url_preserve_empty_path", False))
        encoding = config.get("val_json_bytes")
        self.val_json_bytes = encoding if encoding in ("base64", "hex") else None
        unit = config.get("val_temporal_unit")
        self.val_temporal_unit = unit if unit in ("seconds", "milliseconds") else None

    def resolve(self, ref: Any) -> Any:
        name = ref.__forward_arg__ if isinstance(ref, typing.ForwardRef) else ref
        try:
            resolved = eval(name, self.globalns, self.localns)
        except NameError as exc:
            raise UndefinedAnnotation(name) from exc
        if self.ref_bindings:
            from ouroboros.validation._internal._generics import replace_types

            resolved = replace_types(resolved, self.ref_bindings)
        return resolved


def _type_schema(arg: Any) -> dict[str, Any]:
    """``type`` / ``type[X]``: a class (``is_type``), a subclass of ``X`` (``is_subclass_of``; of
    one of the members of a union), as Pydantic checks them. A TypeVar stands for its bound."""
    if isinstance(arg, typing.TypeVar):
        arg = arg.__bound__ if arg.__bound__ is not None else Any
    members = typing.get_args(arg) if typing.get_origin(arg) in (typing.Union, types.UnionType) else (arg,)
    members = tuple(type(None) if m is None else m for m in members)
    if any(m is Any or m is object for m in members):
        members = ()
    elif not all(isinstance(m, type) for m in members):
        return {"type": "is_instance", "cls": type}
    return {
        "type": "function",
        "mode": "plain",
        "func": _subclass_check(members),
        "schema": {"type": "is_instance", "cls": type},
    }


@functools.lru_cache(maxsize=256)
def _subclass_check(members: tuple[type, ...]) -> Any:
    """The validator of ``type[members]`` (one per tuple of classes: equal schemas compare equal)."""

    def check(value: Any, _data: Any = None, _context: Any = None) -> Any:
        from ouroboros.validation.core import PydanticCustomError

        if members and isinstance(value, type) and issubclass(value, members):
            return value
        if not members:
            if isinstance(value, type):
                return value
            raise PydanticCustomError("is_type", "Input should be a type")
        name = members[0].__name__
        raise PydanticCustomError("is_subclass_of", "Input should be a subclass of {class}", {"class": name})

    return check


def _check_hashable(value: Any, _data: Any = None, _context: Any = None) -> Any:
    """``Hashable``: the value if its class is hashable (as Pydantic's instance check), else
    Pydantic's ``is_hashable`` error."""
    if isinstance(value, collections.abc.Hashable):
        return value
    from ouroboros.validation.core import PydanticCustomError

    raise PydanticCustomError("is_hashable", "Input should be hashable")


class UndefinedAnnotation(Exception):
    """A forward reference that cannot be resolved yet."""


def _label(tp: Any) -> str:
    return getattr(tp, "__name__", None) or str(tp)


def _type_alias_types() -> tuple[type, ...]:
    import typing_extensions

    kinds = {typing_extensions.TypeAliasType}
    if hasattr(typing, "TypeAliasType"):
        kinds.add(typing.TypeAliasType)
    return tuple(kinds)


def type_alias_value(tp: Any) -> Any:
    """What a ``type X = ...`` alias (``TypeAliasType``) stands for, ``X[int]`` substituted; else None."""
    kinds = _type_alias_types()
    if isinstance(tp, kinds):
        return tp.__value__
    origin = typing.get_origin(tp)
    if not isinstance(origin, kinds):
        return None
    value = origin.__value__
    params = getattr(origin, "__type_params__", ())
    args = typing.get_args(tp)
    if params and getattr(value, "__parameters__", ()):
        value = value[args if len(args) != 1 else args[0]]
    elif params:
        value = dict(zip(params, args, strict=False)).get(value, value)
    return value


def _member(tp: Any, table: Any) -> bool:
    """``tp in table``; False for an unhashable annotation (``list[Annotated[int, Meta()]]``
    whose metadata cannot be hashed)."""
    try:
        return tp in table
    except TypeError:
        return False


def _is_named_tuple(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, tuple) and hasattr(tp, "_fields")


def _with_self_type(tp: Any, ctx: DescribeContext, build: Callable[[], Any]) -> Any:
    """``build()`` with ``typing.Self`` standing for ``tp`` (a NamedTuple's own fields)."""
    outer, ctx.self_type = ctx.self_type, tp
    try:
        return build()
    finally:
        ctx.self_type = outer


def _is_self(tp: Any) -> bool:
    import typing_extensions

    return tp is typing_extensions.Self or tp is getattr(typing, "Self", typing_extensions.Self)


def _describe_alias(tp: Any, value: Any, ctx: DescribeContext) -> dict[str, Any]:
    """A type alias; one referring to itself (directly or not) is validated through a lazy step."""
    return _describe_recursive(tp, lambda: describe_type(value, ctx), ctx)


def _describe_recursive(tp: Any, build: Callable[[], dict[str, Any]], ctx: DescribeContext) -> dict[str, Any]:
    """``build()``, the schema of ``tp``; ``tp`` met again inside it is validated through a lazy step."""
    key = repr(tp)
    if key in ctx.aliases_open:
        holder: dict[str, Any] = {}
        ctx.aliases_pending.setdefault(key, []).append(holder)

        def recurse(value: Any, _data: Any = None, _context: Any = None) -> Any:
            return holder["handler"](value)

        return {"type": "function", "mode": "plain", "func": recurse}
    ctx.aliases_open.add(key)
    try:
        schema = build()
    finally:
        ctx.aliases_open.discard(key)
    for holder in ctx.aliases_pending.pop(key, []):
        holder["handler"] = _LazyHandler(schema)
    return schema


def bound_typevar(tv: Any, typevars: dict[Any, Any]) -> Any:
    """What TypeVar ``tv`` stands for through ``typevars`` (followed while it maps to another TypeVar)."""
    seen = set()
    while isinstance(tv, typing.TypeVar) and tv in typevars and typevars[tv] is not tv and tv not in seen:
        seen.add(tv)
        tv = typevars[tv]
    return tv


def _bind_model_typevars(tp: Any, ctx: DescribeContext) -> Any:
    """A generic model named with the TypeVars of the model being described (``Model2[T]`` in
    ``Model1[str]``) is parametrized with what those TypeVars stand for (``Model2[str]``)."""
    if not ctx.typevars:
        return tp
    params = tp.__pydantic_generic_metadata__["parameters"]
    if not params:
        return tp
    bound = tuple(bound_typevar(p, ctx.typevars) for p in params)
    if all(b is p for b, p in zip(bound, params, strict=True)):
        return tp
    return tp[bound if len(bound) != 1 else bound[0]]


def _secret_schema(tp: Any, ctx: DescribeContext) -> dict[str, Any] | None:
    """``Secret[X]`` and subclasses of ``Secret[X]``: X validated, then wrapped in the class."""
    from ouroboros.validation._more_types import secret_inner_type

    found = secret_inner_type(tp)
    if found is None:
        return None
    cls, inner = found
    return cls._schema(describe_type(inner, ctx))


def _v1_validators_schema(tp: type) -> dict[str, Any]:
    """A v1 custom type (``__get_validators__``): its validators run in turn, each called as
    ``validator(value, info)`` (deprecated since Pydantic 2.0, which warns)."""
    import warnings

    from ouroboros.validation._decorators import ValidationInfo
    from ouroboros.validation.warnings import PydanticDeprecatedSince20

    warnings.warn(
        PydanticDeprecatedSince20(
            "`__get_validators__` is deprecated and will be removed, use `__get_pydantic_core_schema__` instead."
        ),
        stacklevel=2,
    )
    validators = list(tp.__get_validators__())  # type: ignore[attr-defined]
    field_name = describing_field.get()

    def run(value: Any, data: Any, context: Any = None) -> Any:
        info = ValidationInfo(data, field_name, context=context)
        for validator in validators:
            value = validator(value, info)
        return value

    return {"type": "function", "mode": "plain", "func": run}


def _describe_bare(tp: Any, ctx: DescribeContext) -> dict[str, Any]:
    if isinstance(tp, type) and hasattr(tp, "__modify_schema__") and not hasattr(tp, "__get_pydantic_json_schema__"):
        from ouroboros.validation.errors import PydanticUserError

        raise PydanticUserError(
            "The `__modify_schema__` method is not supported in Pydantic v2. "
            f"Use `__get_pydantic_json_schema__` instead in class `{tp.__name__}`.",
            code="custom-json-schema",
        )
    if (
        isinstance(tp, type)
        and hasattr(tp, "__get_validators__")
        and not hasattr(tp, "__get_pydantic_core_schema__")
        and not is_model_class(tp)
    ):
        return _v1_validators_schema(tp)
    if isinstance(tp, PydanticRecursiveRef):
        resolved = tp.resolve()
        if isinstance(resolved, PydanticRecursiveRef):
            # Still being made: the model referring to it is built once it is.
            raise UndefinedAnnotation(tp.type_ref)
        return describe_type(resolved, ctx)
    if isinstance(tp, (str, typing.ForwardRef)):
        resolved = ctx.resolve(tp)
        if isinstance(resolved, typing.ForwardRef):
            # A generic model referring to its own parametrization while it is made.
            raise UndefinedAnnotation(resolved.__forward_arg__)
        return describe_type(resolved, ctx)
    if _is_self(tp):
        if ctx.self_type is None:
            from ouroboros.validation.errors import PydanticUserError

            raise PydanticUserError("`typing.Self` is invalid in this context", code="invalid-self-type")
        return describe_type(ctx.self_type, ctx)
    alias_value = type_alias_value(tp)
    if alias_value is not None:
        return _describe_alias(tp, alias_value, ctx)
    if isinstance(tp, typing.NewType):
        # A NewType validates (and dumps) as the type it wraps, as in Pydantic.
        return describe_type(tp.__supertype__, ctx)
    if isinstance(tp, typing.TypeVar):
        # A TypeVar mapped to itself (a generic parametrized by its own parameter) is unbound.
        if tp in ctx.typevars and ctx.typevars[tp] is not tp:
            return describe_type(ctx.typevars[tp], ctx)
        has_default = getattr(tp, "has_default", None)
        if has_default is not None and has_default():
            # An unbound TypeVar stands for its default, else its constraints, else its bound.
            return describe_type(tp.__default__, ctx)
        if tp.__constraints__:
            return describe_type(typing.Union[tp.__constraints__], ctx)  # noqa: UP007
        if tp.__bound__ is not None:
            return describe_type(tp.__bound__, ctx)
        return {"type": "any"}
    if tp is Any or tp is object or tp is inspect.Parameter.empty:
        return {"type": "any"}
    secret = _secret_schema(tp, ctx)
    if secret is not None:
        return secret
    if tp is None or tp is type(None):
        return {"type": "none"}
    if _member(tp, _SIMPLE):
        return {"type": _SIMPLE[tp]}
    if _member(tp, _IP_TYPES):
        from ouroboros.validation.networks import IP_SCHEMAS

        return dict(IP_SCHEMAS[tp])
    if is_pydantic_dataclass(tp):
        return tp.__ouroboros_dataclass_schema__()
    if _member(tp, _PATHS) or typing.get_origin(tp) is os.PathLike:
        from ouroboros.validation._more_types import PATH_SCHEMA

        # Strict mode takes only instances of the annotated path type from Python
        # (`os.PathLike[str]`: of `os.PathLike`).
        cls = typing.get_origin(tp) or tp
        return {**PATH_SCHEMA, "strict_python": {"type": "is_instance", "cls": cls}}
    custom = getattr(tp, "__ouroboros_type_schema__", None)
    if isinstance(custom, dict):
        return dict(custom)
    if hasattr(tp, "__get_pydantic_core_schema__") and not is_model_class(tp):
        return _from_core_schema_hook(tp, ctx)
    if is_model_class(tp):
        tp = _bind_model_typevars(tp, ctx)
        if tp.model_config.get("revalidate_instances", "never") != "never":
            from ouroboros.validation._model import revalidation_input

            return {
                "type": "function",
                "mode": "before",
                "func": lambda value, _data=None, _context=None: revalidation_input(tp, value),
                "schema": {"type": "model", "cls": tp},
            }
        if not getattr(tp.__init__, "__pydantic_base_init__", False):
            from ouroboros.validation._model import custom_init_input

            # A model with its own `__init__` is built by calling it with the dict's items (Pydantic).
            return {
                "type": "function",
                "mode": "before",
                "func": lambda value, _data=None, _context=None: custom_init_input(tp, value),
                "schema": {"type": "model", "cls": tp},
            }
        return {"type": "model", "cls": tp}
    if isinstance(tp, type) and hasattr(tp, "__v2_model__") and getattr(tp, "__v1_base__", False):
        import warnings

        warnings.warn(
            "Mixing V1 models and V2 models (or constructs, like `TypeAdapter`) is not supported. "
            f"Please upgrade `{tp.__name__}` to V2.",
            UserWarning,
            stacklevel=2,
        )
        return {"type": "is_instance", "cls": tp}
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        if not tp.__members__:
            # An enum without members (``Enum`` itself, a TypeVar's bound) takes its instances.
            return {"type": "is_instance", "cls": tp}
        schema: dict[str, Any] = {"type": "enum", "cls": tp}
        missing = getattr(tp, "_missing_", None)
        if missing is not None and getattr(missing, "__func__", None) is not enum.Enum._missing_.__func__:  # type: ignore[attr-defined]
            # The class's own `_missing_` is asked for a value no member has, as Pydantic does.
            schema["missing"] = missing
        return schema
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Union or origin is types.UnionType:
        from ouroboros.validation._fields import MISSING

        if any(a is MISSING for a in args):
            # `X | MISSING`: X's schema, the sentinel passing as it is (and left out of errors).
            rest = tuple(a for a in args if a is not MISSING)
            inner = rest[0] if len(rest) == 1 else typing.Union[rest]  # noqa: UP007
            return {"type": "passthrough", "value": MISSING, "schema": describe_type(inner, ctx)}
        non_none = [a for a in args if a is not type(None)]
        if len(non_none) < len(args):
            inner = describe_type(non_none[0], ctx) if len(non_none) == 1 else _union(non_none, ctx)
            return {"type": "nullable", "schema": inner}
        return _union(list(args), ctx)
    if origin is typing.Literal:
        expected = []
        for a in args:
            expected.extend(typing.get_args(a) if typing.get_origin(a) is typing.Literal else [a])
        return {"type": "literal", "expected": expected}
    if _member(tp, _LISTS) or origin in _LISTS:
        described = {"type": "list", "items": describe_type(args[0], ctx) if args else {"type": "any"}}
        if (origin or tp) in _SEQUENCES:
            # Any sequence but str/bytes, given back in its own type (ouroboros-schema's list
            # validator in sequence mode).
            described["sequence"] = True
        return described
    if _member(tp, _SETS) or origin in _SETS:
        return {"type": "set", "items": describe_type(args[0], ctx) if args else {"type": "any"}}
    if _member(tp, _FROZENSETS) or origin in _FROZENSETS:
        return {"type": "frozenset", "items": describe_type(args[0], ctx) if args else {"type": "any"}}
    if _member(tp, _DICTS) or origin in _DICTS:
        if not args:
            return {"type": "dict"}
        return {"type": "dict", "keys": describe_type(args[0], ctx), "values": describe_type(args[1], ctx)}
    if _member(tp, _TUPLES) or origin in _TUPLES:
        if not args and getattr(tp, "__args__", None) == ():
            # `tuple[()]`: its arguments read as none, as bare `tuple`'s do.
            return {"type": "tuple", "items": []}
        if not args:
            return {"type": "tuple", "variadic": {"type": "any"}}
        if len(args) == 2 and args[1] is Ellipsis:
            return {"type": "tuple", "variadic": describe_type(args[0], ctx)}
        if args == ((),):
            return {"type": "tuple", "items": []}
        return {"type": "tuple", "items": [describe_type(a, ctx) for a in args]}
    if origin is type or tp is type:
        return _type_schema(args[0] if args else Any)
    if origin is not None and is_model_class(origin):
        return {"type": "model", "cls": tp}
    if isinstance(origin, type) and dataclasses.is_dataclass(origin) and args:
        from ouroboros.validation.dataclasses import parametrized_dataclass_schema

        return parametrized_dataclass_schema(origin, args)
    from ouroboros.validation._typeddict import describe_typed_dict, is_typed_dict

    if is_typed_dict(tp):
        return describe_typed_dict(tp, ctx)
    from ouroboros.validation._more_annotations import describe_more

    if _is_named_tuple(origin or tp):
        return _describe_recursive(tp, lambda: _with_self_type(tp, ctx, lambda: describe_more(tp, ctx.describe)), ctx)
    more = describe_more(tp, ctx.describe)
    if more is not None:
        return more
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        from ouroboros.validation.dataclasses import stdlib_dataclass_schema

        return stdlib_dataclass_schema(tp)
    if tp is collections.abc.Hashable:
        # Any hashable value, refused with Pydantic's own error (`is_hashable`).
        return {"type": "function", "mode": "plain", "func": _check_hashable, "schema": {"type": "any"}}
    if isinstance(tp, type) and "__ouroboros_base__" in tp.__dict__:
        # `BaseModel` itself (a TypeVar's bound): any model instance.
        return {"type": "is_instance", "cls": tp}
    if isinstance(tp, type) or isinstance(origin, type):
        # Any other class (or a parametrized class of the user's, ``CustomSequence[int]``): its
        # instances, only with ``arbitrary_types_allowed``, else Pydantic's error at definition.
        if ctx.arbitrary_types_allowed:
            return {"type": "is_instance", "cls": tp if isinstance(tp, type) else origin}
        raise unknown_type_error(tp)
    if ctx.arbitrary_types_allowed:
        # Not a class at all (an instance): nothing to check the input against (Pydantic).
        import warnings

        from ouroboros.validation.warnings import ArbitraryTypeWarning

        warnings.warn(
            f"{tp!r} is not a Python type (it may be an instance of an object), Pydantic will allow any object "
            "with no validation since we cannot even enforce that the input is an instance of the given type. "
            "To get rid of this error wrap the type with `pydantic.SkipValidation`.",
            ArbitraryTypeWarning,
            stacklevel=2,
        )
        return {"type": "any"}
    raise unknown_type_error(tp)


def _uses_unknown(schema: Any) -> bool:
    """Whether a class without a schema is still in ``schema``'s tree (a plain validator's
    ``source_schema``, which only shapes its serialization-mode JSON Schema, does not count)."""
    if isinstance(schema, dict):
        return "unknown_error" in schema or any(_uses_unknown(v) for k, v in schema.items() if k != "source_schema")
    if isinstance(schema, (list, tuple)):
        return any(_uses_unknown(v) for v in schema)
    return False


def unknown_type_error(tp: Any) -> Exception:
    """Pydantic's ``PydanticSchemaGenerationError`` for a class it has no schema for."""
    from ouroboros.validation.errors import PydanticSchemaGenerationError

    error = PydanticSchemaGenerationError(
        f"Unable to generate pydantic-core schema for {tp!r}. Set `arbitrary_types_allowed=True` in the "
        "model_config to ignore this error or implement `__get_pydantic_core_schema__` on your type to "
        "fully support it.\n\nIf you got this error by calling handler(<some type>) within "
        "`__get_pydantic_core_schema__` then you likely need to call `handler.generate_schema(<some type>)` "
        "since we do not call `__get_pydantic_core_schema__` on `<some type>` otherwise to avoid infinite "
        "recursion.",
        code="schema-for-unknown-type",
    )
    error.source_type = tp  # type: ignore[attr-defined]  # the class, for callers' own messages
    return error


def _union(args: list[Any], ctx: DescribeContext) -> dict[str, Any]:
    choices = [describe_type(a, ctx) for a in args]
    schema: dict[str, Any] = {"type": "union", "choices": choices}
    # ``Annotated[A, Tag("a")]`` members: errors are located under their tags, as in Pydantic.
    from ouroboros.validation._discriminator import Tag

    tags = [next((m.tag for m in reversed(split_annotated(a)[1]) if isinstance(m, Tag)), None) for a in args]
    if all(t is not None for t in tags):
        schema["labels"] = tags
    return schema


def _discriminated(tp: Any, discriminator: str, ctx: DescribeContext) -> dict[str, Any]:
    """``Field(discriminator=...)``: the union's member is chosen by the value of one field.

    Follows Pydantic: members are models, dataclasses, TypedDicts or nested unions of them
    (validator wrappers allowed); each names the field with a ``Literal`` type, whose values
    become the member's tags. ``None`` in the union makes the result nullable.
    """
    from ouroboros.validation._discriminator import DiscriminatorPlan

    plan = DiscriminatorPlan(discriminator, lambda a: describe_type(a, ctx), ctx.resolve)
    return plan.build(tp)
