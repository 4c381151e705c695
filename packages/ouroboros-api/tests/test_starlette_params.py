"""Parameters typed with Starlette's own classes, model fields holding an
``UploadFile`` and streams of ``ServerSentEvent`` items: none of them has a
validation schema, and each is served as FastAPI serves it (not refused as an
unknown field type)."""

from collections.abc import AsyncIterable
from typing import Annotated

from starlette.background import BackgroundTasks as StarletteBackgroundTasks
from starlette.requests import HTTPConnection
from starlette.requests import Request as StarletteRequest
from starlette.responses import Response as StarletteResponse
from starlette.websockets import WebSocket as StarletteWebSocket

from ouroboros.api import App, Depends, Form, UploadFile
from ouroboros.api.responses import EventSourceResponse, ServerSentEvent
from ouroboros.api.testclient import TestClient
from ouroboros.validation import BaseModel


class Upload(BaseModel):
    title: str
    file: UploadFile


def make_app(done: list[str]) -> App:
    app = App()
    app.state.value = 42

    def from_connection(conn: HTTPConnection) -> int:
        return conn.app.state.value

    @app.get("/connection")
    def by_connection(value: int = Depends(from_connection)):
        return {"value": value}

    @app.get("/request")
    def by_request(request: StarletteRequest, q: int = 1):
        return {"path": request.url.path, "q": q}

    @app.get("/response")
    def by_response(response: StarletteResponse, background: StarletteBackgroundTasks):
        response.headers["x-set"] = "yes"
        background.add_task(done.append, "task")
        return {"ok": True}

    @app.websocket("/ws")
    async def ws(websocket: StarletteWebSocket, value: int = Depends(from_connection)):
        await websocket.accept()
        await websocket.send_json({"value": value})
        await websocket.close()

    @app.post("/upload")
    async def upload(data: Annotated[Upload, Form()]):
        return {"title": data.title, "name": data.file.filename, "body": (await data.file.read()).decode()}

    @app.get("/events", response_class=EventSourceResponse)
    async def events() -> AsyncIterable[ServerSentEvent]:
        yield ServerSentEvent(data={"n": 1}, event="tick")

    return app


def test_starlette_classes_are_injected_not_validated():
    done: list[str] = []
    with TestClient(make_app(done)) as client:
        assert client.get("/connection").json() == {"value": 42}
        assert client.get("/request", params={"q": "3"}).json() == {"path": "/request", "q": 3}
        r = client.get("/response")
        assert r.status_code == 200 and r.json() == {"ok": True} and r.headers["x-set"] == "yes"
        with client.websocket_connect("/ws") as ws:
            assert ws.receive_json() == {"value": 42}
    assert done == ["task"]


def test_a_form_model_holds_its_upload():
    with TestClient(make_app([])) as client:
        r = client.post("/upload", data={"title": "t"}, files={"file": ("a.txt", b"hello", "text/plain")})
        assert r.status_code == 200, r.text
        assert r.json() == {"title": "t", "name": "a.txt", "body": "hello"}
        missing = client.post("/upload", data={"title": "t"})
        assert missing.status_code == 422
        assert [e["loc"] for e in missing.json()["detail"]] == [["body", "file"]]


def test_server_sent_event_items_are_sent_as_they_are():
    with TestClient(make_app([])) as client:
        r = client.get("/events")
        assert r.status_code == 200
        assert r.text == 'event: tick\ndata: {"n": 1}\n\n'
