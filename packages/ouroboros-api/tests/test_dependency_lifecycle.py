"""Dependencies as FastAPI runs them: a `Response` parameter under a route's
own response class, yield-dependency exit code that cancellation cannot cut
short (under ASGI), sync generators on worker threads, bodies read only when
sent."""

from typing import Annotated

import anyio
import anyio.from_thread
import httpx
import pytest

from ouroboros.api import APIRouter, App, Depends, Response
from ouroboros.api.responses import JSONResponse


class LevelResponse(JSONResponse):
    media_type = "application/x-level"


async def tag(response: Response):
    response.headers["x-tagged"] = "yes"
    response.status_code = 201


def test_response_parameter_keeps_the_route_response_class():
    app = App(default_response_class=LevelResponse)
    router = APIRouter(dependencies=[Depends(tag)])

    @router.get("/tagged")
    async def tagged():
        return {"a": 1}

    app.include_router(router)
    from ouroboros.api import TestClient

    with TestClient(app) as client:
        r = client.get("/tagged")
    assert r.status_code == 201
    assert r.headers["content-type"] == "application/x-level"
    assert r.headers["x-tagged"] == "yes"
    assert r.json() == {"a": 1}


def _asgi_client(app):
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


@pytest.mark.parametrize("scope", ["function", "request"])
def test_cancelled_request_still_finishes_the_exit_code(scope):
    events = []
    entered, cleanup_started, release = anyio.Event(), anyio.Event(), anyio.Event()
    app = App()

    async def session():
        events.append("enter")
        try:
            yield
        finally:
            cleanup_started.set()
            await release.wait()
            events.append("cleanup end")

    @app.get("/")
    async def endpoint(_: Annotated[None, Depends(session, scope=scope)]):
        entered.set()
        await anyio.sleep_forever()

    async def main():
        with anyio.fail_after(5):
            async with _asgi_client(app) as client, anyio.create_task_group() as group:
                done = anyio.Event()

                async def request():
                    with anyio.CancelScope() as cancel:
                        holder.append(cancel)
                        await client.get("/")
                    done.set()

                holder: list[anyio.CancelScope] = []
                group.start_soon(request)
                await entered.wait()
                holder[0].cancel()
                await cleanup_started.wait()
                await anyio.wait_all_tasks_blocked()
                # The exit code is waiting: the cancelled request is not over yet.
                assert not done.is_set()
                release.set()
                await done.wait()
                assert holder[0].cancelled_caught

    anyio.run(main)
    assert events == ["enter", "cleanup end"]


@pytest.mark.parametrize("function_first", [False, True])
def test_route_dependencies_keep_their_scope(function_first):
    events = []
    app = App()

    async def function_dep():
        yield
        events.append("function exit")

    async def request_dep():
        yield
        events.append("request exit")

    deps = [Depends(function_dep, scope="function"), Depends(request_dep)]
    if not function_first:
        deps.reverse()

    @app.get("/", dependencies=deps)
    async def endpoint():
        events.append("handler")
        return "ok"

    async def main():
        async with _asgi_client(app) as client:
            assert (await client.get("/")).json() == "ok"

    anyio.run(main)
    assert events == ["handler", "function exit", "request exit"]


def test_sync_generator_exit_runs_on_a_worker_thread():
    import threading

    threads = []
    app = App()

    def resource():
        threads.append(threading.current_thread())
        yield "r"
        # Only possible on an AnyIO worker thread.
        anyio.from_thread.run(anyio.sleep, 0)
        threads.append(threading.current_thread())

    @app.get("/")
    async def endpoint(r: Annotated[str, Depends(resource)]):
        return r

    async def main():
        async with _asgi_client(app) as client:
            assert (await client.get("/")).json() == "r"

    anyio.run(main)
    assert len(threads) == 2
    assert threading.main_thread() not in threads


def test_request_without_body_headers_is_not_read():
    app = App()

    @app.get("/")
    async def endpoint():
        return "ok"

    sent = []

    async def receive():
        raise AssertionError("a request without Content-Length has no body to read")

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "http_version": "1.1", "method": "GET", "path": "/", "query_string": b"", "headers": []}
    anyio.run(app, scope, receive, send)
    assert sent[0]["status"] == 200
    assert sent[1]["body"] == b'"ok"'


def test_websocket_route_without_a_websocket_parameter_runs_its_dependencies():
    events = []
    app = App()

    async def guard():
        events.append("guard")
        yield
        events.append("guard exit")

    @app.websocket("/ws", dependencies=[Depends(guard)])
    async def endpoint():
        events.append("handler")

    sent = []

    async def receive():
        return {"type": "websocket.connect"}

    async def send(message):
        sent.append(message["type"])

    scope = {"type": "websocket", "path": "/ws", "query_string": b"", "headers": []}
    anyio.run(app, scope, receive, send)
    assert events == ["guard", "handler", "guard exit"]
    assert sent[-1] == "websocket.close"


