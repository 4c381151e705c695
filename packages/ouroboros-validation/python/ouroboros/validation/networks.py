"""URL, email and IP address types (``pydantic.networks``)."""

from __future__ import annotations

import dataclasses
import ipaddress
from typing import Any, ClassVar

from ouroboros.validation._email import load_validator, split_name_email
from ouroboros.validation._migration import getattr_migration
from ouroboros.validation._types import AnyHttpUrl, AnyUrl, EmailStr, HttpUrl
from ouroboros.validation.core._urls import MultiHostUrl


class _BaseMultiHostUrl(MultiHostUrl):
    """Base of the DSN types that take several hosts (PostgresDsn, MongoDsn, NatsDsn)."""

    __slots__ = ()


__all__ = [
    "AmqpDsn",
    "AnyHttpUrl",
    "AnyUrl",
    "AnyWebsocketUrl",
    "ClickHouseDsn",
    "CockroachDsn",
    "EmailStr",
    "FileUrl",
    "FtpUrl",
    "HttpUrl",
    "IPvAnyAddress",
    "IPvAnyInterface",
    "IPvAnyNetwork",
    "KafkaDsn",
    "MariaDBDsn",
    "MongoDsn",
    "MySQLDsn",
    "NameEmail",
    "NatsDsn",
    "PostgresDsn",
    "RedisDsn",
    "SnowflakeDsn",
    "UrlConstraints",
    "WebsocketUrl",
    "validate_email",
]


def _url_type(
    name: str,
    schemes: list[str],
    max_length: int | None = None,
    doc: str = "",
    *,
    multi_host: bool = False,
    **rules: Any,
) -> Any:
    """A URL class for ``schemes``; ``rules``: host_required, default_host, default_port, default_path."""
    schema: dict[str, Any] = {"type": "url", "allowed_schemes": schemes, **rules}
    if max_length is not None:
        schema["max_length"] = max_length
    if multi_host:
        schema["multi_host"] = True
    body = {
        "__doc__": doc or f"A URL with scheme {' or '.join(schemes)}.",
        "__module__": __name__,
        "__slots__": (),
        "__ouroboros_type_schema__": schema,
    }
    return type(name, (_BaseMultiHostUrl if multi_host else AnyUrl,), body)


AnyWebsocketUrl = _url_type("AnyWebsocketUrl", ["ws", "wss"])
WebsocketUrl = _url_type("WebsocketUrl", ["ws", "wss"], 2083)
FileUrl = _url_type("FileUrl", ["file"])
FtpUrl = _url_type("FtpUrl", ["ftp"])
PostgresDsn = _url_type(
    "PostgresDsn",
    [
        "postgres",
        "postgresql",
        "postgresql+asyncpg",
        "postgresql+pg8000",
        "postgresql+psycopg",
        "postgresql+psycopg2",
        "postgresql+psycopg2cffi",
        "postgresql+py-postgresql",
        "postgresql+pygresql",
    ],
    multi_host=True,
    host_required=True,
)
CockroachDsn = _url_type(
    "CockroachDsn", ["cockroachdb", "cockroachdb+psycopg2", "cockroachdb+asyncpg"], host_required=True
)
AmqpDsn = _url_type("AmqpDsn", ["amqp", "amqps"])
RedisDsn = _url_type(
    "RedisDsn",
    ["redis", "rediss"],
    host_required=True,
    default_host="localhost",
    default_port=6379,
    default_path="/0",
)
MongoDsn = _url_type("MongoDsn", ["mongodb", "mongodb+srv"], multi_host=True, default_port=27017)
KafkaDsn = _url_type("KafkaDsn", ["kafka"], default_host="localhost", default_port=9092)
NatsDsn = _url_type(
    "NatsDsn", ["nats", "tls", "ws", "wss"], multi_host=True, default_host="localhost", default_port=4222
)
MySQLDsn = _url_type(
    "MySQLDsn",
    [
        "mysql",
        "mysql+mysqlconnector",
        "mysql+aiomysql",
        "mysql+asyncmy",
        "mysql+mysqldb",
        "mysql+pymysql",
        "mysql+cymysql",
        "mysql+pyodbc",
    ],
    host_required=True,
    default_port=3306,
)
MariaDBDsn = _url_type("MariaDBDsn", ["mariadb", "mariadb+mariadbconnector", "mariadb+pymysql"], default_port=3306)
ClickHouseDsn = _url_type(
    "ClickHouseDsn",
    ["clickhouse+native", "clickhouse+asynch", "clickhouse+http", "clickhouse", "clickhouses", "clickhousedb"],
    default_host="localhost",
    default_port=9000,
)
SnowflakeDsn = _url_type("SnowflakeDsn", ["snowflake"], host_required=True)
_CoreMultiHostUrl = MultiHostUrl


def import_email_validator() -> None:
    """Import ``email-validator`` (which checks ``EmailStr`` and ``NameEmail``), or raise ``ImportError``."""
    load_validator()


