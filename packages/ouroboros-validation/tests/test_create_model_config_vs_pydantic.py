"""``create_model``, config checks, ``with_config`` and ``__pydantic_decorators__`` as
Pydantic's, the same code run under both."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

import pydantic
import pydantic_core
import pytest
from typing_extensions import TypedDict

import ouroboros.validation as ov
import ouroboros.validation.core as ov_core

LIBS = pytest.mark.parametrize("lib", [pydantic, ov], ids=["pydantic", "ouroboros"])
CORES = pytest.mark.parametrize(
    ("lib", "core"), [(pydantic, pydantic_core), (ov, ov_core)], ids=["pydantic", "ouroboros"]
)


@LIBS
def test_create_model_fields_and_decorators(lib: Any) -> None:
    made = lib.create_model("Made", foo=(str, ...), bar=(int, 123), baz=int, qux=Annotated[int, lib.Field(title="Q")])
    assert made.__qualname__ == "Made"
    assert made.__module__ == __name__
    assert made.model_fields["foo"].is_required() and made.model_fields["baz"].is_required()
    assert made.model_fields["qux"].title == "Q"
    decorators = made.__pydantic_decorators__
    assert not decorators.validators and not decorators.field_validators and not decorators.field_serializers

    class WithSome(lib.BaseModel):
        x: int

        @lib.field_validator("x")
        @classmethod
        def check(cls, v: int) -> int:
            return v

        @lib.computed_field(alias="Double")
        @property
        def double(self) -> int:
            return self.x * 2

    decorators = WithSome.__pydantic_decorators__
    assert list(decorators.field_validators) == ["check"]
    assert decorators.computed_fields["double"].cls_var_name == "double"
    assert decorators.computed_fields["double"].info.alias == "Double"


@LIBS
def test_create_model_namespace_rules(lib: Any) -> None:
    def from_validators(self: Any) -> str:
        return "from_validators"

    def from_namespace(self: Any) -> str:
        return "from_namespace"

    made = lib.create_model(
        "Made", __validators__={"hello": from_validators}, __namespace__={"hello": from_namespace}, a=(int, 1)
    )
    assert made().hello() == "from_namespace"
    with pytest.raises(lib.PydanticUserError, match=r"Field name\(s\) 'a', 'b' clash with keys of the `__namespace__`"):
        lib.create_model("Clash", __namespace__={"a": 1, "b": 2}, a=int, b=int)
    for key in ("__annotations__", "__module__", "__qualname__", "__doc__", "model_config"):
        with pytest.raises(lib.PydanticUserError, match=f"'{key}' is not allowed as a key of the `__namespace__`"):
            lib.create_model("Reserved", __namespace__={key: None})
    with pytest.raises(lib.PydanticUserError) as info:
        lib.create_model("Bad", foo=(int, 1, "more"))
    assert info.value.code == "create-model-field-definitions"


@CORES
def test_invalid_extra_is_a_schema_error(lib: Any, core: Any) -> None:
    with pytest.raises(core.SchemaError, match="Invalid extra_behavior: `invalid-value`"):
        type("Model", (lib.BaseModel,), {"model_config": {"extra": "invalid-value"}})


@LIBS
def test_config_checks(lib: Any) -> None:
    with pytest.raises(lib.PydanticUserError, match="At least one of `validate_by_alias` or `validate_by_name`"):

        class Deferred(lib.BaseModel):
            model_config = lib.ConfigDict(validate_by_alias=False, validate_by_name=False, defer_build=True)

    with pytest.raises(lib.PydanticUserError) as info:

        class Named(lib.BaseModel):
            model_config: str

    assert info.value.code == "model-config-invalid-field-name"

    class Parent(lib.BaseModel):
        model_config: lib.ConfigDict = {"extra": "allow"}

    class Child(Parent):
        model_config: lib.ConfigDict = {"str_to_lower": True}

    assert Child.model_config == {"extra": "allow", "str_to_lower": True}

    @lib.dataclasses.dataclass(config={"title": "from_config"})
    class WithField:
        model_config: dict[str, Any]

    assert WithField(model_config={"title": "own"}).model_config == {"title": "own"}


@LIBS
def test_with_config(lib: Any) -> None:
    with pytest.raises(lib.PydanticUserError, match="Cannot use `with_config` on Model as it is a Pydantic model"):

        @lib.with_config({"coerce_numbers_to_str": True})
        class Model(lib.BaseModel):
            pass

    with pytest.warns(lib.warnings.PydanticDeprecatedSince211):

        @lib.with_config(config={"coerce_numbers_to_str": True})
        class TD(TypedDict):
            a: str

    assert lib.TypeAdapter(TD).validate_python({"a": 1}) == {"a": "1"}
    with pytest.raises(ValueError, match="Cannot specify both `config` and keyword arguments"):
        lib.with_config({"strict": True}, strict=True)

    @lib.with_config(str_to_upper=True)
    @dataclasses.dataclass
    class Plain:
        a: str

    assert lib.TypeAdapter(Plain).validate_python({"a": "x"}).a == "X"
