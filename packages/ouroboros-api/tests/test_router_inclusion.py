"""Live router inclusion (FastAPI 0.165): routes added to a router after it
was included are served and documented, `iter_route_contexts` and
`RouteContext` describe routes as served, `url_path_for`; and the
definition-time checks of response models."""

from typing import Annotated, Any

import pytest

from ouroboros.api import APIRouter, App, Depends, Request, Response, TestClient
from ouroboros.api.exceptions import FastAPIError
from ouroboros.api.openapi.utils import get_openapi
from ouroboros.api.routing import (
    APIRoute,
    NoMatchFound,
    RouteContext,
    _iter_included_route_candidates,
    _restore_fastapi_scope_key,
    iter_route_contexts,
)
from ouroboros.validation import BaseModel


def test_routes_added_after_inclusion_are_served_and_documented():
    calls: list[str] = []

    def included_dependency() -> None:
        calls.append("dependency")

    router = APIRouter()
    app = App()
    app.include_router(router, prefix="/api", tags=["included"], dependencies=[Depends(included_dependency)])
    client = TestClient(app)
    assert "/api/later" not in client.get("/openapi.json").json()["paths"]

    @router.get("/later")
    def later() -> dict[str, bool]:
        return {"later": True}

    # The running test server picks the new route up, and the cached document is rebuilt.
    assert client.get("/api/later").json() == {"later": True}
    assert calls == ["dependency"]
    operation = client.get("/openapi.json").json()["paths"]["/api/later"]["get"]
    assert operation["tags"] == ["included"]


def test_nested_and_repeated_inclusions_serve_every_path():
    shared = APIRouter()
    parent = APIRouter()
    app = App()
    app.include_router(parent, prefix="/v1")
    parent.include_router(shared, prefix="/a")
    parent.include_router(shared, prefix="/b")
    app.include_router(parent, prefix="/v2")

    @shared.get("/items/{item_id}", name="read_item")
    def read_item(item_id: int) -> int:
        return item_id

    client = TestClient(app)
    paths = ["/v1/a/items/1", "/v1/b/items/1", "/v2/a/items/1", "/v2/b/items/1"]
    assert [client.get(p).json() for p in paths] == [1, 1, 1, 1]
    assert app.url_path_for("read_item", item_id=7) == "/v1/a/items/7"
    assert parent.routes[1].url_path_for("read_item", item_id=7) == "/b/items/7"
    with pytest.raises(NoMatchFound):
        app.url_path_for("read_item", other=1)


def test_route_contexts_describe_routes_as_served():
    router = APIRouter(prefix="/items", tags=["router"])

    @router.get("/{item_id:int}", tags=["route"])
    def read_item(item_id: int, request: Request) -> dict[str, Any]:
        context = request.scope["fastapi"]["effective_route_context"]
        return {"path": context.path, "tags": context.tags, "original": context.original_route is declared}

    declared = router.routes[0]
    app = App(openapi_url=None)
    app.include_router(router, prefix="/api", tags=["include"])
    [context] = iter_route_contexts(app.routes)
    assert isinstance(context, RouteContext)
    assert (context.route, context.original_route) == (declared, declared)
    assert (context.path, context.path_format) == ("/api/items/{item_id:int}", "/api/items/{item_id}")
    assert context.methods == {"GET"}
    assert context.endpoint is read_item
    assert context.tags == ["include", "router", "route"]
    assert context.param_convertors["item_id"].convert("42") == 42
    assert declared.path == "/items/{item_id:int}"  # the declared route is unchanged
    assert [r.path for r in _iter_included_route_candidates(app.routes)] == ["/items/{item_id:int}"]
    with TestClient(app) as client:
        assert client.get("/api/items/3").json() == {
            "path": "/api/items/{item_id:int}",
            "tags": ["include", "router", "route"],
            "original": True,
        }


def test_get_openapi_takes_route_contexts():
    router = APIRouter()

    @router.get("/public", tags=["public"])
    def public() -> bool:
        return True

    @router.get("/private", tags=["private"])
    def private() -> bool:
        return False

    app = App()
    app.include_router(router, prefix="/api")
    chosen = [c for c in iter_route_contexts(app.routes) if "public" in c.tags]
    assert set(get_openapi(title="Public", version="1", routes=chosen)["paths"]) == {"/api/public"}


