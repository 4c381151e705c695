"""Hostile input: deep nesting, cycles, huge payloads and bad types never crash or hang."""

import json
from typing import Any, Dict, List, Optional

import pytest
from conftest import errors_of

from ouroboros.core import InternalError
from ouroboros.validation import BaseModel, SchemaValidator, TypeAdapter, ValidationError


class Node(BaseModel):
    child: Optional["Node"] = None
    items: List["Node"] = []


def nested_dict(depth: int) -> dict:
    d: dict = {}
    for _ in range(depth):
        d = {"child": d}
    return d


def test_deep_python_nesting_is_an_error_not_a_crash():
    errs = errors_of(Node.model_validate, nested_dict(5000))
    # Deep but acyclic: Pydantic's depth error, not its cycle error.
    assert errs[0]["type"] == "recursion_depth_exceeded"
    assert errs[0]["msg"] == "Recursion error - maximum validation depth exceeded"
    assert errs[0]["loc"][:3] == ("child", "child", "child")


def test_moderate_nesting_works():
    node = Node.model_validate(nested_dict(150))
    depth = 0
    while node.child is not None:
        node, depth = node.child, depth + 1
    assert depth == 150


def test_cyclic_input_is_an_error():
    d: dict = {}
    d["child"] = d
    assert errors_of(Node.model_validate, d)[0]["type"] == "recursion_loop"


def test_deep_json_is_rejected_cleanly():
    raw = '{"child": ' * 3000 + "{}" + "}" * 3000
    err = errors_of(Node.model_validate_json, raw)[0]
    assert err["type"] in ("json_invalid", "recursion_depth_exceeded")


def test_deep_json_lists_for_any():
    raw = "[" * 5000 + "]" * 5000
    assert errors_of(TypeAdapter(Any).validate_json, raw)[0]["type"] == "json_invalid"


def test_cyclic_value_cannot_be_dumped():
    class Box(BaseModel):
        v: Any

    cyc: list = []
    cyc.append(cyc)
    with pytest.raises(ValueError, match="Circular reference"):
        Box(v=cyc).model_dump_json()


def test_large_list_of_models():
    class P(BaseModel):
        x: int

    data = [{"x": i} for i in range(20000)]
    out = TypeAdapter(List[P]).validate_python(data)
    assert out[-1].x == 19999
    raw = json.dumps(data)
    assert TypeAdapter(List[P]).validate_json(raw)[123].x == 123
    bad = [*data, {"x": "no"}]
    (err,) = errors_of(TypeAdapter(List[P]).validate_python, bad)
    assert err["loc"] == (20000, "x")


def test_huge_string_in_error_is_truncated_in_message():
    class S(BaseModel):
        n: int

    with pytest.raises(ValidationError) as info:
        S(n="9" * 100_000 + "x")
    assert len(str(info.value)) < 500
    assert info.value.errors()[0]["type"] == "int_parsing"


def test_huge_integer_string():
    assert errors_of(TypeAdapter(int).validate_python, "9" * 10_000)[0]["type"] == "int_parsing_size"


@pytest.mark.parametrize("value", [object(), type, lambda: 1, b"\x00" * 10, float("nan"), {1, 2}, ..., NotImplemented])
def test_odd_inputs_give_typed_errors(value):
    class M(BaseModel):
        a: int
        b: str
        c: List[int]
        d: Dict[str, int]

    errs = errors_of(M, a=value, b=value, c=value, d=value)
    assert {e["loc"][0] for e in errs} <= {"a", "b", "c", "d"}
    assert all(isinstance(e["msg"], str) for e in errs)


@pytest.mark.parametrize("raw", [b"\xff\xfe", b'{"a": "\xff"}', b"\x00", b"1e999999", b'"\\ud800"'])
def test_bad_json_bytes(raw):
    class M(BaseModel):
        a: str = ""

    with pytest.raises(ValidationError):
        M.model_validate_json(raw)


def test_json_input_must_be_text_or_bytes():
    class M(BaseModel):
        a: int = 0

    (err,) = errors_of(M.model_validate_json, 123)
    assert err["type"] == "json_type"


@pytest.mark.parametrize(
    "description",
    [
        {"type": "nope"},
        {"type": "int", "gt": "x"},
        {"type": "str", "pattern": "("},
        {"type": "list", "items": 5},
        {"format": 99, "fields": [], "cls": Node},
    ],
)
def test_bad_descriptions_are_refused_with_typed_errors(description):
    with pytest.raises((TypeError, ValueError)) as info:
        SchemaValidator(description)
    assert not isinstance(info.value, InternalError)


def test_unknown_format_message_names_versions():
    class M(BaseModel):
        a: int

    desc = dict(M.__ouroboros_schema__, format=99)
    with pytest.raises(ValueError, match="format 99 is not supported"):
        SchemaValidator(desc)
