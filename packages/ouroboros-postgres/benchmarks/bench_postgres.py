"""ouroboros.postgres against asyncpg, psycopg 3 (async) and SQLAlchemy 2 (async ORM),
in one run, against the same server (OUROBOROS_POSTGRES_DSN), in a database
created for the run and dropped after it.

Rows (the issue's): fetch 1 row by key, fetch 1,000 rows, fetch 100,000 rows,
insert 1 row, insert 1,000 rows with executemany and with COPY, and a query by
key from 10 concurrent tasks. Every library is open at once and the libraries
take turns on each row: a row's repeats are split into `--chunks` slices run
library after library (the order reversed every slice and every round), so
that on a shared machine a burst of load falls on all of them alike instead of
on whichever library happened to run then. Each slice gives one sample of
wall time and of client CPU per operation; the median of a library's samples
over all rounds counts. The load average before and after the run is printed
with the table. SQLAlchemy's
rows go through its ORM (a mapped class and a Session), the way its users
write them; it has no COPY row.

`models` is ouroboros.postgres's model layer (Table classes, rows validated
into instances in Rust) on the same rows, compared with SQLAlchemy's ORM.

Usage: python bench_postgres.py [--rounds N] [--libs ouroboros,asyncpg,...]
Prints milliseconds per operation and every peer's time divided by
ouroboros's (above 1.0: ouroboros is faster), then the same for the client
process's CPU time per operation (all its threads).

No `from __future__ import annotations` here: SQLAlchemy reads the `Mapped[...]`
annotations of the classes defined inside `ops_sqlalchemy` at class creation.
"""

import argparse
import asyncio
import os
import platform
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROWS_SETUP = 100_000
TABLE = "bench_items"
DDL = f"CREATE TABLE IF NOT EXISTS {TABLE} (id int PRIMARY KEY, name text NOT NULL, score float8, created timestamptz)"
INS = "CREATE TABLE IF NOT EXISTS bench_ins (id int, name text, score float8, created timestamptz)"
INS_ORM = (
    "CREATE TABLE IF NOT EXISTS bench_ins_orm "
    "(pk serial PRIMARY KEY, id int, name text, score float8, created timestamptz)"
)


def with_database(dsn: str, database: str) -> str:
    parts = urlsplit(dsn)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


def rows(n: int, start: int = 0) -> list[tuple[Any, ...]]:
    import datetime as dt

    at = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    return [(i, f"name-{i}", i * 0.5, at) for i in range(start, start + n)]


# Each library: a factory returning {row name: async callable} and a closer.
Op = Callable[[], Awaitable[Any]]


async def ops_native(module: Any, dsn: str) -> tuple[dict[str, Op], Callable[[], Awaitable[None]]]:
    """ouroboros.postgres and asyncpg share the API."""
    conn = await module.connect(dsn)
    pool = await module.create_pool(dsn, min_size=10, max_size=10)
    counter = iter(range(10**9))
    batch = rows(1000)

    async def by_key() -> Any:
        return await conn.fetchrow(f"SELECT * FROM {TABLE} WHERE id = $1", 4242)

    async def fetch_1k() -> Any:
        return await conn.fetch(f"SELECT * FROM {TABLE} WHERE id < $1", 1000)

    async def fetch_100k() -> Any:
        return await conn.fetch(f"SELECT * FROM {TABLE}")

    async def insert_1() -> Any:
        return await conn.execute("INSERT INTO bench_ins VALUES ($1, $2, $3, $4)", *batch[next(counter) % 1000])

    async def insert_1k() -> Any:
        return await conn.executemany("INSERT INTO bench_ins VALUES ($1, $2, $3, $4)", batch)

    async def copy_1k() -> Any:
        return await conn.copy_records_to_table("bench_ins", records=batch)

    async def concurrent_10() -> Any:
        return await asyncio.gather(*(pool.fetchrow(f"SELECT * FROM {TABLE} WHERE id = $1", i) for i in range(10)))

    async def close() -> None:
        await conn.close()
        await pool.close()

    ops = {
        "fetch 1 row by key": by_key,
        "fetch 1,000 rows": fetch_1k,
        "fetch 100,000 rows": fetch_100k,
        "insert 1 row": insert_1,
        "insert 1,000 rows (executemany)": insert_1k,
        "insert 1,000 rows (COPY)": copy_1k,
        "10 concurrent queries by key": concurrent_10,
    }
    return ops, close


