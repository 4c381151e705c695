"""Parameter models (``Annotated[Model, Query()]``, ``Header()``, ``Cookie()``,
``Form()``, unions of form models) and parameter options, served by FastAPI and
by ouroboros.api: status and JSON body (key order included) must be equal.
"""

import re
import types
from typing import Annotated, Any, Literal

import fastapi
import pydantic
import pytest
from fastapi.testclient import TestClient as FastAPIClient
from test_differential import _differs, _id, _json

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

    Doubled = Annotated[int | None, pv.BeforeValidator(lambda v: 0 if v is None else int(v) * 2)]

    @app.get("/doubled")
    def doubled(value: Annotated[Doubled, Query()] = 10, checked: Annotated[Doubled, Query(validate_default=True)] = 1):
        return {"value": value, "checked": checked}

    @app.get("/union")
    def union(
        smart: Annotated[int | str, Query()],
        ordered: Annotated[int | str, Query(union_mode="left_to_right")],
        pattern: Annotated[str, Query(pattern=re.compile("^abc$", re.IGNORECASE))] = "abc",
    ):
        return {"smart": smart, "ordered": ordered, "pattern": pattern}

    @app.get("/field-meta")
    def field_meta(
        count: Annotated[int, pv.Field(alias="n", gt=0)] = 10,
        kept: Annotated[int, pv.Field(alias="wire"), Query(alias=None)] = 1,
        positive: Annotated[int, Query(gt=0, validate_default=True)] = -1,
    ):
        return {"count": count, "kept": kept, "positive": positive}

    @app.post("/nullable")
    def nullable(value: Annotated[int | None, fw.Body(embed=True)] = 5, other: Annotated[int | None, fw.Body()] = 7):
        return {"value": value, "other": other}

    class Aliased(pv.BaseModel):
        value: int = pv.Field(alias="wireValue")

    @app.get("/aliased")
    def aliased():
        return [Aliased(wireValue=1), {"nested": Aliased(wireValue=2)}]

    Choices2 = pv.AliasChoices("item_id", "id")

    @app.get("/paths/{item_id}")
    @app.get("/legacy/{id}")
    def by_path(value: Annotated[int, fw.Path(validation_alias=Choices2, ge=1)]):
        return value

    @app.post("/embedded")
    def embedded(
        values: Annotated[list[int], fw.Body(validation_alias=pv.AliasChoices("first", "second"))],
        count: Annotated[int, fw.Body()] = 1,
    ):
        return {"values": values, "count": count}

    @app.post("/files")
    def files(
        file: Annotated[bytes | None, fw.File()] = None,
        files: Annotated[list[fw.UploadFile] | None, fw.File()] = None,
    ):
        return {"file": file is not None, "files": None if files is None else [f.filename for f in files]}

    @app.get("/json-model")
    def json_model(data: Annotated[pv.Json[Filters], Query()], limit: int = 10):
        return {"value": data.value, "limit": limit}

    return app


_EMPTY_FILES = {
    "content": b'--B\r\nContent-Disposition: form-data; name="file"; filename=""\r\n'
    b"Content-Type: application/octet-stream\r\n\r\n\r\n--B--\r\n",
    "headers": {"content-type": "multipart/form-data; boundary=B"},
}

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
    ("GET", "/doubled", {}),
    ("GET", "/doubled?value=10&checked=3", {}),
    ("GET", "/union?smart=123&ordered=123", {}),
    ("GET", "/union?smart=x&ordered=y&pattern=ABC", {}),
    _differs(
        "a compiled pattern's flags are written inline ((?i)^abc$) in the error message",
        "GET",
        "/union?smart=1&ordered=2&pattern=xyz",
        {},
    ),
    ("GET", "/field-meta?n=2&kept=3&positive=1", {}),
    ("GET", "/field-meta?n=0&wire=3&positive=1", {}),
    ("GET", "/field-meta", {}),
    ("POST", "/nullable", {"json": {"value": None, "other": None}}),
    ("POST", "/nullable", {"json": {"other": 3}}),
    ("GET", "/aliased", {}),
    ("GET", "/paths/3", {}),
    ("GET", "/legacy/3", {}),
    ("GET", "/legacy/0", {}),
    ("GET", "/legacy/x", {}),
    ("POST", "/embedded", {"json": {"second": [1, 2]}}),
    ("POST", "/embedded", {"json": {"second": [1, "x"]}}),
    ("POST", "/embedded", {"json": [1, 2]}),
    ("POST", "/embedded", {"json": None}),
    ("POST", "/files", _EMPTY_FILES),
    ("POST", "/files", {"content": b"", "headers": {"content-type": "multipart/form-data; boundary=B"}}),
    ("POST", "/files", {"files": [("file", ("a.txt", b"")), ("files", ("b.txt", b"x"))]}),
    ("GET", "/json-model?data=%7B%22first%22%3A%202%7D", {}),
    ("POST", "/login", {"json": {"username": "ann"}}),
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


def test_default_factory_runs_per_request_and_only_when_missing():
    calls = []

    def make() -> int:
        calls.append(1)
        return 5

    app = oapi.App()

    @app.get("/")
    def read(value: Annotated[int, ovalidation.Field(default_factory=make), oapi.Query()]):
        return value

    assert calls == []
    with oapi.TestClient(app) as client:
        assert client.get("/").json() == 5
        assert client.get("/", params={"value": "10"}).json() == 10
        assert client.get("/").json() == 5
    assert len(calls) == 2


