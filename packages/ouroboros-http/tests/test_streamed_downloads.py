"""Streamed response bodies: values arrive whole and in order, a slow consumer
keeps the client's memory bounded, closing mid-stream stops the reading, and
errors mid-body keep their classes."""

from __future__ import annotations

import asyncio
import hashlib
import json
import subprocess
import sys
import textwrap
import time

import pytest
from servers import RawServer

from ouroboros.http import Client, HttpClient, RemoteProtocolError, ResponseTooLarge, StreamConsumed

MiB = 1 << 20


def _expected() -> tuple[int, str]:
    h = hashlib.sha256()
    n = 0
    for i in range(RawServer.PATTERN_BLOCKS):
        block = RawServer.pattern_block(i)
        h.update(block)
        n += len(block)
    return n, h.hexdigest()


@pytest.mark.asyncio
async def test_async_iteration_gives_every_byte_in_order(pattern_server):
    size, digest = _expected()
    h = hashlib.sha256()
    seen = 0
    async with HttpClient() as c, c.stream("GET", pattern_server.url + "/p") as r:
        async for chunk in r.aiter_bytes():
            assert type(chunk) is bytes and chunk
            # A slow consumer now and then.
            if seen % (5 * MiB) < len(chunk):
                time.sleep(0.02)
            h.update(chunk)
            seen += len(chunk)
        assert r.is_stream_consumed and r.is_closed
    assert (seen, h.hexdigest()) == (size, digest)


def test_sync_iteration_gives_every_byte_in_order(pattern_server):
    size, digest = _expected()
    h = hashlib.sha256()
    seen = 0
    with Client() as c, c.stream("GET", pattern_server.url + "/p") as r:
        for chunk in r.iter_raw():
            h.update(chunk)
            seen += len(chunk)
        with pytest.raises(StreamConsumed):
            r.iter_bytes()
    assert (seen, h.hexdigest()) == (size, digest)


def test_read_after_some_chunks_gives_the_rest(pattern_server):
    size, digest = _expected()
    with Client() as c, c.stream("GET", pattern_server.url + "/p") as r:
        it = r.iter_bytes()
        head = next(it) + next(it)
        rest = r.read()
    assert len(head) + len(rest) == size
    assert hashlib.sha256(head + rest).hexdigest() == digest


@pytest.mark.asyncio
async def test_other_tasks_run_during_a_long_body(pattern_server):
    # Other tasks on the loop get turns while a long body is iterated.
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    _, digest = _expected()
    h = hashlib.sha256()
    task = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    try:
        async with HttpClient() as c, c.stream("GET", pattern_server.url + "/p") as r:
            it = r.aiter_bytes()
            first = await asyncio.wait_for(it.__anext__(), 10)  # any awaitable protocol works
            h.update(first)
            start = ticks
            async for chunk in it:
                h.update(chunk)
            assert ticks > start
    finally:
        task.cancel()
    assert h.hexdigest() == digest


@pytest.mark.asyncio
async def test_aread_and_read_give_the_whole_body(pattern_server):
    size, digest = _expected()
    async with HttpClient() as c, c.stream("GET", pattern_server.url + "/p") as r:
        body = await r.aread()
    assert (len(body), hashlib.sha256(body).hexdigest()) == (size, digest)
    with Client() as c, c.stream("GET", pattern_server.url + "/p") as r:
        assert hashlib.sha256(r.read()).hexdigest() == digest


@pytest.mark.asyncio
async def test_text_across_joined_pieces(base):
    async with HttpClient() as c, c.stream("GET", base + "/bytes", params={"n": "3000000"}) as r:
        parts = [t async for t in r.aiter_text()]
    assert "".join(parts) == "x" * 3_000_000


