"""JSON and form bodies, response_model filtering, status codes."""

import dataclasses
from typing import Annotated

import pytest

from ouroboros.api import App, Body, Form

app = App()


@dataclasses.dataclass
class Address:
    street: str
    city: str


@dataclasses.dataclass
class UserIn:
    name: str
    email: str
    age: int = 0


@dataclasses.dataclass
class UserOut:
    id: int
    name: str


@dataclasses.dataclass
class WithAddress:
    name: str
    address: Address


@app.post("/users", response_model=UserOut, status_code=201)
async def create_user(user: UserIn):
    return {"id": 7, "name": user.name, "email": user.email, "password": "secret"}


@app.post("/objects", response_model=list[UserOut])
async def objects():
    return [UserOut(1, "a"), {"id": 2, "name": "b", "extra": True}]


@app.post("/many-users")
async def many_users(users: list[UserIn]):
    return {"emails": [u.email for u in users]}


@app.post("/nested", response_model=WithAddress)
async def nested():
    return {"name": "n", "address": {"street": "s", "city": "c", "zip": "z"}, "drop": 1}


@app.post("/scalar")
async def scalar(count: Annotated[int, Body()]):
    return {"count": count}


@app.post("/embedded")
async def embedded(item: Annotated[int, Body(embed=True)]):
    return {"item": item}


@app.post("/two")
async def two(a: Annotated[int, Body()], b: Annotated[str, Body(min_length=2)]):
    return {"a": a, "b": b}


@app.post("/any")
async def any_body(payload: dict):
    return {"keys": sorted(payload)}


@app.post("/optional")
async def optional(payload: Annotated[dict | None, Body()] = None):
    return {"payload": payload}


@app.post("/form")
async def form(username: Annotated[str, Form()], remember: Annotated[bool, Form()] = False):
    return {"username": username, "remember": remember}


@app.put("/items/{item_id}")
async def put_item(item_id: int, item: UserIn):
    return {"item_id": item_id, "name": item.name}


def test_model_body_is_validated_and_response_filtered(client):
    r = client.post("/users", json={"name": "Al", "email": "a@b.c"})
    assert r.status_code == 201
    assert r.json() == {"id": 7, "name": "Al"}


def test_response_model_list_filters_each_item_dicts_and_objects(client):
    assert client.post("/objects").json() == [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]


def test_response_model_filters_nested_models(client):
    assert client.post("/nested").json() == {"name": "n", "address": {"street": "s", "city": "c"}}


def test_model_missing_field_is_422_with_body_location(client):
    r = client.post("/users", json={"name": "Al"})
    assert r.status_code == 422
    err = r.json()["detail"][0]
    assert err["type"] == "missing"
    assert err["loc"] == ["body", "email"]


def test_model_body_must_be_an_object(client):
    r = client.post("/users", json=[1, 2])
    assert r.status_code == 422
    assert r.json()["detail"][0]["type"] == "dict_type"


@pytest.mark.parametrize(
    ("payload", "status", "expected"),
    [
        (5, 200, {"count": 5}),
        ("6", 200, {"count": 6}),
        (7.0, 200, {"count": 7}),
    ],
)
def test_scalar_body(client, payload, status, expected):
    r = client.post("/scalar", json=payload)
    assert r.status_code == status
    assert r.json() == expected


@pytest.mark.parametrize(
    ("payload", "kind"),
    [(True, "int_type"), ([1], "int_type"), (7.5, "int_from_float"), ("x", "int_parsing")],
)
def test_scalar_body_errors(client, payload, kind):
    r = client.post("/scalar", json=payload)
    assert r.status_code == 422
    err = r.json()["detail"][0]
    assert err["type"] == kind
    assert err["loc"] == ["body"]


def test_embedded_body(client):
    assert client.post("/embedded", json={"item": 3}).json() == {"item": 3}
    r = client.post("/embedded", json=3)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "item"]


def test_several_body_params_are_keys(client):
    assert client.post("/two", json={"a": 1, "b": "xy"}).json() == {"a": 1, "b": "xy"}
    r = client.post("/two", json={"a": "no", "b": "x"})
    assert r.status_code == 422
    assert [(e["type"], e["loc"]) for e in r.json()["detail"]] == [
        ("int_parsing", ["body", "a"]),
        ("string_too_short", ["body", "b"]),
    ]


def test_missing_body_is_422(client):
    r = client.post("/scalar")
    assert r.status_code == 422
    assert r.json()["detail"] == [{"type": "missing", "loc": ["body"], "msg": "Field required", "input": None}]


@pytest.mark.parametrize("raw", [b"{", b"{'a': 1}", b"[1,", b"nul", b'{"a": }'])
def test_malformed_json_is_422_json_invalid(client, raw):
    r = client.post("/any", content=raw, headers={"content-type": "application/json"})
    assert r.status_code == 422
    err = r.json()["detail"][0]
    assert err["type"] == "json_invalid"
    assert err["loc"][0] == "body"
    assert err["msg"] == "JSON decode error"


def test_dict_body(client):
    assert client.post("/any", json={"b": 1, "a": 2}).json() == {"keys": ["a", "b"]}


def test_optional_body(client):
    assert client.post("/optional").json() == {"payload": None}
    assert client.post("/optional", json={"x": 1}).json() == {"payload": {"x": 1}}


def test_form_fields(client):
    r = client.post("/form", data={"username": "bob", "remember": "on"})
    assert r.json() == {"username": "bob", "remember": True}
    r = client.post("/form", data={"remember": "on"})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "username"]


def test_path_and_body_together(client):
    r = client.put("/items/4", json={"name": "x", "email": "e"})
    assert r.json() == {"item_id": 4, "name": "x"}


def test_unicode_round_trip(client):
    r = client.post("/any", json={"ключ": 1, "😀": 2})
    assert r.json() == {"keys": sorted(["ключ", "😀"])}


def test_list_of_dataclasses_body(client):
    r = client.post("/many-users", json=[{"name": "a", "email": "a@x"}, {"name": "b", "email": "b@x"}])
    assert (r.status_code, r.json()) == (200, {"emails": ["a@x", "b@x"]})
    r = client.post("/many-users", json=[{"name": "a", "email": "a@x"}, {"name": "b"}])
    assert r.status_code == 422
    assert [(e["type"], e["loc"]) for e in r.json()["detail"]] == [("missing", ["body", 1, "email"])]
