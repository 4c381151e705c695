"""The async API (`KV`), the same cases on memory://, file:// and Redis."""

from __future__ import annotations

import asyncio
import math
from datetime import timedelta

import pytest

from ouroboros.kv import KV, LockNotOwnedError, LockTimeoutError, NotAnIntegerError

pytestmark = pytest.mark.asyncio

VALUES = [
    pytest.param(b"", id="empty-bytes"),
    pytest.param(b"\x00\x01\x02binary\xff", id="binary"),
    pytest.param(b"42", id="bytes-digits"),
    pytest.param("", id="empty-str"),
    pytest.param("héllo ✓ 😀", id="unicode"),
    pytest.param("42", id="str-digits"),
    pytest.param("x" * 100_000, id="long-str"),
    pytest.param(0, id="zero"),
    pytest.param(-42, id="negative"),
    pytest.param(2**63 - 1, id="i64-max"),
    pytest.param(2**70, id="big-int"),
    pytest.param(3.5, id="float"),
    pytest.param(True, id="true"),
    pytest.param(False, id="false"),
    pytest.param([1, "a", None, 2.5], id="list"),
    pytest.param({"a": {"b": [1, 2]}, "c": "d"}, id="dict"),
]


@pytest.mark.parametrize("value", VALUES)
async def test_value_roundtrip(kv: KV, value):
    assert await kv.set("v", value) is True
    got = await kv.get("v")
    assert got == value
    assert type(got) is type(value)


async def test_missing_key_reads_as_default(kv: KV):
    assert await kv.get("nope") is None
    assert await kv.get("nope", "fallback") == "fallback"
    assert await kv.exists("nope") is False


async def test_set_overwrites(kv: KV):
    await kv.set("k", "one")
    await kv.set("k", b"two")
    assert await kv.get("k") == b"two"


async def test_nx_writes_only_missing_keys(kv: KV):
    assert await kv.set("k", "first", nx=True) is True
    assert await kv.set("k", "second", nx=True) is False
    assert await kv.get("k") == "first"


async def test_xx_writes_only_existing_keys(kv: KV):
    assert await kv.set("k", "v", xx=True) is False
    assert await kv.exists("k") is False
    await kv.set("k", "v")
    assert await kv.set("k", "w", xx=True) is True
    assert await kv.get("k") == "w"


async def test_ttl_reports_seconds_left(kv: KV):
    await kv.set("t", "v", ttl=30)
    left = await kv.ttl("t")
    assert 28 < left <= 30
    await kv.set("p", "v")
    assert await kv.ttl("p") == math.inf
    assert await kv.ttl("missing") is None


async def test_expired_keys_are_never_returned(kv: KV):
    await kv.set("short", "v", ttl=0.05)
    await kv.set("long", "v", ttl=30)
    await asyncio.sleep(0.2)
    assert await kv.get("short") is None
    assert await kv.exists("short") is False
    assert await kv.ttl("short") is None
    assert await kv.get_many(["short", "long"]) == [None, "v"]
    assert [k async for k in kv.scan_iter()] == ["long"]


async def test_set_without_ttl_clears_the_old_ttl(kv: KV):
    await kv.set("k", "v", ttl=30)
    await kv.set("k", "w")
    assert await kv.ttl("k") == math.inf


async def test_nx_succeeds_after_expiry(kv: KV):
    await kv.set("k", "old", ttl=0.05)
    await asyncio.sleep(0.2)
    assert await kv.set("k", "new", nx=True) is True
    assert await kv.get("k") == "new"


async def test_expire_and_persist(kv: KV):
    assert await kv.expire("missing", 10) is False
    await kv.set("k", "v")
    assert await kv.expire("k", 10) is True
    assert 8 < await kv.ttl("k") <= 10
    assert await kv.persist("k") is True
    assert await kv.ttl("k") == math.inf
    assert await kv.persist("missing") is False
    assert await kv.get("k") == "v"


