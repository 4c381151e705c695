"""Assignment memoizes how each name is set, per class (`__pydantic_setattr_handlers__`), as
Pydantic does: only after a successful assignment, never for unknown or free-form names, and
each class its own (a subclass may validate the same name differently)."""

import functools
from typing import Any

import pydantic
import pytest

import ouroboros.validation as ours


def scenario(lib: Any) -> list[Any]:
    class Base(lib.BaseModel):
        a: int
        _p: str = "p"

        @functools.cached_property
        def c(self) -> int:
            return 1

    class Checked(Base, validate_assignment=True):
        a: int

    class Extra(lib.BaseModel, extra="allow"):
        a: int = 0

    seen: list[Any] = []

    def memo(cls: Any) -> list[str]:
        return sorted(cls.__pydantic_setattr_handlers__)

    b, ch, ex = Base(a=1), Checked(a=1), Extra()
    seen.append((memo(Base), memo(Checked)))
    with pytest.raises(lib.ValidationError):
        ch.a = "x"
    seen.append(memo(Checked))
    ch.a = "2"
    seen.append((ch.a, memo(Checked), memo(Base)))
    b.a = "3"  # no validation: stored as given
    seen.append((b.a, memo(Base), b.model_fields_set))
    with pytest.raises(ValueError, match='object has no field "unknown"'):
        b.unknown = 1
    b._unknown = 1
    b._p = "q"
    b.c = 5
    seen.append((memo(Base), b._p, b.c))
    ex.free = 1
    ex.a = 4
    seen.append((memo(Extra), ex.free, ex.a, ex.model_dump()))
    # A memoized handler keeps working for another instance.
    other = Checked(a=0)
    with pytest.raises(lib.ValidationError):
        other.a = "no"
    other.a = 7
    seen.append((other.a, other.model_fields_set))
    return seen


def test_setattr_handlers_are_memoized_as_in_pydantic() -> None:
    assert scenario(ours) == scenario(pydantic)


def test_frozen_models_and_fields_never_memoize() -> None:
    def run(lib: Any) -> Any:
        class Frozen(lib.BaseModel, frozen=True):
            a: int

        class Field(lib.BaseModel):
            a: int = lib.Field(frozen=True)
            b: int = 0

        out = []
        for model in (Frozen(a=1), Field(a=1)):
            for _ in range(2):
                with pytest.raises(lib.ValidationError) as info:
                    model.a = 2
                out.append(info.value.errors()[0]["type"])
            out.append(sorted(type(model).__pydantic_setattr_handlers__))
        return out

    assert run(ours) == run(pydantic)
