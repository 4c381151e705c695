"""A dict returned for a response_model: validated into the model's fields
and written from them (the server skips the instance when nothing could see
it), with the same output, errors and validators as FastAPI's validate-then-dump."""

from typing import Any

from ouroboros.api import App, JSONResponse, Request
from ouroboros.api.exceptions import ResponseValidationError
from ouroboros.validation import BaseModel, Field, ValidationInfo, field_validator, model_validator

app = App()


@app.exception_handler(ResponseValidationError)
async def report(request: Request, exc: ResponseValidationError) -> JSONResponse:
    return JSONResponse({"errors": exc.errors()}, status_code=500)


class Address(BaseModel):
    street: str
    city: str


class UserOut(BaseModel):
    id: int
    name: str
    address: Address
    tags: list[str] = []


class Shouting(BaseModel):
    name: str
    seen: int = 0

    @field_validator("name")
    @classmethod
    def upper(cls, value: str) -> str:
        return value.upper()

    @model_validator(mode="after")
    def count(self) -> "Shouting":
        self.seen += 1
        return self


class Card(BaseModel):
    """Scalar and model fields only: validated and written in one pass."""

    id: int
    name: str
    address: Address
    note: str | None
    blob: Any


class Summed(BaseModel):
    a: int
    b: int

    @field_validator("b")
    @classmethod
    def add_a(cls, value: int, info: ValidationInfo) -> int:
        return value + info.data["a"]


class Aliased(BaseModel):
    user_name: str = Field(alias="userName")


@app.get("/user", response_model=UserOut)
async def user() -> Any:
    # Keys out of the model's order, an extra key, values to coerce and a nested dict.
    return {"address": {"city": "Paris", "street": "1 Main St"}, "name": "al", "email": "x@y", "id": "7"}


@app.get("/user-with-model", response_model=UserOut)
async def user_with_model() -> Any:
    return {"id": 1, "name": "al", "address": Address(street="2 Side St", city="Lyon"), "tags": ["a"]}


@app.get("/bad-nested", response_model=UserOut)
async def bad_nested() -> Any:
    return {"id": 1, "name": "al", "address": {"street": "1 Main St"}}


@app.get("/bad-type", response_model=UserOut)
async def bad_type() -> Any:
    return {"id": "seven", "name": "al", "address": {"street": "s", "city": "c"}}


@app.get("/shouting", response_model=Shouting)
async def shouting() -> Any:
    return {"name": "quiet"}


@app.get("/aliased", response_model=Aliased)
async def aliased() -> Any:
    return {"userName": "al"}


@app.get("/card", response_model=Card)
async def card() -> Any:
    # Every field given, out of the model's order, with an extra key and values to coerce.
    return {"blob": [1], "note": None, "address": Address(street="s", city="c"), "x": 0, "name": "al", "id": "7"}


@app.get("/bad-card", response_model=Card)
async def bad_card() -> Any:
    # Three invalid fields, and a value JSON cannot hold: the errors are reported, not the write.
    return {"id": "seven", "name": 5, "address": {"street": "s"}, "note": None, "blob": object()}


@app.get("/summed", response_model=Summed)
async def summed() -> Any:
    return {"a": 1, "b": 2}


@app.get("/aliased-by-name", response_model=Aliased, response_model_by_alias=False)
async def aliased_by_name() -> Any:
    return {"userName": "al"}


@app.get("/exclude-unset", response_model=UserOut, response_model_exclude_unset=True)
async def exclude_unset() -> Any:
    return {"id": 1, "name": "al", "address": {"street": "s", "city": "c"}}


def test_fields_are_written_in_model_order_coerced_without_extra_keys(client):
    r = client.get("/user")
    assert r.status_code == 200
    assert r.text == '{"id":7,"name":"al","address":{"street":"1 Main St","city":"Paris"},"tags":[]}'


def test_a_model_instance_inside_the_dict_is_written_by_its_fields(client):
    assert client.get("/user-with-model").json() == {
        "id": 1,
        "name": "al",
        "address": {"street": "2 Side St", "city": "Lyon"},
        "tags": ["a"],
    }


def test_errors_are_located_under_response(client):
    r = client.get("/bad-nested")
    assert r.status_code == 500
    (err,) = r.json()["errors"]
    assert (err["type"], err["loc"]) == ("missing", ["response", "address", "city"])
    r = client.get("/bad-type")
    assert r.status_code == 500
    (err,) = r.json()["errors"]
    assert (err["type"], err["loc"], err["input"]) == ("int_parsing", ["response", "id"], "seven")


def test_field_and_after_model_validators_run(client):
    assert client.get("/shouting").json() == {"name": "QUIET", "seen": 1}


def test_aliases_and_options_are_kept(client):
    assert client.get("/aliased").json() == {"userName": "al"}
    assert client.get("/aliased-by-name").json() == {"user_name": "al"}
    assert client.get("/exclude-unset").json() == {"id": 1, "name": "al", "address": {"street": "s", "city": "c"}}


def test_a_dict_with_every_field_is_validated_and_written_in_field_order(client):
    r = client.get("/card")
    assert r.status_code == 200
    assert r.text == '{"id":7,"name":"al","address":{"street":"s","city":"c"},"note":null,"blob":[1]}'


def test_every_invalid_field_is_reported_before_any_write_error(client):
    r = client.get("/bad-card")
    assert r.status_code == 500
    errors = [(e["type"], e["loc"]) for e in r.json()["errors"]]
    assert errors == [
        ("int_parsing", ["response", "id"]),
        ("string_type", ["response", "name"]),
        ("missing", ["response", "address", "city"]),
    ]


def test_a_field_validator_sees_the_fields_validated_before_it(client):
    assert client.get("/summed").json() == {"a": 1, "b": 3}
