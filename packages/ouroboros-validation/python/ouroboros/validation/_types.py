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


_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443, "ftp": 21}


class _UrlCommon:
    """A URL parsed and normalised in Rust (the ``url`` crate's WHATWG rules).

    Not a ``str``: ``str(url)`` gives the normalised text; two URLs are equal when
    they are of the same class and their text is equal; ordering is only defined
    between URLs of one class.
    """

    __ouroboros_url__ = True
    __slots__ = ("_url",)
    __ouroboros_type_schema__: ClassVar[dict[str, Any]] = {"type": "url"}
    _url: str

    def __init__(self, url: Any) -> None:
        self._url = type(self)._validate_text(str(url) if isinstance(url, _UrlCommon) else url)

    @classmethod
    def _validate_text(cls, url: Any) -> str:
        validator = cls.__dict__.get("_text_validator")
        if validator is None:
            from ouroboros.validation._validation import SchemaValidator

            schema = {k: v for k, v in cls.__ouroboros_type_schema__.items() if k not in ("wrap", "cls")}
            validator = SchemaValidator(schema)
            type.__setattr__(cls, "_text_validator", validator)
        return validator.validate_python(url)  # type: ignore[no-any-return]

    @classmethod
    def _trusted(cls, text: str) -> Any:
        """An instance for text the Rust validator already normalised."""
        url = cls.__new__(cls)
        url._url = text
        return url

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        schema = {k: v for k, v in cls.__ouroboros_type_schema__.items() if k not in ("wrap", "cls")}
        cls.__ouroboros_type_schema__ = {**schema, "wrap": cls._trusted, "cls": cls}

    def __str__(self) -> str:
        return self._url

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._url!r})"

    def __len__(self) -> int:
        return len(self._url)

    def __hash__(self) -> int:
        return hash(self._url)

    def __eq__(self, other: object) -> bool:
        if type(other) is type(self):
            return self._url == other._url  # type: ignore[attr-defined, no-any-return]
        return NotImplemented

    def _order(self, other: object) -> str:
        if type(other) is not type(self):
            raise TypeError(
                f"'<' not supported between instances of {type(self).__name__!r} and {type(other).__name__!r}"
            )
        return other._url  # type: ignore[attr-defined, no-any-return]

    def __lt__(self, other: object) -> bool:
        return self._url < self._order(other)

    def __le__(self, other: object) -> bool:
        return self._url <= self._order(other)

    def __gt__(self, other: object) -> bool:
        return self._url > self._order(other)

    def __ge__(self, other: object) -> bool:
        return self._url >= self._order(other)

    def __copy__(self) -> Any:
        return self

    def __deepcopy__(self, memo: Any) -> Any:
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self)._trusted, (self._url,))

    def __ouroboros_json__(self) -> str:
        return self._url

    def _split(self) -> Any:
        from urllib.parse import urlsplit

        return urlsplit(self._url)

    @property
    def scheme(self) -> str:
        return self._url.split(":", 1)[0]

    @property
    def path(self) -> str | None:
        return self._split().path or None

    @property
    def query(self) -> str | None:
        return self._split().query or None

    @property
    def fragment(self) -> str | None:
        return self._split().fragment or None

    def query_params(self) -> list[tuple[str, str]]:
        """The query string as ``(key, value)`` pairs."""
        from urllib.parse import parse_qsl

        return parse_qsl(self.query or "", keep_blank_values=True)

    def unicode_string(self) -> str:
        """The URL with punycode hosts shown as Unicode."""
        text = self._url
        for host in self._hosts_text():
            text = text.replace(host, _unicode_host(host), 1)
        return text

    def encoded_string(self) -> str:
        """The URL as ASCII text (the same as ``str(url)``)."""
        return self._url

    def _hosts_text(self) -> list[str]:
        netloc = self._split().netloc.rsplit("@", 1)[-1]
        return [_host_of(part) for part in netloc.split(",") if _host_of(part)]


