"""The shortcuts on hot paths give what the long way gives: record column names
kept per statement, UTC datetimes without `utcoffset()`, instance values bound
without a dump where the dump is the value, keys assigned after insert_many."""

from __future__ import annotations

import datetime
import decimal
import enum
import uuid
import zoneinfo

import pytest
import pytest_asyncio

from ouroboros import postgres
from ouroboros.postgres import Table
from ouroboros.validation import ValidationError, field_serializer, model_serializer

pytestmark = pytest.mark.asyncio


async def test_record_names_follow_each_statement_when_statements_come_and_go(dsn):
    # A tiny statement cache drops statements all the time, so new ones may
    # take the memory of old ones: each record still carries its own names.
    conn = await postgres.connect(dsn, statement_cache_size=2)
    try:
        for i in range(300):
            row = await conn.fetchrow(f"SELECT $1::int AS a{i}, $2::text AS b{i % 7}", i, "x")
            assert list(row.keys()) == [f"a{i}", f"b{i % 7}"]
            assert row[f"a{i}"] == i and row[1] == "x"
        # Same column count, other names, one after another.
        for i in range(50):
            row = await conn.fetchrow(f"SELECT 1 AS c{i}")
            assert dict(row) == {f"c{i}": 1}
    finally:
        await conn.close()


async def test_record_names_of_a_repeated_statement_stay_right(conn):
    for _ in range(3):
        rows = await conn.fetch("SELECT g AS n, g * 2 AS twice FROM generate_series(1, 3) g")
        assert [dict(r) for r in rows] == [{"n": 1, "twice": 2}, {"n": 2, "twice": 4}, {"n": 3, "twice": 6}]


async def test_datetime_arguments_in_every_time_zone_form(conn):
    instant = datetime.datetime(2024, 3, 10, 12, 30, 15, 123456, tzinfo=datetime.UTC)
    forms = [
        instant,
        instant.astimezone(datetime.timezone(datetime.timedelta(hours=5, minutes=30))),
        instant.astimezone(datetime.timezone(-datetime.timedelta(hours=8))),
        instant.astimezone(zoneinfo.ZoneInfo("America/New_York")),
    ]
    for value in forms:
        assert await conn.fetchval("SELECT $1::timestamptz", value) == instant
        assert await conn.fetchval("SELECT extract(epoch FROM $1::timestamptz)::float8", value) == pytest.approx(
            instant.timestamp()
        )
    naive = datetime.datetime(2024, 3, 10, 12, 30, 15, 123456)
    assert await conn.fetchval("SELECT $1::timestamp", naive) == naive
    # A naive value sent for timestamptz is read in the session's zone (UTC here).
    await conn.execute("SET TIME ZONE 'UTC'")
    assert await conn.fetchval("SELECT $1::timestamptz", naive) == naive.replace(tzinfo=datetime.UTC)


async def test_decoded_datetimes_cover_the_range_and_refuse_what_python_cannot_hold(conn):
    assert await conn.fetchval("SELECT '0001-01-01 00:00:00'::timestamp") == datetime.datetime(1, 1, 1)
    assert await conn.fetchval("SELECT '9999-12-31 23:59:59.999999+00'::timestamptz") == datetime.datetime(
        9999, 12, 31, 23, 59, 59, 999999, tzinfo=datetime.UTC
    )
    with pytest.raises(postgres.DataError, match="out of the range of Python's date"):
        await conn.fetchval("SELECT '10000-01-01 00:00:00'::timestamp")


class Mood(enum.Enum):
    HAPPY = "happy"
    SAD = "sad"


class Dumped(Table):
    """Columns whose dump differs from the stored value, beside plain ones."""

    id: int | None = None
    name: str
    shout: str
    mood: Mood
    amount: decimal.Decimal
    ref: uuid.UUID
    at: datetime.datetime
    data: bytes
    labels: set[str]

    @field_serializer("shout")
    def _upper(self, value: str) -> str:
        return value.upper()

    class Settings:
        table_name = "fp_dumped"


class WholeDump(Table):
    id: int | None = None
    name: str

    @model_serializer
    def _dump(self) -> dict:
        return {"id": self.id, "name": f"<{self.name}>"}

    class Settings:
        table_name = "fp_whole"


