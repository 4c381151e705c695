"""The demo app of the README's first command, served for real."""

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from importlib import metadata
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[4]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    port = free_port()
    access_log = (tmp_path_factory.mktemp("demo") / "access.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, str(REPO / "docs" / "demo" / "app.py"), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=access_log,
        text=True,
    )
    banner = proc.stdout.readline()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    yield base, banner
    proc.terminate()
    proc.communicate(timeout=10)
    access_log.close()
    assert proc.returncode == 0


def get(url: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.headers["Content-Type"], r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers["Content-Type"], e.read().decode()


def test_startup_line_names_the_address(demo):
    base, banner = demo
    assert banner.startswith(f"ouroboros demo serving on {base}")


def test_index_lists_installed_modules(demo):
    base, _ = demo
    status, ctype, body = get(base + "/")
    assert status == 200 and ctype.startswith("text/html")
    assert "ouroboros-http" in body and metadata.version("ouroboros-http") in body


def test_modules_json(demo):
    base, _ = demo
    status, ctype, body = get(base + "/api/modules")
    assert status == 200 and ctype == "application/json"
    rows = {r["distribution"]: r for r in json.loads(body)}
    assert rows["ouroboros-kv"]["installed"] == metadata.version("ouroboros-kv")
    assert rows["ouroboros-kv"]["native"]["worker_threads"] >= 1


def test_docs_page(demo):
    base, _ = demo
    status, _, body = get(base + "/docs")
    assert status == 200
    assert 'href="/docs/architecture"' in body
    status, _, body = get(base + "/docs/architecture")
    assert status == 200 and "ouroboros-common" in body


def test_unknown_page_is_a_404_with_a_reason(demo):
    base, _ = demo
    status, ctype, body = get(base + "/docs/nope")
    assert status == 404 and ctype == "application/json"
    assert json.loads(body) == {"detail": "no docs page '/docs/nope'"}
