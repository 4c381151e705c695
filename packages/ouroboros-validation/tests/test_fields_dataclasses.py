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


def _errors(exc: pytest.ExceptionInfo[ValidationError]) -> list[tuple[str, tuple[object, ...]]]:
    return [(e["type"], e["loc"]) for e in exc.value.errors()]


def test_pydantic_dataclass_arguments_extra_and_init_false():
    from ouroboros.validation.dataclasses import dataclass

    @dataclass(config=ConfigDict(extra="forbid"))
    class Point:
        x: int
        y: int = Field(default=0, kw_only=True)
        label: str = dataclasses.field(init=False)

        def __post_init__(self) -> None:
            self.label = f"{self.x},{self.y}"

    p = Point("1", y="2")
    assert (p.x, p.y, p.label) == (1, 2, "1,2")
    with pytest.raises(ValidationError) as exc:
        Point(1, 2)
    assert _errors(exc) == [("unexpected_positional_argument", (1,))]
    with pytest.raises(ValidationError) as exc:
        Point(1, label="no", z=3)
    assert sorted(_errors(exc)) == [
        ("unexpected_keyword_argument", ("label",)),
        ("unexpected_keyword_argument", ("z",)),
    ]

    @dataclass(config=ConfigDict(extra="allow"))
    class Open:
        x: int

    assert Open(x="1", y="2").__dict__ == {"x": 1, "y": "2"}


def test_pydantic_dataclass_validate_assignment_frozen_and_init_var():
    from ouroboros.validation.dataclasses import dataclass

    @dataclass(config=ConfigDict(validate_assignment=True))
    class Item:
        count: int
        scale: dataclasses.InitVar[int] = 1

        def __post_init__(self, scale: int) -> None:
            self.count *= scale

    item = Item("2", scale="3")
    assert item.count == 6
    item.count = "7"
    assert item.count == 7
    with pytest.raises(ValidationError) as exc:
        item.count = "x"
    assert _errors(exc) == [("int_parsing", ("count",))]
    with pytest.raises(ValidationError) as exc:
        item.other = 1
    assert _errors(exc) == [("no_such_attribute", ("other",))]
    assert Item.__pydantic_fields__["scale"].init_var is True

    @dataclass(frozen=True)
    class Fixed:
        x: int

    with pytest.raises(dataclasses.FrozenInstanceError):
        Fixed(1).x = 2


def test_pydantic_dataclass_from_a_stdlib_one_keeps_the_original():
    from ouroboros.validation.dataclasses import dataclass, rebuild_dataclass
    from ouroboros.validation.errors import PydanticUndefinedAnnotation

    @dataclasses.dataclass
    class Plain:
        a: int

        def __post_init__(self) -> None:
            self.a *= 2

    Checked = dataclass(Plain)
    assert Plain(a="2").a == "22"
    assert Checked(a="2").a == 4
    assert issubclass(Checked, Plain)

    @dataclass
    class Later:
        x: "LaterType"  # noqa: F821

    assert Later.__pydantic_complete__ is False
    with pytest.raises(PydanticUndefinedAnnotation):
        rebuild_dataclass(Later, _parent_namespace_depth=0)
    assert rebuild_dataclass(Later, _types_namespace={"LaterType": int}) is True
    assert Later(x="5").x == 5
