"""Many requests in flight at once: each gets its own answer, the loop is
never blocked, and a failing stream ends its body without hurting others."""

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from ouroboros.api import App, StreamingResponse

app = App()
in_flight = {"now": 0, "max": 0}


@app.get("/echo/{n}")
async def echo(n: int, delay: float = 0.0):
    in_flight["now"] += 1
    in_flight["max"] = max(in_flight["max"], in_flight["now"])
    try:
        if delay:
            await asyncio.sleep(delay)
        return {"n": n}
    finally:
        in_flight["now"] -= 1


@app.get("/sync/{n}")
def sync_echo(n: int):
    time.sleep(0.01)
    return {"n": n}


@app.get("/big")
async def big():
    return {"items": [{"i": i, "name": f"item-{i}"} for i in range(20_000)]}


@app.get("/broken-stream")
async def broken_stream():
    async def gen():
        yield b"first,"
        raise RuntimeError("generator failed")

    return StreamingResponse(gen(), media_type="text/plain")


def test_parallel_requests_get_their_own_answers(client):
    def one(n: int) -> int:
        with httpx.Client(base_url=client.base_url) as c:
            return c.get(f"/echo/{n}", params={"delay": 0.01 if n % 2 else 0}).json()["n"]

    with ThreadPoolExecutor(32) as pool:
        assert list(pool.map(one, range(120))) == list(range(120))


def test_sleeping_handlers_overlap(client):
    async def main():
        async with httpx.AsyncClient(base_url=client.base_url) as c:
            results = await asyncio.gather(*(c.get(f"/echo/{i}", params={"delay": 0.2}) for i in range(30)))
            return [r.json()["n"] for r in results]

    in_flight["max"] = 0
    assert asyncio.run(main()) == list(range(30))
    # Handlers waiting on the loop do not block each other.
    assert in_flight["max"] > 1
    assert in_flight["now"] == 0


def test_sync_handlers_run_in_the_pool(client):
    def one(n: int) -> int:
        return httpx.get(f"{client.base_url}/sync/{n}").json()["n"]

    with ThreadPoolExecutor(8) as pool:
        assert sorted(pool.map(one, range(40))) == list(range(40))


def test_large_response(client):
    r = client.get("/big")
    items = r.json()["items"]
    assert len(items) == 20_000
    assert items[-1] == {"i": 19_999, "name": "item-19999"}


def test_failing_stream_ends_the_body_and_the_server_goes_on(client):
    with httpx.stream("GET", f"{client.base_url}/broken-stream") as r:
        body = b""
        try:
            for chunk in r.iter_bytes():
                body += chunk
        except httpx.RemoteProtocolError:
            pass
    assert body.startswith(b"first,")
    assert client.get("/echo/1").json() == {"n": 1}


@pytest.mark.asyncio
async def test_async_test_client():
    from ouroboros.api import AsyncTestClient

    async with AsyncTestClient(app) as c:
        results = await asyncio.gather(*(c.get(f"/echo/{i}") for i in range(20)))
        assert [r.json()["n"] for r in results] == list(range(20))
        assert c.base_url.startswith("http://127.0.0.1:")


@pytest.mark.asyncio
async def test_async_test_client_needs_async_with():
    from ouroboros.api import AsyncTestClient

    with pytest.raises(AttributeError, match="async with"):
        AsyncTestClient(app).get
