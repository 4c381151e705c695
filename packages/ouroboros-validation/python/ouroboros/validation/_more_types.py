"""Pydantic's special types beyond the basics: secrets, JSON, paths, dates relative
to now, UUID versions, byte sizes, import strings, string constraints.

Each is a type schema of the description format (``__ouroboros_type_schema__``)
or an ``Annotated`` marker, so validation still runs in ouroboros-schema; the
checks Rust has no built-in for are after-validators raising Pydantic's error
types (``PydanticKnownError``), and values that serialize specially say so with
``__ouroboros_json__``.
"""

from __future__ import annotations

import dataclasses
import datetime
import importlib
import json
import pathlib
import re
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Generic, TypeVar

from ouroboros.validation._encoded import Base64Encoder, Base64UrlEncoder, EncodedBytes, EncodedStr
from ouroboros.validation._fields import Field
from ouroboros.validation.core._known_errors import PydanticKnownError

__all__ = [
    "UUID1",
    "UUID3",
    "UUID4",
    "UUID5",
    "UUID6",
    "UUID7",
    "UUID8",
    "AllowInfNan",
    "AwareDatetime",
    "Base64Bytes",
    "Base64Str",
    "Base64UrlBytes",
    "Base64UrlStr",
    "ByteSize",
    "DirectoryPath",
    "FailFast",
    "FilePath",
    "FiniteFloat",
    "FutureDate",
    "FutureDatetime",
    "GetPydanticSchema",
    "ImportString",
    "InstanceOf",
    "Json",
    "JsonValue",
    "NaiveDatetime",
    "NewPath",
    "OnErrorOmit",
    "PastDate",
    "PastDatetime",
    "Secret",
    "SecretBytes",
    "SecretStr",
    "SkipValidation",
    "SocketPath",
    "StringConstraints",
    "UuidVersion",
    "ValidateAs",
    "conbytes",
    "condate",
    "condecimal",
    "confrozenset",
    "conset",
]

T = TypeVar("T")


def _after(check: Callable[[Any], Any]) -> Any:
    from ouroboros.validation._types import AfterValidator

    return AfterValidator(check)


@dataclasses.dataclass(frozen=True)
class StringConstraints:
    """``Annotated[str, StringConstraints(min_length=1, to_lower=True, pattern=...)]``."""

    strip_whitespace: bool | None = None
    to_upper: bool | None = None
    to_lower: bool | None = None
    strict: bool | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | re.Pattern[str] | None = None

    def _ouroboros_constraints(self) -> dict[str, Any]:
        out = {k: v for k, v in dataclasses.asdict(self).items() if v is not None}
        if isinstance(out.get("pattern"), re.Pattern):
            out["pattern"] = out["pattern"].pattern
        return out


@dataclasses.dataclass(frozen=True)
class AllowInfNan:
    """``Annotated[float, AllowInfNan(False)]``: refuse inf and nan (``finite_number``)."""

    allow_inf_nan: bool = True

    def _ouroboros_constraints(self) -> dict[str, Any]:
        return {"allow_inf_nan": self.allow_inf_nan}


FiniteFloat = Annotated[float, AllowInfNan(False)]


@dataclasses.dataclass(frozen=True)
class UuidVersion:
    """``Annotated[UUID, UuidVersion(4)]``: the UUID must be of this version (``uuid_version``)."""

    uuid_version: int

    def _ouroboros_validator(self) -> Any:
        def check(value: uuid.UUID) -> uuid.UUID:
            if value.version != self.uuid_version:
                raise PydanticKnownError("uuid_version", {"expected_version": self.uuid_version})
            return value

        return _after(check)