def test_wrapped_and_partial_dependencies_run_as_what_they_wrap():
    import functools

    from ouroboros.api import TestClient

    def passthrough(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            return func(*args, **kwargs)

        return wrapper

    @passthrough
    async def wrapped_async(q: str = "a"):
        return f"async {q}"

    @passthrough
    async def wrapped_gen():
        yield "gen"

    async def prefixed(prefix: str, q: str = "b"):
        return f"{prefix} {q}"

    app = App()

    @app.get("/")
    async def endpoint(
        a: Annotated[str, Depends(wrapped_async)],
        g: Annotated[str, Depends(wrapped_gen)],
        p: Annotated[str, Depends(functools.partial(prefixed, "partial"))],
    ):
        return [a, g, p]

    with TestClient(app) as client:
        assert client.get("/?q=x").json() == ["async x", "gen", "partial x"]


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_contextmanager_in_threadpool_exits_even_when_cancelled(backend):
    import threading

    from ouroboros.api.concurrency import contextmanager_in_threadpool

    class Recording:
        def __init__(self):
            self.threads = []
            self.exits = []

        def __enter__(self):
            self.threads.append(threading.get_ident())
            return "value"

        def __exit__(self, kind, exc, tb):
            self.threads.append(threading.get_ident())
            self.exits.append(kind)
            return False

    cm = Recording()

    async def main():
        with anyio.CancelScope() as scope:
            async with contextmanager_in_threadpool(cm) as value:
                assert value == "value"
                scope.cancel()
                await anyio.sleep(0)
        assert scope.cancelled_caught
        # The exit saw the cancellation.
        assert cm.exits == [anyio.get_cancelled_exc_class()]

    anyio.run(main, backend=backend)
    assert len(cm.threads) == 2
    assert threading.get_ident() not in cm.threads


def test_testclient_returns_after_the_request_scope_exit_code():
    import time

    from ouroboros.api import TestClient

    state = {"closed": False}
    app = App()

    def session():
        yield
        time.sleep(0.05)  # on a worker thread
        state["closed"] = True

    @app.get("/")
    def endpoint(_: Annotated[None, Depends(session)]):
        return "ok"

    with TestClient(app) as client:
        for _ in range(3):
            state["closed"] = False
            assert client.get("/").json() == "ok"
            assert state["closed"]


def test_overrides_changed_between_requests_apply():
    from ouroboros.api import TestClient

    async def real(q: str):
        return f"real {q}"

    async def fake(k: str = "none"):
        return f"fake {k}"

    app = App()

    @app.get("/")
    async def endpoint(v: Annotated[str, Depends(real)]):
        return v

    client = TestClient(app)
    assert client.get("/?q=1").json() == "real 1"
    app.dependency_overrides[real] = fake
    # The override's own parameters are read, the original's no longer required.
    assert client.get("/?k=2").json() == "fake 2"
    app.dependency_overrides = {}
    assert client.get("/").status_code == 422
    app.dependency_overrides[real] = fake
    assert client.get("/").json() == "fake none"
    app.dependency_overrides = None  # as FastAPI: no overrides
    assert client.get("/?q=4").json() == "real 4"
    client.close()
    app.dependency_overrides = {}

    async def main():
        async with _asgi_client(app) as asgi:
            assert (await asgi.get("/?q=3")).json() == "real 3"
            app.dependency_overrides[real] = fake
            assert (await asgi.get("/")).json() == "fake none"
            app.dependency_overrides.clear()

    anyio.run(main)


def test_router_lifespans_events_and_state():
    import contextlib

    from ouroboros.api import Request, TestClient

    events = []

    @contextlib.asynccontextmanager
    async def app_life(app):
        events.append("app start")
        yield {"shared": "app", "app": True}
        events.append("app stop")

    def router_life(app):  # a bare sync generator, as Starlette accepts
        events.append("router start")
        yield {"shared": "router", "router": True}
        events.append("router stop")

    sub = APIRouter(on_startup=[lambda: events.append("sub startup")], on_shutdown=[lambda: events.append("sub down")])
    router = APIRouter(lifespan=router_life)
    router.include_router(sub)
    app = App(lifespan=app_life)

    @router.get("/state")
    async def state(request: Request):
        return {"app": request.state.app, "router": request.state.router, "shared": request.state.shared}

    app.include_router(router)
    with TestClient(app) as client:
        assert events == ["sub startup", "app start", "router start"]
        # The outer (app) lifespan's keys win.
        assert client.app_state == {"shared": "app", "app": True, "router": True}
        assert client.get("/state").json() == {"app": True, "router": True, "shared": "app"}
        assert app.state.shared == "app"
    assert events[3:] == ["sub down", "router stop", "app stop"]
    with pytest.warns(DeprecationWarning, match="on_event is deprecated"):
        router.on_event("startup")


def test_a_dependency_that_swallows_the_error_leaves_a_500():
    from ouroboros.api import TestClient
    from ouroboros.api.exceptions import FastAPIError

    events = []
    app = App()

    def careless():
        try:
            yield "v"
        except ValueError:
            events.append("caught")  # and not raised again

    @app.get("/")
    def endpoint(v: Annotated[str, Depends(careless)]):
        raise ValueError("boom")

    with TestClient(app) as client, pytest.raises(FastAPIError, match="did not raise it again"):
        client.get("/")
    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.get("/")
        assert r.status_code == 500
    assert events == ["caught", "caught"]
