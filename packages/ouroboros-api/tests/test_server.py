"""The server under bad input: wrong methods, limits, slow and broken clients."""

import contextlib
import socket
import time

import pytest

from ouroboros.api import App, HTTPException, TestClient
from ouroboros.validation import BaseModel

# These tests look at the 500 answers themselves.
RAISE_SERVER_EXCEPTIONS = False

app = App()


@app.get("/ok")
async def ok():
    return {"ok": True}


@app.post("/echo")
async def echo(payload: dict):
    return payload


class Address(BaseModel):
    street: str
    city: str


class User(BaseModel):
    name: str
    address: Address


@app.post("/user")
async def user(data: User, limit: int = 10):
    return {"name": data.name, "city": data.address.city, "limit": limit}


@app.get("/crash")
async def crash():
    raise RuntimeError("boom")


@app.get("/unserializable")
async def unserializable():
    return {"x": object()}


@app.delete("/ok")
async def delete_ok():
    raise HTTPException(409)


def raw(client, data: bytes, read: int = 65536, timeout: float = 5) -> bytes:
    host, port = client.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as s:
        s.sendall(data)
        chunks = b""
        try:
            while True:
                part = s.recv(read)
                if not part:
                    break
                chunks += part
        except TimeoutError:
            pass
        return chunks


@pytest.mark.parametrize(
    ("method", "status"),
    [("GET", 200), ("HEAD", 200), ("POST", 405), ("PUT", 405), ("PATCH", 405), ("DELETE", 409), ("OPTIONS", 405)],
)
def test_methods(client, method, status):
    r = client.request(method, "/ok")
    assert r.status_code == status
    if status == 405:
        assert r.json() == {"detail": "Method Not Allowed"}
        # FastAPI's answer: the methods of the first route at the path (HEAD,
        # which GET routes answer here too, is not listed).
        assert r.headers["allow"] == "GET"


def test_head_has_no_body(client):
    r = client.head("/ok")
    assert r.content == b""


def test_unknown_method_is_405_and_server_keeps_serving(client):
    resp = raw(client, b"FROB /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert resp.startswith(b"HTTP/1.1 405")
    assert client.get("/ok").status_code == 200


@pytest.mark.parametrize("path", ["/nope", "/ok/deeper", "/OK"])
def test_not_found(client, path):
    r = client.get(path)
    assert r.status_code == 404
    assert r.json() == {"detail": "Not Found"}


def test_trailing_slash_redirects_keep_the_query(client):
    r = client.get("/ok/?a=1", follow_redirects=False)
    assert r.status_code == 307
    assert r.headers["location"] == "/ok?a=1"


def test_unhandled_exception_is_500_text(client):
    r = client.get("/crash")
    assert r.status_code == 500
    assert r.text == "Internal Server Error"
    assert client.get("/ok").status_code == 200


def test_unserializable_result_is_500(client):
    r = client.get("/unserializable")
    assert r.status_code == 500


def test_garbage_request_line_gets_400(client):
    # A status line, not a silently closed connection (as serve() promises).
    resp = raw(client, b"\x00\x01garbage\r\n\r\n")
    assert resp.startswith(b"HTTP/1.1 400 Bad Request\r\n")
    resp = raw(client, b"GET /ok HTTP/1.1\r\nHost: x\r\nnot a header line\r\n\r\n")
    assert resp.startswith(b"HTTP/1.1 400 Bad Request\r\n")
    assert client.get("/ok").status_code == 200


def test_pipelined_requests_are_answered_in_order(client):
    one = b"GET /ok HTTP/1.1\r\nHost: x\r\n\r\n"
    last = b"GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    resp = raw(client, one * 3 + last)
    assert resp.count(b"HTTP/1.1 200 OK") == 3
    assert resp.rfind(b"HTTP/1.1 404") > resp.rfind(b"HTTP/1.1 200")


def test_keep_alive_reuses_the_connection(client):
    for _ in range(5):
        assert client.get("/ok").status_code == 200


def test_large_json_within_limit(client):
    payload = {"items": list(range(50_000))}
    r = client.post("/echo", json=payload)
    assert r.status_code == 200
    assert r.json() == payload


def test_oversized_body_is_413():
    with TestClient(app, max_body_size=1024) as c:
        r = c.post("/echo", json={"x": "a" * 2000})
        assert r.status_code == 413
        assert r.json() == {"detail": "Request body is too large"}
        assert c.get("/ok").status_code == 200


def test_oversized_chunked_body_is_413():
    with TestClient(app, max_body_size=1024) as c:

        def chunks():
            for _ in range(10):
                yield b"x" * 500

        r = c.post("/echo", content=chunks(), headers={"content-type": "application/json"})
        assert r.status_code == 413


def test_oversized_headers_are_rejected():
    with TestClient(app, max_header_size=8192) as c:
        resp = raw(c, b"GET /ok HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n")
        assert resp.startswith(b"HTTP/1.1 431 Request Header Fields Too Large\r\n")
        assert c.get("/ok").status_code == 200


def test_slow_client_is_cut_off_and_others_are_served():
    with TestClient(app, header_read_timeout=0.3) as c:
        host, port = c.base_url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=5) as s:
            s.sendall(b"GET /ok HTTP/1.1\r\nHost: x\r\n")
            assert c.get("/ok").status_code == 200
            time.sleep(0.8)
            data = s.recv(1024)
            assert data == b"" or data.startswith(b"HTTP/1.1 408")


