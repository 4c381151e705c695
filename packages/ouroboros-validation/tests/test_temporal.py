"""datetime, date, time, timedelta: Python objects, ISO 8601 strings and (lax) timestamps."""

from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Annotated

import pytest
from conftest import one_error

from ouroboros.validation import BaseModel, Strict, TypeAdapter

UTC = UTC


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2032-04-23T10:20:30", datetime(2032, 4, 23, 10, 20, 30)),
        ("2032-04-23T10:20:30.400000", datetime(2032, 4, 23, 10, 20, 30, 400000)),
        ("2032-04-23T10:20:30Z", datetime(2032, 4, 23, 10, 20, 30, tzinfo=UTC)),
        (
            "2032-04-23T10:20:30+02:30",
            datetime(2032, 4, 23, 10, 20, 30, tzinfo=timezone(timedelta(hours=2, minutes=30))),
        ),
        ("2032-04-23 10:20:30", datetime(2032, 4, 23, 10, 20, 30)),
        (datetime(2020, 1, 1, 12), datetime(2020, 1, 1, 12)),
        (0, datetime(1970, 1, 1, tzinfo=UTC)),
        (1_700_000_000, datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)),
    ],
)
def test_datetime(value, expected):
    out = TypeAdapter(datetime).validate_python(value)
    assert out == expected
    assert out.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize(
    ("value", "error_type"),
    [
        ("not a date", "datetime_from_date_parsing"),
        ("2032-13-01T00:00:00", "datetime_from_date_parsing"),
        (None, "datetime_type"),
        ([], "datetime_type"),
    ],
)
def test_datetime_errors(value, error_type):
    err = one_error(datetime, value)
    assert err["type"] == error_type
    if error_type == "datetime_from_date_parsing":
        assert err["msg"].startswith("Input should be a valid datetime or date, ")


def test_strict_datetime_refuses_strings():
    assert one_error(Annotated[datetime, Strict()], "2032-04-23T10:20:30")["type"] == "datetime_type"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2032-04-23", date(2032, 4, 23)),
        (date(2000, 1, 2), date(2000, 1, 2)),
        (datetime(2000, 1, 2), date(2000, 1, 2)),
        ("2032-04-23T00:00:00", date(2032, 4, 23)),
    ],
)
def test_date(value, expected):
    assert TypeAdapter(date).validate_python(value) == expected


def test_date_from_datetime_with_time_is_inexact():
    assert one_error(date, datetime(2000, 1, 2, 3))["type"] == "date_from_datetime_inexact"


@pytest.mark.parametrize(
    ("value", "error_type"),
    [("2032-04-32", "date_from_datetime_parsing"), ("x", "date_from_datetime_parsing"), (None, "date_type")],
)
def test_date_errors(value, error_type):
    assert one_error(date, value)["type"] == error_type


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("10:20:30", time(10, 20, 30)),
        ("10:20", time(10, 20)),
        ("10:20:30.5", time(10, 20, 30, 500000)),
        (time(1, 2), time(1, 2)),
        # Seconds since midnight are UTC, as in Pydantic.
        (3661, time(1, 1, 1, tzinfo=UTC)),
    ],
)
def test_time(value, expected):
    assert TypeAdapter(time).validate_python(value) == expected


@pytest.mark.parametrize(
    ("value", "error_type"), [("25:00:00", "time_parsing"), ("x", "time_parsing"), (None, "time_type")]
)
def test_time_errors(value, error_type):
    assert one_error(time, value)["type"] == error_type


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("P1D", timedelta(days=1)),
        ("PT1H30M", timedelta(hours=1, minutes=30)),
        ("P1DT2H", timedelta(days=1, hours=2)),
        ("PT0.5S", timedelta(milliseconds=500)),
        ("-PT1S", timedelta(seconds=-1)),
        ("01:02:03", timedelta(hours=1, minutes=2, seconds=3)),
        (90, timedelta(seconds=90)),
        (1.5, timedelta(seconds=1.5)),
        (timedelta(days=3), timedelta(days=3)),
    ],
)
def test_timedelta(value, expected):
    assert TypeAdapter(timedelta).validate_python(value) == expected


