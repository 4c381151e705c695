"""The asyncio bridge: many loops, many requests in flight, cancellation, threads."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading

import pytest

from ouroboros.core import InternalError
from ouroboros.http import Client, ConnectError, HttpClient, Limits


def test_one_client_on_several_event_loops(base):
    client = HttpClient()

    async def one() -> int:
        return (await client.get(base + "/json")).status_code

    assert asyncio.run(one()) == 200
    assert asyncio.run(one()) == 200  # a new loop gets its own completer
    asyncio.run(client.aclose())


def test_loops_in_parallel_threads(base):
    results: list[int] = []

    def run() -> None:
        async def main() -> None:
            async with HttpClient() as c:
                rs = await asyncio.gather(*(c.get(base + "/json") for _ in range(20)))
                results.extend(r.status_code for r in rs)

        asyncio.run(main())

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [200] * 60


@pytest.mark.asyncio
async def test_many_requests_in_flight(base):
    async with HttpClient(limits=Limits(max_connections=None)) as c:
        rs = await asyncio.gather(*(c.get(base + "/echo", params={"i": str(i)}) for i in range(300)))
        assert [r.json()["query"][0][1] for r in rs] == [str(i) for i in range(300)]


@pytest.mark.asyncio
async def test_successes_and_failures_in_one_batch(base, closed_port):
    async with HttpClient() as c:
        coros = [c.get(base + "/json") if i % 2 else c.get(closed_port + "/x") for i in range(40)]
        results = await asyncio.gather(*coros, return_exceptions=True)
        assert [type(r).__name__ for r in results] == ["ConnectError", "Response"] * 20
        assert all(isinstance(r, ConnectError) for r in results[::2])


@pytest.mark.asyncio
async def test_cancelling_many_requests_leaves_the_client_usable(stall_server, base):
    async with HttpClient(limits=Limits(max_connections=10)) as c:
        tasks = [asyncio.ensure_future(c.get(stall_server.url + f"/{i}")) for i in range(10)]
        await asyncio.sleep(0.1)
        for t in tasks:
            t.cancel()
        done = await asyncio.gather(*tasks, return_exceptions=True)
        assert all(isinstance(d, asyncio.CancelledError) for d in done)
        rs = await asyncio.gather(*(c.get(base + "/json") for _ in range(10)))
        assert {r.status_code for r in rs} == {200}


@pytest.mark.asyncio
async def test_sync_client_inside_a_running_loop(base):
    # Blocking calls from async code are the caller's choice; they must still work.
    with Client() as c:
        assert c.get(base + "/json").status_code == 200


@pytest.mark.asyncio
async def test_a_rust_panic_is_an_internal_error():
    from ouroboros.http import _http

    with pytest.raises(InternalError, match="boom"):
        _http._selftest_panic("boom")
    with pytest.raises(InternalError, match="panic requested"):
        await _http._selftest_sleep(1, 1, True)


def test_requests_need_a_running_loop(base):
    client = HttpClient()
    with pytest.raises(RuntimeError, match="no running event loop"):
        client.get(base + "/json")


def test_works_under_uvloop(base):
    uvloop = pytest.importorskip("uvloop")

    async def main() -> list[int]:
        async with HttpClient() as c:
            rs = await asyncio.gather(*(c.get(base + "/json") for _ in range(50)))
            return [r.status_code for r in rs]

    assert uvloop.run(main()) == [200] * 50


@pytest.mark.asyncio
async def test_successful_requests_leak_nothing(base):
    import os

    def rss_mb() -> float:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024

    # Enough keep-alive slots that the pool does not churn: the in-process test
    # server closes its side of a dropped connection lazily, which would count here.
    async with HttpClient(limits=Limits(max_keepalive_connections=100)) as c:
        for _ in range(10):
            await asyncio.gather(*(c.get(base + "/json") for _ in range(50)))
        fds, rss = len(os.listdir("/proc/self/fd")), rss_mb()
        for _ in range(60):
            rs = await asyncio.gather(*(c.get(base + "/json") for _ in range(50)))
            assert all(r.json()["id"] == 1 for r in rs)
        # 3,000 requests: a leak per request would show thousands of fds. More pooled
        # connections are legitimate: a reply can reach Python before its connection is back
        # in the pool, and the next gather then opens one (CI saw +6 fds once). The pool keeps
        # at most 100, 50 are open already, and each costs 2 fds here (the server is in-process).
        assert len(os.listdir("/proc/self/fd")) - fds <= 2 * (100 - 50)
        assert rss_mb() - rss < 40


def test_one_client_shared_by_threads_with_their_own_loops(base):
    client = HttpClient()
    results: list[int] = []

    def run() -> None:
        async def main() -> None:
            for _ in range(5):
                results.append((await client.get(base + "/json")).status_code)
                await asyncio.sleep(0)

        asyncio.run(main())

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [200] * 15
    for _ in range(3):
        asyncio.run(asyncio.sleep(0))
    assert asyncio.run(_one(client, base)) == 200


async def _one(client: HttpClient, base: str) -> int:
    return (await client.get(base + "/json")).status_code


@pytest.mark.asyncio
async def test_closed_async_client_refuses_requests(base):
    from ouroboros.http import ClientClosed

    async with HttpClient() as c:
        assert not c.is_closed
    assert c.is_closed
    with pytest.raises(ClientClosed, match="closed"):
        await c.get(base + "/json")
    with pytest.raises(ClientClosed):
        async with c.stream("GET", base + "/json"):
            pass


def _workers_in_child(cpus: set[int] | None, env_value: str | None) -> int:
    """worker_threads of a fresh process's runtime, run on `cpus` (None: as we are)."""
    env = {k: v for k, v in os.environ.items() if k != "OUROBOROS_WORKER_THREADS"}
    if env_value is not None:
        env["OUROBOROS_WORKER_THREADS"] = env_value
    code = (
        "import os, sys\n"
        "cpus = sys.argv[1]\n"
        "if cpus: os.sched_setaffinity(0, {int(c) for c in cpus.split(',')})\n"
        "from ouroboros.http import _http\n"
        "print(_http._runtime_info()['worker_threads'])\n"
    )
    arg = ",".join(str(c) for c in sorted(cpus)) if cpus else ""
    out = subprocess.run([sys.executable, "-c", code, arg], env=env, capture_output=True, text=True, check=True)
    return int(out.stdout)


def test_runtime_workers_follow_the_cpus_the_process_may_use():
    allowed = os.sched_getaffinity(0)
    one = {min(allowed)}
    # Pinned to one CPU (taskset, a cgroup), a second worker only adds context switches.
    assert _workers_in_child(one, None) == 1
    assert _workers_in_child(None, None) == min(2, len(allowed))
    # The variable still wins.
    assert _workers_in_child(one, "3") == 3