def _wait_for(predicate, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


@pytest.mark.asyncio
async def test_closing_mid_stream_stops_the_download(endless_server):
    finished = endless_server.finished
    async with HttpClient() as c:
        async with c.stream("GET", endless_server.url + "/e") as r:
            it = r.aiter_bytes()
            await it.__anext__()
            await it.__anext__()
        # Closing dropped the connection, so the endless server stops writing.
        assert _wait_for(lambda: endless_server.finished > finished)
        sent = endless_server.sent
        time.sleep(0.3)
        assert endless_server.sent == sent
        assert r.is_closed


def test_breaking_out_of_a_sync_loop_stops_the_download(endless_server):
    finished = endless_server.finished
    with Client() as c:
        with c.stream("GET", endless_server.url + "/e") as r:
            for n, _ in enumerate(r.iter_bytes()):
                if n == 3:
                    break
        assert _wait_for(lambda: endless_server.finished > finished)


def test_a_dropped_response_stops_the_download(endless_server):
    finished = endless_server.finished
    with Client() as c:
        r = c.send(c.build_request("GET", endless_server.url + "/e"), stream=True)
        next(iter(r.iter_bytes()))
        del r
        assert _wait_for(lambda: endless_server.finished > finished)


def _drain(response, into: list[bytes]) -> None:
    into.extend(response.iter_bytes())


async def _adrain(response, into: list[bytes]) -> None:
    async for chunk in response.aiter_bytes():
        into.append(chunk)


@pytest.mark.asyncio
async def test_error_mid_body_keeps_its_class_when_iterated(midbody_server):
    got: list[bytes] = []
    async with HttpClient() as c, c.stream("GET", midbody_server.url + "/m") as r:
        with pytest.raises(RemoteProtocolError, match="before the body was complete") as exc:
            await _adrain(r, got)
    # The bytes that arrived before the failure are handed out first.
    assert got == [b"0123456789"]
    assert exc.value.url == midbody_server.url + "/m"
    with Client() as c, c.stream("GET", midbody_server.url + "/m") as r:
        with pytest.raises(RemoteProtocolError, match="before the body was complete"):
            _drain(r, [])
        assert r.is_closed


def test_response_size_cap_when_iterated_sync(endless_server):
    got: list[bytes] = []
    with (
        Client(max_response_size=3 * MiB) as c,
        c.stream("GET", endless_server.url + "/e") as r,
        pytest.raises(ResponseTooLarge, match="max_response_size=3145728"),
    ):
        _drain(r, got)
    assert 2 * MiB < sum(map(len, got)) <= 3 * MiB


_SLOW_CONSUMER = textwrap.dedent(
    """
    import asyncio, json, sys, time
    from ouroboros.http import Client, HttpClient

    def hwm():
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024

    url, kind = sys.argv[1], sys.argv[2]

    def run_sync():
        with Client() as c, c.stream("GET", url) as r:
            it = r.iter_bytes()
            next(it)
            base = hwm()
            for _ in range(3):
                time.sleep(0.5)  # a consumer far slower than the endless server
                next(it)
            return base

    async def run_async():
        async with HttpClient() as c, c.stream("GET", url) as r:
            it = r.aiter_bytes()
            await it.__anext__()
            base = hwm()
            for _ in range(3):
                await asyncio.sleep(0.5)
                await it.__anext__()
            return base

    base = run_sync() if kind == "sync" else asyncio.run(run_async())
    print(json.dumps({"base": base, "peak": hwm()}))
    """
)


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_slow_consumer_keeps_client_memory_bounded(endless_server, kind):
    sent = endless_server.sent
    args = [sys.executable, "-c", _SLOW_CONSUMER, endless_server.url + "/e", kind]
    out = subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    # The server writes as fast as the client takes; in 1.5 s a client that
    # buffered ahead without a bound would have taken gigabytes. What the
    # client holds: socket buffers, hyper's read buffer, the chunk handed out.
    assert report["peak"] - report["base"] < 24, report
    assert endless_server.sent - sent < 64 * MiB, endless_server.sent - sent
