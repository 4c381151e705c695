"""TestClient behaviour FastAPI users rely on, as Starlette's TestClient has
it: the app's WebSocket close codes and denial responses, the test thread's
ContextVars seen by the app, WebSocket sessions that wait for the app's exit
code and raise the handler's error; and routers' `route_class`."""

import contextvars
import socket
from typing import Annotated, Any

import pytest

from ouroboros.api import (
    APIRouter,
    App,
    Depends,
    Request,
    TestClient,
    WebSocket,
    WebSocketDisconnect,
)
from ouroboros.api.responses import PlainTextResponse
from ouroboros.api.routing import APIRoute, iter_route_contexts
from ouroboros.api.security import HTTPBearer
from ouroboros.api.testclient import WebSocketDenialResponse

seen: contextvars.ContextVar[dict[str, Any]] = contextvars.ContextVar("seen")


class Teapot(Exception):
    pass


def make_app() -> App:
    app = App()

    @app.websocket("/closes-early")
    async def closes_early(websocket: WebSocket) -> None:
        await websocket.close(4003, "not today")

    @app.websocket("/bearer")
    async def bearer(websocket: WebSocket, token: Annotated[Any, Depends(HTTPBearer())]) -> None:
        await websocket.accept()
        await websocket.send_json(token.credentials)

    @app.websocket("/denied")
    async def denied(websocket: WebSocket) -> None:
        await websocket.send_denial_response(PlainTextResponse("go away", status_code=418, headers={"x-why": "tea"}))

    @app.websocket("/teapot")
    async def teapot(websocket: WebSocket) -> None:
        raise Teapot()

    async def on_teapot(websocket: WebSocket, exc: Teapot) -> None:
        await websocket.close(1002, "teapot handled")

    app.add_exception_handler(Teapot, on_teapot)

    async def session() -> Any:
        state = {"open": True}
        yield state
        seen.get()["closed"] = True

    @app.websocket("/session")
    async def with_session(websocket: WebSocket, state: Annotated[dict[str, Any], Depends(session)]) -> None:
        await websocket.accept()
        await websocket.send_json(state)

    @app.websocket("/echo-forever")
    async def echo_forever(websocket: WebSocket) -> None:
        await websocket.accept()
        while True:  # the client's close ends it with WebSocketDisconnect
            await websocket.send_text(await websocket.receive_text())

    @app.get("/context")
    async def context() -> dict[str, Any]:
        return seen.get()

    token_var: contextvars.ContextVar[str] = contextvars.ContextVar("token_var")

    async def sets_token() -> Any:
        reset = token_var.set("from the dependency")
        yield
        token_var.reset(reset)

    @app.get("/sync-sees-dependency", dependencies=[Depends(sets_token)])
    def sync_handler() -> str:
        return token_var.get()

    return app


@pytest.fixture(scope="module")
def client():
    with TestClient(make_app()) as c:
        yield c


def test_close_before_accept_reports_the_apps_code_and_reason(client):
    with pytest.raises(WebSocketDisconnect) as info:
        client.websocket_connect("/closes-early")
    assert (info.value.code, info.value.reason) == (4003, "not today")
    with pytest.raises(WebSocketDisconnect) as unknown:
        client.websocket_connect("/no-such-socket")
    assert unknown.value.code == 1000


