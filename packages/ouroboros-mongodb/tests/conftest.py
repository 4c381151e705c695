"""Fixtures: the MongoDB-wire server from OUROBOROS_MONGODB_URI, one fresh
database per run, emptied before each test."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from ouroboros.mongodb import Connection, init
from ouroboros.mongodb import _connection as connection_module

URI = os.environ.get("OUROBOROS_MONGODB_URI")
REQUIRED = os.environ.get("OUROBOROS_REQUIRE_SERVICES") == "1"
DATABASE = f"ob_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"


def _need_server() -> str:
    if URI:
        return URI
    if REQUIRED:
        pytest.fail(
            "OUROBOROS_MONGODB_URI is not set but OUROBOROS_REQUIRE_SERVICES=1 (scripts/dev test starts the server)"
        )
    pytest.skip(
        "OUROBOROS_MONGODB_URI is not set: no MongoDB-wire server to test against (scripts/services starts one)"
    )


@pytest.fixture(scope="session")
def mongo_uri() -> str:
    return _need_server()


@pytest.fixture(scope="session", autouse=True)
def _drop_test_database() -> object:
    yield
    if URI:

        async def drop() -> None:
            conn = await init(URI, database=DATABASE)
            await conn.drop_database()

        asyncio.run(drop())


@pytest_asyncio.fixture
async def conn(mongo_uri: str) -> AsyncIterator[Connection]:
    """A connection to this run's database, with every collection dropped."""
    c = await init(mongo_uri, database=DATABASE)
    for name in await c.client.list_collection_names(DATABASE):
        await c.client.collection(DATABASE, name).drop()
    yield c
    connection_module._current = None


def real_mongod() -> bool:
    """Whether the server is a real mongod (SecantusDB lacks $text and $near ordering)."""
    return os.environ.get("OUROBOROS_MONGODB_REAL") == "1"
