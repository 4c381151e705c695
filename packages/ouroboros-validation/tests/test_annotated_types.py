"""``annotated_types`` markers are enforced with Pydantic's errors (type, msg, ctx).

Expected values are what Pydantic 2.14 reports for the same annotation and input.
"""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Annotated, Any

import annotated_types as at
import pytest
from conftest import errors_of, one_error

from ouroboros.validation import BaseModel, Field, TypeAdapter


def _is_lower(s: str) -> bool:
    return s.islower()


CASES: list[tuple[Any, Any, str, str, dict[str, Any] | None]] = [
    (Annotated[int, at.Gt(-1)], -1, "greater_than", "Input should be greater than -1", {"gt": -1}),
    (Annotated[int, at.Ge(0)], -1, "greater_than_equal", "Input should be greater than or equal to 0", {"ge": 0}),
    (Annotated[int, at.Lt(3)], 3, "less_than", "Input should be less than 3", {"lt": 3}),
    (Annotated[int, at.Le(3)], 4, "less_than_equal", "Input should be less than or equal to 3", {"le": 3}),
    (Annotated[int, at.MultipleOf(3)], 4, "multiple_of", "Input should be a multiple of 3", {"multiple_of": 3}),
    (Annotated[float, at.Gt(0.5)], 0.5, "greater_than", "Input should be greater than 0.5", {"gt": 0.5}),
    (
        Annotated[float, at.MultipleOf(0.5)],
        0.7,
        "multiple_of",
        "Input should be a multiple of 0.5",
        {"multiple_of": 0.5},
    ),
    (Annotated[Decimal, at.Gt(1)], Decimal("0.5"), "greater_than", "Input should be greater than 1", {"gt": 1}),
    (Annotated[int, at.Interval(gt=0, lt=5)], 5, "less_than", "Input should be less than 5", {"lt": 5}),
    (Annotated[int, at.Gt(0), at.Gt(1)], 1, "greater_than", "Input should be greater than 1", {"gt": 1}),
    (
        Annotated[str, at.MinLen(2)],
        "a",
        "string_too_short",
        "String should have at least 2 characters",
        {"min_length": 2},
    ),
    (
        Annotated[str, at.MaxLen(2)],
        "abc",
        "string_too_long",
        "String should have at most 2 characters",
        {"max_length": 2},
    ),
    (
        Annotated[str, at.Len(2, 3)],
        "abcd",
        "string_too_long",
        "String should have at most 3 characters",
        {"max_length": 3},
    ),
    (Annotated[bytes, at.MaxLen(1)], b"ab", "bytes_too_long", "Data should have at most 1 byte", {"max_length": 1}),
    (
        Annotated[list[int], at.MinLen(2)],
        (1,),
        "too_short",
        "List should have at least 2 items after validation, not 1",
        {"field_type": "List", "min_length": 2, "actual_length": 1},
    ),
    (
        Annotated[list[int], at.Len(0, 1)],
        [1, 2],
        "too_long",
        "List should have at most 1 item after validation, not 2",
        {"field_type": "List", "max_length": 1, "actual_length": 2},
    ),
    (Annotated[int, at.Predicate(lambda x: x > 0)], -1, "predicate_failed", "Predicate '<lambda>' failed", None),
    (Annotated[str, at.Predicate(str.islower)], "ABC", "predicate_failed", "Predicate 'str.islower' failed", None),
    (Annotated[str, at.Not(_is_lower)], "abc", "not_operation_failed", "Not of '_is_lower' failed", None),
    (
        Annotated[date, at.Gt(date(2020, 1, 1))],
        "2020-01-01",
        "greater_than",
        "Input should be greater than 2020-01-01",
        {"gt": "2020-01-01"},
    ),
    (
        Annotated[datetime, at.Ge(datetime(2020, 1, 1, tzinfo=UTC))],
        datetime(2019, 1, 1, tzinfo=UTC),
        "greater_than_equal",
        "Input should be greater than or equal to 2020-01-01T00:00:00Z",
        {"ge": "2020-01-01T00:00:00Z"},
    ),
    (
        Annotated[time, at.Le(time(12, 30))],
        time(13),
        "less_than_equal",
        "Input should be less than or equal to 12:30:00",
        {"le": "12:30:00"},
    ),
    (
        Annotated[timedelta, at.Gt(timedelta(days=2, hours=1, microseconds=5))],
        timedelta(0),
        "greater_than",
        "Input should be greater than 2 days and 1 hour and 5 microseconds",
        {"gt": "2 days and 1 hour and 5 microseconds"},
    ),
    (
        Annotated[timedelta, at.Lt(timedelta(seconds=-1))],
        0,
        "less_than",
        "Input should be less than -1 days and 23 hours and 59 minutes and 59 seconds",
        {"lt": "-1 days and 23 hours and 59 minutes and 59 seconds"},
    ),
    (Annotated[int, Field(gt=1), at.Lt(5)], 6, "less_than", "Input should be less than 5", {"lt": 5}),
]


