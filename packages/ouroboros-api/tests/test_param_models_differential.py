"""Parameter models (``Annotated[Model, Query()]``, ``Header()``, ``Cookie()``,
``Form()``, unions of form models) and parameter options, served by FastAPI and
by ouroboros.api: status and JSON body (key order included) must be equal.
"""

import types
from typing import Annotated, Any, Literal

import fastapi
import pydantic
import pytest
from fastapi.testclient import TestClient as FastAPIClient
from test_differential import _id, _json

import ouroboros.api as oapi
import ouroboros.validation as ovalidation


def build(fw: types.ModuleType, pv: types.ModuleType) -> Any:
    app = fw.FastAPI()
    Query, Header, Cookie, Form = fw.Query, fw.Header, fw.Cookie, fw.Form
    Choices = pv.AliasChoices

    class Filters(pv.BaseModel):
        value: Annotated[int, pv.Field(alias="ignored", validation_alias=Choices("first", "second"))]
        items: Annotated[list[str], pv.Field(validation_alias=Choices("item", "tag"))] = ["default"]

    @app.get("/filters")
    def filters(data: Annotated[Filters, Query()]) -> Any:
        return {"value": data.value, "items": data.items}

    class Loose(pv.BaseModel):
        model_config = pv.ConfigDict(extra="allow")
        value: str = "default"

    @app.get("/loose")
    def loose(data: Annotated[Loose, Query()]) -> Any:
        return data.model_dump()

    class Strict(pv.BaseModel):
        model_config = pv.ConfigDict(extra="forbid")
        value: str = "default"

    @app.get("/strict")
    def strict(data: Annotated[Strict, Query()]) -> Any:
        return data.model_dump()

    class Maybe(pv.BaseModel):
        limit: int
        offset: int = 0

    @app.get("/maybe")
    def maybe(data: Annotated[Maybe | None, Query()] = None) -> Any:
        return data.model_dump() if data else None

    class Tokens(pv.BaseModel):
        x_token: str
        x_tags: list[str] = []

    @app.get("/tokens")
    def tokens(data: Annotated[Tokens, Header()]) -> Any:
        return data.model_dump()

    class Session(pv.BaseModel):
        session_id: str
        theme: str = "light"

    @app.get("/session")
    def session(data: Annotated[Session, Cookie()]) -> Any:
        return data.model_dump()

    class Login(pv.BaseModel):
        username: str
        remember: bool = False
        scopes: list[str] = []

    @app.post("/login")
    def login(data: Annotated[Login, Form()]) -> Any:
        return data.model_dump()

    @app.post("/login-optional")
    def login_optional(data: Annotated[Login | None, Form()] = None) -> Any:
        return data.model_dump() if data else None

    class Email(pv.BaseModel):
        kind: Literal["email"]
        address: str

    class Phone(pv.BaseModel):
        kind: Literal["phone"]
        number: str
        sms: bool = False

    @app.post("/contact")
    def contact(data: Annotated[Email | Phone, Form()]) -> Any:
        return {"type": type(data).__name__, **data.model_dump()}

    @app.post("/two")
    def two(login: Annotated[Login, Form()], other: Annotated[Maybe, Query()]) -> Any:
        return {"login": login.model_dump(), "other": other.model_dump()}

    return app


REQUESTS: list[Any] = [
    ("GET", "/filters?first=1", {}),
    ("GET", "/filters?second=2&item=a&item=b", {}),
    ("GET", "/filters?second=2&first=1&tag=x&item=one&item=two", {}),
    ("GET", "/filters?second=1&second=2", {}),
    ("GET", "/filters?first=x&second=2", {}),
    ("GET", "/filters?tag=", {}),
    ("GET", "/loose?value=v&extra=1&single=s&extra=2", {}),
    ("GET", "/strict?value=v&other=1", {}),
    ("GET", "/maybe", {}),
    ("GET", "/maybe?unrelated=1", {}),
    ("GET", "/maybe?limit=5", {}),
    ("GET", "/maybe?offset=5", {}),
    ("GET", "/tokens", {"headers": {"x-token": "t", "x-tags": "a"}}),
    ("GET", "/session", {"cookies": {"session_id": "s1"}}),
    ("GET", "/session", {"cookies": {"theme": "dark"}}),
    ("POST", "/login", {"data": {"username": "ann", "remember": "true", "scopes": ["a", "b"]}}),
    ("POST", "/login", {"data": {"username": "", "remember": ""}}),
    ("POST", "/login", {"data": {"remember": "maybe"}}),
    ("POST", "/login-optional", {"data": {"unrelated": "1"}}),
    ("POST", "/login-optional", {"data": {"remember": "true"}}),
    ("POST", "/contact", {"data": {"kind": "email", "address": "a@b.c"}}),
    ("POST", "/contact", {"data": {"kind": "phone", "number": "123", "sms": "on"}}),
    ("POST", "/contact", {"data": {"kind": "fax"}}),
    ("POST", "/two?limit=x", {"data": {"remember": "x"}}),
]


@pytest.fixture(scope="module")
def clients():
    peer = FastAPIClient(build(fastapi, pydantic), raise_server_exceptions=False)
    with oapi.TestClient(build(oapi, ovalidation), raise_server_exceptions=False) as ours:
        yield peer, ours


@pytest.mark.parametrize(("method", "url", "kwargs"), REQUESTS, ids=[_id(r) for r in REQUESTS])
def test_same_answer_as_fastapi(clients, method, url, kwargs):
    peer, ours = clients
    kwargs = dict(kwargs)
    cookies = kwargs.pop("cookies", {})
    for client in (peer, ours):
        client.cookies.clear()
        for name, value in cookies.items():
            client.cookies.set(name, value)
    expected = peer.request(method, url, **kwargs)
    got = ours.request(method, url, **kwargs)
    assert (got.status_code, _json(got)) == (expected.status_code, _json(expected))