@pytest.mark.parametrize(
    ("value", "error_type"), [("soon", "time_delta_parsing"), (None, "time_delta_type"), ([], "time_delta_type")]
)
def test_timedelta_errors(value, error_type):
    assert one_error(timedelta, value)["type"] == error_type


class Event(BaseModel):
    at: datetime
    day: date
    duration: timedelta
    starts: time


def test_temporal_json_round_trip():
    raw = '{"at": "2032-04-23T10:20:30Z", "day": "2032-04-23", "duration": "PT1H30M", "starts": "09:00:00"}'
    event = Event.model_validate_json(raw)
    assert event.at == datetime(2032, 4, 23, 10, 20, 30, tzinfo=UTC)
    assert event.duration == timedelta(hours=1, minutes=30)
    dumped = event.model_dump_json()
    assert dumped == '{"at":"2032-04-23T10:20:30Z","day":"2032-04-23","duration":"PT1H30M","starts":"09:00:00"}'
    assert Event.model_validate_json(dumped) == event


def test_temporal_python_dump_keeps_objects():
    event = Event(at="2032-04-23T10:20:30", day="2032-04-23", duration=60, starts="09:00")
    dumped = event.model_dump()
    assert dumped["at"] == datetime(2032, 4, 23, 10, 20, 30)
    assert dumped["duration"] == timedelta(minutes=1)
    assert event.model_dump(mode="json")["duration"] == "PT1M"


def test_date_falls_back_to_datetime_parsing_like_pydantic_core() -> None:
    from ouroboros.validation import TypeAdapter, ValidationError

    ta = TypeAdapter(date)
    for value, kind, message in [
        ("x20120423", "date_from_datetime_parsing", "Input should be a valid date or datetime, input is too short"),
        (
            float("nan"),
            "date_from_datetime_parsing",
            "Input should be a valid date or datetime, NaN values not permitted",
        ),
        (float("-inf"), "date_from_datetime_parsing", "Input should be a valid date or datetime, dates before 0000"),
        ("2012-04-23T10:00:00", "date_from_datetime_inexact", "Datetimes provided to dates should have zero time"),
    ]:
        with pytest.raises(ValidationError) as exc:
            ta.validate_python(value)
        [err] = exc.value.errors()
        assert err["type"] == kind and err["msg"].startswith(message), (value, err)
    assert ta.validate_python("2012-04-23T00:00:00") == date(2012, 4, 23)
    with pytest.raises(ValidationError) as exc:
        ta.validate_json('"x20120423"', strict=True)
    assert exc.value.errors()[0]["type"] == "date_parsing"
    with pytest.raises(ValidationError) as exc:
        TypeAdapter(datetime).validate_python("2012-04-23T11:05:00-25:00")
    [err] = exc.value.errors()
    assert err["type"] == "datetime_from_date_parsing"
    assert err["msg"] == "Input should be a valid datetime or date, unexpected extra characters at the end of the input"


def test_past_future_errors_name_the_input_and_refuse_other_types() -> None:
    from typing import Annotated

    from ouroboros.validation import BaseModel, FutureDate, PastDatetime, ValidationError
    from ouroboros.validation.errors import PydanticUserError

    class Model(BaseModel):
        when: FutureDate
        then: Annotated[datetime, PastDatetime()]

    with pytest.raises(ValidationError) as exc:
        Model(when="1996-01-22", then="2999-01-01T10:20:30")
    assert [(e["type"], e["loc"], e["input"]) for e in exc.value.errors()] == [
        ("date_future", ("when",), "1996-01-22"),
        ("datetime_past", ("then",), "2999-01-01T10:20:30"),
    ]
    with pytest.raises(PydanticUserError, match=r"'PastDatetime' cannot annotate 'str'\."):

        class Bad(BaseModel):
            x: Annotated[str, PastDatetime()]
