"""Special types usable in annotations: emails, URLs, strict and constrained
aliases, and the ``Annotated`` validator markers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar

from ouroboros.validation._fields import Field

__all__ = [
    "AfterValidator",
    "AnyHttpUrl",
    "AnyUrl",
    "BeforeValidator",
    "EmailStr",
    "HttpUrl",
    "NegativeFloat",
    "NegativeInt",
    "NonNegativeFloat",
    "NonNegativeInt",
    "NonPositiveFloat",
    "NonPositiveInt",
    "PlainValidator",
    "PositiveFloat",
    "PositiveInt",
    "Strict",
    "StrictBool",
    "StrictBytes",
    "StrictFloat",
    "StrictInt",
    "StrictStr",
    "Url",
    "WrapValidator",
    "confloat",
    "conint",
    "conlist",
    "constr",
]


class EmailStr(str):
    """An email address (syntax checked in Rust; stored as a plain ``str``)."""

    __ouroboros_type_schema__: ClassVar[dict[str, Any]] = {"type": "email"}
    __ouroboros_json_schema__: ClassVar[dict[str, Any]] = {"type": "string", "format": "email"}


class Url(str):
    """A parsed, normalised URL: a ``str`` (``https://example.com/``) with
    ``scheme``, ``host``, ``port``, ``path``, ``query`` and ``fragment``."""

    __ouroboros_url__ = True

    @property
    def scheme(self) -> str:
        return self.split("://", 1)[0]

    def _authority(self) -> str:
        rest = self.split("://", 1)[1]
        for sep in "/?#":
            rest = rest.split(sep, 1)[0]
        return rest.rsplit("@", 1)[-1]

    @property
    def host(self) -> str:
        auth = self._authority()
        if auth.startswith("["):
            return auth.split("]", 1)[0] + "]"
        return auth.rsplit(":", 1)[0] if ":" in auth else auth

    @property
    def port(self) -> int | None:
        auth = self._authority()
        tail = auth.rsplit("]", 1)[-1]
        if ":" in tail:
            return int(tail.rsplit(":", 1)[1])
        return {"http": 80, "https": 443, "ws": 80, "wss": 443, "ftp": 21}.get(self.scheme)

    @property
    def path(self) -> str:
        rest = self.split("://", 1)[1]
        rest = rest.split("#", 1)[0].split("?", 1)[0]
        return "/" + rest.split("/", 1)[1] if "/" in rest else "/"

    @property
    def query(self) -> str | None:
        rest = self.split("#", 1)[0]
        return rest.split("?", 1)[1] if "?" in rest else None

    @property
    def fragment(self) -> str | None:
        return self.split("#", 1)[1] if "#" in self else None

    def unicode_string(self) -> str:
        return str(self)


class AnyUrl(Url):
    """Any URL with a scheme and a host."""

    __ouroboros_type_schema__: ClassVar[dict[str, Any]] = {"type": "url"}
    __ouroboros_json_schema__: ClassVar[dict[str, Any]] = {"type": "string", "format": "uri", "minLength": 1}


class AnyHttpUrl(AnyUrl):
    """An http or https URL."""

    __ouroboros_type_schema__: ClassVar[dict[str, Any]] = {"type": "url", "allowed_schemes": ["http", "https"]}


class HttpUrl(AnyUrl):
    """An http or https URL of at most 2083 characters."""

    __ouroboros_type_schema__: ClassVar[dict[str, Any]] = {
        "type": "url",
        "allowed_schemes": ["http", "https"],
        "max_length": 2083,
    }
    __ouroboros_json_schema__: ClassVar[dict[str, Any]] = {
        "type": "string",
        "format": "uri",
        "minLength": 1,
        "maxLength": 2083,
    }


for _cls in (AnyUrl, AnyHttpUrl, HttpUrl):
    _cls.__ouroboros_type_schema__ = {**_cls.__ouroboros_type_schema__, "wrap": _cls}


@dataclass(frozen=True)
class Strict:
    """``Annotated[int, Strict()]``: no lax coercion for this type."""

    strict: bool = True


@dataclass(frozen=True)
class BeforeValidator:
    """``Annotated[T, BeforeValidator(f)]``: ``f(value)`` runs before T's validation."""

    func: Callable[..., Any]


@dataclass(frozen=True)
class AfterValidator:
    """``Annotated[T, AfterValidator(f)]``: ``f(value)`` runs on the validated value."""

    func: Callable[..., Any]


@dataclass(frozen=True)
class PlainValidator:
    """``Annotated[T, PlainValidator(f)]``: ``f(value)`` replaces T's validation."""

    func: Callable[..., Any]


@dataclass(frozen=True)
class WrapValidator:
    """``Annotated[T, WrapValidator(f)]``: ``f(value, handler)``; ``handler`` validates as T."""

    func: Callable[..., Any]


StrictInt = Annotated[int, Strict()]
StrictFloat = Annotated[float, Strict()]
StrictStr = Annotated[str, Strict()]
StrictBool = Annotated[bool, Strict()]
StrictBytes = Annotated[bytes, Strict()]
PositiveInt = Annotated[int, Field(gt=0)]
NegativeInt = Annotated[int, Field(lt=0)]
NonNegativeInt = Annotated[int, Field(ge=0)]
NonPositiveInt = Annotated[int, Field(le=0)]
PositiveFloat = Annotated[float, Field(gt=0)]
NegativeFloat = Annotated[float, Field(lt=0)]
NonNegativeFloat = Annotated[float, Field(ge=0)]
NonPositiveFloat = Annotated[float, Field(le=0)]


def conint(**constraints: Any) -> Any:
    """``int`` with constraints (``conint(gt=0)``), as Pydantic's helper."""
    return Annotated[int, Field(**constraints)]


def confloat(**constraints: Any) -> Any:
    """``float`` with constraints, as Pydantic's helper."""
    return Annotated[float, Field(**constraints)]


def constr(**constraints: Any) -> Any:
    """``str`` with constraints (``constr(min_length=1, pattern=...)``)."""
    extra = {k: constraints.pop(k) for k in ("strip_whitespace", "to_lower", "to_upper") if k in constraints}
    return (
        Annotated[str, Field(**constraints), _StrTransform(**extra)] if extra else Annotated[str, Field(**constraints)]
    )


def conlist(item_type: Any, **constraints: Any) -> Any:
    """``list[item_type]`` with ``min_length``/``max_length``."""
    return Annotated[list[item_type], Field(**constraints)]  # type: ignore[valid-type]


@dataclass(frozen=True)
class _StrTransform:
    strip_whitespace: bool = False
    to_lower: bool = False
    to_upper: bool = False
