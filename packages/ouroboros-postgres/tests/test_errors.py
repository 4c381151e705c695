"""Server errors keep SQLSTATE and message; connection failures are typed."""

from __future__ import annotations

import asyncio

import pytest

from ouroboros import postgres
from ouroboros.core import OuroborosError

pytestmark = pytest.mark.asyncio


async def test_unique_violation(conn, table):
    await conn.execute(f"INSERT INTO {table} (name) VALUES ('a')")
    with pytest.raises(postgres.UniqueViolationError) as info:
        await conn.execute(f"INSERT INTO {table} (name) VALUES ($1)", "a")
    e = info.value
    assert e.sqlstate == "23505"
    assert e.constraint_name == f"{table}_name_key"
    assert e.table_name == table
    assert "duplicate key value" in e.message
    assert "Key (name)=(a) already exists." in e.detail
    assert "SQLSTATE 23505" in str(e)
    assert isinstance(e, postgres.IntegrityConstraintViolationError)
    assert isinstance(e, postgres.PostgresError)
    assert isinstance(e, OuroborosError)
    assert postgres.UniqueViolation is postgres.UniqueViolationError


async def test_foreign_key_and_not_null(conn):
    await conn.execute("CREATE TEMP TABLE parent (id int PRIMARY KEY)")
    await conn.execute("CREATE TEMP TABLE child (id int PRIMARY KEY, pid int NOT NULL REFERENCES parent(id))")
    with pytest.raises(postgres.ForeignKeyViolationError) as fk:
        await conn.execute("INSERT INTO child VALUES (1, $1)", 99)
    assert fk.value.sqlstate == "23503"
    with pytest.raises(postgres.NotNullViolationError) as nn:
        await conn.execute("INSERT INTO child VALUES (1, $1)", None)
    assert nn.value.column_name == "pid"


@pytest.mark.parametrize(
    ("sql", "cls", "sqlstate"),
    [
        ("SELECT 1/0", postgres.DivisionByZeroError, "22012"),
        ("SELECT * FROM no_such_table", postgres.UndefinedTableError, "42P01"),
        ("SELECT no_such_column FROM pg_class", postgres.UndefinedColumnError, "42703"),
        ("SELEC 1", postgres.PostgresSyntaxError, "42601"),
        ("SELECT no_such_fn()", postgres.UndefinedFunctionError, "42883"),
        ("SELECT 'x'::int", postgres.InvalidTextRepresentationError, "22P02"),
        ("SELECT 2147483647::int + 1", postgres.NumericValueOutOfRangeError, "22003"),
        ("SELECT repeat('x', 5)::varchar(2)::char(1)", None, None),
    ],
)
async def test_sqlstate_picks_the_class(conn, sql, cls, sqlstate):
    if cls is None:
        assert await conn.fetchval(sql) == "x"
        return
    with pytest.raises(cls) as info:
        await conn.fetch(sql)
    assert info.value.sqlstate == sqlstate


async def test_unknown_sqlstate_falls_back_to_its_class(conn):
    with pytest.raises(postgres.InvalidDataError) as info:
        await conn.execute("DO $$ BEGIN RAISE EXCEPTION 'custom' USING ERRCODE = '22999'; END $$")
    assert info.value.sqlstate == "22999"
    assert info.value.message == "custom"
    with pytest.raises(postgres.PostgresError) as info:
        await conn.execute("DO $$ BEGIN RAISE EXCEPTION 'other' USING ERRCODE = 'P0001'; END $$")
    assert type(info.value) is postgres.PostgresError
    assert info.value.sqlstate == "P0001"


async def test_hint_and_position_are_kept(conn):
    with pytest.raises(postgres.UndefinedFunctionError) as info:
        await conn.fetch("SELECT abs('x'::text)")
    assert info.value.hint and "explicit type casts" in info.value.hint
    assert info.value.position == 8
    assert info.value.as_dict()["sqlstate"] == "42883"


async def test_serialization_failure(dsn, table):
    a = await postgres.connect(dsn)
    b = await postgres.connect(dsn)
    try:
        await a.execute(f"INSERT INTO {table} (name, n) VALUES ('k', 0)")
        ta = a.transaction(isolation="serializable")
        tb = b.transaction(isolation="serializable")
        await ta.start()
        await tb.start()
        await a.fetchval(f"SELECT n FROM {table} WHERE name = 'k'")
        await b.fetchval(f"SELECT n FROM {table} WHERE name = 'k'")
        await a.execute(f"UPDATE {table} SET n = 1 WHERE name = 'k'")
        await ta.commit()
        with pytest.raises(postgres.SerializationError) as info:
            await b.execute(f"UPDATE {table} SET n = 2 WHERE name = 'k'")
        assert info.value.sqlstate == "40001"
        assert postgres.SerializationFailure is postgres.SerializationError
        await tb.rollback()
        assert await a.fetchval(f"SELECT n FROM {table} WHERE name = 'k'") == 1
    finally:
        await a.close()
        await b.close()


