"""The collaboration server with pycrdt (Python bindings of yrs) and the npm
Yjs client as two independent peers of one document."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import tempfile
from pathlib import Path

import pytest
import websockets
from pycrdt import (
    Doc,
    Map,
    Text,
    YMessageType,
    create_sync_message,
    create_update_message,
    handle_sync_message,
)

HERE = Path(__file__).parent
ROOT = HERE.parents[2]
BINARY = Path(os.environ.get("SHEET_COLLAB", ROOT / "target" / "ci" / "sheet-collab"))


@pytest.fixture
def server():
    if not BINARY.exists():
        pytest.fail(f"{BINARY} is missing: cargo build --profile ci -p sheet-collab")
    with tempfile.TemporaryDirectory() as tmp:
        store = f"file://{tmp}/docs.redb"
        with subprocess.Popen(
            [str(BINARY), "--port", "0", "--store", store],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        ) as proc:
            line = proc.stdout.readline()
            match = re.search(r"ws://([\d.]+):(\d+)", line)
            if not match:
                proc.kill()
                pytest.fail(f"sheet-collab did not start: {line!r} {proc.stderr.read()}")
            yield f"ws://127.0.0.1:{match.group(2)}"
            proc.terminate()
            proc.wait(timeout=10)


class PyPeer:
    """A minimal y-websocket client on pycrdt: sync step 1/2 and updates."""

    def __init__(self, url: str, room: str) -> None:
        self.url = f"{url}/{room}"
        self.doc = Doc()
        self.cells = self.doc.get("cells", type=Map)
        self.title = self.doc.get("title", type=Text)
        self.synced = asyncio.Event()

    async def run(self, until) -> None:
        async with websockets.connect(self.url) as ws:
            await ws.send(create_sync_message(self.doc))
            sent = asyncio.Queue()
            self.doc.observe(lambda event: sent.put_nowait(event.update))

            async def pump() -> None:
                while True:
                    update = await sent.get()
                    await ws.send(create_update_message(update))

            pumping = asyncio.create_task(pump())
            try:
                async for frame in ws:
                    if frame[0] == YMessageType.SYNC:
                        reply = handle_sync_message(frame[1:], self.doc)
                        if reply is not None:
                            await ws.send(reply)
                        if frame[1] == 1:  # sync step 2: we have the server's state
                            self.synced.set()
                    if until():
                        break
            finally:
                pumping.cancel()


def test_pycrdt_and_yjs_converge(server):
    async def main():
        py = PyPeer(server, "interop")
        node = await asyncio.create_subprocess_exec(
            "node",
            str(HERE / "node_peer.mjs"),
            server,
            "interop",
            "41",
            "written by pycrdt",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )

        async def edit() -> None:
            await py.synced.wait()
            with py.doc.transaction():
                for r in range(20):
                    py.cells[f"{r}:0"] = f"py {r}"
                py.cells["0:9"] = "python wins?"
                py.title += "written by pycrdt"

        editing = asyncio.create_task(edit())
        await asyncio.wait_for(py.run(lambda: len(py.cells) >= 41 and py.cells.get("19:1") == "node 19"), 30)
        await editing
        out, err = await asyncio.wait_for(node.communicate(), 30)
        assert node.returncode == 0, err.decode()
        return json.loads(out), dict(py.cells), str(py.title)

    node_view, py_cells, py_title = asyncio.run(main())
    assert node_view["title"] == py_title == "written by pycrdt"
    assert node_view["cells"]["19:0"] == "py 19"
    assert py_cells["19:1"] == "node 19"
    # both wrote 0:9; the CRDT picks one winner and both peers agree on it
    assert node_view["cells"]["0:9"] in ("node wins?", "python wins?")
    assert node_view["cells"] == py_cells
    assert len(py_cells) == 41


def test_server_keeps_serving_after_a_bad_pycrdt_frame(server):
    async def main():
        async with websockets.connect(f"{server}/bad") as ws:
            await ws.send(bytes([0, 1, 3, 1, 2]))  # sync step 2 with a truncated update

            async def drain() -> None:
                async for _ in ws:
                    pass

            with pytest.raises(websockets.ConnectionClosedError) as closed:
                await drain()
            assert closed.value.rcvd.code == 1007
        peer = PyPeer(server, "bad")
        task = asyncio.create_task(peer.run(lambda: peer.synced.is_set()))
        await asyncio.wait_for(task, 10)
        assert peer.synced.is_set()

    asyncio.run(main())
