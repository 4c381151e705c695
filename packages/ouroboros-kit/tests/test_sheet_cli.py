"""``ob sheet serve``: finding the checkout, the arguments given to serve.sh,
the address printed once the server listens, and stopping it.

The real script (building the page, WebAssembly and sheet-collab) is run by
frontend-sheet/tests/collab/test_ob_sheet_serve.py in `nox -s sheet`; here a
checkout whose serve.sh records its arguments stands in for it.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

SCRIPT = """#!/usr/bin/env bash
echo "$@" > "$(dirname "$0")/args.txt"
echo $$ > "$(dirname "$0")/pid.txt"
echo "[serve] bundling the page" >&2
port=$4
[ "$port" = 0 ] && port=45678
# The trap before the "listening" line: the test stops the server as soon as it is printed.
trap 'echo stopped > "$(dirname "$0")/stopped.txt"; exit 0' TERM
echo "sheet-collab listening on ws://127.0.0.1:$port/<document> (store: memory://)"
while true; do sleep 0.1; done
"""


def checkout(tmp_path: Path) -> Path:
    scripts = tmp_path / "repo" / "frontend-sheet" / "scripts"
    scripts.mkdir(parents=True)
    (scripts / "serve.sh").write_text(SCRIPT)
    return tmp_path / "repo"


def ctrl_c_deliverable() -> None:
    """In the child: SIGINT back to its default, so Python turns it into KeyboardInterrupt.

    A test run started in the background by a non-interactive shell inherits SIGINT ignored,
    and Python keeps an ignored SIGINT ignored: the Ctrl+C these tests send would never arrive.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start(*args: str, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "ouroboros.kit", "sheet", "serve", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=ctrl_c_deliverable,
    )


def stop(proc: subprocess.Popen, repo: Path) -> None:
    """Ends ob and the stand-in server, whatever state the test left them in."""
    proc.kill()
    proc.wait(timeout=30)
    proc.stdout.close()
    proc.stderr.close()
    pid = repo / "frontend-sheet" / "scripts" / "pid.txt"
    if pid.exists():
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(pid.read_text()), signal.SIGKILL)


def read_until(proc: subprocess.Popen, needle: str, timeout: float = 30) -> list[str]:
    lines = []
    deadline = time.monotonic() + timeout
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if needle in line:
            return lines
    raise AssertionError(f"{needle!r} never printed; got {lines}")


def test_serve_runs_the_checkouts_script_and_prints_the_page_address(tmp_path):
    repo = checkout(tmp_path)
    inside = repo / "docs" / "deep"
    inside.mkdir(parents=True)
    proc = start("--port", "0", "--store", "memory://", "--doc", "budget", cwd=inside)
    try:
        lines = read_until(proc, "[sheet] open")
        assert (
            lines[0]
            == f"[sheet] building what is missing and starting the server ({repo / 'frontend-sheet/scripts/serve.sh'})"
        )
        assert lines[-1] == (
            "[sheet] open http://127.0.0.1:45678/?doc=budget (a second window on the same address edits the same sheet)"
        )
        args = (repo / "frontend-sheet" / "scripts" / "args.txt").read_text().split()
        assert args == ["--host", "127.0.0.1", "--port", "0", "--store", "memory://"]
        # Ctrl+C stops the server through SIGTERM (so it writes its documents).
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 130
        stopped = repo / "frontend-sheet" / "scripts" / "stopped.txt"
        # The script's trap may finish after the CLI has exited: wait for it (a loaded machine is slow).
        deadline = time.monotonic() + 30
        while not stopped.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert stopped.read_text().strip() == "stopped"
    finally:
        stop(proc, repo)


def test_relay_and_root_are_passed_on(tmp_path):
    repo = checkout(tmp_path)
    proc = start("--root", str(repo), "--port", "5001", "--relay", "redis://127.0.0.1:1/0", cwd=tmp_path)
    try:
        read_until(proc, "[sheet] open http://127.0.0.1:5001/?doc=welcome")
        args = (repo / "frontend-sheet" / "scripts" / "args.txt").read_text().split()
        assert args == [
            "--host", "127.0.0.1", "--port", "5001", "--store", f"file://{tmp_path.resolve()}/sheet-collab.redb",
            "--relay", "redis://127.0.0.1:1/0",
        ]  # fmt: skip
    finally:
        stop(proc, repo)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "no frontend-sheet/scripts/serve.sh above"),
        (["--root", "/nonexistent-checkout"], "/nonexistent-checkout has no frontend-sheet/scripts/serve.sh"),
        (["--port", "70000"], "--port takes 0 to 65535, got 70000"),
    ],
)
def test_outside_a_checkout_or_a_bad_port_is_one_clear_line(tmp_path, args, message):
    result = subprocess.run(
        [sys.executable, "-m", "ouroboros.kit", "sheet", "serve", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_sheet_alone_prints_its_commands(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "ouroboros.kit", "sheet"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "serve" in result.stdout
