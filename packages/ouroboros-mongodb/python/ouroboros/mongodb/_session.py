"""Client sessions and multi-document transactions.

``async with await start_session() as s:`` then ``async with s.start_transaction():``;
every operation given ``session=s`` runs in the session (and its transaction,
committed when the block exits normally, aborted when it raises).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator
from types import TracebackType
from typing import Any, TypeVar

from ouroboros.core import InvalidArgumentError
from ouroboros.mongodb import _mongodb

__all__ = ["ClientSession", "Transaction", "native_session", "start_session"]

T = TypeVar("T")


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

    async def with_transaction(self, callback: Callable[[ClientSession], Awaitable[T]], **kwargs: Any) -> T:
        """Run ``await callback(session)`` in a transaction; commit, or abort if it raises."""
        async with self.start_transaction(**kwargs):
            return await callback(self)

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
