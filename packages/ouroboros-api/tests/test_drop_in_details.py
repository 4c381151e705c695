"""FastAPI behaviours found through its own suite: a union of models is a
body, a response's own ``background``, ``exclude_unset`` over a returned
subclass, ``request.client``, fixed-length tuples in forms, the cache key of
scoped dependencies, alias paths, recursive response models."""

import dataclasses
from typing import Annotated

import pytest

from ouroboros.api import (
    App,
    BackgroundTasks,
    Body,
    Depends,
    Form,
    HTTPException,
    Query,
    Request,
    RequestValidationError,
    Security,
    StreamingResponse,
    TestClient,
)
from ouroboros.api.background import BackgroundTask
from ouroboros.api.responses import JSONResponse, PlainTextResponse
from ouroboros.validation import AliasChoices, AliasPath, BaseModel, Field


class Cat(BaseModel):
    meow: str


class Dog(BaseModel):
    woof: int


def test_a_union_of_models_without_a_marker_is_the_body() -> None:
    app = App()

    @app.post("/pets")
    def pet(pet: Cat | Dog) -> dict:
        return {"kind": type(pet).__name__}

    @app.post("/maybe")
    def maybe(pet: Cat | Dog | None = None) -> dict:
        return {"kind": type(pet).__name__}

    with TestClient(app) as client:
        assert client.post("/pets", json={"meow": "hi"}).json() == {"kind": "Cat"}
        assert client.post("/pets", json={"woof": 3}).json() == {"kind": "Dog"}
        assert client.post("/maybe", json={"woof": 3}).json() == {"kind": "Dog"}
        r = client.post("/pets", json={"quack": 1})
        assert r.status_code == 422
        locs = [e["loc"] for e in r.json()["detail"]]
        assert ["body", "Cat", "meow"] in locs
        assert ["body", "Dog", "woof"] in locs
        schema = client.get("/openapi.json").json()["paths"]["/pets"]["post"]
        assert "requestBody" in schema
        assert "parameters" not in schema


def test_a_scalar_union_stays_a_query_parameter() -> None:
    app = App()

    @app.get("/q")
    def q(v: int | str) -> dict:
        return {"v": v}

    with TestClient(app) as client:
        # Smart-mode union: the query's text is an exact `str`.
        assert client.get("/q?v=5").json() == {"v": "5"}
        assert client.get("/q").json()["detail"][0]["loc"] == ["query", "v"]


def test_a_responses_own_background_runs_after_it_is_sent() -> None:
    app = App()
    done: list[str] = []

    async def record(what: str) -> None:
        done.append(what)

    def record_sync(what: str) -> None:
        done.append(what)

    @app.get("/one")
    def one():
        return PlainTextResponse("ok", background=BackgroundTask(record_sync, "one"))

    @app.get("/many")
    async def many():
        tasks = BackgroundTasks()
        tasks.add_task(record, "a")
        tasks.add_task(record_sync, "b")
        return JSONResponse({"n": 2}, background=tasks)

    @app.get("/own-wins")
    async def own_wins(injected: BackgroundTasks):
        injected.add_task(record, "injected")
        return PlainTextResponse("ok", background=BackgroundTask(record, "own"))

    @app.get("/stream")
    async def stream(injected: BackgroundTasks):
        injected.add_task(record, "after-body")

        async def body():
            done.append("chunk")
            yield b"x"

        return StreamingResponse(body())

    @app.get("/error")
    def error():
        raise HTTPException(404, "nope")

    @app.exception_handler(HTTPException)
    async def handler(request: Request, exc: HTTPException):
        return JSONResponse(
            {"d": exc.detail}, status_code=exc.status_code, background=BackgroundTask(record, "handler")
        )

    with TestClient(app) as client:
        assert client.get("/one").text == "ok"
        assert done == ["one"]
        done.clear()
        assert client.get("/many").json() == {"n": 2}
        assert done == ["a", "b"]
        done.clear()
        client.get("/own-wins")
        assert done == ["own"]
        done.clear()
        assert client.get("/stream").content == b"x"
        assert done == ["chunk", "after-body"]
        done.clear()
        r = client.get("/error")
        assert (r.status_code, r.json()) == (404, {"d": "nope"})
        assert done == ["handler"]


