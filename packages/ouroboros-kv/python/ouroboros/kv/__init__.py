"""ouroboros.kv: a key-value store, embedded on disk or in memory, or Redis.

    from ouroboros.kv import KV

    kv = KV.open("file:///tmp/app.redb")     # or "memory://", "redis://localhost:6379/0"
    await kv.set("greeting", "hello", ttl=60)
    await kv.get("greeting")                  # 'hello'

``SyncKV`` has the same methods without ``await``. See docs/kv.md.
"""

from ouroboros.kv._errors import (
    KVCommandError,
    KVConnectionError,
    KVError,
    LockError,
    LockNotOwnedError,
    LockTimeoutError,
    NotAnIntegerError,
    StorageError,
    StoreClosedError,
    StoreLockedError,
)
from ouroboros.kv._kv import __version__
from ouroboros.kv._lock import Lock, SyncLock
from ouroboros.kv._store import KV, Batch, SyncKV

__all__ = [
    "KV",
    "Batch",
    "KVCommandError",
    "KVConnectionError",
    "KVError",
    "Lock",
    "LockError",
    "LockNotOwnedError",
    "LockTimeoutError",
    "NotAnIntegerError",
    "StorageError",
    "StoreClosedError",
    "StoreLockedError",
    "SyncKV",
    "SyncLock",
    "__version__",
]
