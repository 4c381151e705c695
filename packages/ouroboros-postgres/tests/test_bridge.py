"""Futures are completed in batches on the event loop's thread, for any loop."""

from __future__ import annotations

import asyncio
import threading

import pytest

from ouroboros import postgres


def test_a_connection_works_across_event_loops(dsn):
    async def open_and_query():
        conn = await postgres.connect(dsn)
        return conn, await conn.fetchval("SELECT 1")

    conn, one = asyncio.run(open_and_query())
    assert one == 1

    async def reuse():
        assert await conn.fetchval("SELECT $1::int", 2) == 2
        await conn.close()

    asyncio.run(reuse())


def test_loops_on_other_threads(dsn):
    results = []

    def worker(n):
        async def main():
            conn = await postgres.connect(dsn)
            try:
                results.append(await conn.fetchval("SELECT $1::int * 10", n))
            finally:
                await conn.close()

        asyncio.run(main())

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results) == [0, 10, 20]


@pytest.mark.asyncio
async def test_many_outcomes_delivered_together(conn):
    values = await asyncio.gather(*(conn.fetchval("SELECT $1::int", i) for i in range(500)))
    assert values == list(range(500))
    outcomes = await asyncio.gather(
        *(conn.fetchval("SELECT 1/$1::int", i % 2) for i in range(20)), return_exceptions=True
    )
    assert [type(o).__name__ for o in outcomes[:2]] == ["DivisionByZeroError", "int"]
    assert sum(isinstance(o, postgres.DivisionByZeroError) for o in outcomes) == 10


@pytest.mark.asyncio
async def test_results_arrive_on_the_loop_thread(conn):
    seen = []
    loop_thread = threading.get_ident()
    fut = conn.fetchval("SELECT 5")
    fut.add_done_callback(lambda _f: seen.append(threading.get_ident()))
    assert await fut == 5
    await asyncio.sleep(0)
    assert seen == [loop_thread]


def test_a_pool_works_across_event_loops(dsn):
    async def open_pool():
        pool = await postgres.create_pool(dsn, min_size=3, max_size=3)
        values = await asyncio.gather(*(pool.fetchval("SELECT $1::int", i) for i in range(6)))
        return pool, values

    pool, values = asyncio.run(open_pool())
    assert values == list(range(6))

    async def reuse():
        try:
            return await asyncio.gather(*(pool.fetchval("SELECT $1::int + 100", i) for i in range(6)))
        finally:
            await pool.close()

    assert asyncio.run(reuse()) == [100 + i for i in range(6)]


def test_a_connection_busy_on_a_loop_in_another_thread_is_refused(dsn):
    other = asyncio.new_event_loop()
    runner = threading.Thread(target=other.run_forever, daemon=True)
    runner.start()
    try:
        conn = asyncio.run_coroutine_threadsafe(postgres.connect(dsn), other).result(30)

        async def borrow():
            with pytest.raises(postgres.InterfaceError, match="event loop running in another thread"):
                await conn.fetchval("SELECT 1")

        asyncio.run(borrow())

        async def at_home():
            try:
                return await conn.fetchval("SELECT 7")
            finally:
                await conn.close()

        # Still usable where it lives.
        assert asyncio.run_coroutine_threadsafe(at_home(), other).result(30) == 7
    finally:
        other.call_soon_threadsafe(other.stop)
        runner.join(30)
        other.close()


@pytest.mark.asyncio
async def test_writes_and_reads_larger_than_the_socket_buffers(conn):
    # 24 MiB out (the write waits for the socket to drain) and back in.
    blob = bytes(range(256)) * (96 * 1024)
    assert await conn.fetchval("SELECT length($1::bytea)", blob) == len(blob)
    echoed = await asyncio.gather(*(conn.fetchval("SELECT $1::bytea", blob[: (i + 1) << 20]) for i in range(4)))
    assert [len(e) for e in echoed] == [1 << 20, 2 << 20, 3 << 20, 4 << 20]
    assert echoed[3] == blob[: 4 << 20]


@pytest.mark.asyncio
async def test_a_lost_connection_fails_every_waiting_call(dsn, conn):
    victim = await postgres.connect(dsn)
    waiting = [asyncio.ensure_future(victim.fetchval("SELECT pg_sleep(30)")) for _ in range(3)]
    await asyncio.sleep(0.2)
    await conn.execute("SELECT pg_terminate_backend($1)", victim.get_server_pid())
    outcomes = await asyncio.wait_for(asyncio.gather(*waiting, return_exceptions=True), 20)
    # The running statement gets the server's 57P01; the ones queued behind it the lost connection.
    assert [type(o) for o in outcomes] == [postgres.AdminShutdownError] + [postgres.ConnectionDoesNotExistError] * 2
    assert "57P01" in str(outcomes[0])
    assert all("closed" in str(o) for o in outcomes[1:]), outcomes
    assert victim.is_closed()
    await victim.close()