@pytest.mark.parametrize(
    ("marker", "text"),
    [
        (oapi.Query("x"), "Query(x)"),
        (oapi.Query(), "Query(PydanticUndefined)"),
        (oapi.Path(), "Path(PydanticUndefined)"),
        (oapi.Body(None), "Body(None)"),
    ],
)
def test_markers_print_and_locate_as_fastapis(marker, text):
    assert repr(marker) == text
    if not isinstance(marker, oapi.Body):
        assert marker.in_.value == text.split("(")[0].lower()


def _encoder_inputs(pv: types.ModuleType) -> list[tuple[Any, dict[str, Any]]]:
    import dataclasses
    import decimal
    import pathlib

    class Item(pv.BaseModel):
        name: str = pv.Field(alias="Name")
        price: float = 1.0
        note: str | None = None

    @dataclasses.dataclass
    class Point:
        x: int
        y: int

    class Pet:
        def __init__(self) -> None:
            self.name = "Rex"
            self.owner = {"name": "Ann"}

    item = Item(Name="pen")
    return [
        (item, {}),
        (item, {"exclude_unset": True}),
        (item, {"exclude_defaults": True, "by_alias": False}),
        ([item, {"k": item}], {"exclude_none": True}),
        (item, {"include": {"name"}}),
        ({"a": 1, "b": None, "c": [1, 2]}, {"exclude": {"c"}, "exclude_none": True}),
        ({"a": 1, "b": 2}, {"include": []}),
        (Point(1, 2), {"exclude": {"y"}}),
        (Pet(), {}),
        ({"d": decimal.Decimal("1.50"), "i": decimal.Decimal("3"), "p": pathlib.PurePosixPath("/a")}, {}),
        ({"when": __import__("datetime").date(2024, 5, 6)}, {"custom_encoder": {object: lambda o: "x"}}),
    ]


def test_jsonable_encoder_as_fastapis():
    import fastapi.encoders

    ours = _encoder_inputs(ovalidation)
    theirs = _encoder_inputs(pydantic)
    for (value, kwargs), (peer_value, _) in zip(ours, theirs, strict=True):
        expected = fastapi.encoders.jsonable_encoder(peer_value, **kwargs)
        assert oapi.encoders.jsonable_encoder(value, **kwargs) == expected, kwargs
    with pytest.raises(ValueError):
        oapi.encoders.jsonable_encoder({"o": object()})


@pytest.mark.parametrize("fw", [fastapi, oapi], ids=["fastapi", "ours"])
def test_path_parameters_must_be_scalars(fw):
    app = fw.FastAPI()
    with pytest.raises(AssertionError, match="Path params must be of one of the supported types"):

        @app.get("/items/{ids}")
        def read(ids: list[int]) -> Any:
            return ids

    @app.get("/ok/{ids}")
    def fine(ids: int, tags: list[str] | None = None) -> Any:
        return ids


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        ("multipart/form-data", "application/x-www-form-urlencoded", "multipart/form-data"),
        ("application/x-www-form-urlencoded; charset=utf-8",) * 3,
        ("application/x-www-form-urlencoded; charset=utf-8", "application/x-www-form-urlencoded", None),
    ],
)
def test_form_media_type_as_fastapis(first, second, expected):
    documents = []
    for fw in (fastapi, oapi):
        app = fw.FastAPI()

        @app.post("/")
        def submit(name: Annotated[str, fw.Form(media_type=first)], token: Annotated[str, fw.Form(media_type=second)]):
            return name

        documents.append(list(app.openapi()["paths"]["/"]["post"]["requestBody"]["content"]))
    assert documents[1] == documents[0]
    assert documents[0] == [expected or "application/x-www-form-urlencoded"]


def test_header_errors_name_the_header_as_declared():
    for fw, client_class in ((fastapi, FastAPIClient), (oapi, oapi.TestClient)):
        app = fw.FastAPI()

        @app.get("/")
        def read(value: Annotated[int, fw.Header(validation_alias=pv_choices(fw)("X-First", "X-Second"))]):
            return value

        client = client_class(app)
        assert client.get("/").json()["detail"][0]["loc"] == ["header", "X-First"]
        assert client.get("/", headers={"x-second": "2"}).json() == 2


def pv_choices(fw: types.ModuleType) -> Any:
    return pydantic.AliasChoices if fw is fastapi else ovalidation.AliasChoices


def test_jsonable_encoder_reads_iterables_and_refuses_v1_models():
    class Pairs:
        def __iter__(self):
            return iter([("name", "Rex")])

    assert oapi.encoders.jsonable_encoder(Pairs()) == {"name": "Rex"}
    from ouroboros.validation import v1

    class Old(v1.BaseModel):
        name: str

    with pytest.raises(oapi.exceptions.PydanticV1NotSupportedError):
        oapi.encoders.jsonable_encoder(Old(name="x"))


def test_a_callable_json_schema_extra_edits_the_parameter_schema():
    def mark(schema: dict[str, Any]) -> None:
        schema["x-custom"] = "kept"

    for fw in (fastapi, oapi):
        app = fw.FastAPI()

        @app.get("/")
        def read(label: Annotated[str, fw.Query(json_schema_extra=mark)] = "a"):
            return label

        parameter = app.openapi()["paths"]["/"]["get"]["parameters"][0]
        assert parameter["schema"]["x-custom"] == "kept", fw.__name__
