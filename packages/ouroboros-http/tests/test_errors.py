"""Failures: every one a typed error naming the method and URL; timeouts per phase."""

from __future__ import annotations

import asyncio
import time

import pytest

from ouroboros.core import OuroborosError, OuroborosTimeoutError
from ouroboros.http import (
    ConnectError,
    ConnectTimeout,
    HttpClient,
    HTTPError,
    Limits,
    NetworkError,
    PoolTimeout,
    ReadError,
    ReadTimeout,
    RemoteProtocolError,
    RequestError,
    Timeout,
    TimeoutException,
    TransportError,
)

pytestmark = pytest.mark.asyncio


async def test_refused_connection(closed_port):
    async with HttpClient() as c:
        with pytest.raises(ConnectError) as exc:
            await c.get(closed_port + "/x")
        err = exc.value
        assert err.url == closed_port + "/x"
        assert err.method == "GET"
        assert str(err).startswith(f"GET {closed_port}/x: cannot connect")
        assert "refused" in str(err).lower()
        assert err.request.url == closed_port + "/x"
        for cls in (NetworkError, TransportError, RequestError, HTTPError, OuroborosError, ConnectionError, OSError):
            assert isinstance(err, cls), cls


async def test_connect_timeout(backlog_full_url):
    async with HttpClient(timeout=Timeout(10, connect=0.3)) as c:
        start = time.monotonic()
        with pytest.raises(ConnectTimeout) as exc:
            await c.get(backlog_full_url + "/")
        assert time.monotonic() - start < 8  # the 10 s phases did not apply
        err = exc.value
        assert "timed out while connecting" in str(err)
        for cls in (TimeoutException, OuroborosTimeoutError, TimeoutError, TransportError):
            assert isinstance(err, cls), cls


async def test_read_timeout_on_a_stalled_server(stall_server):
    async with HttpClient(timeout=Timeout(10, read=0.3)) as c:
        start = time.monotonic()
        with pytest.raises(ReadTimeout) as exc:
            await c.get(stall_server.url + "/never")
        assert time.monotonic() - start < 8
        assert exc.value.url == stall_server.url + "/never"
        assert isinstance(exc.value, TimeoutError)


async def test_read_timeout_mid_body(base):
    async with HttpClient(timeout=Timeout(10, read=0.3)) as c:
        with pytest.raises(ReadTimeout) as exc:
            await c.get(base + "/slow-body", params={"s": "5"})
        assert "/slow-body" in str(exc.value)


async def test_total_timeout_bounds_the_whole_exchange(base):
    async with HttpClient(timeout=Timeout(10, total=0.3)) as c:
        with pytest.raises(ReadTimeout, match="overall timeout of 300ms"):
            await c.get(base + "/delay", params={"s": "3"})


async def test_per_request_timeout(base):
    async with HttpClient(timeout=10) as c:
        with pytest.raises(ReadTimeout, match="timed out waiting for the server"):
            await c.get(base + "/delay", params={"s": "3"}, timeout=0.2)
        r = await c.get(base + "/delay", params={"s": "0.05"}, timeout=None)
        assert r.json() == {"delayed": True}
        with pytest.raises(ReadTimeout):
            await c.get(base + "/delay", params={"s": "3"}, timeout=Timeout(0.2))


@pytest.mark.parametrize("bad", [-1, "5", float("nan")])
async def test_invalid_timeouts(bad):
    from ouroboros.core import InvalidArgumentError

    with pytest.raises(InvalidArgumentError):
        HttpClient(timeout=Timeout(bad) if not isinstance(bad, str) else bad)


async def test_server_dropping_the_connection(drop_server):
    async with HttpClient() as c:
        with pytest.raises(RemoteProtocolError, match="disconnected without sending a response") as exc:
            await c.get(drop_server.url + "/drop")
        assert exc.value.url == drop_server.url + "/drop"


async def test_server_sending_garbage(garbage_server):
    async with HttpClient() as c:
        with pytest.raises(RemoteProtocolError) as exc:
            await c.get(garbage_server.url + "/g")
        assert exc.value.method == "GET"


async def test_connection_closed_mid_body(midbody_server):
    async with HttpClient() as c:
        with pytest.raises((RemoteProtocolError, ReadError)) as exc:
            await c.get(midbody_server.url + "/m")
        assert "/m" in str(exc.value)


async def test_pool_timeout(base):
    async with HttpClient(limits=Limits(max_connections=1), timeout=Timeout(10, pool=0.2)) as c:
        slow = asyncio.ensure_future(c.get(base + "/delay", params={"s": "3"}))
        await asyncio.sleep(0.3)  # the slow request has taken the only slot
        with pytest.raises(PoolTimeout, match="max_connections=1"):
            await c.get(base + "/json")
        assert (await slow).status_code == 200
        assert (await c.get(base + "/json")).status_code == 200


async def test_cancelled_request_frees_its_connection_slot(stall_server, base):
    async with HttpClient(limits=Limits(max_connections=1), timeout=Timeout(30, pool=5)) as c:
        task = asyncio.ensure_future(c.get(stall_server.url + "/hang"))
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        r = await c.get(base + "/json")
        assert r.status_code == 200


async def test_wait_for_cancels_cleanly(stall_server, base):
    async with HttpClient(limits=Limits(max_connections=1), timeout=Timeout(30, pool=5)) as c:
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(c.get(stall_server.url + "/hang"), 0.2)
        assert (await c.get(base + "/json")).status_code == 200


def _open_fds() -> int:
    import os

    return len(os.listdir("/proc/self/fd"))


def _rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


async def test_ten_thousand_requests_to_a_closed_server_leak_nothing(closed_port):
    async with HttpClient() as c:

        async def one(i: int) -> str:
            try:
                await c.get(f"{closed_port}/n{i}")
            except ConnectError as e:
                return type(e).__name__
            return "ok"

        for i in range(0, 1000, 100):  # warm-up: allocator and runtime reach steady state
            await asyncio.gather(*(one(i + j) for j in range(100)))
        fds, rss = _open_fds(), _rss_mb()
        kinds = set()
        for i in range(0, 10_000, 100):
            kinds.update(await asyncio.gather(*(one(i + j) for j in range(100))))
        assert kinds == {"ConnectError"}
        assert _open_fds() - fds <= 5
        assert _rss_mb() - rss < 40


async def test_write_timeout_when_the_server_stops_reading(stall_server):
    from ouroboros.http import WriteTimeout

    body = b"x" * (64 * 1024 * 1024)
    async with HttpClient(timeout=Timeout(30, write=0.3)) as c:
        start = time.monotonic()
        with pytest.raises(WriteTimeout, match="write timeout") as exc:
            await c.post(stall_server.url + "/upload", content=body)
        assert time.monotonic() - start < 20
        assert exc.value.url == stall_server.url + "/upload"
        assert isinstance(exc.value, TimeoutError)


async def test_large_bodies_keep_their_content_length(base):
    body = b"y" * 3_000_000
    async with HttpClient(timeout=Timeout(30, write=5)) as c:
        echo = (await c.post(base + "/echo", content=body)).json()
        assert len(echo["body"]) == 3_000_000
        names = dict(echo["headers"])
        assert names["content-length"] == "3000000"
        assert "transfer-encoding" not in names
