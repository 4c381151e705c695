"""Pipelines, the v1 model, payment cards, deprecated config spellings, custom-error pickling."""

import pickle
import warnings
from typing import Annotated

import pytest
from conftest import errors_of, one_error

from ouroboros.validation import BaseModel, Field, TypeAdapter, ValidationError
from ouroboros.validation.config import BaseConfig, Extra
from ouroboros.validation.core import PydanticCustomError, PydanticKnownError
from ouroboros.validation.experimental.pipeline import transform, validate_as
from ouroboros.validation.types import PaymentCardBrand, PaymentCardNumber
from ouroboros.validation.v1 import BaseModel as V1BaseModel
from ouroboros.validation.warnings import PydanticDeprecatedSince20


def test_pipeline_parse_transform_constrain():
    ta = TypeAdapter(Annotated[str, validate_as(...).str_strip().str_lower()])
    assert ta.validate_python("  PoTaTo ") == "potato"
    positive = TypeAdapter(Annotated[int, validate_as(int).gt(0)])
    assert positive.validate_python("5") == 5
    assert one_error(Annotated[int, validate_as(int).gt(0)], 0)["type"] == "greater_than"
    after = Annotated[int, validate_as(int).transform(lambda v: v * 2).le(10)]
    assert TypeAdapter(after).validate_python(5) == 10
    assert one_error(after, 6)["type"] == "less_than_equal"


def test_pipeline_or_and():
    either = TypeAdapter(Annotated[int, validate_as(int).gt(10) | validate_as(int).lt(5)])
    assert either.validate_python(11) == 11
    assert either.validate_python(1) == 1
    with pytest.raises(ValidationError):
        either.validate_python(7)
    both = TypeAdapter(Annotated[int, validate_as(int) & transform(lambda v: v + 1)])
    assert both.validate_python("1") == 2


def test_v1_model_is_separate_from_v2():
    class V1(V1BaseModel):
        a: int
        b: str = "x"

    m = V1(a="3")
    assert (m.a, m.b, m.dict()) == (3, "x", {"a": 3, "b": "x"})
    assert not isinstance(m, BaseModel)
    with pytest.raises(ValidationError):
        V1(a="no")
    with pytest.warns(UserWarning, match="Mixing V1 models and V2 models"):

        class V2(BaseModel):
            inner: V1

    assert V2(inner=m).inner is m


def test_payment_card_number():
    class Card(BaseModel):
        number: PaymentCardNumber

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PydanticDeprecatedSince20)
        card = Card(number=" 4050000000000001 ").number
        assert (card.brand, card.masked, card.last4) == (PaymentCardBrand.visa, "405000******0001", "0001")
        assert [e["type"] for e in errors_of(Card.model_validate, {"number": "4000000000000000"})] == [
            "payment_card_number_luhn"
        ]
        assert [e["type"] for e in errors_of(Card.model_validate, {"number": "40000000000000006"})] == [
            "payment_card_number_brand"
        ]
        assert [e["type"] for e in errors_of(Card.model_validate, {"number": "1" * 11})] == ["string_too_short"]


def test_deprecated_config_spellings():
    with pytest.warns(PydanticDeprecatedSince20, match="Extra` is deprecated"):
        assert Extra.forbid == "forbid"
    with pytest.warns(PydanticDeprecatedSince20, match="BaseConfig is deprecated"):
        assert BaseConfig.validate_assignment is False
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        _ = BaseConfig.nope
    with pytest.warns(PydanticDeprecatedSince20, match="class-based `config`"):

        class M(BaseModel):
            x: int

            class Config:
                extra = "forbid"

    assert M.model_config["extra"] == "forbid"
    assert [e["type"] for e in errors_of(M.model_validate, {"x": 1, "y": 2})] == ["extra_forbidden"]


class _Overridden(PydanticCustomError):
    def __new__(cls, setting: str) -> "_Overridden":
        return super().__new__(cls, "custom_error", "Custom error with {setting}", {"setting": setting})


@pytest.mark.parametrize(
    "error",
    [PydanticCustomError("custom_error", "Custom {v}", {"v": 1}), _Overridden("s"), PydanticKnownError("int_type")],
)
def test_custom_errors_pickle(error):
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is type(error)
    assert (again.type, again.message_template, again.context, str(again)) == (
        error.type,
        error.message_template,
        error.context,
        str(error),
    )


@pytest.mark.parametrize("text", ["1e32000000", "1e-32000000", "1e٣٢٠٠٠٠٠٠", "1e4_301 "])
def test_fraction_huge_exponent_is_refused_not_computed(text):
    from fractions import Fraction

    assert one_error(Fraction, text)["type"] == "fraction_parsing"


