"""Standard library dataclasses as field types, type aliases, field-only
``Field()`` settings nested in types, and ``coerce_numbers_to_str``."""

import dataclasses
from typing import Annotated

import pytest
from typing_extensions import TypeAliasType

from ouroboros.validation import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from ouroboros.validation.warnings import UnsupportedFieldAttributeWarning


@dataclasses.dataclass
class Point:
    x: int
    y: int = 0


class Shape(BaseModel):
    origin: Point
    points: list[Point] = []


def test_stdlib_dataclass_fields_are_validated_and_dumped_as_dicts():
    s = Shape(origin={"x": "1"}, points=[Point(2, 3)])
    assert s.origin == Point(1, 0)
    assert s.model_dump() == {"origin": {"x": 1, "y": 0}, "points": [{"x": 2, "y": 3}]}
    assert s.model_dump_json() == '{"origin":{"x":1,"y":0},"points":[{"x":2,"y":3}]}'
    with pytest.raises(ValidationError) as exc:
        Shape(origin={"x": "no"})
    assert [(e["type"], e["loc"]) for e in exc.value.errors()] == [("int_parsing", ("origin", "x"))]
    with pytest.raises(ValidationError) as exc:
        Shape(origin=5)
    assert exc.value.errors()[0]["type"] == "dataclass_type"


def test_stdlib_dataclass_json_schema():
    assert TypeAdapter(Point).json_schema() == {
        "properties": {"x": {"title": "X", "type": "integer"}, "y": {"default": 0, "title": "Y", "type": "integer"}},
        "required": ["x"],
        "title": "Point",
        "type": "object",
    }


def test_type_alias_type_is_its_value():
    PositiveInt = TypeAliasType("PositiveInt", Annotated[int, Field(gt=0)])

    class M(BaseModel):
        n: PositiveInt
        ns: list[PositiveInt] = []

    assert M(n="3", ns=[1]).n == 3
    with pytest.raises(ValidationError) as exc:
        M(n=1, ns=[0])
    assert [(e["type"], e["loc"]) for e in exc.value.errors()] == [("greater_than", ("ns", 0))]


def test_field_only_settings_nested_in_a_type_warn():
    Aliased = TypeAliasType("Aliased", Annotated[int, Field(alias="other")])
    with pytest.warns(UnsupportedFieldAttributeWarning, match="'alias' attribute with value 'other'"):

        class M(BaseModel):
            f: list[Aliased]

    class Fine(BaseModel):
        f: Annotated[int, Field(alias="other")]

    assert Fine(other=1).f == 1


def test_coerce_numbers_to_str():
    class M(BaseModel):
        model_config = ConfigDict(coerce_numbers_to_str=True)
        a: str
        b: Annotated[str, Field(coerce_numbers_to_str=False)] = ""

    assert M(a=11.5).a == "11.5"
    with pytest.raises(ValidationError):
        M(a=1, b=2)

    class F(BaseModel):
        a: str = Field(coerce_numbers_to_str=True)

    assert F(a=42).a == "42"
    with pytest.raises(ValidationError):
        F(a=True)
