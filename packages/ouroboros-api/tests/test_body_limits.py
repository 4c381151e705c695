"""FastAPI 0.165's body limits (``max_body_size=``/``form_limits=`` on the app,
routers, inclusions and routes), alias choices on parameters, raw bytes
bodies, mounted apps and responses of other frameworks: over a real socket
(TestClient) and through httpx's ASGI transport."""

from typing import Annotated

import httpx
import pytest

from ouroboros.api import APIRouter, App, Body, Header, Query, TestClient
from ouroboros.api._form_limits import _validate_form_limits
from ouroboros.api.routing import APIRoute, iter_route_contexts
from ouroboros.validation import AliasChoices, BaseModel, Field


async def echo(data: Annotated[bytes, Body(media_type="application/octet-stream")]):
    return {"size": len(data), "text": data.decode()}


def post(client, path, size):
    return client.post(path, content=b"x" * size, headers={"content-type": "application/octet-stream"})


def limited_app() -> App:
    child = APIRouter(max_body_size=8)
    child.post("/router")(echo)
    child.post("/route", max_body_size=3)(echo)
    app = App(max_body_size=5)
    app.post("/app")(echo)
    app.include_router(child, prefix="/child")
    app.include_router(child, prefix="/included", max_body_size=2)
    open_router = APIRouter()
    open_router.post("/")(echo)
    app.include_router(open_router, prefix="/open", max_body_size=10)
    return app


@pytest.mark.parametrize(
    ("path", "limit"),
    [("/app", 5), ("/child/router", 8), ("/child/route", 3), ("/included/router", 8), ("/open/", 10)],
)
def test_nearest_limit_wins_over_a_socket(path, limit):
    with TestClient(limited_app()) as client:
        accepted = post(client, path, limit)
        assert accepted.status_code == 200
        assert accepted.json() == {"size": limit, "text": "x" * limit}
        refused = post(client, path, limit + 1)
        assert refused.status_code == 413
        assert refused.json() == {"detail": "Request body is too large"}


@pytest.mark.asyncio
async def test_nearest_limit_wins_under_asgi():
    app = limited_app()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        for path, limit in [("/app", 5), ("/child/route", 3), ("/open/", 10)]:
            assert (await post(client, path, limit)).status_code == 200
            assert (await post(client, path, limit + 1)).status_code == 413


def test_inclusion_leaves_the_router_unchanged():
    router = APIRouter()
    router.post("/")(echo)
    app = App()
    app.include_router(router, prefix="/small", max_body_size=1, form_limits={"max_fields": 2})
    assert router.max_body_size is None
    assert router.routes[0].max_body_size is None
    assert router.routes[0].form_limits == {}
    # The inclusion is live: the route as served is its route context.
    included = list(iter_route_contexts(app.routes))[-1]
    assert (included.max_body_size, included.form_limits) == (1, {"max_fields": 2})


def test_route_keeps_its_settings_and_app_router_is_the_app():
    app = App()
    app.router.routes.append(APIRoute("/", echo, methods=["POST"], max_body_size=4, form_limits={"max_files": 1}))
    route = app.routes[-1]
    assert (route.max_body_size, route.form_limits, route.methods) == (4, {"max_files": 1}, ["POST"])
    assert APIRoute("/get", echo).methods == ["GET"]
    with TestClient(app) as client:
        assert post(client, "/", 4).status_code == 200
        assert post(client, "/", 5).status_code == 413


@pytest.mark.parametrize("value", [-1, True, 1.5, "5"])
def test_invalid_body_limits_are_refused_at_registration(value):
    with pytest.raises(ValueError, match="non-negative integer"):
        App(max_body_size=value)
    with pytest.raises(ValueError, match="non-negative integer"):
        APIRouter(max_body_size=value)
    with pytest.raises(ValueError, match="non-negative integer"):
        App().post("/", max_body_size=value)(echo)
    with pytest.raises(ValueError, match="non-negative integer"):
        App().include_router(APIRouter(), max_body_size=value)


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        ({"max_parts": 1}, "unknown limit 'max_parts'"),
        ({"max_files": -1}, "max_files"),
        ({"max_fields": False}, "max_fields must be"),
    ],
)
def test_invalid_form_limits(limits, message):
    with pytest.raises(ValueError, match=message):
        App(form_limits=limits)
    assert _validate_form_limits(None) == {}
    given = {"max_fields": 1}
    checked = _validate_form_limits(given)
    given["max_fields"] = 0
    assert checked == {"max_fields": 1}


def test_mounted_app_and_router_serve_under_the_prefix():
    child = App(max_body_size=3)
    child.post("/")(echo)
    router = APIRouter()

    @router.get("/hello")
    async def hello():
        return "hi"

    app = App(max_body_size=10)
    app.mount("/child", child)
    app.mount("/router", router)
    with TestClient(app) as client:
        assert post(client, "/child/", 3).json() == {"size": 3, "text": "xxx"}
        assert post(client, "/child/", 4).status_code == 413
        assert client.get("/router/hello").json() == "hi"
    with pytest.raises(TypeError, match="can be mounted"):
        app.mount("/other", object())


class Items(BaseModel):
    value: Annotated[int, Field(validation_alias=AliasChoices("first", "second"))]


alias_app = App()


