"""init / init_beanie, connection errors, collection handles."""

from __future__ import annotations

import socket

import pytest

from ouroboros.core import InvalidArgumentError, OuroborosError
from ouroboros.mongodb import (
    CollectionWasNotInitialized,
    ConnectionFailure,
    Document,
    ServerSelectionTimeoutError,
    _mongodb,
    get_connection,
    init,
    init_beanie,
)
from ouroboros.mongodb import _connection as connection_module

pytestmark = pytest.mark.asyncio


class Thing(Document):
    n: int = 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_unreachable_server_is_a_clear_error():
    port = free_port()
    with pytest.raises(ServerSelectionTimeoutError) as info:
        await init(f"mongodb://127.0.0.1:{port}/db?directConnection=true", server_selection_timeout_ms=300)
    err = info.value
    assert isinstance(err, ConnectionFailure) and isinstance(err, OuroborosError)
    assert isinstance(err, ConnectionError) and isinstance(err, TimeoutError)
    assert f"127.0.0.1:{port}" in str(err)


@pytest.mark.parametrize(
    "uri",
    ["http://localhost", "mongodb://", "mongodb://host:notaport/db", "mongodb://h/db?unknownOption=x&w=-5"],
)
async def test_bad_uris(uri):
    with pytest.raises((InvalidArgumentError, ConnectionFailure)):
        await init(uri, server_selection_timeout_ms=200)


async def test_database_must_be_named(mongo_uri):
    base = mongo_uri.split("?")[0].rstrip("/")
    with pytest.raises(InvalidArgumentError, match="no database named"):
        await init(base + "/?directConnection=true")


async def test_uri_path_names_the_database(mongo_uri, conn):
    base, _, query = mongo_uri.partition("?")
    c = await init(f"{base.rstrip('/')}/{conn.database}?{query}")
    assert c.database == conn.database
    assert get_connection() is c


async def test_init_beanie_with_connection_string(mongo_uri, conn):
    c = await init_beanie(connection_string=mongo_uri, database=conn.database, document_models=[Thing])
    await Thing(n=1).insert()
    assert await Thing.count() == 1
    assert c.database == conn.database


async def test_init_beanie_database_forms(mongo_uri, conn):
    c = await init_beanie(database=mongo_uri.replace("/?", f"/{conn.database}?"), document_models=[Thing])
    assert c.database == conn.database
    with pytest.raises(InvalidArgumentError):
        await init_beanie(database=42, document_models=[Thing])


async def test_use_before_init_raises():
    connection_module._current = None
    with pytest.raises(CollectionWasNotInitialized, match="init"):
        Thing.get_collection()


async def test_collection_handle_follows_reinit(mongo_uri, conn):
    first = Thing.get_collection()
    assert Thing.get_collection() is first
    await init(mongo_uri, database=conn.database)
    assert Thing.get_collection() is not first


@pytest.mark.parametrize("name", ["", "a\0b", "$cmd"])
async def test_bad_collection_names(conn, name):
    with pytest.raises(InvalidArgumentError):
        conn.client.collection(conn.database, name)


@pytest.mark.parametrize("name", ["a/b", "a.b", "", "x" * 80])
async def test_bad_database_names(conn, name):
    with pytest.raises(InvalidArgumentError):
        conn.client.collection(name, "c")


async def test_connect_argument_checks():
    with pytest.raises(InvalidArgumentError):
        await _mongodb.connect("mongodb://127.0.0.1/db", server_selection_timeout_ms=0)
    with pytest.raises(InvalidArgumentError):
        await _mongodb.connect("mongodb://127.0.0.1/db", max_pool_size=0)
    with pytest.raises(OverflowError):
        await _mongodb.connect("mongodb://127.0.0.1/db", connect_timeout_ms=-1)


async def test_run_command_and_repr(conn):
    reply = await conn.command({"ping": 1})
    assert reply["ok"] == 1
    assert "Connection(" in repr(conn) and conn.database in repr(conn)
    assert "Client(" in repr(conn.client)


async def test_tz_aware_client_returns_aware_datetimes(mongo_uri, conn):
    import datetime

    class Stamp(Document):
        at: datetime.datetime

    await init(mongo_uri, database=conn.database, tz_aware=True)
    await Stamp(at=datetime.datetime(2024, 1, 1, 12)).insert()
    (back,) = await Stamp.find_all().to_list()
    assert back.at == datetime.datetime(2024, 1, 1, 12, tzinfo=datetime.UTC)


async def test_init_beanie_with_a_pymongo_async_database(mongo_uri, conn):
    from pymongo import AsyncMongoClient

    pm = AsyncMongoClient(mongo_uri)
    try:
        c = await init_beanie(database=pm[conn.database], document_models=[Thing])
        assert c.database == conn.database
        assert c.client.hosts == ",".join(f"{h}:{p}" for h, p in sorted(pm.topology_description.server_descriptions()))
        await Thing(n=7).insert()
        assert await pm[conn.database]["Thing"].count_documents({"n": 7}) == 1
    finally:
        await pm.close()


async def test_srv_uri_is_resolved_and_a_failed_lookup_says_so():
    # The driver resolves mongodb+srv hosts with its DNS resolver (hickory): a
    # name without SRV records fails at init with the lookup named, no hang.
    with pytest.raises(ConnectionFailure, match=r"mongodb\+srv URI \(DNS SRV/TXT lookup\)"):
        await init("mongodb+srv://cluster0.example.invalid/db", server_selection_timeout_ms=500)
    # The SRV form takes one host name, without a port.
    with pytest.raises(InvalidArgumentError, match="port"):
        await init("mongodb+srv://cluster0.example.invalid:27017/db", server_selection_timeout_ms=500)
