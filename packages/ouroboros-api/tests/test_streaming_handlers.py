"""Handlers that yield (FastAPI 0.165): JSON Lines by default, Server-Sent
Events under `EventSourceResponse`, the generator as the body of any other
response class; items checked against the declared item type."""

from collections.abc import AsyncIterable, Iterable

import pytest

from ouroboros.api import App, TestClient
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


@pytest.fixture(scope="module")
def client():
    with TestClient(app) as c:
        yield c
