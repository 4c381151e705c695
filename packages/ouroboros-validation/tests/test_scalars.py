"""str, int, float, bool, bytes and None: lax coercion exactly where Pydantic v2 coerces."""

import math
from decimal import Decimal
from enum import IntEnum
from typing import Annotated, Any

import pytest
from conftest import one_error

from ouroboros.validation import Field, Strict, TypeAdapter


class Color(IntEnum):
    RED = 1


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, 1),
        (-5, -5),
        ("1", 1),
        (" 12 ", 12),
        ("1_000", 1000),
        ("1.0", 1),
        ("-3", -3),
        (3.0, 3),
        (True, 1),
        (False, 0),
        (Color.RED, 1),
        (Decimal("4"), 4),
        (10**30, 10**30),
        ("123456789012345678901234567890", 123456789012345678901234567890),
        (b"7", 7),
    ],
)
def test_int_lax(value, expected):
    out = TypeAdapter(int).validate_python(value)
    assert out == expected
    assert type(out) is int


@pytest.mark.parametrize(
    ("value", "error_type"),
    [
        ("x", "int_parsing"),
        ("1.5", "int_parsing"),
        ("1e3", "int_parsing"),
        ("", "int_parsing"),
        (1.5, "int_from_float"),
        (float("inf"), "finite_number"),
        (float("nan"), "finite_number"),
        (None, "int_type"),
        ([1], "int_type"),
        ({}, "int_type"),
        (Decimal("1.5"), "int_from_float"),
    ],
)
def test_int_errors(value, error_type):
    err = one_error(int, value)
    assert err["type"] == error_type
    assert err["loc"] == ()


@pytest.mark.parametrize("value", ["1", 1.0, True])
def test_strict_int_refuses_coercion(value):
    assert one_error(Annotated[int, Strict()], value)["type"] == "int_type"


@pytest.mark.parametrize(
    ("constraint", "value", "error_type", "ctx"),
    [
        ({"gt": 0}, 0, "greater_than", {"gt": 0}),
        ({"ge": 0}, -1, "greater_than_equal", {"ge": 0}),
        ({"lt": 10}, 10, "less_than", {"lt": 10}),
        ({"le": 10}, 11, "less_than_equal", {"le": 10}),
        ({"multiple_of": 5}, 7, "multiple_of", {"multiple_of": 5}),
        ({"gt": 0}, 10**30 * -1, "greater_than", {"gt": 0}),
    ],
)
def test_int_constraints(constraint, value, error_type, ctx):
    err = one_error(Annotated[int, Field(**constraint)], value)
    assert (err["type"], err["ctx"]) == (error_type, ctx)


@pytest.mark.parametrize(
    ("constraint", "value"),
    [({"gt": 0}, 1), ({"ge": 0}, 0), ({"lt": 10}, 9), ({"le": 10}, 10), ({"multiple_of": 5}, 15)],
)
def test_int_constraints_pass(constraint, value):
    assert TypeAdapter(Annotated[int, Field(**constraint)]).validate_python(value) == value


def test_int_error_messages():
    assert one_error(int, "x")["msg"] == "Input should be a valid integer, unable to parse string as an integer"
    assert one_error(int, 1.5)["msg"] == "Input should be a valid integer, got a number with a fractional part"
    assert one_error(Annotated[int, Field(ge=3)], 1)["msg"] == "Input should be greater than or equal to 3"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1.5, 1.5), (1, 1.0), ("1e3", 1000.0), (" 2.5 ", 2.5), (True, 1.0), ("-0.5", -0.5), (Decimal("0.25"), 0.25)],
)
def test_float_lax(value, expected):
    out = TypeAdapter(float).validate_python(value)
    assert out == expected
    assert type(out) is float


def test_float_inf_nan_strings():
    assert TypeAdapter(float).validate_python("inf") == math.inf
    assert math.isnan(TypeAdapter(float).validate_python("nan"))
    assert one_error(Annotated[float, Field(allow_inf_nan=False)], math.inf)["type"] == "finite_number"