async def test_connection_refused_is_a_connection_error():
    with pytest.raises(postgres.PostgresConnectionError) as info:
        await postgres.connect("postgresql://postgres@127.0.0.1:1/postgres", timeout=5)
    assert isinstance(info.value, ConnectionError)
    assert "127.0.0.1:1" in str(info.value)


async def test_unknown_database_is_a_server_error(server_dsn):
    from conftest import with_database

    with pytest.raises(postgres.InvalidCatalogNameError) as info:
        await postgres.connect(with_database(server_dsn, "ob_no_such_db"))
    assert info.value.sqlstate == "3D000"
    assert "ob_no_such_db" in info.value.message


async def test_invalid_dsn():
    with pytest.raises(postgres.InterfaceError, match="invalid DSN"):
        await postgres.connect("postgresql://host:notaport/db")


async def test_closed_connection_raises(dsn):
    c = await postgres.connect(dsn)
    await c.close()
    assert c.is_closed()
    with pytest.raises(postgres.ConnectionDoesNotExistError, match="closed"):
        await c.fetchval("SELECT 1")


async def test_terminated_backend_raises_and_the_server_message_is_kept(dsn, conn):
    victim = await postgres.connect(dsn)
    await conn.execute("SELECT pg_terminate_backend($1)", victim.get_server_pid())
    for _ in range(100):
        if victim.is_closed():
            break
        await asyncio.sleep(0.02)
    with pytest.raises(postgres.ConnectionDoesNotExistError) as info:
        await victim.fetchval("SELECT 1")
    assert isinstance(info.value, ConnectionError)
    assert "57P01" in str(info.value)
    await victim.close()


async def test_lost_connection_mid_transaction_leaves_no_half_applied_writes(dsn, conn, table):
    victim = await postgres.connect(dsn)

    async def two_writes_with_a_kill_between():
        async with victim.transaction():
            await victim.execute(f"INSERT INTO {table} (name) VALUES ('first')")
            await conn.execute("SELECT pg_terminate_backend($1)", victim.get_server_pid())
            for _ in range(100):
                if victim.is_closed():
                    break
                await asyncio.sleep(0.02)
            await victim.execute(f"INSERT INTO {table} (name) VALUES ('second')")

    with pytest.raises(postgres.ConnectionDoesNotExistError):
        await two_writes_with_a_kill_between()
    assert await conn.fetchval(f"SELECT count(*) FROM {table}") == 0
    assert victim._tx_depth == 0
    await victim.close()


async def test_timeout_cancels_the_query_on_the_server(conn):
    with pytest.raises(postgres.QueryTimeoutError) as info:
        await conn.execute("SELECT pg_sleep(30)", timeout=0.2)
    assert isinstance(info.value, TimeoutError)
    assert await conn.fetchval("SELECT 1") == 1
    active = await conn.fetchval(
        "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)' AND state = 'active'"
    )
    assert active == 0


async def test_command_timeout_applies_to_every_call(dsn):
    c = await postgres.connect(dsn, command_timeout=0.2)
    try:
        with pytest.raises(postgres.QueryTimeoutError):
            await c.fetchval("SELECT pg_sleep(30)")
        assert await c.fetchval("SELECT 2") == 2
    finally:
        await c.close()


async def test_cancelling_the_awaitable_cancels_the_server_query(conn, dsn):
    task = asyncio.ensure_future(conn.execute("SELECT pg_sleep(30)"))
    await asyncio.sleep(0.3)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    watcher = await postgres.connect(dsn)
    try:
        for _ in range(100):
            busy = await watcher.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = $1 AND state = 'active'", conn.get_server_pid()
            )
            if busy == 0:
                break
            await asyncio.sleep(0.05)
        assert busy == 0
    finally:
        await watcher.close()
    assert await conn.fetchval("SELECT 3") == 3


async def test_server_side_statement_timeout_is_query_canceled(conn):
    await conn.execute("SET statement_timeout = 100")
    with pytest.raises(postgres.QueryCanceledError) as info:
        await conn.execute("SELECT pg_sleep(5)")
    assert info.value.sqlstate == "57014"


async def test_a_cancel_never_hits_the_next_query(conn):
    for _ in range(4):
        with pytest.raises(postgres.QueryTimeoutError):
            await conn.execute("SELECT pg_sleep(10)", timeout=0.05)
        assert await conn.fetchval("SELECT 41 + 1") == 42
        task = asyncio.ensure_future(conn.execute("SELECT pg_sleep(10)"))
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await conn.fetchval("SELECT 40 + 3") == 43
