"""Bounded memory under clients that do not read (or send without end).

Each test runs the app in its own server process, drives it with a raw
socket client that stops reading, and reads the server's resident set from
/proc/<pid>/status (VmHWM is the peak; ``ru_maxrss`` of a child is not
reliable across fork+exec). Without the flow control each case grows the
server by hundreds of MiB; with it the growth stays within a few windows.
"""

from __future__ import annotations

import base64
import os
import socket
import struct
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads RSS from /proc (Linux)")

MiB = 1 << 20
# Growth allowed over the idle server: windows of 256 KiB per stream, hyper's
# write buffer, a chunk or two being built, allocator slack.
GROWTH_LIMIT = 64 * MiB

APP = textwrap.dedent(
    """
    import asyncio, sys
    from ouroboros.api import App, File, Form, UploadFile, WebSocket, WebSocketDisconnect
    from ouroboros.api.responses import FileResponse, StreamingResponse

    MiB = 1 << 20
    app = App()
    state = {"produced": 0, "closed": False, "sync_produced": 0, "sync_closed": False, "ws_tried": 0, "ws_sent": 0}

    @app.get("/state")
    async def get_state():
        return state

    def counted(prefix):
        # 512 MiB of chunks, counted in `state`; "closed" once the iterator ends.
        try:
            for _ in range(512):
                state[prefix + "produced"] += 1
                yield b"x" * MiB
        finally:
            state[prefix + "closed"] = True

    async def as_async(chunks):
        try:
            for chunk in chunks:
                yield chunk
        finally:
            chunks.close()

    @app.get("/stream")
    async def stream():
        return StreamingResponse(as_async(counted("")), media_type="application/octet-stream")

    @app.get("/chunks")
    async def chunks(n: int = 8):
        async def gen():
            for _ in range(n):
                yield b"y" * MiB
        return StreamingResponse(gen(), media_type="application/octet-stream")

    @app.get("/sync-stream")
    def sync_stream():
        return StreamingResponse(counted("sync_"), media_type="application/octet-stream")

    @app.get("/file")
    async def file():
        return FileResponse(sys.argv[2])

    @app.post("/upload")
    async def upload(f: UploadFile = File()):
        size, on_disk = 0, not f._in_memory
        while chunk := await f.read(MiB):
            size += len(chunk)
        return {"size": size, "on_disk": on_disk}

    @app.post("/upload-capped", max_body_size=MiB)
    async def upload_capped(f: UploadFile = File()):
        return {"size": len(await f.read())}

    @app.post("/form-field")
    async def form_field(note: str = Form()):
        return {"size": len(note)}

    @app.websocket("/ws-send")
    async def ws_send(ws: WebSocket):
        await ws.accept()
        try:
            for _ in range(1500):
                state["ws_tried"] += 1
                await ws.send_bytes(b"y" * MiB)
                state["ws_sent"] += 1
        except WebSocketDisconnect:
            pass

    @app.websocket("/ws-sink")
    async def ws_sink(ws: WebSocket):
        await ws.accept()
        await asyncio.sleep(3600)

    if sys.argv[3:] == ["uvicorn"]:
        import uvicorn

        uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="error", lifespan="off")
    else:
        asyncio.run(app.serve("127.0.0.1", int(sys.argv[1])))
    """
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def status_kib(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"{key} missing from /proc/{pid}/status")


class Server:
    def __init__(self, tmp_path: Path, *extra: str) -> None:
        script = tmp_path / "app.py"
        script.write_text(APP)
        # A sparse 1 GiB file: reads return zeros and take no disk.
        self.big_file = tmp_path / "big.bin"
        with self.big_file.open("wb") as f:
            f.truncate(1024 * MiB)
        self.port = free_port()
        self.log = tmp_path / "stderr.txt"
        self._log = self.log.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, str(script), str(self.port), str(self.big_file), *extra], stderr=self._log
        )
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                self.state()
                break
            except httpx.TransportError:
                assert self.proc.poll() is None, self.log.read_text()
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.05)
        self.baseline = status_kib(self.proc.pid, "VmRSS")

    def state(self) -> dict:
        return httpx.get(f"{self.base}/state", timeout=10).json()

    def rss(self) -> int:
        return status_kib(self.proc.pid, "VmRSS")

    def peak_growth(self) -> int:
        return status_kib(self.proc.pid, "VmHWM") - self.baseline

    def wait_until_still(self, probe, *, settle: float = 1.0, limit: float = 30) -> object:
        """Poll ``probe`` until it has started (a true value) and then stops
        changing (the producer is parked)."""
        deadline = time.monotonic() + limit
        while not probe():
            assert time.monotonic() < deadline, "the producer did not start"
            time.sleep(0.05)
        last, since = probe(), time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(0.15)
            now = probe()
            if now != last:
                last, since = now, time.monotonic()
            elif time.monotonic() - since >= settle:
                return now
        raise AssertionError(f"still changing after {limit}s: {last!r}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._log.close()


@pytest.fixture
def server(tmp_path):
    s = Server(tmp_path)
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture
def asgi_server(tmp_path):
    """The same app served as ASGI by uvicorn."""
    pytest.importorskip("uvicorn")
    s = Server(tmp_path, "uvicorn")
    try:
        yield s
    finally:
        s.stop()


def stalled_get(server: Server, path: str) -> socket.socket:
    """A client that sends a request, reads the start of the answer and then
    nothing more (a small receive buffer, so the kernel holds little)."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
    sock.connect(("127.0.0.1", server.port))
    sock.sendall(f"GET {path} HTTP/1.1\r\nhost: t\r\n\r\n".encode())
    head = sock.recv(4096)
    assert head.startswith(b"HTTP/1.1 200"), head[:200]
    return sock


def ws_handshake(server: Server, path: str) -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
    sock.connect(("127.0.0.1", server.port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            f"GET {path} HTTP/1.1\r\nhost: t\r\nupgrade: websocket\r\nconnection: Upgrade\r\n"
            f"sec-websocket-key: {key}\r\nsec-websocket-version: 13\r\n\r\n"
        ).encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(1)
    assert head.startswith(b"HTTP/1.1 101"), head
    return sock


def masked_binary_frame(payload: bytes) -> bytes:
    # A zero masking key leaves the payload as is (clients must mask).
    return struct.pack("!BBQ", 0x82, 0x80 | 127, len(payload)) + b"\0\0\0\0" + payload


def test_streaming_response_to_a_client_that_does_not_read(server):
    sock = stalled_get(server, "/stream")
    try:
        produced = server.wait_until_still(lambda: server.state()["produced"])
        # 512 MiB were on offer; the generator was stopped after a few.
        assert 1 <= produced <= 24, produced
        assert server.peak_growth() < GROWTH_LIMIT, server.peak_growth()
        # The loop still serves others while that response waits.
        assert server.state()["closed"] is False
    finally:
        sock.close()
    # The client left: the parked producer is woken and its generator closed.
    server.wait_until_still(lambda: server.state()["closed"], settle=0.3)
    assert server.state()["closed"] is True
    assert server.state()["produced"] < 512


def test_sync_iterator_stream_is_bounded_too(server):
    sock = stalled_get(server, "/sync-stream")
    try:
        produced = server.wait_until_still(lambda: server.state()["sync_produced"])
        assert 1 <= produced <= 24, produced
        assert server.peak_growth() < GROWTH_LIMIT, server.peak_growth()
    finally:
        sock.close()
    server.wait_until_still(lambda: server.state()["sync_closed"], settle=0.3)
    assert server.state()["sync_closed"] is True


def test_streams_of_chunks_larger_than_the_window_arrive_whole(server):
    # Each chunk is four windows, so the producer waits after every one. The
    # connection may take and write a chunk before its producer has counted
    # it: that race once left the window full for good and the stream stalled
    # mid-body (about one response in two here).
    for _ in range(12):
        with httpx.stream("GET", f"{server.base}/chunks?n=6", timeout=20) as r:
            assert sum(len(c) for c in r.iter_raw(MiB)) == 6 * MiB


def test_file_response_is_read_in_chunks_off_the_loop(server):
    socks = [stalled_get(server, "/file") for _ in range(3)]
    try:
        server.wait_until_still(lambda: server.rss() // MiB)
        # Three stalled downloads of a 1 GiB file cost a few windows, not 3 GiB.
        assert server.peak_growth() < GROWTH_LIMIT, server.peak_growth()
        # Other requests are served meanwhile (the reads are not on the loop).
        assert server.state()["produced"] == 0
    finally:
        for s in socks:
            s.close()
    # A client that reads gets the whole file, with its length announced.
    with httpx.stream("GET", f"{server.base}/file", timeout=60) as r:
        assert r.headers["content-length"] == str(1024 * MiB)
        total = sum(len(c) for c in r.iter_raw(MiB))
    assert total == 1024 * MiB
    assert server.peak_growth() < GROWTH_LIMIT, server.peak_growth()


def test_websocket_sends_to_a_client_that_does_not_read(server):
    sock = ws_handshake(server, "/ws-send")
    try:
        tried = server.wait_until_still(lambda: server.state()["ws_tried"])
        # 1,500 frames of 1 MiB were on offer; the handler waits inside a
        # send (the first one already, if the socket took less than 1 MiB).
        assert 1 <= tried <= 24, tried
        assert server.state()["ws_sent"] == tried - 1
        assert server.peak_growth() < GROWTH_LIMIT, server.peak_growth()
    finally:
        sock.close()


def test_websocket_input_the_handler_does_not_read(server):
    sock = ws_handshake(server, "/ws-sink")
    frame = masked_binary_frame(b"z" * (512 * 1024))
    sent = [0]
    stop = threading.Event()

    def flood() -> None:
        try:
            while not stop.is_set() and sent[0] < 2048:
                sock.sendall(frame)
                sent[0] += 1
        except OSError:
            pass

    sock.settimeout(30)
    t = threading.Thread(target=flood, daemon=True)
    t.start()
    try:
        blocked_at = server.wait_until_still(lambda: sent[0])
        # The server stopped reading: the client is stuck well short of 1 GiB.
        assert blocked_at < 200, blocked_at
        assert t.is_alive()
        assert server.peak_growth() < GROWTH_LIMIT, server.peak_growth()
    finally:
        stop.set()
        sock.close()
        t.join(35)


def multipart_body(name: str, filename: str | None, mib: int):
    """A multipart body with one part of ``mib`` MiB, generated as it is sent."""
    disposition = f"form-data; name={name}" + (f"; filename={filename}" if filename else "")
    yield f"--B\r\ncontent-disposition: {disposition}\r\n\r\n".encode()
    for _ in range(mib):
        yield b"u" * MiB
    yield b"\r\n--B--\r\n"


MULTIPART = {"content-type": "multipart/form-data; boundary=B"}


@pytest.mark.parametrize("served_by", ["server", "asgi_server"])
def test_large_upload_is_spooled_to_disk_with_bounded_memory(served_by, request):
    # 200 MiB streamed by the client (chunked): parsed while it arrives, the
    # file moves to disk past 1 MiB, the server's memory barely moves; the
    # same through uvicorn, where the ASGI path feeds the parser.
    server = request.getfixturevalue(served_by)

    def spool_files() -> list[str]:
        fds = [os.readlink(p) for p in Path(f"/proc/{server.proc.pid}/fd").iterdir() if p.exists()]
        return [f for f in fds if f.endswith("(deleted)")]

    # (pytest's output capture hands the server a deleted file too)
    before = spool_files()
    r = httpx.post(f"{server.base}/upload", content=multipart_body("f", "a", 200), headers=MULTIPART, timeout=120)
    assert r.status_code == 200, r.text
    assert r.json() == {"size": 200 * MiB, "on_disk": True}
    assert server.peak_growth() < GROWTH_LIMIT, server.peak_growth()
    # The spool file is gone with the request (closed just after the reply).
    deadline = time.monotonic() + 10
    while spool_files() != before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert spool_files() == before


def test_oversized_upload_is_refused_without_growing(server):
    # A route's max_body_size caps its uploads: 200 MiB are answered 413
    # while still being sent.
    try:
        r = httpx.post(
            f"{server.base}/upload-capped", content=multipart_body("f", "a", 200), headers=MULTIPART, timeout=30
        )
        assert r.status_code == 413, r.status_code
    except httpx.TransportError:
        # The server may close the connection after the 413 while we send.
        pass
    assert server.peak_growth() < GROWTH_LIMIT, server.peak_growth()
    assert server.state()["produced"] == 0


def test_endless_text_field_is_refused_without_growing(server):
    # A text part is refused at max_part_size (1 MiB), not read whole.
    try:
        r = httpx.post(
            f"{server.base}/form-field", content=multipart_body("note", None, 200), headers=MULTIPART, timeout=30
        )
        assert r.status_code == 400, r.status_code
        assert r.json() == {"detail": "Part exceeded maximum size of 1024KB."}
    except httpx.TransportError:
        pass
    assert server.peak_growth() < GROWTH_LIMIT, server.peak_growth()
