"""What only the embedded file store promises: one owner process, shared
across threads, crash safety under SIGKILL, background reclamation."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ouroboros.kv import KV, StorageError, StoreClosedError, StoreLockedError, SyncKV

HERE = Path(__file__).parent


def _wait_for(predicate, limit: float = 20.0) -> bool:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def _other_process(url: str, code: str) -> subprocess.CompletedProcess:
    script = f"from ouroboros.kv import SyncKV\nkv = SyncKV.open({url!r})\n{code}"
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False)


def test_a_second_process_gets_a_clear_error(tmp_path):
    url = (tmp_path / "s.redb").as_uri()
    kv = SyncKV.open(url)
    kv.set("k", "v")
    other = _other_process(url, "print(kv.get('k'))")
    assert other.returncode != 0
    assert "StoreLockedError" in other.stderr
    assert "already open in another process" in other.stderr
    assert str(tmp_path / "s.redb") in other.stderr
    kv.close()
    freed = _other_process(url, "print(kv.get('k'))")
    assert freed.returncode == 0, freed.stderr
    assert freed.stdout.strip() == "v"


def test_store_locked_error_types():
    assert issubclass(StoreLockedError, OSError)


def test_one_process_shares_one_store(tmp_path):
    url = (tmp_path / "s.redb").as_uri()
    a, b = SyncKV.open(url), KV.open(url)
    a.set("k", 1)
    assert b._stored_entries() == (1, 0)
    assert SyncKV.open(url).get("k") == 1


def test_closed_store_raises(tmp_path):
    kv = SyncKV.open((tmp_path / "s.redb").as_uri())
    ns = kv.namespace("n")
    kv.close()
    with pytest.raises(StoreClosedError, match="closed"):
        kv.get("k")
    with pytest.raises(StoreClosedError):
        ns.set("k", 1)


def test_data_survives_reopen(tmp_path):
    url = (tmp_path / "s.redb").as_uri()
    with SyncKV.open(url) as kv:
        kv.set_many({f"k{i}": i for i in range(100)})
        kv.set("t", "v", ttl=3600)
    with SyncKV.open(url) as kv:
        assert kv.get_many([f"k{i}" for i in range(100)]) == list(range(100))
        assert 3500 < kv.ttl("t") <= 3600


def test_a_file_that_is_not_a_store(tmp_path):
    path = tmp_path / "junk.redb"
    path.write_bytes(b"this is not a redb file" * 100)
    with pytest.raises(StorageError) as info:
        SyncKV.open(path.as_uri())
    assert str(path) in str(info.value)


def test_memory_stores_are_separate():
    a, b = SyncKV.open("memory://"), SyncKV.open("memory://")
    a.set("k", 1)
    assert b.get("k") is None


@pytest.mark.parametrize("scheme", ["file", "memory"])
def test_expired_entries_are_reclaimed_in_the_background(tmp_path, scheme):
    url = (
        "memory://?reap_interval=0.05" if scheme == "memory" else (tmp_path / "s.redb").as_uri() + "?reap_interval=0.05"
    )
    kv = SyncKV.open(url)
    # Two seconds: long enough that the count below is taken before expiry
    # even on a stalled machine; the wait afterwards has no timing assertion.
    kv.set_many({f"e{i}": i for i in range(300)}, ttl=2)
    kv.set("keep", 1, ttl=3600)
    kv.set("forever", 2)
    assert kv._stored_entries()[0] == 302
    assert _wait_for(lambda: kv._stored_entries() == (2, 1)), kv._stored_entries()
    assert kv.get_many(["e0", "keep", "forever"]) == [None, 1, 2]


def test_overwriting_a_ttl_key_keeps_the_index_exact(tmp_path):
    kv = SyncKV.open((tmp_path / "s.redb").as_uri())
    kv.set("k", 1, ttl=100)
    kv.set("k", 2, ttl=200)
    kv.incr("k")
    assert kv._stored_entries() == (1, 1)
    kv.persist("k")
    assert kv._stored_entries() == (1, 0)
    kv.expire("k", 5)
    kv.delete("k")
    assert kv._stored_entries() == (0, 0)


def test_failed_batch_on_the_embedded_store_rolls_back(tmp_path):
    kv = SyncKV.open((tmp_path / "s.redb").as_uri())
    kv.set("text", "abc")
    with pytest.raises(ValueError):
        kv.batch().set("a", 1).incr("text").execute()
    assert kv.get("a") is None


@pytest.mark.parametrize("durability", ["immediate", "eventual"])
def test_sigkill_during_acknowledged_writes(tmp_path, durability):
    """Kill the writer mid-stream; every acknowledged write must be there."""
    url = (tmp_path / "crash.redb").as_uri() + f"?durability={durability}"
    log = tmp_path / "crash.redb.log"
    # eventual: past the 64 non-durable commits after which the change log
    # is taken into the store, so the kill lands after a checkpoint.
    per_round = 150 if durability == "immediate" else 400
    replayed = []
    acked = -1
    for round_ in range(2):
        start = acked + 1
        child = subprocess.Popen(
            [sys.executable, str(HERE / "durability_writer.py"), url, str(start)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready", child.stderr.read() if child.stderr else ""
        target = start + per_round + 37 * round_
        for line in child.stdout:
            acked = int(line.split()[1])
            if acked >= target:
                break
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
        assert child.returncode == -signal.SIGKILL
        child.stdout.close()
        if child.stderr:
            child.stderr.close()
        replayed.append(log.stat().st_size if log.exists() else 0)

        kv = SyncKV.open(url)
        for n in range(acked + 1):
            assert kv.get(f"k{n:07}") == f"value-{n}-" + "x" * (n % 200), n
            if n % 10 == 0:
                assert kv.get_many([f"m{n:07}:{j}" for j in range(5)]) == [n * 10 + j for j in range(5)]
        # Not corrupt: a full scan reads every entry and the store takes writes.
        keys = list(kv.scan_iter("k"))
        assert keys == sorted(keys) and len(keys) >= acked + 1
        kv.set("after-crash", round_)
        assert kv.get("after-crash") == round_
        kv.close()
    if durability == "eventual":
        # The acknowledged writes after the last checkpoint came back from the log.
        assert any(replayed), replayed
        assert log.stat().st_size == 0
    else:
        assert replayed == [0, 0]
