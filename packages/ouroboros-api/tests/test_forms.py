"""Form bodies as FastAPI reads them: empty values, lists, form models, and
`form_limits` enforced (400 with the reason, as Starlette's parser answers).

The same app is written once and served by FastAPI and by ouroboros.api; each
request must get the same status and JSON body from both.
"""

import types
from typing import Annotated, Any

import fastapi
import pydantic
import pytest
from fastapi.testclient import TestClient as FastAPIClient

import ouroboros.api as oapi
import ouroboros.validation as ovalidation


def build(fw: types.ModuleType, pv: types.ModuleType, **app_kwargs: Any) -> Any:
    app = fw.FastAPI(**app_kwargs)

    @app.post("/optional")
    def optional(
        name: Annotated[str | None, fw.Form()] = None,
        count: Annotated[int | None, fw.Form()] = 10,
    ) -> Any:
        return {"name": name, "count": count}

    @app.post("/required")
    def required(name: Annotated[str, fw.Form()]) -> Any:
        return {"name": name}

    @app.post("/list")
    def listed(tags: Annotated[list[str], fw.Form()], ids: Annotated[list[int] | None, fw.Form()] = None) -> Any:
        return {"tags": tags, "ids": ids}

    class Profile(pv.BaseModel):
        name: str
        age: int | None = None
        tags: list[str] = []

    @app.post("/model")
    def model(profile: Annotated[Profile, fw.Form()]) -> Any:
        return {"profile": profile.model_dump(), "set": sorted(profile.model_fields_set)}

    @app.post("/choices")
    def choices(
        value: Annotated[int, fw.Form(validation_alias=pv.AliasChoices("first", "second"))] = 10,
        flag: Annotated[bool, fw.Form(alias="legacy", validation_alias=pv.AliasChoices("enabled", "box"))] = False,
    ) -> Any:
        return {"value": value, "flag": flag}

    @app.post("/choices-required")
    def choices_required(value: Annotated[int, fw.Form(validation_alias=pv.AliasChoices("first", "second"))]) -> Any:
        return {"value": value}

    default = Profile(name="default")

    @app.post("/model-default")
    def model_default(profile: Annotated[Profile | None, fw.Form()] = default) -> Any:
        profile.tags.append("changed")  # the next request still gets the declared default
        return profile.model_dump()

    @app.post("/model-factory")
    def model_factory(profile: Annotated[Profile | None, fw.Form(default_factory=lambda: Profile(name="made"))]) -> Any:
        return profile.model_dump()

    return app


CASES = [
    ("/optional", {"data": {"name": "", "count": ""}}),
    ("/optional", {"data": {"name": "x", "count": "3"}}),
    ("/optional", {"files": {"name": (None, ""), "count": (None, "")}}),
    ("/optional", {"data": {"count": "x"}}),
    ("/required", {"data": {"name": ""}}),
    ("/required", {"data": {"name": "a"}}),
    ("/list", {"data": {"tags": ["a", "b"], "ids": ["1", "2"]}}),
    ("/list", {"data": {"tags": "a"}}),
    ("/list", {"data": {"ids": ["1", "x"]}}),
    ("/list", {"files": [("tags", (None, "a")), ("tags", (None, "b"))]}),
    ("/model", {"data": {"name": "Rick", "age": "", "tags": ["a", "b"]}}),
    ("/model", {"data": {"name": "Rick"}}),
    ("/model", {"data": {"name": "", "age": "x"}}),
    # Alias choices: an empty value goes on to the next alias.
    ("/choices", {"data": {"first": "", "second": "5"}}),
    ("/choices", {"data": {"first": "7", "second": "5"}}),
    ("/choices", {"data": {"first": "", "second": ""}}),
    ("/choices", {"data": {"enabled": "", "box": "on"}}),
    ("/choices-required", {"data": {"first": "", "second": "5"}}),
    ("/choices-required", {"data": {"first": "x", "second": "5"}}),
    ("/choices-required", {"data": {"first": "", "second": ""}}),
    # A form model's default is a fresh copy for each request; a factory makes one.
    ("/model-default", {}),
    ("/model-default", {}),
    ("/model-default", {"data": {"name": "sent"}}),
    ("/model-factory", {}),
    ("/model-factory", {"data": {"name": "sent"}}),
]


