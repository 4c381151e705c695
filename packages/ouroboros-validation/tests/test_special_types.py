"""UUID, Decimal, email, URLs, Literal and Enum."""

import enum
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

import pytest
from conftest import one_error

from ouroboros.validation import AnyUrl, BaseModel, EmailStr, Field, HttpUrl, Strict, TypeAdapter

U = "12345678-1234-5678-1234-567812345678"


@pytest.mark.parametrize("value", [U, U.upper(), U.replace("-", ""), UUID(U), f"urn:uuid:{U}", UUID(U).bytes])
def test_uuid(value):
    assert TypeAdapter(UUID).validate_python(value) == UUID(U)


@pytest.mark.parametrize(
    ("value", "error_type"), [("not-a-uuid", "uuid_parsing"), (123, "uuid_type"), (None, "uuid_type")]
)
def test_uuid_errors(value, error_type):
    assert one_error(UUID, value)["type"] == error_type


def test_strict_uuid_needs_uuid_object():
    assert one_error(Annotated[UUID, Strict()], U)["type"] == "uuid_type"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1.50", Decimal("1.50")),
        (2, Decimal(2)),
        (Decimal("3.3"), Decimal("3.3")),
        (0.5, Decimal("0.5")),
        (" 7 ", Decimal(7)),
    ],
)
def test_decimal(value, expected):
    out = TypeAdapter(Decimal).validate_python(value)
    assert out == expected
    assert isinstance(out, Decimal)


@pytest.mark.parametrize(
    ("field", "value", "error_type"),
    [
        (Field(max_digits=3), "1234", "decimal_max_digits"),
        (Field(decimal_places=2), "1.234", "decimal_max_places"),
        (Field(gt=0), "0", "greater_than"),
        (Field(le=Decimal("9.99")), "10", "less_than_equal"),
    ],
)
def test_decimal_constraints(field, value, error_type):
    assert one_error(Annotated[Decimal, field], value)["type"] == error_type


@pytest.mark.parametrize(
    ("value", "error_type"), [("abc", "decimal_parsing"), (None, "decimal_type"), (True, "decimal_type")]
)
def test_decimal_errors(value, error_type):
    assert one_error(Decimal, value)["type"] == error_type


@pytest.mark.parametrize("value", ["a@example.com", "first.last@sub.example.org", " x@y.io "])
def test_email_ok(value):
    assert TypeAdapter(EmailStr).validate_python(value) == value.strip()


@pytest.mark.parametrize(
    "value", ["no-at-sign", "@example.com", "a@", "a@localhost", "a b@example.com", "a@exa mple.com"]
)
def test_email_bad(value):
    err = one_error(EmailStr, value)
    assert err["type"] == "value_error"
    assert err["msg"].startswith("value is not a valid email address: ")


# Addresses Pydantic (with email-validator) normalises or refuses; ours must agree on each.
_EMAILS = [
    "foobar@example.com",
    "FOOBAR@Example.COM",
    "foobar@xn--80ak6aa92e.com",
    "\uf96e\u58eb\u8c6a@\u81fa\u7db2\u4e2d\u5fc3.tw",
    "ιωάννης@εεττ.gr",
    "Samuel Colvin <s@muelcolvin.com>",
    '"first.last" <first.last@example.com>',
    "Homer J. Simpson <homer@thesimpsons.com>",
    "<FOOBAR@example.com> ",
    "@example.com",
    "f oo.bar@example.com",
    "foobar@localhost",
    "foobar@127.0.0.1",
    "foobar@.example.com",
    "foo@bar@example.com",
    '"@example.com',
    ",@example.com",
    "foobar <foobar<@example.com>",
    "foobar <foobar@example.com>>",
    "foobar <>",
    "foobar <" + "a" * 4096 + "@example.com>",
    "John\r\nDoe <john@example.com>",
    "John Doe <john@example.com>\r\n",
]


def _outcome(check, value):
    try:
        return ("ok", check(value))
    except Exception as exc:  # noqa: BLE001 - the two libraries' errors are compared
        return ("error", type(exc).__name__, str(exc))


@pytest.mark.parametrize("value", _EMAILS)
def test_validate_email_matches_pydantic(value):
    import pydantic.networks

    from ouroboros.validation import networks

    assert _outcome(networks.validate_email, value) == _outcome(pydantic.networks.validate_email, value)


