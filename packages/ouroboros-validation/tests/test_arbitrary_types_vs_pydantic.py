"""Classes without a schema are refused as Pydantic refuses them: `PydanticSchemaGenerationError`
(code `schema-for-unknown-type`, Pydantic's message) when the model, TypeAdapter, dataclass,
TypedDict or `validate_call` is defined, unless `arbitrary_types_allowed` is set or a marker
replaces the class's schema (`PlainValidator`, `InstanceOf`, a hook that never asks for it).
Also `complex` and `type(...)`, which Pydantic supports and which used to pass as bare classes."""

import decimal
import fractions
import json
import re
import typing
from collections.abc import Callable
from typing import Annotated, Any, AnyStr, Optional

import pydantic
import pydantic_core
import pytest
from typing_extensions import TypedDict

import ouroboros.validation as ours
from ouroboros.validation import core as ours_core


class Thing:
    def __init__(self, n: int = 0) -> None:
        self.n = n


def core_schema_of(lib: Any) -> Any:
    return pydantic_core.core_schema if lib is pydantic else ours_core.core_schema


def outcome(call: Callable[[], Any]) -> Any:
    """What a definition gives: the error's class name, code and message, or 'ok' and a value."""
    try:
        value = call()
    except Exception as exc:  # noqa: BLE001 - compared between the libraries
        return (type(exc).__name__, getattr(exc, "code", None), str(exc).split("\n")[0])
    return ("ok", value)


def model_field(lib: Any, tp: Any) -> Any:
    class M(lib.BaseModel):
        x: tp

    return "model"


def model_default(lib: Any, tp: Any) -> Any:
    class M(lib.BaseModel):
        x: tp = None

    return "model"


def computed(lib: Any, tp: Any) -> Any:
    class M(lib.BaseModel):
        a: int = 1

        @lib.computed_field  # type: ignore[prop-decorator]
        @property
        def x(self) -> tp:
            return Thing()

    return "model"


def dataclass(lib: Any, tp: Any) -> Any:
    @lib.dataclasses.dataclass
    class D:
        x: tp

    return "dataclass"


def typed_dict(lib: Any, tp: Any) -> Any:
    class TD(TypedDict):
        x: tp

    lib.TypeAdapter(TD)
    return "typeddict"


def call(lib: Any, tp: Any) -> Any:
    @lib.validate_call
    def f(x: tp) -> Any:
        return x

    return "call"


def adapter(lib: Any, tp: Any) -> Any:
    lib.TypeAdapter(tp)
    return "adapter"


DEFINITIONS = [model_field, model_default, computed, dataclass, typed_dict, call, adapter]
# (annotation, the class the error names)
REFUSED = [
    (Thing, Thing),
    (list[Thing], Thing),
    (Optional[Thing], Thing),
    (dict[str, Thing], Thing),
    (tuple[int, Thing], Thing),
    (memoryview, memoryview),
    (range, range),
    (slice, slice),
    (Exception, Exception),
]


@pytest.mark.parametrize(("tp", "named"), REFUSED, ids=[repr(tp) for tp, _ in REFUSED])
@pytest.mark.parametrize("define", DEFINITIONS, ids=lambda d: d.__name__)
def test_a_class_without_a_schema_is_refused_at_definition(define: Any, tp: Any, named: type) -> None:
    got, want = outcome(lambda: define(ours, tp)), outcome(lambda: define(pydantic, tp))
    assert got == want
    assert got[:2] == ("PydanticSchemaGenerationError", "schema-for-unknown-type")
    assert got[2].startswith(f"Unable to generate pydantic-core schema for {named!r}. Set `arbitrary_types_allowed")


def test_the_error_class_and_full_message_are_pydantic_s() -> None:
    with pytest.raises(ours.PydanticSchemaGenerationError) as got:
        ours.TypeAdapter(Thing)
    with pytest.raises(pydantic.PydanticSchemaGenerationError) as want:
        pydantic.TypeAdapter(Thing)
    assert str(got.value) == str(want.value)
    assert isinstance(got.value, ours.PydanticUserError)
    assert isinstance(got.value, TypeError)