def test_inclusion_cycles_and_empty_paths_are_refused():
    parent, child = APIRouter(), APIRouter()
    parent.include_router(child, prefix="/child")
    with pytest.raises(AssertionError, match="already includes this router"):
        child.include_router(parent, prefix="/parent")
    with pytest.raises(AssertionError, match="into itself"):
        parent.include_router(parent)
    empty = APIRouter()

    @empty.get("")
    def root() -> list[int]:
        return []

    with pytest.raises(FastAPIError, match="Prefix and path cannot be both empty"):
        App().include_router(empty)


def test_restore_fastapi_scope_key():
    scope: dict[str, Any] = {"fastapi": {"a": 1, "b": 2}}
    _restore_fastapi_scope_key(scope, "a", 5)
    _restore_fastapi_scope_key(scope, "b", __import__("ouroboros.api.routing").api.routing._SCOPE_MISSING)
    assert scope == {"fastapi": {"a": 5}}
    odd: dict[str, Any] = {"fastapi": "not a dict"}
    _restore_fastapi_scope_key(odd, "a", 1)
    assert odd == {"fastapi": "not a dict"}


class NotAModel:
    pass


class Item(BaseModel):
    name: str


@pytest.mark.parametrize(
    "options",
    [
        {"response_model": NotAModel},
        {"response_model": list[NotAModel]},
        {"responses": {500: {"model": NotAModel}}},
        {"responses": {500: {"model": dict[str, NotAModel]}}},
    ],
)
def test_a_response_model_without_a_schema_is_refused_at_definition(options):
    app = App()
    with pytest.raises(FastAPIError, match="not a valid Pydantic field type"):

        @app.get("/", **options)
        def read() -> None:
            return None


def test_a_return_annotation_mixing_a_response_needs_response_model_none():
    app = App()
    with pytest.raises(FastAPIError, match="parameter response_model=None"):

        @app.get("/")
        def read() -> Response | None:
            return None

    @app.get("/ok", response_model=None)
    def ok() -> Response | None:
        return Response("fine")

    @app.get("/model")
    def model() -> list[Item] | None:
        return [Item(name="a")]

    @app.get("/plain")
    def plain() -> Response:
        return Response("plain")

    with TestClient(app) as client:
        assert client.get("/ok").text == "fine"
        assert client.get("/model").json() == [{"name": "a"}]
        assert client.get("/plain").text == "plain"


def test_route_subclasses_survive_inclusion():
    class Tagged(APIRoute):
        pass

    router = APIRouter(route_class=Tagged)

    @router.get("/x")
    def x(dep: Annotated[int, Depends(lambda: 1)]) -> int:
        return dep

    app = App()
    app.include_router(router, prefix="/p")
    [context] = iter_route_contexts(app.routes)
    assert type(context.route) is Tagged
    assert isinstance(context._effective, Tagged)
    with TestClient(app) as client:
        assert client.get("/p/x").json() == 1


def test_a_request_scope_yield_dependency_cannot_use_a_function_scope_one():
    from ouroboros.api import WebSocket
    from ouroboros.api.exceptions import DependencyScopeError

    async def session() -> Any:
        yield "session"

    def named(s: Annotated[str, Depends(session, scope="function")]) -> Any:
        yield s

    def plain(s: Annotated[str, Depends(session, scope="function")]) -> str:
        return s

    app = App()
    with pytest.raises(DependencyScopeError, match='"named" has a scope of "request"'):

        @app.get("/broken")
        def broken(value: Annotated[str, Depends(named)]) -> str:
            return value

    with pytest.raises(DependencyScopeError):

        @app.websocket("/broken-ws")
        async def broken_ws(websocket: WebSocket, value: Annotated[str, Depends(named)]) -> None:
            pass

    @app.get("/fine")
    def fine(a: Annotated[str, Depends(named, scope="function")], b: Annotated[str, Depends(plain)]) -> list[str]:
        return [a, b]

    with TestClient(app) as client:
        assert client.get("/fine").json() == ["session", "session"]


def test_one_dependency_in_two_scopes_gives_two_values():
    from ouroboros.api import StreamingResponse

    class Session:
        def __init__(self) -> None:
            self.open = True

    async def session() -> Any:
        s = Session()
        yield s
        s.open = False

    app = App()

    @app.get("/two")
    def two(
        short: Annotated[Session, Depends(session, scope="function")],
        long: Annotated[Session, Depends(session, scope="request")],
    ) -> Any:
        def body() -> Any:
            yield f"{short is long} {short.open} {long.open}"

        return StreamingResponse(body())

    with TestClient(app) as client:
        # The function-scope one is closed once the handler returned; the
        # request-scope one stays open while the body streams.
        assert client.get("/two").text == "False False True"
