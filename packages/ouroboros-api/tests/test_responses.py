"""Response classes, streaming, SSE, background tasks, exception handlers."""

import asyncio
import dataclasses
import datetime
import decimal
import enum
import uuid

import pytest

from ouroboros.api import (
    App,
    BackgroundTasks,
    EventSourceResponse,
    FileResponse,
    HTMLResponse,
    HTTPException,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Request,
    RequestValidationError,
    Response,
    ServerSentEvent,
    StreamingResponse,
    TestClient,
)

app = App()
done: list[str] = []


class Teapot(Exception):
    def __init__(self, name: str) -> None:
        self.name = name


class Kind(enum.Enum):
    A = "a"


@dataclasses.dataclass
class Point:
    x: int
    y: int


@app.get("/html", response_class=HTMLResponse)
async def html():
    return "<h1>hi</h1>"


@app.get("/text")
async def text():
    return PlainTextResponse("plain", status_code=202, headers={"x-extra": "1"})


@app.get("/json")
async def json_response():
    return JSONResponse({"a": [1, 2]}, status_code=201)


@app.get("/redirect")
async def redirect():
    return RedirectResponse("/json")


@app.get("/bytes")
async def raw_bytes():
    return Response(b"\x00\x01", media_type="application/octet-stream")


@app.get("/types")
async def types_():
    return {
        "dt": datetime.datetime(2024, 1, 2, 3, 4, 5),
        "date": datetime.date(2024, 1, 2),
        "uuid": uuid.UUID(int=1),
        "enum": Kind.A,
        "dec": decimal.Decimal("1.5"),
        "tuple": (1, 2),
        "set": {3},
        "point": Point(1, 2),
        "nested": [{"k": None, "b": True, "f": 1.25}],
        "big": 2**70,
        "keys": {1: "int", None: "none"},
    }


@app.get("/cookie")
async def cookie(response: Response):
    response.set_cookie("session", "abc", httponly=True)
    response.status_code = 203
    response.set_header("x-from-param", "yes")
    return {"ok": True}


@app.get("/stream")
async def stream():
    async def gen():
        for i in range(3):
            await asyncio.sleep(0)
            yield f"chunk{i},"

    return StreamingResponse(gen(), media_type="text/plain")


@app.get("/stream-sync")
async def stream_sync():
    return StreamingResponse(iter([b"a", b"b", b"c"]))


@app.get("/events")
async def events():
    async def gen():
        yield ServerSentEvent(data="one", event="update", id="1")
        yield ServerSentEvent(data={"n": 2})
        yield "plain"

    return EventSourceResponse(gen())


@app.get("/file")
async def file(request: Request):
    return FileResponse(request.app.state["file_path"], filename="data.txt")


@app.post("/background")
async def background(tasks: BackgroundTasks, name: str):
    async def record(n: str) -> None:
        done.append(f"async:{n}")

    def record_sync(n: str) -> None:
        done.append(f"sync:{n}")

    tasks.add_task(record, name)
    tasks.add_task(record_sync, name)
    return {"queued": name}


@app.get("/teapot")
async def teapot():
    raise Teapot("earl grey")


@app.exception_handler(Teapot)
async def teapot_handler(request: Request, exc: Teapot):
    return JSONResponse({"teapot": exc.name, "path": request.url_path}, status_code=418)


@app.exception_handler(RequestValidationError)
def validation_handler(request: Request, exc: RequestValidationError):
    return JSONResponse({"custom": True, "count": len(exc.errors())}, status_code=400)


@app.get("/validated")
async def validated(n: int):
    return {"n": n}


@app.get("/custom-422")
async def custom_422(kind: Kind):
    return {"kind": kind}


@app.get("/http-error")
async def http_error():
    raise HTTPException(404, {"reason": "gone"})


@app.get("/request-info/{name}")
async def request_info(name: str, request: Request):
    body = await request.body()
    return {
        "method": request.method,
        "path": request.url_path,
        "query": request.query_params,
        "path_params": request.path_params,
        "ua": request.headers.get("user-agent"),
        "cookies": request.cookies,
        "body": body.decode(),
        "client_is_loopback": request.client[0] == "127.0.0.1",
    }


