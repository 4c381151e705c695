"""The app as an ASGI 3 application (httpx's ASGITransport, and uvicorn)."""

import asyncio
import contextlib
import gc
import json
import socket
import threading
import time
import weakref
from typing import Annotated

import httpx
import pytest

from ouroboros.api import App, Body, HTTPException, Query, Request, StreamingResponse, WebSocket, WebSocketDisconnect
from ouroboros.validation import BaseModel

events: list[str] = []


@contextlib.asynccontextmanager
async def lifespan(app):
    events.append("startup")
    yield
    events.append("shutdown")


app = App(lifespan=lifespan)


class Item(BaseModel):
    name: str
    price: float


@app.get("/items/{item_id}")
async def read_item(item_id: int, q: Annotated[str | None, Query(max_length=3)] = None):
    return {"item_id": item_id, "q": q}


@app.post("/items", status_code=201)
async def create(item: Annotated[Item, Body()]):
    return {"name": item.name, "price": item.price}


@app.get("/sync")
def sync_handler():
    return {"sync": True}


@app.get("/teapot")
async def teapot():
    raise HTTPException(418, "short and stout")


@app.get("/stream")
async def stream():
    async def gen():
        yield b"a"
        yield b"b"

    return StreamingResponse(gen(), media_type="text/plain")


@app.websocket("/ws/{room}")
async def ws_room(websocket: WebSocket, room: str, user: Annotated[str, Query(min_length=2)]):
    await websocket.accept()
    try:
        while True:
            text = await websocket.receive_text()
            if text == "bye":
                await websocket.close(4000, "asked")
                return
            await websocket.send_json({"room": room, "user": user, "echo": text})
    except WebSocketDisconnect:
        events.append("ws disconnect")


@app.get("/sync-stream")
def sync_stream():
    def gen():
        # Sync iterators run on AnyIO's worker threads under ASGI (as under
        # Starlette), not the loop's thread.
        yield threading.current_thread().name.split("_")[0]
        yield "|done"

    return StreamingResponse(gen(), media_type="text/plain")


@app.get("/whoami")
async def whoami(request: Request):
    return {"path": request.url_path, "ua": request.headers.get("user-agent")}


async def call(method, url, **kwargs):
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        return await c.request(method, url, **kwargs)


@pytest.mark.parametrize(
    ("method", "url", "kwargs", "status", "body"),
    [
        ("GET", "/items/3?q=ab", {}, 200, {"item_id": 3, "q": "ab"}),
        ("GET", "/sync", {}, 200, {"sync": True}),
        ("POST", "/items", {"json": {"name": "x", "price": "2.5"}}, 201, {"name": "x", "price": 2.5}),
        ("GET", "/teapot", {}, 418, {"detail": "short and stout"}),
        ("GET", "/nope", {}, 404, {"detail": "Not Found"}),
        ("DELETE", "/sync", {}, 405, {"detail": "Method Not Allowed"}),
        ("GET", "/whoami", {"headers": {"user-agent": "me"}}, 200, {"path": "/whoami", "ua": "me"}),
    ],
)
@pytest.mark.asyncio
async def test_asgi_transport(method, url, kwargs, status, body):
    r = await call(method, url, **kwargs)
    assert r.status_code == status
    assert r.json() == body


@app.get("/scheme", name="scheme")
async def scheme(request: Request):
    return {"url": str(request.url), "for": str(request.url_for("scheme")), "scheme": request.scope["scheme"]}


@pytest.mark.asyncio
async def test_asgi_requests_take_the_scopes_scheme():
    # The ASGI server's scheme (uvicorn's, after its own proxy headers) is the request's.
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://secure.test") as c:
        assert (await c.get("/scheme")).json() == {
            "url": "https://secure.test/scheme",
            "for": "https://secure.test/scheme",
            "scheme": "https",
        }
    assert (await call("GET", "/scheme")).json()["url"] == "http://test/scheme"


@pytest.mark.asyncio
async def test_asgi_validation_errors_have_fastapi_shape():
    r = await call("GET", "/items/x?q=abcd")
    assert r.status_code == 422
    assert [(e["type"], e["loc"]) for e in r.json()["detail"]] == [
        ("int_parsing", ["path", "item_id"]),
        ("string_too_long", ["query", "q"]),
    ]
    r = await call("POST", "/items", json={"name": "x"})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "price"]


