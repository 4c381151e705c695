"""WebSocket routes over a real connection (the `websockets` client)."""

import asyncio
import json
from typing import Annotated

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from ouroboros.api import App, Query, WebSocket, WebSocketDisconnect, WebSocketException

app = App()
disconnects: list[int] = []


@app.websocket("/echo")
async def echo(ws: WebSocket):
    await ws.accept()
    try:
        while True:
            text = await ws.receive_text()
            await ws.send_text(f"Echo: {text}")
    except WebSocketDisconnect as exc:
        disconnects.append(exc.code)


@app.websocket("/rooms/{room}")
async def room(ws: WebSocket, room: str, user: Annotated[str, Query(min_length=2)]):
    await ws.accept()
    await ws.send_json({"room": room, "user": user, "path": ws.path_params})
    await ws.close()


@app.websocket("/binary")
async def binary(ws: WebSocket):
    await ws.accept()
    data = await ws.receive_bytes()
    await ws.send_bytes(data[::-1])
    message = await ws.receive_json()
    await ws.send_json({"got": message})


@app.websocket("/server-closes")
async def server_closes(ws: WebSocket):
    await ws.accept()
    await ws.close(4001, "bye")


@app.websocket("/crash")
async def crash(ws: WebSocket):
    await ws.accept()
    raise RuntimeError("boom")


@app.websocket("/ticker")
async def ticker(ws: WebSocket):
    await ws.accept()
    for i in range(3):
        await asyncio.sleep(0.01)
        await ws.send_text(str(i))


@app.websocket("/gate")
async def gate(ws: WebSocket, token: str = ""):
    # Nothing reaches the client before the handler decides.
    await asyncio.sleep(0.05)
    if token != "ok":
        await ws.close(code=1008)
        return
    await ws.accept(subprotocol="chat.v1", headers=[(b"x-gate", b"open")])
    await ws.send_text("welcome")


@app.websocket("/raises")
async def raises(ws: WebSocket, early: bool = False):
    if early:
        raise WebSocketException(code=1008, reason="no token")
    await ws.accept()
    raise WebSocketException(code=4003, reason="go away")


@app.websocket("/never-accepts")
async def never_accepts(ws: WebSocket):
    return


def url(client, path):
    return client.base_url.replace("http://", "ws://") + path


def test_echo_round_trips(client):
    with connect(url(client, "/echo")) as ws:
        for word in ["a", "hello", "ünïcode"]:
            ws.send(word)
            assert ws.recv(timeout=5) == f"Echo: {word}"


def test_client_close_reaches_the_handler(client):
    disconnects.clear()
    with connect(url(client, "/echo")) as ws:
        ws.send("x")
        ws.recv(timeout=5)
        ws.close(code=4000)
    for _ in range(1000):
        if 4000 in disconnects:
            break
        asyncio.run(asyncio.sleep(0.01))
    # A previous test's connection may report its own close (1000) late.
    assert [c for c in disconnects if c != 1000] == [4000]


def test_path_and_query_parameters(client):
    with connect(url(client, "/rooms/blue?user=al")) as ws:
        assert json.loads(ws.recv(timeout=5)) == {"room": "blue", "user": "al", "path": {"room": "blue"}}


def test_invalid_parameters_refuse_the_upgrade(client):
    with pytest.raises(InvalidStatus) as info, connect(url(client, "/rooms/blue?user=a")):
        pass
    assert info.value.response.status_code == 403
    body = json.loads(info.value.response.body)
    assert body["detail"][0]["loc"] == ["query", "user"]


def test_unknown_websocket_path_is_404(client):
    with pytest.raises(InvalidStatus) as info, connect(url(client, "/nope")):
        pass
    assert info.value.response.status_code == 404


def test_plain_http_to_a_websocket_path_is_404(client):
    assert client.get("/echo").status_code == 404


