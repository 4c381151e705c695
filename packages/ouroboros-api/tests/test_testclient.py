"""TestClient's servers: bounded in number, stopped when dropped, lifespan
only inside ``with`` (Starlette's rule)."""

import contextlib
import gc
import os
import threading

from ouroboros.api import App, Request, Response, TestClient
from ouroboros.api.testclient import _IDLE_LIMIT


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def counter_app(events: list[str] | None = None) -> App:
    @contextlib.asynccontextmanager
    async def lifespan(app):
        if events is not None:
            events.append("startup")
        yield
        if events is not None:
            events.append("shutdown")

    app = App(lifespan=lifespan)

    @app.get("/n/{n}")
    async def echo(n: int):
        return {"n": n}

    @app.get("/set")
    async def set_cookie():
        response = Response(b"ok")
        response.set_cookie("session", "abc")
        return response

    @app.get("/cookie")
    async def read_cookie(request: Request):
        return {"session": request.cookies.get("session")}

    return app


def test_500_dropped_clients_leave_no_servers_behind():
    gc.collect()
    fds, threads = open_fds(), threading.active_count()
    for i in range(500):
        # FastAPI's tests' habit: a client per request, never closed.
        assert TestClient(counter_app()).get(f"/n/{i}").json() == {"n": i}
    gc.collect()
    assert open_fds() - fds <= 4, (fds, open_fds())
    assert threading.active_count() - threads <= 1


def test_500_clients_kept_alive_run_at_most_the_limit_of_servers():
    gc.collect()
    fds, threads = open_fds(), threading.active_count()
    clients = []
    for i in range(500):
        client = TestClient(counter_app())
        assert client.get(f"/n/{i}").json() == {"n": i}
        clients.append(client)
    # Two threads (the loop's and the server's) and a dozen fds per server.
    assert threading.active_count() - threads <= 2 * _IDLE_LIMIT + 1
    assert open_fds() - fds <= 16 * _IDLE_LIMIT, (fds, open_fds())
    # A stopped one starts again on its next request.
    assert clients[0].get("/n/7").json() == {"n": 7}
    for client in clients:
        client.close()
    gc.collect()
    assert open_fds() - fds <= 4
    assert threading.active_count() - threads <= 1


def test_cookies_survive_a_restart():
    client = TestClient(counter_app())
    client.get("/set")
    assert client.get("/cookie").json() == {"session": "abc"}
    others = [TestClient(counter_app()) for _ in range(_IDLE_LIMIT + 1)]
    for other in others:
        other.get("/n/1")  # pushes the first client's server out
    assert client.get("/cookie").json() == {"session": "abc"}
    for c in [client, *others]:
        c.close()


def test_lifespan_runs_only_inside_with():
    events: list[str] = []
    app = counter_app(events)
    client = TestClient(app)
    assert client.get("/n/1").status_code == 200
    assert events == []
    with client:
        assert events == ["startup"]
        assert client.get("/n/2").json() == {"n": 2}
    assert events == ["startup", "shutdown"]
    client.close()  # closing twice is harmless
    assert events == ["startup", "shutdown"]


def test_requests_name_testserver_and_any_host_reaches_the_app():
    app = App()

    @app.get("/where")
    async def where(request: Request):
        return {"host": request.headers["host"], "url": str(request.url)}

    with TestClient(app) as client:
        r = client.get("/where")
        assert str(r.url) == "http://testserver/where"
        assert r.json() == {"host": "testserver", "url": "http://testserver/where"}
        assert client.get("http://example.com/where").json()["host"] == "example.com"
        # The real address stays available for other clients.
        assert client.base_url.startswith("http://127.0.0.1:")
    with TestClient(app, base_url="http://api.local") as client:
        assert client.get("/where").json()["url"] == "http://api.local/where"
    # An https:// base URL reaches the plain-HTTP test server too.
    with TestClient(app, base_url="https://secure.example") as client:
        r = client.get("/where")
        assert (str(r.url), r.json()["host"]) == ("https://secure.example/where", "secure.example")
