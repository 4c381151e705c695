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