@pytest.mark.parametrize(("value", "error_type"), [("abc", "float_parsing"), (None, "float_type"), ([], "float_type")])
def test_float_errors(value, error_type):
    assert one_error(float, value)["type"] == error_type


def test_strict_float_accepts_int_but_not_str():
    assert TypeAdapter(Annotated[float, Strict()]).validate_python(3) == 3.0
    assert one_error(Annotated[float, Strict()], "3")["type"] == "float_type"


@pytest.mark.parametrize(
    ("constraint", "value", "error_type"),
    [
        ({"gt": 0.5}, 0.5, "greater_than"),
        ({"le": 1.0}, 1.5, "less_than_equal"),
        ({"multiple_of": 0.5}, 0.7, "multiple_of"),
    ],
)
def test_float_constraints(constraint, value, error_type):
    assert one_error(Annotated[float, Field(**constraint)], value)["type"] == error_type


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (False, False),
        ("true", True),
        ("False", False),
        ("yes", True),
        ("no", False),
        ("on", True),
        ("off", False),
        ("1", True),
        ("0", False),
        ("t", True),
        ("n", False),
        (1, True),
        (0, False),
        (1.0, True),
        (0.0, False),
    ],
)
def test_bool_lax(value, expected):
    assert TypeAdapter(bool).validate_python(value) is expected


@pytest.mark.parametrize(
    ("value", "error_type"),
    [("maybe", "bool_parsing"), (2, "bool_parsing"), (0.5, "bool_type"), (None, "bool_type"), ([], "bool_type")],
)
def test_bool_errors(value, error_type):
    assert one_error(bool, value)["type"] == error_type


def test_strict_bool():
    assert one_error(Annotated[bool, Strict()], "true")["type"] == "bool_type"


@pytest.mark.parametrize(
    ("value", "expected"), [("abc", "abc"), ("", ""), ("é✓", "é✓"), (b"bytes", "bytes"), (bytearray(b"ba"), "ba")]
)
def test_str_lax(value, expected):
    assert TypeAdapter(str).validate_python(value) == expected


@pytest.mark.parametrize("value", [1, 1.5, True, None, [], {}, object()])
def test_str_never_coerces_numbers(value):
    err = one_error(str, value)
    assert err["type"] == "string_type"
    assert err["msg"] == "Input should be a valid string"


def test_str_keeps_identity_without_constraints():
    s = "x" * 100
    assert TypeAdapter(str).validate_python(s) is s


@pytest.mark.parametrize(
    ("field", "value", "error_type", "ctx"),
    [
        (Field(min_length=3), "ab", "string_too_short", {"min_length": 3}),
        (Field(max_length=3), "abcd", "string_too_long", {"max_length": 3}),
        (Field(pattern=r"^\d+$"), "12a", "string_pattern_mismatch", {"pattern": r"^\d+$"}),
        (Field(min_length=2), "é", "string_too_short", {"min_length": 2}),
    ],
)
def test_str_constraints(field, value, error_type, ctx):
    err = one_error(Annotated[str, field], value)
    assert (err["type"], err["ctx"], err["input"]) == (error_type, ctx, value)


def test_str_too_short_message_singular_and_plural():
    assert one_error(Annotated[str, Field(min_length=1)], "")["msg"] == "String should have at least 1 character"
    assert one_error(Annotated[str, Field(max_length=2)], "abc")["msg"] == "String should have at most 2 characters"


def test_pattern_is_a_search_not_a_full_match():
    assert TypeAdapter(Annotated[str, Field(pattern=r"\d")]).validate_python("ab1cd") == "ab1cd"


def test_strict_str_refuses_bytes():
    assert one_error(Annotated[str, Strict()], b"x")["type"] == "string_type"


def test_invalid_utf8_bytes_for_str():
    assert one_error(str, b"\xff")["type"] == "string_unicode"


