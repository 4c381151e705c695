"""The router's own answers (404, 405, redirect, 413, 422) pass through the
app's Python middleware and exception handlers, as in FastAPI."""

import httpx

from ouroboros.api import App, Request, TestClient
from ouroboros.api.responses import PlainTextResponse

app = App()
seen: list[tuple[str, str, int]] = []


@app.middleware("http")
async def record(request: Request, call_next):
    response = await call_next(request)
    seen.append((request.method, request.url.path, response.status_code))
    response.headers["x-seen"] = "yes"
    return response


@app.get("/items/{item_id}")
async def get_item(item_id: int):
    return {"id": item_id}


@app.post("/items")
async def create_item(item: dict):
    return item


@app.get("/folder/")
async def folder():
    return {"ok": True}


def test_not_found_goes_through_middleware(client):
    r = client.get("/missing")
    assert r.status_code == 404
    assert r.json() == {"detail": "Not Found"}
    assert r.headers["x-seen"] == "yes"
    assert seen[-1] == ("GET", "/missing", 404)


def test_method_not_allowed_keeps_allow(client):
    r = client.delete("/items/1")
    assert r.status_code == 405
    assert r.json() == {"detail": "Method Not Allowed"}
    assert r.headers["allow"] == "GET"
    assert r.headers["x-seen"] == "yes"
    assert seen[-1] == ("DELETE", "/items/1", 405)


def test_validation_error_goes_through_middleware(client):
    r = client.get("/items/abc")
    assert r.status_code == 422
    [error] = r.json()["detail"]
    assert error["type"] == "int_parsing"
    assert error["loc"] == ["path", "item_id"]
    assert r.headers["x-seen"] == "yes"
    assert seen[-1] == ("GET", "/items/abc", 422)


def test_body_too_large_goes_through_middleware(client):
    r = client.post("/items", content=b"{" + b" " * (2 * 1024 * 1024) + b"}")
    assert r.status_code == 413
    assert r.json() == {"detail": "Request body is too large"}
    assert r.headers["x-seen"] == "yes"
    assert seen[-1] == ("POST", "/items", 413)


def test_trailing_slash_redirect_goes_through_middleware(client):
    r = client.get("/folder?x=1", follow_redirects=False)
    assert r.status_code == 307
    assert r.headers["location"] == "/folder/?x=1"
    assert r.headers["x-seen"] == "yes"
    assert seen[-1] == ("GET", "/folder", 307)
    assert client.get("/folder").json() == {"ok": True}


def test_routes_still_answer(client):
    r = client.get("/items/5")
    assert r.json() == {"id": 5}
    assert r.headers["x-seen"] == "yes"


def test_exception_handlers_see_router_answers():
    handled = App()

    @handled.exception_handler(404)
    async def not_found(request: Request, exc):
        return PlainTextResponse(f"nothing at {request.url.path}", status_code=404)

    @handled.exception_handler(405)
    async def wrong_method(request: Request, exc):
        return PlainTextResponse(f"{request.method} refused; allow {exc.headers['Allow']}", status_code=405)

    @handled.get("/here")
    async def here():
        return "here"

    with TestClient(handled) as c:
        r = c.get("/elsewhere")
        assert (r.status_code, r.text) == (404, "nothing at /elsewhere")
        r = c.put("/here")
        assert (r.status_code, r.text) == (405, "PUT refused; allow GET")
        assert c.get("/here").json() == "here"


def test_without_middleware_rust_answers_the_same():
    bare = App()

    @bare.get("/here")
    async def here():
        return "here"

    with TestClient(bare) as c:
        r = c.get("/nowhere")
        assert (r.status_code, r.json()) == (404, {"detail": "Not Found"})
        r = c.post("/here")
        assert (r.status_code, r.headers["allow"]) == (405, "GET")
        r = httpx.get(f"{c.base_url}/here/", follow_redirects=False)
        assert (r.status_code, r.headers["location"]) == (307, "/here")


def test_redirect_slashes_can_be_turned_off():
    for redirect, status in ((True, 307), (False, 404)):
        app = App(redirect_slashes=redirect)

        @app.get("/hello/")
        async def hello():
            return "hello"

        with TestClient(app) as c:
            assert c.get("/hello/").json() == "hello"
            r = httpx.get(f"{c.base_url}/hello", follow_redirects=False)
            assert r.status_code == status
