"""The benchmark's bare hyper server (`_api.serve_bare`): its fixed GET body
and its `POST /users`, which does the body route's work in Rust alone and
must answer what the benchmark app answers."""

import http.client
import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

BODY = {
    "name": "Alice",
    "email": "alice@example.com",
    "age": 30,
    "address": {"street": "1 Main St", "city": "Paris"},
    "tags": ["a", "b"],
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def bare():
    port = free_port()
    code = f"from ouroboros.api import _api; _api.serve_bare('127.0.0.1', {port})"
    proc = subprocess.Popen([sys.executable, "-c", code])
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail("the bare server did not start")
                time.sleep(0.1)
        yield port
    finally:
        proc.terminate()
        assert proc.wait(10) is not None


def request(port, method, path, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"content-type": "application/json"} if body is not None else {}
    conn.request(method, path, body=body, headers=headers)
    resp = conn.getresponse()
    out = (resp.status, resp.getheader("content-type"), resp.read())
    conn.close()
    return out


def test_get_answers_the_fixed_body(bare):
    assert request(bare, "GET", "/plain") == (200, "application/json", b'{"message":"hello"}')


def test_users_answers_as_the_benchmark_app(bare):
    from ouroboros.api import App, Body, Depends, Query, TestClient
    from ouroboros.validation import BaseModel

    sys.path.insert(0, str(Path(__file__).parents[1] / "benchmarks"))
    try:
        import bench_api
    finally:
        sys.path.pop(0)
    app = bench_api.define_app(App(), Body, Depends, Query, BaseModel)
    expected = TestClient(app).post("/users", json=BODY)
    assert expected.status_code == 200

    status, ctype, body = request(bare, "POST", "/users", json.dumps(BODY))
    assert (status, ctype) == (200, "application/json")
    assert body == expected.content
    assert json.loads(body) == {"id": 1, "name": "Alice", "address": {"street": "1 Main St", "city": "Paris"}}


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ('{"name": 1, "email": "e", "address": {"street": "s", "city": "c"}}', "expected a string"),
        ('{"name": "a", "email": "e", "address": {"street": "s"}}', "missing field `city`"),
        ('{"name": "a", "email": "e", "address": {"street": "s", "city": "c"}, "age": 1.5}', "expected i64"),
        ('{"name": "a", "email": "e", "address": {"street": "s", "city": "c"}, "tags": [1]}', "expected a string"),
        ("{", "EOF"),
    ],
)
def test_users_refuses_what_the_model_refuses(bare, body, needle):
    status, ctype, out = request(bare, "POST", "/users", body)
    assert (status, ctype) == (422, "application/json")
    assert needle in json.loads(out)["detail"][0]["msg"]


def test_users_defaults_and_ignored_keys(bare):
    body = {"name": "a", "email": "e", "address": {"street": "s", "city": "c"}, "other": [1, {}]}
    status, _, out = request(bare, "POST", "/users", json.dumps(body))
    assert status == 200
    assert json.loads(out) == {"id": 1, "name": "a", "address": {"street": "s", "city": "c"}}


def test_users_body_limit(bare):
    status, _, out = request(bare, "POST", "/users", b"x" * (1024 * 1024 + 1))
    assert status == 413
    assert json.loads(out) == {"detail": "Request body is too large"}
