"""Type schemas for the standard-library types Pydantic accepts beyond the basics:
deque, Counter, OrderedDict, defaultdict, Callable, Fraction, ZoneInfo, Pattern,
and NamedTuple (TypedDicts: ``_typeddict``).

Containers are validated by ouroboros-schema as lists/dicts first, then turned
into the requested class by an after-function; scalars are plain functions
raising Pydantic's error types.
"""

from __future__ import annotations

import collections
import collections.abc
import decimal
import re
import typing
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from ouroboros.validation._errors import PydanticCustomError

__all__ = ["describe_more"]

_DEFAULT_FACTORIES: dict[Any, Callable[[], Any]] = {
    list: list,
    set: set,
    frozenset: frozenset,
    dict: dict,
    tuple: tuple,
    int: int,
    float: float,
    str: str,
    bool: bool,
    bytes: bytes,
}


def _after(schema: dict[str, Any], convert: Callable[[Any], Any]) -> dict[str, Any]:
    return {"type": "function", "mode": "after", "func": lambda v, *_: convert(v), "schema": schema}


def _plain(func: Callable[[Any], Any]) -> dict[str, Any]:
    return {"type": "function", "mode": "plain", "func": lambda v, *_: func(v)}


def _deque_input(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` (a deque's) whose input must be a collection of items, else ``deque_type``
    (the list validator would say ``list_type``), as Pydantic reports it."""

    def require(value: Any, *_: Any) -> Any:
        if isinstance(value, (str, bytes, bytearray, collections.abc.Mapping)) or not isinstance(
            value, collections.abc.Iterable
        ):
            raise PydanticCustomError("deque_type", "Input should be a valid deque")
        return value

    return {"type": "function", "mode": "before", "func": require, "schema": schema}


def _mapping_of(schema: dict[str, Any], error_type: str, message: str) -> dict[str, Any]:
    """``schema`` (a dict's) whose input must be a mapping, else the class's own error type
    (``counter_type``, ``ordered_dict_type``), as Pydantic reports it."""

    def require(value: Any, *_: Any) -> Any:
        if not isinstance(value, collections.abc.Mapping):
            raise PydanticCustomError(error_type, message)
        return value

    return {"type": "function", "mode": "before", "func": require, "schema": schema}


def _strict_instance(schema: dict[str, Any], cls: type, error_type: str, message: str) -> dict[str, Any]:
    """``schema`` that, in strict mode, takes only instances of ``cls`` from Python (JSON input,
    which has no such type, is still read as in lax mode), as Pydantic's strict containers do."""

    def require(value: Any, *_: Any) -> Any:
        if not isinstance(value, cls):
            raise PydanticCustomError(error_type, message)
        return dict(value) if isinstance(value, dict) else list(value)

    strict = {"type": "function", "mode": "before", "func": require, "schema": schema}
    return {**schema, "strict_python": strict}


_MAX_EXPONENT = 4300


def _fraction(value: Any) -> Fraction:
    if isinstance(value, Fraction):
        return value
    if not isinstance(value, (str, int, float, decimal.Decimal)):
        raise PydanticCustomError("fraction_type", "Input should be a valid fraction")
    if isinstance(value, str):
        # Fraction("1e32000000") builds a 32-million-digit integer: refuse such exponents
        # up front (beyond Python's own 4300-digit int/str limit) instead of hanging.
        exponent = re.fullmatch(r".*[eE]([+-]?[\d_]+)", value.strip(), re.DOTALL)
        if exponent is not None:
            try:
                too_large = abs(int(exponent.group(1).replace("_", ""))) > _MAX_EXPONENT
            except ValueError:
                too_large = False
            if too_large:
                raise PydanticCustomError("fraction_parsing", "Input is not a valid fraction")
    try:
        return Fraction(value)
    except (ValueError, ZeroDivisionError, OverflowError):
        # Not a number, n/0, or an infinite float/Decimal.
        raise PydanticCustomError("fraction_parsing", "Input is not a valid fraction") from None


def _ellipsis(value: Any, *_: Any) -> Any:
    if value is not Ellipsis:
        raise PydanticCustomError("ellipsis_error", "Input should be the 'Ellipsis' literal")
    return value


_COMPLEX_MESSAGE = (
    "Input should be a valid python complex object, a number, or a valid complex string following the rules at "
    "https://docs.python.org/3/library/functions.html#complex"
)


def _complex(value: Any, *_: Any) -> complex:
    """A complex number from a complex, a real number or the text ``complex()`` reads."""
    if isinstance(value, complex):
        return value
    if isinstance(value, (int, float, decimal.Decimal, Fraction)):
        return complex(value)
    if isinstance(value, str):
        try:
            return complex(value.strip())
        except ValueError:
            pass
    raise PydanticCustomError("complex_type", _COMPLEX_MESSAGE)


def _zoneinfo(value: Any) -> Any:
    import zoneinfo

    if isinstance(value, zoneinfo.ZoneInfo):
        return value
    try:
        return zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        raise PydanticCustomError(
            "zoneinfo_str", "invalid timezone: {value}", {"value": value if isinstance(value, str) else repr(value)}
        ) from None


def _pattern(value: Any, kind: type | None = None) -> re.Pattern[Any]:
    """``re.Pattern`` (any source), ``re.Pattern[str]`` or ``re.Pattern[bytes]`` (``kind``)."""
    source = value.pattern if isinstance(value, re.Pattern) else value
    if not isinstance(source, (str, bytes)):
        raise PydanticCustomError("pattern_type", "Input should be a valid pattern")
    if kind is str and not isinstance(source, str):
        raise PydanticCustomError("pattern_str_type", "Input should be a string pattern")
    if kind is bytes and not isinstance(source, bytes):
        raise PydanticCustomError("pattern_bytes_type", "Input should be a bytes pattern")
    if isinstance(value, re.Pattern):
        return value
    try:
        return re.compile(value)
    except re.error as exc:
        raise PydanticCustomError("pattern_regex", "Input should be a valid regular expression") from exc


def _typevar_default_factory() -> None:
    raise RuntimeError(
        "Generic defaultdict cannot be used without a concrete value type or an explicit default factory, "
        "set using `DefaultDict[..., Annotated[..., Field(default_factory=...)]]`"
    )


def _callable(value: Any) -> Any:
    if not callable(value):
        raise PydanticCustomError("callable_type", "Input should be callable")
    return value


def _named_tuple(
    tp: type, describe: Callable[[Any], dict[str, Any]], typevars: dict[Any, Any] | None = None
) -> dict[str, Any]:
    """A NamedTuple from a tuple/list (items by position) or a dict (by field name), as Pydantic:
    a missing field without a default is ``missing`` at its index or name, extra items ``too_long``.
    ``typevars``: what a generic NamedTuple's TypeVars stand for (``Flagged[float]``)."""
    from ouroboros.validation._describe import _LazyHandler
    from ouroboros.validation._internal._generics import replace_types

    hints = typing.get_type_hints(tp, include_extras=True)
    if typevars:
        hints = {name: replace_types(hint, typevars) for name, hint in hints.items()}
    names: tuple[str, ...] = tp._fields  # type: ignore[attr-defined]
    handlers = [_LazyHandler(describe(hints.get(name, Any))) for name in names]
    defaults: dict[str, Any] = getattr(tp, "_field_defaults", {})

    def validate(value: Any) -> Any:
        from ouroboros.validation._errors import ValidationError

        if isinstance(value, dict):
            positional = False
        elif isinstance(value, (list, tuple)):
            positional = True
            if len(value) > len(names):
                raise ValidationError.from_exception_data(
                    tp.__name__,
                    [
                        {
                            "type": "too_long",
                            "loc": (),
                            "msg": f"NamedTuple should have at most {len(names)} item"
                            f"{'' if len(names) == 1 else 's'} after validation, not {len(value)}",
                            "input": value,
                            "ctx": {"field_type": "NamedTuple", "max_length": len(names), "actual_length": len(value)},
                        }
                    ],
                )
        else:
            raise PydanticCustomError(
                "named_tuple_type",
                "Input should be a tuple, list, dictionary or an instance of {class_name}",
                {"class_name": tp.__name__},
            )
        out: list[Any] = []
        lines: list[dict[str, Any]] = []
        for index, (name, handler) in enumerate(zip(names, handlers, strict=True)):
            loc: tuple[Any, ...] = (index,) if positional else (name,)
            present = index < len(value) if positional else name in value
            if not present:
                if name in defaults:
                    out.append(defaults[name])
                else:
                    lines.append({"type": "missing", "loc": loc, "msg": "Field required", "input": value})
                continue
            try:
                out.append(handler(value[index] if positional else value[name]))
            except ValidationError as exc:
                lines.extend({**err, "loc": (*loc, *err["loc"])} for err in exc.errors())
        if not positional:
            # Keys naming no field are refused, after the fields' own errors (as Pydantic).
            known = set(names)
            lines.extend(
                {"type": "extra_forbidden", "loc": (key,), "msg": "Extra inputs are not permitted", "input": item}
                for key, item in value.items()
                if key not in known
            )
        if lines:
            raise ValidationError.from_exception_data(tp.__name__, lines)
        return tp(*out)

    return _plain(validate)


class ValidatorIterator:
    """What an ``Iterable[T]`` field holds: the input's items, each validated as ``T`` when it
    is taken (so an endless generator stays lazy). A bad item raises ``ValidationError`` at
    ``next()``, located at its index."""

    __slots__ = ("_index", "_items", "_max_length", "_source", "_validate")

    def __init__(self, source: Any, validate: Callable[[Any], Any] | None, max_length: int | None) -> None:
        self._source = source
        self._items = iter(source)
        self._validate = validate
        self._max_length = max_length
        self._index = 0

    @property
    def index(self) -> int:
        return self._index

    def __iter__(self) -> ValidatorIterator:
        return self

    def __next__(self) -> Any:
        from ouroboros.validation._errors import ValidationError

        value = next(self._items)
        index = self._index
        self._index += 1
        if self._max_length is not None and index >= self._max_length:
            raise ValidationError.from_exception_data(
                "ValidatorIterator",
                [
                    {
                        "type": "too_long",
                        "loc": (),
                        "msg": f"Generator should have at most {self._max_length} item"
                        f"{'' if self._max_length == 1 else 's'} after validation, not more",
                        "input": self._source,
                        "ctx": {"field_type": "Generator", "max_length": self._max_length, "actual_length": None},
                    }
                ],
            )
        if self._validate is None:
            return value
        try:
            return self._validate(value)
        except ValidationError as exc:
            raise ValidationError.from_exception_data(
                "ValidatorIterator",
                [{**err, "loc": (index, *err["loc"])} for err in exc.errors()],
            ) from None

    def __repr__(self) -> str:
        return f"ValidatorIterator(index={self._index})"

    def __ouroboros_json__(self) -> list[Any]:
        return list(self)


def _iterable(item_schema: dict[str, Any] | None) -> dict[str, Any]:
    validate = None
    if item_schema is not None and item_schema.get("type") != "any":
        from ouroboros.validation._describe import _LazyHandler

        validate = _LazyHandler(item_schema)

    def lazy(value: Any, _data: Any = None, _context: Any = None, max_length: int | None = None) -> Any:
        from ouroboros.validation.core._known_errors import PydanticKnownError

        # Anything iterable, strings and mappings too (their characters, bytes, keys), as Pydantic.
        if not hasattr(value, "__iter__"):
            raise PydanticKnownError("iterable_type")
        return ValidatorIterator(value, validate, max_length)

    from ouroboros.validation._type_adapter import _validator_name

    label = f"generator[{'any' if item_schema is None else _validator_name(item_schema) or 'any'}]"
    return {"type": "function", "mode": "plain", "func": lazy, "iterable": True, "label": label}


def describe_more(tp: Any, describe: Callable[[Any], dict[str, Any]]) -> dict[str, Any] | None:
    """The schema of one of this module's types, or ``None``."""
    origin = typing.get_origin(tp) or tp
    args = typing.get_args(tp)
    if origin is collections.abc.Callable or tp is typing.Callable:
        return {**_plain(_callable), "json_schema_invalid": "core_schema.CallableSchema"}

    def item() -> dict[str, Any]:
        return describe(args[0]) if args else {"type": "any"}

    if origin in (collections.abc.Iterable, collections.abc.Iterator, collections.abc.Generator) or tp in (
        typing.Iterable,
        typing.Iterator,
    ):
        return _iterable(describe(args[0]) if args else None)
    if origin is collections.deque:
        return _strict_instance(
            _deque_input(_after({"type": "list", "items": item(), "field_type": "Deque"}, collections.deque)),
            collections.deque,
            "deque_type",
            "Input should be a valid deque",
        )
    if origin is collections.Counter:
        counter = {"type": "dict", "keys": item(), "values": {"type": "int"}, "field_type": "Counter"}
        return _strict_instance(
            _after(_mapping_of(counter, "counter_type", "Input should be a valid Counter"), collections.Counter),
            collections.Counter,
            "counter_type",
            "Input should be a valid Counter",
        )
    if origin is collections.OrderedDict:
        values = describe(args[1]) if len(args) > 1 else {"type": "any"}
        ordered = {"type": "dict", "keys": item(), "values": values, "field_type": "OrderedDict"}
        return _strict_instance(
            _after(
                _mapping_of(ordered, "ordered_dict_type", "Input should be a valid OrderedDict"),
                collections.OrderedDict,
            ),
            collections.OrderedDict,
            "ordered_dict_type",
            "Input should be a valid OrderedDict",
        )
    if origin is collections.defaultdict:
        value_tp = args[1] if len(args) > 1 else Any
        factory = _DEFAULT_FACTORIES.get(typing.get_origin(value_tp) or value_tp)
        if isinstance(value_tp, typing.TypeVar):
            # A generic defaultdict: no factory until its value type is known (an error when called).
            factory = _typevar_default_factory
        if factory is None:
            from ouroboros.validation.errors import PydanticSchemaGenerationError

            raise PydanticSchemaGenerationError(
                f"Unable to infer a default factory for keys of type {value_tp}. Only str, int, bool, list, dict,"
                " frozenset, tuple, float, set are supported, other types require an explicit default factory"
            )
        values = describe(value_tp)
        return _after({"type": "dict", "keys": item(), "values": values}, lambda d: collections.defaultdict(factory, d))
    if tp is Fraction:
        # Strict mode takes only Fraction instances from Python.
        text = {"type": "string", "format": "fraction"}
        return {
            **_plain(_fraction),
            "strict_python": {"type": "is_instance", "cls": Fraction},
            "fraction": True,
            "json_schema_modes": {"validation": {"anyOf": [{"type": "number"}, text]}, "serialization": text},
        }
    if tp is type(...):
        return {
            "type": "function",
            "mode": "plain",
            "func": _ellipsis,
            "json_schema_invalid": "core_schema.EllipsisSchema",
        }
    if tp is complex:
        # Strict mode takes only complex instances from Python (pydantic-core's `complex` schema).
        return {
            "type": "function",
            "mode": "plain",
            "func": _complex,
            "strict_python": {"type": "is_instance", "cls": complex},
        }
    if origin in (re.Pattern, typing.Pattern):
        if args and args[0] not in (str, bytes):
            from ouroboros.validation.errors import PydanticSchemaGenerationError

            raise PydanticSchemaGenerationError(f"Unable to generate pydantic-core schema for {tp!r}.")
        kind = args[0] if args and args[0] in (str, bytes) else None
        return _plain(lambda v: _pattern(v, kind))
    if getattr(tp, "__module__", None) == "zoneinfo" and getattr(tp, "__name__", "") == "ZoneInfo":
        return {**_plain(_zoneinfo), "json_schema": {"type": "string", "format": "zoneinfo"}}
    if isinstance(tp, type) and issubclass(tp, tuple) and hasattr(tp, "_fields"):
        return _named_tuple(tp, describe)
    if isinstance(origin, type) and issubclass(origin, tuple) and hasattr(origin, "_fields"):
        return _named_tuple(origin, describe, dict(zip(getattr(origin, "__parameters__", ()), args, strict=False)))
    return None
