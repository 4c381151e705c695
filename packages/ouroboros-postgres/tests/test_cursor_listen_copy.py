"""Cursors (bounded memory), LISTEN/NOTIFY, COPY in and out."""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal

import pytest

from ouroboros import postgres

pytestmark = pytest.mark.asyncio


async def test_cursor_iterates_in_batches(conn):
    async with conn.transaction():
        seen = [
            r[0] async for r in conn.cursor("SELECT g FROM generate_series(1, 1234) g WHERE g > $1", 0, prefetch=100)
        ]
    assert seen == list(range(1, 1235))


async def test_cursor_fetch_forward_fetchrow(conn):
    async with conn.transaction():
        cur = await conn.cursor("SELECT g FROM generate_series(1, 10) g")
        assert [r[0] for r in await cur.fetch(3)] == [1, 2, 3]
        assert await cur.forward(4) == 4
        assert (await cur.fetchrow())[0] == 8
        assert [r[0] for r in await cur.fetch(10)] == [9, 10]
        assert await cur.fetchrow() is None
        await cur.close()
        with pytest.raises(postgres.InterfaceError, match="closed"):
            await cur.fetch(1)


async def test_two_cursors_at_once(conn):
    async with conn.transaction():
        a = await conn.cursor("SELECT 'a' || g FROM generate_series(1, 3) g")
        b = await conn.cursor("SELECT 'b' || g FROM generate_series(1, 3) g")
        assert (await a.fetchrow())[0] == "a1"
        assert (await b.fetchrow())[0] == "b1"
        assert (await a.fetchrow())[0] == "a2"


async def test_cursor_needs_a_transaction(conn):
    with pytest.raises(postgres.InterfaceError, match="needs a transaction"):
        await conn.cursor("SELECT 1")
    with pytest.raises(postgres.InterfaceError, match="needs a transaction"):
        async for _ in conn.cursor("SELECT 1"):
            pass


async def test_cursor_names_are_reused(conn):
    for _ in range(3):
        async with conn.transaction():
            assert [r[0] async for r in conn.cursor("SELECT 1", prefetch=5)] == [1]
    assert conn.__dict__["_cursor_names"] == set()


async def test_listen_notify(dsn, conn):
    got: asyncio.Queue = asyncio.Queue()

    def on_note(connection, pid, channel, payload):
        got.put_nowait((connection, pid, channel, payload))

    await conn.add_listener("jobs", on_note)
    sender = await postgres.connect(dsn)
    try:
        await sender.execute("SELECT pg_notify('jobs', 'hello')")
        await sender.execute("NOTIFY jobs, 'second'")
        first = await asyncio.wait_for(got.get(), 5)
        assert first == (conn, sender.get_server_pid(), "jobs", "hello")
        assert (await asyncio.wait_for(got.get(), 5))[3] == "second"
        await conn.remove_listener("jobs", on_note)
        await sender.execute("NOTIFY jobs, 'ignored'")
        await conn.fetchval("SELECT 1")
        await asyncio.sleep(0.1)
        assert got.empty()
    finally:
        await sender.close()


async def test_async_listener_and_quoted_channel(dsn, conn):
    done = asyncio.Event()
    payloads = []

    async def on_note(connection, pid, channel, payload):
        payloads.append((channel, payload))
        done.set()

    await conn.add_listener('odd "name"', on_note)
    sender = await postgres.connect(dsn)
    try:
        await sender.execute("SELECT pg_notify($1, $2)", 'odd "name"', "x")
        await asyncio.wait_for(done.wait(), 5)
        assert payloads == [('odd "name"', "x")]
    finally:
        await sender.close()
        await conn.remove_listener('odd "name"', on_note)


async def test_copy_records_to_table(conn):
    await conn.execute("CREATE TEMP TABLE c (id int, name text, amount numeric, at timestamptz, tags text[])")
    at = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    records = [(i, f"n{i}", Decimal(i) / 4, at, ["x", None]) for i in range(1000)]
    assert await conn.copy_records_to_table("c", records=records) == "COPY 1000"
    row = await conn.fetchrow("SELECT * FROM c WHERE id = 999")
    assert tuple(row) == (999, "n999", Decimal("249.75"), at, ["x", None])


async def test_copy_records_to_some_columns_with_schema(conn):
    await conn.execute("CREATE TEMP TABLE c2 (id serial, name text, n int DEFAULT 7)")
    schema = await conn.fetchval("SELECT nspname FROM pg_namespace WHERE oid = pg_my_temp_schema()")
    status = await conn.copy_records_to_table("c2", records=[("a",), ("b",)], columns=["name"], schema_name=schema)
    assert status == "COPY 2"
    assert [tuple(r) for r in await conn.fetch("SELECT name, n FROM c2 ORDER BY id")] == [("a", 7), ("b", 7)]


async def test_copy_records_type_error_names_the_row(conn):
    await conn.execute("CREATE TEMP TABLE c3 (id int)")
    with pytest.raises(postgres.DataError, match=r"query argument \$1: .*\(row 1\)"):
        await conn.copy_records_to_table("c3", records=[(1,), ("x",)])
    with pytest.raises(postgres.InterfaceError, match="record 0 has 2 values"):
        await conn.copy_records_to_table("c3", records=[(1, 2)])
    assert await conn.fetchval("SELECT 1") == 1


async def test_copy_to_table_and_back(conn, tmp_path):
    await conn.execute("CREATE TEMP TABLE c4 (id int, name text)")
    assert await conn.copy_to_table("c4", source=b"1,a\n2,b\n", format="csv") == "COPY 2"
    src = tmp_path / "in.csv"
    src.write_text("id|name\n3|c\n", encoding="utf-8")
    assert await conn.copy_to_table("c4", source=src, format="csv", delimiter="|", header=True) == "COPY 1"
    data = await conn.copy_from_query("SELECT * FROM c4 ORDER BY id", format="csv")
    assert data == b"1,a\n2,b\n3,c\n"
    out = tmp_path / "out.txt"
    assert await conn.copy_from_table("c4", output=out, columns=["name"]) == "COPY 3"
    assert out.read_text() == "a\nb\nc\n"


async def test_copy_bad_format_is_refused(conn):
    from ouroboros.core import InvalidArgumentError

    with pytest.raises(InvalidArgumentError, match="format"):
        await conn.copy_from_query("SELECT 1", format="xml")
