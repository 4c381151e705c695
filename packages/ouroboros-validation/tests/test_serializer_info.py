"""Serializer functions get Pydantic's ``info`` and handlers: the dump's options
(context, include/exclude, by_alias, exclude_*...), wrap handlers that dump by type,
model serializers' handlers and ``when_used``, markers inside containers, and errors
raised by serializers. Each scenario runs on Pydantic and on ouroboros.validation."""

from __future__ import annotations

from typing import Annotated, Any, Optional

import pydantic
import pydantic_core
import pytest

import ouroboros.validation as ov
from ouroboros.validation.core import PydanticSerializationError

LIBS = pytest.mark.parametrize("lib", [pydantic, ov], ids=["pydantic", "ouroboros"])


def both(scenario: Any) -> None:
    """The scenario's result is the same on both libraries."""
    assert scenario(ov) == scenario(pydantic)


def _info_options(lib: Any) -> list[Any]:
    class Model(lib.BaseModel):
        f: int

        @lib.field_serializer("f")
        def ser(self, value: int, info: Any) -> Any:
            return {
                "mode": info.mode,
                "field": info.field_name,
                "context": info.context,
                "by_alias": info.by_alias,
                "exclude_unset": info.exclude_unset,
                "exclude_defaults": info.exclude_defaults,
                "exclude_none": info.exclude_none,
                "round_trip": info.round_trip,
                "json": info.mode_is_json(),
            }

    m = Model(f=1)
    return [
        m.model_dump(),
        m.model_dump(context={"a": 1}),
        m.model_dump(mode="json", context={"b": 2}, by_alias=True),
        m.model_dump(exclude_unset=True, exclude_defaults=True, exclude_none=True, round_trip=True),
        m.model_dump(mode="custom"),
        m.model_dump_json(context={"c": 3}),
    ]


def test_info_carries_the_dump_options():
    both(_info_options)


def _model_serializer_handlers(lib: Any) -> list[Any]:
    class Wrapped(lib.BaseModel):
        a: int
        b: bytes
        c: bytes = lib.Field(exclude=True)

        @lib.model_serializer(mode="wrap")
        def ser(self, handler: Any, info: Any) -> Any:
            data = handler(self)
            data["seen"] = f"{info.mode} {sorted(info.exclude or ())}"
            return data

    class Plain(lib.BaseModel):
        a: int
        b: int

        @lib.model_serializer(when_used="json")
        def ser(self) -> Any:
            return {"ser": True}

    class Nested(lib.BaseModel):
        x: int
        inner: Optional[Nested] = None

        @lib.model_serializer(mode="wrap")
        def ser(self, handler: Any) -> Any:
            data = handler(self)
            data["x"] += 1
            return data

    w = Wrapped(a=1, b=b"boom", c=b"hidden")
    p = Plain(a=1, b=2)
    return [
        w.model_dump(),
        w.model_dump(mode="json", exclude={"a"}),
        w.model_dump_json(exclude={"a"}),
        p.model_dump(exclude={"b"}),
        p.model_dump(include={"a"}),
        p.model_dump(mode="json", exclude={"b"}),
        Nested(x=2, inner=Nested(x=1, inner=Nested(x=0))).model_dump(),
    ]


def test_model_serializer_handler_dumps_by_fields():
    both(_model_serializer_handlers)


def _field_serializer_results(lib: Any) -> list[Any]:
    class Other(lib.BaseModel):
        y: int

    class Model(lib.BaseModel):
        plain: int
        wrapped: Other
        every: int = 0

        @lib.field_serializer("plain")
        def ser_plain(self, v: int) -> Any:
            return Other(y=v)

        @lib.field_serializer("wrapped", mode="wrap")
        def ser_wrapped(self, v: Any, handler: Any) -> Any:
            return handler(v)

    class Star(lib.BaseModel):
        x: int
        y: int

        @lib.field_serializer("*")
        def double(self, v: int) -> int:
            return v * 2

    m = Model(plain=1, wrapped=Other(y=2))
    return [m.model_dump(), m.model_dump(mode="json"), Star(x=1, y=2).model_dump()]


def test_field_serializer_results_are_dumped_by_type():
    both(_field_serializer_results)


def _nested_markers(lib: Any) -> list[Any]:
    Fancy = Annotated[int, lib.PlainSerializer(lambda v: f"{v:,}")]
    JsonOnly = Annotated[int, lib.PlainSerializer(lambda v: v * 10, when_used="json")]
    Wrapped = Annotated[int, lib.WrapSerializer(lambda v, nxt: nxt(v) + 1)]

    class Model(lib.BaseModel):
        maybe: Optional[Fancy]
        items: list[Fancy]
        mapping: dict[str, JsonOnly]
        pair: tuple[Wrapped, str]
        nothing: Optional[Fancy] = None

    m = Model(maybe=1234, items=[1000, 2], mapping={"a": 1}, pair=(1, "s"))
    return [m.model_dump(), m.model_dump(mode="json"), m.model_dump_json()]


def test_serializer_markers_inside_containers():
    both(_nested_markers)


@LIBS
def test_errors_in_serializers_are_wrapped(lib):
    class Model(lib.BaseModel):
        x: Optional[int]

        @lib.field_serializer("x")
        def fmt(v, _info):
            return f"{v:,}"

    assert Model(x=1234).model_dump() == {"x": "1,234"}
    expected = PydanticSerializationError if lib is ov else pydantic_core.PydanticSerializationError
    with pytest.raises(expected, match="Error calling function `fmt`: TypeError: unsupported format string"):
        Model(x=None).model_dump()


@LIBS
def test_field_serializer_argument_errors(lib):
    with pytest.raises(lib.PydanticUserError) as exc:

        class Bare(lib.BaseModel):
            a: str

            @lib.field_serializer
            def checker(cls, v):
                return v

    assert exc.value.code == "decorator-missing-arguments"
    with pytest.raises(lib.PydanticUserError) as exc:

        class Listed(lib.BaseModel):
            a: str

            @lib.field_serializer(["a"])
            def checker(cls, v):
                return v

    assert exc.value.code == "decorator-invalid-fields"
    with pytest.raises(lib.PydanticUserError, match="Decorators defined with incorrect fields"):

        class Unknown(lib.BaseModel):
            a: str

            @lib.field_serializer("b")
            def checker(v):
                return v


def _dataclass_serializers(lib: Any) -> list[Any]:
    @lib.dataclasses.dataclass
    class ClassA:
        a: int

        @lib.model_serializer
        def serialize(self, info: Any) -> Any:
            return f"A {info.polymorphic_serialization} {info.context}"

    @lib.dataclasses.dataclass
    class ClassB(ClassA):
        b: str

    adapter = lib.TypeAdapter(ClassA)
    return [
        adapter.dump_python(ClassA(a=1)),
        adapter.dump_python(ClassB(a=1, b="x"), polymorphic_serialization=False, context={"c": 1}),
        adapter.dump_json(ClassA(a=1), context={"c": 2}),
        adapter.serializer.to_python(ClassB(a=1, b="x"), polymorphic_serialization=True),
    ]


def test_adapter_dumps_pass_options_to_dataclass_serializers():
    both(_dataclass_serializers)


def _dataclass_extra(lib: Any) -> list[Any]:
    @lib.dataclasses.dataclass(config=lib.ConfigDict(extra="allow"))
    class Foo:
        a: int = lib.Field(0, alias="b")

    return [Foo(b=1, a="not_an_int", c=2).__dict__, Foo(a="x").__dict__]


def test_dataclass_extra_named_as_a_field_does_not_replace_it():
    both(_dataclass_extra)