UUID1 = Annotated[uuid.UUID, UuidVersion(1)]
UUID3 = Annotated[uuid.UUID, UuidVersion(3)]
UUID4 = Annotated[uuid.UUID, UuidVersion(4)]
UUID5 = Annotated[uuid.UUID, UuidVersion(5)]
UUID6 = Annotated[uuid.UUID, UuidVersion(6)]
UUID7 = Annotated[uuid.UUID, UuidVersion(7)]
UUID8 = Annotated[uuid.UUID, UuidVersion(8)]


def _now_check(kind: str, past: bool) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if kind == "date":
            now: Any = datetime.date.today()
        elif value.tzinfo is None:
            now = datetime.datetime.now()
        else:
            now = datetime.datetime.now(datetime.UTC)
        if (value >= now) if past else (value <= now):
            raise PydanticKnownError(f"{kind}_{'past' if past else 'future'}")
        return value

    return check


def _tz_check(aware: bool) -> Callable[[Any], Any]:
    def check(value: datetime.datetime) -> datetime.datetime:
        if (value.tzinfo is not None) != aware:
            raise PydanticKnownError("timezone_aware" if aware else "timezone_naive")
        return value

    return check


def _checked(schema: dict[str, Any], check: Callable[[Any], Any]) -> dict[str, Any]:
    """``schema`` then ``check``, whose errors name the input as given (as pydantic-core's
    date/datetime constraints do), not the parsed value."""
    from ouroboros.validation._describe import _LazyHandler

    handler = _LazyHandler(schema)
    return {
        "type": "function",
        "mode": "plain",
        "func": lambda value, _data, _context=None: check(handler(value)),
        "inner_schema": schema,
    }


class _TemporalCheck:
    """A date/datetime type that is also an ``Annotated`` marker, like Pydantic's:
    ``x: PastDate`` and ``x: Annotated[date, PastDate()]`` mean the same."""

    _base: ClassVar[str]
    _check: ClassVar[Callable[[Any], Any]]
    __ouroboros_type_schema__: ClassVar[dict[str, Any]]

    def __init_subclass__(cls, base: str, check: Callable[[Any], Any]) -> None:
        cls._base = base
        cls._check = staticmethod(check)  # type: ignore[assignment]
        cls.__ouroboros_type_schema__ = _checked({"type": base}, check)

    def _ouroboros_wrap(self, schema: dict[str, Any], tp: Any) -> dict[str, Any]:
        expected = datetime.datetime if self._base == "datetime" else datetime.date
        if not (isinstance(tp, type) and issubclass(tp, expected)):
            from ouroboros.validation._model import PydanticUserError

            raise PydanticUserError(
                f"'{type(self).__name__}' cannot annotate '{getattr(tp, '__name__', tp)}'.",
                code="invalid-annotated-type",
            )
        return _checked(schema, type(self)._check)

    def __repr__(self) -> str:
        # As Pydantic's markers: the type's name.
        return type(self).__name__


class PastDate(_TemporalCheck, base="date", check=_now_check("date", past=True)):
    """A date before today."""


class FutureDate(_TemporalCheck, base="date", check=_now_check("date", past=False)):
    """A date after today."""


class PastDatetime(_TemporalCheck, base="datetime", check=_now_check("datetime", past=True)):
    """A datetime before now."""


class FutureDatetime(_TemporalCheck, base="datetime", check=_now_check("datetime", past=False)):
    """A datetime after now."""


class AwareDatetime(_TemporalCheck, base="datetime", check=_tz_check(aware=True)):
    """A datetime with a timezone."""


class NaiveDatetime(_TemporalCheck, base="datetime", check=_tz_check(aware=False)):
    """A datetime without a timezone."""


class _SecretBase(Generic[T]):
    def __init__(self, secret_value: T) -> None:
        self._secret_value = secret_value

    def get_secret_value(self) -> T:
        """The real value (never printed)."""
        return self._secret_value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, self.__class__) and self._secret_value == other._secret_value

    def __hash__(self) -> int:
        return hash(self._secret_value)

    def _display(self) -> str | bytes:
        """What ``str()``/``repr()`` show (a subclass may override it, as in Pydantic)."""
        return "**********" if self._secret_value else ""

    def __str__(self) -> str:
        return str(self._display())

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._display()!r})"

    def __len__(self) -> int:
        return len(self._secret_value)  # type: ignore[arg-type]

    def __ouroboros_json__(self) -> str:
        return str(self)


