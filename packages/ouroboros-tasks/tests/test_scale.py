"""Several worker processes (`--processes`), and bounded worker memory under
a flood of enqueues, on every broker. Workers are real subprocesses."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from service_brokers import fresh_prefix

from ouroboros.tasks import App

TESTS = Path(__file__).resolve().parent


def worker_cmd(*extra: str) -> list[str]:
    return [sys.executable, "-m", "ouroboros.tasks", "worker", "fault_app:tasks", "--heartbeat", "0.2", *extra]


def pids_of(markers: Path) -> set[str]:
    return {p.name.rsplit("-", 1)[1] for p in markers.iterdir()}


def test_processes_share_the_queue_and_restart_a_dead_one(broker_url: str, tmp_path: Path) -> None:
    prefix = fresh_prefix()
    markers = tmp_path / "m"
    markers.mkdir()
    app = App(broker_url, prefix=prefix, ack_wait=1.0)
    env = {**os.environ, "FAULT_BROKER": broker_url, "FAULT_PREFIX": prefix, "FAULT_SLEEP": "0.4"}
    cmd = worker_cmd("--processes", "2", "-c", "1", "--log-format", "json")
    proc = subprocess.Popen(cmd, cwd=TESTS, env=env, stderr=subprocess.PIPE, text=True)
    try:
        first = [app.send_task("fault_app.slow", (str(markers), n)) for n in range(6)]
        assert sorted(r.get(timeout=60) for r in first) == list(range(6))
        children = pids_of(markers)
        # One task at a time per process, 0.4 s each: both processes took some.
        assert len(children) == 2
        assert str(proc.pid) not in children
        # A child killed outright is replaced; its work goes on.
        os.kill(int(min(children)), signal.SIGKILL)
        second = [app.send_task("fault_app.slow", (str(markers), n)) for n in range(6, 12)]
        assert sorted(r.get(timeout=60) for r in second) == list(range(6, 12))
        assert pids_of(markers) - children, "the supervisor did not start a new process"
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0
    events = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert sum(e.get("event") == "worker_stopped" for e in events) == 2


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_worker_memory_is_bounded_under_a_flood(broker_url: str, tmp_path: Path) -> None:
    """A slow worker under a backlog of 4 KiB messages holds only what it
    runs: once it has met a backlog, 15,000 more waiting messages (60 MiB)
    grow its RSS by far less than their size.

    The baseline is the peak RSS while the worker already works through a
    first backlog of 2,000 messages, so what a first flood costs once (the
    allocator's arenas, the broker client's buffers filling up) is not
    counted as growth; growth past that would have to come from the backlog.
    """
    prefix = fresh_prefix()
    markers = tmp_path / "m"
    markers.mkdir()
    app = App(broker_url, prefix=prefix, ack_wait=30.0)
    env = {**os.environ, "FAULT_BROKER": broker_url, "FAULT_PREFIX": prefix, "FAULT_SLEEP": "0.05"}
    proc = subprocess.Popen(
        worker_cmd("-c", "4"), cwd=TESTS, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )

    def peak_rss(seconds: float) -> int:
        peak = 0
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert proc.poll() is None
            peak = max(peak, rss_kib(proc.pid))
            time.sleep(0.1)
        return peak

    padding = "x" * 4096

    def flood(start: int, count: int) -> None:
        for first in range(start, start + count, 1_000):
            _flood(app, [((str(markers), n), {"pad": padding}) for n in range(first, first + 1_000)])

    try:
        warm = [app.send_task("fault_app.slow", (str(markers), n)) for n in range(20)]
        assert sorted(r.get(timeout=60) for r in warm) == list(range(20))
        flood(1_000_000, 2_000)
        before = peak_rss(1.5)
        done_before = len(list(markers.iterdir()))
        flood(0, 15_000)
        peak = max(before, peak_rss(3.0))
        # It kept working through the backlog meanwhile.
        assert len(list(markers.iterdir())) > done_before
        grown_mib = (peak - before) / 1024
        assert grown_mib < 15, f"worker RSS grew by {grown_mib:.1f} MiB under 60 MiB more backlog"
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        app.purge()


def _flood(app: App, items: list[tuple[tuple[str, int], dict[str, str]]]) -> None:
    from ouroboros.tasks._message import dumps, envelope_id, message, new_id

    envelopes = []
    for args, kwargs in items:
        task_id = new_id()
        body = dumps(message("fault_app.slow", task_id, list(args), kwargs))
        envelopes.append((envelope_id(task_id, 0), body, 0, 0))
    app.broker.enqueue(app.default_queue, envelopes, wait=True)
