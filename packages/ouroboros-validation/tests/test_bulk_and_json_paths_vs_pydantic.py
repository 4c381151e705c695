"""Session 8 speed paths give Pydantic's answers: constrained ints read straight from JSON, and
long lists validated with the cyclic garbage collector paused (its state is restored, whatever
happens). Patterns matched by the flattened ASCII table are in test_speed_paths_vs_pydantic."""

import gc
import json
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


def items(lib: Any, seen: list[bool]) -> Any:
    class Item(lib.BaseModel):
        n: int
        tags: list[str] = []

        @lib.field_validator("n")
        @classmethod
        def record(cls, v: int) -> int:
            seen.append(gc.isenabled())
            if v < 0:
                raise ValueError("negative")
            return v

    return Item


def test_long_list_pauses_the_collector_and_restores_it() -> None:
    seen: list[bool] = []
    item = items(ours, seen)
    ta = ours.TypeAdapter(list[item])
    data = [{"n": i, "tags": ["a"]} for i in range(100)]
    assert gc.isenabled()
    assert [m.n for m in ta.validate_python(data)] == list(range(100))
    assert gc.isenabled()
    # Paused only once the list is long enough: the first items of a JSON array see it on.
    assert seen.count(False) == 100
    seen.clear()
    assert [m.n for m in ta.validate_json(json.dumps(data))] == list(range(100))
    assert gc.isenabled()
    assert seen[:32] == [True] * 32
    assert seen[32:] == [False] * 68
    # A short list leaves it alone.
    seen.clear()
    ta.validate_python(data[:5])
    assert seen == [True] * 5


@pytest.mark.parametrize("mode", ["python", "json"])
def test_collector_restored_after_a_failed_list(mode: str) -> None:
    seen: list[bool] = []
    ta_o = ours.TypeAdapter(list[items(ours, seen)])
    ta_p = pydantic.TypeAdapter(list[items(pydantic, [])])
    data = [{"n": i if i % 10 else -i - 1} for i in range(60)]
    if mode == "python":
        got = outcome(ours, lambda: ta_o.validate_python(data))
        want = outcome(pydantic, lambda: ta_p.validate_python(data))
    else:
        raw = json.dumps(data)
        got = outcome(ours, lambda: ta_o.validate_json(raw))
        want = outcome(pydantic, lambda: ta_p.validate_json(raw))
    assert got == want
    assert len(got) == 6
    assert gc.isenabled()


def test_collector_disabled_by_the_user_stays_disabled() -> None:
    ta = ours.TypeAdapter(list[items(ours, [])])
    gc.disable()
    try:
        ta.validate_python([{"n": i} for i in range(100)])
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_garbage_made_during_a_long_list_is_collected_after_it() -> None:
    made: list[Any] = []

    class Node:
        def __init__(self) -> None:
            self.me = self

    class Item(ours.BaseModel):
        n: int

        @ours.field_validator("n")
        @classmethod
        def cycle(cls, v: int) -> int:
            import weakref

            made.append(weakref.ref(Node()))
            return v

    ours.TypeAdapter(list[Item]).validate_python([{"n": i} for i in range(200)])
    gc.collect()
    assert all(r() is None for r in made)
    assert len(made) == 200