class Secret(_SecretBase[T]):
    """A value hidden from ``repr``/``str`` and dumped as its ``_display()`` in JSON.

    ``Secret[date]`` or a subclass of ``Secret[date]`` validates its value as a ``date``."""

    @classmethod
    def _schema(cls, inner: dict[str, Any]) -> dict[str, Any]:
        def wrap(value: Any, _data: Any = None, _context: Any = None) -> Any:
            return cls(value)

        def unwrap(value: Any, _data: Any = None, _context: Any = None) -> Any:
            return value.get_secret_value() if isinstance(value, _SecretBase) else value

        return {
            "type": "function",
            "mode": "after",
            "func": wrap,
            "schema": {"type": "function", "mode": "before", "func": unwrap, "schema": inner},
        }


def secret_inner_type(tp: Any) -> tuple[type, Any] | None:
    """``(secret class, inner type)`` of ``Secret[X]`` or a subclass of ``Secret[X]``; None for
    other types (SecretStr and SecretBytes have their own schema)."""
    import typing

    origin = typing.get_origin(tp) or tp
    if not isinstance(origin, type) or not issubclass(origin, Secret) or origin in (SecretStr, SecretBytes):
        return None
    if typing.get_origin(tp) is not None:
        return origin, typing.get_args(tp)[0]
    for base in getattr(origin, "__orig_bases__", ()):
        if typing.get_origin(base) is Secret:
            return origin, typing.get_args(base)[0]
    raise TypeError(
        f"Can't get secret type from {origin.__name__}. Please use Secret[<type>], or subclass from Secret[<type>]"
        " instead."
    )


class SecretStr(Secret[str]):
    """A ``str`` secret: ``SecretStr('**********')``; ``get_secret_value()`` returns the text."""

    __ouroboros_json_schema__: ClassVar[dict[str, Any]] = {"type": "string", "format": "password", "writeOnly": True}

    def __ouroboros_json__(self) -> str:
        return "**********" if self._secret_value else ""


class SecretBytes(Secret[bytes]):
    """A ``bytes`` secret: ``SecretBytes(b'**********')``."""

    __ouroboros_json_schema__: ClassVar[dict[str, Any]] = {"type": "string", "format": "password", "writeOnly": True}

    def _display(self) -> bytes:
        return b"**********" if self._secret_value else b""

    def __ouroboros_json__(self) -> str:
        return "**********" if self._secret_value else ""


SecretStr.__ouroboros_type_schema__ = SecretStr._schema({"type": "str"})  # type: ignore[attr-defined]
SecretBytes.__ouroboros_type_schema__ = SecretBytes._schema({"type": "bytes"})  # type: ignore[attr-defined]


class _JsonMarker:
    """``Json[T]``: a JSON string parsed, then validated as ``T``."""

    def __class_getitem__(cls, item: Any) -> Any:
        return Annotated[item, cls()]

    def _ouroboros_wrap(self, schema: dict[str, Any], _source: Any = None) -> dict[str, Any]:
        return {"type": "function", "mode": "before", "func": _parse_json, "schema": schema}

    def __repr__(self) -> str:
        return "Json"

    # Every marker is the same (``Json[int] == Json[int]``, as Pydantic's dataclass marker).
    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))


def _parse_json(value: Any, _data: Any = None, _context: Any = None) -> Any:
    if not isinstance(value, (str, bytes, bytearray)):
        raise PydanticKnownError("json_type")
    try:
        return json.loads(value)
    except ValueError as exc:
        raise PydanticKnownError("json_invalid", {"error": str(exc)}) from None


