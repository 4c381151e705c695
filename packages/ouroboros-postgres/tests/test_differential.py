"""The same driver calls under asyncpg and ouroboros.postgres, against the same
server, must return the same Python values (and types) for every type of the
mapping: scalars, NULLs, arrays, time zones, numeric precision, infinities."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
import pytest_asyncio

from ouroboros import postgres

asyncpg = pytest.importorskip("asyncpg", reason="asyncpg is the peer of the differential test (test extra)")

pytestmark = pytest.mark.asyncio

UTC = dt.UTC

# Values the server produces from literals (the decode path).
LITERALS = [
    "1::int2",
    "(-32768)::int2",
    "2147483647::int4",
    "(-9223372036854775807 - 1)::int8",
    "1.5::float4",
    "0.1::float8",
    "'Infinity'::float8",
    "'-Infinity'::float4",
    "1.10::numeric(10,4)",
    "123456789012345678901234567890.123456789::numeric",
    "0.000001::numeric",
    "'Infinity'::numeric",
    "'-Infinity'::numeric",
    "-0.0::numeric",
    "'héllo ✓'::text",
    "''::text",
    "'v'::varchar(5)",
    "'c'::char(3)",
    "true",
    "false",
    "'\\x00ff10'::bytea",
    "'2024-02-29'::date",
    "'0001-01-01'::date",
    "'infinity'::date",
    "'-infinity'::date",
    "'13:14:15.123456'::time",
    "'13:14:15+05:30'::timetz",
    "'13:14:15-08'::timetz",
    "'2024-01-02 03:04:05.678901'::timestamp",
    "'1800-01-01 00:00'::timestamp",
    "'infinity'::timestamp",
    "'-infinity'::timestamp",
    "'2024-01-02 03:04:05+02'::timestamptz",
    "'1969-12-31 23:59:59.999999+00'::timestamptz",
    "'infinity'::timestamptz",
    "'-infinity'::timestamptz",
    "'1 day 2 hours 3 minutes 4.5 seconds'::interval",
    "'-3 days'::interval",
    "'1 year 2 mons'::interval",
    "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid",
    '\'{"a": [1, 2.5, null, "x"]}\'::json',
    '\'{"b": {"c": true}}\'::jsonb',
    "NULL::int4",
    "NULL::text",
    "NULL::timestamptz",
    "ARRAY[1, 2, NULL]::int4[]",
    "'{}'::int8[]",
    "'{{1,2},{3,4}}'::int2[]",
    "ARRAY['a', NULL, 'c,d', '\"q\"']::text[]",
    "ARRAY[1.5, 'NaN']::float8[]",
    "ARRAY[1.25, 100]::numeric[]",
    "ARRAY[true, false]::bool[]",
    "ARRAY['\\x01'::bytea]",
    "ARRAY['2024-01-01'::date, 'infinity']",
    "ARRAY['12:00'::time]",
    "ARRAY['2024-01-01 10:00+03'::timestamptz]",
    "ARRAY['2024-01-01 10:00'::timestamp]",
    "ARRAY['1 hour'::interval]",
    "ARRAY['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid]",
    "ARRAY['{}'::jsonb, NULL]",
    "ARRAY['happy'::pg_temp.feeling]",
    "'sad'::pg_temp.feeling",
]

# Python values sent as parameters and read back (the encode path).
PARAMS = [
    ("int2", 12),
    ("int4", -5),
    ("int8", 2**62),
    ("float4", 0.25),
    ("float8", 1e300),
    ("numeric", Decimal("-98765.43210")),
    ("numeric", Decimal("1E+5")),
    ("numeric", Decimal("Infinity")),
    ("text", "snow ☃"),
    ("varchar", "x"),
    ("bool", True),
    ("bytea", b"\x00\x01\xff"),
    ("date", dt.date(2000, 1, 1)),
    ("date", dt.date.max),
    ("time", dt.time(1, 2, 3, 4)),
    ("timetz", dt.time(1, 2, 3, tzinfo=dt.timezone(dt.timedelta(hours=-3)))),
    ("timestamp", dt.datetime(2021, 5, 6, 7, 8, 9, 10)),
    ("timestamp", dt.datetime.max),
    ("timestamptz", dt.datetime(2021, 5, 6, 7, 8, 9, tzinfo=dt.timezone(dt.timedelta(hours=9)))),
    ("timestamptz", dt.datetime(1950, 1, 1, tzinfo=UTC)),
    ("interval", dt.timedelta(days=2, microseconds=3)),
    ("uuid", uuid.UUID("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")),
    ("json", '{"k": 1}'),
    ("jsonb", '{"k": [true]}'),
    ("int4[]", [1, None, 3]),
    ("text[]", [["a", "b"], ["c", None]]),
    ("numeric[]", [Decimal("0.1"), Decimal("2")]),
    ("timestamptz[]", [dt.datetime(2020, 1, 1, tzinfo=UTC)]),
    ("uuid[]", [uuid.UUID(int=7)]),
    ("pg_temp.feeling", "ok"),
    ("int8", None),
]


def normalize(value):
    """asyncpg's UUID subclass compares equal to uuid.UUID; compare by class family."""
    if isinstance(value, uuid.UUID):
        return ("uuid", uuid.UUID(int=value.int))
    if isinstance(value, list):
        return ("list", [normalize(v) for v in value])
    if isinstance(value, float) and value != value:
        return ("float", "nan")
    if isinstance(value, Decimal) and value.is_nan():
        return ("Decimal", "NaN")
    return (type(value).__name__, value, getattr(value, "tzinfo", None))


