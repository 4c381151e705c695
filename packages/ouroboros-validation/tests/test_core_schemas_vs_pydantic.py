"""pydantic-core schemas user code builds: ``apply_discriminator`` on union core schemas, the
``serialization`` a custom type's ``__get_pydantic_core_schema__`` sets, and callable
discriminators over ``TypeAliasType`` members. The same code runs under Pydantic and
ouroboros.validation and the outcomes are compared."""

import importlib
from typing import Annotated, Any, Literal

import pydantic
import pydantic_core
import pytest
from typing_extensions import TypeAliasType

import ouroboros.validation as ov
import ouroboros.validation.core as ovc

CORE = {pydantic: pydantic_core, ov: ovc}
LIBS = pytest.mark.parametrize("lib", [pydantic, ov], ids=["pydantic", "ouroboros"])


def _apply(lib: Any) -> Any:
    name = "pydantic" if lib is pydantic else "ouroboros.validation"
    return importlib.import_module(f"{name}._internal._discriminated_union").apply_discriminator


def _errors(call: Any, *args: Any) -> Any:
    try:
        return call(*args)
    except (pydantic.ValidationError, ov.ValidationError) as exc:
        return exc.errors(include_url=False)


def _pets(lib: Any, *, alias: Any = None) -> Any:
    cs = CORE[lib].core_schema
    cat_field = cs.typed_dict_field(cs.literal_schema(["cat"]), validation_alias=alias)
    cat = cs.typed_dict_schema({"kind": cat_field})
    dog = cs.typed_dict_schema({"kind": cs.typed_dict_field(cs.literal_schema(["dog"]))})
    return cs, cat, dog


def _tagged(lib: Any) -> Any:
    cs, cat, dog = _pets(lib)
    out = []
    for schema in (
        cs.union_schema([cat, dog, cs.none_schema()]),
        cs.definitions_schema(cs.nullable_schema(cs.union_schema([cat, dog])), []),
        cs.union_schema([cs.with_info_wrap_validator_function(lambda v, h, i: h(v), cat), dog]),
    ):
        validator = CORE[lib].SchemaValidator(_apply(lib)(schema, "kind"))
        out.append(
            [
                _errors(validator.validate_python, value)
                for value in ({"kind": "cat"}, {"kind": "dog"}, None, {"kind": "lizard"}, {"other": 1})
            ]
        )
    return out


def test_apply_discriminator_validates_as_pydantic() -> None:
    ours = _tagged(ov)
    assert ours == _tagged(pydantic)
    assert ours[0][3][0]["type"] == "union_tag_invalid"


def _refusals(lib: Any) -> Any:
    cs, cat, dog = _pets(lib)
    _, aliased, _ = _pets(lib, alias=["cat", "CAT"])
    not_literal = cs.typed_dict_schema({"kind": cs.typed_dict_field(cs.int_schema())})
    no_field = cs.typed_dict_schema({})
    wrapped_str = cs.with_info_wrap_validator_function(lambda v, h, i: v, cs.str_schema())
    out = []
    for schema in (
        cs.union_schema([aliased, dog]),
        cs.union_schema([not_literal, dog]),
        cs.union_schema([no_field, cat]),
        cs.union_schema([cat, wrapped_str]),
    ):
        try:
            _apply(lib)(schema, "kind")
            out.append(None)
        except (TypeError, pydantic.PydanticUserError, ov.PydanticUserError) as exc:
            out.append((type(exc).__name__, str(exc).split("\n")[0]))
    return out


def test_apply_discriminator_refuses_as_pydantic() -> None:
    ours = _refusals(ov)
    assert ours == _refusals(pydantic)
    assert all(ours)


def _custom_serialization(lib: Any) -> Any:
    cs = CORE[lib].core_schema

    class Shouting(str):
        @classmethod
        def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
            schema = handler(str)
            schema["serialization"] = cs.plain_serializer_function_ser_schema(lambda v: v.upper())
            return schema

    class Money(float):
        @classmethod
        def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
            return cs.no_info_after_validator_function(cls, handler(float), serialization=cs.format_ser_schema(".2f"))

    class M(lib.BaseModel):
        name: Shouting
        price: Money
        maybe: Shouting | None = None
        names: list[Shouting] = []

        @lib.computed_field
        def label(self) -> Shouting:
            return Shouting(f"{self.name}!")

    m = M(name="ab", price=1.5, names=["x"])
    return (
        m.model_dump(),
        m.model_dump(mode="json"),
        m.model_dump_json(),
        lib.TypeAdapter(Shouting).dump_python(Shouting("q")),
        lib.TypeAdapter(Money).dump_json(Money(2)),
    )


def test_core_serialization_of_custom_types_matches_pydantic() -> None:
    ours = _custom_serialization(ov)
    assert ours == _custom_serialization(pydantic)
    assert ours[0]["name"] == "AB"