def test_html(client):
    r = client.get("/html")
    assert r.text == "<h1>hi</h1>"
    assert r.headers["content-type"] == "text/html; charset=utf-8"


def test_plain_text_with_status_and_headers(client):
    r = client.get("/text")
    assert (r.status_code, r.text, r.headers["x-extra"]) == (202, "plain", "1")
    assert r.headers["content-type"] == "text/plain; charset=utf-8"


def test_json_response(client):
    r = client.get("/json")
    assert (r.status_code, r.json()) == (201, {"a": [1, 2]})


def test_redirect(client):
    r = client.get("/redirect", follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (307, "/json")
    assert client.get("/redirect", follow_redirects=True).json() == {"a": [1, 2]}


def test_bytes(client):
    r = client.get("/bytes")
    assert r.content == b"\x00\x01"
    assert r.headers["content-type"] == "application/octet-stream"


def test_rich_types_are_serialized(client):
    assert client.get("/types").json() == {
        "dt": "2024-01-02T03:04:05",
        "date": "2024-01-02",
        "uuid": "00000000-0000-0000-0000-000000000001",
        "enum": "a",
        "dec": 1.5,
        "tuple": [1, 2],
        "set": [3],
        "point": {"x": 1, "y": 2},
        "nested": [{"k": None, "b": True, "f": 1.25}],
        "big": 2**70,
        "keys": {"1": "int", "null": "none"},
    }


def test_response_parameter_sets_cookie_status_and_headers(client):
    r = client.get("/cookie")
    assert r.status_code == 203
    assert r.json() == {"ok": True}
    assert r.headers["x-from-param"] == "yes"
    assert r.cookies["session"] == "abc"
    assert "HttpOnly" in r.headers["set-cookie"]


def test_streaming_async(client):
    r = client.get("/stream")
    assert r.text == "chunk0,chunk1,chunk2,"
    assert r.headers.get("transfer-encoding") == "chunked"


def test_streaming_sync_iterator(client):
    assert client.get("/stream-sync").content == b"abc"


def test_server_sent_events(client):
    r = client.get("/events")
    assert r.headers["content-type"].startswith("text/event-stream")
    assert r.headers["cache-control"] == "no-cache"
    # As FastAPI 0.165: `data` always goes out as JSON (strings quoted).
    assert r.text == 'event: update\ndata: "one"\nid: 1\n\ndata: {"n": 2}\n\ndata: "plain"\n\n'


def test_file_response(client, tmp_path):
    path = tmp_path / "data.txt"
    path.write_bytes(b"x" * 100_000)
    app.state["file_path"] = str(path)
    r = client.get("/file")
    assert r.status_code == 200
    assert len(r.content) == 100_000
    assert r.headers["content-type"].startswith("text/plain")
    assert "data.txt" in r.headers["content-disposition"]


def test_background_tasks_run_after_the_response(client):
    done.clear()
    assert client.post("/background?name=x").json() == {"queued": "x"}
    for _ in range(1000):
        if len(done) == 2:
            break
        asyncio.run(asyncio.sleep(0.01))
    assert done == ["async:x", "sync:x"]


def test_custom_exception_handler(client):
    r = client.get("/teapot")
    assert (r.status_code, r.json()) == (418, {"teapot": "earl grey", "path": "/teapot"})


def test_custom_validation_handler_sees_router_errors(client):
    # The app registered a RequestValidationError handler: the errors found in
    # Rust go to it too.
    r = client.get("/validated?n=x")
    assert (r.status_code, r.json()) == (400, {"custom": True, "count": 1})


def test_router_errors_stay_in_rust_without_a_custom_handler():
    from ouroboros.api import TestClient

    plain = App()

    @plain.get("/n")
    async def n(n: int):
        return {"n": n}

    with TestClient(plain) as c:
        r = c.get("/n?n=x")
        assert r.status_code == 422
        assert r.json()["detail"][0]["type"] == "int_parsing"


def test_custom_validation_handler_for_python_side_errors(client):
    r = client.get("/custom-422?kind=zzz")
    assert (r.status_code, r.json()) == (400, {"custom": True, "count": 1})


def test_http_exception_detail_can_be_any_json(client):
    r = client.get("/http-error")
    assert (r.status_code, r.json()) == (404, {"detail": {"reason": "gone"}})


def test_request_object(client):
    r = client.post("/request-info/n%20m?a=1&b=2", content=b"hello", headers={"cookie": "c=3", "user-agent": "t"})
    assert r.status_code == 405
    r = client.request(
        "GET", "/request-info/n%20m?a=1&b=2", content=b"hello", headers={"cookie": "c=3", "user-agent": "t"}
    )
    assert r.json() == {
        "method": "GET",
        "path": "/request-info/n%20m",
        "query": {"a": "1", "b": "2"},
        "path_params": {"name": "n m"},
        "ua": "t",
        "cookies": {"c": "3"},
        "body": "hello",
        "client_is_loopback": True,
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"a": 1}, b'{"a":1}'),
        ([1, "x", None, True, 1.5], b'[1,"x",null,true,1.5]'),
        ('é\n"', b'"\xc3\xa9\\n\\""'),
        (float("nan"), b"null"),
    ],
)
def test_json_encoder(value, expected):
    assert JSONResponse(value).body == expected


