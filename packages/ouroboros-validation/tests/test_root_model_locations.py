"""A RootModel's errors are located inside its value, as in Pydantic: the
`root` field it is built on never shows in `loc` (checked against Pydantic)."""

from __future__ import annotations

from typing import Any

import pydantic
import pytest

import ouroboros.validation as ov


def _locs(mod: Any, call: str) -> list[tuple[tuple[Any, ...], str]]:
    class R(mod.RootModel[list[int]]):
        pass

    class D(mod.RootModel[dict[str, int]]):
        pass

    class M(mod.BaseModel):
        r: R
        rs: list[R] = []

    calls = {
        "validate": lambda: R.model_validate(["a", 1, "b"]),
        "validate_json": lambda: R.model_validate_json('["a"]'),
        "init": lambda: R(["a"]),
        "wrong_type": lambda: R.model_validate("x"),
        "dict_key_named_root": lambda: D.model_validate({"root": "x"}),
        "nested": lambda: M(r=["a"]),
        "nested_json": lambda: M.model_validate_json('{"r": ["a"], "rs": [[1], ["b"]]}'),
    }
    with pytest.raises(mod.ValidationError) as info:
        calls[call]()
    return [(tuple(e["loc"]), e["type"]) for e in info.value.errors()]


@pytest.mark.parametrize(
    "call", ["validate", "validate_json", "init", "wrong_type", "dict_key_named_root", "nested", "nested_json"]
)
def test_root_model_errors_are_located_as_pydantic_locates_them(call: str) -> None:
    ours = _locs(ov, call)
    assert ours == _locs(pydantic, call)
    assert all(loc[:1] != ("root",) or call == "dict_key_named_root" for loc, _ in ours)


def test_locations_of_a_list_root_model() -> None:
    assert _locs(ov, "validate") == [((0,), "int_parsing"), ((2,), "int_parsing")]
    assert _locs(ov, "nested_json") == [(("r", 0), "int_parsing"), (("rs", 1, 0), "int_parsing")]
