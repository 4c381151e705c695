"""Requests run by the server's I/O thread while the asyncio loop waits.

The server runs a batch on its I/O thread when the loop's thread is blocked in
its selector (`_serve.GatedSelector`). Handlers must not be able to tell:
what a batch leaves for the loop (tasks, timers, resolved futures) runs at
once, the running loop and the context are the loop's, and Python code of the
loop and of a batch never interleave.
"""

import asyncio
import contextvars
import threading
import time

import httpx
import pytest

from ouroboros.api import App, TestClient
from ouroboros.api._serve import GatedSelector
from ouroboros.validation import BaseModel

app = App()
events: dict[str, threading.Event] = {}
seen: dict[str, object] = {}
request_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_var", default="unset")


def event(name: str) -> threading.Event:
    return events.setdefault(name, threading.Event())


@app.get("/spawn")
async def spawn():
    async def later():
        event("spawned").set()

    # Fire and forget: the loop must wake up for it, no other request comes.
    asyncio.get_running_loop().create_task(later())
    return {"ok": True}


@app.get("/timer")
async def timer():
    asyncio.get_running_loop().call_later(0.05, event("timer").set)
    return {"ok": True}


@app.get("/resolve")
async def resolve():
    fut = seen["future"]
    fut.set_result("resolved")  # its waiter runs on the loop
    return {"ok": True}


@app.get("/sleep/{n}")
async def sleep(n: int):
    await asyncio.sleep(0.01)
    return {"n": n}


@app.get("/plain/{n}")
async def plain(n: int):
    return {"n": n}


@app.get("/sync/{n}")
def sync(n: int):
    return {"n": n}


@app.get("/loop")
async def loop_of_handler():
    return {"same": asyncio.get_running_loop() is seen.get("loop")}


@app.get("/counter")
async def counter():
    # No await between the read and the write: asyncio code relies on this
    # running without any other Python code of the loop interleaving.
    value = seen.get("counter", 0)
    for _ in range(200):
        pass
    seen["counter"] = value + 1
    return {"ok": True}


@pytest.fixture(scope="module")
def client():
    with TestClient(app) as c:
        yield c


def test_the_loop_of_a_test_client_is_gated(client):
    assert isinstance(_loop_of(client)._selector, GatedSelector)


def test_a_task_created_by_a_handler_runs_without_another_request(client):
    assert client.get("/spawn").json() == {"ok": True}
    assert event("spawned").wait(5)


def test_a_timer_set_by_a_handler_fires(client):
    started = time.monotonic()
    assert client.get("/timer").json() == {"ok": True}
    assert event("timer").wait(5)
    assert time.monotonic() - started < 4


def test_a_future_resolved_by_a_handler_wakes_its_waiter(client):
    loop = _loop_of(client)
    done = threading.Event()
    result = {}

    async def wait_for_it():
        fut = loop.create_future()
        seen["future"] = fut
        ready.set()
        result["value"] = await fut
        done.set()

    ready = threading.Event()
    asyncio.run_coroutine_threadsafe(wait_for_it(), loop)
    assert ready.wait(5)
    assert client.get("/resolve").json() == {"ok": True}
    assert done.wait(5)
    assert result["value"] == "resolved"


def test_handlers_see_the_loop_as_running_loop(client):
    seen["loop"] = _loop_of(client)
    assert client.get("/loop").json() == {"same": True}


