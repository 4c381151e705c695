"""Generic models run the same code under Pydantic and ouroboros.validation: recursive
parametrizations terminate, fields are bound, the parametrization cache is Pydantic's."""

from __future__ import annotations

import enum
import sys
import types
from typing import Any, Generic, NamedTuple, Optional, TypeVar, Union

import pydantic
import pytest
import typing_extensions
from typing_extensions import Self, TypedDict

import ouroboros.validation as ov
from ouroboros.validation._internal import _generics

LIBS = pytest.mark.parametrize("lib", [pydantic, ov], ids=["pydantic", "ouroboros"])
# Module level: the string annotations of the dataclasses below name it.
BoxT = TypeVar("BoxT")


def _errors(fn: Any) -> list[dict[str, Any]]:
    with pytest.raises((pydantic.ValidationError, ov.ValidationError)) as info:
        fn()
    return [{k: e[k] for k in ("type", "loc", "msg", "input")} for e in info.value.errors(include_url=False)]


def _module(source: str, name: str) -> types.ModuleType:
    """``source`` run as module ``name`` (forward references resolve in its globals)."""
    module = types.ModuleType(name)
    sys.modules[name] = module
    exec(compile(source, f"<{name}>", "exec"), module.__dict__)
    return module


RECURSIVE = """
from typing import Generic, TypeVar, Union
from {lib} import BaseModel

T = TypeVar("T")
S = TypeVar("S")


class Model1(BaseModel, Generic[T]):
    ref: "Model2[T]"


class Model2(BaseModel, Generic[S]):
    ref: Union[S, Model1[S]]


Model1.model_rebuild()
"""


def _outcome(lib: Any) -> Any:
    module = _module(RECURSIVE.format(lib=lib.__name__), f"generic_recursive_{lib.__name__.replace('.', '_')}")
    model = module.Model1[str]
    ok = model.model_validate({"ref": {"ref": {"ref": {"ref": "x"}}}})
    return ok.model_dump(), _errors(lambda: model.model_validate({"ref": {"ref": {"ref": {"ref": 123}}}}))


def test_mutually_recursive_generic_models_terminate_with_pydantics_errors():
    # Model1[str] names Model2[str], which names Model1[str] again: one class each, no endless build.
    assert _outcome(ov) == _outcome(pydantic)


@LIBS
def test_fields_are_bound_through_generic_parents(lib: Any):
    T = TypeVar("T")
    U = TypeVar("U")

    class Outer(lib.BaseModel, Generic[T]):
        data: list[T]

    class Inner(Outer[T], Generic[U, T]):
        extra: U

    concrete = Inner[int, float]
    assert concrete.model_fields["data"].annotation == list[float]
    assert concrete.model_fields["extra"].annotation is int
    assert concrete(data=["1"], extra="2").model_dump() == {"data": [1.0], "extra": 2}

    class A(lib.BaseModel, Generic[T]):
        a: T
        x: str = "a"

    class B(A[int], Generic[T]):
        b: Optional[T] = None

    class C(B[str], Generic[T]):
        c: T

    # C's own T is open (Any); A's T is int and B's is str.
    assert C(a=1, c=...).model_dump() == {"a": 1, "x": "a", "b": None, "c": ...}
    assert _errors(lambda: C(a="x", b=1, c=0)) == [
        {
            "type": "int_parsing",
            "loc": ("a",),
            "msg": "Input should be a valid integer, unable to parse string as an integer",
            "input": "x",
        },
        {"type": "string_type", "loc": ("b",), "msg": "Input should be a valid string", "input": 1},
    ]


@LIBS
def test_another_parametrization_is_validated_again(lib: Any):
    T = TypeVar("T")

    class Inner(lib.BaseModel, Generic[T]):
        a: T

    class Outer(lib.BaseModel, Generic[T]):
        i: Inner[T]

    assert Outer[int](i=Inner[Any](a=7)).i.a == 7
    assert type(Outer[int](i=Inner[Any](a=7)).i) is Inner[int]
    assert _errors(lambda: Outer[int](i=Inner[str](a="ate"))) == [
        {
            "type": "int_parsing",
            "loc": ("i", "a"),
            "msg": "Input should be a valid integer, unable to parse string as an integer",
            "input": "ate",
        }
    ]
    # Parametrizations of one origin compare by value.
    assert Inner[int](a=1) == Inner(a=1)


