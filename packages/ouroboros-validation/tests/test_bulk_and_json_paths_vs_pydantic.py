"""Session 8 speed paths give Pydantic's answers: constrained ints read straight from JSON.
Patterns matched by the flattened ASCII table are in test_speed_paths_vs_pydantic; the collector
pause over long lists is in test_gc_pause."""

from typing import Annotated, Any

import pydantic
import pytest

import ouroboros.validation as ours


def outcome(lib: Any, call: Any) -> Any:
    try:
        value = call()
    except lib.ValidationError as exc:
        # ctx values as text: an error's `ValueError` compares by identity.
        return [
            (e["type"], e["loc"], e["msg"], e["input"], {k: str(v) for k, v in e.get("ctx", {}).items()})
            for e in exc.errors(include_url=False)
        ]
    if isinstance(value, list):
        return [v.model_dump() if hasattr(v, "model_dump") else v for v in value]
    return value.model_dump() if hasattr(value, "model_dump") else value


def bounded(lib: Any) -> Any:
    class Model(lib.BaseModel):
        age: Annotated[int, lib.Field(ge=0, le=150)]
        step: Annotated[int, lib.Field(gt=-10, lt=10, multiple_of=3)] = 0
        big: Annotated[int, lib.Field(le=2**62)] = 0

    return Model


@pytest.mark.parametrize(
    "raw",
    [
        '{"age": 0}',
        '{"age": 150}',
        '{"age": -1}',
        '{"age": 151}',
        '{"age": 30, "step": 9}',
        '{"age": 30, "step": 4}',
        '{"age": 30, "step": -12}',
        '{"age": 30, "step": 12}',
        '{"age": 1e2}',
        '{"age": 1.5}',
        '{"age": 100000000000000000000000000000}',
        '{"age": -100000000000000000000000000000}',
        '{"age": "42"}',
        '{"age": true}',
        '{"age": null}',
        '{"age": 30, "big": 4611686018427387904}',
        '{"age": 30, "big": 4611686018427387905}',
        '{"age": 30, "big": 9223372036854775807}',
        '{"age": 30, "big": 9223372036854775808}',
    ],
)
@pytest.mark.parametrize("strict", [False, True])
def test_constrained_ints_from_json_as_pydantic(raw: str, strict: bool) -> None:
    mo, mp = bounded(ours), bounded(pydantic)
    got = outcome(ours, lambda: mo.model_validate_json(raw, strict=strict))
    assert got == outcome(pydantic, lambda: mp.model_validate_json(raw, strict=strict)), raw