def test_background_accepts_starlette_style_awaitables() -> None:
    app = App()
    done: list[str] = []

    class Later:
        async def __call__(self) -> None:
            done.append("called")

    @app.get("/")
    def index():
        return PlainTextResponse("ok", background=Later())

    with TestClient(app) as client:
        assert client.get("/").text == "ok"
    assert done == ["called"]


class Sub(BaseModel):
    a: str | None = "foo"


class Parent(BaseModel):
    x: int | None = None
    sub: Sub


class Child(Parent):
    y: int
    z: int = 0


def test_exclude_unset_applies_to_a_returned_subclass_as_given() -> None:
    app = App()

    @app.get("/unset", response_model=Parent, response_model_exclude_unset=True)
    def unset() -> Child:
        return Child(sub={}, y=1, z=0)

    @app.get("/all", response_model=Parent)
    def every() -> Child:
        return Child(sub={}, y=1)

    @app.get("/given", response_model=Parent, response_model_exclude_unset=True)
    def given() -> Child:
        return Child(x=None, sub=Sub(a=None), y=1)

    with TestClient(app) as client:
        assert client.get("/unset").json() == {"sub": {}}
        assert client.get("/all").json() == {"x": None, "sub": {"a": "foo"}}
        assert client.get("/given").json() == {"x": None, "sub": {"a": None}}


def test_request_client_has_host_and_port() -> None:
    app = App()

    @app.get("/")
    def index(request: Request) -> dict:
        host, port = request.client
        return {"host": request.client.host, "port_matches": request.client.port == port, "tuple": host}

    with TestClient(app) as client:
        body = client.get("/").json()
    assert body == {"host": "127.0.0.1", "port_matches": True, "tuple": "127.0.0.1"}


def test_the_testclient_names_itself() -> None:
    app = App()

    @app.get("/")
    def index(request: Request) -> dict:
        return {"ua": request.headers["user-agent"]}

    with TestClient(app) as client:
        assert client.get("/").json() == {"ua": "testclient"}
        assert client.get("/", headers={"User-Agent": "me"}).json() == {"ua": "me"}
    with TestClient(app, headers={"user-agent": "set"}) as client:
        assert client.get("/").json() == {"ua": "set"}


def test_a_fixed_length_tuple_in_a_form_checks_its_length() -> None:
    app = App()

    @app.post("/pair")
    def pair(values: Annotated[tuple[int, int], Form()]):
        return {"values": values, "type": type(values).__name__}

    @app.post("/many")
    def many(values: Annotated[tuple[int, ...], Form()]):
        return {"values": values}

    with TestClient(app) as client:
        assert client.post("/pair", data={"values": ["1", "2"]}).json() == {"values": [1, 2], "type": "tuple"}
        r = client.post("/pair", data={"values": ["1", "2", "3"]})
        assert r.status_code == 422
        assert r.json()["detail"][0]["type"] == "too_long"
        assert r.json()["detail"][0]["loc"] == ["body", "values"]
        r = client.post("/pair", data={"values": ["1", "x"]})
        assert r.status_code == 422
        assert r.json()["detail"][0]["loc"] == ["body", "values", 1]
        assert client.post("/pair", data={"values": "1"}).status_code == 422
        assert client.post("/many", data={"values": ["1", "2", "3"]}).json() == {"values": [1, 2, 3]}


