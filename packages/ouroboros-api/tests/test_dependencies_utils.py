"""``ouroboros.api.dependencies.utils``: FastAPI's introspection API over the
same analysis (and validation engine) as the compiled routes."""

import asyncio
from typing import Annotated

import pytest

from ouroboros.api import Depends, Form, Header, Query
from ouroboros.api.dependencies.models import Dependant
from ouroboros.api.dependencies.utils import (
    get_dependant,
    get_typed_annotation,
    request_body_to_args,
    request_params_to_args,
)
from ouroboros.validation import BaseModel, ConfigDict


class Filters(BaseModel):
    model_config = ConfigDict(extra="forbid")
    limit: int = 10
    tags: list[str] = []


class Visit(BaseModel):
    model_config = ConfigDict(extra="allow")
    page: str


def token(x_token: Annotated[str, Header()]) -> str:
    return x_token


def endpoint(
    item_id: int,
    filters: Annotated[Filters, Query()],
    q: str | None = None,
    user: str = Depends(token),
):
    return item_id


def test_get_dependant_sorts_parameters_by_location():
    dep = get_dependant(path="/items/{item_id}", call=endpoint)
    assert isinstance(dep, Dependant)
    assert [f.name for f in dep.path_params] == ["item_id"]
    assert [(f.name, f.is_model) for f in dep.query_params] == [("filters", True), ("q", False)]
    [sub] = dep.dependencies
    assert sub.call is token
    assert [(f.name, f.alias) for f in sub.header_params] == [("x_token", "x-token")]


def test_query_parameters_and_models_are_read_and_validated():
    dep = get_dependant(path="/items/{item_id}", call=endpoint)
    values, errors = request_params_to_args(dep.query_params, [("tags", "a"), ("limit", "3"), ("tags", "b")])
    assert errors == []
    assert values["filters"].model_dump() == {"limit": 3, "tags": ["a", "b"]}
    assert values["q"] is None
    values, errors = request_params_to_args(dep.query_params, [("limit", "x"), ("other", "1"), ("other", "2")])
    assert values == {"q": None}
    assert [(e["type"], e["loc"]) for e in errors] == [
        ("int_parsing", ("query", "limit")),
        ("extra_forbidden", ("query", "other")),
    ]
    assert errors[1]["input"] == ["1", "2"]


def test_headers_are_case_insensitive_and_required_ones_reported():
    sub = get_dependant(path="/", call=endpoint).dependencies[0]
    assert request_params_to_args(sub.header_params, {"X-Token": "t"}) == ({"x_token": "t"}, [])
    values, errors = request_params_to_args(sub.header_params, {})
    assert values == {}
    assert errors == [{"type": "missing", "loc": ("header", "x-token"), "msg": "Field required", "input": None}]


def test_form_bodies_keep_extras_and_defaults():
    def form_endpoint(visit: Annotated[Visit, Form()]):
        return visit

    def scalar_endpoint(note: Annotated[str, Form()] = "none"):
        return note

    dep = get_dependant(path="/", call=form_endpoint)
    values, errors = asyncio.run(request_body_to_args(dep.body_params, [("page", "home"), ("ref", "x")], False))
    assert errors == []
    assert values["visit"].model_extra == {"ref": "x"}
    scalar = get_dependant(path="/", call=scalar_endpoint)
    assert asyncio.run(request_body_to_args(scalar.body_params, [], False)) == ({"note": "none"}, [])


def test_json_body_parameters():
    class Item(BaseModel):
        name: str

    def create(item: Item):
        return item

    dep = get_dependant(path="/", call=create)
    values, errors = asyncio.run(request_body_to_args(dep.body_params, {"name": "a"}, False))
    assert (values["item"].name, errors) == ("a", [])
    values, errors = asyncio.run(request_body_to_args(dep.body_params, {"name": 1}, False))
    assert values == {}
    assert [(e["type"], e["loc"]) for e in errors] == [("string_type", ("body", "name"))]


def test_get_typed_annotation():
    assert get_typed_annotation("None", {}) is None
    assert get_typed_annotation("int", {}) is int
    assert get_typed_annotation(list[int], {}) == list[int]
    with pytest.raises(NameError):
        get_typed_annotation("Missing", {})