@LIBS
def test_parametrization_cache_and_typevar_fallbacks(lib: Any, monkeypatch: pytest.MonkeyPatch):
    cache_module = sys.modules[f"{lib.__name__}._internal._generics"]
    cache = cache_module.GenericTypesCache()
    monkeypatch.setattr(cache_module, "_GENERIC_TYPES_CACHE", cache)
    T = TypeVar("T")

    class Model(lib.BaseModel, Generic[T]):
        x: T

    keep = [Model[int]]
    # Quick keys with and without the tuple, and the key by origin and arguments.
    assert len(cache) == 3
    keep.append(Model[int])
    assert len(cache) == 3
    assert keep[0] is keep[1]

    class Details(lib.BaseModel):
        bar: str

    class MoreDetails(Details):
        foo: str

    D = typing_extensions.TypeVar("D", bound=Details, default=MoreDetails)

    class Error(lib.BaseModel, Generic[D]):
        details: D

    # Unparametrized, the TypeVar stands for its default.
    with pytest.raises((pydantic.ValidationError, ov.ValidationError)):
        Error(details=Details(bar="b"))

    class Color(enum.Enum):
        RED = 1

    E = TypeVar("E", bound=enum.Enum)

    class WithEnum(lib.BaseModel, Generic[E]):
        x: E

    assert WithEnum(x=Color.RED).x is Color.RED
    assert _errors(lambda: WithEnum(x=1)) == [
        {"type": "is_instance_of", "loc": ("x",), "msg": "Input should be an instance of Enum", "input": 1}
    ]


@LIBS
def test_generic_class_checks(lib: Any):
    T = TypeVar("T")
    S = TypeVar("S")

    class A(lib.BaseModel, Generic[T]):
        a: T

    class B(A[T]):
        b: T

    assert B[int](a="1", b="2").model_dump() == {"a": 1, "b": 2}
    with pytest.raises(TypeError, match=r"All parameters must be present on typing\.Generic"):

        class C(A[T], Generic[S]): ...

    with pytest.warns(lib.warnings.GenericBeforeBaseModelWarning):

        class D(Generic[T], lib.BaseModel):
            x: T

    with pytest.raises(lib.PydanticUserError, match="A non-annotated attribute was detected: `other = True`"):

        class E(lib.BaseModel, Generic[T]):
            data: T
            other = True


def test_recursive_reference_stands_for_the_parametrization_being_made():
    T = TypeVar("T")

    class Node(ov.BaseModel, Generic[T]):
        value: T
        children: list[Node[T]] = []

    with _generics.generic_recursion_self_type(Node, (int,)) as outer:
        assert outer is None
        with _generics.generic_recursion_self_type(Node, (int,)) as inner:
            assert isinstance(inner, _generics.PydanticRecursiveRef)
            assert Union[inner, None] is not None  # usable in a Union
    tree = Node[int](value="1", children=[{"value": 2}])
    assert type(tree.children[0]) is Node[int]
    assert tree.children[0].value == 2


@LIBS
@pytest.mark.parametrize("kind", ["pydantic", "stdlib"])
def test_parametrized_generic_dataclass(lib: Any, kind: str):
    import dataclasses

    decorator = lib.dataclasses.dataclass if kind == "pydantic" else dataclasses.dataclass

    @decorator
    class Box(Generic[BoxT]):
        x: BoxT

    adapter = lib.TypeAdapter(Box[int])
    assert adapter.validate_python({"x": "1"}).x == 1
    assert _errors(lambda: adapter.validate_python({"x": "a"})) == [
        {
            "type": "int_parsing",
            "loc": ("x",),
            "msg": "Input should be a valid integer, unable to parse string as an integer",
            "input": "a",
        }
    ]
    assert lib.TypeAdapter(Box[str]).validate_python({"x": "a"}).x == "a"


