"""The blocking `Client`: same surface and errors as `HttpClient`."""

from __future__ import annotations

import threading

import pytest

from ouroboros.http import (
    Client,
    ClientClosed,
    ConnectError,
    HTTPStatusError,
    ReadTimeout,
    Timeout,
    TooManyRedirects,
)


def test_get_and_json(base):
    with Client() as c:
        r = c.get(base + "/json")
        assert r.status_code == 200
        assert r.json()["items"][0] == {"n": 0, "label": "item-0", "ok": True}


@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete", "options", "head"])
def test_all_methods(base, method):
    with Client() as c:
        r = getattr(c, method)(base + "/echo")
        assert r.status_code == 200
        if method != "head":
            assert r.json()["method"] == method.upper()


def test_post_bodies(base):
    with Client(base_url=base) as c:
        assert c.post("/echo", json={"a": 1}).json()["body"] == '{"a":1}'
        assert c.post("/echo", data={"a": "1"}).json()["body"] == "a=1"
        assert c.post("/echo", content=b"raw").json()["body"] == "raw"
        parts = c.post("/multipart", files={"f": ("a.txt", b"data"), "g": ("blob.unknownext", b"\x00")}).json()["parts"]
        assert parts == [
            {"name": "f", "filename": "a.txt", "type": "text/plain", "data": "data"},
            {"name": "g", "filename": "blob.unknownext", "type": "application/octet-stream", "data": "\x00"},
        ]


def test_errors_match_the_async_client(closed_port, base):
    with Client(timeout=Timeout(5, total=0.2), follow_redirects=True, max_redirects=2) as c:
        with pytest.raises(ConnectError) as exc:
            c.get(closed_port + "/x")
        assert exc.value.url == closed_port + "/x"
        with pytest.raises(ReadTimeout):
            c.get(base + "/delay", params={"s": "2"})
        with pytest.raises(TooManyRedirects):
            c.get(base + "/loop")
        with pytest.raises(HTTPStatusError):
            c.get(base + "/status/500").raise_for_status()


def test_closed_client_refuses_requests(base):
    c = Client()
    c.close()
    assert c.is_closed
    with pytest.raises(ClientClosed, match="closed"):
        c.get(base + "/json")
    assert isinstance(ClientClosed("x"), RuntimeError)


def test_usable_from_many_threads(base):
    results: list[int] = []
    with Client() as c:

        def work() -> None:
            for _ in range(10):
                results.append(c.get(base + "/json").status_code)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert results == [200] * 40


def test_sync_hooks_and_auth(base):
    seen: list[str] = []
    with Client(
        auth=lambda req: (req.headers.__setitem__("X-Signed", "yes"), req)[1],
        event_hooks={
            "request": [lambda r: seen.append(r.method)],
            "response": [lambda r: seen.append(str(r.status_code))],
        },
    ) as c:
        r = c.get(base + "/echo")
        assert ["x-signed", "yes"] in r.json()["headers"]
        assert seen == ["GET", "200"]
        assert r.request.headers["x-signed"] == "yes"


def test_ob_http_get_command(base, capsys):
    import argparse

    from ouroboros.http._cli import register

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args = parser.parse_args(["http", "get", "-i", "-H", "X-Test: 1", base + "/echo"])
    assert args.handler(args) == 0
    out = capsys.readouterr().out
    assert out.startswith("HTTP/1.1 200 OK\n")
    assert '["x-test", "1"]' in out
    args = parser.parse_args(["http", "get", base + "/status/404"])
    assert args.handler(args) == 1
    args = parser.parse_args(["http", "head", "http://127.0.0.1:9/"])
    assert args.handler(args) == 1
    assert "ConnectError" in capsys.readouterr().err


def test_a_signal_interrupts_a_blocking_request(stall_server, base):
    import os
    import signal
    import time

    class Interrupted(Exception):
        pass

    def handler(signum, frame):
        raise Interrupted

    previous = signal.signal(signal.SIGUSR1, handler)
    timer = threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGUSR1))
    try:
        with Client(timeout=Timeout(30)) as c:
            timer.start()
            start = time.monotonic()
            with pytest.raises(Interrupted):
                c.get(stall_server.url + "/hang")
            assert time.monotonic() - start < 20  # not the 30 s read timeout
            assert c.get(base + "/json").status_code == 200
    finally:
        timer.cancel()
        signal.signal(signal.SIGUSR1, previous)
