"""JSON Schema compared with Pydantic's for the same models: types it cannot describe,
overrides, serialization-mode schemas and definition names."""

from __future__ import annotations

import warnings
from typing import Annotated, Any, Callable

import pydantic
import pydantic.json_schema
import pydantic_core
import pytest

import ouroboros.validation as ov
import ouroboros.validation.core as ov_core
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


def _same_names(lib: Any) -> list[Any]:
    import types

    def module(name: str, extra: str) -> Any:
        mod = types.ModuleType(name)
        source = (
            "from enum import Enum\n"
            f"from {lib.__name__} import BaseModel\n"
            "class MyEnum(str, Enum):\n"
            f"    {extra} = '{extra}'\n"
            "class MyModel(BaseModel):\n"
            f"    {extra}: MyEnum\n"
        )
        # Two modules defining classes of the same names (compiled without this file's
        # `from __future__ import annotations`).
        exec(compile(source, name, "exec", dont_inherit=True), mod.__dict__)
        return mod

    one, two = module("first_module", "a"), module("second_module", "b")
    json_schema = json_schema_module(lib)

    class Model(lib.BaseModel):
        first: one.MyModel
        second: two.MyModel

    first = lib.create_model("A", inner_a1=(str, ...))
    second = lib.create_model("A", inner_a2=(str, ...))
    both_a = lib.create_model("B", outer_a1=(first, ...), outer_a2=(second, ...))
    _, shared = json_schema.models_json_schema([(one.MyModel, "validation"), (two.MyModel, "serialization")])
    return [Model.model_json_schema(), both_a.model_json_schema(), sorted(shared["$defs"])]


def test_definitions_of_the_same_name_are_module_qualified():
    both(_same_names)


@LIBS
def test_union_members_without_a_schema_are_skipped(lib):
    class Model(lib.BaseModel):
        callback: int | Callable[[int], int] = 1
        data: bytes = b"\xff\xfe"

    with pytest.warns(json_schema_module(lib).PydanticJsonSchemaWarning, match=r"\[non-serializable-default\]"):
        schema = Model.model_json_schema()
    assert schema["properties"] == {
        "callback": {"default": 1, "title": "Callback", "type": "integer"},
        "data": {"format": "binary", "title": "Data", "type": "string"},
    }

    class Loud(json_schema_module(lib).GenerateJsonSchema):
        ignored_warning_kinds = ()

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Model.model_json_schema(schema_generator=Loud)
    assert sorted(str(w.message).rsplit(" ", 1)[-1] for w in caught) == [
        "[non-serializable-default]",
        "[skipped-choice]",
    ]


@LIBS
def test_invalid_utf8_and_unknown_keys_are_not_json(lib):
    core = pydantic_core if lib is pydantic else ov_core
    with pytest.raises((core.PydanticSerializationError, UnicodeDecodeError)):
        core.to_jsonable_python(b"\xff\xfe")
    with pytest.raises(core.PydanticSerializationError):
        core.to_jsonable_python({(lambda x: x): 1})


def _validator_input_types(lib: Any) -> list[Any]:
    class Sub(lib.BaseModel):
        pass

    class Model(lib.BaseModel):
        a: Annotated[int, lib.BeforeValidator(lambda v: v)]
        c: Annotated[int, lib.PlainValidator(lambda v: v)]
        d: Annotated[int, lib.BeforeValidator(lambda v: v, json_schema_input_type=int | str)]
        f: Annotated[int, lib.PlainValidator(lambda v: v, json_schema_input_type=int | str)]
        sub: Annotated[object, lib.BeforeValidator(lambda v: v, json_schema_input_type=Sub)]
        g: int
        h: int

        @lib.field_validator("g", mode="plain")
        @classmethod
        def plain_g(cls, value: Any) -> int:
            return value

        @lib.field_validator("h", mode="wrap", json_schema_input_type=int | str)
        @classmethod
        def wrap_h(cls, value: Any, handler: Any) -> int:
            return handler(value)

    return [Model.model_json_schema(), Model.model_json_schema(mode="serialization")]