@LIBS
def test_generic_named_tuple_and_self_in_typed_dict_and_named_tuple(lib: Any):
    class Flagged(NamedTuple, Generic[BoxT]):
        value: BoxT
        flag: bool

    class Model(lib.BaseModel):
        f: Flagged[float]

    assert Model(f=(1, True)).model_dump() == {"f": (1.0, True)}
    with pytest.raises((pydantic.ValidationError, ov.ValidationError)):
        Model(f=("abc", True))

    class Tree(TypedDict):
        x: int
        ref: Optional[Self]

    assert lib.TypeAdapter(Tree).validate_python({"x": "1", "ref": {"x": 2, "ref": None}}) == {
        "x": 1,
        "ref": {"x": 2, "ref": None},
    }

    class Chain(NamedTuple):
        x: int
        ref: Optional[Self]

    assert lib.TypeAdapter(Chain).validate_python({"x": 1, "ref": {"x": "2", "ref": None}}) == (1, (2, None))


@LIBS
def test_parametrized_user_class_needs_arbitrary_types(lib: Any):
    from collections.abc import Sequence

    T = TypeVar("T")

    class CustomSequence(Sequence[T]):
        pass

    with pytest.raises(lib.errors.PydanticSchemaGenerationError, match="arbitrary_types_allowed=True"):

        class Model(lib.BaseModel, Generic[T]):
            x: CustomSequence[T]

    class Allowed(lib.BaseModel, Generic[T]):
        model_config = lib.ConfigDict(arbitrary_types_allowed=True)
        x: CustomSequence[T]

    assert _errors(lambda: Allowed[int](x=[1])) == [
        {
            "type": "is_instance_of",
            "loc": ("x",),
            "msg": f"Input should be an instance of {CustomSequence.__qualname__}",
            "input": [1],
        }
    ]


@LIBS
def test_after_model_validator_error_names_the_input(lib: Any):
    class Response(lib.BaseModel):
        data: dict[int, int]

        @lib.model_validator(mode="after")
        def small_sum(self) -> Any:
            if sum(self.data.values()) > 5:
                raise ValueError("sum too large")
            return self

    for call in (
        lambda: Response(data={1: 3, 2: 6}),
        lambda: Response.model_validate({"data": {1: 3, 2: 6}}),
    ):
        errors = _errors(call)
        assert errors == [
            {"type": "value_error", "loc": (), "msg": "Value error, sum too large", "input": {"data": {1: 3, 2: 6}}}
        ]


@LIBS
def test_unhashable_annotated_metadata_inside_a_generic_alias(lib: Any):
    from typing import Annotated

    class Meta:
        __hash__ = None  # type: ignore[assignment]

    assert lib.TypeAdapter(list[Annotated[int, Meta()]]).validate_python(["1"]) == [1]


@LIBS
def test_after_model_validator_returning_another_value_warns_in_init(lib: Any):
    class Child(lib.BaseModel):
        name: str

        @lib.model_validator(mode="after")
        def other(self) -> Any:
            return Child.model_construct(name="different")

    with pytest.warns(UserWarning, match="A custom validator is returning a value other than `self`"):
        child = Child(name="name")
    # The instance being initialised is kept.
    assert child.name == "name"


@LIBS
def test_assignment_runs_before_model_validators(lib: Any):
    class Model(lib.BaseModel):
        model_config = lib.ConfigDict(validate_assignment=True)
        current: float
        most: float

        @lib.model_validator(mode="before")
        @classmethod
        def no_strings(cls, values: Any) -> Any:
            if isinstance(values, dict) and any(isinstance(x, str) for x in values.values()):
                raise ValueError("values cannot be a string")
            return values

    m = Model(current=100, most=200)
    m.current = 150
    assert m.current == 150.0
    errors = _errors(lambda: setattr(m, "current", "100"))
    assert errors == [
        {
            "type": "value_error",
            "loc": (),
            "msg": "Value error, values cannot be a string",
            "input": {"current": "100", "most": 200.0},
        }
    ]