async def test_expire_then_wait(kv: KV):
    await kv.set("k", 1)
    await kv.expire("k", 0.05)
    await asyncio.sleep(0.2)
    assert await kv.get("k") is None


async def test_delete(kv: KV):
    await kv.set("k", "v")
    assert await kv.delete("k") is True
    assert await kv.delete("k") is False
    assert await kv.get("k") is None


async def test_delete_of_expired_key_reports_false(kv: KV):
    await kv.set("k", "v", ttl=0.05)
    await asyncio.sleep(0.2)
    assert await kv.delete("k") is False


@pytest.mark.parametrize(
    ("start", "steps", "expected"), [(None, [1], 1), (None, [5, -2], 3), (10, [1, 1, 1], 13), (-5, [5], 0)]
)
async def test_incr(kv: KV, start, steps, expected):
    if start is not None:
        await kv.set("n", start)
    result = None
    for step in steps:
        result = await kv.incr("n", step)
    assert result == expected
    assert await kv.get("n") == expected


async def test_decr(kv: KV):
    assert await kv.decr("n") == -1
    assert await kv.decr("n", 9) == -10
    assert await kv.incr("n") == -9


@pytest.mark.parametrize("value", ["text", b"bytes", 2.5, [1]])
async def test_incr_of_a_non_integer_fails(kv: KV, value):
    await kv.set("n", value)
    with pytest.raises(NotAnIntegerError):
        await kv.incr("n")
    assert await kv.get("n") == value


async def test_incr_overflow_fails_and_keeps_the_value(kv: KV):
    await kv.set("n", 2**63 - 1)
    with pytest.raises(NotAnIntegerError) as info:
        await kv.incr("n")
    assert isinstance(info.value, ValueError)
    assert await kv.get("n") == 2**63 - 1


async def test_incr_keeps_the_ttl(kv: KV):
    await kv.set("n", 1, ttl=30)
    await kv.incr("n")
    assert 28 < await kv.ttl("n") <= 30


async def test_concurrent_incr_loses_nothing(kv: KV):
    await asyncio.gather(*(kv.incr("n") for _ in range(50)))
    assert await kv.get("n") == 50


@pytest.mark.parametrize(
    ("initial", "expected", "new", "swapped", "final"),
    [
        (None, None, "a", True, "a"),
        ("a", None, "b", False, "a"),
        ("a", "a", "b", True, "b"),
        ("a", "x", "b", False, "a"),
        (None, "a", "b", False, None),
        (7, 7, 8, True, 8),
        ({"v": 1}, {"v": 1}, {"v": 2}, True, {"v": 2}),
        (b"a", "a", "b", False, b"a"),
    ],
)
async def test_compare_and_swap(kv: KV, initial, expected, new, swapped, final):
    if initial is not None:
        await kv.set("c", initial)
    assert await kv.compare_and_swap("c", expected, new) is swapped
    assert await kv.get("c") == final


async def test_compare_and_swap_with_ttl(kv: KV):
    assert await kv.compare_and_swap("c", None, "v", ttl=30) is True
    assert 28 < await kv.ttl("c") <= 30


async def test_get_many(kv: KV):
    await kv.set("a", 1)
    await kv.set("c", "three")
    assert await kv.get_many(["a", "b", "c"]) == [1, None, "three"]
    assert await kv.get_many([]) == []


@pytest.mark.parametrize("shape", ["dict", "pairs"])
async def test_set_many(kv: KV, shape):
    items = {"a": 1, "b": "two", "c": b"3"}
    await kv.set_many(items if shape == "dict" else list(items.items()))
    assert await kv.get_many(list(items)) == list(items.values())


async def test_set_many_with_ttl(kv: KV):
    await kv.set_many({"a": 1, "b": 2}, ttl=30)
    assert 28 < await kv.ttl("a") <= 30
    assert 28 < await kv.ttl("b") <= 30


