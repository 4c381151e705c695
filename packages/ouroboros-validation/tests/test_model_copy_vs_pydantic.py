"""``model_copy``, ``copy.copy`` and ``copy.deepcopy`` of models, as Pydantic makes them (the
same code run under both)."""

from __future__ import annotations

import copy
from typing import Any, Optional

import pydantic
import pytest

import ouroboros.validation as ov

LIBS = pytest.mark.parametrize("lib", [pydantic, ov], ids=["pydantic", "ouroboros"])


class _CountsDeepcopies:
    copies = 0

    def __deepcopy__(self, memo: dict[int, Any]) -> _CountsDeepcopies:
        type(self).copies += 1
        return _CountsDeepcopies()


@LIBS
def test_deep_copy_with_update_leaves_updated_values_alone(lib: Any) -> None:
    class Model(lib.BaseModel):
        model_config = lib.ConfigDict(arbitrary_types_allowed=True, extra="allow")
        kept: list[int]
        replaced: Any = None

    m = Model(kept=[1], replaced=_CountsDeepcopies(), other=_CountsDeepcopies())
    _CountsDeepcopies.copies = 0
    copied = m.model_copy(update={"replaced": 5, "other": 6}, deep=True)
    assert _CountsDeepcopies.copies == 0
    assert copied.kept == [1] and copied.kept is not m.kept
    assert (copied.replaced, copied.model_extra) == (5, {"other": 6})
    assert copied.model_fields_set == {"kept", "replaced", "other"}


@LIBS
def test_update_of_an_unknown_name_without_extra_allow(lib: Any) -> None:
    class Model(lib.BaseModel):
        a: int

    copied = Model(a=1).model_copy(update={"b": 2})
    assert copied.__dict__ == {"a": 1, "b": 2}
    assert copied.model_extra is None
    assert copied.model_fields_set == {"a", "b"}


@LIBS
def test_deepcopy_keeps_references_between_models(lib: Any) -> None:
    class Node(lib.BaseModel):
        name: str
        other: Optional[Node] = None

    a = Node(name="a")
    b = Node(name="b", other=a)
    a.other = b
    for copied in (copy.deepcopy(a), a.model_copy(deep=True)):
        assert copied is not a
        assert copied.other is not b
        assert copied.other.other is copied


@LIBS
def test_shallow_copy_shares_values_not_records(lib: Any) -> None:
    class Model(lib.BaseModel):
        items: list[int]
        _secret: str = lib.PrivateAttr("s")

    m = Model(items=[1])
    copied = copy.copy(m)
    assert copied.items is m.items
    copied.model_fields_set.add("extra_name")
    assert m.model_fields_set == {"items"}
    copied._secret = "changed"
    assert m._secret == "s"