@alias_app.get("/query")
async def by_query(
    value: Annotated[int, Query(alias="ignored", validation_alias=AliasChoices("first", "second"))],
    items: Annotated[list[str], Query(validation_alias=AliasChoices("item", "tag"))] = ["default"],  # noqa: B006
):
    return {"value": value, "items": items}


@alias_app.get("/header")
async def by_header(token: Annotated[str, Header(validation_alias=AliasChoices("X-One", "X-Two"))]):
    return token


@alias_app.get("/model")
async def by_model(data: Annotated[Items, Query()]):
    return {"value": data.value}


@pytest.mark.parametrize("alias", ["first", "second"])
def test_alias_choices_take_the_first_key_sent(alias):
    with TestClient(alias_app) as client:
        assert client.get("/query", params={alias: "1"}).json() == {"value": 1, "items": ["default"]}
        answer = client.get("/query?second=2&first=1&tag=x&item=a&item=b").json()
        assert answer == {"value": 1, "items": ["a", "b"]}
        assert client.get("/model", params={alias: "7"}).json() == {"value": 7}
        assert client.get("/header", headers={"x-two": "t2"}).json() == "t2"
        assert client.get("/header", headers={"x-two": "t2", "x-one": "t1"}).json() == "t1"


def test_alias_choice_errors_name_the_key():
    with TestClient(alias_app) as client:
        invalid = client.get("/query", params={"second": "nope"})
        assert invalid.status_code == 422
        assert invalid.json()["detail"][0]["loc"] == ["query", "second"]
        assert invalid.json()["detail"][0]["type"] == "int_parsing"
        missing = client.get("/query", params={"ignored": "1"})
        assert missing.json()["detail"] == [
            {"type": "missing", "loc": ["query", "first"], "msg": "Field required", "input": None}
        ]


class OtherResponse:
    """A response of another framework: an ASGI callable with a status,
    raw headers and a body (the shape of Starlette's)."""

    def __init__(self, body: bytes, status_code: int = 200) -> None:
        self.body = body
        self.status_code = status_code
        self.raw_headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"x-from", b"other")]

    async def __call__(self, scope, receive, send):  # pragma: no cover - never called
        raise AssertionError


foreign_app = App()


@foreign_app.post("/")
async def raw(data: Annotated[bytes, Body(media_type="application/octet-stream")]):
    return OtherResponse(data[::-1], status_code=201)


def test_responses_of_other_frameworks_are_sent_as_they_are():
    with TestClient(foreign_app) as client:
        answer = client.post("/", content=b"abc", headers={"content-type": "application/octet-stream"})
        assert (answer.status_code, answer.content, answer.headers["x-from"]) == (201, b"cba", "other")
        # A JSON body for a bytes parameter is still read as JSON.
        assert client.post("/", json="xyz").content == b"zyx"


@pytest.mark.asyncio
async def test_asgi_reraises_unhandled_errors_after_the_500():
    events = []

    async def lifespan(app):  # an async generator function, as Starlette accepts
        events.append("start")
        yield
        events.append("stop")

    app = App(lifespan=lifespan)

    @app.get("/boom")
    async def boom():
        raise ExceptionGroup("group", [RuntimeError("inner")])

    @app.get("/teapot")
    async def teapot():
        raise LookupError("handled")

    @app.exception_handler(LookupError)
    async def lookup(request, exc):
        from ouroboros.api import JSONResponse

        return JSONResponse({"error": str(exc)}, status_code=418)

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        with pytest.raises(ExceptionGroup) as caught:
            await client.get("/boom")
        assert str(caught.value.exceptions[0]) == "inner"
        answer = await client.get("/teapot")
        assert (answer.status_code, answer.json()) == (418, {"error": "handled"})
    with TestClient(app):
        assert events == ["start"]
    assert events == ["start", "stop"]


def test_asgi_under_trio_runs_sync_code_on_threads_and_after_response_work_last():
    import threading

    import trio

    from ouroboros.api import BackgroundTasks, Depends

    events: list[str] = []
    app = App(max_body_size=4)

    async def resource():
        events.append("enter")
        yield "r"
        events.append("exit")

    def sync_handler(data: Annotated[bytes, Body(media_type="application/octet-stream")]):
        events.append(f"handler on {'main' if threading.current_thread() is threading.main_thread() else 'worker'}")
        return {"size": len(data)}

    app.post("/sync")(sync_handler)

    @app.get("/later")
    async def later(tasks: BackgroundTasks, value: Annotated[str, Depends(resource)]):
        tasks.add_task(events.append, "background")
        return value

    async def main():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            assert (await post(client, "/sync", 4)).json() == {"size": 4}
            assert (await client.get("/later")).json() == "r"

    trio.run(main)
    # Background tasks, then request-scoped exit code, once the response is sent.
    assert events == ["handler on worker", "enter", "background", "exit"]


def test_optional_parameter_model_defaults_to_the_declared_default():
    class Filters(BaseModel):
        start: int
        label: str = "x"

    app = App()

    @app.get("/")
    async def read(filters: Annotated[Filters | None, Query()] = None):
        return filters

    with TestClient(app) as client:
        assert client.get("/").json() is None
        assert client.get("/", params={"start": "3"}).json() == {"start": 3, "label": "x"}
        assert client.get("/", params={"start": "no"}).json()["detail"][0]["loc"] == ["query", "start"]
