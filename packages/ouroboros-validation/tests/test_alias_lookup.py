"""Field lookup as Pydantic does it: nested ``AliasPath``s, alias choices in
order, per-call ``by_alias``/``by_name``/``extra``, ``loc_by_alias``, for
Python and JSON input alike."""

import json

import pytest

from ouroboros.validation import AliasChoices, AliasPath, BaseModel, ConfigDict, Field, ValidationError
from ouroboros.validation.errors import PydanticUserError


class Nested(BaseModel):
    x: int = Field(validation_alias=AliasPath("payload", "inner", 0))
    y: str = Field(default="d", validation_alias=AliasChoices(AliasPath("p", -1), "why"))


@pytest.mark.parametrize("mode", ["python", "json"])
def test_nested_paths_and_negative_index(mode):
    data = {"payload": {"inner": ["7", 8]}, "p": ["a", "b"]}
    m = Nested.model_validate_json(json.dumps(data)) if mode == "json" else Nested.model_validate(data)
    assert (m.x, m.y, m.model_fields_set) == (7, "b", {"x", "y"})


@pytest.mark.parametrize("mode", ["python", "json"])
def test_nested_path_errors_are_located_along_the_path(mode):
    data = {"payload": {"inner": ["no"]}, "why": "w"}
    with pytest.raises(ValidationError) as exc:
        Nested.model_validate_json(json.dumps(data)) if mode == "json" else Nested.model_validate(data)
    assert [(e["type"], e["loc"]) for e in exc.value.errors()] == [("int_parsing", ("payload", "inner", 0))]
    with pytest.raises(ValidationError) as exc:
        Nested.model_validate({"payload": {}})
    assert [(e["type"], e["loc"]) for e in exc.value.errors()] == [("missing", ("payload", "inner", 0))]


@pytest.mark.parametrize("mode", ["python", "json"])
def test_choices_are_tried_in_declared_order_and_unused_keys_are_extra(mode):
    class M(BaseModel):
        model_config = ConfigDict(extra="allow")
        a: int = Field(validation_alias=AliasChoices("first", "second"))

    data = {"a": 1, "second": 3, "first": 2}
    m = M.model_validate_json(json.dumps(data)) if mode == "json" else M.model_validate(data)
    assert m.a == 2
    assert m.model_extra == {"a": 1, "second": 3}


@pytest.mark.parametrize("mode", ["python", "json"])
def test_per_call_by_alias_and_by_name(mode):
    class M(BaseModel):
        my_field: int = Field(alias="myAlias")

    def validate(data, **kw):
        return M.model_validate_json(json.dumps(data), **kw) if mode == "json" else M.model_validate(data, **kw)

    assert validate({"myAlias": 1}).my_field == 1
    assert validate({"my_field": 2}, by_name=True).my_field == 2
    assert validate({"my_field": 3}, by_alias=False, by_name=True).my_field == 3
    with pytest.raises(ValidationError) as exc:
        validate({"myAlias": 4}, by_alias=False, by_name=True)
    assert exc.value.errors()[0]["loc"] == ("my_field",)
    with pytest.raises(PydanticUserError, match="At least one of `by_alias` or `by_name`"):
        validate({"myAlias": 1}, by_alias=False)


def test_validate_by_alias_false_in_config_and_loc_by_alias():
    class M(BaseModel):
        model_config = ConfigDict(validate_by_alias=False, validate_by_name=True)
        a: int = Field(alias="A")

    assert M.model_validate({"a": 1}).a == 1
    with pytest.raises(ValidationError):
        M.model_validate({"A": 1})

    class L(BaseModel):
        model_config = ConfigDict(loc_by_alias=False)
        a: int = Field(alias="A")

    with pytest.raises(ValidationError) as exc:
        L.model_validate({"A": "x"})
    assert exc.value.errors()[0]["loc"] == ("a",)


@pytest.mark.parametrize("mode", ["python", "json"])
def test_extra_per_call(mode):
    class M(BaseModel):
        a: int

    def validate(data, **kw):
        return M.model_validate_json(json.dumps(data), **kw) if mode == "json" else M.model_validate(data, **kw)

    assert validate({"a": 1, "b": 2}, extra="allow").model_extra == {"b": 2}
    with pytest.raises(ValidationError) as exc:
        validate({"a": 1, "b": 2}, extra="forbid")
    assert [(e["type"], e["loc"]) for e in exc.value.errors()] == [("extra_forbidden", ("b",))]
    assert validate({"a": 1, "b": 2}).model_extra is None
