"""Benchmarks as first-class tests: ``BenchmarkGroup`` and ``@benchmark``.

Each function is warmed up, then timed in rounds; the number of calls per
round is calibrated so a round lasts at least ``min_round_time`` (the
clock's resolution stops mattering). Results give min, median and max per
call, and the group's table compares each entry with a baseline (the first
entry, or the one named), so peers run side by side in one run::

    group = BenchmarkGroup("json dumps", baseline="json")
    group.add("json", json.dumps, payload)
    group.add("orjson", orjson.dumps, payload)
    group.run()
    print(group.table())
"""

from __future__ import annotations

import asyncio
import gc
import inspect
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class BenchmarkResult:
    name: str
    rounds: int
    iterations: int
    #: Seconds per call of every round.
    samples: list[float] = field(repr=False)

    @property
    def min(self) -> float:
        return min(self.samples)

    @property
    def max(self) -> float:
        return max(self.samples)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def mean(self) -> float:
        return statistics.fmean(self.samples)

    @property
    def ops(self) -> float:
        """Calls per second at the median."""
        return 1.0 / self.median if self.median > 0 else float("inf")


def format_time(seconds: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


@dataclass
class _Entry:
    name: str
    func: Callable[..., Any]
    args: tuple[Any, ...]
    kwargs: dict[str, Any]


class BenchmarkGroup:
    """Functions timed side by side and compared in one table."""

    def __init__(
        self,
        name: str,
        *,
        baseline: str | None = None,
        warmup: int = 1,
        rounds: int = 7,
        min_round_time: float = 0.05,
    ) -> None:
        if rounds < 1 or warmup < 0:
            raise ValueError("rounds must be at least 1 and warmup not negative")
        if not 0 < min_round_time <= 60:
            raise ValueError("min_round_time must be between 0 and 60 seconds")
        self.name = name
        self.baseline = baseline
        self.warmup = warmup
        self.rounds = rounds
        self.min_round_time = min_round_time
        self._entries: list[_Entry] = []
        self.results: list[BenchmarkResult] = []

    def add(self, name: str, func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> None:
        """Add a function (sync or async) called with ``args`` and ``kwargs``."""
        if any(e.name == name for e in self._entries):
            raise ValueError(f"{name!r} is already in group {self.name!r}")
        self._entries.append(_Entry(name, func, args, kwargs))

    def bench(self, name: str | None = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Decorator form of :meth:`add` for functions without arguments."""

        def register(func: Callable[..., Any]) -> Callable[..., Any]:
            self.add(name or func.__name__, func)
            return func

        return register

    def _timer(self, entry: _Entry) -> Callable[[int], float]:
        func, args, kwargs = entry.func, entry.args, entry.kwargs
        if inspect.iscoroutinefunction(func):
            loop = asyncio.new_event_loop()

            async def many(n: int) -> float:
                start = time.perf_counter()
                for _ in range(n):
                    await func(*args, **kwargs)
                return time.perf_counter() - start

            def timed_async(n: int) -> float:
                return loop.run_until_complete(many(n))

            timed_async.loop = loop  # type: ignore[attr-defined]
            return timed_async

        def timed(n: int) -> float:
            start = time.perf_counter()
            for _ in range(n):
                func(*args, **kwargs)
            return time.perf_counter() - start

        return timed

    def _measure(self, entry: _Entry) -> BenchmarkResult:
        timed = self._timer(entry)
        n = 1
        while True:
            spent = timed(n)
            if spent >= self.min_round_time or n >= 1 << 30:
                break
            n = n * 10 if spent < self.min_round_time / 100 else max(n + 1, int(n * self.min_round_time / spent * 1.1))
        for _ in range(self.warmup):
            timed(n)
        gc_was = gc.isenabled()
        gc.disable()
        try:
            samples = [timed(n) / n for _ in range(self.rounds)]
        finally:
            if gc_was:
                gc.enable()
        loop = getattr(timed, "loop", None)
        if loop is not None:
            loop.close()
        return BenchmarkResult(entry.name, self.rounds, n, samples)

    def run(self, *, progress: Callable[[str], None] | None = None) -> list[BenchmarkResult]:
        """Time every entry; returns (and keeps) the results in entry order."""
        self.results = []
        for entry in self._entries:
            if progress is not None:
                progress(f"{self.name}: {entry.name}")
            self.results.append(self._measure(entry))
        return self.results

    def table(self) -> str:
        """A text table: min, median, max per call, calls/s, ratio to the baseline."""
        if not self.results:
            return f"{self.name}: not run"
        base = next((r for r in self.results if r.name == self.baseline), self.results[0])
        header = ("name", "min", "median", "max", "ops/s", f"vs {base.name}")
        rows = []
        for r in self.results:
            ratio = base.median / r.median if r.median > 0 else float("inf")
            rows.append(
                (
                    r.name,
                    format_time(r.min),
                    format_time(r.median),
                    format_time(r.max),
                    f"{r.ops:,.0f}",
                    f"{ratio:.2f}x",
                )
            )
        widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
        lines = [f"## {self.name}", ""]
        lines.append("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |")
        lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
        for row in rows:
            lines.append("| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
        return "\n".join(lines)


_REGISTRY: dict[str, BenchmarkGroup] = {}


def benchmark(func: Callable[..., Any] | None = None, /, *, group: str = "default", name: str | None = None) -> Any:
    """Register a function without arguments in a named group (``run_benchmarks`` runs them)."""

    def register(f: Callable[..., Any]) -> Callable[..., Any]:
        _REGISTRY.setdefault(group, BenchmarkGroup(group)).add(name or f.__name__, f)
        return f

    return register(func) if func is not None else register


def run_benchmarks(groups: list[str] | None = None, *, file: Any = None) -> dict[str, list[BenchmarkResult]]:
    """Run the groups registered with ``@benchmark`` and print their tables."""
    out = {}
    for gname, group in _REGISTRY.items():
        if groups is not None and gname not in groups:
            continue
        out[gname] = group.run()
        print(group.table(), file=file)
        print(file=file)
    return out
