"""A model's field loop records its fields' own failures (int, str, float, bool) in place, and
emptied error lists are reused between validations: the errors, their order, locations,
inputs and context stay Pydantic's, and an exception kept alive is not changed by later ones."""

import math
from typing import Annotated, Any

import pydantic
import pytest

import ouroboros.validation as ours


def errors_of(lib: Any, call: Any) -> list[tuple[Any, ...]]:
    with pytest.raises(lib.ValidationError) as info:
        call()
    return [(e["type"], e["loc"], e["msg"], e["input"], e.get("ctx")) for e in info.value.errors(include_url=False)]


def leaves(lib: Any, **config: Any) -> Any:
    class Leaves(lib.BaseModel):
        model_config = lib.ConfigDict(**config)

        i: int
        bounded: Annotated[int, lib.Field(ge=0, le=10, multiple_of=2)]
        big: Annotated[int, lib.Field(gt=10**15)]
        s: Annotated[str, lib.Field(min_length=2, max_length=4, pattern=r"^[a-z]+$")]
        f: Annotated[float, lib.Field(gt=0.5, allow_inf_nan=False)]
        b: bool
        plain: str = "x"

    return Leaves


BAD_LEAVES = [
    {"i": "x", "bounded": -1, "big": 5, "s": "", "f": "nope", "b": "maybe"},
    {"i": 1.5, "bounded": 3, "big": 10**15, "s": "abcdef", "f": 0.1, "b": 2},
    {"i": [1], "bounded": 12, "big": "x", "s": "AB", "f": math.inf, "b": None, "plain": 3},
    {"i": b"12x", "bounded": True, "big": 10**40, "s": b"\xff", "f": b"x", "b": b"yes", "plain": b"\xff"},
    {"i": "1_000", "bounded": 4.5, "big": 2.5, "s": 5, "f": "1e400", "b": "maybe"},
    {"bounded": "8", "big": str(10**31), "s": "ok", "f": 1, "b": "off"},
    {},
]


@pytest.mark.parametrize("bad", BAD_LEAVES)
@pytest.mark.parametrize("strict", [False, True])
def test_leaf_failures_of_a_dict_as_pydantic(bad: dict[str, Any], strict: bool) -> None:
    mo, mp = leaves(ours, strict=strict), leaves(pydantic, strict=strict)
    assert errors_of(ours, lambda: mo.model_validate(bad)) == errors_of(pydantic, lambda: mp.model_validate(bad))


@pytest.mark.parametrize("bad", BAD_LEAVES[:5])
def test_leaf_failures_from_attributes_as_pydantic(bad: dict[str, Any]) -> None:
    mo, mp = leaves(ours, from_attributes=True), leaves(pydantic, from_attributes=True)

    class Obj:
        pass

    obj = Obj()
    obj.__dict__.update(bad)
    assert errors_of(ours, lambda: mo.model_validate(obj)) == errors_of(pydantic, lambda: mp.model_validate(obj))


def test_the_failing_value_itself_is_the_errors_input() -> None:
    class Big(int):
        pass

    mo = leaves(ours)
    text, big = "way too long", Big(3)
    with pytest.raises(ours.ValidationError) as info:
        mo.model_validate({"i": 1, "bounded": big, "big": 10**31, "s": text, "f": 1.0, "b": True})
    inputs = {e["loc"]: e["input"] for e in info.value.errors()}
    assert inputs[("s",)] is text
    assert inputs[("bounded",)] is big


def nested(lib: Any) -> Any:
    class Leaf(lib.BaseModel):
        n: Annotated[int, lib.Field(lt=5)]
        t: Annotated[str, lib.Field(pattern=r"^\d+$")]

    class Outer(lib.BaseModel):
        a: int
        leaf: Leaf
        leaves: list[Leaf]
        by_key: dict[str, Leaf]
        maybe: Leaf | None = None

    return Outer


def test_nested_leaf_failures_keep_their_order_and_locations() -> None:
    mo, mp = nested(ours), nested(pydantic)
    bad = {
        "a": "x",
        "leaf": {"n": 9, "t": "x"},
        "leaves": [{"n": 1, "t": "1"}, {"n": "y", "t": 2}, {"t": "z"}],
        "by_key": {"k": {"n": 7, "t": "q"}},
        "maybe": {"n": 10, "t": "1"},
    }
    got = errors_of(ours, lambda: mo.model_validate(bad))
    assert got == errors_of(pydantic, lambda: mp.model_validate(bad))
    assert len(got) == 10


def test_a_kept_exception_is_unchanged_by_later_failures() -> None:
    """Emptied lists are reused: the lines of an exception still alive must not be."""
    mo, mp = leaves(ours), leaves(pydantic)
    kept = []
    for bad in BAD_LEAVES * 3:
        with pytest.raises(ours.ValidationError) as info:
            mo.model_validate(bad)
        kept.append((bad, info.value))
    for bad, exc in kept:
        with pytest.raises(pydantic.ValidationError) as peer:
            mp.model_validate(bad)
        assert exc.errors(include_url=False) == peer.value.errors(include_url=False)
        assert exc.error_count() == peer.value.error_count()


def test_alternating_failures_and_successes_many_times() -> None:
    mo = nested(ours)
    good = {"a": 1, "leaf": {"n": 1, "t": "1"}, "leaves": [], "by_key": {}}
    bad = {"a": "x", "leaf": {"n": 9, "t": "x"}, "leaves": [{"n": "y", "t": 2}], "by_key": {}}
    expected = errors_of(ours, lambda: mo.model_validate(bad))
    for _ in range(300):
        assert mo.model_validate(good).a == 1
        assert errors_of(ours, lambda: mo.model_validate(bad)) == expected


def test_leaf_failures_inside_validators_and_omit_still_work() -> None:
    def build(lib: Any) -> Any:
        def check(v: Any) -> Any:
            if v == 13:
                raise ValueError("unlucky")
            return v

        class M(lib.BaseModel):
            x: Annotated[int, lib.AfterValidator(check)]
            y: Annotated[str, lib.Field(min_length=2)]
            z: int

            @lib.field_validator("z", mode="before")
            @classmethod
            def z_before(cls, v: Any) -> Any:
                return v

        return M

    mo, mp = build(ours), build(pydantic)
    for bad in ({"x": 13, "y": " a ", "z": "q"}, {"x": "x", "y": 5, "z": 1.5}):
        got = errors_of(ours, lambda bad=bad: mo.model_validate(bad))
        peer = errors_of(pydantic, lambda bad=bad: mp.model_validate(bad))
        # The ValueError in `ctx` is the one raised, a new object per library.
        assert [e[:4] for e in got] == [e[:4] for e in peer]
        assert [str(e[4]) for e in got] == [str(e[4]) for e in peer]
