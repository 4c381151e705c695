"""`ob sheet serve` for real: the checkout's serve.sh builds what is missing,
sheet-collab serves the page and the WebAssembly module on one port, and two
clients of the printed address edit one document live."""

from __future__ import annotations

import asyncio
import contextlib
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from test_pycrdt import PyPeer

ROOT = Path(__file__).resolve().parents[3]


def test_ob_sheet_serve_serves_the_page_and_one_document_to_two_clients(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "ouroboros.kit", "sheet", "serve", "--root", str(ROOT), "--port", "0"],
        cwd=tmp_path,  # the default file:// store lands here
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # The Ctrl+C sent below must arrive even when this run inherited SIGINT ignored
        # (a test run started in the background by a non-interactive shell).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        url = None
        lines = []
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            found = re.match(r"\[sheet\] open (http://127\.0\.0\.1:(\d+)/\?doc=welcome) ", line)
            if found:
                url, port = found.group(1), found.group(2)
                break
        assert url, f"no address printed: {lines} {proc.stderr.read() if proc.poll() is not None else ''}"
        page = urllib.request.urlopen(url, timeout=30).read().decode()
        assert '<script type="module" src="dist/app.js">' in page
        wasm = urllib.request.urlopen(f"http://127.0.0.1:{port}/dist/sheet_wasm_bg.wasm", timeout=30).read()
        assert wasm[:4] == b"\0asm"

        async def two_windows():
            a = PyPeer(f"ws://127.0.0.1:{port}", "welcome")
            b = PyPeer(f"ws://127.0.0.1:{port}", "welcome")

            async def edit():
                await a.synced.wait()
                a.cells["0:0"] = "=6*7"

            writer = asyncio.create_task(a.run(lambda: False))
            editing = asyncio.create_task(edit())
            await asyncio.wait_for(b.run(lambda: b.cells.get("0:0") == "=6*7"), 30)
            await editing
            writer.cancel()
            # Let the cancelled peer leave its `async with` (closing its socket)
            # before the loop closes, or the socket is reported unclosed.
            with contextlib.suppress(asyncio.CancelledError):
                await writer
            return dict(b.cells)

        assert asyncio.run(two_windows()) == {"0:0": "=6*7"}
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            assert proc.wait(timeout=60) == 130
        finally:
            proc.kill()
            proc.stdout.close()
            proc.stderr.close()
    # SIGTERM let the server write the document to the default store, in the folder ob ran from.
    assert (tmp_path / "sheet-collab.redb").exists()
