"""``pydantic_core``'s public API over ouroboros-schema.

``SchemaValidator(core_schema)`` translates a pydantic-core core schema (built
with :mod:`ouroboros.validation.core.core_schema`) into the ouroboros-schema
description format and compiles it in Rust; the error classes, the undefined
sentinel and the JSON helpers are the ones the rest of ``ouroboros.validation``
uses.
"""

from __future__ import annotations

import datetime
import decimal
import enum
import json
import uuid
from pathlib import PurePath
from typing import Any, Generic, TypedDict, TypeVar

from ouroboros.validation._errors import PydanticCustomError, ValidationError
from ouroboros.validation._fields import MISSING
from ouroboros.validation._fields import PYDANTIC_UNDEFINED as PydanticUndefined
from ouroboros.validation._fields import _Undefined as PydanticUndefinedType
from ouroboros.validation._validation import SchemaValidator as _RustValidator
from ouroboros.validation._validation import __version__
from ouroboros.validation.core import core_schema
from ouroboros.validation.core._known_errors import PydanticKnownError
from ouroboros.validation.core._translate import SchemaError, to_description
from ouroboros.validation.core._urls import MultiHostHost, MultiHostUrl, Url
from ouroboros.validation.core.core_schema import CoreConfig, CoreSchema

__all__ = [
    "MISSING",
    "ArgsKwargs",
    "CoreConfig",
    "CoreSchema",
    "ErrorDetails",
    "InitErrorDetails",
    "MultiHostHost",
    "MultiHostUrl",
    "PydanticCustomError",
    "PydanticKnownError",
    "PydanticOmit",
    "PydanticSerializationError",
    "PydanticSerializationUnexpectedValue",
    "PydanticUndefined",
    "PydanticUndefinedType",
    "PydanticUseDefault",
    "SchemaError",
    "SchemaSerializer",
    "SchemaValidator",
    "Some",
    "Url",
    "ValidationError",
    "__version__",
    "core_schema",
    "from_json",
    "to_json",
    "to_jsonable_python",
]


class ErrorDetails(TypedDict, total=False):
    """One item of ``ValidationError.errors()``."""

    type: str
    loc: tuple[int | str, ...]
    msg: str
    input: Any
    ctx: dict[str, Any]
    url: str


class InitErrorDetails(TypedDict, total=False):
    """One item given to ``ValidationError.from_exception_data``."""

    type: str | PydanticCustomError
    loc: tuple[int | str, ...]
    input: Any
    ctx: dict[str, Any]


class PydanticOmit(Exception):
    """Raise from a validator inside a container to drop the item."""


class PydanticUseDefault(Exception):
    """Raise from a validator to use the field's default instead."""


class PydanticSerializationError(ValueError):
    """A value could not be serialized."""


class PydanticSerializationUnexpectedValue(ValueError):
    """A serializer met a value of an unexpected type."""


_T = TypeVar("_T")


class Some(Generic[_T]):
    """A value that is there (``None`` could be a value): what ``get_default_value`` returns."""

    __match_args__ = ("value",)
    __slots__ = ("value",)

    def __init__(self, value: _T) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Some) and other.value == self.value

    def __hash__(self) -> int:
        return hash(("Some", self.value))

    def __repr__(self) -> str:
        return f"Some({self.value!r})"


class ArgsKwargs:
    """Positional and keyword arguments, as a validation input."""

    def __init__(self, args: tuple[Any, ...], kwargs: dict[str, Any] | None = None) -> None:
        self.args = args
        self.kwargs = kwargs

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ArgsKwargs) and (self.args, self.kwargs) == (other.args, other.kwargs)

    def __hash__(self) -> int:
        return hash((self.args, tuple(sorted((self.kwargs or {}).items()))))

    def __repr__(self) -> str:
        return f"ArgsKwargs({self.args!r}, {self.kwargs!r})" if self.kwargs else f"ArgsKwargs({self.args!r})"


def _title(schema: CoreSchema) -> str:
    kind = schema.get("type", "any")
    if kind == "model":
        return schema["cls"].__name__
    if kind.startswith("function-"):
        inner = schema.get("schema")
        func = schema["function"]["function"] if isinstance(schema["function"], dict) else schema["function"]
        name = getattr(func, "__name__", "function")
        return f"{kind}[{name}(), {_title(inner)}]" if inner else f"{kind}[{name}()]"
    return kind


class _CompiledToo(type):
    """``isinstance(Model.__pydantic_validator__, SchemaValidator)`` holds: a model's compiled
    validator (which also serializes) counts as an instance of both core classes."""

    def __instancecheck__(cls, obj: Any) -> bool:
        return type.__instancecheck__(cls, obj) or isinstance(obj, _RustValidator)


class SchemaValidator(metaclass=_CompiledToo):
    """Validate with a core schema: ``SchemaValidator(core_schema.int_schema()).validate_python("1")``."""

    def __init__(self, schema: CoreSchema, config: CoreConfig | None = None) -> None:
        self.core_schema = schema
        self.config = config
        description = to_description(schema, config=dict(config or {}))
        if config and config.get("strict") is not None:
            description = {**description, "strict": config["strict"]}
        title = (config or {}).get("title") or _title(schema)
        self._validator = _RustValidator({**description, "title": title})
        self.title = title

    def validate_python(self, input: Any, *, strict: bool | None = None, context: Any = None, **_: Any) -> Any:
        return self._validator.validate_python(input, strict=strict, context=context)

    def validate_json(self, input: Any, *, strict: bool | None = None, context: Any = None, **_: Any) -> Any:
        return self._validator.validate_json(input, strict=strict, context=context)

    def validate_strings(self, input: Any, *, strict: bool | None = None, context: Any = None, **_: Any) -> Any:
        return self._validator.validate_python(input, strict=strict, context=context)

    def isinstance_python(self, input: Any, *, strict: bool | None = None, context: Any = None) -> bool:
        try:
            self._validator.validate_python(input, strict=strict, context=context)
        except ValidationError:
            return False
        return True

    def __repr__(self) -> str:
        return f"SchemaValidator(title={self.title!r})"