async def ops_psycopg(dsn: str) -> tuple[dict[str, Op], Callable[[], Awaitable[None]]]:
    import psycopg
    from psycopg_pool import AsyncConnectionPool

    conn = await psycopg.AsyncConnection.connect(dsn, autocommit=True)
    pool = AsyncConnectionPool(dsn, min_size=10, max_size=10, open=False, kwargs={"autocommit": True})
    await pool.open()
    batch = rows(1000)
    counter = iter(range(10**9))

    async def by_key() -> Any:
        cur = await conn.execute(f"SELECT * FROM {TABLE} WHERE id = %s", (4242,), prepare=True)
        return await cur.fetchone()

    async def fetch_1k() -> Any:
        cur = await conn.execute(f"SELECT * FROM {TABLE} WHERE id < %s", (1000,), prepare=True)
        return await cur.fetchall()

    async def fetch_100k() -> Any:
        cur = await conn.execute(f"SELECT * FROM {TABLE}", prepare=True)
        return await cur.fetchall()

    async def insert_1() -> Any:
        return await conn.execute(
            "INSERT INTO bench_ins VALUES (%s, %s, %s, %s)", batch[next(counter) % 1000], prepare=True
        )

    async def insert_1k() -> Any:
        async with conn.cursor() as cur:
            await cur.executemany("INSERT INTO bench_ins VALUES (%s, %s, %s, %s)", batch)

    async def copy_1k() -> Any:
        sql = "COPY bench_ins (id, name, score, created) FROM STDIN"
        async with conn.cursor() as cur, cur.copy(sql) as copy:
            for r in batch:
                await copy.write_row(r)

    async def one(i: int) -> Any:
        async with pool.connection() as c:
            cur = await c.execute(f"SELECT * FROM {TABLE} WHERE id = %s", (i,), prepare=True)
            return await cur.fetchone()

    async def concurrent_10() -> Any:
        return await asyncio.gather(*(one(i) for i in range(10)))

    async def close() -> None:
        await conn.close()
        await pool.close()

    ops = {
        "fetch 1 row by key": by_key,
        "fetch 1,000 rows": fetch_1k,
        "fetch 100,000 rows": fetch_100k,
        "insert 1 row": insert_1,
        "insert 1,000 rows (executemany)": insert_1k,
        "insert 1,000 rows (COPY)": copy_1k,
        "10 concurrent queries by key": concurrent_10,
    }
    return ops, close


async def ops_sqlalchemy(dsn: str) -> tuple[dict[str, Op], Callable[[], Awaitable[None]]]:
    import datetime as dt

    from sqlalchemy import DateTime, Float, Integer, String, select
    from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

    class Base(DeclarativeBase):
        pass

    class Item(Base):
        __tablename__ = TABLE
        id: Mapped[int] = mapped_column(Integer, primary_key=True)
        name: Mapped[str] = mapped_column(String)
        score: Mapped[float] = mapped_column(Float)
        created: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))

    class Ins(Base):
        __tablename__ = "bench_ins_orm"
        pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
        id: Mapped[int] = mapped_column(Integer)
        name: Mapped[str] = mapped_column(String)
        score: Mapped[float] = mapped_column(Float)
        created: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))

    url = dsn.replace("postgresql://", "postgresql+asyncpg://", 1)
    engine = create_async_engine(url, pool_size=10, max_overflow=0)
    async with engine.begin() as c:
        await c.run_sync(lambda sync: Ins.__table__.create(sync, checkfirst=True))
    session_maker = async_sessionmaker(engine, expire_on_commit=False)
    batch = rows(1000)

    async def by_key() -> Any:
        async with session_maker() as s:
            return await s.get(Item, 4242)

    async def fetch_1k() -> Any:
        async with session_maker() as s:
            return (await s.scalars(select(Item).where(Item.id < 1000))).all()

    async def fetch_100k() -> Any:
        async with session_maker() as s:
            return (await s.scalars(select(Item))).all()

    async def insert_1() -> Any:
        async with session_maker() as s, s.begin():
            i, name, score, created = batch[0]
            s.add(Ins(id=i, name=name, score=score, created=created))

    async def insert_1k() -> Any:
        async with session_maker() as s, s.begin():
            s.add_all([Ins(id=i, name=n, score=sc, created=c) for i, n, sc, c in batch])

    async def one(i: int) -> Any:
        async with session_maker() as s:
            return await s.get(Item, i)

    async def concurrent_10() -> Any:
        return await asyncio.gather(*(one(i) for i in range(10)))

    async def close() -> None:
        await engine.dispose()

    ops = {
        "fetch 1 row by key": by_key,
        "fetch 1,000 rows": fetch_1k,
        "fetch 100,000 rows": fetch_100k,
        "insert 1 row": insert_1,
        "insert 1,000 rows (executemany)": insert_1k,
        "10 concurrent queries by key": concurrent_10,
    }
    return ops, close