# A bare ``Json`` is ``Json[Any]``: the parsed JSON value as it is.
_JsonMarker.__ouroboros_type_schema__ = {  # type: ignore[attr-defined]
    "type": "function",
    "mode": "before",
    "func": _parse_json,
    "schema": {"type": "any"},
}

Json = _JsonMarker


def _import_serialized(value: Any) -> Any:
    """An imported object as the path it can be imported from (JSON dumps), as Pydantic writes it."""
    import types

    if isinstance(value, types.ModuleType):
        return value.__name__
    if hasattr(value, "__module__") and hasattr(value, "__name__"):
        return f"{value.__module__}.{value.__name__}"
    streams = {"<stdout>": "sys.stdout", "<stdin>": "sys.stdin", "<stderr>": "sys.stderr"}
    name = getattr(value, "name", None)
    return streams.get(name, value) if isinstance(name, str) else value


class ImportString:
    """``ImportString``: ``"math.cos"`` or ``"math:cos"`` imports the object it names; JSON dumps
    write the object's import path."""

    @staticmethod
    def _import(value: Any, _data: Any = None, _context: Any = None) -> Any:
        from ouroboros.validation._errors import PydanticCustomError

        if not isinstance(value, str):
            return value
        try:
            return _import_dotted(value)
        except ImportError as exc:
            raise PydanticCustomError("import_error", "Invalid python path: {error}", {"error": str(exc)}) from None

    __ouroboros_type_schema__: ClassVar[dict[str, Any]]
    # Read by the serializer walk (_ser_walk): the import path in JSON.
    __ouroboros_serializer__: ClassVar[Any]

    def __class_getitem__(cls, item: Any) -> Any:
        """``ImportString[T]``: the imported object is then validated as ``T``."""
        return Annotated[item, cls()]

    @staticmethod
    def _ouroboros_wrap(schema: dict[str, Any], source: Any = None) -> dict[str, Any]:
        # A static method: the class itself may stand in `Annotated` too.
        return {"type": "function", "mode": "before", "func": ImportString._import, "schema": schema}

    def __repr__(self) -> str:
        return "ImportString"


def _import_dotted(path: str) -> Any:
    """``module``, ``module:attr`` or ``module.attr`` (a final segment that is no module is read
    as an attribute), with Pydantic's ``ImportError`` messages."""
    parts = path.strip().split(":")
    if len(parts) > 2:
        raise ImportError(f"Import strings should have at most one ':'; received {path!r}")
    module_name, attr = parts[0], (parts[1] if len(parts) == 2 else None)
    if not module_name:
        raise ImportError(f"Import strings should have a nonempty module name; received {path!r}")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError:
        if attr is None and "." in module_name:
            parent, _, name = module_name.rpartition(".")
            try:
                return _import_dotted(f"{parent}:{name}")
            except ImportError:
                pass
        raise
    if attr is None:
        return module
    try:
        return getattr(module, attr)
    except AttributeError:
        raise ImportError(f"cannot import name {attr!r} from {module_name!r}") from None


ImportString.__ouroboros_type_schema__ = {"type": "function", "mode": "plain", "func": ImportString._import}


def _import_string_serializer() -> Any:
    from ouroboros.validation.functional_serializers import PlainSerializer

    return PlainSerializer(_import_serialized, when_used="json")


ImportString.__ouroboros_serializer__ = _import_string_serializer()