def test_binary_and_json(client):
    with connect(url(client, "/binary")) as ws:
        ws.send(b"\x01\x02\x03")
        assert ws.recv(timeout=5) == b"\x03\x02\x01"
        ws.send(json.dumps({"a": 1}))
        assert json.loads(ws.recv(timeout=5)) == {"got": {"a": 1}}


def test_server_close_code_and_reason(client):
    with connect(url(client, "/server-closes")) as ws:
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=5)
        assert ws.close_code == 4001
        assert ws.close_reason == "bye"


def test_handler_crash_closes_with_1011(client):
    with connect(url(client, "/crash")) as ws:
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=5)
        assert ws.close_code == 1011
    assert client.get("/openapi.json").status_code == 200


def test_handler_that_awaits_between_sends(client):
    with connect(url(client, "/ticker")) as ws:
        assert [ws.recv(timeout=5) for _ in range(3)] == ["0", "1", "2"]
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=5)
        assert ws.close_code == 1000


def test_many_concurrent_connections(client):
    import contextlib

    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(connect(url(client, "/echo"))) for _ in range(20)]
        for i, ws in enumerate(sockets):
            ws.send(str(i))
        assert [ws.recv(timeout=5) for ws in sockets] == [f"Echo: {i}" for i in range(20)]


# -- TestClient.websocket_connect (Starlette's test session API)


def test_websocket_connect_echo(client):
    with client.websocket_connect("/echo") as ws:
        ws.send_text("hi")
        assert ws.receive_text() == "Echo: hi"
        ws.send_text("again")
        assert ws.receive() == {"type": "websocket.send", "text": "Echo: again"}


def test_websocket_connect_bytes_and_json(client):
    with client.websocket_connect("/binary") as ws:
        ws.send_bytes(b"abc")
        assert ws.receive_bytes() == b"cba"
        ws.send_json({"x": [1, 2]})
        assert ws.receive_json() == {"got": {"x": [1, 2]}}


def test_websocket_connect_sees_the_server_close(client):
    with client.websocket_connect("/server-closes") as ws, pytest.raises(WebSocketDisconnect) as info:
        ws.receive_text()
    assert (info.value.code, info.value.reason) == (4001, "bye")


def test_websocket_connect_path_and_query(client):
    with client.websocket_connect("/rooms/red?user=ann") as ws:
        assert ws.receive_json() == {"room": "red", "user": "ann", "path": {"room": "red"}}


def test_websocket_connect_refused(client):
    with pytest.raises(WebSocketDisconnect) as info:
        client.websocket_connect("/rooms/red?user=a")
    assert info.value.code == 1008
    with pytest.raises(WebSocketDisconnect):
        client.websocket_connect("/nowhere")


def test_handshake_waits_for_accept_with_subprotocol_and_headers(client):
    with connect(url(client, "/gate?token=ok"), subprotocols=["chat.v1"]) as ws:
        assert ws.subprotocol == "chat.v1"
        assert ws.response.headers["x-gate"] == "open"
        assert ws.recv(timeout=5) == "welcome"


@pytest.mark.parametrize("path", ["/gate?token=no", "/never-accepts"])
def test_close_before_accept_refuses_the_handshake_with_403(client, path):
    with pytest.raises(InvalidStatus) as info, connect(url(client, path)):
        pass
    assert info.value.response.status_code == 403
    # The server keeps serving.
    with connect(url(client, "/gate?token=ok"), subprotocols=["chat.v1"]) as ws:
        assert ws.recv(timeout=5) == "welcome"


def test_websocket_exception_closes_with_its_code(client):
    with connect(url(client, "/raises")) as ws:
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=5)
        assert (ws.close_code, ws.close_reason) == (4003, "go away")
    with pytest.raises(InvalidStatus) as info, connect(url(client, "/raises?early=true")):
        pass
    assert info.value.response.status_code == 403
    with pytest.raises(WebSocketDisconnect) as refused:
        client.websocket_connect("/raises?early=true")
    assert refused.value.code == 1008
