"""Streaming bodies: bytes, text and lines, async and sync, and the stream's states."""

from __future__ import annotations

import pytest

from ouroboros.http import (
    Client,
    HttpClient,
    ReadTimeout,
    RemoteProtocolError,
    ResponseNotRead,
    StreamClosed,
    StreamConsumed,
    Timeout,
)

pytestmark = pytest.mark.asyncio


async def test_aiter_bytes(base):
    async with HttpClient() as c, c.stream("GET", base + "/stream", params={"n": "4"}) as r:
        assert r.status_code == 200
        assert not r.is_stream_consumed
        chunks = [chunk async for chunk in r.aiter_bytes()]
        assert b"".join(chunks) == b"line 0\nline 1\nline 2\nline 3\n"
        assert r.is_stream_consumed


async def test_aiter_lines(base):
    async with HttpClient() as c, c.stream("GET", base + "/stream", params={"n": "3"}) as r:
        assert [line async for line in r.aiter_lines()] == ["line 0", "line 1", "line 2"]


async def test_aiter_text(base):
    async with HttpClient() as c, c.stream("GET", base + "/text") as r:
        assert "".join([t async for t in r.aiter_text()]) == "héllo wörld"


async def test_aread_then_content(base):
    async with HttpClient() as c, c.stream("GET", base + "/json") as r:
        with pytest.raises(ResponseNotRead, match="read"):
            r.content
        body = await r.aread()
        assert body == r.content
        assert r.json()["name"] == "ouroboros"
        # Once read, iteration replays the stored body.
        assert b"".join([c async for c in r.aiter_bytes()]) == body


async def test_second_iteration_is_stream_consumed(base):
    async with HttpClient() as c, c.stream("GET", base + "/stream") as r:
        [c async for c in r.aiter_bytes()]
        with pytest.raises(StreamConsumed) as exc:
            r.aiter_bytes()
        assert "/stream" in str(exc.value)


async def test_closed_stream(base):
    async with HttpClient() as c:
        async with c.stream("GET", base + "/stream") as r:
            pass
        assert r.is_closed
        with pytest.raises(StreamClosed):
            r.aiter_bytes()


async def test_stream_with_a_large_body(base):
    async with HttpClient() as c, c.stream("GET", base + "/bytes", params={"n": str(3_000_000)}) as r:
        total = 0
        async for chunk in r.aiter_bytes():
            total += len(chunk)
        assert total == 3_000_000


async def test_stream_error_mid_body(midbody_server):
    async with HttpClient() as c, c.stream("GET", midbody_server.url + "/m") as r:
        assert r.status_code == 200
        with pytest.raises(RemoteProtocolError, match="before the body was complete"):
            await r.aread()


async def test_stream_read_timeout(base):
    client = HttpClient(timeout=Timeout(10, read=0.3))
    async with client, client.stream("GET", base + "/slow-body", params={"s": "5"}) as r:
        it = r.aiter_bytes()
        assert await it.__anext__() == b"start"
        with pytest.raises(ReadTimeout):
            await it.__anext__()


async def test_sync_stream_lines(base):
    with Client() as c, c.stream("GET", base + "/stream", params={"n": "3"}) as r:
        assert list(r.iter_lines()) == ["line 0", "line 1", "line 2"]


async def test_sync_stream_read(base):
    with Client() as c, c.stream("GET", base + "/json") as r:
        assert r.read() == r.content
        assert r.json()["id"] == 1


async def test_sync_iter_bytes_and_text(base):
    with Client() as c:
        with c.stream("GET", base + "/text") as r:
            assert "".join(r.iter_text()) == "héllo wörld"
        r = c.get(base + "/stream", params={"n": "2"})
        assert b"".join(r.iter_bytes()) == b"line 0\nline 1\n"
