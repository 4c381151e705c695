"""Handlers that yield (FastAPI 0.165): JSON Lines by default, Server-Sent
Events under `EventSourceResponse`, the generator as the body of any other
response class; items checked against the declared item type."""

import asyncio
import time
from collections.abc import AsyncIterable, Iterable

import pytest

from ouroboros.api import App, TestClient, routing
from ouroboros.api.exceptions import ResponseValidationError
from ouroboros.api.responses import EventSourceResponse, StreamingResponse
from ouroboros.api.sse import ServerSentEvent
from ouroboros.validation import BaseModel


class Item(BaseModel):
    name: str
    price: float = 0


app = App()


@app.get("/jsonl")
async def jsonl() -> AsyncIterable[Item]:
    yield Item(name="a", price=1)
    yield {"name": "b", "price": "2.5"}  # validated as an Item


@app.get("/jsonl-sync")
def jsonl_sync():
    yield {"n": 1}
    yield [1, 2]


@app.get("/sse", response_class=EventSourceResponse)
async def sse() -> AsyncIterable[Item]:
    yield Item(name="a")
    yield ServerSentEvent(data="hello", event="greeting", id="7")
    yield ServerSentEvent(raw_data="<b>as is</b>", retry=100)


@app.post("/sse-sync", response_class=EventSourceResponse)
def sse_sync() -> Iterable[dict]:
    yield {"k": "v"}


@app.get("/raw", response_class=StreamingResponse)
async def raw():
    yield "one,"
    yield b"two"


@app.get("/invalid")
async def invalid() -> AsyncIterable[Item]:
    yield {"name": "ok"}
    yield {"name": "bad", "price": "not a number"}


def test_json_lines_by_default(client):
    r = client.get("/jsonl")
    assert r.headers["content-type"] == "application/jsonl"
    assert r.text == '{"name":"a","price":1.0}\n{"name":"b","price":2.5}\n'
    r = client.get("/jsonl-sync")
    assert [line for line in r.text.split("\n") if line] == ['{"n": 1}', "[1, 2]"]


def test_server_sent_events(client):
    r = client.get("/sse")
    assert r.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert r.headers["cache-control"] == "no-cache"
    assert r.text == (
        'data: {"name":"a","price":0}\n\nevent: greeting\ndata: "hello"\nid: 7\n\ndata: <b>as is</b>\nretry: 100\n\n'
    )
    assert client.post("/sse-sync").text == 'data: {"k":"v"}\n\n'  # typed: compact JSON


def test_other_response_classes_get_the_generator(client):
    assert client.get("/raw").text == "one,two"


def test_an_item_the_declared_type_refuses_raises_in_the_test(client):
    with pytest.raises(ResponseValidationError):
        client.get("/invalid")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"data": 1, "raw_data": "x"}, "Cannot set both"),
        ({"event": "a\nb"}, "SSE 'event' must be a single line"),
        ({"id": "a\rb"}, "SSE 'id' must be a single line"),
        ({"id": "a\0b"}, "null"),
        ({"retry": -1}, "non-negative"),
        ({"retry": 1.5}, "non-negative"),
    ],
)
def test_server_sent_event_fields_are_checked(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ServerSentEvent(**kwargs)


@app.get("/slow", response_class=EventSourceResponse)
async def slow():
    yield {"n": 1}
    await asyncio.sleep(0.3)
    yield {"n": 2}


@app.get("/slow-sync", response_class=EventSourceResponse)
def slow_sync():
    yield {"n": 1}
    time.sleep(0.3)
    yield {"n": 2}


@pytest.mark.parametrize("path", ["/slow", "/slow-sync"])
def test_quiet_event_streams_send_keepalive_comments(client, monkeypatch, path):
    monkeypatch.setattr(routing, "_PING_INTERVAL", 0.05)
    text = client.get(path).text
    assert text.startswith('data: {"n": 1}\n\n: ping\n\n')
    assert text.endswith('data: {"n": 2}\n\n')
    # Fast streams send none.
    assert ": ping" not in client.get("/sse").text


def test_fastapi_compat_helpers():
    from ouroboros.api import UploadFile
    from ouroboros.api._compat import is_bytes_sequence_annotation, is_uploadfile_sequence_annotation, v2
    from ouroboros.validation.fields import FieldInfo

    assert is_bytes_sequence_annotation(list[str] | list[bytes])
    assert not is_bytes_sequence_annotation(list[str])
    assert is_uploadfile_sequence_annotation(list[str] | list[UploadFile])
    field = v2.ModelField(name="items", field_info=FieldInfo(annotation=tuple[str, ...] | None))
    assert v2.serialize_sequence_value(field=field, value=["a", "b"]) == ("a", "b")
    assert v2.ModelField(name="x", field_info=FieldInfo(annotation=str)).required


@pytest.fixture(scope="module")
def client():
    with TestClient(app) as c:
        yield c