@pytest_asyncio.fixture
async def fp_tables(db):
    for model in (Dumped, WholeDump):
        await model.drop_table()
        await model.create_table()
    yield
    for model in (Dumped, WholeDump):
        await model.drop_table()


def dumped(i: int) -> Dumped:
    return Dumped(
        name=f"n{i}",
        shout=f"s{i}",
        mood=Mood.SAD if i % 2 else Mood.HAPPY,
        amount=decimal.Decimal(f"{i}.25"),
        ref=uuid.UUID(int=i + 1),
        at=datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC) + datetime.timedelta(days=i),
        data=bytes([i, 0, 255]),
        labels={"a", f"l{i}"},
    )


@pytest.mark.parametrize("many", [False, True])
async def test_serialized_columns_are_stored_as_the_model_dumps_them(fp_tables, conn, many):
    items = [dumped(i) for i in range(4)]
    if many:
        await Dumped.insert_many(items)
    else:
        for item in items:
            await item.insert()
    assert [d.id for d in items] == [1, 2, 3, 4]
    rows = await conn.fetch("SELECT * FROM fp_dumped ORDER BY id")
    for item, row in zip(items, rows, strict=True):
        assert row["name"] == item.name
        assert row["shout"] == item.shout.upper()
        assert row["mood"] == item.mood.value
        assert row["amount"] == item.amount
        assert row["ref"] == item.ref
        assert row["at"] == item.at
        assert row["data"] == item.data
        assert sorted(row["labels"]) == sorted(item.labels)


@pytest.mark.parametrize("many", [False, True])
async def test_a_model_serializer_rewrites_every_column(fp_tables, conn, many):
    items = [WholeDump(name=f"w{i}") for i in range(3)]
    if many:
        await WholeDump.insert_many(items)
    else:
        for item in items:
            await item.insert()
    assert [r["name"] for r in await conn.fetch("SELECT name FROM fp_whole ORDER BY id")] == ["<w0>", "<w1>", "<w2>"]


async def test_column_arrays_and_assign_returned_directly(fp_tables):
    codec = Dumped._ob_codec()
    items = [dumped(i) for i in range(3)]
    arrays = codec.column_arrays(items, "id")
    assert len(arrays) == len(codec.columns) - 1
    assert arrays[0] == ["n0", "n1", "n2"]
    assert arrays[1] == ["S0", "S1", "S2"]
    assert codec.column_arrays(items)[0] == [None, None, None]
    with pytest.raises(TypeError, match="expected a Dumped instance, got WholeDump"):
        codec.column_arrays([WholeDump(name="x")])
    codec.assign_returned(items, "id", [7, 8, "9"])
    assert [i.id for i in items] == [7, 8, 9]
    assert all("id" in i.model_fields_set for i in items)
    with pytest.raises(ValueError, match="fewer keys"):
        codec.assign_returned(items, "id", [1])
    with pytest.raises(ValueError, match="more keys"):
        codec.assign_returned(items[:1], "id", [1, 2])
    with pytest.raises(ValueError, match="no keys"):
        codec.assign_returned(items[:1], "id", None)
    with pytest.raises(ValidationError):
        codec.assign_returned(items[:1], "id", ["not a number"])


async def test_insert_many_keys_follow_the_instances_across_batches(db):
    # More instances than one statement takes: every batch's keys land on
    # its own instances, in order, and match what the table holds.
    from pg_models import Author

    people = [Author(email=f"k{i}@x", name=f"n{i}", age=i % 90) for i in range(12_345)]
    await Author.insert_many(people)
    keys = [p.id for p in people]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    stored = {a.email: a.id for a in await Author.find_all().to_list()}
    assert all(stored[p.email] == p.id for p in people)


class Plain(Table):
    id: int | None = None
    code: str
    at: datetime.datetime

    class Settings:
        table_name = "fp_plain"


async def test_insert_many_by_column_keys_across_batches(db):
    await Plain.drop_table()
    await Plain.create_table()
    try:
        start = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
        rows = [Plain(code=f"c{i}", at=start + datetime.timedelta(seconds=i)) for i in range(10_500)]
        assert "unnest" in Plain._ob_unnest_sql(["code", "at"])
        await Plain.insert_many(rows)
        assert [r.id for r in rows] == list(range(1, 10_501))
        stored = await Plain.find_all().order_by("id").to_list()
        assert stored == rows
    finally:
        await Plain.drop_table()
