"""Optional, smart unions and discriminated unions."""

from typing import Annotated, List, Literal, Optional, Union

import pytest
from conftest import errors_of, one_error
from typing_extensions import TypeAliasType

from ouroboros.validation import BaseModel, Field, TypeAdapter, ValidationError


@pytest.mark.parametrize(
    ("tp", "value", "expected", "expected_type"),
    [
        (Union[int, str], "1", "1", str),
        (Union[int, str], 1, 1, int),
        (Union[str, int], 1, 1, int),
        (Union[int, float], 1.5, 1.5, float),
        (Union[float, int], 1, 1, int),
        (Union[int, bool], True, True, bool),
        (Union[bool, int], 1, 1, int),
        (Union[int, str], "x", "x", str),
        (Union[List[int], str], ["1"], [1], list),
        (Optional[int], None, None, type(None)),
        (Optional[int], "3", 3, int),
        (int | None, 4, 4, int),
    ],
)
def test_smart_union_prefers_exact_then_strict_then_lax(tp, value, expected, expected_type):
    out = TypeAdapter(tp).validate_python(value)
    assert out == expected
    assert type(out) is expected_type


def test_union_error_has_one_line_per_choice():
    errs = errors_of(TypeAdapter(Union[int, bool]).validate_python, "nope")
    assert [(e["type"], e["loc"]) for e in errs] == [("int_parsing", ("int",)), ("bool_parsing", ("bool",))]


def test_optional_error_has_no_choice_label():
    err = one_error(Optional[int], "x")
    assert (err["type"], err["loc"]) == ("int_parsing", ())


def test_left_to_right_union_mode():
    tp = Annotated[Union[str, int], Field(union_mode="left_to_right")]
    assert TypeAdapter(tp).validate_python(1) == 1
    assert TypeAdapter(Annotated[Union[int, str], Field(union_mode="left_to_right")]).validate_python("1") == 1


class Cat(BaseModel):
    pet_type: Literal["cat"]
    meows: int


class Dog(BaseModel):
    pet_type: Literal["dog"]
    barks: float


class Lizard(BaseModel):
    pet_type: Literal["reptile", "lizard"]
    scales: bool


class Owner(BaseModel):
    pet: Union[Cat, Dog, Lizard] = Field(discriminator="pet_type")
    n: int = 0


@pytest.mark.parametrize(
    ("pet", "cls"),
    [
        ({"pet_type": "cat", "meows": 3}, Cat),
        ({"pet_type": "dog", "barks": 1}, Dog),
        ({"pet_type": "lizard", "scales": True}, Lizard),
        ({"pet_type": "reptile", "scales": False}, Lizard),
    ],
)
def test_discriminated_union_picks_by_tag(pet, cls):
    assert type(Owner(pet=pet).pet) is cls


def test_discriminated_union_from_instance_and_json():
    assert Owner(pet=Cat(pet_type="cat", meows=1)).pet.meows == 1
    assert type(Owner.model_validate_json('{"pet": {"pet_type": "dog", "barks": 2.5}}').pet) is Dog


def test_discriminated_union_errors_are_located_under_the_tag():
    errs = errors_of(Owner, pet={"pet_type": "cat", "meows": "x"})
    assert [(e["type"], e["loc"]) for e in errs] == [("int_parsing", ("pet", "cat", "meows"))]


def test_discriminated_union_invalid_tag():
    (err,) = errors_of(Owner, pet={"pet_type": "fish"})
    assert err["type"] == "union_tag_invalid"
    assert err["loc"] == ("pet",)
    assert err["ctx"] == {
        "discriminator": "'pet_type'",
        "tag": "fish",
        "expected_tags": "'cat', 'dog', 'reptile', 'lizard'",
    }


def test_discriminated_union_missing_tag():
    (err,) = errors_of(Owner, pet={"meows": 1})
    assert err["type"] == "union_tag_not_found"
    assert err["msg"] == "Unable to extract tag using discriminator 'pet_type'"


class A(BaseModel):
    a: int


class B(BaseModel):
    b: str


class Holder(BaseModel):
    item: Union[A, B]


def test_union_of_models_smart():
    assert type(Holder(item={"a": 1}).item) is A
    assert type(Holder(item={"b": "x"}).item) is B
    errs = errors_of(Holder, item={"c": 1})
    assert [(e["type"], e["loc"]) for e in errs] == [("missing", ("item", "A", "a")), ("missing", ("item", "B", "b"))]


def test_nested_optional_model():
    class Wrap(BaseModel):
        inner: Optional[A] = None

    assert Wrap().inner is None
    assert Wrap(inner={"a": 2}).inner == A(a=2)
    assert Wrap(inner=None).model_dump() == {"inner": None}


def test_discriminated_union_enum_and_int_tags_alias_and_nested():
    import enum

    from ouroboros.validation.errors import PydanticUserError

    class Kind(enum.Enum):
        a = 1
        b = 2

    class A(BaseModel):
        m: Literal[Kind.a] = Field(alias="M")

    class B(BaseModel):
        m: Literal[Kind.b] = Field(alias="M")

    class C(BaseModel):
        m: Literal[3] = Field(alias="M")

    ta = TypeAdapter(Annotated[Union[A, Union[B, C], None], Field(discriminator="m")])
    assert isinstance(ta.validate_python({"M": 2}), B)
    assert isinstance(ta.validate_json('{"M": 3}'), C)
    assert ta.validate_python(None) is None
    error = one_error(Annotated[Union[A, B, C], Field(discriminator="m")], {"M": 4})
    assert error["type"] == "union_tag_invalid"
    assert error["ctx"] == {"discriminator": "'m' | 'M'", "tag": "4", "expected_tags": f"{Kind.a!r}, {Kind.b!r}, 3"}

    class Plain(BaseModel):
        m: int = Field(alias="M")

    with pytest.raises(PydanticUserError, match="Model 'Plain' needs field 'm' to be of type `Literal`"):
        TypeAdapter(Annotated[Union[A, Plain], Field(discriminator="m")])
    with pytest.raises(TypeError, match="The core schema type 'str' is not a valid discriminated union variant"):
        TypeAdapter(Annotated[Union[A, str], Field(discriminator="m")])


Nested = TypeAliasType("Nested", Union[int, List["Nested"]])  # type: ignore[misc]


def test_type_alias_type_and_recursive_alias():
    ints = TypeAliasType("Ints", List[int])
    assert TypeAdapter(ints).validate_python(["1", 2]) == [1, 2]
    ta = TypeAdapter(Nested)
    assert ta.validate_python([1, [2, ["3"]]]) == [1, [2, [3]]]
    with pytest.raises(ValidationError, match="valid integer"):
        ta.validate_python([1, ["x"]])


def test_tagged_members_locate_errors_under_their_tags():
    from ouroboros.validation import BeforeValidator, Tag

    class A(BaseModel):
        x: int

    class B(BaseModel):
        y: str

    keep = BeforeValidator(lambda v: v)
    tagged = Union[Annotated[A, keep, Tag("first")], Annotated[B, keep, Tag("second")]]
    with pytest.raises(ValidationError) as info:
        TypeAdapter(tagged).validate_python({"z": 1})
    assert [e["loc"] for e in info.value.errors()] == [("first", "x"), ("second", "y")]