_BYTE_UNITS = {
    "b": 1,
    "kb": 10**3,
    "mb": 10**6,
    "gb": 10**9,
    "tb": 10**12,
    "pb": 10**15,
    "eb": 10**18,
    "kib": 2**10,
    "mib": 2**20,
    "gib": 2**30,
    "tib": 2**40,
    "pib": 2**50,
    "eib": 2**60,
    "bit": 1 / 8,
    "kbit": 10**3 / 8,
    "mbit": 10**6 / 8,
    "gbit": 10**9 / 8,
    "tbit": 10**12 / 8,
    "pbit": 10**15 / 8,
    "ebit": 10**18 / 8,
    "kibit": 2**10 / 8,
    "mibit": 2**20 / 8,
    "gibit": 2**30 / 8,
    "tibit": 2**40 / 8,
    "pibit": 2**50 / 8,
    "eibit": 2**60 / 8,
}
# One-letter decimal units ("1.5 K"), as Pydantic reads them.
_BYTE_UNITS.update({k[0]: v for k, v in list(_BYTE_UNITS.items()) if "i" not in k})
_BYTE_RE = re.compile(r"^\s*(\d*\.?\d+)\s*(\w+)?", re.IGNORECASE)


class ByteSize(int):
    """A size in bytes, from ``1024`` or ``"1 KiB"``/``"3.5GB"``."""

    @classmethod
    def _parse(cls, value: Any, _data: Any = None, _context: Any = None) -> ByteSize:
        from ouroboros.validation._errors import PydanticCustomError

        if isinstance(value, int) and not isinstance(value, bool):
            return cls(value)
        m = _BYTE_RE.match(str(value))
        if m is None:
            raise PydanticCustomError("byte_size", "could not parse value and unit from byte string")
        scalar, unit = m.groups()
        mult = _BYTE_UNITS.get((unit or "b").lower())
        if mult is None:
            raise PydanticCustomError("byte_size_unit", "could not interpret byte unit: {unit}", {"unit": unit})
        try:
            return cls(int(float(scalar) * mult))
        except OverflowError:  # a number past float's range
            raise PydanticCustomError("byte_size", "could not parse value and unit from byte string") from None

    def human_readable(self, decimal: bool = False, separator: str = "") -> str:
        """``1.0KiB`` (binary units) or ``1.0KB`` with ``decimal=True``."""
        divisor, units, last = (
            (1000, ["B", "KB", "MB", "GB", "TB", "PB"], "EB")
            if decimal
            else (1024, ["B", "KiB", "MiB", "GiB", "TiB", "PiB"], "EiB")
        )
        num = float(self)
        for unit in units:
            if abs(num) < divisor:
                return f"{num:0.0f}{separator}{unit}" if unit == "B" else f"{num:0.1f}{separator}{unit}"
            num /= divisor
        return f"{num:0.1f}{separator}{last}"

    def to(self, unit: str) -> float:
        """The size in ``unit`` (``"kib"``, ``"GB"``...)."""
        from ouroboros.validation._errors import PydanticCustomError

        mult = _BYTE_UNITS.get(unit.lower())
        if mult is None:
            raise PydanticCustomError("byte_size_unit", "Could not interpret byte unit: {unit}", {"unit": unit})
        return self / mult


ByteSize.__ouroboros_type_schema__ = {"type": "function", "mode": "plain", "func": ByteSize._parse}  # type: ignore[attr-defined]


def _path(value: Any, _data: Any = None, _context: Any = None) -> pathlib.Path:
    from ouroboros.validation._errors import PydanticCustomError

    if isinstance(value, pathlib.PurePath):
        return pathlib.Path(value)
    if isinstance(value, (str, bytes)):
        try:
            return pathlib.Path(value.decode() if isinstance(value, bytes) else value)
        except (TypeError, ValueError):
            pass
    raise PydanticCustomError("path_type", "Input is not a valid path")


PATH_SCHEMA: dict[str, Any] = {"type": "function", "mode": "plain", "func": _path}


