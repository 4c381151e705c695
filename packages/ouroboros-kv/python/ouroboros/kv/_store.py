"""``KV`` (async) and ``SyncKV``: the same store, awaitable or blocking.

Every operation is implemented once in Rust (``KVBase``); these classes add
what is naturally Python: opening by URL, context managers, batches, locks,
key iteration and the cache decorator.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import timedelta
from typing import Any, TypeVar

from ouroboros.kv._kv import KVBase
from ouroboros.kv._lock import Lock, SyncLock

F = TypeVar("F", bound=Callable[..., Any])
Seconds = float | int | timedelta


class Batch:
    """Operations collected and applied atomically in one transaction.

    On the embedded stores the batch is one redb write transaction: all or
    nothing. On Redis it is MULTI/EXEC: no other client's command runs in
    between, but Redis does not roll back a command that fails (such as
    ``incr`` of a text value); on Redis Cluster it is a plain pipeline.
    """

    def __init__(self, kv: KVBase) -> None:
        self._kv = kv
        self._ops: list[tuple[Any, ...]] = []
        #: Results of the last ``execute``, one per operation.
        self.results: list[Any] | None = None

    def set(self, key: str, value: Any, *, ttl: Seconds | None = None, nx: bool = False, xx: bool = False) -> Batch:
        self._ops.append(("set", key, value, ttl, nx, xx))
        return self

    def delete(self, key: str) -> Batch:
        self._ops.append(("delete", key))
        return self

    def incr(self, key: str, amount: int = 1) -> Batch:
        self._ops.append(("incr", key, amount))
        return self

    def decr(self, key: str, amount: int = 1) -> Batch:
        self._ops.append(("incr", key, -amount))
        return self

    def expire(self, key: str, ttl: Seconds | None) -> Batch:
        self._ops.append(("expire", key, ttl))
        return self

    def __len__(self) -> int:
        return len(self._ops)

    def execute(self) -> Any:
        """Apply the operations (an awaitable on ``KV``, a list on ``SyncKV``)."""
        ops, self._ops = self._ops, []
        return self._kv._batch(ops)

    async def __aenter__(self) -> Batch:
        return self

    async def __aexit__(self, exc_type: object, *rest: object) -> None:
        if exc_type is None:
            self.results = await self.execute()

    def __enter__(self) -> Batch:
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if exc_type is None:
            self.results = self.execute()


def _call_key(prefix: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    text = repr((args, sorted(kwargs.items())))
    return f"{prefix}:{hashlib.sha256(text.encode()).hexdigest()[:32]}"


class KV(KVBase):
    """An async key-value store: ``kv = KV.open("file:///var/app/store.redb")``.

    URLs: ``file:///path`` (embedded, on disk), ``memory://`` (embedded, in
    memory), ``redis://host:port/db`` and ``redis+cluster://h1:p1,h2:p2``.
    Every method returns an awaitable.
    """

    @classmethod
    def open(cls, url: str) -> KV:
        """Open a store (embedded stores open now; Redis connects on first use)."""
        return cls(url, False)

    def close(self) -> None:
        """Release the store (an embedded file store unlocks its file)."""
        self._close()

    async def __aenter__(self) -> KV:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()

    def batch(self) -> Batch:
        """``async with kv.batch() as b: b.set(...); b.incr(...)`` — atomic."""
        return Batch(self)

    def lock(
        self, name: str, *, ttl: Seconds = 10.0, timeout: float | None = None, retry_interval: float = 0.05
    ) -> Lock:
        """A lease lock: ``async with kv.lock("job", ttl=30) as lock: lock.token``."""
        return Lock(self, name, _seconds(ttl), timeout, retry_interval)

    async def scan_iter(self, prefix: str = "", *, batch: int = 500) -> AsyncIterator[str]:
        """Every key under ``prefix`` (pages of ``scan`` fetched as needed)."""
        cursor: str | None = None
        while True:
            page, cursor = await self.scan(prefix, cursor=cursor, limit=batch)
            for key in page:
                yield key
            if cursor is None:
                return

    def cached(
        self, ttl: Seconds | None = None, *, key: Callable[..., str] | None = None, model: type | None = None
    ) -> Callable[[F], F]:
        """Cache an async function's results in this store for ``ttl`` seconds.

        The key is the function's module and qualified name plus a hash of
        ``repr`` of its arguments, or ``key(*args, **kwargs)`` when given.
        Results are stored as JSON (``model=`` stores and returns model
        instances). ``None`` results are cached too.
        """

        def decorate(fn: F) -> F:
            if not inspect.iscoroutinefunction(fn):
                raise TypeError(
                    f"KV.cached decorates async functions; {fn.__qualname__} is not one (use SyncKV.cached)"
                )
            prefix = f"cache:{fn.__module__}.{fn.__qualname__}"

            @functools.wraps(fn)
            async def wrapper(*args: Any, **kwargs: Any) -> Any:
                k = key(*args, **kwargs) if key is not None else _call_key(prefix, args, kwargs)
                if model is not None:
                    hit = await self.get(k, model=model)
                    if hit is not None:
                        return hit
                    value = await fn(*args, **kwargs)
                    await self.set(k, value, ttl=ttl)
                    return value
                hit = await self.get(k)
                if hit is not None:
                    return hit[0]
                value = await fn(*args, **kwargs)
                await self.set(k, [value], ttl=ttl)
                return value

            return wrapper  # type: ignore[return-value]

        return decorate

    def __repr__(self) -> str:
        ns = f" namespace={self.prefix!r}" if self.prefix else ""
        return f"<KV {self.url}{ns}>"


class SyncKV(KVBase):
    """The blocking twin of :class:`KV`: the same methods, returning values."""

    @classmethod
    def open(cls, url: str) -> SyncKV:
        """Open a store (embedded stores open now; Redis connects on first use)."""
        return cls(url, True)

    def close(self) -> None:
        """Release the store (an embedded file store unlocks its file)."""
        self._close()

    def __enter__(self) -> SyncKV:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def batch(self) -> Batch:
        """``with kv.batch() as b: b.set(...); b.incr(...)`` — atomic."""
        return Batch(self)

    def lock(
        self, name: str, *, ttl: Seconds = 10.0, timeout: float | None = None, retry_interval: float = 0.05
    ) -> SyncLock:
        """A lease lock: ``with kv.lock("job", ttl=30) as lock: lock.token``."""
        return SyncLock(self, name, _seconds(ttl), timeout, retry_interval)

    def scan_iter(self, prefix: str = "", *, batch: int = 500) -> Iterator[str]:
        """Every key under ``prefix`` (pages of ``scan`` fetched as needed)."""
        cursor: str | None = None
        while True:
            page, cursor = self.scan(prefix, cursor=cursor, limit=batch)
            yield from page
            if cursor is None:
                return

    def cached(
        self, ttl: Seconds | None = None, *, key: Callable[..., str] | None = None, model: type | None = None
    ) -> Callable[[F], F]:
        """Cache a function's results in this store (see :meth:`KV.cached`)."""

        def decorate(fn: F) -> F:
            if inspect.iscoroutinefunction(fn):
                raise TypeError(f"SyncKV.cached decorates plain functions; {fn.__qualname__} is async (use KV.cached)")
            prefix = f"cache:{fn.__module__}.{fn.__qualname__}"

            @functools.wraps(fn)
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                k = key(*args, **kwargs) if key is not None else _call_key(prefix, args, kwargs)
                if model is not None:
                    hit = self.get(k, model=model)
                    if hit is not None:
                        return hit
                    value = fn(*args, **kwargs)
                    self.set(k, value, ttl=ttl)
                    return value
                hit = self.get(k)
                if hit is not None:
                    return hit[0]
                value = fn(*args, **kwargs)
                self.set(k, [value], ttl=ttl)
                return value

            return wrapper  # type: ignore[return-value]

        return decorate

    def __repr__(self) -> str:
        ns = f" namespace={self.prefix!r}" if self.prefix else ""
        return f"<SyncKV {self.url}{ns}>"


def _seconds(ttl: Seconds) -> float:
    if isinstance(ttl, timedelta):
        return ttl.total_seconds()
    if isinstance(ttl, bool) or not isinstance(ttl, int | float):
        raise TypeError(f"ttl must be seconds (int, float or timedelta), got {type(ttl).__name__}")
    return float(ttl)
