"""OpenAPI of handlers that yield: JSON Lines and Server-Sent Events streams
are documented by their items' schema (``itemSchema``), as in FastAPI 0.165."""

from collections.abc import AsyncIterable, Iterable

from ouroboros.api import App
from ouroboros.api.responses import EventSourceResponse, ServerSentEvent
from ouroboros.validation import BaseModel


class Item(BaseModel):
    name: str


def make_app() -> App:
    app = App()

    @app.get("/jsonl")
    async def jsonl() -> AsyncIterable[Item]:
        yield Item(name="a")

    @app.get("/jsonl-untyped")
    def untyped():
        yield {"any": 1}

    @app.get("/sse", response_class=EventSourceResponse)
    def sse() -> Iterable[Item]:
        yield Item(name="a")

    @app.get("/sse-events", response_class=EventSourceResponse)
    async def events() -> AsyncIterable[ServerSentEvent]:
        yield ServerSentEvent(data="x")

    return app


def test_json_lines_streams_document_their_items():
    doc = make_app().openapi()
    ok = doc["paths"]["/jsonl"]["get"]["responses"]["200"]
    assert ok["content"] == {"application/jsonl": {"itemSchema": {"$ref": "#/components/schemas/Item"}}}
    assert doc["components"]["schemas"]["Item"]["required"] == ["name"]
    untyped = doc["paths"]["/jsonl-untyped"]["get"]["responses"]["200"]["content"]
    assert untyped == {"application/jsonl": {"itemSchema": {}}}


def test_server_sent_events_document_the_event_and_its_data():
    doc = make_app().openapi()
    event = doc["paths"]["/sse"]["get"]["responses"]["200"]["content"]["text/event-stream"]["itemSchema"]
    assert event["required"] == ["data"]
    assert event["properties"]["data"] == {
        "type": "string",
        "contentMediaType": "application/json",
        "contentSchema": {"$ref": "#/components/schemas/Item"},
    }
    assert event["properties"]["retry"] == {"type": "integer", "minimum": 0}
    plain = doc["paths"]["/sse-events"]["get"]["responses"]["200"]["content"]["text/event-stream"]["itemSchema"]
    assert "required" not in plain
    assert plain["properties"]["data"] == {"type": "string"}
