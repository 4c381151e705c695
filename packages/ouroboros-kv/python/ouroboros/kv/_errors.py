"""The exceptions of ouroboros.kv.

Each derives from :class:`ouroboros.core.OuroborosError` through
:class:`KVError` and from the builtin that fits, so ``except ConnectionError``
or ``except ValueError`` keeps working. Invalid arguments (a negative TTL, NX
with XX) raise ``ouroboros.core.InvalidArgumentError``, a ``ValueError``.
"""

from ouroboros.core import OuroborosError


class KVError(OuroborosError):
    """Base class of the errors of ouroboros.kv."""


class StoreLockedError(KVError, OSError):
    """The embedded store is open in another process (redb has one owner process)."""


class StorageError(KVError, OSError):
    """The embedded store could not be opened, read or written."""


class StoreClosedError(KVError, RuntimeError):
    """The store was closed with ``close()``."""


class KVConnectionError(KVError, ConnectionError):
    """Redis could not be reached (connect, I/O, timeout)."""


class KVCommandError(KVError):
    """Redis answered a command with an error."""


class NotAnIntegerError(KVError, ValueError):
    """``incr``/``decr`` met a value that is not an integer, or overflowed 64 bits."""


class LockError(KVError):
    """Base class of lock failures."""


class LockTimeoutError(LockError, TimeoutError):
    """The lock was not acquired within ``timeout``."""


class LockNotOwnedError(LockError):
    """The lock's lease expired (or it was released) before ``release``/``extend``."""
