"""Sync handlers and sync dependencies run on a pool sized like AnyIO's (40
threads), not on asyncio's default executor (six threads on two cores)."""

import asyncio
import threading
import time

import httpx
import pytest

from ouroboros.api import App, Depends, TestClient

N = 40
running = {"now": 0, "max": 0}
lock = threading.Lock()
all_in = threading.Event()


def _enter_and_wait() -> None:
    with lock:
        running["now"] += 1
        running["max"] = max(running["max"], running["now"])
        if running["now"] >= N:
            all_in.set()
    try:
        # Each call waits until every other one is running too (or gives up):
        # only a pool of >= N threads lets all of them in at once.
        all_in.wait(timeout=10)
    finally:
        with lock:
            running["now"] -= 1


app = App()


@app.get("/block/{n}")
def block(n: int):
    _enter_and_wait()
    return {"n": n, "thread": threading.current_thread().name}


def blocking_dep() -> int:
    _enter_and_wait()
    return 1


@app.get("/dep/{n}")
async def with_dep(n: int, one: int = Depends(blocking_dep)):
    return {"n": n + one}


def _overlap(client: TestClient, path: str) -> list[dict]:
    running["max"] = 0
    all_in.clear()

    async def main():
        limits = httpx.Limits(max_connections=N + 5)
        async with httpx.AsyncClient(base_url=client.base_url, limits=limits, timeout=30) as c:
            return await asyncio.gather(*(c.get(f"{path}/{i}") for i in range(N)))

    responses = asyncio.run(main())
    assert [r.status_code for r in responses] == [200] * N
    return [r.json() for r in responses]


def test_sync_handlers_run_forty_at_once(client):
    bodies = _overlap(client, "/block")
    assert sorted(b["n"] for b in bodies) == list(range(N))
    assert running["max"] >= 30, running
    assert all(b["thread"].startswith("ouroboros-api") for b in bodies)
    assert running["now"] == 0


def test_sync_dependencies_share_the_pool(client):
    bodies = _overlap(client, "/dep")
    assert sorted(b["n"] for b in bodies) == list(range(1, N + 1))
    assert running["max"] >= 30, running


def test_pool_size_is_configurable():
    small = App(thread_pool_size=2)
    assert small.thread_pool.size == 2
    inside = {"now": 0, "max": 0}
    guard = threading.Lock()

    @small.get("/s")
    def s():
        with guard:
            inside["now"] += 1
            inside["max"] = max(inside["max"], inside["now"])
        time.sleep(0.05)
        with guard:
            inside["now"] -= 1
        return {}

    with TestClient(small) as c:

        async def main():
            async with httpx.AsyncClient(base_url=c.base_url) as ac:
                return await asyncio.gather(*(ac.get("/s") for _ in range(8)))

        assert [r.status_code for r in asyncio.run(main())] == [200] * 8
    # Two threads: never more than two handlers at once.
    assert 1 <= inside["max"] <= 2


def test_pool_size_from_the_environment(monkeypatch):
    monkeypatch.setenv("OUROBOROS_API_THREAD_POOL_SIZE", "7")
    assert App().thread_pool.size == 7
    assert App(thread_pool_size=3).thread_pool.size == 3
    monkeypatch.delenv("OUROBOROS_API_THREAD_POOL_SIZE")
    assert App().thread_pool.size == 40


@pytest.mark.parametrize("bad", [0, -1, True, "8"])
def test_bad_pool_size_is_a_clear_error(bad):
    from ouroboros.core import InvalidArgumentError

    with pytest.raises(InvalidArgumentError, match="thread_pool_size must be a positive integer"):
        App(thread_pool_size=bad)


def test_bad_pool_size_in_the_environment(monkeypatch):
    from ouroboros.core import InvalidArgumentError

    monkeypatch.setenv("OUROBOROS_API_THREAD_POOL_SIZE", "many")
    with pytest.raises(InvalidArgumentError, match="OUROBOROS_API_THREAD_POOL_SIZE='many' is not an integer"):
        App()
