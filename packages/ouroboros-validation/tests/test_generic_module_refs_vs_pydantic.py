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
