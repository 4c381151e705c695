"""Handlers and dependencies written `async def` that never await run as
plain functions (`_plan.sync_twin`): no coroutine per request. Nothing a
handler does may tell the two apart: results, closures, defaults, the
exceptions (a `StopIteration` escaping a coroutine is a `RuntimeError`),
their tracebacks; bodies that can suspend keep their coroutine."""

import asyncio
import inspect
import traceback
from typing import Annotated

import pytest

from ouroboros.api import App, Depends, TestClient
from ouroboros.api._plan import sync_twin
from ouroboros.validation import BaseModel

SCALE = 10


async def add(a, b=2, *, c=3):
    return a + b + c


async def awaits():
    await asyncio.sleep(0)
    return 1


async def in_loop():
    async for item in agen():
        return item
    return None


async def agen():
    yield 1


def make_counter():
    count = 0

    async def bump(step):
        nonlocal count
        count += step
        return count

    return bump


async def reads_global(x):
    return x * SCALE


class TestTwin:
    def test_runs_the_body(self):
        twin = sync_twin(add)
        assert twin is not None
        assert not inspect.iscoroutinefunction(twin)
        assert twin(1) == 6
        assert twin(1, 10, c=0) == 11
        assert (twin.__name__, twin.__qualname__, twin.__module__) == (add.__name__, add.__qualname__, add.__module__)
        # The original is untouched.
        assert inspect.iscoroutinefunction(add)
        assert asyncio.run(add(1)) == 6

    def test_closure_is_shared(self):
        bump = make_counter()
        twin = sync_twin(bump)
        assert twin is not None
        assert twin(2) == 2
        assert asyncio.run(bump(3)) == 5
        assert twin(1) == 6

    def test_globals_are_read_at_call_time(self, monkeypatch):
        twin = sync_twin(reads_global)
        assert twin is not None
        assert twin(2) == 20
        monkeypatch.setattr(__import__(__name__), "SCALE", 3)
        assert twin(2) == 6

    @pytest.mark.parametrize("fn", [awaits, in_loop, agen, lambda: 1, print, make_counter])
    def test_suspending_or_not_async_has_none(self, fn):
        assert sync_twin(fn) is None

    def test_async_with_has_none(self):
        class Ctx:
            async def __aenter__(self):
                return 1

            async def __aexit__(self, *exc):
                return False

        async def uses():
            async with Ctx() as v:
                return v

        assert sync_twin(uses) is None
        assert asyncio.run(uses()) == 1

    def test_traceback_names_the_function(self):
        async def fails(n):
            raise ValueError(f"bad {n}")

        twin = sync_twin(fails)
        assert twin is not None
        with pytest.raises(ValueError, match="bad 4") as info:
            twin(4)
        last = traceback.extract_tb(info.value.__traceback__)[-1]
        assert last.name == "fails"
        assert last.line == 'raise ValueError(f"bad {n}")'


app = App()


class Item(BaseModel):
    name: str
    size: int = 1


async def get_scale() -> int:
    return SCALE


async def slow_scale() -> int:
    await asyncio.sleep(0)
    return SCALE


@app.post("/items")
async def create(item: Item) -> dict:
    return {"name": item.name, "size": item.size}


@app.get("/scaled/{n}")
async def scaled(n: int, scale: Annotated[int, Depends(get_scale)]) -> dict:
    return {"n": n * scale}


@app.get("/slow/{n}")
async def slow(n: int, scale: Annotated[int, Depends(slow_scale)]) -> dict:
    return {"n": n * scale}


@app.get("/stop")
async def stop():
    raise StopIteration("early")


@app.get("/stop-after-await")
async def stop_after_await():
    message = await asyncio.sleep(0, result="early")
    raise StopIteration(message)


def compiled(target: App, path: str) -> dict:
    route = next(r for r in target.routes if getattr(r, "path", None) == path)
    return target._compile_route(route, False)


def test_never_awaiting_routes_are_plain(client):
    assert client.post("/items", json={"name": "a"}).json() == {"name": "a", "size": 1}
    assert client.get("/scaled/4").json() == {"n": 4 * SCALE}
    assert client.get("/slow/4").json() == {"n": 4 * SCALE}
    # The handler (and its dependency) run without a coroutine where none can suspend.
    assert not compiled(app, "/items")["is_async"]
    assert not compiled(app, "/scaled/{n}")["is_async"]
    assert compiled(app, "/slow/{n}")["is_async"]
    assert compiled(app, "/stop-after-await")["is_async"]


@pytest.mark.parametrize("path", ["/stop", "/stop-after-await"])
def test_stop_iteration_reads_as_the_coroutines(client, path):
    # Plain (`/stop`) or a coroutine (`/stop-after-await`): the same error.
    assert compiled(app, path)["is_async"] == (path == "/stop-after-await")
    with pytest.raises(RuntimeError, match=r"^coroutine raised StopIteration$") as info:
        client.get(path)
    exc = info.value
    assert isinstance(exc.__cause__, StopIteration)
    assert exc.__context__ is exc.__cause__
    assert str(exc.__cause__) == "early"


def test_stop_iteration_answers_500():
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/stop")
    assert r.status_code == 500
    assert r.text == "Internal Server Error"