def test_security_with_scopes_of_its_own_is_cached_apart() -> None:
    app = App()
    calls = {"n": 0}

    async def counter() -> int:
        calls["n"] += 1
        return calls["n"]

    @app.get("/")
    async def index(
        plain: int = Security(counter),
        scoped_1: int = Security(counter, scopes=["read"]),
        scoped_2: int = Security(counter, scopes=["read"]),
        again: int = Depends(counter),
    ) -> dict:
        return {"plain": plain, "scoped_1": scoped_1, "scoped_2": scoped_2, "again": again}

    with TestClient(app) as client:
        assert client.get("/").json() == {"plain": 1, "scoped_1": 2, "scoped_2": 2, "again": 1}


@pytest.mark.parametrize(
    "alias",
    [AliasPath("nested", "value"), AliasChoices("first", AliasPath("nested", "value"))],
    ids=["path", "choices-with-a-path"],
)
def test_alias_paths_leave_the_body_key_as_the_name(alias) -> None:
    app = App()

    @app.post("/")
    def read(value: Annotated[int, Body(embed=True, validation_alias=alias)]):
        return value

    with TestClient(app) as client:
        assert client.post("/", json={"value": 1, "first": 2, "nested": {"value": 3}}).json() == 1


def test_plain_alias_choices_are_tried_in_order() -> None:
    app = App()

    @app.post("/")
    def read(value: Annotated[int, Body(embed=True, validation_alias=AliasChoices("first", "second"))]):
        return value

    with TestClient(app) as client:
        assert client.post("/", json={"second": 2}).json() == 2
        assert client.post("/", json={"first": 1, "second": 2}).json() == 1


class Tree(BaseModel):
    name: str
    children: list["Tree"] = []


Tree.model_rebuild()


def test_a_recursive_response_model_serves() -> None:
    app = App()

    @app.get("/tree", response_model=Tree)
    def tree():
        return {"name": "root", "children": [{"name": "leaf", "children": []}], "extra": 1}

    with TestClient(app) as client:
        assert client.get("/tree").json() == {"name": "root", "children": [{"name": "leaf", "children": []}]}


@dataclasses.dataclass
class Node:
    name: str
    kids: list["Node"] = dataclasses.field(default_factory=list)


def test_a_recursive_dataclass_response_model_serves() -> None:
    app = App()

    @app.get("/node", response_model=Node)
    def node():
        return Node("root", [Node("leaf")])

    with TestClient(app) as client:
        assert client.get("/node").json() == {"name": "root", "kids": [{"name": "leaf", "kids": []}]}


def test_an_exception_handler_that_raises_gives_500_and_the_test_raises(caplog) -> None:
    app = App()

    @app.exception_handler(RequestValidationError)
    async def reraise(request: Request, exc: RequestValidationError):
        raise exc

    @app.get("/users/{user_id}")
    def user(user_id: int):
        return {"user_id": user_id}

    with TestClient(app) as client, pytest.raises(RequestValidationError) as info:
        client.get("/users/x")
    assert info.value.errors()[0]["loc"] == ("path", "user_id")
    # FastAPI's endpoint context: where the route's handler is.
    assert "in user" in str(info.value)
    assert "GET /users/{user_id}" in str(info.value)
    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.get("/users/x")
        assert r.status_code == 500
        assert client.get("/users/3").json() == {"user_id": 3}
    assert any(r.message == "an exception handler failed" for r in caplog.records)


def test_a_validation_error_raised_in_python_is_written_as_fastapi_writes_it() -> None:
    app = App()

    @app.get("/raise")
    def raising():
        raise RequestValidationError(
            [
                {
                    "type": "value_error",
                    "loc": ("query", "x"),
                    "msg": "Value error, no",
                    "input": "1",
                    "ctx": {"error": ValueError("no")},
                }
            ]
        )

    with TestClient(app) as client:
        r = client.get("/raise")
    assert r.status_code == 422
    assert r.json() == {
        "detail": [
            {"type": "value_error", "loc": ["query", "x"], "msg": "Value error, no", "input": "1", "ctx": {"error": {}}}
        ]
    }


