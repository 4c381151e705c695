"""Type mapping both ways: Python value -> $1::type -> the same Python value back."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest

from ouroboros import postgres

pytestmark = pytest.mark.asyncio

UTC = dt.UTC
PLUS2 = dt.timezone(dt.timedelta(hours=2))

ROUND_TRIPS = [
    ("int2", 0),
    ("int2", -32768),
    ("int2", 32767),
    ("int4", 2147483647),
    ("int4", -2147483648),
    ("int8", 9223372036854775807),
    ("int8", -9223372036854775808),
    ("float8", 1.5),
    ("float8", -0.0),
    ("float8", float("inf")),
    ("float8", float("-inf")),
    ("float4", 0.5),
    ("numeric", Decimal("3.14159265358979323846264338327950288419716939937510")),
    ("numeric", Decimal("-0.000000000001")),
    ("numeric", Decimal("100000000000000000000000000000000")),
    ("numeric", Decimal("1.50")),
    ("numeric", Decimal("0")),
    ("numeric", Decimal("Infinity")),
    ("numeric", Decimal("-Infinity")),
    ("text", ""),
    ("text", "héllo wörld ✓ 🐍"),
    ("text", "quote ' and \\ backslash"),
    ("varchar", "v"),
    ("bool", True),
    ("bool", False),
    ("bytea", b""),
    ("bytea", bytes(range(256))),
    ("date", dt.date(2024, 2, 29)),
    ("date", dt.date(1, 1, 1)),
    ("date", dt.date(9999, 12, 31)),
    ("date", dt.date(1999, 12, 31)),
    ("date", dt.date.max),
    ("date", dt.date.min),
    ("time", dt.time(0, 0)),
    ("time", dt.time(23, 59, 59, 999999)),
    ("timetz", dt.time(12, 30, tzinfo=PLUS2)),
    ("timestamp", dt.datetime(2024, 1, 2, 3, 4, 5, 678901)),
    ("timestamp", dt.datetime(1900, 1, 1)),
    ("timestamp", dt.datetime.max),
    ("timestamp", dt.datetime.min),
    ("timestamptz", dt.datetime(2024, 6, 1, 12, 0, tzinfo=UTC)),
    ("timestamptz", dt.datetime.max),
    ("timestamptz", dt.datetime.min),
    ("interval", dt.timedelta(days=3, seconds=7, microseconds=11)),
    ("interval", dt.timedelta(days=-1, seconds=5)),
    ("interval", dt.timedelta(0)),
    ("uuid", uuid.UUID("12345678-1234-5678-1234-567812345678")),
    ("json", '{"a": [1, 2, null]}'),
    ("jsonb", '{"a": [1, 2, null]}'),
    ("int4[]", [1, 2, 3]),
    ("int4[]", []),
    ("int4[]", [1, None, 3]),
    ("int8[]", [[1, 2], [3, 4]]),
    ("text[]", ["a", "", None, "d,e", 'q"uote']),
    ("float8[]", [1.5, float("inf")]),
    ("numeric[]", [Decimal("1.1"), Decimal("-2.25")]),
    ("bool[]", [True, False, None]),
    ("bytea[]", [b"\x00\x01", b""]),
    ("date[]", [dt.date(2020, 1, 1), None]),
    ("timestamptz[]", [dt.datetime(2020, 1, 1, tzinfo=UTC)]),
    ("uuid[]", [uuid.UUID(int=1), uuid.UUID(int=2)]),
    ("interval[]", [dt.timedelta(hours=1)]),
    ("jsonb[]", ['{"x": 1}']),
]


@pytest.mark.parametrize(("pgtype", "value"), ROUND_TRIPS, ids=[f"{t}-{i}" for i, (t, _) in enumerate(ROUND_TRIPS)])
async def test_round_trip(conn, pgtype, value):
    got = await conn.fetchval(f"SELECT $1::{pgtype}", value)
    assert got == value
    assert type(got) is type(value)


@pytest.mark.parametrize(
    "pgtype", ["int2", "int4", "int8", "text", "bool", "bytea", "date", "timestamptz", "uuid", "numeric", "int4[]"]
)
async def test_null_both_ways(conn, pgtype):
    assert await conn.fetchval(f"SELECT $1::{pgtype}", None) is None
    assert await conn.fetchval(f"SELECT NULL::{pgtype}") is None


async def test_nan_survives(conn):
    assert (await conn.fetchval("SELECT $1::numeric", Decimal("NaN"))).is_nan()
    f = await conn.fetchval("SELECT $1::float8", float("nan"))
    assert f != f


async def test_timestamptz_keeps_the_instant_and_returns_utc(conn):
    value = dt.datetime(2024, 1, 1, 12, 0, tzinfo=PLUS2)
    got = await conn.fetchval("SELECT $1::timestamptz", value)
    assert got == value
    assert got.tzinfo == UTC
    assert got.hour == 10


async def test_session_time_zone_does_not_change_timestamptz(conn):
    await conn.execute("SET TIME ZONE 'America/New_York'")
    got = await conn.fetchval("SELECT '2024-01-01 00:00:00+00'::timestamptz")
    assert got == dt.datetime(2024, 1, 1, tzinfo=UTC)


async def test_interval_years_are_365_days_and_months_30(conn):
    assert await conn.fetchval("SELECT '1 mon 2 days'::interval") == dt.timedelta(days=32)
    assert await conn.fetchval("SELECT '-1 year -1 mon'::interval") == dt.timedelta(days=-395)


async def test_numeric_keeps_scale_and_precision(conn):
    got = await conn.fetchval("SELECT 1.10::numeric(10, 4)")
    assert str(got) == "1.1000"
    big = "1" * 100 + "." + "9" * 50
    assert str(await conn.fetchval("SELECT $1::numeric", Decimal(big))) == big


async def test_int_and_float_go_into_numeric(conn):
    assert await conn.fetchval("SELECT $1::numeric", 12) == Decimal(12)
    assert await conn.fetchval("SELECT $1::numeric", 2**80) == Decimal(2**80)
    assert await conn.fetchval("SELECT $1::numeric", 0.25) == Decimal("0.25")


async def test_enum_values_are_str_and_checked(conn):
    await conn.execute("DROP TYPE IF EXISTS mood; CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')")
    assert await conn.fetchval("SELECT $1::mood", "happy") == "happy"
    assert await conn.fetchval("SELECT ARRAY['ok', 'sad']::mood[]") == ["ok", "sad"]
    with pytest.raises(postgres.DataError, match="not a value of enum mood"):
        await conn.fetchval("SELECT $1::mood", "angry")


async def test_python_enum_is_sent_by_value(conn):
    import enum

    class Color(enum.Enum):
        RED = "red"

    assert await conn.fetchval("SELECT $1::text", Color.RED) == "red"


async def test_domain_decodes_as_its_base(conn):
    await conn.execute("DROP DOMAIN IF EXISTS posint; CREATE DOMAIN posint AS int CHECK (VALUE > 0)")
    assert await conn.fetchval("SELECT $1::posint", 5) == 5
    with pytest.raises(postgres.CheckViolationError):
        await conn.fetchval("SELECT $1::posint", -5)


async def test_dict_is_sent_as_json(conn):
    assert await conn.fetchval("SELECT ($1::jsonb)->>'a'", {"a": "b"}) == "b"


async def test_multidimensional_arrays_and_lower_bounds(conn):
    assert await conn.fetchval("SELECT '{{1,2},{3,4}}'::int[]") == [[1, 2], [3, 4]]
    assert await conn.fetchval("SELECT '[0:1]={7,8}'::int[]") == [7, 8]
    assert await conn.fetchval("SELECT '{}'::text[]") == []


async def test_ragged_array_is_refused(conn):
    with pytest.raises(postgres.DataError, match=r"query argument \$1.*matching lengths"):
        await conn.fetchval("SELECT $1::int[]", [[1, 2], [3]])


async def test_uuid_from_str(conn):
    assert await conn.fetchval("SELECT $1::uuid", "00000000-0000-0000-0000-00000000000a") == uuid.UUID(int=10)


async def test_text_like_types(conn):
    assert await conn.fetchval("SELECT 'ab'::char(4)") == "ab  "
    assert await conn.fetchval("SELECT 'x'::name") == "x"
    assert await conn.fetchval("SELECT 'a'::\"char\"") == "a"
    assert await conn.fetchval("SELECT 'tag'::unknown") == "tag"


async def test_oid_and_bytes_like_inputs(conn):
    assert isinstance(await conn.fetchval("SELECT 'pg_class'::regclass::oid"), int)
    assert await conn.fetchval("SELECT $1::bytea", bytearray(b"ab")) == b"ab"
    assert await conn.fetchval("SELECT $1::bytea", memoryview(b"cd")) == b"cd"


@pytest.mark.parametrize(
    ("pgtype", "value", "message"),
    [
        ("int4", "1", "an int expected for a int4 parameter, got str"),
        ("int2", 40000, "out of range for int2"),
        ("int4", 2**40, "out of range for int4"),
        ("int8", 2**70, "out of range for int8"),
        ("text", 5, "a str expected for a text parameter, got int"),
        ("bool", 1, "a bool expected"),
        ("bytea", "x", "bytes expected"),
        ("date", "2020-01-01", "a date expected"),
        ("timestamp", dt.datetime(2020, 1, 1, tzinfo=UTC), "needs a naive datetime"),
        ("uuid", "not-a-uuid", "is not a UUID"),
        ("numeric", "abc", "a Decimal, int or float expected"),
        ("interval", 5, "a timedelta expected"),
        ("int4[]", 5, "a list or tuple expected"),
    ],
)
async def test_argument_type_errors_name_position_and_types(conn, pgtype, value, message):
    with pytest.raises(postgres.DataError, match=r"invalid input for query argument \$1") as info:
        await conn.fetchval(f"SELECT $1::{pgtype}", value)
    assert message in str(info.value)
    assert isinstance(info.value, ValueError)
    # The connection keeps working.
    assert await conn.fetchval("SELECT 1") == 1


async def test_unsupported_python_type_is_refused_before_sending(conn):
    with pytest.raises(postgres.DataError, match=r"argument \$2: values of type object cannot be sent"):
        await conn.fetchval("SELECT $1::int, $2::text", 1, object())


async def test_undecodable_type_names_the_column_and_a_fix(conn):
    with pytest.raises(postgres.DataError, match=r"column \"p\" of type point.*::text"):
        await conn.fetchval("SELECT point(1, 2) AS p")
    assert await conn.fetchval("SELECT point(1, 2)::text") == "(1,2)"


async def test_time_24_00_is_a_clear_error(conn):
    with pytest.raises(postgres.DataError, match="24:00:00"):
        await conn.fetchval("SELECT '24:00:00'::time")


async def test_dates_beyond_python_range_are_a_clear_error(conn):
    with pytest.raises(postgres.DataError, match="out of the range of Python's date"):
        await conn.fetchval("SELECT '20000-01-01'::date")
