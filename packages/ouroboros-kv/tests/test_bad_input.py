"""Bad arguments raise typed errors (ValueError / TypeError), never a panic."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest

from ouroboros.core import InvalidArgumentError, OuroborosError
from ouroboros.kv import KV, SyncKV

BAD_TTLS = [
    pytest.param(0, ValueError, id="zero"),
    pytest.param(-1, ValueError, id="negative"),
    pytest.param(-0.001, ValueError, id="negative-float"),
    pytest.param(math.nan, ValueError, id="nan"),
    pytest.param(math.inf, ValueError, id="inf"),
    pytest.param(1e12, ValueError, id="beyond-100-years"),
    pytest.param(10**400, ValueError, id="huge-int"),
    pytest.param(timedelta(seconds=-5), ValueError, id="negative-timedelta"),
    pytest.param(True, TypeError, id="bool"),
    pytest.param("5", TypeError, id="str"),
]


@pytest.mark.parametrize(("ttl", "error"), BAD_TTLS)
def test_bad_ttl_on_set(skv: SyncKV, ttl, error):
    with pytest.raises(error) as info:
        skv.set("k", "v", ttl=ttl)
    if error is ValueError:
        assert isinstance(info.value, InvalidArgumentError)
        assert "ttl" in str(info.value)
    assert skv.exists("k") is False


@pytest.mark.parametrize(("ttl", "error"), BAD_TTLS[:6])
def test_bad_ttl_on_expire_and_set_many(skv: SyncKV, ttl, error):
    skv.set("k", "v")
    with pytest.raises(error):
        skv.expire("k", ttl)
    with pytest.raises(error):
        skv.set_many({"a": 1}, ttl=ttl)
    assert skv.ttl("k") == math.inf
    assert skv.exists("a") is False


def test_timedelta_ttl_is_accepted(skv: SyncKV):
    skv.set("k", "v", ttl=timedelta(minutes=1))
    assert 58 < skv.ttl("k") <= 60


@pytest.mark.parametrize(
    ("key", "error"),
    [("", ValueError), ("x" * 70_000, ValueError), (12, TypeError), (b"bytes", TypeError), (None, TypeError)],
    ids=["empty", "too-long", "int", "bytes", "none"],
)
def test_bad_keys(skv: SyncKV, key, error):
    with pytest.raises(error):
        skv.set(key, "v")
    with pytest.raises(error):
        skv.get(key)


def test_nx_and_xx_together(skv: SyncKV):
    with pytest.raises(ValueError, match="nx and xx"):
        skv.set("k", "v", nx=True, xx=True)


@pytest.mark.parametrize(
    ("value", "error"),
    [(None, ValueError), (object(), TypeError), ([1, object()], TypeError)],
    ids=["none", "object", "nested-object"],
)
def test_unstorable_values(skv: SyncKV, value, error):
    with pytest.raises(error):
        skv.set("k", value)
    assert skv.exists("k") is False


@pytest.mark.parametrize(
    ("amount", "error"), [(2**64, ValueError), (1.5, TypeError), ("1", TypeError), (True, TypeError)]
)
def test_bad_incr_amounts(skv: SyncKV, amount, error):
    with pytest.raises(error):
        skv.incr("n", amount)
    assert skv.exists("n") is False


def test_decr_of_the_smallest_int(skv: SyncKV):
    with pytest.raises(ValueError):
        skv.decr("n", -(2**63))


@pytest.mark.parametrize("limit", [0, -1, 10_001])
def test_bad_scan_limits(skv: SyncKV, limit):
    with pytest.raises(ValueError, match="limit"):
        skv.scan("", limit=limit)


@pytest.mark.parametrize("ttl", [0, -3, math.nan])
def test_bad_lock_lease(skv: SyncKV, ttl):
    with pytest.raises(ValueError):
        skv.lock("l", ttl=ttl).acquire()


def test_bad_lock_arguments(skv: SyncKV):
    with pytest.raises(ValueError):
        skv.lock("l", timeout=-1)
    with pytest.raises(ValueError):
        skv.lock("", ttl=1).acquire()


def test_bad_batch_operations_apply_nothing(skv: SyncKV):
    b = skv.batch().set("a", 1).set("b", 2, ttl=-1)
    with pytest.raises(ValueError):
        b.execute()
    assert skv.get_many(["a", "b"]) == [None, None]


def test_bad_namespace(skv: SyncKV):
    with pytest.raises(ValueError):
        skv.namespace("")


def test_bad_model_argument(skv: SyncKV):
    skv.set("k", "{}")
    with pytest.raises(TypeError, match="model="):
        skv.get("k", model=dict)
    with pytest.raises(TypeError, match="model="):
        skv.get("k", model=3)


def test_iterable_of_keys_expected(skv: SyncKV):
    with pytest.raises(TypeError, match="iterable"):
        skv.get_many("abc")


@pytest.mark.parametrize(
    "url",
    [
        "",
        "ftp://x",
        "file://remotehost/x.redb",
        "memory://?durability=sometimes",
        "file:///tmp/x.redb?bogus=1",
        "redis://h?pool_size=0",
        "rediss://h",
    ],
)
def test_bad_urls(url):
    with pytest.raises(ValueError) as info:
        KV.open(url)
    assert isinstance(info.value, OuroborosError)


def test_missing_folder(tmp_path):
    with pytest.raises(OSError, match="does not exist"):
        SyncKV.open((tmp_path / "no" / "such" / "store.redb").as_uri())