async def test_delete_many_counts_existing_keys(kv: KV):
    await kv.set_many({"a": 1, "b": 2})
    assert await kv.delete_many(["a", "b", "zz"]) == 2
    assert await kv.delete_many([]) == 0
    assert await kv.get_many(["a", "b"]) == [None, None]


@pytest.mark.parametrize("limit", [1, 7, 100])
async def test_scan_pages_cover_the_prefix(kv: KV, limit):
    await kv.set_many({f"p:{i:02}": i for i in range(25)})
    await kv.set_many({"q:1": 1, "pz": 2})
    seen, cursor, pages = [], None, 0
    while True:
        keys, cursor = await kv.scan("p:", cursor=cursor, limit=limit)
        seen.extend(keys)
        pages += 1
        if kv.embedded:
            assert len(keys) <= limit
            assert keys == sorted(keys)
        if cursor is None:
            break
        assert pages < 200
    assert sorted(set(seen)) == [f"p:{i:02}" for i in range(25)]


async def test_keys_iterates_every_page(kv: KV):
    await kv.set_many({f"k{i:03}": i for i in range(120)})
    found = [k async for k in kv.scan_iter("k", batch=50)]
    assert sorted(set(found)) == [f"k{i:03}" for i in range(120)]


async def test_namespaces_isolate_keys(kv: KV):
    a, b = kv.namespace("a"), kv.namespace("b")
    await a.set("k", "in a")
    await b.set("k", "in b")
    assert await a.get("k") == "in a"
    assert await b.get("k") == "in b"
    assert await kv.get("k") is None
    assert await kv.get("a:k") == "in a"
    assert [k async for k in a.scan_iter()] == ["k"]
    inner = a.namespace("inner")
    await inner.set("x", 1)
    assert inner.prefix.endswith("a:inner:")
    assert await kv.get("a:inner:x") == 1
    assert isinstance(inner, KV)


async def test_batch_applies_everything(kv: KV):
    await kv.set("gone", "x")
    batch = (
        kv.batch().set("a", 1).set("b", "two", ttl=30).incr("a", 4).delete("gone").expire("b", 60).set("a", 0, nx=True)
    )
    assert len(batch) == 6
    assert await batch.execute() == [True, True, 5, True, True, False]
    assert await kv.get_many(["a", "b", "gone"]) == [5, "two", None]
    assert 58 < await kv.ttl("b") <= 60


async def test_batch_as_context_manager(kv: KV):
    async with kv.batch() as b:
        b.set("x", 1)
        b.decr("x", 3)
    assert b.results == [True, -2]
    assert await kv.get("x") == -2


async def test_batch_not_applied_when_the_block_raises(kv: KV):
    async def fill_then_fail() -> None:
        async with kv.batch() as b:
            b.set("x", 1)
            raise RuntimeError("stop")

    with pytest.raises(RuntimeError):
        await fill_then_fail()
    assert await kv.exists("x") is False


async def test_lock_gives_increasing_fencing_tokens(kv: KV):
    async with kv.lock("job", ttl=5) as first:
        t1 = first.token
        assert isinstance(t1, int) and t1 >= 1
    async with kv.lock("job", ttl=5) as second:
        assert second.token == t1 + 1


async def test_lock_excludes_a_second_holder(kv: KV):
    async with kv.lock("job", ttl=5):
        with pytest.raises(LockTimeoutError) as info:
            await kv.lock("job", ttl=5, timeout=0.1).acquire()
        assert isinstance(info.value, TimeoutError)
        assert "'job'" in str(info.value)
    async with kv.lock("job", ttl=5, timeout=0.1) as again:
        assert again.token is not None


async def test_lock_lease_runs_out(kv: KV):
    lost = kv.lock("job", ttl=0.1)
    await lost.acquire()
    await asyncio.sleep(0.3)
    async with kv.lock("job", ttl=5, timeout=1) as taker:
        assert taker.token > lost.token
        with pytest.raises(LockNotOwnedError):
            await lost.release()


