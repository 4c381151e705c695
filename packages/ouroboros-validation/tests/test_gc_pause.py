"""The cyclic garbage collector paused over long lists (ouroboros-schema's `gc_pause.rs`).

The pause is taken only for lists of 32 items or more whose items are built without any code of
the user's (plain models, containers): validators always see the collector as the user left it,
a `gc.disable()` made inside a validator stands, and cyclic garbage made by validators is
collected while the list is validated. `OUROBOROS_VALIDATION_GC_PAUSE=0` turns the pause off.
"""

import gc
import json
import os
import subprocess
import sys
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import pydantic
import pytest

import ouroboros.validation as ours


class Plain(ours.BaseModel):
    n: int
    tags: list[str] = []


DATA = [{"n": i, "tags": ["a", "b"]} for i in range(1000)]


@pytest.fixture
def collections() -> Iterator[Callable[[Callable[[], Any]], int]]:
    """Counts the collector's passes during a call, with a low young-generation threshold
    (so a list of 1,000 models needs dozens of passes when nothing holds them off)."""
    starts: list[int] = []

    def on_gc(phase: str, _info: dict[str, Any]) -> None:
        if phase == "start":
            starts.append(1)

    def count(call: Callable[[], Any]) -> int:
        gc.collect()
        starts.clear()
        gc.callbacks.append(on_gc)
        try:
            call()
        finally:
            gc.callbacks.remove(on_gc)
        return len(starts)

    threshold = gc.get_threshold()
    gc.set_threshold(100, 10, 10)
    try:
        yield count
    finally:
        gc.set_threshold(*threshold)


def with_validator(lib: Any, seen: list[bool], on_item: Callable[[int], None] | None = None) -> Any:
    class Item(lib.BaseModel):
        n: int
        tags: list[str] = []

        @lib.field_validator("n")
        @classmethod
        def record(cls, v: int) -> int:
            seen.append(gc.isenabled())
            if on_item is not None:
                on_item(v)
            if v < 0:
                raise ValueError("negative")
            return v

    return Item


def test_a_long_list_of_plain_models_is_built_without_collector_passes(collections: Any) -> None:
    ta = ours.TypeAdapter(list[Plain])
    # One pass at most: the one the first allocation after the pause may start.
    assert collections(lambda: ta.validate_python(DATA)) <= 1
    assert collections(lambda: ta.validate_json(json.dumps(DATA))) <= 2
    assert gc.isenabled()
    # Without the pause the same list takes dozens (what the count above would be).
    assert collections(lambda: [Plain.model_validate(d) for d in DATA]) > 10


def test_a_short_list_leaves_the_collector_alone(collections: Any) -> None:
    ta = ours.TypeAdapter(list[list[Plain]])
    # 31 lists of 25: no list reaches 32 items, so passes run as usual.
    data = [DATA[i : i + 25] for i in range(0, 775, 25)]
    assert collections(lambda: ta.validate_python(data)) > 10


def test_validators_always_see_the_collector_on(collections: Any) -> None:
    seen: list[bool] = []
    ta = ours.TypeAdapter(list[with_validator(ours, seen)])
    assert [m.n for m in ta.validate_python(DATA)] == list(range(1000))
    assert seen == [True] * 1000
    seen.clear()
    assert [m.n for m in ta.validate_json(json.dumps(DATA))] == list(range(1000))
    assert seen == [True] * 1000
    # Items that run the user's code are not paused for: passes run during the list.
    assert collections(lambda: ta.validate_python(DATA)) > 10


def test_gc_disable_inside_a_validator_stands() -> None:
    def disable_at_500(v: int) -> None:
        if v == 500:
            gc.disable()

    ta = ours.TypeAdapter(list[with_validator(ours, [], disable_at_500)])
    try:
        for call in (lambda: ta.validate_python(DATA), lambda: ta.validate_json(json.dumps(DATA))):
            gc.enable()
            call()
            assert not gc.isenabled()
    finally:
        gc.enable()


def test_cyclic_garbage_made_by_validators_is_collected_during_the_list() -> None:
    made: list[Any] = []
    alive_at: list[int] = []

    class Node:
        def __init__(self) -> None:
            self.me = self

    def cycle(v: int) -> None:
        made.append(weakref.ref(Node()))
        alive_at.append(sum(r() is not None for r in made))

    ta = ours.TypeAdapter(list[with_validator(ours, [], cycle)])
    threshold = gc.get_threshold()
    gc.set_threshold(100, 10, 10)
    try:
        gc.collect()
        ta.validate_python(DATA)
    finally:
        gc.set_threshold(*threshold)
    # Collected as they go: never anywhere near all 1,000 cycles alive at once.
    assert max(alive_at) < 500
    gc.collect()
    assert all(r() is None for r in made)


def test_a_collector_disabled_by_the_user_stays_disabled(collections: Any) -> None:
    ta = ours.TypeAdapter(list[list[Plain]])
    data = [DATA[:100]] * 40
    gc.disable()
    try:
        assert collections(lambda: ta.validate_python(data)) == 0
        assert not gc.isenabled()
        ours.TypeAdapter(list[Plain]).validate_json(json.dumps(DATA))
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_nested_long_lists_resume_once(collections: Any) -> None:
    ta = ours.TypeAdapter(list[list[Plain]])
    data = [DATA[:100]] * 40
    assert collections(lambda: ta.validate_python(data)) <= 1
    assert gc.isenabled()
    # A JSON array is paused from its 32nd item on: the inner lists before it resume on their own.
    assert collections(lambda: ta.validate_json(json.dumps(data))) <= 33
    assert gc.isenabled()


@pytest.mark.parametrize("mode", ["python", "json"])
def test_collector_restored_after_a_failed_list(mode: str) -> None:
    class Bad(ours.BaseModel):
        n: int

    class BadP(pydantic.BaseModel):
        n: int

    data = [{"n": i if i % 10 else "x"} for i in range(60)]

    def errors(ta: Any, lib: Any) -> Any:
        with pytest.raises(lib.ValidationError) as info:
            ta.validate_python(data) if mode == "python" else ta.validate_json(json.dumps(data))
        return info.value.errors(include_url=False)

    got = errors(ours.TypeAdapter(list[Bad]), ours)
    assert got == errors(pydantic.TypeAdapter(list[BadP]), pydantic)
    assert len(got) == 6
    assert gc.isenabled()


def test_the_environment_switch_turns_the_pause_off() -> None:
    script = (
        "import gc, ouroboros.validation as ov\n"
        "class P(ov.BaseModel):\n    n: int\n"
        "ta = ov.TypeAdapter(list[P])\n"
        "data = [{'n': i} for i in range(1000)]\n"
        "starts = []\n"
        "gc.set_threshold(100, 10, 10)\n"
        "gc.callbacks.append(lambda phase, info: starts.append(phase) if phase == 'start' else None)\n"
        "gc.collect(); starts.clear()\n"
        "ta.validate_python(data)\n"
        "print(len(starts))\n"
    )

    def passes(switch: str | None) -> int:
        env = {k: v for k, v in os.environ.items() if k != "OUROBOROS_VALIDATION_GC_PAUSE"}
        if switch is not None:
            env["OUROBOROS_VALIDATION_GC_PAUSE"] = switch
        out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
        return int(out.stdout)

    assert passes(None) <= 1
    assert passes("1") <= 1
    assert passes("0") > 5
