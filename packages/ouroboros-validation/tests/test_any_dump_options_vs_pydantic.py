"""A model held where the schema says ``Any`` (a field typed ``Any``, a plain ``dict`` or
``list``, ``TypeAdapter(Any)``) is dumped with the options of the dump around it, as Pydantic
passes them on: ``by_alias``, ``exclude_none``, ``exclude_defaults`` and ``exclude_unset``. Each
case runs under Pydantic and ouroboros.validation and compares the outcomes."""

from typing import Any

import pydantic
import pytest

import ouroboros.validation as ov

OPTIONS = [
    {},
    {"by_alias": True},
    {"exclude_none": True},
    {"exclude_defaults": True},
    {"exclude_unset": True},
    {"by_alias": True, "exclude_none": True},
]


def _outer(lib: Any) -> Any:
    class Inner(lib.BaseModel):
        a: int = lib.Field(alias="A")
        b: int | None = None
        c: int = 3

    class Outer(lib.BaseModel):
        x: Any
        y: dict
        z: list

    return Outer(x=Inner(A=1), y={"k": [Inner(A=2, c=4)]}, z=[Inner(A=5, b=6)]), Inner


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: ",".join(o) or "none")
def test_nested_models_in_any_follow_the_dump_options(options: dict[str, bool]) -> None:
    (theirs, _), (ours, _) = _outer(pydantic), _outer(ov)
    assert ours.model_dump(**options) == theirs.model_dump(**options)
    assert ours.model_dump(mode="json", **options) == theirs.model_dump(mode="json", **options)
    assert ours.model_dump_json(**options) == theirs.model_dump_json(**options)


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: ",".join(o) or "none")
def test_type_adapter_any_follows_the_dump_options(options: dict[str, bool]) -> None:
    (_, their_inner), (_, our_inner) = _outer(pydantic), _outer(ov)
    theirs, ours = pydantic.TypeAdapter(Any), ov.TypeAdapter(Any)
    value_t, value_o = {"i": their_inner(A=1)}, {"i": our_inner(A=1)}
    assert ours.dump_python(value_o, **options) == theirs.dump_python(value_t, **options)
    assert ours.dump_json(value_o, **options) == theirs.dump_json(value_t, **options)
