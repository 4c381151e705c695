"""executemany of statements that are not a plain insert (UPDATE, DELETE,
INSERT ... ON CONFLICT DO UPDATE, RETURNING): every execution of a batch goes
under one Sync; errors name the failing row and its SQLSTATE; the
transaction semantics are asyncpg's (checked against asyncpg itself)."""

from __future__ import annotations

import asyncio
import uuid

import pytest
import pytest_asyncio

from ouroboros import postgres

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture
async def items(conn):
    name = f"em_{uuid.uuid4().hex[:10]}"
    await conn.execute(f"CREATE TABLE {name} (id int PRIMARY KEY, n int NOT NULL CHECK (n < 5000), label text)")
    await conn.execute(f"INSERT INTO {name} SELECT g, g, 'l' || g FROM generate_series(0, 999) g")
    yield name
    if not conn.is_closed():
        await conn.execute(f"DROP TABLE IF EXISTS {name}")


async def test_update_of_1000_rows_is_one_batch(conn, items):
    before = conn._pipelined_batches
    rows = [(i * 2, i) for i in range(1000)]
    assert await conn.executemany(f"UPDATE {items} SET n = $1 WHERE id = $2", rows) is None
    assert conn._pipelined_batches - before == 1
    assert await conn.fetchval(f"SELECT sum(n) FROM {items}") == sum(i * 2 for i in range(1000))
    assert await conn.fetchval(f"SELECT n FROM {items} WHERE id = 999") == 1998


async def test_delete_with_returning_and_upsert(conn, items):
    before = conn._pipelined_batches
    await conn.executemany(f"DELETE FROM {items} WHERE id = $1 RETURNING id, label", [(i,) for i in range(0, 1000, 2)])
    assert await conn.fetchval(f"SELECT count(*) FROM {items}") == 500
    assert await conn.fetchval(f"SELECT count(*) FROM {items} WHERE id % 2 = 0") == 0
    # The same key twice in one batch: two executions, the second sees the first.
    upsert = (
        f"INSERT INTO {items} (id, n, label) VALUES ($1, $2, $3) "
        f"ON CONFLICT (id) DO UPDATE SET n = {items}.n + EXCLUDED.n, label = EXCLUDED.label"
    )
    await conn.executemany(upsert, [(1, 10, "a"), (1, 100, "b"), (2, 7, "new")])
    assert tuple(await conn.fetchrow(f"SELECT n, label FROM {items} WHERE id = 1")) == (111, "b")
    assert tuple(await conn.fetchrow(f"SELECT n, label FROM {items} WHERE id = 2")) == (7, "new")
    assert conn._pipelined_batches - before == 2


async def test_a_failing_row_is_named_and_nothing_is_applied(conn, items):
    rows = [(i, i) for i in range(1000)]
    rows[637] = (9999, 637)  # violates the CHECK
    with pytest.raises(postgres.CheckViolationError) as err:
        await conn.executemany(f"UPDATE {items} SET n = $1 WHERE id = $2", rows)
    assert (err.value.sqlstate, err.value.row) == ("23514", 637)
    assert "(SQLSTATE 23514) in executemany row 637" in str(err.value)
    # Atomic outside a transaction: the 637 rows before it were not kept.
    assert await conn.fetchval(f"SELECT count(*) FROM {items} WHERE n <> id") == 0
    # The connection is usable and the statement still works.
    await conn.executemany(f"UPDATE {items} SET n = $1 WHERE id = $2", [(5, 1)])
    assert await conn.fetchval(f"SELECT n FROM {items} WHERE id = 1") == 5


async def test_a_bad_argument_names_the_row_before_anything_is_sent(conn, items):
    before = conn._pipelined_batches
    with pytest.raises(postgres.DataError, match=r"\(row 2\)"):
        await conn.executemany(f"UPDATE {items} SET n = $1 WHERE id = $2", [(1, 1), (2, 2), ("x", 3)])
    with pytest.raises(postgres.InterfaceError, match="expects 2 parameters but got 1"):
        await conn.executemany(f"UPDATE {items} SET n = $1 WHERE id = $2", [(1, 1), (2,)])
    assert conn._pipelined_batches == before
    assert await conn.fetchval(f"SELECT count(*) FROM {items} WHERE n <> id") == 0


async def test_inside_a_transaction_an_error_aborts_it(conn, items):
    async with conn.transaction():
        await conn.executemany(f"UPDATE {items} SET n = 0 WHERE id = $1", [(1,), (2,)])
        assert await conn.fetchval(f"SELECT count(*) FROM {items} WHERE n = 0") == 3

    async def failing() -> None:
        async with conn.transaction():
            await conn.execute(f"UPDATE {items} SET label = 'kept?' WHERE id = 500")
            with pytest.raises(postgres.CheckViolationError) as err:
                await conn.executemany(f"UPDATE {items} SET n = $1 WHERE id = $2", [(1, 3), (6000, 4)])
            assert err.value.row == 1
            # As after any failed statement: the block is aborted.
            with pytest.raises(postgres.InFailedSQLTransactionError):
                await conn.fetchval("SELECT 1")

    await failing()
    assert await conn.fetchval(f"SELECT label FROM {items} WHERE id = 500") == "l500"
    assert await conn.fetchval(f"SELECT n FROM {items} WHERE id = 3") == 3


