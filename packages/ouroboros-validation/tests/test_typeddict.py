"""TypedDicts validated by ouroboros-schema (a ``typed_dict`` description compiled in Rust)."""

from __future__ import annotations

import warnings
from typing import Annotated, Any, Generic, TypeVar

import pytest
from typing_extensions import NotRequired, ReadOnly, Required, TypedDict

from ouroboros.validation import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
    with_config,
)
from ouroboros.validation.core import core_schema
from ouroboros.validation.core._translate import to_description
from ouroboros.validation.warnings import TypedDictExtraConfigWarning

T = TypeVar("T")


def _errors(exc: pytest.ExceptionInfo[ValidationError]) -> list[tuple[str, tuple[Any, ...]]]:
    return [(e["type"], e["loc"]) for e in exc.value.errors()]


def test_schema_is_the_engines_typed_dict() -> None:
    class Point(TypedDict):
        x: int

    schema = TypeAdapter(Point)._schema
    assert schema["type"] == "typed_dict"
    assert schema["description"]["fields"][0]["name"] == "x"


def test_total_required_not_required_and_nested_locations() -> None:
    class Inner(TypedDict, total=False):
        a: Required[int]
        b: int
        c: Required[int]

    class Model(BaseModel):
        inner: Inner

    assert Model(inner={"a": "1", "c": 2}).inner == {"a": 1, "c": 2}
    with pytest.raises(ValidationError) as exc:
        Model(inner={"b": "x"})
    assert sorted(_errors(exc)) == [
        ("int_parsing", ("inner", "b")),
        ("missing", ("inner", "a")),
        ("missing", ("inner", "c")),
    ]
    with pytest.raises(ValidationError) as exc:
        Model(inner=[1])
    assert _errors(exc) == [("dict_type", ("inner",))]


def test_json_input_and_alias_and_default() -> None:
    class TD(TypedDict):
        a: Annotated[int, Field(alias="A")]
        b: NotRequired[Annotated[int, Field(default=42)]]

    ta = TypeAdapter(TD)
    assert ta.validate_json('{"A": "3"}') == {"a": 3, "b": 42}
    with pytest.raises(ValidationError) as exc:
        ta.validate_json('{"a": 3}')
    assert _errors(exc) == [("missing", ("A",))]


def test_config_from_with_config_and_bases() -> None:
    @with_config(ConfigDict(str_to_lower=True, extra="forbid"))
    class Base(TypedDict):
        x: str

    class Child(Base):
        y: str

    ta = TypeAdapter(Child)
    assert ta.validate_python({"x": "ABC", "y": "DeF"}) == {"x": "abc", "y": "def"}
    with pytest.raises(ValidationError) as exc:
        ta.validate_python({"x": "a", "y": "b", "z": 1})
    assert _errors(exc) == [("extra_forbidden", ("z",))]


def test_closed_and_extra_items() -> None:
    class Closed(TypedDict, closed=True):
        f: int

    class Child(Closed):
        pass

    with pytest.raises(ValidationError) as exc:
        TypeAdapter(Child).validate_python({"f": 1, "g": 2})
    assert _errors(exc) == [("extra_forbidden", ("g",))]

    class Items(TypedDict, extra_items=int):
        f: int

    ta = TypeAdapter(Items)
    assert ta.validate_python({"f": 1, "g": "2"}) == {"f": 1, "g": 2}
    with pytest.raises(ValidationError) as exc:
        ta.validate_python({"f": 1, "g": "x"})
    assert _errors(exc) == [("int_parsing", ("g",))]
    assert ta.json_schema()["additionalProperties"] == {"type": "integer"}


def test_extra_allow_keeps_other_keys_but_not_a_fields_name() -> None:
    @with_config(ConfigDict(extra="allow"))
    class TD(TypedDict):
        a: Annotated[int, Field(alias="b")]

    assert TypeAdapter(TD).validate_python({"b": 1, "a": "not an int", "c": 2}) == {"a": 1, "c": 2}


def test_validators_in_the_class_body() -> None:
    class TD(TypedDict):
        a: int
        b: int

        @field_validator("a")
        @classmethod
        def double(cls, v: int) -> int:
            return v * 2

        @model_validator(mode="after")
        def total(self) -> Any:
            if self["a"] > self["b"]:
                raise ValueError("a over b")
            return self

    ta = TypeAdapter(TD)
    assert ta.validate_python({"a": 1, "b": 5}) == {"a": 2, "b": 5}
    with pytest.raises(ValidationError) as exc:
        ta.validate_python({"a": 3, "b": 5})
    assert _errors(exc) == [("value_error", ())]


def test_generic_typed_dict_in_generic_model() -> None:
    class Box(TypedDict, Generic[T]):
        x: T

    class Model(BaseModel, Generic[T]):
        y: Box[T]

    assert Model[int](y={"x": "1"}).y == {"x": 1}
    with pytest.raises(ValidationError) as exc:
        Model[int](y={"x": "a"})
    assert _errors(exc) == [("int_parsing", ("y", "x"))]


def test_recursive_typed_dict() -> None:
    class Node(TypedDict):
        value: int
        children: list[Node]

    ta = TypeAdapter(Node)
    data = {"value": 1, "children": [{"value": 2, "children": []}]}
    assert ta.validate_python(data) == data
    with pytest.raises(ValidationError) as exc:
        ta.validate_python({"value": 1, "children": [{"value": "x", "children": []}]})
    assert _errors(exc) == [("int_parsing", ("children", 0, "value"))]


def test_readonly_and_extra_config_warnings() -> None:
    class RO(TypedDict):
        a: ReadOnly[int]

    with pytest.warns(UserWarning, match="Item 'a' on TypedDict class 'RO' is using the `ReadOnly` qualifier"):
        TypeAdapter(RO)

    @with_config(extra="allow")
    class TD(TypedDict, closed=True):
        f: int

    with pytest.warns(TypedDictExtraConfigWarning):
        ta = TypeAdapter(TD)
    with pytest.raises(ValidationError):
        ta.validate_python({"f": 1, "g": 1})


def test_core_schema_typed_dict() -> None:
    schema = core_schema.typed_dict_schema(
        {
            "a": core_schema.typed_dict_field(core_schema.int_schema()),
            "b": core_schema.typed_dict_field(core_schema.str_schema(), required=False),
        },
        extras_schema=core_schema.int_schema(),
        config={"extra_fields_behavior": "allow"},
    )
    from ouroboros.validation._validation import SchemaValidator

    validator = SchemaValidator({**to_description(schema), "title": "td"})
    assert validator.validate_python({"a": "1", "z": "2"}) == {"a": 1, "z": 2}
    with pytest.raises(ValidationError) as exc:
        validator.validate_python({"z": "x"})
    assert sorted(_errors(exc)) == [("missing", ("a",))]


def test_no_warning_for_plain_typed_dicts() -> None:
    class TD(TypedDict):
        a: int

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert TypeAdapter(TD).validate_python({"a": 1}) == {"a": 1}
