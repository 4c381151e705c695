"""The connection every Document uses: ``init`` and ``init_beanie``."""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterable
from typing import Any

from ouroboros.core import InvalidArgumentError
from ouroboros.mongodb import _mongodb
from ouroboros.mongodb._errors import CollectionWasNotInitialized

__all__ = ["Connection", "get_connection", "init", "init_beanie"]


class Connection:
    """A connected client and the database Documents live in."""

    def __init__(self, client: _mongodb.Client, database: str) -> None:
        self.client = client
        self.database = database
        self.generation = 0
        #: Whether the server joins on ``field.$id`` paths (None: asked on first ``fetch_links``).
        self.joins_dbrefs: bool | None = None

    def collection(self, name: str) -> _mongodb.Collection:
        return self.client.collection(self.database, name)

    async def drop_database(self) -> None:
        await self.client.drop_database(self.database)

    async def command(self, command: dict[str, Any]) -> dict[str, Any]:
        return await self.client.run_command(self.database, command)

    def start_session(self) -> Any:
        """A client session: ``async with await conn.start_session() as s:`` (see ``ClientSession``)."""
        from ouroboros.mongodb._session import _StartSession

        return _StartSession(self.client)

    def __repr__(self) -> str:
        return f"Connection(hosts={self.client.hosts!r}, database={self.database!r})"


_current: Connection | None = None
_generation = 0


def get_connection() -> Connection:
    """The connection set up by ``init``; raises before that."""
    if _current is None:
        raise CollectionWasNotInitialized(
            "ouroboros.mongodb is not initialised: call `await init(uri)` or "
            "`await init_beanie(database=..., document_models=[...])` first"
        )
    return _current


def _uri_from_pymongo(database: Any) -> tuple[str, str, bool]:
    """Address, options and name of a PyMongo ``AsyncDatabase``."""
    client = database.client
    seeds = sorted(client.topology_description.server_descriptions())
    hosts = ",".join(f"[{h}]:{p}" if ":" in h else f"{h}:{p}" for h, p in seeds)
    options = client.options
    query: dict[str, str] = {}
    if options.replica_set_name:
        query["replicaSet"] = options.replica_set_name
    direct = getattr(options, "direct_connection", None)
    if direct is None:
        direct = getattr(client._topology_settings, "direct", None)
    if direct:
        query["directConnection"] = "true"
    creds = getattr(options.pool_options, "_credentials", None)
    userinfo = ""
    if creds is not None and getattr(creds, "username", None):
        userinfo = f"{urllib.parse.quote_plus(creds.username)}:{urllib.parse.quote_plus(creds.password or '')}@"
        query["authSource"] = creds.source
    if getattr(options, "_options", {}).get("tls"):
        query["tls"] = "true"
    tz_aware = bool(getattr(options.codec_options, "tz_aware", False))
    suffix = f"?{urllib.parse.urlencode(query)}" if query else ""
    return f"mongodb://{userinfo}{hosts}/{suffix}", database.name, tz_aware


async def init(
    uri: str | None = None,
    *,
    database: Any = None,
    document_models: Iterable[Any] | None = None,
    tz_aware: bool | None = None,
    server_selection_timeout_ms: int | None = None,
    connect_timeout_ms: int | None = None,
    max_pool_size: int | None = None,
    min_pool_size: int | None = None,
    app_name: str | None = None,
    allow_index_dropping: bool = False,
) -> Connection:
    """Connect, check the server answers, and set up ``document_models``.

    ``uri`` is a connection string whose path names the database
    (``mongodb://host:27017/mydb``). ``database`` may instead be a database
    name (with ``uri``), a connection string, or a PyMongo ``AsyncDatabase``
    whose address, replica set and name are used. Every Document subclass is
    usable after this; indexes declared in the Settings of ``document_models``
    are created now.
    """
    global _current, _generation
    db_name: str | None = None
    detected_tz = False
    if database is not None and not isinstance(database, str):
        if not hasattr(database, "client") or not hasattr(database, "name"):
            raise InvalidArgumentError(
                "database must be a name, a connection string or a PyMongo AsyncDatabase, "
                f"got {type(database).__name__}"
            )
        uri, db_name, detected_tz = _uri_from_pymongo(database)
    elif isinstance(database, str) and database.startswith(("mongodb://", "mongodb+srv://")):
        uri = database
    elif isinstance(database, str):
        db_name = database
    if uri is None:
        raise InvalidArgumentError("init needs a connection string, e.g. init('mongodb://localhost:27017/mydb')")
    client = await _mongodb.connect(
        uri,
        tz_aware=detected_tz if tz_aware is None else tz_aware,
        server_selection_timeout_ms=server_selection_timeout_ms,
        connect_timeout_ms=connect_timeout_ms,
        max_pool_size=max_pool_size,
        min_pool_size=min_pool_size,
        app_name=app_name,
    )
    db_name = db_name or client.default_database
    if not db_name:
        raise InvalidArgumentError(
            f"no database named: put it in the URI path ({uri.split('?')[0].rstrip('/')}/mydb) or pass database='mydb'"
        )
    _generation += 1
    conn = Connection(client, db_name)
    conn.generation = _generation
    _current = conn
    for model in document_models or ():
        if isinstance(model, str):
            import importlib

            module, _, name = model.rpartition(".")
            model = getattr(importlib.import_module(module), name)
        await model._ob_init(allow_index_dropping=allow_index_dropping)
    return conn


async def init_beanie(
    database: Any = None,
    document_models: Iterable[Any] | None = None,
    connection_string: str | None = None,
    allow_index_dropping: bool = False,
    **kwargs: Any,
) -> Connection:
    """Beanie's entry point: same arguments, same effect as :func:`init`."""
    if connection_string is not None:
        return await init(
            connection_string,
            database=database,
            document_models=document_models,
            allow_index_dropping=allow_index_dropping,
            **kwargs,
        )
    return await init(
        database=database, document_models=document_models, allow_index_dropping=allow_index_dropping, **kwargs
    )
