"""Model classes made at run time are freed once unused, under Pydantic and under
ouroboros.validation alike: ``create_model`` in a loop, generic parametrizations, RootModel
parametrizations, classes defined in a function, and validation errors their input refers
to. A model class and its compiled Rust validator refer to each other, so only the
garbage collector can free them: the validator reports what it holds (``__traverse__``)."""

from __future__ import annotations

import gc
import os
import weakref
from typing import Any, Callable, Generic, TypeVar

import pydantic
import pytest

import ouroboros.validation as ov

LIBS = pytest.mark.parametrize("lib", [pydantic, ov], ids=["pydantic", "ouroboros"])
T = TypeVar("T")


def _collect() -> None:
    # Weak-value caches drop entries from callbacks run by a collection: a few rounds free
    # what those entries held.
    for _ in range(4):
        gc.collect()


def _alive(refs: list[weakref.ref[Any]]) -> int:
    return sum(1 for r in refs if r() is not None)


def _rss_kib() -> int:
    """Resident set size of this process (``/proc/self/statm``, second field, in pages)."""
    with open("/proc/self/statm", encoding="ascii") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") // 1024


def _make_models(lib: Any, n: int, refs: list[weakref.ref[Any]]) -> None:
    """``n`` models by ``create_model``, each used once, kept only weakly."""
    for i in range(n):
        model = lib.create_model(f"Made{i}", a=(int, 1), b=(list[str], []), c=(dict[str, float] | None, None))
        instance = model(a=i, b=["x"])
        assert model.model_validate({"a": "2"}).a == 2
        assert instance.model_dump() == {"a": i, "b": ["x"], "c": None}
        refs.append(weakref.ref(model))


@LIBS
def test_create_model_in_a_loop_is_freed(lib: Any) -> None:
    refs: list[weakref.ref[Any]] = []
    _make_models(lib, 2000, refs)
    _collect()
    assert len(refs) == 2000
    assert _alive(refs) == 0


@LIBS
def test_generic_parametrizations_are_freed(lib: Any) -> None:
    class Box(lib.BaseModel, Generic[T]):
        item: T
        items: list[T] = []

    refs: list[weakref.ref[Any]] = []

    def run() -> None:
        for i in range(500):
            arg = lib.create_model(f"Arg{i}", a=(int, 1))
            parametrized = Box[arg]
            assert parametrized(item={"a": i}).item.a == i
            refs.extend((weakref.ref(parametrized), weakref.ref(arg)))

    run()
    _collect()
    assert _alive(refs) == 0
    # The origin stays usable, and a parametrization made again is a new, working class.
    assert Box[int](item="3").item == 3


@LIBS
def test_root_model_parametrizations_are_freed(lib: Any) -> None:
    refs: list[weakref.ref[Any]] = []

    def run() -> None:
        for i in range(300):
            item = lib.create_model(f"Item{i}", a=(int, 1))
            root = lib.RootModel[list[item]]
            assert root([{"a": i}]).model_dump() == [{"a": i}]
            refs.extend((weakref.ref(root), weakref.ref(item)))

    run()
    _collect()
    assert _alive(refs) == 0


@LIBS
def test_classes_defined_in_a_function_are_freed(lib: Any) -> None:
    refs: list[weakref.ref[Any]] = []

    def define(i: int) -> type:
        class Inner(lib.BaseModel):
            x: int

        class Outer(lib.BaseModel):
            inner: Inner
            others: list[Inner] = []
            tag: str = "t"

            @lib.field_validator("tag")
            @classmethod
            def upper(cls, v: str) -> str:
                return v.upper()

            @lib.model_validator(mode="after")
            def check(self) -> Outer:
                return self

        made = Outer(inner={"x": i}, tag="a")
        assert made.tag == "A"
        refs.extend((weakref.ref(Inner), weakref.ref(Outer), weakref.ref(made)))
        return Outer

    for i in range(300):
        define(i)
    _collect()
    assert _alive(refs) == 0