def test_constraint_on_a_type_without_it_is_checked_not_ignored():
    from decimal import Decimal

    class M(BaseModel):
        items: list[int] = Field(gt=0)

    with pytest.raises(TypeError, match="Unable to apply constraint 'gt' to supplied value \\[1, 2\\]"):
        M(items=[1, 2])
    with pytest.raises(TypeError, match="Unable to apply constraint 'max_length' to supplied value 1"):
        TypeAdapter(Annotated[Decimal, Field(max_length=3)]).validate_python("1")
    # Where the value supports the comparison, the constraint is enforced with Pydantic's error.
    error = one_error(Annotated[str | int, Field(gt=3)], 2)
    assert (error["type"], error["ctx"]) == ("greater_than", {"gt": 3})


def test_v1_method_names_warn_and_work():
    class M(BaseModel):
        a: int
        b: str = "x"

    m = M(a=1)
    with pytest.warns(PydanticDeprecatedSince20, match="The `dict` method is deprecated"):
        assert m.dict() == {"a": 1, "b": "x"}
    with pytest.warns(PydanticDeprecatedSince20, match="The `json` method is deprecated"):
        assert m.json() == '{"a":1,"b":"x"}'
    with pytest.warns(PydanticDeprecatedSince20, match="The `parse_obj` method is deprecated"):
        assert M.parse_obj({"a": "2"}).a == 2
    with pytest.warns(PydanticDeprecatedSince20, match="The `copy` method is deprecated"):
        clone = m.copy(update={"a": 5})
    assert (clone.a, m.a) == (5, 1)
    with pytest.warns(PydanticDeprecatedSince20), pytest.raises(TypeError, match="`encoder` argument"):
        m.json(encoder=str)


def test_iterable_is_validated_lazily():
    from collections.abc import Iterable
    from itertools import count

    ta = TypeAdapter(Iterable[int])
    endless = ta.validate_python(str(i) for i in count(1))
    assert [next(endless) for _ in range(3)] == [1, 2, 3]
    bad = ta.validate_python(iter(["1", "x"]))
    assert next(bad) == 1
    with pytest.raises(ValidationError) as info:
        next(bad)
    assert [(e["type"], e["loc"]) for e in info.value.errors()] == [("int_parsing", (1,))]
    assert one_error(Iterable[int], 3)["type"] == "iterable_type"
    short = TypeAdapter(Annotated[Iterable[int], Field(max_length=1)])
    with pytest.raises(ValidationError, match="at most 1 item"):
        list(short.validate_python([1, 2]))


def test_model_signature():
    import inspect

    from ouroboros.validation import ConfigDict

    class Model(BaseModel):
        a: float = Field(title="A")
        b: int = Field(10, alias="bee")
        c: int = Field(default_factory=lambda: 1)

    assert str(inspect.signature(Model)) == "(*, a: float, bee: int = 10, c: int = <factory>) -> None"

    class Loose(BaseModel):
        model_config = ConfigDict(extra="allow")
        x: int

        def __init__(self, x: int = 1, **data: object) -> None:
            super().__init__(x=x, **data)

    assert str(inspect.signature(Loose)) == "(x: int = 1, **data: object) -> None"


@pytest.mark.parametrize(("mode", "checked"), [("never", False), ("always", True), ("subclass-instances", False)])
def test_revalidate_instances(mode, checked):
    from ouroboros.validation import ConfigDict

    class Inner(BaseModel):
        model_config = ConfigDict(revalidate_instances=mode)
        x: int

    class Outer(BaseModel):
        inner: Inner

    broken = Inner(x=1)
    broken.__dict__["x"] = "not an int"
    if checked:
        with pytest.raises(ValidationError) as info:
            Outer(inner=broken)
        assert info.value.errors()[0]["loc"] == ("inner", "x")
        with pytest.raises(ValidationError):
            Inner.model_validate(broken)
    else:
        assert Outer(inner=broken).inner is broken
        assert Inner.model_validate(broken) is broken


def test_deprecated_field_warns_on_access():
    class M(BaseModel):
        a: int = Field(deprecated="use b")
        b: Annotated[int, Field(deprecated="")] = 2
        c: int = 3

    m = M(a=1)
    with pytest.warns(DeprecationWarning, match="^use b$"):
        assert m.a == 1
    with pytest.warns(DeprecationWarning, match="^$"):
        assert m.b == 2
    assert m.model_dump() == {"a": 1, "b": 2, "c": 3}
    props = M.model_json_schema()["properties"]
    assert (props["a"].get("deprecated"), props["b"].get("deprecated"), props["c"].get("deprecated")) == (
        True,
        True,
        None,
    )


def test_validated_dataclass_in_json_output():
    from ouroboros.validation.dataclasses import dataclass

    @dataclass
    class Point:
        x: int
        tags: list[str]

    class Shape(BaseModel):
        corner: Point

    assert Shape(corner={"x": "1", "tags": ["a"]}).model_dump_json() == '{"corner":{"x":1,"tags":["a"]}}'
    assert TypeAdapter(Point).dump_json(Point(x=2, tags=[])) == b'{"x":2,"tags":[]}'