@pytest.mark.parametrize(("tp", "value", "kind", "msg", "ctx"), CASES)
def test_constraint_enforced(tp, value, kind, msg, ctx):
    err = one_error(tp, value)
    assert (err["type"], err["msg"], err.get("ctx")) == (kind, msg, ctx)
    assert err["loc"] == ()


@pytest.mark.parametrize(
    ("tp", "value"),
    [
        (Annotated[int, at.Gt(-1)], 0),
        (Annotated[str, at.Len(2, 3)], "abc"),
        (Annotated[list[int], at.MinLen(1)], [1]),
        (Annotated[date, at.Gt(date(2020, 1, 1))], date(2020, 1, 2)),
        (Annotated[int, at.Predicate(lambda x: x > 0)], 1),
        (Annotated[datetime, at.Timezone(None)], datetime(2020, 1, 1)),
    ],
)
def test_valid_input_passes(tp, value):
    assert TypeAdapter(tp).validate_python(value) == value


def test_constraints_on_container_items():
    errs = errors_of(TypeAdapter(list[Annotated[int, at.Gt(0)]]).validate_python, [1, 0, -2])
    assert [(e["type"], e["loc"], e["ctx"]) for e in errs] == [
        ("greater_than", (1,), {"gt": 0}),
        ("greater_than", (2,), {"gt": 0}),
    ]
    err = one_error(dict[str, Annotated[int, at.Le(3)]], {"a": 4})
    assert (err["type"], err["loc"]) == ("less_than_equal", ("a",))


def test_model_field_constraints_and_json():
    class Item(BaseModel):
        qty: Annotated[int, at.Ge(1)]
        tags: Annotated[list[Annotated[str, at.MinLen(1)]], at.MaxLen(2)] = []

    errs = errors_of(Item.model_validate_json, '{"qty": 0, "tags": ["", "b", "c"]}')
    assert [(e["type"], e["loc"]) for e in errs] == [("greater_than_equal", ("qty",)), ("too_long", ("tags",))]
    errs = errors_of(Item, qty=1, tags=[""])
    assert [(e["type"], e["loc"]) for e in errs] == [("string_too_short", ("tags", 0))]
    schema = Item.model_json_schema()
    assert schema["properties"]["qty"]["minimum"] == 1
    assert schema["properties"]["tags"]["maxItems"] == 2


# Lax conversions that differed from Pydantic.
@pytest.mark.parametrize(
    ("tp", "value", "expected"),
    [
        (bool, b"true", True),
        (bool, b"1", True),
        (bool, b"no", False),
        (time, 3600.5, time(1, 0, 0, 500000, tzinfo=UTC)),
        (datetime, "1577836800", datetime(2020, 1, 1, tzinfo=UTC)),
        (datetime, date(2020, 1, 1), datetime(2020, 1, 1)),
        (datetime, "2020-01-01", datetime(2020, 1, 1)),
        (date, 1577836800, date(2020, 1, 1)),
        (timedelta, b"P1D", timedelta(days=1)),
    ],
)
def test_lax_conversion(tp, value, expected):
    out = TypeAdapter(tp).validate_python(value)
    assert out == expected
    assert type(out) is type(expected)
    if isinstance(expected, (datetime, time)):
        assert out.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize(
    ("tp", "value", "kind", "msg"),
    [
        (bool, b"x", "bool_parsing", "Input should be a valid boolean, unable to interpret input"),
        (
            date,
            1577836800.5,
            "date_from_datetime_inexact",
            "Datetimes provided to dates should have zero time - e.g. be exact dates",
        ),
        (
            time,
            "25:00",
            "time_parsing",
            "Input should be in a valid time format, hour value is outside expected range of 0-23",
        ),
        (timedelta, "x", "time_delta_parsing", "Input should be a valid timedelta, invalid digit in duration"),
        (datetime, float("nan"), "datetime_parsing", "Input should be a valid datetime, NaN values not permitted"),
    ],
)
def test_lax_conversion_errors(tp, value, kind, msg):
    err = one_error(tp, value)
    assert (err["type"], err["msg"]) == (kind, msg)
