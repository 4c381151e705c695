"""Bodies typed with ouroboros.validation models: validated in Rust by the
compiled schema (straight from the JSON bytes), errors in FastAPI's shape."""

from typing import Annotated

import pytest

from ouroboros.api import App, Body, TestClient
from ouroboros.validation import BaseModel, Field

app = App()


class Address(BaseModel):
    street: str
    city: str


class UserCreate(BaseModel):
    name: Annotated[str, Field(min_length=1, max_length=20)]
    email: Annotated[str, Field(pattern=r"^[\w\.-]+@[\w\.-]+\.\w+$")]
    age: Annotated[int, Field(ge=0, le=150)] = 0
    address: Address | None = None
    tags: list[str] = []


class UserPublic(BaseModel):
    id: int
    name: str
    address: Address | None = None


@app.post("/users", response_model=UserPublic, status_code=201)
async def create_user(user: Annotated[UserCreate, Body()]):
    assert isinstance(user, UserCreate)
    return {"id": 1, "name": user.name, "email": user.email, "address": user.address}


@app.post("/echo")
async def echo(user: UserCreate) -> UserCreate:
    return user


@app.post("/embedded")
async def embedded(user: Annotated[UserCreate, Body(embed=True)], note: Annotated[str, Body()] = ""):
    return {"name": user.name, "note": note}


@app.post("/batch")
async def batch(users: list[UserCreate]):
    return {"names": [u.name for u in users], "models": all(isinstance(u, UserCreate) for u in users)}


@app.post("/batch-embedded")
async def batch_embedded(users: Annotated[list[UserCreate], Body(embed=True)]):
    return {"count": len(users)}


@app.get("/instance", response_model=UserPublic)
async def instance():
    return UserPublic(id=5, name="x", address=Address(street="s", city="c"))


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"name": "Al", "email": "al@x.io"}, {"id": 1, "name": "Al", "address": None}),
        (
            {"name": "Al", "email": "al@x.io", "address": {"street": "1 Main", "city": "Paris"}},
            {"id": 1, "name": "Al", "address": {"street": "1 Main", "city": "Paris"}},
        ),
        ({"name": "Al", "email": "al@x.io", "age": "42"}, {"id": 1, "name": "Al", "address": None}),
    ],
)
def test_valid_model_bodies(client, payload, expected):
    r = client.post("/users", json=payload)
    assert r.status_code == 201, r.text
    assert r.json() == expected


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        ({"email": "a@b.cd"}, [("missing", ["body", "name"])]),
        ({"name": "", "email": "a@b.cd"}, [("string_too_short", ["body", "name"])]),
        ({"name": "x" * 21, "email": "a@b.cd"}, [("string_too_long", ["body", "name"])]),
        ({"name": "n", "email": "nope"}, [("string_pattern_mismatch", ["body", "email"])]),
        ({"name": "n", "email": "a@b.cd", "age": -1}, [("greater_than_equal", ["body", "age"])]),
        ({"name": "n", "email": "a@b.cd", "age": "old"}, [("int_parsing", ["body", "age"])]),
        ({"name": "n", "email": "a@b.cd", "address": {"street": "s"}}, [("missing", ["body", "address", "city"])]),
        ({"name": "n", "email": "a@b.cd", "tags": [1]}, [("string_type", ["body", "tags", 0])]),
        ({}, [("missing", ["body", "name"]), ("missing", ["body", "email"])]),
    ],
)
def test_invalid_model_bodies_are_422(client, payload, errors):
    r = client.post("/users", json=payload)
    assert r.status_code == 422, r.text
    assert [(e["type"], e["loc"]) for e in r.json()["detail"]] == errors


def test_non_object_body(client):
    r = client.post("/users", json=[1])
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body"]