def _path_check(kind: str) -> Any:
    from ouroboros.validation._errors import PydanticCustomError

    def check(p: pathlib.Path) -> pathlib.Path:
        if kind == "file" and not p.is_file():
            raise PydanticCustomError("path_not_file", "Path does not point to a file")
        if kind == "dir" and not p.is_dir():
            raise PydanticCustomError("path_not_directory", "Path does not point to a directory")
        if kind == "socket" and not p.is_socket():
            raise PydanticCustomError("path_not_socket", "Path does not point to a socket")
        if kind == "new":
            if p.exists():
                raise PydanticCustomError("path_exists", "Path already exists")
            if not p.parent.exists():
                raise PydanticCustomError("parent_does_not_exist", "Parent directory does not exist")
        return p

    check.path_kind = kind  # type: ignore[attr-defined]  # read by the JSON Schema generator
    return _after(check)


FilePath = Annotated[pathlib.Path, _path_check("file")]
DirectoryPath = Annotated[pathlib.Path, _path_check("dir")]
NewPath = Annotated[pathlib.Path, _path_check("new")]
SocketPath = Annotated[pathlib.Path, _path_check("socket")]


class InstanceOf:
    """``InstanceOf[Foo]``: any instance of ``Foo`` passes as it is."""

    def __class_getitem__(cls, item: Any) -> Any:
        return Annotated[item, cls()]

    def _ouroboros_wrap(self, schema: dict[str, Any], source: Any = None) -> dict[str, Any]:
        return {"type": "is_instance", "cls": source}


class SkipValidation:
    """``SkipValidation[T]``: the value is stored as given, without validation."""

    def __class_getitem__(cls, item: Any) -> Any:
        return Annotated[item, cls()]

    def _ouroboros_wrap(self, schema: dict[str, Any], source: Any = None) -> dict[str, Any]:
        # The skipped schema is kept (unused) so that a class without one is still an error.
        return {"type": "any", "skipped": schema}


def conbytes(*, min_length: int | None = None, max_length: int | None = None, strict: bool | None = None) -> Any:
    """``bytes`` with length bounds."""
    return Annotated[bytes, Field(min_length=min_length, max_length=max_length, strict=strict)]


def condecimal(
    *,
    strict: bool | None = None,
    gt: Any = None,
    ge: Any = None,
    lt: Any = None,
    le: Any = None,
    multiple_of: Any = None,
    max_digits: int | None = None,
    decimal_places: int | None = None,
    allow_inf_nan: bool | None = None,
) -> Any:
    """``Decimal`` with bounds and digit limits."""
    return Annotated[
        Decimal,
        Field(
            strict=strict,
            gt=gt,
            ge=ge,
            lt=lt,
            le=le,
            multiple_of=multiple_of,
            max_digits=max_digits,
            decimal_places=decimal_places,
            allow_inf_nan=allow_inf_nan,
        ),
    ]


def condate(*, strict: bool | None = None, gt: Any = None, ge: Any = None, lt: Any = None, le: Any = None) -> Any:
    """``date`` with bounds."""
    return Annotated[datetime.date, Field(strict=strict, gt=gt, ge=ge, lt=lt, le=le)]


def conset(item_type: Any, *, min_length: int | None = None, max_length: int | None = None) -> Any:
    """``set[item_type]`` with size bounds."""
    return Annotated[set[item_type], Field(min_length=min_length, max_length=max_length)]  # type: ignore[valid-type]


def confrozenset(item_type: Any, *, min_length: int | None = None, max_length: int | None = None) -> Any:
    """``frozenset[item_type]`` with size bounds."""
    return Annotated[frozenset[item_type], Field(min_length=min_length, max_length=max_length)]  # type: ignore[valid-type]


# As Pydantic: the encoder decodes on input and encodes on dump (bytes stay bytes in Python mode).
Base64Bytes = Annotated[bytes, EncodedBytes(encoder=Base64Encoder)]
Base64Str = Annotated[str, EncodedStr(encoder=Base64Encoder)]
Base64UrlBytes = Annotated[bytes, EncodedBytes(encoder=Base64UrlEncoder)]
Base64UrlStr = Annotated[str, EncodedStr(encoder=Base64UrlEncoder)]


