"""Streamed request bodies: iterators, generators, files and multipart files go
out chunk by chunk through a bounded channel, with upload progress."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import subprocess
import sys
import textwrap

import pytest

from ouroboros.core import InvalidArgumentError
from ouroboros.http import Client, HttpClient, StreamConsumed
from ouroboros.http._http import RequestStream

CHUNK = 64 * 1024


def _chunks(n: int, size: int = CHUNK):
    for i in range(n):
        yield bytes([i % 251]) * size


def _digest(n: int, size: int = CHUNK) -> str:
    h = hashlib.sha256()
    for c in _chunks(n, size):
        h.update(c)
    return h.hexdigest()


def test_sync_generator_is_sent_chunked(sink):
    with Client() as c:
        r = c.post(sink.url + "/up", content=_chunks(80))
    got = r.json()
    assert got["length"] == 80 * CHUNK
    assert got["sha256"] == _digest(80)
    assert got["chunked"] is True
    assert got["content_length"] is None


@pytest.mark.asyncio
async def test_async_generator_is_sent_chunked(sink):
    async def produce():
        for c in _chunks(80):
            await asyncio.sleep(0)
            yield c

    async with HttpClient() as c:
        r = await c.post(sink.url + "/up", content=produce())
    got = r.json()
    assert (got["length"], got["sha256"], got["chunked"]) == (80 * CHUNK, _digest(80), True)


@pytest.mark.parametrize("client_kind", ["sync", "async"])
def test_file_object_keeps_its_length(sink, tmp_path, client_kind):
    path = tmp_path / "big.bin"
    path.write_bytes(b"".join(_chunks(50, 10_000)))
    with path.open("rb") as f:
        if client_kind == "sync":
            with Client() as c:
                got = c.put(sink.url + "/f", content=f).json()
        else:
            # httpx sends a sync file only from the sync client; a multipart part works from both.
            async def run():
                async with HttpClient() as c:
                    return (await c.put(sink.url + "/f", files={"f": f})).json()

            got = asyncio.run(run())
    if client_kind == "sync":
        assert got == {
            "length": 500_000,
            "sha256": _digest(50, 10_000),
            "chunked": False,
            "content_length": "500000",
            "content_type": None,
        }
    else:
        assert got["chunked"] is False
        assert int(got["content_length"]) == got["length"] > 500_000
        assert got["content_type"].startswith("multipart/form-data; boundary=")


@pytest.mark.asyncio
async def test_multipart_file_streamed_arrives_whole(base, tmp_path):
    data = os.urandom(3 * 1024 * 1024 + 17)
    path = tmp_path / "upload.bin"
    path.write_bytes(data)
    async with HttpClient() as c:
        with path.open("rb") as f:
            r = await c.post(base + "/multipart", data={"title": "t"}, files={"doc": f, "p": path})
    parts = {p["name"]: p for p in r.json()["parts"]}
    assert parts["title"]["data"] == "t"
    assert parts["doc"]["filename"] == "upload.bin"
    assert parts["doc"]["data"] == data.decode("latin-1")
    assert parts["p"]["data"] == data.decode("latin-1")


def test_upload_progress_reports_bytes_sent(sink, tmp_path):
    path = tmp_path / "p.bin"
    path.write_bytes(b"z" * (2 * 1024 * 1024))
    seen: list[tuple[int, int | None]] = []
    with Client() as c, path.open("rb") as f:
        r = c.post(sink.url + "/p", content=f, extensions={"upload_progress": lambda s, t: seen.append((s, t))})
    assert r.json()["length"] == 2 * 1024 * 1024
    assert len(seen) >= 4
    assert seen[-1] == (2 * 1024 * 1024, 2 * 1024 * 1024)
    sent = [s for s, _ in seen]
    assert sent == sorted(sent) and len(set(sent)) == len(sent)
    assert {t for _, t in seen} == {2 * 1024 * 1024}


@pytest.mark.asyncio
async def test_upload_progress_of_unknown_length_and_of_bytes(sink):
    async def produce():
        for c in _chunks(20):
            yield c

    seen: list[tuple[int, int | None]] = []
    async with HttpClient() as c:
        await c.post(
            sink.url + "/p", content=produce(), extensions={"upload_progress": lambda s, t: seen.append((s, t))}
        )
        assert seen[-1] == (20 * CHUNK, None)
        seen.clear()
        r = await c.post(
            sink.url + "/p", content=b"q" * 1_000_000, extensions={"upload_progress": lambda *a: seen.append(a)}
        )
    assert r.json()["content_length"] == "1000000"
    assert seen[-1] == (1_000_000, 1_000_000)
    assert len(seen) > 1


def test_failing_generator_raises_its_error_and_never_ends_the_body(sink):
    before = len(sink.completed)

    def produce():
        yield b"a" * CHUNK
        yield b"b" * CHUNK
        raise ValueError("disk went away")

    with Client() as c, pytest.raises(ValueError, match="disk went away"):
        c.post(sink.url + "/x", content=produce())
    # The connection failed: the server never got a body that looked complete.
    import time

    time.sleep(0.2)
    assert len(sink.completed) == before


@pytest.mark.asyncio
async def test_progress_callback_can_cancel_an_upload(sink):
    class Stop(Exception):
        pass

    def progress(sent: int, total: int | None) -> None:
        if sent > 4 * CHUNK:
            raise Stop(f"stopped at {sent}")

    async def produce():
        for c in _chunks(500):
            yield c

    async with HttpClient() as c:
        with pytest.raises(Stop, match="stopped at"):
            await c.post(sink.url + "/x", content=produce(), extensions={"upload_progress": progress})
        # The client still works afterwards.
        assert (await c.post(sink.url + "/y", content=b"ok")).json()["length"] == 2


@pytest.mark.asyncio
async def test_streamed_body_cannot_be_replayed_on_a_307(base):
    async def produce():
        yield b"once"

    async with HttpClient(follow_redirects=True) as c:
        with pytest.raises(StreamConsumed, match="cannot be sent again"):
            await c.post(base + "/redirect-to", params={"url": "/echo", "status": "307"}, content=produce())


def test_sync_iterator_with_the_async_client_is_refused(sink):
    async def run():
        async with HttpClient() as c:
            await c.post(sink.url + "/x", content=iter([b"a"]))

    with pytest.raises(RuntimeError, match="sync request with an AsyncClient"):
        asyncio.run(run())


@pytest.mark.parametrize("bad", [0, 1025])
def test_channel_capacity_is_bounded(bad):
    with pytest.raises(InvalidArgumentError, match="capacity must be between 1 and 1024"):
        RequestStream(bad)


def test_channel_refuses_chunks_once_abandoned():
    s = RequestStream(2)
    assert s.try_send(b"a") is True
    assert s.try_send(b"b") is True
    assert s.try_send(b"c") is False  # full: the producer must wait
    s.abandon()
    assert s.try_send(b"d") is None
    assert s.send_sync(b"e") is False
    assert s.sent == 0


_CHILD = textwrap.dedent(
    """
    import asyncio, json, sys
    from ouroboros.http import Client, HttpClient

    def hwm():
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024

    url, kind = sys.argv[1], sys.argv[2]
    N = 1600  # 1600 x 64 KiB = 100 MiB

    def chunks():
        for i in range(N):
            yield bytes([i % 251]) * 65536

    async def achunks():
        for c in chunks():
            yield c

    async def run_async():
        async with HttpClient() as c:
            await c.post(url, content=b"warm-up")
            base = hwm()
            r = await c.post(url, content=achunks())
            return base, r.json()

    if kind == "trio":
        import trio

        base, got = trio.run(run_async)
    elif kind == "sync":
        with Client() as c:
            c.post(url, content=b"warm-up")
            base = hwm()
            got = c.post(url, content=chunks()).json()
    elif kind == "multipart":
        path = sys.argv[3]
        with Client() as c:
            c.post(url, content=b"warm-up")
            base = hwm()
            with open(path, "rb") as f:
                got = c.post(url, files={"f": f}).json()
    else:
        base, got = asyncio.run(run_async())
    print(json.dumps({"base": base, "peak": hwm(), "got": got}))
    """
)


@pytest.mark.parametrize("kind", ["sync", "async", "multipart", "trio"])
def test_100_mib_upload_keeps_client_memory_flat(sink, tmp_path, kind):
    args = [sys.executable, "-c", _CHILD, sink.url + "/big", kind]
    if kind == "multipart":
        path = tmp_path / "100m.bin"
        with path.open("wb") as f:
            for i in range(1600):
                f.write(bytes([i % 251]) * 65536)
        args.append(str(path))
    out = subprocess.run(args, capture_output=True, text=True, timeout=110, check=False)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    got = report["got"]
    if kind == "multipart":
        assert got["chunked"] is False and got["length"] > 100 * 1024 * 1024
        if kind == "multipart":
            path.unlink()
    else:
        assert got["length"] == 100 * 1024 * 1024
        assert got["chunked"] is True
    # The whole body is 100 MiB; the client's peak grew by far less.
    assert report["peak"] - report["base"] < 40, report


@pytest.mark.asyncio
async def test_in_memory_multipart_is_replayed_on_a_307(base):
    async with HttpClient(follow_redirects=True) as c:
        r = await c.post(
            base + "/redirect-to",
            params={"url": "/multipart", "status": "307"},
            files={"a": ("a.txt", b"alpha")},
            extensions={"note": "slow path"},
        )
    assert r.status_code == 200
    assert [p["data"] for p in r.json()["parts"]] == ["alpha"]
    assert len(r.history) == 1


def test_async_generator_is_streamed_under_trio(sink):
    trio = pytest.importorskip("trio")
    seen: list[int] = []

    async def produce():
        for c in _chunks(40):
            await trio.sleep(0)
            yield c

    async def main():
        async with HttpClient() as c:
            return (
                await c.post(
                    sink.url + "/up", content=produce(), extensions={"upload_progress": lambda n, _t: seen.append(n)}
                )
            ).json()

    got = trio.run(main)
    assert (got["length"], got["sha256"], got["chunked"]) == (40 * CHUNK, _digest(40), True)
    assert seen[-1] == 40 * CHUNK and seen == sorted(seen)


def test_failing_producer_under_trio_raises_its_own_error(sink):
    trio = pytest.importorskip("trio")

    async def produce():
        yield b"first"
        raise KeyError("producer broke")

    async def main():
        async with HttpClient() as c:
            await c.post(sink.url + "/up", content=produce())

    # The producer's error itself, not an exception group and not a short body sent as whole.
    with pytest.raises(KeyError, match="producer broke"):
        trio.run(main)


def test_a_blocked_producer_does_not_hold_up_a_failed_request(closed_port, monkeypatch):
    import threading

    from ouroboros.http import ConnectError, _client

    monkeypatch.setattr(_client, "_PUMP_GRACE", 0.2)
    release = threading.Event()

    def produce():
        yield b"first"
        release.wait(30)  # an iterator stuck on its own source
        yield b"never sent"

    try:
        with Client() as c, pytest.raises(ConnectError):
            c.post(closed_port + "/x", content=produce())
    finally:
        release.set()
