"""ouroboros.postgres: PostgreSQL access with asyncpg's API, in Rust.

``connect()`` / ``create_pool()`` give connections whose queries run on
tokio-postgres (binary protocol, prepared statements cached per connection)
and whose rows are decoded into Python values in Rust.
"""

from ouroboros.postgres import _errors
from ouroboros.postgres._cursor import Cursor, CursorFactory
from ouroboros.postgres._errors import *  # noqa: F403 - the exception classes
from ouroboros.postgres._pool import Pool, PoolAcquireContext, connect, create_pool
from ouroboros.postgres._postgres import Connection, Record, __version__
from ouroboros.postgres._prepared import Attribute, PreparedStatement, Type
from ouroboros.postgres._transaction import Transaction

__all__ = [
    "Attribute",
    "Connection",
    "Cursor",
    "CursorFactory",
    "Pool",
    "PoolAcquireContext",
    "PreparedStatement",
    "Record",
    "Transaction",
    "Type",
    "__version__",
    "connect",
    "create_pool",
    *_errors.__all__,
]