@LIBS
def test_dataclasses_made_at_run_time_are_freed(lib: Any) -> None:
    """Pydantic dataclasses (generic ones parametrized too) and standard library dataclasses
    validated through a TypeAdapter, made in a loop, are freed with their mirror models."""
    import dataclasses
    import typing

    refs: list[weakref.ref[Any]] = []

    def define(i: int) -> None:
        @lib.dataclasses.dataclass
        class Box(Generic[T]):
            item: T

        class Item(lib.BaseModel):
            n: int

        @dataclasses.dataclass
        class Plain:
            x: int

        assert lib.TypeAdapter(Box[Item]).validate_python({"item": {"n": i}}).item.n == i
        assert lib.TypeAdapter(Plain).validate_python({"x": str(i)}).x == i
        refs.extend((weakref.ref(Box), weakref.ref(Item), weakref.ref(Plain)))

    for i in range(200):
        define(i)
    # `Box[Item]` aliases sit in typing's own cache (the last 128 of them) until it is cleared.
    for clear in typing._cleanups:  # type: ignore[attr-defined]
        clear()
    _collect()
    assert len(refs) == 600
    assert _alive(refs) == 0


@LIBS
def test_validation_error_referred_to_by_its_input_is_freed(lib: Any) -> None:
    class Payload:
        """An input that fails, referred to by the error."""

        error: Any = None

    model = lib.create_model("Strict", x=(int, ...))
    refs: list[weakref.ref[Any]] = []

    def fail() -> None:
        payload = Payload()
        refs.append(weakref.ref(payload))
        try:
            model(x=payload)
        except lib.ValidationError as exc:
            # The error refers to its input, which refers back to the error: a cycle through
            # the error list kept in Rust.
            payload.error = exc
            assert exc.error_count() == 1

    for _ in range(50):
        fail()
    _collect()
    assert _alive(refs) == 0


def _rss_growth(make: Callable[[], None], rounds: int = 4) -> int:
    """RSS growth in KiB from the end of the first round (allocator pools warmed up) to the
    end of the last."""
    make()
    _collect()
    start = _rss_kib()
    for _ in range(rounds - 1):
        make()
        _collect()
    return _rss_kib() - start


def test_rss_stays_bounded_while_models_are_made_and_dropped() -> None:
    class Box(ov.BaseModel, Generic[T]):
        item: T

    def make() -> None:
        refs: list[weakref.ref[Any]] = []
        _make_models(ov, 500, refs)
        for i in range(200):
            arg = ov.create_model(f"Arg{i}", a=(int, 1))
            Box[arg](item={"a": 1})

    growth = _rss_growth(make)
    # Leaking, the 2,100 classes made after the first round held about 15 MiB.
    assert growth < 4 * 1024, f"RSS grew by {growth} KiB"


@pytest.mark.parametrize(
    ("lib", "generics"),
    [(pydantic, "pydantic._internal._generics"), (ov, "ouroboros.validation._internal._generics")],
    ids=["pydantic", "ouroboros"],
)
def test_generic_cache_entries_go_with_their_classes(lib: Any, generics: str, monkeypatch: Any) -> None:
    import importlib

    module = importlib.import_module(generics)
    cache = module.GenericTypesCache()
    monkeypatch.setattr(module, "_GENERIC_TYPES_CACHE", cache)

    def run() -> None:
        # A parametrization made inside another generic model's class body (its names, with
        # the annotations naming the parametrization, must not keep it cached for ever).
        A = TypeVar("A")
        B = TypeVar("B")

        class Inner(lib.BaseModel, Generic[A, B]):
            a: A
            b: B

        class Outer(lib.BaseModel, Generic[B]):
            c: Inner[int, B]

        assert Outer[str](c={"a": 1, "b": "x"}).c.b == "x"
        assert len(cache) > 0

    run()
    _collect()
    assert len(cache) == 0