def validate_email(value: str) -> tuple[str, str]:
    """``"John Doe <jd@example.com>"`` or ``"jd@example.com"`` -> ``(name, email)``, as Pydantic.

    The address is checked and normalised by ``email-validator`` (syntax only, no DNS).
    """
    return split_name_email(value)


class NameEmail:
    """``"John Doe <jd@example.com>"``: a display name and an address."""

    __slots__ = ("email", "name")

    def __init__(self, name: str, email: str) -> None:
        self.name = name
        self.email = email

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NameEmail) and (self.name, self.email) == (other.name, other.email)

    def __hash__(self) -> int:
        return hash((self.name, self.email))

    def __str__(self) -> str:
        return f'"{self.name}" <{self.email}>' if "@" in self.name else f"{self.name} <{self.email}>"

    def __repr__(self) -> str:
        return f"NameEmail(name={self.name!r}, email={self.email!r})"

    def __ouroboros_json__(self) -> str:
        return str(self)

    @staticmethod
    def _validate(value: Any, _data: Any = None, _context: Any = None) -> NameEmail:
        from ouroboros.validation._errors import PydanticCustomError

        if isinstance(value, NameEmail):
            return value
        if not isinstance(value, str):
            raise PydanticCustomError("name_email_type", "Input is not a valid NameEmail")
        return NameEmail(*validate_email(value))


NameEmail.__ouroboros_type_schema__ = {"type": "function", "mode": "plain", "func": NameEmail._validate}  # type: ignore[attr-defined]
NameEmail.__ouroboros_json_schema__ = {"type": "string", "format": "name-email"}  # type: ignore[attr-defined]


@dataclasses.dataclass(frozen=True)
class UrlConstraints:
    """``Annotated[AnyUrl, UrlConstraints(max_length=..., allowed_schemes=[...])]``."""

    max_length: int | None = None
    allowed_schemes: list[str] | None = None
    host_required: bool | None = None
    default_host: str | None = None
    default_port: int | None = None
    default_path: str | None = None
    preserve_empty_path: bool | None = None

    def __hash__(self) -> int:
        schemes = tuple(self.allowed_schemes) if self.allowed_schemes is not None else None
        return hash(
            (
                self.max_length,
                schemes,
                self.host_required,
                self.default_host,
                self.default_port,
                self.default_path,
                self.preserve_empty_path,
            )
        )

    def _ouroboros_constraints(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.allowed_schemes is not None:
            out["allowed_schemes"] = list(self.allowed_schemes)
        for key in (
            "max_length",
            "host_required",
            "default_host",
            "default_port",
            "default_path",
            "preserve_empty_path",
        ):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        return out


def _ip(kind: str, parse: Any, message: str) -> dict[str, Any]:
    def validate(value: Any, _data: Any = None, _context: Any = None) -> Any:
        from ouroboros.validation._errors import PydanticCustomError

        try:
            return parse(value)
        except (ValueError, TypeError):
            raise PydanticCustomError(kind, message) from None

    schema: dict[str, Any] = {"type": "function", "mode": "plain", "func": validate}
    if isinstance(parse, type):
        # Strict mode takes only instances of the class from Python (JSON still parses text).
        schema["strict_python"] = {"type": "is_instance", "cls": parse}
    return schema


class _IPBase:
    __ouroboros_type_schema__: ClassVar[dict[str, Any]]


class IPvAnyAddress(_IPBase):
    """An IPv4 or IPv6 address (``ipaddress.IPv4Address``/``IPv6Address``)."""

    __ouroboros_type_schema__ = _ip("ip_any_address", ipaddress.ip_address, "value is not a valid IPv4 or IPv6 address")


class IPvAnyInterface(_IPBase):
    """An IPv4 or IPv6 interface."""

    __ouroboros_type_schema__ = _ip(
        "ip_any_interface", ipaddress.ip_interface, "value is not a valid IPv4 or IPv6 interface"
    )


class IPvAnyNetwork(_IPBase):
    """An IPv4 or IPv6 network."""

    __ouroboros_type_schema__ = _ip("ip_any_network", ipaddress.ip_network, "value is not a valid IPv4 or IPv6 network")


IP_SCHEMAS = {
    ipaddress.IPv4Address: _ip("ip_v4_address", ipaddress.IPv4Address, "Input is not a valid IPv4 address"),
    ipaddress.IPv6Address: _ip("ip_v6_address", ipaddress.IPv6Address, "Input is not a valid IPv6 address"),
    ipaddress.IPv4Interface: _ip("ip_v4_interface", ipaddress.IPv4Interface, "Input is not a valid IPv4 interface"),
    ipaddress.IPv6Interface: _ip("ip_v6_interface", ipaddress.IPv6Interface, "Input is not a valid IPv6 interface"),
    ipaddress.IPv4Network: _ip("ip_v4_network", ipaddress.IPv4Network, "Input is not a valid IPv4 network"),
    ipaddress.IPv6Network: _ip("ip_v6_network", ipaddress.IPv6Network, "Input is not a valid IPv6 network"),
}

__getattr__ = getattr_migration(__name__)