def test_idle_keep_alive_connections_are_closed():
    with TestClient(app, header_read_timeout=0.3) as c:
        host, port = c.base_url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=5) as s:
            s.sendall(b"GET /ok HTTP/1.1\r\nHost: x\r\n\r\n")
            assert s.recv(1024).startswith(b"HTTP/1.1 200")
            # Idle past the timeout: the server closes (recv returns b"").
            assert s.recv(1024) == b""


def test_slow_body_gets_408_and_others_are_served():
    with TestClient(app, body_read_timeout=0.3) as c:
        host, port = c.base_url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=5) as s:
            s.sendall(
                b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n{"
            )
            assert c.get("/ok").status_code == 200
            answer = s.recv(1024)
            assert answer.startswith(b"HTTP/1.1 408")
            assert b"Timed out reading the request body" in answer


def test_client_disconnecting_mid_request_does_not_hurt(client):
    host, port = client.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as s:
        s.sendall(b'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"a"')
    assert client.get("/ok").status_code == 200


def test_client_that_half_closes_after_its_request_gets_the_answer(client):
    # Some clients shut their sending side once the request is out (HTTP/1.0
    # tools, `nc -N`): the answer is still written, then the connection ends.
    host, port = client.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as s:
        s.sendall(b"GET /ok HTTP/1.1\r\nHost: x\r\n\r\n")
        s.shutdown(socket.SHUT_WR)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK"), data[:200]
    assert body == client.get("/ok").content


USER = b'{"name": "Ann", "address": {"street": "1 Main St", "city": "Paris"}}'


def user_request(body: bytes = USER, query: str = "") -> bytes:
    head = f"POST /user{query} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    return head.encode() + f"Content-Length: {len(body)}\r\n\r\n".encode() + body


def read_answer(s: socket.socket) -> bytes:
    """One response with a Content-Length body, read whole."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += s.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
    while len(body) < length:
        body += s.recv(65536)
    return head + b"\r\n\r\n" + body


def test_model_body_arriving_in_pieces_is_validated_whole(client):
    host, port = client.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as s:
        whole = user_request()
        cut = whole.index(b"\r\n\r\n") + 4 + 10
        s.sendall(whole[:cut])
        time.sleep(0.2)
        s.sendall(whole[cut:])
        answer = read_answer(s)
        assert answer.startswith(b"HTTP/1.1 200")
        assert answer.endswith(b'{"name":"Ann","city":"Paris","limit":10}')
        # The connection serves the next request (its body sent whole).
        s.sendall(user_request(query="?limit=3"))
        assert read_answer(s).endswith(b'{"name":"Ann","city":"Paris","limit":3}')


def test_model_body_with_a_refused_query_parameter(client):
    host, port = client.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as s:
        s.sendall(user_request(query="?limit=x"))
        answer = read_answer(s)
        assert answer.startswith(b"HTTP/1.1 422")
        assert b'"loc":["query","limit"]' in answer
        assert b'"body"' not in answer
        s.sendall(user_request(b'{"name": "Ann", "address": {"street": "1 Main St"}}'))
        answer = read_answer(s)
        assert answer.startswith(b"HTTP/1.1 422")
        assert b'"loc":["body","address","city"]' in answer


def test_slow_model_body_gets_408_and_others_are_served():
    with TestClient(app, body_read_timeout=0.3) as c:
        host, port = c.base_url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=5) as s:
            s.sendall(user_request()[:-20])
            assert c.post("/user", content=USER, headers={"content-type": "application/json"}).status_code == 200
            answer = s.recv(1024)
            assert answer.startswith(b"HTTP/1.1 408")
            assert b"Timed out reading the request body" in answer


def test_client_disconnecting_mid_model_body_does_not_hurt(client):
    host, port = client.base_url.removeprefix("http://").split(":")
    for keep in (0, 30):
        with socket.create_connection((host, int(port))) as s:
            s.sendall(user_request()[: len(user_request()) - len(USER) + keep])
    response = client.post("/user", content=USER, headers={"content-type": "application/json"})
    assert response.json() == {"name": "Ann", "city": "Paris", "limit": 10}


def test_bind_conflict_raises_typed_error():
    from ouroboros.core import OuroborosIOError

    with TestClient(app) as c:
        port = int(c.base_url.rsplit(":", 1)[1])
        import asyncio

        with pytest.raises(OuroborosIOError) as info:
            asyncio.run(app.serve("127.0.0.1", port, install_signal_handlers=False))
        assert "bind" in str(info.value)
        assert isinstance(info.value, OSError)
        assert c.get("/ok").status_code == 200


def test_lifespan_runs_around_serving():
    import contextlib

    seen = []

    @contextlib.asynccontextmanager
    async def lifespan(a):
        seen.append("start")
        yield {"ready": True}
        seen.append("stop")

    life = App(lifespan=lifespan)

    async def started():
        seen.append("on_startup")

    # Deprecated as in FastAPI (lifespan is the way); it still works.
    with pytest.warns(DeprecationWarning, match="on_event is deprecated"):
        life.on_event("startup")(started)

    @life.get("/state")
    async def state():
        return life.state

    with TestClient(life) as c:
        assert c.get("/state").json() == {"ready": True}
        assert seen == ["on_startup", "start"]
    assert seen == ["on_startup", "start", "stop"]


def test_graceful_shutdown_finishes_in_flight_requests():
    import asyncio
    import threading

    import httpx

    slow = App()
    started = threading.Event()

    @slow.get("/slow")
    async def slow_handler():
        started.set()
        await asyncio.sleep(0.5)
        return {"done": True}

    client = TestClient(slow)
    client.start()
    result = {}

    def call():
        result["response"] = httpx.get(f"{client.base_url}/slow", timeout=10)

    caller = threading.Thread(target=call)
    caller.start()
    assert started.wait(10)
    client.close()  # shutdown while the handler sleeps
    caller.join(10)
    assert result["response"].status_code == 200
    assert result["response"].json() == {"done": True}
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{client.base_url}/slow", timeout=2)


def test_shutdown_closes_idle_keep_alive_connections():
    # With a graceful timeout far past the test's own timeout, shutdown only
    # ends if the idle connections are told to stop (and close) at once.
    c = TestClient(app, graceful_timeout=1000, header_read_timeout=1000)
    c.start()
    host, port = c.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(b"GET /ok HTTP/1.1\r\nHost: x\r\n\r\n")
        assert s.recv(1000).startswith(b"HTTP/1.1 200")
        c.close()
        assert s.recv(100) == b""


@pytest.mark.parametrize("first", [b"", b"PRI * HT"], ids=["nothing", "partial-http2-preface"])
def test_silent_connections_are_closed_after_the_header_timeout(first):
    with TestClient(app, header_read_timeout=0.5) as c:
        host, port = c.base_url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as s:
            if first:
                s.sendall(first)
            # The server drops the connection instead of holding it: EOF, or
            # a reset when the bytes sent were left unread.
            with contextlib.suppress(ConnectionResetError):
                assert s.recv(100) == b""
        assert c.get("/ok").status_code == 200
