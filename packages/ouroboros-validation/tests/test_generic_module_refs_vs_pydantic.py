"""A generic model parametrized in another module: a string annotation written in the generic
class is resolved in the class's own module (also when defined there later, then
``model_rebuild()``), a string type argument in the parametrizing module. Run under Pydantic
and ouroboros.validation in modules made for the test."""

import itertools
import sys
import types
from typing import Any

import pydantic
import pytest

import ouroboros.validation as ov

LIBS = pytest.mark.parametrize("lib", [pydantic, ov], ids=["pydantic", "ouroboros"])
_COUNTER = itertools.count()


def _module(source: str, lib: Any) -> types.ModuleType:
    name = f"_vt_generic_refs_{next(_COUNTER)}"
    module = types.ModuleType(name)
    sys.modules[name] = module
    exec(source.replace("LIB", lib.__name__), module.__dict__)
    return module


@LIBS
def test_annotation_of_the_generic_class_is_resolved_in_its_module(lib: Any) -> None:
    first = _module(
        "from typing import Generic, TypeVar\n"
        "from LIB import BaseModel\n"
        "T = TypeVar('T')\n"
        "class Bar(BaseModel, Generic[T]):\n"
        "    t: T\n"
        "    f: 'A'\n",
        lib,
    )
    second = _module(f"from {first.__name__} import Bar\nA = str\nBarInt = Bar[int]\n", lib)
    exec("A = int", first.__dict__)
    second.BarInt.model_rebuild()
    assert second.BarInt.model_fields["f"].annotation is int
    assert second.BarInt(t="1", f="2").f == 2


@LIBS
def test_string_type_argument_is_resolved_where_it_is_given(lib: Any) -> None:
    first = _module(
        "from typing import Generic, TypeVar\n"
        "from LIB import BaseModel\n"
        "T = TypeVar('T')\n"
        "class Bar(BaseModel, Generic[T]):\n"
        "    t: T\n",
        lib,
    )
    second = _module(f"from {first.__name__} import Bar\nBarA = Bar['A']\nA = int\n", lib)
    assert second.BarA(t="1").t == 1
    assert second.BarA.model_fields["t"].annotation is int


def _recursive_union(lib: Any, kind: str) -> Any:
    from typing import Annotated, Literal, Union

    from typing_extensions import TypedDict

    if kind == "model":

        class Foo(lib.BaseModel):
            type: Literal["foo"]
            x: "Foobar"

        class Bar(lib.BaseModel):
            type: Literal["bar"]

    elif kind == "typeddict":

        class Foo(TypedDict):  # type: ignore[no-redef]
            type: Literal["foo"]
            x: "Foobar"

        class Bar(TypedDict):  # type: ignore[no-redef]
            type: Literal["bar"]

    else:

        @lib.dataclasses.dataclass
        class Foo:  # type: ignore[no-redef]
            type: Literal["foo"]
            x: "Foobar"

        @lib.dataclasses.dataclass
        class Bar:  # type: ignore[no-redef]
            type: Literal["bar"]

    Foobar = Annotated[Union[Foo, Bar], lib.Field(discriminator="type")]
    ta = lib.TypeAdapter(Foobar)
    out: list[Any] = [ta.dump_python(ta.validate_python({"type": "foo", "x": {"type": "bar"}}))]
    for value in ({"type": "wrong"}, {"type": "foo", "x": {"type": "wrong"}}):
        try:
            ta.validate_python(value)
        except (pydantic.ValidationError, ov.ValidationError) as exc:
            out.append([(e["type"], e["loc"], e["msg"]) for e in exc.errors()])
    return out


@pytest.mark.parametrize("kind", ["model", "typeddict", "dataclass"])
def test_recursive_discriminated_union_names_found_by_the_adapter(kind: str) -> None:
    """A member naming the union alias defined after it, next to ``TypeAdapter(alias)``."""
    ours = _recursive_union(ov, kind)
    assert ours == _recursive_union(pydantic, kind)
    assert ours[0] == {"type": "foo", "x": {"type": "bar"}}