async def test_more_than_one_batch_is_still_atomic(conn, items):
    """About 3 MiB of arguments: several batches in a block of their own."""
    big = "x" * 1500
    rows = [(big + str(i), i) for i in range(2000)]
    before = conn._pipelined_batches
    await conn.executemany(f"UPDATE {items} SET label = $1 WHERE id = $2", rows)
    sent = conn._pipelined_batches - before
    assert sent >= 3
    assert await conn.fetchval(f"SELECT count(*) FROM {items} WHERE label LIKE 'xxx%'") == 1000
    # A failure in the last batch undoes the first ones.
    bad = [(i, "z" * 1500, i) for i in range(2000)]
    bad[990] = (990, "z", None)  # in the second batch
    with pytest.raises(postgres.NotNullViolationError) as err:
        await conn.executemany(f"UPDATE {items} SET n = $3, label = $2 WHERE id = $1", bad)
    assert err.value.row == 990
    assert await conn.fetchval(f"SELECT count(*) FROM {items} WHERE label LIKE 'zzz%'") == 0
    assert await conn.fetchval("SELECT 1") == 1


async def test_notices_and_concurrent_calls_are_not_mixed_up(conn, items):
    await conn.execute(
        f"""CREATE FUNCTION {items}_note() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE NOTICE 'row %', NEW.id; RETURN NEW; END $$"""
    )
    await conn.execute(
        f"CREATE TRIGGER {items}_t BEFORE UPDATE ON {items} FOR EACH ROW EXECUTE FUNCTION {items}_note()"
    )
    many = conn.executemany(f"UPDATE {items} SET n = n + 1 WHERE id = $1", [(i,) for i in range(20)])
    value = conn.fetchval("SELECT count(*) FROM " + items)
    _, count = await asyncio.gather(many, value)
    assert count == 1000
    assert await conn.fetchval("SELECT 1") == 1
    assert await conn.fetchval(f"SELECT sum(n) FROM {items} WHERE id < 20") == sum(range(20)) + 20


async def test_timeout_cancels_a_running_batch(conn, items):
    rows = [(i,) for i in range(5)]
    with pytest.raises(postgres.QueryTimeoutError):
        await conn.executemany(
            f"UPDATE {items} SET n = n + 1 WHERE id = $1 AND pg_sleep(0.5) IS NOT NULL", rows, timeout=0.3
        )
    assert await conn.fetchval(f"SELECT count(*) FROM {items} WHERE n <> id") == 0
    assert await conn.fetchval("SELECT 41 + 1") == 42


async def test_same_outcome_as_asyncpg(dsn):
    """The same sequence under both drivers leaves the same table and raises the same SQLSTATEs."""
    asyncpg = pytest.importorskip("asyncpg", reason="asyncpg is the peer of the differential test (test extra)")
    results = []
    for module in (asyncpg, postgres):
        c = await module.connect(dsn)
        try:
            name = f"emd_{uuid.uuid4().hex[:8]}"
            await c.execute(f"CREATE TEMP TABLE {name} (id int PRIMARY KEY, n int NOT NULL CHECK (n >= 0))")
            await c.execute(f"INSERT INTO {name} SELECT g, g FROM generate_series(0, 99) g")
            await c.executemany(f"UPDATE {name} SET n = n * $1 WHERE id = $2", [(3, i) for i in range(0, 100, 3)])
            await c.executemany(f"DELETE FROM {name} WHERE id = $1 RETURNING n", [(i,) for i in range(90, 100)])
            errors = []
            try:
                await c.executemany(f"UPDATE {name} SET n = $1 WHERE id = $2", [(1, 1), (-1, 2), (1, 3)])
            except Exception as e:  # noqa: BLE001 - both drivers' classes are compared by SQLSTATE
                errors.append(e.sqlstate)
            tx = c.transaction()
            await tx.start()
            try:
                await c.executemany(f"UPDATE {name} SET n = $1 WHERE id = $2", [(7, 4), (-7, 5)])
            except Exception as e:  # noqa: BLE001
                errors.append(e.sqlstate)
            try:
                await c.fetchval("SELECT 1")
            except Exception as e:  # noqa: BLE001
                errors.append(e.sqlstate)
            await tx.rollback()
            rows = [tuple(r) for r in await c.fetch(f"SELECT id, n FROM {name} ORDER BY id")]
            results.append((errors, rows))
        finally:
            await c.close()
    assert results[0] == results[1]
    assert results[0][0] == ["23514", "23514", "25P02"]
