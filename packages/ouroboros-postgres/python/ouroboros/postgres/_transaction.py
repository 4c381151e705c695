"""``conn.transaction()``: a transaction block, or a savepoint when nested.

Used as ``async with conn.transaction(): ...`` (commit on success, roll back on
an exception) or by hand with ``start()``, ``commit()`` and ``rollback()``.
The depth of open blocks lives on the native connection (``_tx_depth``), where
``executemany`` reads it to decide whether it needs its own block and a pool
reads it to refuse reusing a connection left inside one.
"""

from __future__ import annotations

from typing import Any

from ouroboros.postgres._errors import InterfaceError

_ISOLATION = {
    None: "",
    "read_committed": " ISOLATION LEVEL READ COMMITTED",
    "repeatable_read": " ISOLATION LEVEL REPEATABLE READ",
    "serializable": " ISOLATION LEVEL SERIALIZABLE",
    "read_uncommitted": " ISOLATION LEVEL READ UNCOMMITTED",
}


class Transaction:
    """One transaction block (or savepoint) on a connection."""

    __slots__ = ("_conn", "_deferrable", "_depth", "_isolation", "_readonly", "_savepoint", "_state")

    def __init__(self, conn: Any, isolation: str | None, readonly: bool, deferrable: bool) -> None:
        if isolation not in _ISOLATION:
            choices = ", ".join(repr(k) for k in _ISOLATION if k)
            raise InterfaceError(f"isolation must be one of {choices} or None, got {isolation!r}")
        self._conn = conn
        self._isolation = isolation
        self._readonly = readonly
        self._deferrable = deferrable
        self._savepoint: str | None = None
        self._state = "new"
        self._depth = 0

    def __repr__(self) -> str:
        kind = "savepoint" if self._savepoint else "transaction"
        return f"<Transaction {kind} state={self._state} isolation={self._isolation}>"

    async def start(self) -> None:
        """Open the block: ``BEGIN ...`` at the outer level, ``SAVEPOINT`` inside one."""
        if self._state != "new":
            raise InterfaceError(f"cannot start a transaction that is {self._state}")
        depth = self._conn._tx_depth
        if depth == 0:
            query = "BEGIN" + _ISOLATION[self._isolation]
            if self._readonly:
                query += " READ ONLY"
            if self._deferrable:
                query += " DEFERRABLE"
        else:
            if self._isolation is not None or self._readonly or self._deferrable:
                raise InterfaceError(
                    "a nested transaction (savepoint) cannot set isolation, readonly or deferrable; "
                    "set them on the outermost transaction"
                )
            self._savepoint = f"ouroboros_savepoint_{depth}"
            query = f"SAVEPOINT {self._savepoint}"
        await self._conn.execute(query)
        self._depth = depth
        self._conn._tx_depth = depth + 1
        self._state = "started"

    def _check_current(self, action: str) -> None:
        if self._state != "started":
            raise InterfaceError(f"cannot {action} a transaction that is {self._state}")
        if self._conn._tx_depth != self._depth + 1:
            raise InterfaceError(f"cannot {action} this transaction: a nested one is still open")

    async def commit(self) -> None:
        """Commit the block (release the savepoint when nested)."""
        self._check_current("commit")
        query = f"RELEASE SAVEPOINT {self._savepoint}" if self._savepoint else "COMMIT"
        try:
            await self._conn.execute(query)
        except BaseException:
            self._state = "failed"
            # The server ended the block (COMMIT of a failed transaction rolls
            # back; a lost connection rolls back on the server side).
            self._conn._tx_depth = self._depth if self._savepoint else 0
            raise
        self._conn._tx_depth = self._depth
        self._state = "committed"

    async def rollback(self) -> None:
        """Roll the block back (to the savepoint when nested)."""
        self._check_current("roll back")
        try:
            if self._savepoint:
                await self._conn.execute(f"ROLLBACK TO SAVEPOINT {self._savepoint}")
                await self._conn.execute(f"RELEASE SAVEPOINT {self._savepoint}")
            else:
                await self._conn.execute("ROLLBACK")
        except BaseException:
            self._state = "failed"
            self._conn._tx_depth = self._depth if self._savepoint else 0
            raise
        self._conn._tx_depth = self._depth
        self._state = "rolledback"

    async def __aenter__(self) -> Transaction:
        await self.start()
        return self

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if self._state != "started":
            return
        if exc_type is None:
            await self.commit()
        elif self._conn.is_closed():
            self._state = "failed"
            self._conn._tx_depth = 0
        else:
            await self.rollback()
