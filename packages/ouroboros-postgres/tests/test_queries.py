"""execute / executemany / fetch / fetchrow / fetchval, Record, the statement cache."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from ouroboros import postgres

pytestmark = pytest.mark.asyncio


async def test_execute_returns_the_command_status(conn, table):
    assert await conn.execute(f"INSERT INTO {table} (name, n) VALUES ('a', 1), ('b', 2)") == "INSERT 0 2"
    assert await conn.execute(f"UPDATE {table} SET n = n + $1", 10) == "UPDATE 2"
    assert await conn.execute(f"DELETE FROM {table} WHERE name = $1", "a") == "DELETE 1"
    assert await conn.execute(f"SELECT * FROM {table}") == "SELECT 1"
    assert await conn.execute("CREATE TEMP TABLE tmp_status (a int)") == "CREATE TABLE"


async def test_execute_without_arguments_runs_a_script(conn, table):
    status = await conn.execute(
        f"INSERT INTO {table} (name) VALUES ('x'); INSERT INTO {table} (name) VALUES ('y'), ('z')"
    )
    assert status == "INSERT 0 2"
    assert await conn.fetchval(f"SELECT count(*) FROM {table}") == 3


async def test_fetch_returns_records_in_order(conn, table):
    await conn.executemany(f"INSERT INTO {table} (name, n) VALUES ($1, $2)", [("a", 1), ("b", 2), ("c", 3)])
    rows = await conn.fetch(f"SELECT name, n FROM {table} ORDER BY n DESC")
    assert [tuple(r) for r in rows] == [("c", 3), ("b", 2), ("a", 1)]
    assert rows[0]["name"] == "c"
    assert rows[0][1] == 3
    assert await conn.fetch(f"SELECT * FROM {table} WHERE n > $1", 100) == []


async def test_fetchrow_and_fetchval(conn, table):
    await conn.execute(f"INSERT INTO {table} (name, n) VALUES ('a', 1)")
    row = await conn.fetchrow(f"SELECT id, name, n FROM {table} WHERE name = $1", "a")
    assert row["name"] == "a" and row["n"] == 1
    assert await conn.fetchrow(f"SELECT * FROM {table} WHERE name = $1", "zz") is None
    assert await conn.fetchval(f"SELECT n FROM {table} WHERE name = $1", "zz") is None
    assert await conn.fetchval(f"SELECT name, n FROM {table}", column=1) == 1
    with pytest.raises(IndexError, match="column 5 does not exist"):
        await conn.fetchval(f"SELECT name, n FROM {table}", column=5)


async def test_fetchrow_reads_only_the_first_of_many(conn):
    assert await conn.fetchval("SELECT g FROM generate_series(1, 100000) g") == 1


async def test_record_behaves_like_asyncpg(conn):
    r = await conn.fetchrow("SELECT 1 AS a, 'x' AS b, NULL::int AS c")
    assert len(r) == 3
    assert r[0] == 1 and r[-1] is None and r["b"] == "x"
    assert r[0:2] == (1, "x")
    assert list(r) == [1, "x", None]
    assert list(r.keys()) == ["a", "b", "c"]
    assert list(r.values()) == [1, "x", None]
    assert list(r.items()) == [("a", 1), ("b", "x"), ("c", None)]
    assert dict(r) == {"a": 1, "b": "x", "c": None}
    assert "a" in r and "zz" not in r
    assert r.get("b") == "x" and r.get("zz") is None and r.get("zz", 5) == 5
    assert r == (1, "x", None)
    assert hash(r) == hash((1, "x", None))
    assert repr(r) == "<Record a=1 b='x' c=None>"
    with pytest.raises(KeyError):
        r["zz"]
    with pytest.raises(IndexError):
        r[3]
    with pytest.raises(TypeError):
        r[1.5]


async def test_records_compare_with_each_other(conn):
    a = await conn.fetchrow("SELECT 1 AS a, 2 AS b")
    b = await conn.fetchrow("SELECT 1 AS x, 2 AS y")
    c = await conn.fetchrow("SELECT 1, 3")
    assert a == b
    assert a != c
    assert a < c


async def test_duplicate_column_names_read_the_first(conn):
    r = await conn.fetchrow("SELECT 1 AS a, 2 AS a")
    assert r["a"] == 1 and tuple(r) == (1, 2)


async def test_statements_are_prepared_once_and_cached(conn):
    before = conn._cached_statements
    for i in range(5):
        assert await conn.fetchval("SELECT $1::int + 1", i) == i + 1
    assert conn._cached_statements == before + 1
    assert (
        await conn.fetchval("SELECT count(*) FROM pg_prepared_statements WHERE statement = $1", "SELECT $1::int + 1")
        == 1
    )


async def test_statement_cache_is_bounded(dsn):
    c = await postgres.connect(dsn, statement_cache_size=3)
    try:
        for i in range(10):
            await c.fetchval(f"SELECT {i}")
        assert c._cached_statements == 3
        assert await c.fetchval("SELECT count(*) FROM pg_prepared_statements") <= 4
    finally:
        await c.close()


async def test_statement_cache_can_be_off(dsn):
    c = await postgres.connect(dsn, statement_cache_size=0)
    try:
        assert await c.fetchval("SELECT 1") == 1
        assert c._cached_statements == 0
    finally:
        await c.close()


async def test_cached_statement_is_reprepared_after_a_schema_change(conn, table):
    await conn.execute(f"INSERT INTO {table} (name, n) VALUES ('a', 1)")
    assert len(await conn.fetchrow(f"SELECT * FROM {table}")) == 3
    await conn.execute(f"ALTER TABLE {table} ADD COLUMN extra text DEFAULT 'e'")
    row = await conn.fetchrow(f"SELECT * FROM {table}")
    assert row["extra"] == "e"


async def test_wrong_number_of_arguments(conn):
    with pytest.raises(postgres.InterfaceError, match="expects 2 parameters but got 1"):
        await conn.fetchval("SELECT $1::int + $2::int", 1)
    assert await conn.fetchval("SELECT $1::int + $2::int", 1, 2) == 3


async def test_executemany_inserts_every_row_and_is_atomic(conn, table):
    rows = [(f"n{i}", i) for i in range(500)]
    assert await conn.executemany(f"INSERT INTO {table} (name, n) VALUES ($1, $2)", rows) is None
    assert await conn.fetchval(f"SELECT sum(n) FROM {table}") == sum(range(500))
    with pytest.raises(postgres.UniqueViolationError) as err:
        await conn.executemany(f"INSERT INTO {table} (name, n) VALUES ($1, $2)", [("new", 1), ("n3", 2)])
    assert (err.value.sqlstate, err.value.row) == ("23505", 1)
    assert "(SQLSTATE 23505) in executemany row 1" in str(err.value)
    assert await conn.fetchval(f"SELECT count(*) FROM {table} WHERE name = 'new'") == 0


async def test_executemany_batched_insert_keeps_order_types_and_nulls(conn):
    await conn.execute("CREATE TEMP TABLE em_types (id serial PRIMARY KEY, n int2, t text, d numeric, j jsonb)")
    rows = [(i, f"t{i}" if i % 3 else None, Decimal(i) / 4, {"i": i}) for i in range(300)]
    await conn.executemany("INSERT INTO em_types (n, t, d, j) VALUES ($1, $2, $3, $4)", rows)
    got = await conn.fetch("SELECT n, t, d, j FROM em_types ORDER BY id")
    assert [tuple(r.values()) for r in got] == [(n, t, d, json.dumps(j)) for n, t, d, j in rows]
    # It went as one statement over column arrays (prepared and kept in the cache).
    prepared = await conn.fetch("SELECT statement FROM pg_prepared_statements")
    assert any("SELECT * FROM unnest($1::" in r["statement"] for r in prepared)


async def test_executemany_batched_insert_failing_rows_name_the_row(conn):
    await conn.execute("CREATE TEMP TABLE em_fail (id int PRIMARY KEY, n int2 NOT NULL)")
    with pytest.raises(postgres.NotNullViolationError) as err:
        await conn.executemany("INSERT INTO em_fail VALUES ($1, $2)", [(1, 1), (2, 2), (3, None), (4, 4)])
    assert (err.value.sqlstate, err.value.row, err.value.column_name) == ("23502", 2, "n")
    # A value the column type cannot hold: a DataError naming the row, nothing applied.
    with pytest.raises(postgres.DataError, match=r"out of range for int2 \(row 1\)"):
        await conn.executemany("INSERT INTO em_fail VALUES ($1, $2)", [(1, 1), (2, 70000)])
    assert await conn.fetchval("SELECT count(*) FROM em_fail") == 0
    # ON CONFLICT DO NOTHING is batched too and skips duplicates within the batch.
    await conn.executemany("INSERT INTO em_fail VALUES ($1, $2) ON CONFLICT (id) DO NOTHING", [(1, 1), (1, 2), (2, 3)])
    assert [tuple(r.values()) for r in await conn.fetch("SELECT * FROM em_fail ORDER BY id")] == [(1, 1), (2, 3)]

    # Inside a transaction the refused batch rolls back to its savepoint; the
    # row-by-row rerun names the row.
    async def in_block() -> None:
        async with conn.transaction():
            await conn.execute("INSERT INTO em_fail VALUES (10, 10)")
            await conn.executemany("INSERT INTO em_fail VALUES ($1, $2)", [(11, 1), (1, 1)])

    with pytest.raises(postgres.UniqueViolationError) as err:
        await in_block()
    assert err.value.row == 1
    # The block rolled back as a whole.
    assert await conn.fetchval("SELECT count(*) FROM em_fail") == 2


async def test_executemany_accepts_any_iterable_of_sequences(conn, table):
    await conn.executemany(f"INSERT INTO {table} (name, n) VALUES ($1, $2)", ([f"g{i}", i] for i in range(3)))
    assert await conn.fetchval(f"SELECT count(*) FROM {table}") == 3
    with pytest.raises(postgres.DataError, match="row 0 is a str"):
        await conn.executemany(f"INSERT INTO {table} (name) VALUES ($1)", ["abc"])


async def test_concurrent_queries_on_one_connection_are_pipelined(conn):
    import asyncio

    results = await asyncio.gather(*(conn.fetchval("SELECT $1::int * 2", i) for i in range(50)))
    assert results == [i * 2 for i in range(50)]


async def test_large_result(conn):
    rows = await conn.fetch("SELECT g, g::text AS t FROM generate_series(1, 20000) g")
    assert len(rows) == 20000
    assert rows[-1]["t"] == "20000"


async def test_server_pid_and_version(conn):
    pid = conn.get_server_pid()
    assert pid == await conn.fetchval("SELECT pg_backend_pid()")
    assert conn.get_server_version_num() >= 100000
    assert repr(conn) == f"<ouroboros.postgres.Connection pid={pid}>"


async def test_invalid_timeout_is_refused(conn):
    from ouroboros.core import InvalidArgumentError

    with pytest.raises(InvalidArgumentError, match="timeout"):
        await conn.fetch("SELECT 1", timeout=-1)


async def test_prepare_describes_parameters_and_columns(conn, table):
    stmt = await conn.prepare(f"SELECT id, name FROM {table} WHERE n > $1 AND name = ANY($2)")
    assert [(t.name, t.kind) for t in stmt.get_parameters()] == [("int4", "scalar"), ("_text", "array")]
    assert [(a.name, a.type.name) for a in stmt.get_attributes()] == [("id", "int4"), ("name", "text")]
    assert stmt.get_query().startswith("SELECT id")
    await conn.executemany(f"INSERT INTO {table} (name, n) VALUES ($1, $2)", [("a", 5), ("b", 6)])
    assert [r["name"] for r in await stmt.fetch(0, ["a", "b", "c"])] == ["a", "b"]
    assert (await stmt.fetchrow(5, ["b"]))["name"] == "b"
    assert await stmt.fetchval(100, ["a"]) is None
    insert = await conn.prepare(f"INSERT INTO {table} (name, n) VALUES ($1, $2)")
    assert insert.get_attributes() == ()
    await insert.executemany([("c", 1)])
    assert await conn.fetchval(f"SELECT count(*) FROM {table}") == 3
    with pytest.raises(postgres.PostgresSyntaxError):
        await conn.prepare("SELEC 1")
