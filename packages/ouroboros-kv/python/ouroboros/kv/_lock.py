"""A lease lock with a fencing token, on any backend.

The lock is a key holding a random owner id with a TTL (the lease): if the
holder dies, the lease runs out and another process can take it. Each
acquisition also increments a counter and hands back the new value as the
*fencing token*; a resource that remembers the highest token it has seen can
refuse writes from a holder whose lease already ran out.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from typing import TYPE_CHECKING, Any

from ouroboros.kv._errors import LockNotOwnedError, LockTimeoutError

if TYPE_CHECKING:
    from ouroboros.kv._kv import KVBase


class _LockState:
    def __init__(self, kv: KVBase, name: str, ttl: float, timeout: float | None, retry_interval: float) -> None:
        if timeout is not None and timeout < 0:
            raise ValueError(f"timeout must be >= 0 seconds or None, got {timeout}")
        if not retry_interval > 0:
            raise ValueError(f"retry_interval must be positive, got {retry_interval}")
        self._kv = kv
        self.name = name
        self.ttl = ttl
        self.timeout = timeout
        self.retry_interval = retry_interval
        self.owner = secrets.token_hex(16)
        #: The fencing token of the current hold; None while not held.
        self.token: int | None = None

    def _deadline(self) -> float | None:
        return None if self.timeout is None else time.monotonic() + self.timeout

    def _give_up(self, deadline: float | None) -> bool:
        return deadline is not None and time.monotonic() >= deadline

    def _timeout_error(self) -> LockTimeoutError:
        return LockTimeoutError(f"lock {self.name!r} not acquired within {self.timeout} s")

    def _not_owned(self, what: str) -> LockNotOwnedError:
        return LockNotOwnedError(f"cannot {what} lock {self.name!r}: its lease expired or it was released")

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} token={self.token}>"


class Lock(_LockState):
    """``async with kv.lock("name", ttl=10) as lock:`` (see ``KV.lock``)."""

    async def acquire(self) -> int:
        """Wait for the lock (up to ``timeout``) and return the fencing token."""
        deadline = self._deadline()
        while True:
            token = await self._kv._lock_acquire(self.name, self.owner, self.ttl)
            if token is not None:
                self.token = token
                return token
            if self._give_up(deadline):
                raise self._timeout_error()
            await asyncio.sleep(self.retry_interval)

    async def release(self) -> None:
        """Release the lock; LockNotOwnedError if the lease already ran out."""
        held, self.token = self.token, None
        if held is None or not await self._kv._lock_release(self.name, self.owner):
            raise self._not_owned("release")

    async def extend(self, ttl: float | None = None) -> None:
        """Renew the lease for ``ttl`` seconds (default: the lock's ttl)."""
        if self.token is None or not await self._kv._lock_extend(self.name, self.owner, ttl or self.ttl):
            raise self._not_owned("extend")

    async def __aenter__(self) -> Lock:
        await self.acquire()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.release()


class SyncLock(_LockState):
    """``with kv.lock("name", ttl=10) as lock:`` (see ``SyncKV.lock``)."""

    def acquire(self) -> int:
        """Wait for the lock (up to ``timeout``) and return the fencing token."""
        deadline = self._deadline()
        while True:
            token = self._kv._lock_acquire(self.name, self.owner, self.ttl)
            if token is not None:
                self.token = token
                return token
            if self._give_up(deadline):
                raise self._timeout_error()
            time.sleep(self.retry_interval)

    def release(self) -> None:
        """Release the lock; LockNotOwnedError if the lease already ran out."""
        held, self.token = self.token, None
        if held is None or not self._kv._lock_release(self.name, self.owner):
            raise self._not_owned("release")

    def extend(self, ttl: float | None = None) -> None:
        """Renew the lease for ``ttl`` seconds (default: the lock's ttl)."""
        if self.token is None or not self._kv._lock_extend(self.name, self.owner, ttl or self.ttl):
            raise self._not_owned("extend")

    def __enter__(self) -> SyncLock:
        self.acquire()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release()
