"""`python -m ouroboros.tasks` / `ob tasks` commands against the embedded broker."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from ouroboros.tasks import App
from ouroboros.tasks._cli import JsonFormatter, load_app

TESTS = Path(__file__).resolve().parent


def run(*args: str, env_broker: str, prefix: str = "fault") -> subprocess.CompletedProcess[str]:
    env = {"FAULT_BROKER": env_broker, "FAULT_PREFIX": prefix, "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-m", "ouroboros.tasks", *args], cwd=TESTS, env=env, capture_output=True, text=True, timeout=60
    )


def test_stats_revoke_dead_letters_purge(tmp_path: Path) -> None:
    url = f"local://{tmp_path}/b.redb"
    app = App(url, prefix="fault")
    r = app.send_task("fault_app.slow", ("/tmp", 1))
    out = run("stats", "fault_app:tasks", env_broker=url)
    assert out.returncode == 0, out.stderr
    assert "workers alive: 0" in out.stdout
    assert "default" in out.stdout
    data = json.loads(run("stats", "fault_app:tasks", "--json", env_broker=url).stdout)
    assert data["queues"]["default"]["ready"] == 1
    out = run("revoke", "fault_app:tasks", r.id, env_broker=url)
    assert out.stdout.strip() == f"revoked {r.id}"
    assert r.state == "revoked"
    out = run("dead-letters", "fault_app:tasks", env_broker=url)
    assert "no dead letters in queue 'default'" in out.stdout
    assert run("purge", "fault_app:tasks", "-Q", "default", env_broker=url).returncode == 0
    assert app.counts()["ready"] == 0


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("fault_app", "expected MODULE:APP"),
        ("no_such_module:tasks", "cannot import 'no_such_module'"),
        ("fault_app:missing", "has no attribute 'missing'"),
        ("fault_app:slow", "not an ouroboros.tasks.App"),
    ],
)
def test_load_app_errors(target: str, message: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(TESTS)
    with pytest.raises(SystemExit, match=message):
        load_app(target)


def test_worker_runs_and_stops_on_sigterm(tmp_path: Path) -> None:
    url = f"local://{tmp_path}/b.redb"
    app = App(url, prefix="cli")
    markers = tmp_path / "m"
    markers.mkdir()
    r = app.send_task("fault_app.slow", (str(markers), 5))
    env = {"FAULT_BROKER": url, "FAULT_PREFIX": "cli", "FAULT_SLEEP": "0", "PATH": "/usr/bin:/bin"}
    cmd = [sys.executable, "-m", "ouroboros.tasks", "worker", "fault_app:tasks", "--log-format", "json"]
    proc = subprocess.Popen(cmd, cwd=TESTS, env=env, stderr=subprocess.PIPE, text=True)
    try:
        assert r.get(timeout=30) == 5
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0
    events = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert events[0]["event"] == "worker_started"
    assert events[-1]["event"] == "worker_stopped"


def test_json_formatter_keeps_event_fields() -> None:
    record = logging.LogRecord("ouroboros.tasks.worker", logging.INFO, "x", 1, "task %s", ("a",), None)
    record.event = "succeeded"
    record.task_id = "abc"
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "task a"
    assert line["event"] == "succeeded"
    assert line["task_id"] == "abc"
    assert line["level"] == "info"