def test_constraints_inside_an_optional_sequence_are_checked() -> None:
    app = App()
    small_set = Annotated[set[str], Field(max_length=3)]

    @app.get("/")
    def read(foo: Annotated[small_set | None, Query()] = None):
        return {"foo": sorted(foo) if foo is not None else None}

    with TestClient(app) as client:
        assert client.get("/").json() == {"foo": None}
        assert client.get("/", params={"foo": ["b", "a", "b"]}).json() == {"foo": ["a", "b"]}
        r = client.get("/", params={"foo": ["a", "b", "c", "d"]})
        assert r.status_code == 422
        (error,) = r.json()["detail"]
        assert (error["type"], error["loc"], sorted(error["input"])) == ("too_long", ["query", "foo"], list("abcd"))


def _proxy_app() -> App:
    app = App()

    @app.get("/where", name="where")
    def where(request: Request) -> dict:
        return {
            "url": str(request.url),
            "base": str(request.base_url),
            "for": str(request.url_for("where")),
            "scheme": request.scope["scheme"],
            "client": request.client.host,
        }

    return app


def test_a_trusted_proxys_forwarded_headers_set_scheme_and_client() -> None:
    forwarded = {"x-forwarded-proto": "https", "x-forwarded-for": "203.0.113.7, 10.0.0.2"}
    with TestClient(_proxy_app()) as client:
        assert client.get("/where").json() == {
            "url": "http://testserver/where",
            "base": "http://testserver/",
            "for": "http://testserver/where",
            "scheme": "http",
            "client": "127.0.0.1",
        }
        # The test client is on loopback, which is trusted by default (uvicorn's).
        body = client.get("/where", headers=forwarded).json()
        assert body["url"] == body["for"] == "https://testserver/where"
        assert (body["scheme"], body["client"]) == ("https", "10.0.0.2")
    with TestClient(_proxy_app(), forwarded_allow_ips="127.0.0.1, 10.0.0.2") as client:
        assert client.get("/where", headers=forwarded).json()["client"] == "203.0.113.7"
    for options in ({"forwarded_allow_ips": "10.9.9.9"}, {"proxy_headers": False}):
        with TestClient(_proxy_app(), **options) as client:
            body = client.get("/where", headers=forwarded).json()
            assert (body["scheme"], body["client"]) == ("http", "127.0.0.1")


def test_an_https_base_url_is_seen_as_https() -> None:
    from ouroboros.api.middleware.httpsredirect import HTTPSRedirectMiddleware

    with TestClient(_proxy_app(), base_url="https://example.com") as client:
        assert client.get("/where").json()["url"] == "https://example.com/where"
    app = _proxy_app()
    app.add_middleware(HTTPSRedirectMiddleware)
    with TestClient(app) as client:
        r = client.get("/where")
        # Redirected once to https, then served (no redirect loop).
        assert [h.status_code for h in r.history] == [307]
        assert r.json()["url"] == "https://testserver/where"


class Towel(BaseModel):
    title: str
    size: int


def test_the_validation_errors_body_is_the_requests_json() -> None:
    app = App()

    @app.exception_handler(RequestValidationError)
    async def handler(request: Request, exc: RequestValidationError):
        return JSONResponse({"n": len(exc.errors()), "body": exc.body, "where": exc.endpoint_function}, 422)

    @app.post("/items")
    async def create(item: Towel):
        return item

    @app.get("/q")
    async def q(n: int):
        return n

    with TestClient(app) as client:
        r = client.post("/items", json={"title": "towel", "size": "XL"})
        assert r.json() == {"n": 1, "body": {"title": "towel", "size": "XL"}, "where": "create"}
        r = client.post("/items", content=b"{bad", headers={"content-type": "application/json"})
        assert r.json()["body"] == "{bad"
        assert client.get("/q?n=x").json() == {"n": 1, "body": None, "where": "q"}