SETUP = "CREATE TYPE pg_temp.feeling AS ENUM ('sad', 'ok', 'happy')"


@pytest_asyncio.fixture
async def peers(dsn):
    theirs = await asyncpg.connect(dsn)
    ours = await postgres.connect(dsn)
    await ours.execute(SETUP)
    await theirs.execute(SETUP)
    yield theirs, ours
    await theirs.close()
    await ours.close()


@pytest.mark.parametrize("expr", LITERALS)
async def test_decoded_values_match_asyncpg(peers, expr):
    theirs, ours = peers
    query = f"SELECT {expr} AS v"
    expected = await theirs.fetchval(query)
    got = await ours.fetchval(query)
    assert normalize(got) == normalize(expected)


@pytest.mark.parametrize(("pgtype", "value"), PARAMS, ids=[f"{t}-{i}" for i, (t, _) in enumerate(PARAMS)])
async def test_encoded_parameters_match_asyncpg(peers, pgtype, value):
    theirs, ours = peers
    query = f"SELECT $1::{pgtype} AS v, ($1::{pgtype})::text AS t"
    expected = await theirs.fetchrow(query, value)
    got = await ours.fetchrow(query, value)
    assert normalize(got["v"]) == normalize(expected["v"])
    # The server saw the same value.
    assert got["t"] == expected["t"]


async def test_records_match_asyncpg(peers):
    theirs, ours = peers
    query = "SELECT g AS n, g::text AS s, g * 1.5 AS f FROM generate_series(1, 50) g"
    expected = await theirs.fetch(query)
    got = await ours.fetch(query)
    assert [dict(r) for r in got] == [dict(r) for r in expected]
    assert [tuple(r) for r in got] == [tuple(r) for r in expected]
    assert list(got[0].keys()) == list(expected[0].keys())


async def test_status_strings_match_asyncpg(peers):
    theirs, ours = peers
    for conn in (theirs, ours):
        await conn.execute("CREATE TEMP TABLE IF NOT EXISTS st (a int)")
    statements = [
        "INSERT INTO st VALUES (1), (2)",
        "UPDATE st SET a = a + 1",
        "DELETE FROM st WHERE a = 2",
        "SELECT * FROM st",
        "CREATE TEMP TABLE st2 (b int)",
        "DROP TABLE st2",
        "BEGIN",
        "COMMIT",
    ]
    for sql in statements:
        assert await ours.execute(sql) == await theirs.execute(sql), sql


async def test_session_time_zone_is_ignored_the_same_way(peers):
    theirs, ours = peers
    for conn in (theirs, ours):
        await conn.execute("SET TIME ZONE 'Asia/Kolkata'")
    query = "SELECT '2024-03-10 02:30:00'::timestamptz, '12:00+01'::timetz, now() - now()"
    assert [normalize(v) for v in await ours.fetchrow(query)] == [normalize(v) for v in await theirs.fetchrow(query)]


@pytest.mark.parametrize(("pgtype", "value"), PARAMS, ids=[f"{t}-{i}" for i, (t, _) in enumerate(PARAMS)])
async def test_executemany_stores_what_asyncpg_stores(peers, pgtype, value):
    """executemany of a plain insert (sent as one statement over column arrays
    for scalar columns, row by row for array columns) stores the same values."""
    theirs, ours = peers
    stored = []
    for conn in (theirs, ours):
        await conn.execute(f"CREATE TEMP TABLE em_d (i int, v {pgtype})")
        await conn.executemany("INSERT INTO em_d VALUES ($1, $2)", [(0, value), (1, None), (2, value)])
        stored.append(await conn.fetch("SELECT i, v, v::text AS t FROM em_d ORDER BY i"))
    expected, got = stored
    if not pgtype.endswith("[]"):
        # Scalar columns went as one statement (a refused batch is closed again).
        batches = (
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE 'INSERT INTO em_d SELECT * FROM unnest(%'"
        )
        assert await ours.fetchval(batches) == 1
    assert [(r["i"], r["t"]) for r in got] == [(r["i"], r["t"]) for r in expected]
    assert [normalize(r["v"]) for r in got] == [normalize(r["v"]) for r in expected]