async def ops_models(dsn: str) -> tuple[dict[str, Op], Callable[[], Awaitable[None]]]:
    """ouroboros.postgres's model layer (Table classes), the peer of SQLAlchemy's ORM."""
    import datetime as dt

    from ouroboros import postgres
    from ouroboros.postgres import Table

    class Item(Table):
        id: int
        name: str
        score: float
        created: dt.datetime

        class Settings:
            table_name = TABLE

    class Ins(Table):
        pk: int | None = None
        id: int
        name: str
        score: float
        created: dt.datetime

        class Settings:
            table_name = "bench_ins_orm"
            primary_key = "pk"

    await postgres.init(dsn, min_size=10, max_size=10)
    batch = rows(1000)

    async def by_key() -> Any:
        return await Item.get(4242)

    async def fetch_1k() -> Any:
        return await Item.find(Item.id < 1000).to_list()

    async def fetch_100k() -> Any:
        return await Item.find_all().to_list()

    async def insert_1() -> Any:
        i, name, score, created = batch[0]
        return await Ins(id=i, name=name, score=score, created=created).insert()

    async def insert_1k() -> Any:
        return await Ins.insert_many([Ins(id=i, name=n, score=sc, created=c) for i, n, sc, c in batch])

    async def concurrent_10() -> Any:
        return await asyncio.gather(*(Item.get(i) for i in range(10)))

    ops = {
        "fetch 1 row by key": by_key,
        "fetch 1,000 rows": fetch_1k,
        "fetch 100,000 rows": fetch_100k,
        "insert 1 row": insert_1,
        "insert 1,000 rows (executemany)": insert_1k,
        "10 concurrent queries by key": concurrent_10,
    }
    return ops, postgres.close


# How many times each row runs per round (bulk rows fewer).
REPEATS = {
    "fetch 1 row by key": 2000,
    "fetch 1,000 rows": 200,
    "fetch 100,000 rows": 3,
    "insert 1 row": 1000,
    "insert 1,000 rows (executemany)": 20,
    "insert 1,000 rows (COPY)": 20,
    "10 concurrent queries by key": 300,
}


async def measure(op: Op, repeats: int) -> tuple[float, float]:
    """Seconds per operation: wall clock, and this process's CPU (every thread)."""
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(repeats):
        await op()
    return (time.perf_counter() - start) / repeats, (time.process_time() - cpu) / repeats


async def open_library(lib: str, dsn: str) -> tuple[dict[str, Op], Callable[[], Awaitable[None]]]:
    from ouroboros import postgres

    if lib == "ouroboros":
        return await ops_native(postgres, dsn)
    if lib == "asyncpg":
        import asyncpg

        return await ops_native(asyncpg, dsn)
    if lib == "psycopg":
        return await ops_psycopg(dsn)
    if lib == "sqlalchemy":
        return await ops_sqlalchemy(dsn)
    if lib == "models":
        return await ops_models(dsn)
    raise SystemExit(f"unknown library {lib!r}")


