"""``experimental.arguments_schema.generate_arguments_schema`` validated by the core
``SchemaValidator`` (``arguments-v3`` mappings, ``arguments`` ``ArgsKwargs``), and the JSON Schema
of an ``arguments_v3_schema``: each compared with Pydantic."""

from typing import Annotated, Any

import pydantic
import pydantic_core
import pytest
from pydantic.experimental import arguments_schema as pydantic_args
from typing_extensions import TypedDict, Unpack

import ouroboros.validation as ours
from ouroboros.validation import core as ours_core
from ouroboros.validation.experimental import arguments_schema as ours_args

SIDES = [(ours, ours_core, ours_args), (pydantic, pydantic_core, pydantic_args)]


class TD(TypedDict, total=False):
    x: int
    y: str


def func(a: int, /, b: Annotated[int, pydantic.Field(alias="bee")], *args: str, c: int = 6, **kwargs: int) -> None:
    pass


def func_ours(a: int, /, b: Annotated[int, ours.Field(alias="bee")], *args: str, c: int = 6, **kwargs: int) -> None:
    pass


def unpacked(a: int, **kwargs: Unpack[TD]) -> None:
    pass


def outcome(lib: Any, call: Any) -> Any:
    try:
        return call()
    except lib.ValidationError as exc:
        return sorted((e["type"], e["loc"]) for e in exc.errors())


@pytest.mark.parametrize(
    "value",
    [
        {"a": 1, "bee": "2", "args": ["x", 3], "c": 5, "kwargs": {"k": "7"}},
        {"a": 1, "bee": 2},
        {"a": "z", "bee": 2, "c": "q"},
        {"bee": 2},
    ],
)
def test_arguments_v3_as_pydantic(value: dict[str, Any]) -> None:
    got, want = [
        outcome(
            lib,
            lambda lib=lib, core=core, gen=gen, f=f: core.SchemaValidator(
                gen.generate_arguments_schema(f), config={"coerce_numbers_to_str": True}
            ).validate_python(value),
        )
        for (lib, core, gen), f in zip(SIDES, (func_ours, func), strict=True)
    ]
    assert got == want


@pytest.mark.parametrize("value", [{"a": 1, "kwargs": {"x": "2", "y": "s"}}, {"a": 1, "kwargs": {"x": "n"}}, {"a": 1}])
def test_unpacked_typed_dict_as_pydantic(value: dict[str, Any]) -> None:
    got, want = [
        outcome(
            lib,
            lambda core=core, gen=gen: core.SchemaValidator(gen.generate_arguments_schema(unpacked)).validate_python(
                value
            ),
        )
        for lib, core, gen in SIDES
    ]
    assert got == want


@pytest.mark.parametrize(("lib", "core", "gen"), SIDES, ids=["ours", "pydantic"])
def test_arguments_schema_takes_args_kwargs(lib: Any, core: Any, gen: Any) -> None:
    def f(p: bool, *args: str, **kwargs: int) -> None:
        pass

    schema = gen.generate_arguments_schema(
        f, schema_type="arguments", parameters_callback=lambda i, _n, _a: "skip" if i == 0 else None
    )
    v = core.SchemaValidator(schema, config={"coerce_numbers_to_str": True})
    assert v.validate_python(core.ArgsKwargs(("a", 1), {"k": 2})) == (("a", "1"), {"k": 2})


def test_arguments_v3_json_schema_as_pydantic() -> None:
    def build(cs: Any) -> Any:
        return cs.arguments_v3_schema(
            [
                cs.arguments_v3_parameter(name="a", schema=cs.int_schema(), mode="positional_only", alias="aa"),
                cs.arguments_v3_parameter(name="c", schema=cs.str_schema(), mode="var_args"),
                cs.arguments_v3_parameter(
                    name="d", schema=cs.with_default_schema(cs.int_schema(), default=1), mode="keyword_only"
                ),
                cs.arguments_v3_parameter(name="e", schema=cs.int_schema(), mode="var_kwargs_uniform"),
            ]
        )

    got = ours.json_schema.GenerateJsonSchema().generate(build(ours_core.core_schema))
    want = pydantic.json_schema.GenerateJsonSchema().generate(build(pydantic_core.core_schema))
    assert got == want
