"""The contract other wheels rely on: the description's shape and how instances are built."""

from typing import Annotated, List, Optional

import pytest

from ouroboros.core import SCHEMA_FORMAT_VERSION
from ouroboros.validation import BaseModel, Field, SchemaValidator, ValidationError


class Address(BaseModel):
    city: str


class User(BaseModel):
    name: Annotated[str, Field(min_length=1, alias="userName")]
    tags: List[str] = []
    address: Optional[Address] = None


def test_description_shape():
    d = User.__ouroboros_schema__
    assert d["format"] == SCHEMA_FORMAT_VERSION == 1
    assert d["type"] == "model"
    assert d["cls"] is User
    assert d["name"] == "User"
    assert [f["name"] for f in d["fields"]] == ["name", "tags", "address"]
    name, tags, address = d["fields"]
    assert name["schema"] == {"type": "str", "min_length": 1}
    assert name["alias"] == "userName"
    assert "default" not in name and "default_factory" not in name
    assert tags["default"] == [] and tags["schema"] == {"type": "list", "items": {"type": "str"}}
    assert address["schema"] == {"type": "nullable", "schema": {"type": "model", "cls": Address}}
    assert d["config"]["extra"] == "ignore"


def test_description_is_cached_per_class():
    assert User.__ouroboros_schema__ is User.__ouroboros_schema__


def test_compiled_elsewhere_builds_equal_instances():
    other = SchemaValidator(User.__ouroboros_schema__)
    built = other.validate_json(b'{"userName": "a", "address": {"city": "x"}}')
    assert type(built) is User
    assert built == User.model_validate({"userName": "a", "address": {"city": "x"}})
    assert built.__dict__ == {"name": "a", "tags": [], "address": Address(city="x")}
    assert built.__ouroboros_fields_set__ == {"name", "address"}
    assert other.to_json(built, by_alias=True) == '{"userName":"a","tags":[],"address":{"city":"x"}}'


def test_errors_from_any_compiled_validator_are_validation_errors():
    other = SchemaValidator(User)
    with pytest.raises(ValidationError) as info:
        other.validate_python({"userName": ""})
    assert info.value.errors()[0]["loc"] == ("userName",)
    assert info.value.title == "User"


def test_bare_type_schemas_compile():
    v = SchemaValidator({"type": "list", "items": {"type": "int", "ge": 0}})
    assert v.validate_python(["1", 2]) == [1, 2]
    with pytest.raises(ValidationError) as info:
        v.validate_json("[1, -1]")
    assert info.value.errors()[0]["loc"] == (1,)
