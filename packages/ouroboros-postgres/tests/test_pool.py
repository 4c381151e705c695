"""create_pool(): acquire/release, pool-level queries, bounds, timeouts."""

from __future__ import annotations

import asyncio

import pytest

from ouroboros import postgres

pytestmark = pytest.mark.asyncio


async def test_pool_opens_min_size_and_runs_queries(dsn):
    async with postgres.create_pool(dsn, min_size=2, max_size=4) as pool:
        assert pool.get_size() == 2
        assert pool.get_min_size() == 2 and pool.get_max_size() == 4
        assert await pool.fetchval("SELECT $1::int + 1", 1) == 2
        assert (await pool.fetchrow("SELECT 1 AS a"))["a"] == 1
        assert len(await pool.fetch("SELECT generate_series(1, 3)")) == 3
        assert await pool.execute("SELECT 1") == "SELECT 1"
    assert pool.is_closing()


async def test_await_create_pool(dsn):
    pool = await postgres.create_pool(dsn, min_size=1, max_size=1)
    try:
        conn = await pool.acquire()
        assert await conn.fetchval("SELECT 5") == 5
        await pool.release(conn)
        with pytest.raises(postgres.InterfaceError, match="released to its pool"):
            await conn.fetchval("SELECT 1")
    finally:
        await pool.close()


async def test_acquire_context_reuses_the_connection(dsn):
    async with postgres.create_pool(dsn, min_size=1, max_size=1) as pool:
        async with pool.acquire() as conn:
            pid = conn.get_server_pid()
        async with pool.acquire() as conn:
            assert conn.get_server_pid() == pid


async def test_pool_is_bounded_and_acquire_times_out(dsn):
    async with postgres.create_pool(dsn, min_size=0, max_size=2) as pool:
        a = await pool.acquire()
        b = await pool.acquire()
        with pytest.raises(postgres.PoolTimeoutError) as info:
            await pool.acquire(timeout=0.1)
        assert isinstance(info.value, TimeoutError)
        assert pool.get_size() == 2
        await pool.release(a)
        c = await pool.acquire(timeout=1)
        await pool.release(b)
        await pool.release(c)


async def test_concurrent_tasks_share_the_pool(dsn):
    async with postgres.create_pool(dsn, min_size=1, max_size=3) as pool:
        results = await asyncio.gather(*(pool.fetchval("SELECT $1::int, pg_sleep(0.01)", i) for i in range(30)))
        assert results == list(range(30))
        assert pool.get_size() <= 3


async def test_connection_left_in_a_transaction_is_not_reused(dsn):
    async with postgres.create_pool(dsn, min_size=1, max_size=1) as pool:
        conn = await pool.acquire()
        pid = conn.get_server_pid()
        tx = conn.transaction()
        await tx.start()
        await pool.release(conn)
        async with pool.acquire() as fresh:
            assert fresh.get_server_pid() != pid
            assert not fresh.is_in_transaction()


async def test_pool_replaces_a_terminated_connection(dsn, conn):
    async with postgres.create_pool(dsn, min_size=1, max_size=1) as pool:
        async with pool.acquire() as c:
            pid = c.get_server_pid()
        await conn.execute("SELECT pg_terminate_backend($1)", pid)
        await asyncio.sleep(0.2)
        assert await pool.fetchval("SELECT pg_backend_pid()") != pid


async def test_pool_sizes_are_checked():
    from ouroboros.core import InvalidArgumentError

    with pytest.raises(InvalidArgumentError, match="min_size <= max_size"):
        postgres.create_pool("postgresql://x/y", min_size=5, max_size=2)
    with pytest.raises(InvalidArgumentError):
        postgres.create_pool("postgresql://x/y", max_size=0)


async def test_unopened_pool_says_so():
    pool = postgres.create_pool("postgresql://x/y", min_size=0, max_size=1)
    with pytest.raises(postgres.InterfaceError, match="not open yet"):
        await pool.fetch("SELECT 1")


async def test_closed_pool_refuses_acquire(dsn):
    pool = await postgres.create_pool(dsn, min_size=0, max_size=1)
    await pool.close()
    with pytest.raises(postgres.PoolError, match="closed"):
        await pool.acquire()
