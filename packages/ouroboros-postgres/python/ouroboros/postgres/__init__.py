"""ouroboros.postgres: PostgreSQL access with asyncpg's API, in Rust.

``connect()`` / ``create_pool()`` give connections whose queries run on
tokio-postgres (binary protocol, prepared statements cached per connection)
and whose rows are decoded into Python values in Rust. ``Table`` models
(ouroboros.validation fields) add CRUD and a query builder whose rows become
validated instances in Rust.
"""

from ouroboros.postgres import _errors
from ouroboros.postgres._autogenerate import Diff, autogenerate, diff_models
from ouroboros.postgres._cursor import Cursor, CursorFactory
from ouroboros.postgres._database import close, get_pool, init, transaction, using
from ouroboros.postgres._errors import *  # noqa: F403 - the exception classes
from ouroboros.postgres._expressions import Avg, Column, Condition, Count, Max, Min, OrderBy, Sum
from ouroboros.postgres._migrations import Migration, MigrationError, MigrationState, Migrator, load_migrations
from ouroboros.postgres._pool import Pool, PoolAcquireContext, connect, create_pool
from ouroboros.postgres._postgres import Connection, ModelCodec, Record, __version__
from ouroboros.postgres._prepared import Attribute, PreparedStatement, Type
from ouroboros.postgres._query import Query
from ouroboros.postgres._table import Alias, ForeignKey, Index, Table, TableNotFound
from ouroboros.postgres._transaction import Transaction

__all__ = [
    "Alias",
    "Attribute",
    "Avg",
    "Column",
    "Condition",
    "Connection",
    "Count",
    "Cursor",
    "CursorFactory",
    "Diff",
    "ForeignKey",
    "Index",
    "Max",
    "Migration",
    "MigrationError",
    "MigrationState",
    "Migrator",
    "Min",
    "ModelCodec",
    "OrderBy",
    "Pool",
    "PoolAcquireContext",
    "PreparedStatement",
    "Query",
    "Record",
    "Sum",
    "Table",
    "TableNotFound",
    "Transaction",
    "Type",
    "__version__",
    "autogenerate",
    "close",
    "connect",
    "create_pool",
    "diff_models",
    "get_pool",
    "init",
    "load_migrations",
    "transaction",
    "using",
    *_errors.__all__,
]
