"""Pydantic v1 ``@validator`` / ``@root_validator`` as Pydantic v2 keeps them, and decorator misuse errors."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

from ouroboros.validation import BaseModel, ConfigDict, ValidationError, field_validator, root_validator, validator
from ouroboros.validation.errors import PydanticUserError
from ouroboros.validation.warnings import PydanticDeprecatedSince20

pytestmark = pytest.mark.filterwarnings("ignore::ouroboros.validation.warnings.PydanticDeprecatedSince20")


def test_validator_warns_deprecated() -> None:
    with pytest.warns(PydanticDeprecatedSince20, match="Pydantic V1 style `@validator`"):
        validator("a")


def test_each_item_on_list_dict_tuple_and_optional() -> None:
    class Model(BaseModel):
        items: list[int]
        mapping: dict[str, int]
        many: tuple[int, ...]
        maybe: list[int] | None = None

        @validator("items", "mapping", "many", "maybe", each_item=True)
        @classmethod
        def bump(cls, v: int) -> int:
            if v < 0:
                raise ValueError("negative")
            return v + 1

    m = Model(items=[1, 2], mapping={"x": 1}, many=(3,), maybe=[4])
    assert (m.items, m.mapping, m.many, m.maybe) == ([2, 3], {"x": 2}, (4,), [5])
    with pytest.raises(ValidationError) as exc:
        Model(items=[1, -1], mapping={}, many=())
    [err] = exc.value.errors()
    assert (err["type"], err["loc"], err["msg"]) == ("value_error", ("items", 1), "Value error, negative")


def test_each_item_refused_on_scalar() -> None:
    with pytest.raises(TypeError, match=r"each_item=True\)` cannot be applied to fields with a schema of int"):

        class Model(BaseModel):
            x: int

            @validator("x", each_item=True)
            @classmethod
            def check(cls, v: int) -> int:
                return v


def test_values_keyword_and_always_and_pre() -> None:
    seen: list[Any] = []

    class Model(BaseModel):
        a: int
        b: str = "unset"

        @validator("b", pre=True, always=True)
        def check_b(cls, v: Any, values: dict[str, Any]) -> Any:
            seen.append(dict(values))
            return f"{v}-{values['a']}"

    assert Model(a=1).b == "unset-1"
    assert Model(a=2, b=3).b == "3-2"
    assert seen == [{"a": 1}, {"a": 2}]


def test_bad_signatures_and_misuse() -> None:
    with pytest.raises(PydanticUserError, match="`field` and `config` parameters") as exc:

        class A(BaseModel):
            x: int

            @validator("x")
            def check(cls, v: int, field: Any) -> int:
                return v

    assert exc.value.code == "validator-field-config-info"
    with pytest.raises(PydanticUserError, match="Unsupported signature for V1 style validator") as exc:

        class B(BaseModel):
            x: int

            @validator("x")
            def check(cls, v: int, other: Any) -> int:
                return v

    assert exc.value.code == "validator-v1-signature"
    with pytest.raises(PydanticUserError, match="cannot be applied to instance methods"):
        validator("x")(lambda self, v: v)
    with pytest.raises(PydanticUserError) as exc:
        validator(["x"])  # type: ignore[arg-type]
    assert exc.value.code == "decorator-invalid-fields"
    with pytest.raises(PydanticUserError) as exc:
        field_validator(["x"])  # type: ignore[arg-type]
    assert exc.value.code == "decorator-invalid-fields"
    with pytest.raises(PydanticUserError, match="MUST specify `skip_on_failure=True`"):
        root_validator()
    with pytest.raises(PydanticUserError, match=r"Decorators defined with incorrect fields: .*check_b") as exc:

        class C(BaseModel):
            a: int

            @field_validator("b")
            def check_b(cls, v: Any) -> Any:
                return v

    assert exc.value.code == "decorator-missing-field"


def test_root_validators_pre_and_after_with_extra() -> None:
    class Model(BaseModel):
        model_config = ConfigDict(extra="allow")
        a: int
        b: int = 0

        @root_validator(pre=True)
        def fill(cls, values: dict[str, Any]) -> dict[str, Any]:
            return {**values, "b": values.get("b", 10)}

        @root_validator(skip_on_failure=True)
        def total(cls, values: dict[str, Any]) -> dict[str, Any]:
            values["a"] += values["b"]
            values["note"] = str(values.get("c"))
            return values

    m = Model(a=1, c="x")
    assert (m.a, m.b) == (11, 10)
    assert m.__pydantic_extra__ == {"c": "x", "note": "x"}


def test_root_validator_returning_none_is_a_type_error() -> None:
    class Model(BaseModel):
        a: int = 1

        @root_validator(skip_on_failure=True)
        def nothing(cls, values: dict[str, Any]) -> None:
            return None

    with pytest.raises(TypeError, match="__dict__ must be set to a dictionary"):
        Model()


def test_override_in_subclass_keeps_the_parents_place() -> None:
    class Parent(BaseModel):
        a: list[str]

        @field_validator("a")
        @classmethod
        def first(cls, v: list[str]) -> list[str]:
            return [*v, "parent first"]

        @field_validator("a")
        @classmethod
        def middle(cls, v: list[str]) -> list[str]:
            return [*v, "parent middle"]

        @field_validator("a")
        @classmethod
        def last(cls, v: list[str]) -> list[str]:
            return [*v, "parent last"]

    class Child(Parent):
        @field_validator("a")
        @classmethod
        def middle(cls, v: list[str]) -> list[str]:
            return [*v, "child middle"]

    assert Child(a=[]).a == ["parent first", "child middle", "parent last"]


def test_reassigned_decorator_warns_and_plain_functions_take_no_cls() -> None:
    def plus_one(v: int) -> int:
        return v + 1

    def plus_two(v: int) -> int:
        return v + 2

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")

        class Model(BaseModel):
            x: int
            y: int

            val = field_validator("x")(plus_one)
            val = field_validator("y")(plus_two)  # noqa: PIE794

    assert [str(w.message) for w in caught] == ["`val` overrides an existing Pydantic `@field_validator` decorator"]
    assert Model(x=1, y=1).model_dump() == {"x": 1, "y": 3}
