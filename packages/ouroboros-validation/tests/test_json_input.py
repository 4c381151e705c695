"""JSON validated while parsed: models, lists of models, extras, defaults and error inputs."""

from typing import Annotated, List, Optional

import pytest
from conftest import errors_of

from ouroboros.validation import BaseModel, ConfigDict, Field, TypeAdapter


class Inner(BaseModel):
    a: int
    b: str = "d"


class Outer(BaseModel):
    inner: Inner
    maybe: Optional[Inner] = None
    many: List[Inner] = []
    nums: List[int] = []


def test_nested_models_and_lists_from_json():
    o = Outer.model_validate_json(
        '{"inner": {"a": 1}, "maybe": {"a": "2", "b": "x"}, "many": [{"a": 3}], "nums": [1, "2"]}'
    )
    assert o == Outer(inner=Inner(a=1), maybe=Inner(a=2, b="x"), many=[Inner(a=3)], nums=[1, 2])
    assert o.inner.model_fields_set == {"a"}
    assert Outer.model_validate_json('{"inner": {"a": 1}, "maybe": null}').maybe is None


def test_missing_field_input_is_the_object():
    (err,) = errors_of(Outer.model_validate_json, '{"inner": {"b": "x"}}')
    assert (err["type"], err["loc"], err["input"]) == ("missing", ("inner", "a"), {"b": "x"})


def test_errors_inside_lists_of_models_from_json():
    errs = errors_of(
        Outer.model_validate_json, '{"inner": {"a": 1}, "many": [{"a": 1}, {"a": "x"}, {}], "nums": [1, "y"]}'
    )
    assert [(e["type"], e["loc"]) for e in errs] == [
        ("int_parsing", ("many", 1, "a")),
        ("missing", ("many", 2, "a")),
        ("int_parsing", ("nums", 1)),
    ]


def test_wrong_json_types_for_models_and_lists():
    errs = errors_of(Outer.model_validate_json, '{"inner": [1], "many": {"a": 1}}')
    assert [(e["type"], e["loc"]) for e in errs] == [("model_type", ("inner",)), ("list_type", ("many",))]


def test_extra_allow_and_forbid_from_json():
    class Allow(BaseModel, extra="allow"):
        a: int

    m = Allow.model_validate_json('{"a": 1, "z": [1, {"k": null}]}')
    assert m.model_extra == {"z": [1, {"k": None}]}

    class Forbid(BaseModel, extra="forbid"):
        a: int

    (err,) = errors_of(Forbid.model_validate_json, '{"a": 1, "z": {"q": 1}}')
    assert (err["type"], err["loc"], err["input"]) == ("extra_forbidden", ("z",), {"q": 1})


def test_aliases_from_json():
    class A(BaseModel):
        model_config = ConfigDict(populate_by_name=True)
        user_id: int = Field(alias="userId")

    assert A.model_validate_json('{"userId": 5}').user_id == 5
    assert A.model_validate_json('{"user_id": 6}').user_id == 6
    assert errors_of(A.model_validate_json, '{"userId": "x"}')[0]["loc"] == ("userId",)


def test_json_error_position_and_trailing_data():
    (err,) = errors_of(Outer.model_validate_json, '{"inner": {"a": 1}')
    assert err["type"] == "json_invalid"
    assert "line 1 column" in err["msg"]
    (err,) = errors_of(Outer.model_validate_json, '{"inner": {"a": 1}} trailing')
    assert err["type"] == "json_invalid"


def test_list_of_models_type_adapter_json():
    out = TypeAdapter(List[Inner]).validate_json(b'[{"a": 1}, {"a": 2, "b": "q"}]')
    assert out == [Inner(a=1), Inner(a=2, b="q")]
    assert errors_of(TypeAdapter(List[Inner]).validate_json, b'[{"a": 1}, 5]')[0]["loc"] == (1,)


@pytest.mark.parametrize(
    ("raw", "strict", "ok"),
    [
        ('{"inner": {"a": "1"}}', None, True),
        ('{"inner": {"a": "1"}}', True, False),
        ('{"inner": {"a": 1}}', True, True),
    ],
)
def test_strict_json(raw, strict, ok):
    if ok:
        assert Outer.model_validate_json(raw, strict=strict).inner.a == 1
    else:
        assert errors_of(Outer.model_validate_json, raw, strict=strict)[0]["type"] == "int_type"


def test_model_validators_apply_to_json_input():
    from ouroboros.validation import model_validator

    class V(BaseModel):
        a: int

        @model_validator(mode="before")
        @classmethod
        def wrap(cls, data):
            return {"a": data["value"]} if "value" in data else data

    assert V.model_validate_json('{"value": 3}').a == 3


def test_short_strings_from_json_are_correct_under_cache_collisions():
    import json as _json

    words = [f"w{i}" for i in range(20000)] + ["é" * 10, "x" * 64, "y" * 65, ""]
    raw = _json.dumps(words)
    ta = TypeAdapter(List[str])
    assert ta.validate_json(raw) == words
    assert ta.validate_json(raw) == words
    assert TypeAdapter(list).validate_json(raw) == words


def test_list_length_errors_from_json_carry_the_list():
    from typing import Annotated

    class L(BaseModel):
        items: Annotated[List[int], Field(max_length=2)]

    (err,) = errors_of(L.model_validate_json, '{"items": [1, 2, 3]}')
    assert (err["type"], err["loc"], err["input"]) == ("too_long", ("items",), [1, 2, 3])
    assert err["ctx"] == {"field_type": "List", "max_length": 2, "actual_length": 3}


class Leaves(BaseModel):
    n: int = 0
    s: str = ""
    c: Annotated[str, Field(min_length=2)] = "ok"


@pytest.mark.parametrize(
    ("raw", "field", "expected"),
    [
        ('{"n": 5}', "n", 5),
        ('{"n": -7}', "n", -7),
        ('{"n": 3.0}', "n", 3),
        ('{"n": 123456789012345678901234567890}', "n", 123456789012345678901234567890),
        ('{"n": "42"}', "n", 42),
        ('{"s": "plain"}', "s", "plain"),
        ('{"s": "esc\\"aped\\u00e9"}', "s", 'esc"apedé'),
    ],
)
def test_json_leaves(raw, field, expected):
    assert getattr(Leaves.model_validate_json(raw), field) == expected


@pytest.mark.parametrize(
    ("raw", "error_type", "strict"),
    [
        ('{"n": 1.5}', "int_from_float", None),
        ('{"n": 3.0}', "int_type", True),
        ('{"n": "x"}', "int_parsing", None),
        ('{"s": 5}', "string_type", None),
        ('{"c": "a"}', "string_too_short", None),
    ],
)
def test_json_leaf_errors(raw, error_type, strict):
    (err,) = errors_of(Leaves.model_validate_json, raw, strict=strict)
    assert err["type"] == error_type
