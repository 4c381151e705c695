"""FastAPI's module paths, names and keywords, and what they do here."""

import asyncio
import importlib
import threading
from typing import Annotated, Any

import pytest

from ouroboros.api import App, Depends, PlainTextResponse, Request, Security, TestClient
from ouroboros.api.concurrency import iterate_in_threadpool, run_in_threadpool
from ouroboros.api.exceptions import FastAPIError
from ouroboros.api.middleware import GZipMiddleware, Middleware
from ouroboros.api.responses import JSONResponse
from ouroboros.api.security import SecurityScopes
from ouroboros.api.sse import format_sse_event

MODULES = {
    "ouroboros.api.security.http": ["HTTPBase", "HTTPBearer", "HTTPDigest", "HTTPAuthorizationCredentials"],
    "ouroboros.api.security.oauth2": ["OAuth2", "OAuth2PasswordRequestForm", "SecurityScopes"],
    "ouroboros.api.security.api_key": ["APIKeyHeader", "APIKeyQuery", "APIKeyCookie"],
    "ouroboros.api.security.open_id_connect_url": ["OpenIdConnect"],
    "ouroboros.api.exceptions": ["ResponseValidationError", "FastAPIError", "FastAPIDeprecationWarning"],
    "ouroboros.api.concurrency": ["run_in_threadpool", "AsyncExitStack"],
    "ouroboros.api.sse": ["EventSourceResponse", "ServerSentEvent", "format_sse_event"],
    "ouroboros.api.requests": ["HTTPConnection"],
    "ouroboros.api.utils": ["generate_unique_id"],
    "ouroboros.api._compat": ["PYDANTIC_VERSION_MINOR_TUPLE"],
    "ouroboros.api.param_functions": ["Query", "Path", "Body", "Header", "Cookie", "Form", "File", "Depends"],
    "ouroboros.api.middleware.cors": ["CORSMiddleware"],
    "ouroboros.api.middleware.gzip": ["GZipMiddleware"],
    "ouroboros.api.middleware.trustedhost": ["TrustedHostMiddleware"],
    "ouroboros.api.middleware.httpsredirect": ["HTTPSRedirectMiddleware"],
}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_fastapi_module_paths_exist(module):
    mod = importlib.import_module(module)
    assert [n for n in MODULES[module] if not hasattr(mod, n)] == []


running = {"now": 0, "peak": 0}


async def limited() -> int:
    running["now"] += 1
    running["peak"] = max(running["peak"], running["now"])
    await asyncio.sleep(0.05)
    running["now"] -= 1
    return 1


def scoped(security_scopes: SecurityScopes) -> list[str]:
    return security_scopes.scopes


def needs_admin(scopes: Annotated[list[str], Security(scoped, scopes=["admin"])]) -> list[str]:
    return scopes


class Teapot(Exception):
    pass


async def teapot_handler(request: Request, exc: Teapot) -> JSONResponse:
    return JSONResponse({"teapot": True}, status_code=418)


app = App(
    title="Names",
    summary="Short",
    servers=[{"url": "https://api.example.com"}],
    openapi_tags=[{"name": "items"}],
    openapi_external_docs={"url": "https://docs.example.com"},
    default_response_class=PlainTextResponse,
    exception_handlers={Teapot: teapot_handler},
    middleware=[Middleware(GZipMiddleware, minimum_size=10)],
)


@app.get("/limited")
async def limited_route(n: Annotated[int, Depends(limited, max_concurrency=2)]) -> Any:
    return str(n)


@app.get("/scopes")
async def scopes_route(s: Annotated[list[str], Security(needs_admin, scopes=["items:read"])]) -> Any:
    return ",".join(s)


@app.get("/teapot")
async def teapot() -> Any:
    raise Teapot


@app.get("/items/{item_id}", tags=["items"])
async def read_item(item_id: int) -> Any:
    return f"item {item_id}"


def test_max_concurrency_limits_calls_across_requests():
    async def burst() -> list[int]:
        import httpx

        async with httpx.AsyncClient(base_url=client.base_url) as c:
            rs = await asyncio.gather(*(c.get("/limited") for _ in range(6)))
        return [r.status_code for r in rs]

    with TestClient(app) as client:
        assert asyncio.run(burst()) == [200] * 6
    assert running["peak"] == 2


