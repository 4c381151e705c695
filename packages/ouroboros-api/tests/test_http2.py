"""HTTP/2 (h2c, prior knowledge) on the same port as HTTP/1.1, with a real
HTTP/2 client (httpx + h2)."""

import asyncio

import httpx

from ouroboros.api import App
from ouroboros.api.responses import StreamingResponse

app = App()


@app.get("/items/{item_id}")
async def item(item_id: int, q: str | None = None):
    return {"id": item_id, "q": q}


@app.post("/echo")
async def echo(body: dict):
    return body


@app.get("/stream")
async def stream():
    async def chunks():
        for i in range(3):
            await asyncio.sleep(0)
            yield f"chunk{i}\n"

    return StreamingResponse(chunks(), media_type="text/plain")


def h2(client) -> httpx.Client:
    return httpx.Client(http1=False, http2=True, base_url=client.base_url, timeout=10)


def test_h2c_requests_get_the_same_answers(client):
    with h2(client) as c:
        r = c.get("/items/5", params={"q": "x"})
        assert r.http_version == "HTTP/2"
        assert r.status_code == 200
        assert r.headers["content-type"] == "application/json"
        assert r.json() == {"id": 5, "q": "x"}
        r = c.get("/items/abc")
        assert r.status_code == 422
        assert [e["loc"] for e in r.json()["detail"]] == [["path", "item_id"]]
        r = c.post("/echo", json={"a": [1, 2], "b": None})
        assert r.json() == {"a": [1, 2], "b": None}
        r = c.get("/stream")
        assert r.text == "chunk0\nchunk1\nchunk2\n"
        r = c.get("/missing")
        assert (r.status_code, r.json()) == (404, {"detail": "Not Found"})


def test_many_streams_share_one_connection(client):
    async def run() -> list[dict]:
        async with httpx.AsyncClient(http1=False, http2=True, base_url=client.base_url, timeout=10) as c:
            responses = await asyncio.gather(*(c.get(f"/items/{i}") for i in range(60)))
        assert {r.http_version for r in responses} == {"HTTP/2"}
        return [r.json() for r in responses]

    assert asyncio.run(run()) == [{"id": i, "q": None} for i in range(60)]


def test_http1_is_still_served_on_the_port(client):
    r = httpx.get(f"{client.base_url}/items/1")
    assert r.http_version == "HTTP/1.1"
    assert r.json() == {"id": 1, "q": None}
