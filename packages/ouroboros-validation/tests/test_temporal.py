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
        ("not a date", "datetime_parsing"),
        ("2032-13-01T00:00:00", "datetime_parsing"),
        (None, "datetime_type"),
        ([], "datetime_type"),
    ],
)
def test_datetime_errors(value, error_type):
    err = one_error(datetime, value)
    assert err["type"] == error_type
    if error_type == "datetime_parsing":
        assert err["msg"].startswith("Input should be a valid datetime, ")


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
    ("value", "error_type"), [("2032-04-32", "date_parsing"), ("x", "date_parsing"), (None, "date_type")]
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