def _build_text(
    scheme: str,
    hosts: list[tuple[str | None, str | None, str | None, int | None]],
    path: str | None,
    query: str | None,
    fragment: str | None,
) -> str:
    """``scheme://user:pw@host:port,.../path?query#fragment`` from parts (``build()``)."""
    netlocs = []
    for username, password, host, port in hosts:
        user = ""
        if username or password:
            user = (username or "") + (f":{password}" if password else "") + "@"
        netlocs.append(f"{user}{host or ''}" + (f":{port}" if port is not None else ""))
    text = f"{scheme}://{','.join(netlocs)}"
    if path:
        text += path if path.startswith("/") else "/" + path
    if query:
        text += f"?{query}"
    if fragment:
        text += f"#{fragment}"
    return text


def _host_of(hostport: str) -> str:
    if hostport.startswith("["):
        return hostport.split("]", 1)[0] + "]"
    head, sep, tail = hostport.rpartition(":")
    return head if sep and tail.isdigit() else hostport


def _unicode_host(host: str) -> str:
    if "xn--" not in host:
        return host
    try:
        return host.encode("ascii").decode("idna")
    except UnicodeError:
        return host


class Url(_UrlCommon):
    """A URL with at most one host (``pydantic_core.Url``): ``scheme``,
    ``username``, ``password``, ``host``, ``port``, ``path``, ``query``, ``fragment``."""

    __slots__ = ()

    @property
    def username(self) -> str | None:
        return self._split().username or None

    @property
    def password(self) -> str | None:
        return self._split().password or None

    @property
    def host(self) -> str | None:
        netloc = self._split().netloc.rsplit("@", 1)[-1]
        return _host_of(netloc) or None

    def unicode_host(self) -> str | None:
        host = self.host
        return None if host is None else _unicode_host(host)

    @property
    def port(self) -> int | None:
        netloc = self._split().netloc.rsplit("@", 1)[-1]
        host = _host_of(netloc)
        rest = netloc[len(host) :]
        if rest.startswith(":") and rest[1:].isdigit():
            return int(rest[1:])
        return _DEFAULT_PORTS.get(self.scheme)

    @classmethod
    def build(
        cls,
        *,
        scheme: str,
        host: str,
        username: str | None = None,
        password: str | None = None,
        port: int | None = None,
        path: str | None = None,
        query: str | None = None,
        fragment: str | None = None,
    ) -> Any:
        """A URL from its parts (validated like any other input)."""
        return cls(_build_text(scheme, [(username, password, host, port)], path, query, fragment))


class AnyUrl(Url):
    """Any URL (a scheme; a host only where the scheme needs one)."""

    __slots__ = ()
    __ouroboros_type_schema__: ClassVar[dict[str, Any]] = {"type": "url"}


class AnyHttpUrl(AnyUrl):
    """An http or https URL."""

    __slots__ = ()
    __ouroboros_type_schema__: ClassVar[dict[str, Any]] = {"type": "url", "allowed_schemes": ["http", "https"]}


class HttpUrl(AnyUrl):
    """An http or https URL of at most 2083 characters."""

    __slots__ = ()
    __ouroboros_type_schema__: ClassVar[dict[str, Any]] = {
        "type": "url",
        "allowed_schemes": ["http", "https"],
        "max_length": 2083,
    }


Url.__ouroboros_type_schema__ = {"type": "url", "wrap": Url._trusted, "cls": Url}


@dataclass(frozen=True)
class Strict:
    """``Annotated[int, Strict()]``: no lax coercion for this type."""

    strict: bool = True


@dataclass(frozen=True)
class BeforeValidator:
    """``Annotated[T, BeforeValidator(f)]``: ``f(value)`` runs before T's validation."""

    func: Callable[..., Any]
    json_schema_input_type: Any = Any


@dataclass(frozen=True)
class AfterValidator:
    """``Annotated[T, AfterValidator(f)]``: ``f(value)`` runs on the validated value."""

    func: Callable[..., Any]


@dataclass(frozen=True)
class PlainValidator:
    """``Annotated[T, PlainValidator(f)]``: ``f(value)`` replaces T's validation."""

    func: Callable[..., Any]
    json_schema_input_type: Any = Any


@dataclass(frozen=True)
class WrapValidator:
    """``Annotated[T, WrapValidator(f)]``: ``f(value, handler)``; ``handler`` validates as T."""

    func: Callable[..., Any]
    json_schema_input_type: Any = Any


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
