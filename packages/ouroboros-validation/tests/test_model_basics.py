"""BaseModel: construction, nested models, errors with full locations (the seed README's example)."""

from typing import Annotated, List, Optional

import pytest

from ouroboros.core import OuroborosError
from ouroboros.validation import BaseModel, Field, ValidationError


class Address(BaseModel):
    street: Annotated[str, Field(min_length=1)]
    city: Annotated[str, Field(min_length=1)]
    country: str = "USA"


class User(BaseModel):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    email: Annotated[str, Field(pattern=r"^[\w\.-]+@[\w\.-]+\.\w+$")]
    age: Annotated[int, Field(ge=0, le=150)]
    address: Address
    tags: List[str] = []
    bio: Optional[str] = None


GOOD = {"name": "Alice", "email": "alice@example.com", "age": 30, "address": {"street": "123 Main St", "city": "NYC"}}


def test_constructor_validates_and_builds_nested_models():
    user = User(**GOOD)
    assert user.name == "Alice"
    assert isinstance(user.address, Address)
    assert user.address.city == "NYC"
    assert user.address.country == "USA"
    assert user.tags == []
    assert user.bio is None


def test_model_validate_equals_constructor():
    assert User.model_validate(GOOD) == User(**GOOD)


def test_fields_set_records_only_given_fields():
    user = User(**GOOD)
    assert user.model_fields_set == {"name", "email", "age", "address"}
    assert user.address.model_fields_set == {"street", "city"}


def test_mutable_defaults_are_not_shared():
    a = User(**GOOD)
    b = User(**GOOD)
    a.tags.append("x")
    assert b.tags == []


def test_all_errors_reported_with_nested_locations():
    with pytest.raises(ValidationError) as info:
        User(name="", email="invalid", age=-1, address={"street": "", "city": ""}, tags=["a", 1, "b", 3])
    errors = info.value.errors()
    assert [(e["type"], e["loc"]) for e in errors] == [
        ("string_too_short", ("name",)),
        ("string_pattern_mismatch", ("email",)),
        ("greater_than_equal", ("age",)),
        ("string_too_short", ("address", "street")),
        ("string_too_short", ("address", "city")),
        ("string_type", ("tags", 1)),
        ("string_type", ("tags", 3)),
    ]
    assert errors[0]["msg"] == "String should have at least 1 character"
    assert errors[0]["ctx"] == {"min_length": 1}
    assert errors[2]["input"] == -1
    assert info.value.error_count() == 7


def test_validation_error_is_ouroboros_error_and_value_error():
    with pytest.raises(ValidationError) as info:
        User.model_validate({})
    assert isinstance(info.value, OuroborosError)
    assert isinstance(info.value, ValueError)
    assert [e["loc"] for e in info.value.errors()] == [("name",), ("email",), ("age",), ("address",)]
    assert {e["type"] for e in info.value.errors()} == {"missing"}
    assert info.value.errors()[0]["msg"] == "Field required"


def test_str_of_error_reads_like_pydantic():
    with pytest.raises(ValidationError) as info:
        Address(street="", city="x")
    text = str(info.value)
    assert text.splitlines() == [
        "1 validation error for Address",
        "street",
        "  String should have at least 1 character [type=string_too_short, input_value='', input_type=str]",
        "    For further information visit https://errors.pydantic.dev/2.14/v/string_too_short",
    ]


def test_error_links_follow_pydantics_switch(monkeypatch):
    # PYDANTIC_ERRORS_INCLUDE_URL=false leaves the links out of the text, not out of errors().
    monkeypatch.setenv("PYDANTIC_ERRORS_INCLUDE_URL", "false")
    with pytest.raises(ValidationError) as info:
        Address(street="", city="x")
    assert "errors.pydantic.dev" not in str(info.value)
    assert info.value.errors()[0]["url"] == "https://errors.pydantic.dev/2.14/v/string_too_short"


def test_model_type_error_for_non_dict_input():
    with pytest.raises(ValidationError) as info:
        User.model_validate([1, 2])
    (err,) = info.value.errors()
    assert err["type"] == "model_type"
    assert err["loc"] == ()
    assert err["msg"] == "Input should be a valid dictionary or instance of User"


def test_nested_model_wrong_type_has_field_location():
    with pytest.raises(ValidationError) as info:
        User(**{**GOOD, "address": "nowhere"})
    (err,) = info.value.errors()
    assert err["type"] == "model_type"
    assert err["loc"] == ("address",)
    assert err["ctx"] == {"class_name": "Address"}


def test_instance_passes_through_unchanged():
    addr = Address(street="s", city="c")
    user = User(**{**GOOD, "address": addr})
    assert user.address is addr


def test_errors_is_callable_and_a_list():
    with pytest.raises(ValidationError) as info:
        Address(street="", city="x")
    e = info.value
    line = {
        "type": "string_too_short",
        "loc": ("street",),
        "msg": "String should have at least 1 character",
        "input": "",
        "ctx": {"min_length": 1},
    }
    # Called as Pydantic's errors(): with the error's documentation link; read as a list, without.
    assert e.errors() == [{**line, "url": "https://errors.pydantic.dev/2.14/v/string_too_short"}]
    assert e.errors(include_url=False) == e.errors == [line]
    assert e.errors(include_context=False, include_input=False, include_url=False) == [
        {"type": "string_too_short", "loc": ("street",), "msg": "String should have at least 1 character"}
    ]
    e.errors()[0]["type"] = "changed"
    assert e.errors()[0]["type"] == "string_too_short"
    assert '"type":"string_too_short"' in e.json()


def test_none_default_survives_string_annotations_and_field_alias():
    # A None default must stay a default when the annotation is a string
    # (`from __future__ import annotations`) or the field also has Field(...).
    ns: dict = {}
    exec(
        "from __future__ import annotations\n"
        "from ouroboros.validation import BaseModel, Field\n"
        "class M(BaseModel):\n"
        "    a: int | None = None\n"
        "    b: int | None = Field(default=None, alias='_b')\n",
        ns,
    )
    m = ns["M"]()
    assert (m.a, m.b) == (None, None)
    assert not ns["M"].model_fields["a"].is_required()
    assert not ns["M"].model_fields["b"].is_required()