@pytest.mark.parametrize(("value", "expected"), [(b"ab", b"ab"), ("ab", b"ab"), (bytearray(b"x"), b"x")])
def test_bytes_lax(value, expected):
    assert TypeAdapter(bytes).validate_python(value) == expected


@pytest.mark.parametrize(
    ("field", "value", "error_type"),
    [(Field(min_length=2), b"a", "bytes_too_short"), (Field(max_length=1), b"ab", "bytes_too_long")],
)
def test_bytes_constraints(field, value, error_type):
    assert one_error(Annotated[bytes, field], value)["type"] == error_type


@pytest.mark.parametrize("value", [1, None, [1]])
def test_bytes_type_errors(value):
    assert one_error(bytes, value)["type"] == "bytes_type"


def test_none_type():
    assert TypeAdapter(None).validate_python(None) is None
    err = one_error(None, 0)
    assert (err["type"], err["msg"]) == ("none_required", "Input should be None")


@pytest.mark.parametrize("value", [1, "x", None, [1, 2], {"a": object()}])
def test_any_passes_everything_through(value):
    assert TypeAdapter(Any).validate_python(value) is value


def test_decimal_whole_digits_and_decimal_bounds_in_ctx():
    from decimal import Decimal

    from ouroboros.validation import Field, TypeAdapter, ValidationError
    from ouroboros.validation.core import SchemaError

    ta = TypeAdapter(Annotated[Decimal, Field(max_digits=3, decimal_places=1)])
    assert ta.validate_python("12.3") == Decimal("12.3")
    with pytest.raises(ValidationError) as info:
        ta.validate_python(Decimal("999"))
    assert info.value.errors()[0]["type"] == "decimal_whole_digits"
    assert info.value.errors()[0]["ctx"] == {"whole_digits": 2}
    with pytest.raises(ValidationError) as info:
        ta.validate_python("1000.0")
    assert info.value.errors()[0]["type"] == "decimal_max_digits"
    # 30 significant digits: counted without rounding to the context's 28.
    wide = TypeAdapter(Annotated[Decimal, Field(max_digits=29)])
    with pytest.raises(ValidationError, match="no more than 29 digits"):
        wide.validate_python("1234567890123456789012345678.91")
    bounded = TypeAdapter(Annotated[Decimal, Field(gt=Decimal("42.24"))])
    with pytest.raises(ValidationError) as info:
        bounded.validate_python(Decimal("42"))
    assert info.value.errors()[0]["ctx"] == {"gt": Decimal("42.24")}
    assert isinstance(info.value.errors()[0]["ctx"]["gt"], Decimal)
    with pytest.raises(SchemaError, match="'multiple_of' must be a finite number greater than 0"):
        TypeAdapter(Annotated[Decimal, Field(multiple_of=Decimal("-0.1"))])
    with pytest.raises(SchemaError, match="allow_inf_nan=True cannot be used with max_digits"):
        TypeAdapter(Annotated[Decimal, Field(allow_inf_nan=True, max_digits=4)])


def test_config_allow_inf_nan_and_invalid_multiple_of():
    from decimal import Decimal

    from ouroboros.validation import BaseModel, ConfigDict, ValidationError
    from ouroboros.validation.core import SchemaError

    class NoInf(BaseModel):
        model_config = ConfigDict(allow_inf_nan=False)
        value: float

    with pytest.raises(ValidationError) as info:
        NoInf(value=float("inf"))
    assert info.value.errors()[0]["type"] == "finite_number"

    class DecimalInf(BaseModel):
        model_config = ConfigDict(allow_inf_nan=True)
        value: Decimal

    assert DecimalInf(value="Infinity").value.is_infinite()
    for kind, step in ((float, 0.0), (float, math.nan), (int, -5)):
        with pytest.raises(SchemaError, match="'multiple_of' must be a finite number greater than 0"):
            TypeAdapter(Annotated[kind, Field(multiple_of=step)])
