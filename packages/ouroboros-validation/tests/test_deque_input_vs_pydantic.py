"""A deque field refuses what is not a collection of items with `deque_type` (not the list
validator's `list_type`), from Python and JSON input, as Pydantic does. (From JSON, Pydantic's
message says "array": a known difference of JSON wording, docs/validation.md.)"""

import collections
from typing import Any

import pydantic
import pytest

import ouroboros.validation as ours

PYTHON = ["snap", b"x", {"a": 1}, 5, None, [1, "x"], (1,), {1}, collections.deque([1]), [], "[1]"]
JSON = ['"snap"', '{"a":1}', "5", "null", "[1]", '[1,"x"]', "[]"]


def model(lib: Any) -> Any:
    class M(lib.BaseModel):
        a: collections.deque[int]
        b: collections.deque[int] | None = None

    return M


def outcome(lib: Any, call: Any, msg: bool = True) -> Any:
    try:
        m = call(model(lib))
    except lib.ValidationError as exc:
        return [(e["type"], e["loc"], e["msg"] if msg else None, e["input"]) for e in exc.errors()]
    return (type(m.a).__name__, list(m.a), m.b)


@pytest.mark.parametrize("value", PYTHON, ids=repr)
def test_python_input(value: Any) -> None:
    def call(m: Any) -> Any:
        return m(a=value, b=value if isinstance(value, str) else None)

    assert outcome(ours, call) == outcome(pydantic, call)


@pytest.mark.parametrize("raw", JSON)
def test_json_input(raw: str) -> None:
    def call(m: Any) -> Any:
        return m.model_validate_json('{"a":' + raw + "}")

    assert outcome(ours, call, msg=False) == outcome(pydantic, call, msg=False)
