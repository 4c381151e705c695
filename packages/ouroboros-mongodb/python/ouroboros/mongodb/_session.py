"""Client sessions and multi-document transactions.

``async with await start_session() as s:`` then ``async with s.start_transaction():``;
every operation given ``session=s`` runs in the session (and its transaction,
committed when the block exits normally, aborted when it raises).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Awaitable, Callable, Generator
from types import TracebackType
from typing import Any, TypeVar

from ouroboros.core import InvalidArgumentError
from ouroboros.mongodb import _mongodb
from ouroboros.mongodb._errors import MongoError

__all__ = ["WITH_TRANSACTION_TIMEOUT", "ClientSession", "Transaction", "native_session", "start_session"]

T = TypeVar("T")

#: How long ``with_transaction`` keeps retrying (seconds), as in the drivers.
WITH_TRANSACTION_TIMEOUT = 120.0


def _labelled(exc: BaseException, label: str) -> bool:
    return isinstance(exc, MongoError) and exc.has_error_label(label)


class ClientSession:
    """A session of the Rust driver. Pass it as ``session=`` to any operation.

    Use it as ``async with``: the session ends when the block exits. Operations
    of one session run one at a time (the server requires it).
    """

    __slots__ = ("_native",)

    def __init__(self, native: _mongodb.Session) -> None:
        self._native = native

    # -- transactions
    def start_transaction(self, *, max_commit_time_ms: int | None = None) -> Transaction:
        """A transaction: ``async with s.start_transaction():`` (also awaitable, as PyMongo's)."""
        return Transaction(self, max_commit_time_ms)

    async def commit_transaction(self) -> None:
        await self._native.commit_transaction()

    async def abort_transaction(self) -> None:
        await self._native.abort_transaction()

    async def with_transaction(
        self,
        callback: Callable[[ClientSession], Awaitable[T]],
        *,
        max_commit_time_ms: int | None = None,
        timeout: float = WITH_TRANSACTION_TIMEOUT,
        **_: Any,
    ) -> T:
        """Run ``await callback(session)`` in a transaction and commit it, retrying as the drivers do.

        An error labelled ``TransientTransactionError`` (a write conflict, a
        lost primary) aborts and runs the whole callback again; a commit that
        failed with ``UnknownTransactionCommitResult`` is committed again.
        Retries stop ``timeout`` seconds (120, as in PyMongo) after the start;
        the last error is raised then. Any other error aborts and is raised.
        """
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout < 0:
            raise InvalidArgumentError(f"timeout must be a non-negative number of seconds, got {timeout!r}")
        deadline = time.monotonic() + timeout
        while True:
            await self._native.start_transaction(max_commit_time_ms=max_commit_time_ms)
            try:
                result = await callback(self)
            except BaseException as exc:
                if self.in_transaction:
                    await self._abort_quietly()
                if _labelled(exc, "TransientTransactionError") and time.monotonic() < deadline:
                    continue
                raise
            if not self.in_transaction:
                return result  # the callback committed or aborted itself
            if await self._commit_with_retries(deadline):
                return result

    async def _commit_with_retries(self, deadline: float) -> bool:
        """Commit; False when the whole transaction should run again."""
        while True:
            try:
                await self.commit_transaction()
                return True
            except MongoError as exc:
                if time.monotonic() >= deadline:
                    raise
                if _labelled(exc, "UnknownTransactionCommitResult") and getattr(exc, "code", None) != 50:
                    continue
                if _labelled(exc, "TransientTransactionError"):
                    return False
                raise

    async def _abort_quietly(self) -> None:
        with contextlib.suppress(MongoError):  # the server may already have aborted it
            await self.abort_transaction()

    @property
    def in_transaction(self) -> bool:
        return self._native.in_transaction

    @property
    def has_ended(self) -> bool:
        return self._native.has_ended

    @property
    def session_id(self) -> dict[str, Any] | None:
        return self._native.session_id

    async def end_session(self) -> None:
        """End the session; an open transaction is aborted."""
        await self._native.end_session()

    # -- context manager
    async def __aenter__(self) -> ClientSession:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.end_session()

    def __repr__(self) -> str:
        state = "ended" if self.has_ended else ("in transaction" if self.in_transaction else "open")
        return f"ClientSession({state})"


class Transaction:
    """``async with session.start_transaction():``: commit on success, abort on error."""

    __slots__ = ("_max_commit_time_ms", "_session", "_started")

    def __init__(self, session: ClientSession, max_commit_time_ms: int | None) -> None:
        self._session = session
        self._max_commit_time_ms = max_commit_time_ms
        self._started = False

    async def _start(self) -> Transaction:
        if not self._started:
            await self._session._native.start_transaction(max_commit_time_ms=self._max_commit_time_ms)
            self._started = True
        return self

    def __await__(self) -> Generator[Any, None, Transaction]:
        return self._start().__await__()

    async def __aenter__(self) -> Transaction:
        return await self._start()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if not self._session.in_transaction:
            return  # committed or aborted inside the block
        if exc_type is None:
            await self._session.commit_transaction()
        else:
            await self._session.abort_transaction()


class _StartSession:
    """``start_session()``: awaitable (``async with await ...``) or an ``async with`` itself."""

    __slots__ = ("_client", "_session")

    def __init__(self, client: _mongodb.Client) -> None:
        self._client = client
        self._session: ClientSession | None = None

    async def _open(self) -> ClientSession:
        if self._session is None:
            self._session = ClientSession(await self._client.start_session())
        return self._session

    def __await__(self) -> Generator[Any, None, ClientSession]:
        return self._open().__await__()

    async def __aenter__(self) -> ClientSession:
        return await self._open()

    async def __aexit__(self, *_: object) -> None:
        if self._session is not None:
            await self._session.end_session()


def start_session() -> _StartSession:
    """A session on the connection set up by ``init``."""
    from ouroboros.mongodb._connection import get_connection

    return _StartSession(get_connection().client)


def native_session(session: Any) -> _mongodb.Session | None:
    """The driver session behind ``session=`` (None for None)."""
    if session is None:
        return None
    if isinstance(session, ClientSession):
        return session._native
    raise InvalidArgumentError(
        f"session must be an ouroboros.mongodb ClientSession (from start_session()), got {type(session).__name__}; "
        "a PyMongo session cannot be used with this driver"
    )
