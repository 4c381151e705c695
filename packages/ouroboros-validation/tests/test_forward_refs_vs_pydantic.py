"""Forward references completed the way Pydantic completes them, the same code run under both."""

from typing import Any, Generic, Optional, TypeVar

import pydantic
import pytest

import ouroboros.validation as ov

LIBS = pytest.mark.parametrize("lib", [pydantic, ov], ids=["pydantic", "ouroboros"])


@LIBS
def test_nested_model_completed_from_the_referencing_models_namespace(lib: Any):
    def declare() -> tuple[Any, Any]:
        class Foo(lib.BaseModel):
            a: "Optional[Bar]" = None

        class Bar(lib.BaseModel):
            b: Foo

        return Foo, Bar

    # Once `declare` returns, "Bar" names nothing: Bar completed Foo while it was built.
    _, bar = declare()
    assert bar.__pydantic_complete__ is True
    assert bar(b={"a": None}).b.a is None


@LIBS
def test_parametrized_model_completed_by_a_later_model(lib: Any):
    T = TypeVar("T")

    class Model(lib.BaseModel, Generic[T]):
        x: "Later[T]"

    model_int = Model[int]

    class Later(lib.BaseModel, Generic[T]):
        y: T

    class Main(lib.BaseModel):
        m: model_int

    # Model[int]'s own binding of T applies, not Main's (which has none).
    with pytest.raises((pydantic.ValidationError, ov.ValidationError)):
        Main(m={"x": {"y": "not_an_int"}})
    assert Main(m={"x": {"y": "3"}}).m.x.y == 3


@LIBS
def test_nested_forward_refs_are_evaluated_in_model_fields(lib: Any):
    T = TypeVar("T")

    class Model(lib.BaseModel, Generic[T]):
        f: T = lib.Field(json_schema_extra={"extra": "value"})

    m = Model[list["Undefined"]]  # noqa: F821 - defined by the rebuild below
    assert not m.__pydantic_fields_complete__
    m.model_rebuild(_types_namespace={"Undefined": int})
    assert m.__pydantic_fields_complete__
    assert m.model_fields["f"].annotation == list[int]
    assert m(f=["1"]).f == [1]


@LIBS
def test_deferred_model_completed_from_the_validating_callers_names(lib: Any):
    from typing_extensions import TypedDict

    T = TypeVar("T")

    class Holder(lib.BaseModel, Generic[T]):
        rec: "Rec[T]"

    int_holder = Holder[int]

    class Rec(TypedDict, Generic[T]):
        ls: list[T]

    # Rec is defined only now, here: the first validation completes Holder[int] with it.
    assert int_holder(rec={"ls": ["1"]}).rec == {"ls": [1]}


@LIBS
def test_dumping_does_not_complete_a_model_from_the_callers_names(lib: Any):
    class Model(lib.BaseModel):
        x: "Undefined"  # noqa: F821 - never defined where Model can see it

    def serialize(m: Any) -> Any:
        Undefined = int  # noqa: F841 - a name Model must not pick up
        return lib.TypeAdapter(Any).dump_python(m)

    with pytest.raises(lib.PydanticUserError, match="`Model` is not fully defined; you should define `Undefined`"):
        serialize(Model.model_construct(x=1))


@LIBS
def test_root_model_subclass_must_parametrize_root_model(lib: Any):
    T = TypeVar("T")
    with pytest.raises(TypeError, match="You should parametrize RootModel directly"):

        class MyRoot(lib.RootModel, Generic[T]):
            root: T