async def run(
    libs: list[str], rounds: int, scale: float, chunks: int
) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, float]]]:
    from ouroboros import postgres

    server = os.environ.get("OUROBOROS_POSTGRES_DSN")
    if not server:
        raise SystemExit("set OUROBOROS_POSTGRES_DSN (scripts/services start)")
    name = f"ob_pg_bench_{uuid.uuid4().hex[:8]}"
    admin = await postgres.connect(server)
    await admin.execute(f'CREATE DATABASE "{name}"')
    dsn = with_database(server, name)
    setup = await postgres.connect(dsn)
    await setup.execute(DDL + ";" + INS + ";" + INS_ORM)
    await setup.copy_records_to_table(TABLE, records=rows(ROWS_SETUP))
    await setup.execute(f"ANALYZE {TABLE}")
    walls: dict[str, dict[str, list[float]]] = {lib: {} for lib in libs}
    cpus: dict[str, dict[str, list[float]]] = {lib: {} for lib in libs}
    try:
        for round_no in range(rounds):
            opened: dict[str, tuple[dict[str, Op], Callable[[], Awaitable[None]]]] = {}
            try:
                for lib in libs:
                    opened[lib] = await open_library(lib, dsn)
                for row in REPEATS:
                    present = [lib for lib in libs if row in opened[lib][0]]
                    for lib in present:
                        await opened[lib][0][row]()  # warm-up: statements prepared, pools filled
                    per_chunk = max(1, int(REPEATS[row] * scale) // chunks)
                    for chunk in range(chunks):
                        turn = present if (chunk + round_no) % 2 == 0 else present[::-1]
                        for lib in turn:
                            secs, used = await measure(opened[lib][0][row], per_chunk)
                            walls[lib].setdefault(row, []).append(secs)
                            cpus[lib].setdefault(row, []).append(used)
                    await setup.execute("TRUNCATE bench_ins, bench_ins_orm")
            finally:
                for _, close in opened.values():
                    await close()
    finally:
        await setup.close()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
    return medians(walls), medians(cpus)


def medians(samples: dict[str, dict[str, list[float]]]) -> dict[str, dict[str, float]]:
    """The median sample of every library and row."""
    return {lib: {row: statistics.median(v) for row, v in by_row.items()} for lib, by_row in samples.items()}


def report(results: dict[str, dict[str, float]], libs: list[str], *, header_line: bool = True) -> None:
    import importlib.metadata as md

    versions = {"ouroboros": md.version("ouroboros-postgres")}
    for lib, dist in (("asyncpg", "asyncpg"), ("psycopg", "psycopg"), ("sqlalchemy", "SQLAlchemy")):
        if lib in libs:
            versions[lib] = md.version(dist)
    if header_line:
        print(
            f"python {sys.version.split()[0]} on {platform.machine()}, {os.cpu_count()} CPUs; "
            + ", ".join(f"{k} {v}" for k, v in versions.items())
        )
    # The driver rows compare with ouroboros's driver; SQLAlchemy's ORM also
    # with ouroboros's model layer (`models`).
    peers = [lib for lib in libs if lib not in ("ouroboros", "models")]
    orm = "sqlalchemy" in libs and "models" in libs
    header = (
        "| row | "
        + " | ".join(f"{lib} ms" for lib in libs)
        + " | "
        + " | ".join(f"{p} / ouroboros" for p in peers)
        + (" | sqlalchemy / models" if orm else "")
        + " |"
    )
    print(header)
    print("|" + "---|" * (1 + len(libs) + len(peers) + orm))
    for row in REPEATS:
        ours = results.get("ouroboros", {}).get(row)
        cells = []
        for lib in libs:
            v = results[lib].get(row)
            cells.append("-" if v is None else f"{v * 1000:.3f}")
        ratios = []
        for p in peers:
            v = results[p].get(row)
            ratios.append("-" if v is None or ours is None else f"{v / ours:.2f}x")
        if orm:
            v, m = results["sqlalchemy"].get(row), results["models"].get(row)
            ratios.append("-" if v is None or m is None else f"{v / m:.2f}x")
        print(f"| {row} | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every row's repeat count")
    parser.add_argument("--chunks", type=int, default=4, help="slices of each row's repeats, libraries taking turns")
    parser.add_argument("--libs", default="ouroboros,asyncpg,psycopg,sqlalchemy,models")
    args = parser.parse_args()
    libs = args.libs.split(",")
    load_before = os.getloadavg()
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    results, cpu = asyncio.run(run(libs, args.rounds, args.scale, max(1, args.chunks)))
    load_after = os.getloadavg()
    print(
        f"{started}, {args.rounds} rounds x {args.chunks} interleaved slices (median), load average "
        f"{load_before[0]:.2f} before, {load_after[0]:.2f} after (1 min)"
    )
    report(results, libs)
    # CPU time of this process per operation (median of the rounds): what the
    # client itself spends, less sensitive than wall time to a loaded machine.
    print("\nclient CPU per operation (process time of every thread, ms):")
    report(cpu, libs, header_line=False)


if __name__ == "__main__":
    main()