def test_malformed_json_for_a_model(client):
    r = client.post("/users", content=b'{"name": ', headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert r.json()["detail"][0]["type"] == "json_invalid"


@pytest.fixture(scope="module")
def roomy_client():
    with TestClient(app, max_body_size=8 * 1024 * 1024) as c:
        yield c


def test_huge_malformed_body_is_not_echoed(roomy_client):
    raw = b'{"name": "' + b"x" * (2 * 1024 * 1024)
    r = roomy_client.post("/users", content=raw, headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert len(r.content) < 2048, len(r.content)
    [err] = r.json()["detail"]
    assert (err["type"], err["loc"][0], err["msg"], err["input"]) == ("json_invalid", "body", "JSON decode error", {})
    assert "EOF while parsing a string" in err["ctx"]["error"]


def test_huge_string_body_for_a_model_is_bounded(roomy_client):
    r = roomy_client.post("/users", json="y" * (2 * 1024 * 1024))
    assert r.status_code == 422
    assert len(r.content) < 4096, len(r.content)
    [err] = r.json()["detail"]
    assert err["loc"] == ["body"]
    assert err["input"] == "y" * 1024


def test_list_of_models_body(client):
    users = [{"name": "Al", "email": "al@x.io"}, {"name": "Bo", "email": "bo@x.io", "age": "7"}]
    r = client.post("/batch", json=users)
    assert (r.status_code, r.json()) == (200, {"names": ["Al", "Bo"], "models": True})
    assert client.post("/batch", json=[]).json() == {"names": [], "models": True}
    assert client.post("/batch-embedded", json={"users": users}).json() == {"count": 2}


def test_list_of_models_errors_carry_the_index(client):
    users = [{"name": "Al", "email": "al@x.io"}, {"name": "", "email": "bo@x.io"}, {"email": "c@x.io", "age": -1}]
    r = client.post("/batch", json=users)
    assert r.status_code == 422
    assert [(e["type"], e["loc"]) for e in r.json()["detail"]] == [
        ("string_too_short", ["body", 1, "name"]),
        ("missing", ["body", 2, "name"]),
        ("greater_than_equal", ["body", 2, "age"]),
    ]
    r = client.post("/batch-embedded", json={"users": [{"name": "x"}]})
    assert [(e["type"], e["loc"]) for e in r.json()["detail"]] == [("missing", ["body", "users", 0, "email"])]
    r = client.post("/batch", json={"name": "Al", "email": "al@x.io"})
    assert r.status_code == 422
    assert [(e["type"], e["loc"]) for e in r.json()["detail"]] == [("list_type", ["body"])]


def test_missing_model_body(client):
    r = client.post("/users")
    assert r.status_code == 422
    assert r.json()["detail"] == [{"type": "missing", "loc": ["body"], "msg": "Field required", "input": None}]


def test_returning_the_model_serializes_all_fields(client):
    r = client.post("/echo", json={"name": "Al", "email": "al@x.io", "tags": ["a"]})
    assert r.json() == {"name": "Al", "email": "al@x.io", "age": 0, "address": None, "tags": ["a"]}


def test_embedded_model_and_second_body_field(client):
    r = client.post("/embedded", json={"user": {"name": "Al", "email": "al@x.io"}, "note": "hi"})
    assert r.json() == {"name": "Al", "note": "hi"}
    r = client.post("/embedded", json={"user": {"name": "Al"}})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "user", "email"]


def test_response_model_filters_model_instances(client):
    assert client.get("/instance").json() == {"id": 5, "name": "x", "address": {"street": "s", "city": "c"}}


def test_openapi_uses_the_models_json_schema(client):
    from openapi_spec_validator import validate

    spec = client.get("/openapi.json").json()
    validate(spec)
    address_ref = spec["components"]["schemas"]["UserCreate"]["properties"]["address"]["anyOf"][0]
    assert address_ref == {"$ref": "#/components/schemas/Address"}
    schemas = spec["components"]["schemas"]
    assert {"UserCreate", "UserPublic", "Address"} <= set(schemas)
    body = spec["paths"]["/users"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/UserCreate"}