def test_a_refused_handshake_carries_the_close_code_over_the_wire(client):
    port = int(client.base_url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(
            b"GET /closes-early HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        head = sock.recv(4096).decode("latin-1").lower()
    assert head.startswith("http/1.1 403")
    assert "x-websocket-close-code: 4003\r\n" in head
    assert head.endswith("not today")


def test_an_http_exception_before_accept_is_a_denial_response(client):
    with pytest.raises(WebSocketDenialResponse) as info:
        client.websocket_connect("/bearer")
    denial = info.value
    assert isinstance(denial, WebSocketDisconnect)
    assert denial.status_code == 401
    assert denial.json() == {"detail": "Not authenticated"}
    assert denial.headers["www-authenticate"] == "Bearer"
    with client.websocket_connect("/bearer", headers={"Authorization": "Bearer abc"}) as ws:
        assert ws.receive_json() == "abc"


def test_send_denial_response_answers_with_the_apps_response(client):
    with pytest.raises(WebSocketDenialResponse) as info:
        client.websocket_connect("/denied")
    assert (info.value.status_code, info.value.text, info.value.headers["x-why"]) == (418, "go away", "tea")


def test_the_apps_exception_handler_closes_a_websocket(client):
    with pytest.raises(WebSocketDisconnect) as info:
        client.websocket_connect("/teapot")
    assert (info.value.code, info.value.reason) == (1002, "teapot handled")


def test_handlers_see_the_test_threads_context_variables(client):
    seen.set({"from": "the test"})
    assert client.get("/context").json() == {"from": "the test"}
    seen.set({"from": "a later test"})
    assert client.get("/context").json() == {"from": "a later test"}


def test_sync_handlers_see_context_variables_of_async_dependencies(client):
    assert client.get("/sync-sees-dependency").json() == "from the dependency"


def test_leaving_a_websocket_session_waits_for_the_apps_exit_code(client):
    state: dict[str, Any] = {}
    seen.set(state)
    with client.websocket_connect("/session") as ws:
        assert ws.receive_json() == {"open": True}
    assert state == {"closed": True}


def test_leaving_a_session_raises_what_ended_the_handler(client):
    ws = client.websocket_connect("/echo-forever")
    ws.send_text("one")
    assert ws.receive_text() == "one"
    with pytest.raises(WebSocketDisconnect) as info:
        ws.__exit__(None, None, None)
    assert info.value.code == 1000


def test_routers_build_routes_of_their_route_class():
    class Tagged(APIRoute):
        kind = "tagged"

    class Other(APIRoute):
        kind = "other"

    router = APIRouter(route_class=Tagged)

    @router.get("/a")
    def a() -> str:
        return "a"

    router.add_api_route("/b", a, route_class_override=Other)
    app = App()
    app.router.route_class = Other

    @app.get("/c")
    def c(request: Request) -> str:
        return type(request.scope["route"]).__name__

    app.include_router(router, prefix="/r")
    assert [type(r).__name__ for r in router.routes] == ["Tagged", "Other"]
    kinds = {c.path: type(c.route).__name__ for c in iter_route_contexts(app.routes)}
    assert (kinds["/r/a"], kinds["/r/b"], kinds["/c"]) == ("Tagged", "Other", "Other")
    with TestClient(app) as client:
        assert client.get("/r/a").json() == "a"
        assert client.get("/c").json() == "Other"


def test_denial_response_is_also_starlettes_when_a_test_imported_it():
    starlette_testclient = pytest.importorskip("starlette.testclient")
    app = make_app()
    with TestClient(app) as client, pytest.raises(starlette_testclient.WebSocketDenialResponse) as info:
        client.websocket_connect("/bearer")
    assert info.value.status_code == 401


def test_a_session_keeps_its_client_and_server_alive():
    import gc

    with TestClient(make_app()).websocket_connect("/bearer", headers={"Authorization": "Bearer k"}) as ws:
        gc.collect()  # the client is only referenced by the session
        assert ws.receive_json() == "k"


def test_exception_handlers_may_answer_with_starlette_responses_and_server_errors_go_on():
    from ouroboros.api import HTTPException

    responses = pytest.importorskip("starlette.responses")
    app = App(
        exception_handlers={
            HTTPException: lambda request, exc: responses.JSONResponse({"handled": "http"}),
            Exception: lambda request, exc: responses.JSONResponse({"handled": "server"}, status_code=500),
        }
    )

    @app.get("/http")
    def http() -> None:
        raise HTTPException(400)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("boom")

    with TestClient(app) as client:
        answer = client.get("/http")
        assert (answer.status_code, answer.json()) == (200, {"handled": "http"})
        # As Starlette's ServerErrorMiddleware: the handler answers, the error goes on.
        with pytest.raises(RuntimeError, match="boom"):
            client.get("/boom")
    with TestClient(app, raise_server_exceptions=False) as client:
        answer = client.get("/boom")
        assert (answer.status_code, answer.json()) == (500, {"handled": "server"})