@pytest.fixture(scope="module")
def clients():
    with oapi.TestClient(build(oapi, ovalidation)) as ours:
        yield FastAPIClient(build(fastapi, pydantic)), ours


@pytest.mark.parametrize(("path", "kwargs"), CASES, ids=[f"{p} {i}" for i, (p, _) in enumerate(CASES)])
def test_form_like_fastapi(clients, path, kwargs):
    theirs, ours = clients
    expected = theirs.post(path, **kwargs)
    got = ours.post(path, **kwargs)
    assert (got.status_code, got.json()) == (expected.status_code, expected.json())


LIMIT_CASES = [
    ({"max_fields": 1}, {"data": {"name": "a", "count": "1"}}),
    ({"max_fields": 1}, {"files": [("name", (None, "a")), ("count", (None, "1"))]}),
    ({"max_part_size": 3}, {"data": {"name": "abcd"}}),
    ({"max_part_size": 3}, {"files": {"name": (None, "abcd")}}),
    ({"max_part_size": 3}, {"files": {"name": (None, "abc")}}),
    ({"max_files": 0}, {"files": {"name": (None, "a"), "f": ("f.txt", b"12345")}}),
    ({"max_files": 1}, {"files": {"name": (None, "a"), "f": ("f.txt", b"12345")}}),
]


@pytest.mark.parametrize(("limits", "kwargs"), LIMIT_CASES)
def test_form_limits_like_fastapi(limits, kwargs):
    theirs = FastAPIClient(build(fastapi, pydantic, form_limits=limits)).post("/optional", **kwargs)
    with oapi.TestClient(build(oapi, ovalidation, form_limits=limits)) as client:
        ours = client.post("/optional", **kwargs)
    assert (ours.status_code, ours.json()) == (theirs.status_code, theirs.json())


def test_form_limits_refusal_says_why():
    with oapi.TestClient(build(oapi, ovalidation, form_limits={"max_fields": 1})) as client:
        r = client.post("/optional", data={"name": "a", "count": "1"})
    assert r.status_code == 400
    assert r.json() == {"detail": "Too many fields. Maximum number of fields is 1."}


def test_route_limits_override_the_apps_key_by_key():
    app = oapi.App(form_limits={"max_fields": 1, "max_part_size": 100})

    @app.post("/", form_limits={"max_fields": 5})
    def endpoint(a: Annotated[str, oapi.Form()], b: Annotated[str, oapi.Form()]) -> Any:
        return [a, b]

    with oapi.TestClient(app) as client:
        assert client.post("/", data={"a": "x", "b": "y"}).json() == ["x", "y"]
        r = client.post("/", data={"a": "x" * 101, "b": "y"})
        assert (r.status_code, r.json()) == (400, {"detail": "Field exceeded maximum size of 0KB."})


def test_sequences_without_an_item_type_collect_every_value():
    from ouroboros.api import App, Form, Query, TestClient

    bare = App()

    @bare.post("/list")
    def as_list(items: list = Form()):  # noqa: B008 - FastAPI's spelling
        return items

    @bare.post("/set")
    def as_set(items: set = Form()):  # noqa: B008
        return sorted(items)

    @bare.get("/query")
    def in_query(q: list = Query()):  # noqa: B008
        return q

    with TestClient(bare) as c:
        assert c.post("/list", data={"items": ["a", "b", "a"]}).json() == ["a", "b", "a"]
        assert c.post("/set", data={"items": ["b", "a", "b"]}).json() == ["a", "b"]
        assert c.get("/query?q=1&q=x").json() == ["1", "x"]