@pytest.mark.asyncio
async def test_asgi_streaming():
    r = await call("GET", "/stream")
    assert r.text == "ab"


@pytest.mark.asyncio
async def test_asgi_sync_iterator_runs_off_the_loop():
    r = await call("GET", "/sync-stream")
    assert r.text == "AnyIO worker thread|done"


@pytest.mark.asyncio
async def test_asgi_openapi():
    r = await call("GET", "/openapi.json")
    assert r.json()["paths"]["/items"]["post"]["responses"]["201"]


def test_served_by_uvicorn():
    uvicorn = pytest.importorskip("uvicorn")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    events.clear()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        r = httpx.get(f"http://127.0.0.1:{port}/items/5")
        assert r.json() == {"item_id": 5, "q": None}
        assert events == ["startup"]
    finally:
        server.should_exit = True
        thread.join(20)
    assert events == ["startup", "shutdown"]


@pytest.mark.asyncio
async def test_asgi_custom_validation_handler():
    from ouroboros.api import JSONResponse, RequestValidationError

    custom = App()

    @custom.get("/n")
    async def n(n: int):
        return {"n": n}

    @custom.exception_handler(RequestValidationError)
    async def handler(request, exc):
        return JSONResponse({"errors": len(exc.errors())}, status_code=400)

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=custom), base_url="http://t") as c:
        r = await c.get("/n?n=x")
    assert (r.status_code, r.json()) == (400, {"errors": 1})


def test_websockets_under_uvicorn():
    uvicorn = pytest.importorskip("uvicorn")
    from websockets.exceptions import ConnectionClosed, InvalidStatus
    from websockets.sync.client import connect

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", lifespan="off", ws="websockets-sansio")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        base = f"ws://127.0.0.1:{port}"
        with connect(f"{base}/ws/red?user=ann") as ws:
            ws.send("hi")
            assert json.loads(ws.recv(timeout=10)) == {"room": "red", "user": "ann", "echo": "hi"}
            ws.send("bye")
            with pytest.raises(ConnectionClosed) as closed:
                ws.recv(timeout=10)
        assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4000, "asked")
        # Invalid parameters and unknown paths are refused before the handshake.
        for path in ("/ws/red?user=a", "/nowhere"):
            with pytest.raises(InvalidStatus) as refused, connect(f"{base}{path}"):
                pass
            assert refused.value.response.status_code == 403
    finally:
        server.should_exit = True
        thread.join(20)


@pytest.mark.asyncio
async def test_apps_and_models_made_at_run_time_are_freed():
    # The app keeps its ASGI adapter, which keeps the Rust server, which keeps
    # the route functions (closures over the app) and the compiled models: a
    # cycle the collector sees (Server.__traverse__), freed once unused.
    async def use(i: int) -> weakref.ref:
        class LeakItem(BaseModel):
            n: int
            name: str = "x"

        leak_app = App()

        @leak_app.post("/items", response_model=LeakItem)
        async def create(item: LeakItem):  # not Annotated[...]: typing caches the last 128
            return item

        transport = httpx.ASGITransport(app=leak_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            r = await c.post("/items", json={"n": i})
        assert r.status_code == 200 and r.json() == {"n": i, "name": "x"}
        return weakref.ref(LeakItem)

    refs = [await use(i) for i in range(300)]
    await asyncio.sleep(0)
    gc.collect()
    assert [r for r in refs if r() is not None] == []


def test_websocket_message_out_of_protocol_ends_the_read_with_1002():
    # A `receive` that answers at once with something other than data or a
    # disconnect (here a second `websocket.connect`) must not be read in a loop.
    codes: list[int] = []
    messages: list[dict] = []
    odd = App()

    @odd.websocket("/ws")
    async def endpoint(websocket: WebSocket):
        await websocket.accept()
        try:
            await websocket.receive_text()
        except WebSocketDisconnect as exc:
            codes.append(exc.code)

    async def connect_again():
        return {"type": "websocket.connect"}

    async def drive():
        scope = {"type": "websocket", "path": "/ws", "query_string": b"", "headers": []}
        await odd(scope, connect_again, lambda message: asyncio.sleep(0, messages.append(message)))

    asyncio.run(asyncio.wait_for(drive(), 30))
    assert codes == [1002]
    assert [m["type"] for m in messages][:1] == ["websocket.accept"]