@pytest.mark.parametrize("value", _EMAILS)
def test_email_str_and_name_email_errors_match_pydantic(value):
    import pydantic

    from ouroboros.validation import NameEmail, ValidationError

    for ours_type, theirs_type in ((EmailStr, pydantic.EmailStr), (NameEmail, pydantic.NameEmail)):
        try:
            got = ("ok", str(TypeAdapter(ours_type).validate_python(value)))
        except ValidationError as exc:
            got = ("error", [(e["type"], e["loc"], e["msg"]) for e in exc.errors()])
        try:
            want = ("ok", str(pydantic.TypeAdapter(theirs_type).validate_python(value)))
        except pydantic.ValidationError as exc:
            want = ("error", [(e["type"], e["loc"], e["msg"]) for e in exc.errors()])
        assert got == want, ours_type


def test_email_in_a_model_from_json_is_normalised():
    class Contact(BaseModel):
        email: EmailStr

    assert Contact.model_validate_json('{"email": "Me@XN--80AK6AA92E.com"}').email == "Me@аррӏе.com"
    with pytest.raises(Exception) as info:
        Contact.model_validate_json('{"email": "me@localhost"}')
    assert info.value.errors()[0]["loc"] == ("email",)
    assert "It should have a period" in info.value.errors()[0]["msg"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://example.com", "https://example.com/"),
        ("http://example.com/a?b=1", "http://example.com/a?b=1"),
        ("HTTPS://Example.COM/Path", "https://example.com/Path"),
    ],
)
def test_http_url_normalised(value, expected):
    url = TypeAdapter(HttpUrl).validate_python(value)
    assert str(url) == expected
    assert url.scheme == expected.split(":")[0]


def test_url_parts():
    url = TypeAdapter(AnyUrl).validate_python("postgres://user@db.local:5432/app?x=1#frag")
    assert (url.scheme, url.host, url.port, url.path, url.query, url.fragment) == (
        "postgres",
        "db.local",
        5432,
        "/app",
        "x=1",
        "frag",
    )


@pytest.mark.parametrize(
    ("value", "error_type"),
    [("ftp://example.com", "url_scheme"), ("not a url", "url_parsing"), ("", "url_parsing"), (12, "url_type")],
)
def test_http_url_errors(value, error_type):
    assert one_error(HttpUrl, value)["type"] == error_type


@pytest.mark.parametrize(
    ("value", "ok"), [("a", True), ("b", True), ("c", False), (1, True), (True, False), ("1", False)]
)
def test_literal(value, ok):
    tp = Literal["a", "b", 1]
    if ok:
        assert TypeAdapter(tp).validate_python(value) == value
    else:
        err = one_error(tp, value)
        assert err["type"] == "literal_error"
        assert err["msg"] == "Input should be 'a', 'b' or 1"
        assert err["ctx"] == {"expected": "'a', 'b' or 1"}


class Color(str, enum.Enum):  # noqa: UP042 - the spelling users write
    RED = "red"
    GREEN = "green"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


@pytest.mark.parametrize(
    ("tp", "value", "expected"),
    [
        (Color, "red", Color.RED),
        (Color, Color.GREEN, Color.GREEN),
        (Level, 2, Level.HIGH),
        (Level, Level.LOW, Level.LOW),
    ],
)
def test_enum(tp, value, expected):
    assert TypeAdapter(tp).validate_python(value) is expected


def test_enum_error_lists_values():
    err = one_error(Color, "blue")
    assert err["type"] == "enum"
    assert err["msg"] == "Input should be 'red' or 'green'"


def test_strict_enum_needs_member():
    # Strict Python input must be a member: is_instance_of, as in Pydantic.
    assert one_error(Annotated[Level, Strict()], 1)["type"] == "is_instance_of"


class Shirt(BaseModel):
    color: Color
    size: Literal["S", "M", "L"] = "M"


def test_enum_and_literal_serialization():
    shirt = Shirt(color="red")
    assert shirt.model_dump() == {"color": Color.RED, "size": "M"}
    assert shirt.model_dump(mode="json") == {"color": "red", "size": "M"}
    assert shirt.model_dump_json() == '{"color":"red","size":"M"}'
    assert Shirt.model_validate_json('{"color": "green", "size": "L"}') == Shirt(color=Color.GREEN, size="L")
