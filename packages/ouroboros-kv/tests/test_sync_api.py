"""The sync API (`SyncKV`): the same store without `await`, on every backend."""

from __future__ import annotations

import math
import threading
import time

import pytest

from ouroboros.kv import LockTimeoutError, SyncKV

VALUES = [b"raw", "text", 12, -3, 1.25, None, [1, 2], {"k": "v"}]


@pytest.mark.parametrize("value", [v for v in VALUES if v is not None])
def test_value_roundtrip(skv: SyncKV, value):
    assert skv.set("v", value) is True
    assert skv.get("v") == value


def test_basic_operations(skv: SyncKV):
    assert skv.get("k") is None
    assert skv.set("k", "v", ttl=30) is True
    assert skv.exists("k") is True
    assert 28 < skv.ttl("k") <= 30
    assert skv.persist("k") is True
    assert skv.ttl("k") == math.inf
    assert skv.delete("k") is True
    assert skv.exists("k") is False


def test_counters_and_cas(skv: SyncKV):
    assert skv.incr("n", 2) == 2
    assert skv.decr("n") == 1
    assert skv.compare_and_swap("n", 1, 5) is True
    assert skv.compare_and_swap("n", 1, 6) is False
    assert skv.get("n") == 5


def test_many_and_scan(skv: SyncKV):
    skv.set_many({f"s:{i}": i for i in range(30)})
    assert skv.get_many(["s:0", "s:29", "s:x"]) == [0, 29, None]
    assert sorted(set(skv.scan_iter("s:", batch=7)), key=lambda k: int(k[2:])) == [f"s:{i}" for i in range(30)]
    assert skv.delete_many([f"s:{i}" for i in range(30)]) == 30
    assert list(skv.scan_iter("s:")) == []


def test_many_threads_share_the_store(skv: SyncKV):
    """More threads than the sync path keeps Redis sockets (16; the rest take
    the multiplexed path): every reply reaches its own caller, no increment
    is lost."""
    errors: list[BaseException] = []

    def work(t: int) -> None:
        try:
            for i in range(50):
                skv.set(f"t:{t}", i)
                got = skv.get(f"t:{t}")
                if got != i:
                    raise AssertionError(f"thread {t} read {got!r} after writing {i}")
                skv.incr("total")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(40)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    assert skv.get("total") == 40 * 50
    assert skv.get_many([f"t:{t}" for t in range(40)]) == [49] * 40


def test_expiry(skv: SyncKV):
    skv.set("k", "v", ttl=0.05)
    time.sleep(0.2)
    assert skv.get("k") is None


def test_batch(skv: SyncKV):
    with skv.batch() as b:
        b.set("a", 1).incr("a", 2).set("b", "x", ttl=10).delete("b")
    assert b.results == [True, 3, True, True]
    assert skv.get_many(["a", "b"]) == [3, None]


def test_namespace_is_sync_too(skv: SyncKV):
    ns = skv.namespace("sessions")
    assert isinstance(ns, SyncKV)
    ns.set("s1", {"user": 1})
    assert skv.get("sessions:s1") == {"user": 1}
    assert repr(ns).startswith("<SyncKV ") and "sessions:" in repr(ns)


def test_lock_from_threads(skv: SyncKV):
    skv.set("counter", 0)
    errors: list[Exception] = []

    def bump() -> None:
        try:
            for _ in range(3):
                with skv.lock("c", ttl=5, timeout=20, retry_interval=0.002):
                    skv.set("counter", skv.get("counter") + 1)
        except Exception as exc:  # noqa: BLE001 - a failure in a thread is asserted below
            errors.append(exc)

    threads = [threading.Thread(target=bump) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert skv.get("counter") == 12


def test_lock_timeout(skv: SyncKV):
    with skv.lock("x", ttl=5) as held:
        assert held.token >= 1
        with pytest.raises(LockTimeoutError):
            skv.lock("x", ttl=5, timeout=0.05).acquire()


def test_cached(skv: SyncKV):
    calls = []

    @skv.cached(ttl=30)
    def double(x):
        calls.append(x)
        return x * 2

    assert [double(2), double(2), double(3)] == [4, 4, 6]
    assert calls == [2, 3]
    with pytest.raises(TypeError, match="async"):

        @skv.cached()
        async def coro():
            return 1


def test_threads_share_one_store(skv: SyncKV):
    def work(i: int) -> None:
        for j in range(20):
            skv.set(f"t{i}:{j}", j)
            assert skv.get(f"t{i}:{j}") == j

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(list(skv.scan_iter("t"))) == 80
