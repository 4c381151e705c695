"""Fixtures: a fresh database per test run on the server of OUROBOROS_POSTGRES_DSN.

Without the variable the service tests skip with a reason, unless
OUROBOROS_REQUIRE_SERVICES=1 (set by `scripts/dev test`), which turns the
missing server into a failure.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest
import pytest_asyncio

from ouroboros import postgres


def _server_dsn() -> str:
    dsn = os.environ.get("OUROBOROS_POSTGRES_DSN")
    if not dsn:
        if os.environ.get("OUROBOROS_REQUIRE_SERVICES") == "1":
            pytest.fail(
                "OUROBOROS_POSTGRES_DSN is not set but OUROBOROS_REQUIRE_SERVICES=1 (run scripts/services start)"
            )
        pytest.skip("OUROBOROS_POSTGRES_DSN is not set; start the services with scripts/services start")
    return dsn


def with_database(dsn: str, database: str) -> str:
    """The same server DSN pointing at another database."""
    parts = urlsplit(dsn)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


@pytest.fixture(scope="session")
def server_dsn() -> str:
    return _server_dsn()


@pytest.fixture(scope="session")
def dsn(server_dsn: str) -> Iterator[str]:
    """A database created for this test run and dropped after it."""
    name = f"ob_pg_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"

    async def admin(sql: str) -> None:
        conn = await postgres.connect(server_dsn)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    yield with_database(server_dsn, name)
    asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest_asyncio.fixture
async def conn(dsn: str) -> AsyncIterator[postgres.Connection]:
    c = await postgres.connect(dsn)
    try:
        yield c
    finally:
        await c.close()


@pytest_asyncio.fixture
async def table(conn: postgres.Connection) -> AsyncIterator[str]:
    """A fresh table `t_<hex>` (id serial, name text unique, n int) dropped afterwards."""
    name = f"t_{uuid.uuid4().hex[:10]}"
    await conn.execute(f"CREATE TABLE {name} (id serial PRIMARY KEY, name text UNIQUE, n int)")
    yield name
    if not conn.is_closed():
        await conn.execute(f"DROP TABLE IF EXISTS {name}")


@pytest_asyncio.fixture
async def db(dsn: str) -> AsyncIterator[postgres.Pool]:
    """Table operations bound to this run's database, with the model tables fresh."""
    from pg_models import MODELS

    pool = await postgres.init(dsn, min_size=1, max_size=4)
    try:
        for model in reversed(MODELS):
            await model.drop_table(cascade=True)
        for model in MODELS:
            await model.create_table()
        yield pool
    finally:
        await postgres.close()
