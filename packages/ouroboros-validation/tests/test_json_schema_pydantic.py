"""JSON Schema compared with Pydantic's for the same models: types it cannot describe,
overrides, serialization-mode schemas and definition names."""

from __future__ import annotations

from typing import Annotated, Any, Callable

import pydantic
import pydantic.json_schema
import pytest

import ouroboros.validation as ov
import ouroboros.validation.json_schema as ov_json_schema

LIBS = pytest.mark.parametrize("lib", [pydantic, ov], ids=["pydantic", "ouroboros"])


def json_schema_module(lib: Any) -> Any:
    return pydantic.json_schema if lib is pydantic else ov_json_schema


def both(scenario: Any) -> None:
    """The scenario's result is the same on both libraries."""
    assert scenario(ov) == scenario(pydantic)


@LIBS
@pytest.mark.parametrize(
    "annotation", [Callable, Callable[[int], int], type(...)], ids=["callable", "args", "ellipsis"]
)
def test_types_without_a_json_schema_raise(lib, annotation):
    class Model(lib.BaseModel):
        x: annotation
        y: int

    with pytest.raises(lib.errors.PydanticInvalidForJsonSchema, match="Cannot generate a JsonSchema for"):
        Model.model_json_schema()


def _overrides(lib: Any) -> list[Any]:
    with_schema = json_schema_module(lib).WithJsonSchema

    class Arbitrary:
        pass

    class Hooked:
        @classmethod
        def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> Any:
            return {"test": "passed"}

    class Model(lib.BaseModel):
        model_config = lib.ConfigDict(arbitrary_types_allowed=True)

        callback: Annotated[Callable[[int], int], with_schema({"a": "b"})]
        hidden: Annotated[Arbitrary, with_schema(None)]
        values: dict[str, Hooked]
        kind: type[int]
        foo: int

    return [Model.model_json_schema(), Model.model_json_schema(mode="serialization")]


def test_overrides_and_class_hooks():
    both(_overrides)


def _serialization_mode(lib: Any) -> list[Any]:
    from decimal import Decimal
    from typing import Optional

    class Other(lib.BaseModel):
        y: int

    def to_other(v: int) -> Other:
        return Other(y=v)

    class Model(lib.BaseModel):
        custom: Annotated[str, lib.PlainSerializer(lambda x: f"serialized-{x}", return_type=str)] = "foo"
        as_float: Annotated[int, lib.PlainSerializer(float)]
        nested: Annotated[int, lib.PlainSerializer(to_other)]
        untyped: Annotated[int, lib.PlainSerializer(lambda v: v)] = 1
        maybe: Optional[Decimal]
        json_only: Annotated[
            Optional[Decimal], lib.PlainSerializer(float, return_type=float, when_used="json-unless-none")
        ] = None

        @lib.field_serializer("maybe", when_used="unless-none")
        def ser_maybe(self, v: Decimal) -> float:
            return float(v)

    return [Model.model_json_schema(), Model.model_json_schema(mode="serialization")]


def test_serialization_mode_follows_serializer_return_types():
    both(_serialization_mode)