@pytest.mark.parametrize("define", [model_field, dataclass, typed_dict, call, adapter], ids=lambda d: d.__name__)
def test_arbitrary_types_allowed_accepts_instances(define: Any) -> None:
    def allowed(lib: Any) -> Any:
        config = lib.ConfigDict(arbitrary_types_allowed=True)
        if define is adapter:
            ta = lib.TypeAdapter(list[Thing], config=config)
            try:
                ta.validate_python([1])
            except lib.ValidationError as exc:
                errors = [(e["type"], e["loc"], e["msg"], e["ctx"]) for e in exc.errors()]
            return [t.n for t in ta.validate_python([Thing(1), Thing(2)])], errors

        class M(lib.BaseModel):
            model_config = config
            x: Thing
            y: list[Thing] = []

        m = M(x=Thing(3), y=[Thing(4)])
        try:
            M(x=3)
        except lib.ValidationError as exc:
            errors = [(e["type"], e["loc"], e["msg"], e["ctx"]) for e in exc.errors()]
        return m.x.n, [t.n for t in m.y], errors

    assert allowed(ours) == allowed(pydantic)


def markers(lib: Any) -> list[tuple[str, Any, Any]]:
    cs = core_schema_of(lib)
    return [
        ("plain", Annotated[Thing, lib.PlainValidator(lambda v: Thing(v))], 3),
        ("before", Annotated[Thing, lib.BeforeValidator(lambda v: Thing(v))], 3),
        ("after", Annotated[Thing, lib.AfterValidator(lambda v: v)], 3),
        ("wrap", Annotated[Thing, lib.WrapValidator(lambda v, h: Thing(v))], 3),
        ("instance_of", lib.InstanceOf[Thing], Thing(5)),
        ("skip", lib.SkipValidation[Thing], 5),
        ("validate_as", Annotated[Thing, lib.ValidateAs(int, Thing)], "5"),
        (
            "hook_without_handler",
            Annotated[Thing, lib.GetPydanticSchema(lambda s, h: cs.no_info_plain_validator_function(Thing))],
            2,
        ),
        ("hook_with_handler", Annotated[Thing, lib.GetPydanticSchema(lambda s, h: h(s))], 2),
        ("plain_in_list", list[Annotated[Thing, lib.PlainValidator(lambda v: Thing(v))]], [1, 2]),
        ("plain_optional", Optional[Annotated[Thing, lib.PlainValidator(lambda v: Thing(v))]], None),
        ("field_then_plain", Annotated[Thing, lib.Field(description="d"), lib.PlainValidator(lambda v: Thing(v))], 3),
    ]


@pytest.mark.parametrize("index", range(12), ids=[name for name, _, _ in markers(ours)])
def test_markers_that_replace_the_schema_need_none(index: int) -> None:
    def run(lib: Any) -> Any:
        _, tp, value = markers(lib)[index]

        def validated() -> Any:
            out = lib.TypeAdapter(tp).validate_python(value)
            if isinstance(out, list):
                return [o.n for o in out]
            return getattr(out, "n", out)

        return outcome(validated)

    assert run(ours) == run(pydantic)


def test_a_model_field_with_a_plain_validator_over_a_class() -> None:
    def run(lib: Any) -> Any:
        class M(lib.BaseModel):
            x: Annotated[Thing, lib.PlainValidator(lambda v: Thing(v))]

        return M(x=4).x.n, M.model_json_schema()

    assert run(ours) == run(pydantic)


COMPLEX_INPUTS = [
    "1+2j",
    " 1+2j ",
    "(1+2j)",
    "1",
    "j",
    "inf+1j",
    3,
    2.5,
    True,
    None,
    decimal.Decimal("1.5"),
    fractions.Fraction(1, 2),
    b"1",
    [1, 2],
    "x",
    1 + 0j,
]


@pytest.mark.parametrize("value", COMPLEX_INPUTS, ids=repr)
@pytest.mark.parametrize("strict", [False, True])
def test_complex_validates_as_pydantic(value: Any, strict: bool) -> None:
    def run(lib: Any) -> Any:
        ta = lib.TypeAdapter(complex, config=lib.ConfigDict(strict=strict))
        try:
            return ta.validate_python(value)
        except lib.ValidationError as exc:
            return [(e["type"], e["msg"], e.get("ctx")) for e in exc.errors()]

    assert run(ours) == run(pydantic)


@pytest.mark.parametrize("raw", ['"1+2j"', "1", "2.5", "null", "[1,2]", '"(1-2j)"'])
def test_complex_from_json_as_pydantic(raw: str) -> None:
    def run(lib: Any) -> Any:
        try:
            return lib.TypeAdapter(complex).validate_json(raw)
        except lib.ValidationError as exc:
            return [e["type"] for e in exc.errors()]

    assert run(ours) == run(pydantic)


