"""``Depends(max_concurrency=)``: one limit per declaration, shared by every
route using it, held by a yield dependency until its exit code ran."""

import asyncio
import dataclasses
import threading
import time
from typing import Annotated

import anyio
import anyio.from_thread
import httpx
import pytest

from ouroboros.api import App, Depends, HTTPException, Security, TestClient


def test_declaration_is_a_frozen_dataclass_keeping_its_accounting():
    def dep() -> int:
        return 1

    declaration = Depends(dep, max_concurrency=2)
    assert dataclasses.replace(declaration, use_cache=False)._concurrency is declaration._concurrency
    assert dataclasses.replace(declaration, max_concurrency=3)._concurrency is not declaration._concurrency
    assert Depends(dep)._concurrency is None
    assert Security(dep, scopes=["a"]).scopes == ["a"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        declaration.use_cache = False  # type: ignore[misc]
    for bad in (0, -1, True, 1.5):
        with pytest.raises(ValueError, match="max_concurrency"):
            Depends(dep, max_concurrency=bad)


def test_one_declaration_limits_every_route_that_uses_it():
    state = {"active": 0, "peak": 0}

    async def guarded():
        state["active"] += 1
        state["peak"] = max(state["peak"], state["active"])
        await asyncio.sleep(0.05)
        state["active"] -= 1
        yield "ok"

    Limited = Annotated[str, Depends(guarded, max_concurrency=2)]
    app = App()

    @app.get("/one")
    async def one(value: Limited):
        return value

    @app.get("/two")
    async def two(value: Limited):
        return value

    async def burst(base: str) -> list[int]:
        async with httpx.AsyncClient(base_url=base) as c:
            answers = await asyncio.gather(*(c.get(p) for p in ["/one", "/two"] * 4))
        return [a.status_code for a in answers]

    with TestClient(app) as client:
        assert asyncio.run(burst(client.base_url)) == [200] * 8
    assert state["peak"] == 2


def test_yield_dependency_holds_its_place_until_cleanup():
    events: list[str] = []

    async def slow_cleanup():
        events.append("enter")
        yield "v"
        await asyncio.sleep(0.05)
        events.append("exit")

    app = App()

    @app.get("/")
    async def root(value: Annotated[str, Depends(slow_cleanup, max_concurrency=1)]):
        return value

    async def two(base: str) -> None:
        async with httpx.AsyncClient(base_url=base) as c:
            await asyncio.gather(c.get("/"), c.get("/"))

    with TestClient(app) as client:
        asyncio.run(two(client.base_url))
        # The second call entered only once the first one's exit code ran
        # (which runs after its response, so wait for the last one).
        for _ in range(500):
            if len(events) == 4:
                break
            time.sleep(0.01)
    assert events == ["enter", "exit", "enter", "exit"]


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_sync_code_under_asgi_runs_on_anyio_worker_threads(backend):
    loop_thread: list[int] = []

    def sync_dep() -> int:
        # Only an AnyIO worker thread can call back into the event loop.
        return anyio.from_thread.run_sync(threading.get_ident)

    app = App()

    @app.get("/")
    def root(loop_ident: Annotated[int, Depends(sync_dep)]):
        return {"on_loop_thread": loop_ident == loop_thread[0], "here": threading.get_ident() != loop_thread[0]}

    async def call() -> dict[str, bool]:
        loop_thread.append(threading.get_ident())
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            return (await c.get("/")).json()

    assert anyio.run(call, backend=backend) == {"on_loop_thread": True, "here": True}


def test_plain_async_dependency_trees_keep_their_semantics():
    # Plain async dependencies (no yield, request, limit...) skip the
    # per-request solver; values, nesting, errors, overrides and the
    # per-request cache of a shared dependency behave as before.
    calls: list[str] = []

    async def base(q: int = 1) -> int:
        calls.append("base")
        return q * 10

    async def middle(b: Annotated[int, Depends(base)], extra: int = 0) -> int:
        if extra < 0:
            raise HTTPException(418, "negative")
        return b + extra

    async def replaced() -> int:
        return 7

    app = App()

    @app.get("/tree")
    async def tree(m: Annotated[int, Depends(middle)], tail: str = "x"):
        return {"m": m, "tail": tail}

    @app.get("/shared", dependencies=[Depends(base)])
    async def shared(a: Annotated[int, Depends(base)], b: Annotated[int, Depends(base)]):
        return {"a": a, "b": b}

    with TestClient(app) as client:
        assert client.get("/tree?q=2&extra=3&tail=y").json() == {"m": 23, "tail": "y"}
        assert client.get("/tree?extra=-1").json() == {"detail": "negative"}
        assert client.get("/tree?q=zz").status_code == 422
        calls.clear()
        assert client.get("/shared?q=3").json() == {"a": 30, "b": 30}
        assert calls == ["base"]
    app.dependency_overrides[base] = replaced
    with TestClient(app) as client:
        assert client.get("/tree?extra=1").json() == {"m": 8, "tail": "x"}