async def test_lock_extend_keeps_the_lease(kv: KV):
    lock = kv.lock("job", ttl=1)
    await lock.acquire()
    await lock.extend(5)
    await asyncio.sleep(1.2)
    with pytest.raises(LockTimeoutError):
        await kv.lock("job", ttl=5, timeout=0).acquire()
    await lock.release()
    with pytest.raises(LockNotOwnedError):
        await lock.extend()


async def test_lock_serialises_read_modify_write(kv: KV):
    await kv.set("counter", 0)

    async def bump() -> None:
        async with kv.lock("counter", ttl=5, timeout=10, retry_interval=0.005):
            value = await kv.get("counter")
            await asyncio.sleep(0.001)
            await kv.set("counter", value + 1)

    await asyncio.gather(*(bump() for _ in range(10)))
    assert await kv.get("counter") == 10


async def test_cached_calls_once_per_arguments(kv: KV):
    calls: list[tuple] = []

    @kv.cached(ttl=30)
    async def square(x: int, *, plus: int = 0) -> int:
        calls.append((x, plus))
        return x * x + plus

    assert [await square(3), await square(3), await square(4), await square(3, plus=1)] == [9, 9, 16, 10]
    assert calls == [(3, 0), (4, 0), (3, 1)]
    assert square.__name__ == "square"


async def test_cached_caches_none_and_expires(kv: KV):
    calls = []

    # A lease long enough that a stalled machine cannot expire it between
    # the first two calls; the test waits it out afterwards.
    @kv.cached(ttl=1)
    async def nothing() -> None:
        calls.append(1)

    assert await nothing() is None
    assert await nothing() is None
    assert len(calls) == 1
    await asyncio.sleep(1.2)
    await nothing()
    assert len(calls) == 2


async def test_cached_with_a_key_function(kv: KV):
    @kv.cached(key=lambda user_id: f"user:{user_id}")
    async def load(user_id: int) -> dict:
        return {"id": user_id}

    assert await load(7) == {"id": 7}
    assert await kv.get("user:7") == [{"id": 7}]


async def test_cached_refuses_sync_functions(kv: KV):
    with pytest.raises(TypeError, match="async functions"):

        @kv.cached()
        def plain() -> int:
            return 1


async def test_unicode_keys(kv: KV):
    await kv.set("ключ:✓", "v")
    assert await kv.get("ключ:✓") == "v"
    assert (await kv.scan("ключ"))[0] == ["ключ:✓"]


async def test_large_value(kv: KV):
    blob = bytes(range(256)) * 4096
    await kv.set("big", blob)
    assert await kv.get("big") == blob


async def test_awaitables_work_with_gather_and_wait_for(kv: KV):
    await kv.set_many({"a": 1, "b": 2})
    assert await asyncio.gather(kv.get("a"), kv.get("b")) == [1, 2]
    assert await asyncio.wait_for(kv.get("a"), 5) == 1


@pytest.mark.parametrize("prefix", ["a*", "b?", "c[x]", "d\\", "e:", "f g"])
async def test_scan_prefix_with_glob_characters(kv: KV, prefix):
    """Redis SCAN MATCH treats *?[]\\ as a pattern: the prefix must be escaped."""
    await kv.set_many({f"{prefix}1": 1, f"{prefix}2": 2, "a1": 0, "b1": 0, "cx1": 0, "d1": 0})
    assert sorted({k async for k in kv.scan_iter(prefix)}) == [f"{prefix}1", f"{prefix}2"]


@pytest.mark.parametrize("ttl", [30, 30.0, pytest.param("timedelta", id="timedelta")])
async def test_ttl_accepts_int_float_and_timedelta(kv: KV, ttl):
    value = timedelta(seconds=30) if ttl == "timedelta" else ttl
    await kv.set("k", "v", ttl=value)
    assert 28 < await kv.ttl("k") <= 30
