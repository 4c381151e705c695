"""``@computed_field`` declarations Pydantic refuses or accepts: a missing return annotation, a
computed field replacing a parent's field, ``@classmethod`` over ``@property``, ``-> None``."""

from typing import Any, ClassVar

import pydantic
import pytest

import ouroboros.validation as ours

LIBS = pytest.mark.parametrize("lib", [ours, pydantic], ids=["ours", "pydantic"])


@LIBS
def test_missing_return_annotation_is_refused(lib: Any) -> None:
    with pytest.raises(lib.PydanticUserError, match="Computed field is missing return type annotation") as info:

        class Model(lib.BaseModel):
            @lib.computed_field  # type: ignore[prop-decorator]
            def c(self):  # type: ignore[no-untyped-def]
                return 1

    assert info.value.code == "model-field-missing-annotation"

    class Given(lib.BaseModel):
        @lib.computed_field(return_type=int)  # type: ignore[prop-decorator]
        def c(self):  # type: ignore[no-untyped-def]
            return 1

        @lib.computed_field  # type: ignore[prop-decorator]
        def nothing(self) -> None:
            return None

    assert Given().model_dump() == {"c": 1, "nothing": None}
    assert Given().model_dump(exclude_none=True) == {"c": 1}


@LIBS
def test_overriding_a_parent_field_is_refused(lib: Any) -> None:
    class Parent(lib.BaseModel):
        name: str = "foo"

    with pytest.raises(TypeError, match="Field 'name' of class 'Child' overrides symbol of same name"):

        class Child(Parent):
            @lib.computed_field  # type: ignore[prop-decorator]
            @property
            def name(self) -> str:
                return "bar"


@LIBS
def test_classmethod_property(lib: Any) -> None:
    class Model(lib.BaseModel):
        x: int
        y: ClassVar[int] = 4

        @lib.computed_field  # type: ignore[prop-decorator]
        @classmethod
        @property
        def two_y(cls) -> int:
            return cls.y * 2

    m = Model(x=1)
    assert m.two_y == 8
    assert m.model_dump() == {"x": 1, "two_y": 8}
