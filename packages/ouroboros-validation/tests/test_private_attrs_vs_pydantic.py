"""Private attributes collected from the class body as Pydantic collects them (the same code
run under both): which names become private, class-level access, ClassVar protection, name
errors, ``__set_name__`` on defaults, private computed fields left out of the repr."""

from __future__ import annotations

import functools
from typing import Any, ClassVar

import pydantic
import pytest

import ouroboros.validation as ov

LIBS = pytest.mark.parametrize("lib", [pydantic, ov], ids=["pydantic", "ouroboros"])


@LIBS
def test_which_names_become_private(lib: Any) -> None:
    class Ignored:
        pass

    class Model(lib.BaseModel):
        model_config = lib.ConfigDict(ignored_types=(Ignored,))
        _a = Ignored()
        _b: int = Ignored()
        _c: Ignored
        _d: functools.cached_property
        _e: int
        _f: int = 1
        _g = 1
        _h: ClassVar[int] = 2
        _i: t.ClassVar[int] = 3  # type: ignore[name-defined]  # noqa: F821 - text, read as a ClassVar

        def _method(self) -> None:
            pass

    assert sorted(Model.__private_attributes__) == ["_e", "_f", "_g"]
    m = Model()
    assert (m._f, m._g) == (1, 1)
    assert m.__pydantic_private__ == {"_f": 1, "_g": 1}
    assert Model._h == 2


@LIBS
def test_class_access_and_classvar_protection(lib: Any) -> None:
    class Model(lib.BaseModel):
        _foo: str = "abc"
        _bar: ClassVar[str] = "cba"

    assert Model._bar == "cba"
    assert Model._foo == lib.PrivateAttr("abc")
    assert Model.__private_attributes__ == {"_foo": lib.PrivateAttr("abc")}
    m = Model()
    m._foo = "x"
    assert m._foo == "x"
    with pytest.raises(AttributeError, match="'_bar' is a ClassVar of `Model` and cannot be set on an instance"):
        m._bar = "y"


@LIBS
def test_name_errors(lib: Any) -> None:
    with pytest.raises(lib.PydanticUserError, match=r"must not use valid field names; use sunder names, e\.g\. '_foo'"):
        type("A", (lib.BaseModel,), {"foo": lib.PrivateAttr()})
    with pytest.raises(lib.PydanticUserError, match="must not use dunder names; use a single underscore prefix"):
        type("B", (lib.BaseModel,), {"__foo__": lib.PrivateAttr({"private"})})
    with pytest.raises(TypeError, match="cannot specify both default and default_factory"):
        lib.PrivateAttr(default=1, default_factory=lambda: 2)


@LIBS
def test_defaults_learn_their_name(lib: Any) -> None:
    class Named(int):
        owner: str | None = None

        def __set_name__(self, owner: type, name: str) -> None:
            self.owner = f"{owner.__name__}.{name}"

    given = Named(1)

    class Model(lib.BaseModel):
        _one: int = lib.PrivateAttr(default=given)
        _two: Named = Named(2)

    assert given.owner == "Model._one"
    m = Model()
    assert (m._one, m._one.owner, m._two, m._two.owner) == (1, "Model._one", 2, "Model._two")


@LIBS
def test_private_computed_fields_are_left_out_of_the_repr(lib: Any) -> None:
    class Model(lib.BaseModel):
        foo: int

        @lib.computed_field
        @property
        def _negative(self) -> int:
            return -self.foo

        @lib.computed_field(repr=True)
        @property
        def _shown(self) -> int:
            return self.foo

    assert repr(Model(foo=1)) == "Model(foo=1, _shown=1)"
    assert Model(foo=1).model_dump() == {"foo": 1, "_negative": -1, "_shown": 1}
