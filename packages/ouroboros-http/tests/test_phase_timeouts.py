"""Per-request timeouts per phase (``timeout=Timeout(connect=, read=, write=, pool=)``
on one call, as httpx): each phase stalled by a loopback server raises its own class,
while the client's own (long) timeouts stay in force for other requests."""

from __future__ import annotations

import asyncio
import time

import pytest

from ouroboros.core import InvalidArgumentError
from ouroboros.http import (
    Client,
    ConnectTimeout,
    HttpClient,
    Limits,
    PoolTimeout,
    ReadTimeout,
    Timeout,
    WriteTimeout,
)

LONG = Timeout(30)
BIG = b"x" * (64 * 1024 * 1024)


@pytest.mark.asyncio
async def test_connect_phase(backlog_full_url):
    async with HttpClient(timeout=LONG) as c:
        start = time.monotonic()
        with pytest.raises(ConnectTimeout, match="timed out while connecting") as exc:
            await c.get(backlog_full_url + "/", timeout=Timeout(30, connect=0.3))
        assert time.monotonic() - start < 10
        assert exc.value.url == backlog_full_url + "/"


@pytest.mark.asyncio
async def test_read_phase(stall_server):
    async with HttpClient(timeout=LONG) as c:
        start = time.monotonic()
        with pytest.raises(ReadTimeout, match="timed out waiting for the server"):
            await c.get(stall_server.url + "/r", timeout=Timeout(30, read=0.3))
        assert time.monotonic() - start < 10


@pytest.mark.asyncio
async def test_write_phase(stall_server):
    async with HttpClient(timeout=LONG) as c:
        start = time.monotonic()
        with pytest.raises(WriteTimeout, match=r"write timeout 300ms"):
            await c.post(stall_server.url + "/w", content=BIG, timeout=Timeout(30, write=0.3))
        assert time.monotonic() - start < 15


@pytest.mark.asyncio
async def test_write_phase_of_a_streamed_body(stall_server):
    async def produce():
        for _ in range(1024):
            yield bytes(65536)

    async with HttpClient(timeout=LONG) as c:
        with pytest.raises(WriteTimeout, match=r"write timeout 300ms"):
            await c.post(stall_server.url + "/w", content=produce(), timeout=Timeout(30, write=0.3))


@pytest.mark.asyncio
async def test_a_slow_producer_is_not_a_write_timeout(sink):
    async def produce():
        for _ in range(4):
            await asyncio.sleep(0.3)
            yield bytes(200_000)

    async with HttpClient(timeout=LONG) as c:
        r = await c.post(sink.url + "/slow", content=produce(), timeout=Timeout(30, write=0.1))
    assert r.json()["length"] == 800_000


@pytest.mark.asyncio
async def test_pool_phase(base):
    async with HttpClient(limits=Limits(max_connections=1), timeout=LONG) as c:
        slow = asyncio.ensure_future(c.get(base + "/delay", params={"s": "1.5"}))
        await asyncio.sleep(0.3)
        with pytest.raises(PoolTimeout, match="pool timeout of 200ms"):
            await c.get(base + "/json", timeout=Timeout(30, pool=0.2))
        assert (await slow).status_code == 200


@pytest.mark.asyncio
async def test_a_number_bounds_each_phase_and_none_lifts_them(stall_server, backlog_full_url, base):
    async with HttpClient(timeout=Timeout(0.2)) as c:
        with pytest.raises(ReadTimeout):
            await c.get(stall_server.url + "/n", timeout=0.3)
        with pytest.raises(ConnectTimeout):
            await c.get(backlog_full_url + "/", timeout=0.3)
        # Longer than the client's 0.2 s read bound: fine with a per-request bound.
        r = await c.get(base + "/delay", params={"s": "0.5"}, timeout=2)
        assert r.json() == {"delayed": True}
        r = await c.get(base + "/delay", params={"s": "0.5"}, timeout=None)
        assert r.json() == {"delayed": True}
        # The client's own bound still applies to requests without one.
        with pytest.raises(ReadTimeout):
            await c.get(base + "/delay", params={"s": "0.5"})


@pytest.mark.asyncio
async def test_stream_and_send_take_a_timeout(stall_server, base):
    async with HttpClient(timeout=LONG) as c:
        with pytest.raises(ReadTimeout):
            async with c.stream("GET", stall_server.url + "/s", timeout=Timeout(30, read=0.3)):
                pass
        request = c.build_request("GET", stall_server.url + "/b", timeout=Timeout(30, read=0.3))
        with pytest.raises(ReadTimeout):
            await c.send(request)
        r = await c.get(base + "/json", timeout={"connect": 1, "read": 1, "write": 1, "pool": 1})
        assert r.status_code == 200


def test_sync_client_phases(stall_server, backlog_full_url, base):
    with Client(timeout=LONG, limits=Limits(max_connections=2)) as c:
        with pytest.raises(ConnectTimeout):
            c.get(backlog_full_url + "/", timeout=Timeout(30, connect=0.3))
        with pytest.raises(ReadTimeout):
            c.get(stall_server.url + "/r", timeout=Timeout(30, read=0.3))
        with pytest.raises(WriteTimeout):
            c.post(stall_server.url + "/w", content=BIG, timeout=Timeout(30, write=0.3))
        assert c.get(base + "/json", timeout=Timeout(1)).status_code == 200


@pytest.mark.parametrize(
    ("timeout", "phase"),
    [
        (1e300, "connect timeout"),
        ({"connect": 5, "read": -1, "write": 5, "pool": 5}, "read timeout"),
        (float("nan"), "connect timeout"),
    ],
)
def test_out_of_range_per_request_timeouts(base, timeout, phase):
    with Client() as c, pytest.raises(InvalidArgumentError, match=phase) as exc:
        c.get(base + "/json", timeout=timeout)
    assert isinstance(exc.value, ValueError)


@pytest.mark.asyncio
async def test_setting_client_timeout_applies_to_later_requests(stall_server, base):
    async with HttpClient(timeout=LONG) as c:
        c.timeout = 0.3
        assert c.timeout == Timeout(0.3)
        start = time.monotonic()
        with pytest.raises(ReadTimeout):
            await c.get(stall_server.url + "/later")
        assert time.monotonic() - start < 10
        c.timeout = LONG
        assert (await c.get(base + "/json")).status_code == 200