def test_handlers_that_wait_sync_handlers_and_plain_ones_answer_each_request(client):
    base = client.base_url
    results: dict[int, object] = {}

    def call(i: int) -> None:
        kind = ("sleep", "plain", "sync")[i % 3]
        with httpx.Client(timeout=20) as h:
            for j in range(20):
                n = i * 100 + j
                results[n] = h.get(f"{base}/{kind}/{n}").json()

    threads = [threading.Thread(target=call, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(results) == 12 * 20
    assert all(body == {"n": n} for n, body in results.items())


def test_loop_code_and_batches_never_interleave(client):
    loop = _loop_of(client)
    seen["counter"] = 0
    stop = threading.Event()
    bumps = {"loop": 0}

    async def bump_on_the_loop():
        # Read-modify-write with a busy loop in between, on the loop's thread.
        while not stop.is_set():
            value = seen["counter"]
            for _ in range(200):
                pass
            seen["counter"] = value + 1
            bumps["loop"] += 1
            await asyncio.sleep(0)

    future = asyncio.run_coroutine_threadsafe(bump_on_the_loop(), loop)
    base = client.base_url

    def call() -> None:
        with httpx.Client(timeout=20) as h:
            for _ in range(100):
                h.get(f"{base}/counter")

    threads = [threading.Thread(target=call) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    stop.set()
    future.result(10)
    # No increment was lost: the loop's code and handlers ran one at a time.
    assert seen["counter"] == 800 + bumps["loop"]


def serve_in_thread(served: App, *, debug: bool) -> tuple[str, dict[str, object], threading.Thread]:
    """Serve ``served`` on a loop of our own, with ``request_var`` set where
    ``serve`` is awaited; ``after`` gets the loop's selector once ``serve``
    has returned."""
    started = threading.Event()
    info: dict[str, object] = {}

    def on_started(server, addr):
        info["url"] = f"http://{addr[0]}:{addr[1]}"
        started.set()

    async def main():
        loop = asyncio.get_running_loop()
        info["before"] = loop._selector
        request_var.set("set before serving")
        await served.serve("127.0.0.1", 0, install_signal_handlers=False, started=on_started)
        info["after"] = loop._selector

    thread = threading.Thread(target=lambda: asyncio.run(main(), debug=debug), daemon=True)
    thread.start()
    assert started.wait(20)
    return str(info["url"]), info, thread


def test_a_loop_in_debug_mode_keeps_the_usual_path():
    debug_app = App()

    @debug_app.get("/spawn")
    async def spawn_debug():
        async def later():
            event("debug-spawned").set()

        asyncio.get_running_loop().create_task(later())
        return {"selector": type(asyncio.get_running_loop()._selector).__name__}

    url, _, thread = serve_in_thread(debug_app, debug=True)
    try:
        response = httpx.get(f"{url}/spawn", timeout=10)
        assert response.json() == {"selector": "EpollSelector"}
        assert event("debug-spawned").wait(5)
    finally:
        debug_app._server.shutdown()
        thread.join(20)


def test_model_bodies_on_the_usual_path():
    """A loop in debug mode runs every batch itself: model bodies, sent whole
    or in two pieces, are validated whole there too."""
    body_app = App()

    class Point(BaseModel):
        x: int
        y: int

    @body_app.post("/point")
    async def point(p: Point):
        return {"sum": p.x + p.y}

    url, _, thread = serve_in_thread(body_app, debug=True)
    try:
        assert httpx.post(f"{url}/point", json={"x": 1, "y": 2}, timeout=10).json() == {"sum": 3}

        def pieces():
            yield b'{"x": 4,'
            time.sleep(0.2)
            yield b' "y": 5}'

        response = httpx.post(
            f"{url}/point",
            content=pieces(),
            headers={"content-type": "application/json", "content-length": "16"},
            timeout=10,
        )
        assert response.json() == {"sum": 9}
        bad = httpx.post(f"{url}/point", json={"x": 1}, timeout=10)
        assert bad.status_code == 422
        assert bad.json()["detail"][0]["loc"] == ["body", "y"]
    finally:
        body_app._server.shutdown()
        thread.join(20)


def test_the_selector_is_restored_when_the_server_stops():
    plain_app = App()

    @plain_app.get("/x")
    async def x():
        return {"selector": type(asyncio.get_running_loop()._selector).__name__, "var": request_var.get()}

    url, info, thread = serve_in_thread(plain_app, debug=False)
    try:
        # Handlers see the context variables of the code that started the server.
        for _ in range(20):
            body = httpx.get(f"{url}/x", timeout=10).json()
            assert body == {"selector": "GatedSelector", "var": "set before serving"}
    finally:
        plain_app._server.shutdown()
        thread.join(20)
    assert info["after"] is info["before"]
    assert not isinstance(info["after"], GatedSelector)


def _loop_of(client: TestClient) -> asyncio.AbstractEventLoop:
    client.get("/plain/0")  # started
    loop = client._running.loop
    assert isinstance(loop, asyncio.AbstractEventLoop)
    return loop
