"""The daemon: JSON-RPC over a Unix socket, file watching, bad requests, shutdown."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import BASIC, pos

from ouroboros.argus._daemon import Client, RpcError, connect_or_start


def wait_for(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def start(root: Path, sock: Path, *extra: str) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "ouroboros_argus", "server", "--root", str(root), "--socket", str(sock), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_for(sock.exists)
    return proc


def stop(proc: subprocess.Popen, sock: Path) -> str:
    try:
        with Client(sock) as c:
            assert c.call("shutdown") is None
    except OSError:
        proc.terminate()
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    return err


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "proj"
    root.mkdir()
    (root / "mod.py").write_text("class A:\n    def m(self) -> int:\n        return 1\n")
    (root / "user.py").write_text("from mod import A\nA().m()\n")
    return root


@pytest.fixture
def daemon(project, tmp_path):
    sock = tmp_path / "argus.sock"
    proc = start(project, sock)
    yield project, sock
    stop(proc, sock)
    assert not sock.exists()


def test_queries_over_the_socket(daemon):
    root, sock = daemon
    with Client(sock) as c:
        (target,) = c.call("definition", path=str(root / "user.py"), line=2, column=5)
        assert (target["path"], target["line"], target["column"]) == (str(root / "mod.py"), 2, 9)
        assert c.call("hover", path=str(root / "user.py"), line=2, column=5)["text"] == "(method) def m(self) -> int"
        assert c.call("type_at", path=str(root / "user.py"), line=2, column=1) == "type[A]"
        assert [s["name"] for s in c.call("document_symbols", path=str(root / "mod.py"))] == ["A", "m"]
        assert [s["name"] for s in c.call("workspace_symbols", query="a", limit=5)] == ["A"]
        assert c.call("diagnostics") == []
        refs = c.call("references", path=str(root / "mod.py"), line=2, column=9)
        assert {(Path(r["path"]).name, r["line"], r["column"]) for r in refs} == {("mod.py", 2, 9), ("user.py", 2, 5)}
        assert c.call("stats")["project"] == 2


def test_bad_requests_get_errors_and_the_daemon_keeps_serving(daemon):
    _root, sock = daemon
    raw = socket.socket(socket.AF_UNIX)
    raw.connect(str(sock))
    f = raw.makefile("rwb")

    def send(line: bytes) -> dict:
        f.write(line + b"\n")
        f.flush()
        return json.loads(f.readline())

    assert send(b"{not json")["error"]["code"] == -32700
    assert send(b"[1, 2]")["error"]["code"] == -32600
    assert send(b'{"id": 1, "method": "nope"}')["error"]["code"] == -32601
    reply = send(b'{"id": 2, "method": "hover", "params": {"path": "/nowhere.py", "line": 1, "column": 1}}')
    assert reply["error"]["code"] == -32602
    assert "not in the index" in reply["error"]["message"]
    reply = send(b'{"id": 3, "method": "hover", "params": {"path": "x", "line": -1, "column": 1}}')
    assert reply["error"]["code"] == -32602
    reply = send(b'{"id": 4, "method": "hover", "params": {"bogus": 1}}')
    assert reply["error"]["code"] == -32602
    assert send(b'{"id": 5, "method": "stats", "params": [1]}')["error"]["code"] == -32602
    assert send(b'{"id": 6, "method": "stats"}')["result"]["project"] == 2
    f.write(b"x" * (2 << 20) + b"\n")
    f.flush()
    assert json.loads(f.readline())["error"]["code"] == -32600
    raw.close()
    with Client(sock) as c:
        assert c.call("stats")["project"] == 2
    with Client(sock) as c, pytest.raises(RpcError, match="unknown method"):
        c.call("explode")


def test_watcher_applies_edits_creations_and_deletions(daemon):
    root, sock = daemon
    with Client(sock) as c:
        before = c.call("stats")["updates"]
        (root / "mod.py").write_text("class A:\n    def renamed(self) -> int:\n        return 1\n")
        wait_for(lambda: c.call("stats")["updates"] > before)

        def messages(name: str) -> list[str]:
            return [d["message"] for d in c.call("diagnostics", path=str(root / name))]

        # The watcher may first see a file half-written (truncated, then
        # filled): wait for the state the finished write gives.
        expected = ["`A` object has no attribute `m`"]
        try:
            wait_for(lambda: messages("user.py") == expected)
        except AssertionError:
            assert messages("user.py") == expected
        (root / "extra.py").write_text("VALUE = 1\n")
        wait_for(lambda: c.call("stats")["project"] == 3)
        (root / "extra.py").unlink()
        wait_for(lambda: c.call("stats")["project"] == 2)
        (root / "junk.py").write_bytes(b"\x00\x01\x02" * 100)
        wait_for(lambda: c.call("stats")["project"] == 3)
        codes = wait_for(lambda: [d["code"] for d in c.call("diagnostics", path=str(root / "junk.py"))])
        assert codes == ["file-skipped"]
        (root / "broken.py").write_text("def f(:\n")
        wait_for(lambda: c.call("stats")["project"] == 4)
        codes = wait_for(lambda: [d["code"] for d in c.call("diagnostics", path=str(root / "broken.py"))])
        assert codes[0] == "syntax-error"


def test_connect_or_start_reuses_a_running_daemon(daemon):
    root, sock = daemon
    with connect_or_start(root, sock) as c:
        assert c.call("stats")["project"] == 2


def test_connect_or_start_starts_one(project, tmp_path):
    sock = tmp_path / "auto.sock"
    with connect_or_start(project, sock) as c:
        assert c.call("stats")["project"] == 2
        c.call("shutdown")
    wait_for(lambda: not sock.exists())


def test_server_logs_its_index_size(project, tmp_path):
    sock = tmp_path / "s.sock"
    proc = start(project, sock, "--no-watch")
    with Client(sock) as c:
        assert c.call("stats")["watching"] is False
    err = stop(proc, sock)
    assert "indexed 2 project files" in err
    assert str(sock) in err


def test_fixture_project_through_the_daemon(tmp_path):
    sock = tmp_path / "basic.sock"
    proc = start(BASIC, sock, "--no-watch")
    try:
        path, line, column = pos("app.py", "Round(1.5)")
        with Client(sock) as c:
            (target,) = c.call("definition", path=str(path), line=line, column=column)
            assert target["path"].endswith("shapes/circle.py")
    finally:
        stop(proc, sock)