def test_security_scopes_collect_every_level():
    with TestClient(app) as client:
        assert client.get("/scopes").text == "items:read,admin"


def test_app_keywords_reach_handlers_middleware_and_openapi():
    with TestClient(app) as client:
        r = client.get("/items/3")
        assert (r.text, r.headers["content-type"]) == ("item 3", "text/plain; charset=utf-8")
        assert (client.get("/teapot").status_code, client.get("/teapot").json()) == (418, {"teapot": True})
        doc = client.get("/openapi.json").json()
    assert doc["info"] == {"title": "Names", "summary": "Short", "version": "0.1.0"}
    assert doc["servers"] == [{"url": "https://api.example.com"}]
    assert doc["tags"] == [{"name": "items"}]
    assert doc["externalDocs"] == {"url": "https://docs.example.com"}
    assert doc["paths"]["/items/{item_id}"]["get"]["operationId"] == "read_item_items__item_id__get"


def test_middleware_entries_are_built():
    assert any(isinstance(m, GZipMiddleware) and m.minimum_size == 10 for m in app.user_middleware)


def test_depends_checks_its_keywords():
    with pytest.raises(FastAPIError, match="scope"):
        Depends(limited, scope="session")
    with pytest.raises(ValueError, match="max_concurrency"):
        Depends(limited, max_concurrency=0)


def test_run_in_threadpool_runs_off_the_loop():
    async def main() -> tuple[bool, list[int]]:
        loop_thread = threading.get_ident()
        other = await run_in_threadpool(lambda: threading.get_ident() != loop_thread)
        items = [i async for i in iterate_in_threadpool(iter([1, 2, 3]))]
        return other, items

    assert asyncio.run(main()) == (True, [1, 2, 3])


def test_format_sse_event_writes_fastapi_field_order():
    assert format_sse_event(data_str="a\nb", event="e", id="7", retry=5, comment="hi") == (
        b": hi\nevent: e\ndata: a\ndata: b\nid: 7\nretry: 5\n\n"
    )


crashing = App()


@crashing.get("/crash")
async def crash() -> Any:
    raise RuntimeError("boom")


@crashing.get("/gone")
async def gone() -> Any:
    from ouroboros.api import HTTPException

    raise HTTPException(500, "gone")


def test_server_exceptions_are_raised_in_the_test_by_default():
    with TestClient(crashing) as client:
        with pytest.raises(RuntimeError, match="boom"):
            client.get("/crash")
        # An HTTPException is an answer, not a crash.
        assert client.get("/gone").json() == {"detail": "gone"}
    with TestClient(crashing, raise_server_exceptions=False) as client:
        r = client.get("/crash")
        assert (r.status_code, r.text) == (500, "Internal Server Error")


def test_client_options_cookies_and_redirects():
    app = App()

    @app.get("/who")
    async def who(request: Request) -> Any:
        return {"session": request.cookies.get("session")}

    @app.get("/old")
    async def old() -> Any:
        from ouroboros.api import RedirectResponse

        return RedirectResponse("/who")

    with TestClient(app, cookies={"session": "s1"}) as client:
        assert client.get("/old").json() == {"session": "s1"}
    with TestClient(app, follow_redirects=False) as client:
        assert client.get("/old").status_code == 307


