"""``serve(workers=N)``: several processes share the port (SO_REUSEPORT)."""

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time

import httpx
import pytest

APP = textwrap.dedent(
    """
    import asyncio, os, sys
    from ouroboros.api import App

    app = App()

    @app.get("/pid")
    async def pid():
        return {"pid": os.getpid()}

    asyncio.run(app.serve("127.0.0.1", int(sys.argv[1]), workers=2))
    """
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_workers_answer_and_stop_together(tmp_path):
    script = tmp_path / "app.py"
    script.write_text(APP)
    port = free_port()
    log = (tmp_path / "stderr.txt").open("wb")
    proc = subprocess.Popen([sys.executable, str(script), str(port)], stderr=log)
    try:
        pids: set[int] = set()
        deadline = time.monotonic() + 30
        while len(pids) < 2 and time.monotonic() < deadline:
            try:
                # A new connection each time, so the kernel can pick a process.
                pids.add(httpx.get(f"http://127.0.0.1:{port}/pid", headers={"connection": "close"}).json()["pid"])
            except httpx.TransportError:
                time.sleep(0.05)
        assert len(pids) == 2, (tmp_path / "stderr.txt").read_text()
        assert proc.pid in pids
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
        for pid in pids - {proc.pid}:
            with pytest.raises(ProcessLookupError):
                os.kill(pid, 0)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()


def test_workers_need_a_fixed_port():
    import asyncio

    from ouroboros.api import App
    from ouroboros.core import InvalidArgumentError

    with pytest.raises(InvalidArgumentError, match="fixed port"):
        asyncio.run(App().serve("127.0.0.1", 0, workers=2))
