"""conn.transaction(): commit, rollback, savepoints, isolation levels, read-only."""

from __future__ import annotations

import pytest

from ouroboros import postgres

pytestmark = pytest.mark.asyncio


async def count(conn, table):
    return await conn.fetchval(f"SELECT count(*) FROM {table}")


async def test_commit_on_success(conn, table):
    async with conn.transaction():
        assert conn.is_in_transaction()
        await conn.execute(f"INSERT INTO {table} (name) VALUES ('a')")
    assert not conn.is_in_transaction()
    assert await count(conn, table) == 1


async def insert_then_raise(conn, table, name, exc):
    async with conn.transaction():
        await conn.execute(f"INSERT INTO {table} (name) VALUES ($1)", name)
        raise exc


async def test_rollback_on_exception(conn, table):
    with pytest.raises(RuntimeError, match="boom"):
        await insert_then_raise(conn, table, "a", RuntimeError("boom"))
    assert await count(conn, table) == 0
    assert conn._tx_depth == 0


async def test_rollback_after_a_server_error(conn, table):
    await conn.execute(f"INSERT INTO {table} (name) VALUES ('dup')")

    async def two_inserts():
        async with conn.transaction():
            await conn.execute(f"INSERT INTO {table} (name) VALUES ('new')")
            await conn.execute(f"INSERT INTO {table} (name) VALUES ('dup')")

    with pytest.raises(postgres.UniqueViolationError):
        await two_inserts()
    assert await count(conn, table) == 1


async def test_nested_blocks_are_savepoints(conn, table):
    async with conn.transaction():
        async with conn.transaction():
            assert conn._tx_depth == 2
        await conn.execute(f"INSERT INTO {table} (name) VALUES ('outer')")
        with pytest.raises(ValueError):
            await insert_then_raise(conn, table, "inner", ValueError())
        async with conn.transaction():
            await conn.execute(f"INSERT INTO {table} (name) VALUES ('kept')")
    names = [r["name"] for r in await conn.fetch(f"SELECT name FROM {table} ORDER BY id")]
    assert names == ["outer", "kept"]


async def test_savepoint_recovers_a_failed_statement(conn, table):
    await conn.execute(f"INSERT INTO {table} (name) VALUES ('dup')")
    async with conn.transaction():
        with pytest.raises(postgres.UniqueViolationError):
            async with conn.transaction():
                await conn.execute(f"INSERT INTO {table} (name) VALUES ('dup')")
        await conn.execute(f"INSERT INTO {table} (name) VALUES ('after')")
    assert await count(conn, table) == 2


async def test_manual_start_commit_rollback(conn, table):
    tx = conn.transaction()
    await tx.start()
    await conn.execute(f"INSERT INTO {table} (name) VALUES ('a')")
    await tx.rollback()
    assert await count(conn, table) == 0
    tx = conn.transaction()
    await tx.start()
    await conn.execute(f"INSERT INTO {table} (name) VALUES ('a')")
    await tx.commit()
    assert await count(conn, table) == 1
    with pytest.raises(postgres.InterfaceError, match="committed"):
        await tx.commit()
    with pytest.raises(postgres.InterfaceError, match="committed"):
        await tx.start()


@pytest.mark.parametrize(
    ("isolation", "expected"),
    [
        ("read_committed", "read committed"),
        ("repeatable_read", "repeatable read"),
        ("serializable", "serializable"),
        ("read_uncommitted", "read uncommitted"),
    ],
)
async def test_isolation_levels(conn, isolation, expected):
    async with conn.transaction(isolation=isolation):
        assert await conn.fetchval("SHOW transaction_isolation") == expected


async def test_readonly_and_deferrable(conn, table):
    async with conn.transaction(isolation="serializable", readonly=True, deferrable=True):
        assert await conn.fetchval("SHOW transaction_read_only") == "on"
        assert await conn.fetchval("SHOW transaction_deferrable") == "on"
    with pytest.raises(postgres.ReadOnlySQLTransactionError):
        async with conn.transaction(readonly=True):
            await conn.execute(f"INSERT INTO {table} (name) VALUES ('x')")


async def test_bad_isolation_and_nested_options_are_refused(conn):
    with pytest.raises(postgres.InterfaceError, match="isolation must be one of"):
        conn.transaction(isolation="chaos")
    async with conn.transaction():
        with pytest.raises(postgres.InterfaceError, match="nested transaction"):
            async with conn.transaction(isolation="serializable"):
                pass


async def test_commit_of_outer_with_open_inner_is_refused(conn):
    outer = conn.transaction()
    await outer.start()
    inner = conn.transaction()
    await inner.start()
    with pytest.raises(postgres.InterfaceError, match="nested one is still open"):
        await outer.commit()
    await inner.rollback()
    await outer.rollback()


async def test_executemany_inside_a_transaction_uses_it(conn, table):
    async with conn.transaction():
        await conn.executemany(f"INSERT INTO {table} (name) VALUES ($1)", [("a",), ("b",)])
        assert conn._tx_depth == 1
        await conn.execute("SELECT 1")
    assert await count(conn, table) == 2

    async def many_then_raise():
        async with conn.transaction():
            await conn.executemany(f"INSERT INTO {table} (name) VALUES ($1)", [("c",)])
            raise KeyError

    with pytest.raises(KeyError):
        await many_then_raise()
    assert await count(conn, table) == 2


async def test_transaction_repr(conn):
    tx = conn.transaction(isolation="serializable")
    assert repr(tx) == "<Transaction transaction state=new isolation=serializable>"