def test_unserializable_object_raises_type_error():
    with pytest.raises(TypeError, match="not JSON serializable"):
        JSONResponse({"x": object()})


def test_cyclic_structure_is_a_value_error():
    a: list = []
    a.append(a)
    with pytest.raises(ValueError, match="nested too deeply"):
        JSONResponse(a)


@app.delete("/items/{item_id}", status_code=204)
async def delete_item(item_id: int):
    return None


def test_204_has_no_body_and_the_connection_stays_usable(client):
    for _ in range(2):
        r = client.delete("/items/1")
        assert (r.status_code, r.content) == (204, b"")
    assert client.get("/json").status_code == 201


def test_redirect_response_class_keeps_its_own_status():
    from ouroboros.api import App, TestClient
    from ouroboros.api.responses import RedirectResponse

    redirects = App()

    @redirects.get("/go", response_class=RedirectResponse)
    async def go():
        return "https://example.com/docs"

    @redirects.get("/moved", response_class=RedirectResponse, status_code=301)
    async def moved():
        return "/elsewhere"

    with TestClient(redirects, follow_redirects=False) as c:
        r = c.get("/go")
        assert (r.status_code, r.headers["location"]) == (307, "https://example.com/docs")
        r = c.get("/moved")
        assert (r.status_code, r.headers["location"]) == (301, "/elsewhere")


@pytest.mark.parametrize("name", ["UJSONResponse", "ORJSONResponse"])
def test_fastapis_deprecated_json_classes_write_json_and_warn(name):
    from ouroboros.api import App, TestClient, responses
    from ouroboros.api.exceptions import FastAPIDeprecationWarning

    cls = getattr(responses, name)
    json_app = App()

    @json_app.get("/items", response_class=cls)
    async def items():
        return [{"item_id": "Foo", "é": 1}]

    with TestClient(json_app) as c, pytest.warns(FastAPIDeprecationWarning, match=name):
        r = c.get("/items")
    assert r.json() == [{"item_id": "Foo", "é": 1}]
    assert r.headers["content-type"] == "application/json"


def test_a_starlette_http_exception_is_answered_as_ours():
    starlette_exceptions = pytest.importorskip("starlette.exceptions")
    raising = App()

    @raising.get("/s")
    async def s():
        raise starlette_exceptions.HTTPException(status_code=404, detail="Item not found", headers={"x-why": "gone"})

    with TestClient(raising) as c:
        r = c.get("/s")
        assert (r.status_code, r.json(), r.headers["x-why"]) == (404, {"detail": "Item not found"}, "gone")


def test_returned_object_without_json_form_is_written_by_its_attributes():
    from ouroboros.api import App, TestClient

    class Login:
        def __init__(self) -> None:
            self.username = "rick"
            self.scopes = ["a"]

    returns = App()

    @returns.get("/attributes")
    def attributes():
        return {"login": Login()}

    @returns.get("/opaque")
    def opaque():
        return {"x": object()}

    with TestClient(returns, raise_server_exceptions=False) as client:
        assert client.get("/attributes").json() == {"login": {"username": "rick", "scopes": ["a"]}}
        assert client.get("/opaque").status_code == 500