@pytest.mark.parametrize(
    "value", [1 + 2j, 1j, -1j, 0j, 1.5 - 2.25j, complex(float("inf"), 0), 1e20 + 1e-20j, complex(-0.0, 0)], ids=repr
)
def test_complex_dumps_as_pydantic(value: complex) -> None:
    def run(lib: Any) -> Any:
        class M(lib.BaseModel):
            c: complex

        ta = lib.TypeAdapter(complex)
        m = M(c=value)
        return (
            ta.dump_json(value),
            ta.dump_python(value),
            ta.dump_python(value, mode="json"),
            m.model_dump(),
            m.model_dump_json(),
            json.loads(m.model_dump_json()) == m.model_dump(mode="json"),
            M.model_json_schema(),
        )

    assert run(ours) == run(pydantic)


def test_ellipsis_type_as_pydantic() -> None:
    def run(lib: Any) -> Any:
        ta = lib.TypeAdapter(type(...))
        ok = ta.validate_python(...)
        try:
            ta.validate_python(1)
        except lib.ValidationError as exc:
            errors = [(e["type"], e["msg"]) for e in exc.errors()]
        try:
            ta.json_schema()
        except lib.PydanticInvalidForJsonSchema as exc:
            schema_error = str(exc)
        return ok, errors, schema_error

    assert run(ours) == run(pydantic)


@pytest.mark.parametrize(
    "tp",
    [re.Pattern[int], re.Pattern[Any], re.Pattern[AnyStr], typing.Pattern[str], re.Pattern[bytes], re.Pattern],
    ids=repr,
)
def test_pattern_parameters_as_pydantic(tp: Any) -> None:
    assert outcome(lambda: adapter(ours, tp)) == outcome(lambda: adapter(pydantic, tp))


def test_a_hook_asking_for_its_own_class_schema_gets_pydantic_s_error() -> None:
    def run(lib: Any, allowed: bool) -> Any:
        seen: list[str] = []

        class Custom:
            @classmethod
            def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
                try:
                    return handler(source)
                except lib.PydanticSchemaGenerationError as exc:
                    seen.append(exc.code)
                    return core_schema_of(lib).no_info_plain_validator_function(lambda v: v)

        config = lib.ConfigDict(arbitrary_types_allowed=allowed)
        ta = lib.TypeAdapter(Custom, config=config)
        return seen, ta.validate_python(Custom()).__class__.__name__

    assert run(ours, False) == run(pydantic, False) == (["schema-for-unknown-type"], "Custom")
    assert run(ours, True) == run(pydantic, True)


def test_a_hook_on_a_named_tuple_or_typed_dict_gets_its_fields_schema() -> None:
    def run(lib: Any) -> Any:
        class Point(typing.NamedTuple):
            x: int
            y: int

        class Hooked(Point):
            @classmethod
            def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
                return handler(source)

        class Row(TypedDict):
            a: int

        class HookedRow(Row):
            @classmethod
            def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
                return handler(source)

        point = lib.TypeAdapter(Hooked).validate_python(("1", 2))
        row = lib.TypeAdapter(HookedRow).validate_python({"a": "3"})
        return tuple(point), row

    assert run(ours) == run(pydantic)


def test_path_like_parametrized_as_pydantic() -> None:
    import os
    import pathlib

    def run(lib: Any) -> Any:
        class M(lib.BaseModel):
            s: os.PathLike[str]
            b: os.PathLike[Any]

        m = M(s="/a/b", b=pathlib.Path("/c"))
        return m.s, m.b, m.model_dump_json()

    assert run(ours) == run(pydantic)


def test_an_instance_as_a_type_is_refused_or_allowed_with_a_warning() -> None:
    def run(lib: Any) -> Any:
        refused = outcome(lambda: lib.TypeAdapter(Thing()))[:2]
        with pytest.warns(lib.warnings.ArbitraryTypeWarning, match="is not a Python type"):
            ta = lib.TypeAdapter(Thing(), config=lib.ConfigDict(arbitrary_types_allowed=True))
        value = object()
        return refused, ta.validate_python(value) is value

    assert run(ours) == run(pydantic) == (("PydanticSchemaGenerationError", "schema-for-unknown-type"), True)