@dataclasses.dataclass(frozen=True)
class FailFast:
    """``Annotated[list[int], FailFast()]``: report only the first error of a sequence."""

    fail_fast: bool = True

    def _ouroboros_wrap(self, schema: dict[str, Any], _source: Any = None) -> dict[str, Any]:
        if not self.fail_fast:
            return schema
        from ouroboros.validation._describe import _LazyHandler
        from ouroboros.validation._errors import ValidationError

        inner = _LazyHandler(schema)

        def first_error_only(value: Any, _data: Any = None, _context: Any = None) -> Any:
            try:
                return inner(value)
            except ValidationError as exc:
                raise ValidationError.from_exception_data(exc.title, exc.errors()[:1]) from None

        return {"type": "function", "mode": "plain", "func": first_error_only, "inner_schema": schema}


@dataclasses.dataclass(frozen=True)
class GetPydanticSchema:
    """An ``Annotated`` marker holding ``__get_pydantic_core_schema__``/``__get_pydantic_json_schema__`` functions."""

    get_pydantic_core_schema: Callable[[Any, Any], Any] | None = None
    get_pydantic_json_schema: Callable[[Any, Any], Any] | None = None

    def __getattr__(self, item: str) -> Any:
        if item == "__get_pydantic_core_schema__" and self.get_pydantic_core_schema:
            return self.get_pydantic_core_schema
        if item == "__get_pydantic_json_schema__" and self.get_pydantic_json_schema:
            return self.get_pydantic_json_schema
        return object.__getattribute__(self, item)


@dataclasses.dataclass(frozen=True)
class ValidateAs:
    """``Annotated[T, ValidateAs(Source, hook)]``: validate as ``Source``, then ``hook(value)`` builds the T."""

    from_type: Any
    instantiation_hook: Callable[[Any], Any] = lambda v: v

    def _ouroboros_wrap(self, schema: dict[str, Any], _source: Any = None) -> dict[str, Any]:
        from ouroboros.validation._describe import DescribeContext, describe_type

        hook = self.instantiation_hook
        source = describe_type(self.from_type, DescribeContext(arbitrary_types_allowed=True))
        return {"type": "function", "mode": "after", "func": lambda v, *_: hook(v), "schema": source}


def _json_value(value: Any, _data: Any = None, _context: Any = None) -> Any:
    from ouroboros.validation._errors import PydanticCustomError

    def check(v: Any) -> bool:
        if v is None or isinstance(v, (str, bool, int, float)):
            return True
        if isinstance(v, list):
            return all(check(i) for i in v)
        if isinstance(v, dict):
            return all(isinstance(k, str) and check(i) for k, i in v.items())
        return False

    if not check(value):
        raise PydanticCustomError("invalid-json-value", "input was not a valid JSON value")
    return value


class _JsonValueType:
    """JSON data: ``None``, ``bool``, ``int``, ``float``, ``str``, lists and ``str``-keyed dicts of them."""

    __ouroboros_type_schema__: ClassVar[dict[str, Any]] = {"type": "function", "mode": "plain", "func": _json_value}


JsonValue = _JsonValueType


class OnErrorOmit:
    """``list[OnErrorOmit[int]]``: items that fail validation are left out instead of failing the list."""

    def __class_getitem__(cls, item: Any) -> Any:
        return Annotated[item, cls()]

    def _ouroboros_wrap(self, schema: dict[str, Any], _source: Any = None) -> dict[str, Any]:
        from ouroboros.validation._describe import _LazyHandler
        from ouroboros.validation._errors import ValidationError
        from ouroboros.validation.core import PydanticOmit

        inner = _LazyHandler(schema)

        def omit_on_error(value: Any, _data: Any = None, _context: Any = None) -> Any:
            try:
                return inner(value)
            except ValidationError:
                raise PydanticOmit from None

        return {"type": "function", "mode": "plain", "func": omit_on_error, "inner_schema": schema}
