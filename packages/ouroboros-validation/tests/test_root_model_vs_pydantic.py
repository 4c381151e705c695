"""RootModel behaves as Pydantic's, the same code run under both: the value itself is the
model's input (before validators, assignment, no argument), copies, equality, config errors,
forward references across subclasses, nested discriminated root models."""

from __future__ import annotations

import copy
from typing import Annotated, Any, Literal

import pydantic
import pytest

import ouroboros.validation as ov

LIBS = pytest.mark.parametrize("lib", [pydantic, ov], ids=["pydantic", "ouroboros"])


def _errors(fn: Any) -> list[dict[str, Any]]:
    with pytest.raises((pydantic.ValidationError, ov.ValidationError)) as info:
        fn()
    return [{k: e[k] for k in ("type", "loc", "msg")} for e in info.value.errors(include_url=False)]


@LIBS
def test_before_validator_sees_the_value_itself(lib: Any) -> None:
    seen: list[Any] = []

    class Words(lib.RootModel[int]):
        model_config = lib.ConfigDict(validate_assignment=True)

        @lib.model_validator(mode="before")
        @classmethod
        def words(cls, v: Any) -> Any:
            seen.append(v)
            return {"one": 1, "two": 2}.get(v, v)

    assert Words("one").root == 1
    assert Words.model_validate("two").root == 2
    assert Words.model_validate_json('"one"').root == 1
    m = Words(3)
    m.root = "two"
    assert m.root == 2
    assert seen == ["one", "two", "one", 3, "two"]
    assert _errors(lambda: Words("three")) == [
        {
            "type": "int_parsing",
            "loc": (),
            "msg": "Input should be a valid integer, unable to parse string as an integer",
        }
    ]


@LIBS
def test_assignment_errors_are_located_inside_the_value(lib: Any) -> None:
    class Numbers(lib.RootModel[list[int]]):
        model_config = lib.ConfigDict(validate_assignment=True)

    m = Numbers([1])
    with pytest.raises((pydantic.ValidationError, ov.ValidationError)) as info:
        m.root = [1, "x"]
    assert [(e["type"], e["loc"]) for e in info.value.errors()] == [("int_parsing", (1,))]
    m.root = ["2"]
    assert m.root == [2]
    assert m.model_fields_set == {"root"}


@LIBS
def test_no_argument_takes_the_default_or_fails_on_the_value(lib: Any) -> None:
    class WithDefault(lib.RootModel[int]):
        root: int = 42

    m = WithDefault()
    assert (m.root, m.model_fields_set) == (42, set())
    assert _errors(lambda: lib.RootModel[list[int]]()) == [
        {"type": "list_type", "loc": (), "msg": "Input should be a valid list"}
    ]


@LIBS
def test_copies(lib: Any) -> None:
    class Numbers(lib.RootModel[list[int]]):
        pass

    original = Numbers([1, 2])
    for copied in (original.model_copy(), copy.copy(original)):
        assert copied is not original and copied.root is not original.root
        copied.root.append(3)
        assert original.root == [1, 2]

    class Nodes(lib.RootModel[list[Any]]):
        pass

    nodes = Nodes([])
    nodes.root.append(nodes)
    for copied in (copy.deepcopy(nodes), nodes.model_copy(deep=True)):
        assert copied is not nodes
        assert copied.root[0] is copied


@LIBS
def test_equality_counts_root_type_and_private_attributes(lib: Any) -> None:
    class Model(lib.RootModel[int]):
        _note: str = lib.PrivateAttr(default="abc")

    m = Model(42)
    assert m == Model(42)
    m._note = "xyz"
    assert m != Model(42)
    assert lib.RootModel[int](42) != lib.RootModel[float](42)
    assert lib.RootModel[int](42) == lib.RootModel[int].model_construct(42)


@LIBS
@pytest.mark.parametrize("extra", ["ignore", "allow", "forbid"])
def test_extra_config_is_refused(lib: Any, extra: str) -> None:
    with pytest.raises(lib.PydanticUserError, match="extra") as info:

        class Model(lib.RootModel[int]):
            model_config = lib.ConfigDict(extra=extra)

    assert info.value.code == "root-model-extra"


@LIBS
def test_subclass_waiting_for_a_name_validates_as_itself(lib: Any) -> None:
    class A(lib.RootModel[list["B"]]):
        pass

    class B(lib.RootModel[dict[str, A | None]]):
        pass

    made = A.model_validate([{"k": None}])
    assert type(made) is A
    assert type(made.root[0]) is B
    assert repr(made) == "A(root=[B(root={'k': None})])"


@LIBS
def test_nested_root_models_reading_the_same_dict(lib: Any) -> None:
    class A(lib.BaseModel):
        type: Literal["a"]
        a: str

    class B(lib.BaseModel):
        type: Literal["b"]
        b: str

    class D(lib.RootModel[Annotated[A | B, lib.Field(discriminator="type")]]):
        pass

    items = lib.RootModel[list[D]].model_validate([{"type": "a", "a": "x"}, {"type": "b", "b": "y"}])
    assert items.model_dump() == [{"type": "a", "a": "x"}, {"type": "b", "b": "y"}]

    class Inner(lib.BaseModel):
        x: int

    class Wrapped(lib.RootModel[Inner]):
        pass

    class Outer(lib.BaseModel):
        inner: Wrapped

    assert Outer.model_validate({"inner": {"x": "1"}}).inner.root.x == 1


@LIBS
def test_core_schema_names_root_models_and_custom_init(lib: Any) -> None:
    class Root(lib.RootModel[int]):
        pass

    class Plain(lib.BaseModel):
        x: int = 0

    class Custom(lib.BaseModel):
        x: int = 0

        def __init__(self, **data: Any) -> None:
            super().__init__(**data)

    for cls, root_model, custom_init in ((Root, True, False), (Plain, False, False), (Custom, False, True)):
        schema = cls.__pydantic_core_schema__
        assert (schema["type"], schema["root_model"], schema["custom_init"]) == ("model", root_model, custom_init)


@LIBS
def test_root_model_as_a_discriminated_union_choice(lib: Any) -> None:
    class IModel(lib.BaseModel):
        kind: Literal["IModel"]
        int_value: int

    class RModel(lib.RootModel[IModel]):
        pass

    class SModel(lib.BaseModel):
        kind: Literal["SModel"]
        str_value: str

    class Model(lib.RootModel[Annotated[SModel | RModel, lib.Field(discriminator="kind")]]):
        pass

    made = Model({"kind": "IModel", "int_value": "42"})
    assert type(made.root) is RModel
    assert made.root.root.int_value == 42
    assert type(Model({"kind": "SModel", "str_value": "abc"}).root) is SModel
    with pytest.raises((pydantic.ValidationError, ov.ValidationError)) as info:
        Model({"kind": "other"})
    assert [e["type"] for e in info.value.errors()] == ["union_tag_invalid"]