def test_validator_json_schema_input_types():
    both(_validator_input_types)


def _discriminated(lib: Any) -> Any:
    from typing import Literal

    class Height(lib.BaseModel):
        color: Literal["black"]
        info: Literal["height"]

    class Weight(lib.BaseModel):
        color: Literal["black"]
        info: Literal["weight"]

    class White(lib.BaseModel):
        color: Literal["white"]

    class On(lib.BaseModel):
        enabled: Literal[True]

    class Off(lib.BaseModel):
        enabled: Literal[False]

    class Nothing(lib.BaseModel):
        enabled: None

    black = Annotated[Height | Weight, lib.Field(discriminator="info")]

    class Model(lib.BaseModel):
        pet: Annotated[black | White, lib.Field(discriminator="color")]
        switch: Annotated[On | Off | Nothing, lib.Field(discriminator="enabled")]

    return Model.model_json_schema()


def test_discriminated_unions_nested_and_with_bool_or_none_tags():
    both(_discriminated)


def _extras_and_titles(lib: Any) -> list[Any]:
    class Blank(lib.BaseModel):
        model_config = lib.ConfigDict(title="")
        x: int

    class Hooked(lib.BaseModel):
        name: str = "n"

        @classmethod
        def json_schema_extra(cls, schema: dict[str, Any]) -> None:
            schema.pop("properties")
            schema["type"] = "override"

        model_config = {"json_schema_extra": json_schema_extra}

    return [Blank.model_json_schema(), Hooked.model_json_schema()]


def test_blank_titles_and_class_method_extras():
    both(_extras_and_titles)


@LIBS
def test_json_schema_extra_of_another_kind_is_refused(lib):
    class Model(lib.BaseModel):
        model_config = lib.ConfigDict(json_schema_extra=1)
        name: str

    with pytest.raises(ValueError, match=r"json_schema_extra'\]=1 should be a dict, callable, or None"):
        Model.model_json_schema()


def _dataclass_docstrings(lib: Any) -> list[Any]:
    import dataclasses

    @dataclasses.dataclass
    class WithDoc:
        """A custom description that should appear."""

        x: int = 1

    @dataclasses.dataclass
    class WithoutDoc:
        x: int = 1

    @lib.dataclasses.dataclass
    class Validated:
        """Validated dataclass."""

        y: int

    return [lib.TypeAdapter(tp).json_schema() for tp in (WithDoc, WithoutDoc, Validated)]


def test_dataclass_docstrings_are_descriptions():
    both(_dataclass_docstrings)


def _encoded_values(lib: Any) -> list[Any]:
    from enum import Enum

    class Toy(lib.BaseModel):
        name: str

    class Cat(lib.BaseModel):
        toys: Annotated[list[Toy], lib.Field(examples=[[Toy(name="mouse")]], json_schema_extra={"x": Toy(name="b")})]

    class Pair(Enum):
        foo = (1, 2)
        bar = (2, 3)

    class Defaults(lib.BaseModel):
        model_config = lib.ConfigDict(json_schema_serialization_defaults_required=True)
        a: str = "a"

    return [
        Cat.model_json_schema(),
        lib.TypeAdapter(Pair).json_schema(),
        Defaults.model_json_schema(mode="serialization"),
        Defaults.model_json_schema(),
    ]


def test_examples_enums_and_serialization_defaults():
    both(_encoded_values)


def _skipped(lib: Any) -> Any:
    skip = json_schema_module(lib).SkipJsonSchema

    class Model(lib.BaseModel):
        x: int | skip[None] = None
        z: int | skip[str] = "foo"
        hidden: skip[int] = 1

    return Model.model_json_schema()


def test_skip_json_schema_members_and_fields():
    both(_skipped)