def _aliased_tags(lib: Any) -> Any:
    class Foo(lib.BaseModel):
        type: Literal["foo"]

    class Bar(lib.BaseModel):
        type: Literal["bar"]

    tagged_foo = TypeAliasType("TaggedFoo", Annotated[Foo, lib.Tag("foo")])
    foo_bar = TypeAliasType("FooBar", Annotated[Foo, lib.Tag("foo")] | Annotated[Bar, lib.Tag("bar")])

    class Main(lib.BaseModel):
        f: Annotated[foo_bar, lib.Discriminator(lambda v: v["type"])]
        g: Annotated[tagged_foo | Annotated[Bar, lib.Tag("bar")], lib.Discriminator(lambda v: v["type"])]

    m = Main(f={"type": "foo"}, g={"type": "bar"})
    return (
        type(m.f).__name__,
        type(m.g).__name__,
        _errors(Main.model_validate, {"f": {"type": "baz"}, "g": {"type": "foo"}}),
    )


def test_callable_discriminator_reads_tags_through_type_aliases() -> None:
    ours = _aliased_tags(ov)
    theirs = _aliased_tags(pydantic)
    assert ours[:2] == theirs[:2] == ("Foo", "Bar")
    assert [(e["type"], e["loc"]) for e in ours[2]] == [(e["type"], e["loc"]) for e in theirs[2]]


def _wrapped_serializers(lib: Any) -> Any:
    core = CORE[lib]
    cs = core.core_schema
    json_schema = importlib.import_module(f"{lib.__name__}.json_schema")
    out = []
    for when in ("unless-none", "json-unless-none", "always"):
        ser = cs.plain_serializer_function_ser_schema(str, return_schema=cs.str_schema(), when_used=when)
        for schema in (
            cs.chain_schema([cs.any_schema(), cs.nullable_schema(cs.int_schema())], serialization=ser),
            cs.lax_or_strict_schema(cs.nullable_schema(cs.int_schema()), cs.int_schema(), serialization=ser),
            cs.json_or_python_schema(cs.int_schema(), cs.nullable_schema(cs.int_schema()), serialization=ser),
        ):
            serializer = core.SchemaSerializer(schema)
            out.append(
                (
                    core.SchemaValidator(schema).validate_python(None),
                    serializer.to_python(None, mode="json") if when != "always" else None,
                    serializer.to_python(1, mode="json"),
                    serializer.to_python(1),
                    serializer.to_json(2),
                    json_schema.GenerateJsonSchema().generate(schema, mode="serialization"),
                )
            )
    return out


def test_schema_serializer_applies_core_serialization() -> None:
    """``SchemaSerializer`` applies a schema's own serializer function (``when_used`` too) and the
    serialization-mode JSON Schema shows its ``return_schema``, ``null`` first when nullable."""
    assert _wrapped_serializers(ov) == _wrapped_serializers(pydantic)


@LIBS
@pytest.mark.parametrize("defer", [True, False])
def test_compiled_validators_are_core_instances(lib: Any, defer: bool) -> None:
    """A model's and a dataclass's ``__pydantic_validator__``/``__pydantic_serializer__`` are
    instances of the core ``SchemaValidator``/``SchemaSerializer`` once built (``defer_build``:
    after first use)."""
    core = CORE[lib]

    class M(lib.BaseModel):
        model_config = lib.ConfigDict(defer_build=defer)
        x: int

    @lib.dataclasses.dataclass(config=lib.ConfigDict(defer_build=defer))
    class D:
        x: int

    assert M(x=1).model_dump() == {"x": 1}
    assert D(x="2").x == 2
    for cls in (M, D):
        assert isinstance(cls.__pydantic_validator__, core.SchemaValidator)
        assert isinstance(cls.__pydantic_serializer__, core.SchemaSerializer)
    assert not isinstance(object(), core.SchemaValidator)


@LIBS
def test_uncaught_omit_is_a_schema_error(lib: Any) -> None:
    """``PydanticOmit`` reaching the top of a TypeAdapter is pydantic-core's ``SchemaError``."""

    def omit(value: Any) -> Any:
        if value == "omit":
            raise CORE[lib].PydanticOmit
        return value

    ta = lib.TypeAdapter(Annotated[str, lib.PlainValidator(omit)])
    assert ta.validate_python("foo") == "foo"
    assert ta.validate_json('"foo"') == "foo"
    assert lib.TypeAdapter(list[Annotated[str, lib.PlainValidator(omit)]]).validate_python(["a", "omit"]) == ["a"]
    for call, value in ((ta.validate_python, "omit"), (ta.validate_json, '"omit"')):
        with pytest.raises(CORE[lib].SchemaError, match="Uncaught Omit error"):
            call(value)
