"""Values and identifiers cannot change a statement; large results stay in bounded memory."""

from __future__ import annotations

import gc
import os

import pytest
import pytest_asyncio

from ouroboros import postgres

pytestmark = pytest.mark.asyncio

HOSTILE_VALUES = [
    "'; DROP TABLE victims; --",
    "x' OR '1'='1",
    "\\'; SELECT pg_sleep(5); --",
    '"; DROP TABLE victims; --',
    "$1",
    "nul-free'::text; --",
]


@pytest_asyncio.fixture
async def victims(conn):
    await conn.execute("CREATE TEMP TABLE victims (id serial, name text)")
    await conn.execute("INSERT INTO victims (name) VALUES ('alice')")
    return "victims"


@pytest.mark.parametrize("value", HOSTILE_VALUES)
async def test_values_are_data_not_sql(conn, victims, value):
    assert await conn.fetchval("SELECT count(*) FROM victims WHERE name = $1", value) == 0
    await conn.execute("INSERT INTO victims (name) VALUES ($1)", value)
    assert await conn.fetchval("SELECT name FROM victims WHERE name = $1", value) == value
    await conn.executemany("INSERT INTO victims (name) VALUES ($1)", [(value,)])
    assert await conn.fetchval("SELECT count(*) FROM victims") == 3


@pytest.mark.parametrize("value", HOSTILE_VALUES)
async def test_copy_values_are_data(conn, victims, value):
    await conn.copy_records_to_table("victims", records=[(99, value)])
    assert await conn.fetchval("SELECT name FROM victims WHERE id = 99") == value


@pytest.mark.parametrize(
    "identifier", ['victims"; DROP TABLE victims; --', "victims; DROP TABLE victims", 'a"b', "Victims"]
)
async def test_copy_identifiers_are_quoted(conn, victims, identifier):
    with pytest.raises(postgres.UndefinedTableError) as info:
        await conn.copy_records_to_table(identifier, records=[(1, "x")])
    assert identifier in info.value.message
    with pytest.raises(postgres.UndefinedColumnError):
        await conn.copy_records_to_table("victims", records=[(1,)], columns=[identifier])
    with pytest.raises(postgres.PostgresError):
        await conn.copy_records_to_table("victims", records=[(1, "x")], schema_name=identifier)
    assert await conn.fetchval("SELECT count(*) FROM victims") == 1


async def test_an_identifier_with_quotes_can_be_a_real_table(conn):
    await conn.execute('CREATE TEMP TABLE "we""ird; name" (v int)')
    assert await conn.copy_records_to_table('we"ird; name', records=[(1,), (2,)]) == "COPY 2"
    assert await conn.fetchval('SELECT sum(v) FROM "we""ird; name"') == 3


async def test_copy_options_are_literals(conn, victims):
    with pytest.raises(postgres.PostgresError):
        await conn.copy_from_table("victims", format="csv", delimiter="'); DROP TABLE victims; --")
    assert await conn.fetchval("SELECT count(*) FROM victims") == 1


async def test_listen_channel_is_an_identifier(conn, victims):
    async def noop(*_):
        return None

    channel = 'c"; DROP TABLE victims; --'
    await conn.add_listener(channel, noop)
    await conn.remove_listener(channel, noop)
    assert await conn.fetchval("SELECT count(*) FROM victims") == 1


def rss_bytes() -> int:
    with open(f"/proc/{os.getpid()}/statm", encoding="ascii") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="RSS is read from /proc")
async def test_cursor_memory_is_bounded_by_prefetch(conn):
    query = "SELECT g, repeat('x', 200) AS pad FROM generate_series(1, 300000) g"
    async with conn.transaction():
        # Warm up allocators and caches on a small read first.
        async for _ in conn.cursor(query.replace("300000", "2000"), prefetch=1000):
            pass
        gc.collect()
        before = rss_bytes()
        peak = before
        seen = 0
        async for record in conn.cursor(query, prefetch=1000):
            seen += 1
            if seen % 20000 == 0:
                peak = max(peak, rss_bytes())
                assert record["g"] == seen
    assert seen == 300000
    # The whole result is about 70 MB as Python objects; a cursor holds 1,000 rows.
    assert peak - before < 20 * 1024 * 1024, f"RSS grew by {(peak - before) >> 20} MB"
