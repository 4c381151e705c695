"""BenchmarkGroup and @benchmark."""

import asyncio
import io
import time

import pytest

from ouroboros.test import BenchmarkGroup, benchmark, run_benchmarks
from ouroboros.test._bench import format_time


def test_group_measures_and_compares():
    group = BenchmarkGroup("sleeps", baseline="slow", rounds=3, min_round_time=0.01)
    group.add("slow", time.sleep, 0.002)
    group.add("fast", lambda: None)
    results = group.run()
    slow, fast = results
    assert slow.name == "slow" and fast.name == "fast"
    assert len(slow.samples) == 3
    assert slow.min <= slow.median <= slow.max
    assert 0.0015 < slow.median < 0.5
    assert fast.median < slow.median
    assert fast.iterations > slow.iterations
    table = group.table()
    lines = table.splitlines()
    assert lines[0] == "## sleeps"
    assert lines[2].startswith("| name ")
    assert "vs slow" in lines[2]
    slow_row = next(line for line in lines if line.startswith("| slow"))
    assert "1.00x" in slow_row


def test_async_functions_are_awaited():
    calls = []

    async def work():
        calls.append(1)
        await asyncio.sleep(0)

    group = BenchmarkGroup("async", rounds=2, min_round_time=0.005)
    group.add("work", work)
    (result,) = group.run()
    assert result.iterations >= 1
    assert len(calls) >= result.iterations * 2


def test_decorator_form():
    group = BenchmarkGroup("deco", rounds=1, min_round_time=0.001)

    @group.bench()
    def noop():
        return None

    assert [r.name for r in group.run()] == ["noop"]


def test_registry_and_run_benchmarks():
    @benchmark(group="registry-test", name="tiny")
    def tiny():
        return 1

    out = io.StringIO()
    results = run_benchmarks(["registry-test"], file=out)
    assert [r.name for r in results["registry-test"]] == ["tiny"]
    assert "## registry-test" in out.getvalue()


@pytest.mark.parametrize("kwargs", [{"rounds": 0}, {"warmup": -1}, {"min_round_time": 0}, {"min_round_time": 100}])
def test_bad_settings(kwargs):
    with pytest.raises(ValueError):
        BenchmarkGroup("x", **kwargs)


def test_duplicate_names_rejected():
    group = BenchmarkGroup("dupe")
    group.add("a", lambda: None)
    with pytest.raises(ValueError, match="already in group"):
        group.add("a", lambda: None)


def test_table_before_run():
    assert BenchmarkGroup("empty").table() == "empty: not run"


@pytest.mark.parametrize(("seconds", "text"), [(2.5, "2.5 s"), (0.0042, "4.2 ms"), (3.1e-6, "3.1 µs"), (5e-8, "50 ns")])
def test_format_time(seconds, text):
    assert format_time(seconds) == text