class SchemaSerializer(metaclass=_CompiledToo):
    """Serialize with a core schema (``to_python`` / ``to_json``)."""

    def __init__(self, schema: CoreSchema, config: CoreConfig | None = None) -> None:
        self.core_schema = schema
        description = to_description(schema)
        # The schema's own `serialization` function (a custom type's), applied before the dump.
        self._ser = description.get("ser_func")
        self._validator = _RustValidator(description)

    def to_python(self, value: Any, *, mode: str = "python", **kwargs: Any) -> Any:
        if self._ser is not None:
            value = self._ser(value, mode)
        return self._validator.to_python(value, mode=mode, **_dump_options(kwargs))

    def to_json(self, value: Any, *, indent: int | None = None, **kwargs: Any) -> bytes:
        if self._ser is not None:
            value = self._ser(value, "json")
        out = self._validator.to_json(value, as_str=False, **_dump_options(kwargs))
        if indent is not None:
            return json.dumps(json.loads(out), indent=indent, ensure_ascii=False).encode()
        return out


def _dump_options(kwargs: dict[str, Any]) -> dict[str, Any]:
    keys = ("include", "exclude", "by_alias", "exclude_unset", "exclude_defaults", "exclude_none")
    return {k: kwargs[k] for k in keys if kwargs.get(k) is not None}


def _any_serializer(timedelta_mode: str, temporal_mode: str) -> Any:
    """The engine's serializer of ``Any`` writing dates, times and durations as asked."""
    if timedelta_mode == "iso8601" and temporal_mode == "iso8601":
        return _ANY
    key = (timedelta_mode, temporal_mode)
    found = _TEMPORAL_ANY.get(key)
    if found is None:
        temporal = {"ser_json_timedelta": timedelta_mode}
        if temporal_mode != "iso8601":
            temporal["ser_json_temporal"] = temporal_mode
        found = _TEMPORAL_ANY[key] = _RustValidator({"type": "any", "title": "json", **temporal})
    return found


def to_jsonable_python(
    value: Any,
    *,
    fallback: Any = None,
    serialize_unknown: bool = False,
    timedelta_mode: str = "iso8601",
    temporal_mode: str = "iso8601",
    **_: Any,
) -> Any:
    """``value`` as JSON-compatible Python data (models dumped, dates as ISO text...)."""
    if fallback is None and not serialize_unknown:
        # The engine's own serializer, as for a field of type Any.
        try:
            return _any_serializer(timedelta_mode, temporal_mode).to_python(value, mode="json")
        except TypeError as exc:
            raise PydanticSerializationError(str(exc)) from None
    if hasattr(type(value), "__ouroboros_validator__"):
        return value.model_dump(mode="json")
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, dict):
        return {
            _key(k): to_jsonable_python(v, fallback=fallback, serialize_unknown=serialize_unknown)
            for k, v in value.items()
        }
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_jsonable_python(v, fallback=fallback, serialize_unknown=serialize_unknown) for v in value]
    if isinstance(value, enum.Enum):
        return to_jsonable_python(value.value)
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, datetime.timedelta):
        return _duration(value)
    if isinstance(value, (decimal.Decimal, uuid.UUID, PurePath)):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return value.decode("utf-8", errors="replace")
    if fallback is not None:
        return fallback(value)
    if serialize_unknown:
        return str(value)
    raise PydanticSerializationError(f"Unable to serialize unknown type: {type(value)!r}")


def _key(k: Any) -> str:
    j = to_jsonable_python(k)
    return j if isinstance(j, str) else json.dumps(j)


def _duration(td: datetime.timedelta) -> str:
    from ouroboros.validation._validation import SchemaValidator as V

    return json.loads(V({"type": "timedelta"}).to_json(td))


def to_json(
    value: Any,
    *,
    indent: int | None = None,
    fallback: Any = None,
    serialize_unknown: bool = False,
    timedelta_mode: str = "iso8601",
    temporal_mode: str = "iso8601",
    **_: Any,
) -> bytes:
    """``value`` as JSON bytes."""
    data = to_jsonable_python(
        value,
        fallback=fallback,
        serialize_unknown=serialize_unknown,
        timedelta_mode=timedelta_mode,
        temporal_mode=temporal_mode,
    )
    separators = (",", ":") if indent is None else None
    return json.dumps(data, indent=indent, separators=separators, ensure_ascii=False).encode()


def from_json(data: str | bytes | bytearray, *, allow_inf_nan: bool = True, **_: Any) -> Any:
    """Parse JSON (Rust's jiter, through ouroboros-schema)."""
    return _ANY.validate_json(data)


_ANY = _RustValidator({"type": "any", "title": "json"})
_TEMPORAL_ANY: dict[tuple[str, str], Any] = {}