def test_get_openapi_and_docs_pages_from_their_fastapi_paths():
    from ouroboros.api.openapi.docs import get_redoc_html, get_swagger_ui_html
    from ouroboros.api.openapi.utils import get_openapi

    doc = get_openapi(title="Custom", version="2.0", routes=app.routes, servers=[{"url": "/v2"}])
    assert doc["info"] == {"title": "Custom", "version": "2.0"}
    assert doc["servers"] == [{"url": "/v2"}]
    assert doc["paths"]["/items/{item_id}"]["get"]["operationId"] == "read_item_items__item_id__get"
    page = get_swagger_ui_html(openapi_url="/openapi.json", title="Custom")
    assert b'url: "/openapi.json"' in page.body and b"/docs/assets/swagger-ui-dist@5/swagger-ui-bundle.js" in page.body
    redoc = get_redoc_html(openapi_url="/v2/openapi.json", title="T", redoc_favicon_url="/f.png").body
    assert b'spec-url="/v2/openapi.json"' in redoc and b'href="/f.png"' in redoc
    assert b"fonts.googleapis.com" in redoc
    assert b"fonts.googleapis.com" not in get_redoc_html(openapi_url="/o", title="T", with_google_fonts=False).body
    from ouroboros.api.openapi.docs import get_swagger_ui_oauth2_redirect_html

    assert b"window.opener.swaggerUIRedirectOauth2" in get_swagger_ui_oauth2_redirect_html().body


def test_websocket_routes_are_api_websocket_routes():
    from ouroboros.api import APIRouter, WebSocket
    from ouroboros.api.routing import APIRoute, APIWebSocketRoute, iter_route_contexts

    router = APIRouter()

    @router.websocket("/ws")
    async def ws(websocket: WebSocket) -> None:
        await websocket.accept()

    @router.get("/plain")
    async def plain() -> Any:
        return {}

    outer = App()
    outer.include_router(router, prefix="/r")
    kinds = {c.path: type(c.route) for c in iter_route_contexts(outer.routes)}
    assert kinds["/r/ws"] is APIWebSocketRoute
    assert kinds["/r/plain"] is APIRoute


def test_trace_and_websocket_route_decorators():
    from ouroboros.api.responses import PlainTextResponse as Plain
    from ouroboros.api.websockets import WebSocket

    app = App()

    @app.trace("/t")
    async def traced():
        return Plain("traced")

    @app.websocket_route("/ws")
    async def ws(websocket: WebSocket):
        await websocket.accept()
        await websocket.send_text("hello")
        await websocket.close()

    with TestClient(app) as client:
        r = client.request("TRACE", "/t")
        assert (r.status_code, r.text) == (200, "traced")
        assert client.get("/t").status_code == 405
        with client.websocket_connect("/ws") as s:
            assert s.receive_text() == "hello"


def test_default_placeholder():
    from ouroboros.api.datastructures import Default, DefaultPlaceholder

    d = Default(JSONResponse)
    assert isinstance(d, DefaultPlaceholder)
    assert d.value is JSONResponse
    assert d == Default(JSONResponse)
    assert d != Default(PlainTextResponse)
    assert not Default(None)


def test_default_exception_handlers_can_be_wrapped():
    from ouroboros.api import HTTPException
    from ouroboros.api.exception_handlers import http_exception_handler, request_validation_exception_handler
    from ouroboros.api.exceptions import RequestValidationError

    app = App()
    calls: list[str] = []

    @app.exception_handler(HTTPException)
    async def wrapped_http(request, exc):
        calls.append(f"http {exc.status_code}")
        return await http_exception_handler(request, exc)

    @app.exception_handler(RequestValidationError)
    async def wrapped_validation(request, exc):
        calls.append("validation")
        return await request_validation_exception_handler(request, exc)

    @app.get("/items/{n}")
    async def item(n: int):
        if n == 0:
            raise HTTPException(404, "no item zero", headers={"x-why": "zero"})
        return {"n": n}

    with TestClient(app) as client:
        r = client.get("/items/0")
        assert (r.status_code, r.json(), r.headers["x-why"]) == (404, {"detail": "no item zero"}, "zero")
        r = client.get("/items/x")
        assert r.status_code == 422
        assert r.json()["detail"][0]["loc"] == ["path", "n"]
        assert calls == ["http 404", "validation"]


def test_websocket_close_codes_in_status():
    from ouroboros.api import status

    assert status.WS_1000_NORMAL_CLOSURE == 1000
    assert status.WS_1008_POLICY_VIOLATION == 1008
    assert status.WS_1011_INTERNAL_ERROR == 1011
    assert "WS_1013_TRY_AGAIN_LATER" in status.__all__
    assert status.HTTP_404_NOT_FOUND == 404
