"""`redis+cluster://`: a private three-node Redis Cluster started by the test
(redis-server and redis-cli, as installed by scripts/services)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest

from ouroboros.core import InvalidArgumentError
from ouroboros.kv import KV, KVCommandError, SyncKV


def _free_port() -> int:
    """A free port whose cluster bus port (port + 10000) is free too."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port + 10000 > 65535:
            continue
        with socket.socket() as bus:
            try:
                bus.bind(("127.0.0.1", port + 10000))
            except OSError:
                continue
        return port


def _pong(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _cli(port: int, *args: str) -> str:
    out = subprocess.run(["redis-cli", "-p", str(port), *args], capture_output=True, text=True, timeout=30, check=False)
    return out.stdout


@pytest.fixture(scope="module")
def cluster_url(tmp_path_factory) -> Iterator[str]:
    if not (shutil.which("redis-server") and shutil.which("redis-cli")):
        reason = "redis-server/redis-cli not found (scripts/services start installs them)"
        if os.environ.get("OUROBOROS_REQUIRE_SERVICES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    folder = tmp_path_factory.mktemp("cluster")
    ports = [_free_port() for _ in range(3)]
    procs = []
    for port in ports:
        args = ["--port", str(port), "--bind", "127.0.0.1", "--cluster-enabled", "yes"]
        args += [
            "--cluster-config-file",
            f"nodes-{port}.conf",
            "--dir",
            str(folder),
            "--save",
            "",
            "--appendonly",
            "no",
        ]
        procs.append(subprocess.Popen(["redis-server", *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    try:
        # Generous bounds: on a loaded two-core machine starting three
        # servers can take a while; the tests themselves are not timed.
        deadline = time.monotonic() + 50
        while not all(_pong(p) for p in ports):
            assert time.monotonic() < deadline, "cluster nodes did not start"
            time.sleep(0.1)
        nodes = [f"127.0.0.1:{p}" for p in ports]
        subprocess.run(
            ["redis-cli", "--cluster", "create", *nodes, "--cluster-replicas", "0", "--cluster-yes"],
            capture_output=True,
            timeout=60,
            check=True,
        )
        while any("cluster_state:ok" not in _cli(p, "cluster", "info") for p in ports):
            assert time.monotonic() < deadline + 40, "cluster did not become ready"
            time.sleep(0.1)
        yield f"redis+cluster://{nodes[0]},{nodes[1]}"
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=10)


@pytest.fixture
def ckv(cluster_url: str) -> SyncKV:
    return SyncKV.open(cluster_url)


def test_keys_spread_over_the_slots(ckv: SyncKV):
    assert ckv.backend == "redis-cluster"
    items = {f"user:{i}": {"id": i} for i in range(50)}
    ckv.set_many(items)
    for key, value in items.items():
        assert ckv.get(key) == value
    assert ckv.get_many(list(items)) == list(items.values())
    assert ckv.delete_many(list(items)) == 50
    ckv.set_many(items, ttl=30)
    assert ckv.get_many(list(items)) == list(items.values())
    assert all(28 < ckv.ttl(k) <= 30 for k in items)


def test_counters_ttl_and_cas(ckv: SyncKV):
    assert ckv.incr("c", 5) == 5
    assert ckv.set("t", "v", ttl=30) is True
    assert 28 < ckv.ttl("t") <= 30
    assert ckv.compare_and_swap("t", "v", "w") is True
    assert ckv.get("t") == "w"
    assert ckv.set("t", "x", nx=True) is False


def test_lock_and_fencing_token_share_a_slot(ckv: SyncKV):
    with ckv.lock("report", ttl=5) as first:
        token = first.token
    with ckv.lock("report", ttl=5) as second:
        assert second.token == token + 1


def test_batch_keys_share_one_slot(ckv: SyncKV):
    assert ckv.batch().set("{cart}a", 1).incr("{cart}a").set("{cart}b", 2, ttl=10).execute() == [True, 2, True]
    with pytest.raises(KVCommandError, match="one hash slot"):
        ckv.batch().set("a", 1).set("b", 2).set("c", 3).execute()


def test_scan_walks_every_primary(ckv: SyncKV, cluster_url: str):
    keys = {f"scan:{i}" for i in range(300)}
    ckv.set_many(dict.fromkeys(keys, 1))
    ckv.set_many({f"other:{i}": 1 for i in range(50)})
    seen: list[str] = []
    cursor, pages = None, 0
    while True:
        page, cursor = ckv.scan("scan:", cursor=cursor, limit=40)
        seen += page
        pages += 1
        if cursor is None:
            break
        # host:port/cursor of the node being walked
        assert "/" in cursor and ":" in cursor
    assert set(seen) == keys
    assert pages >= 3
    # Three primaries, each holding part of the keys: all were walked.
    ports = {int(n.rsplit(":", 1)[1]) for n in cluster_url.removeprefix("redis+cluster://").split(",")}
    assert all(int(_cli(p, "dbsize").strip() or 0) > 0 for p in ports)
    assert set(ckv.scan_iter("scan:", batch=7)) == keys
    assert set(ckv.namespace("scan").scan_iter("")) == {k.removeprefix("scan:") for k in keys}
    assert ckv.scan("nothing-here:") == ([], None)


@pytest.mark.asyncio
async def test_async_scan_on_the_cluster(cluster_url: str):
    kv = KV.open(cluster_url)
    await kv.set_many({f"ascan:{i}": i for i in range(60)})
    found = [k async for k in kv.scan_iter("ascan:", batch=9)]
    assert sorted(found) == sorted(f"ascan:{i}" for i in range(60))


@pytest.mark.parametrize("cursor", ["nonsense", "127.0.0.1/5", "127.0.0.1:x/5", "127.0.0.1:7000/abc"])
def test_scan_rejects_a_foreign_cursor(ckv: SyncKV, cursor: str):
    with pytest.raises(InvalidArgumentError, match="cluster scan cursor"):
        ckv.scan("scan:", cursor=cursor)
