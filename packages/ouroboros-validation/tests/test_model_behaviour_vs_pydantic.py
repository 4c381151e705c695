"""BaseModel behaviours checked against Pydantic, the same code run under both: frozen
models' hash, ``use_enum_values`` wherever an enum is, ``__all__`` in include/exclude,
``model_construct`` (aliases, ``model_post_init``, private attributes)."""

from __future__ import annotations

import functools
from enum import Enum
from typing import Any, Literal, Optional

import pydantic
import pydantic_core
import pytest

import ouroboros.validation as ov
import ouroboros.validation.core as ov_core

LIBS = pytest.mark.parametrize("lib", [pydantic, ov], ids=["pydantic", "ouroboros"])


class Color(Enum):
    RED = "red"
    BLUE = "blue"


class Word(str, Enum):  # noqa: UP042 - Pydantic's test shape (a str mixin)
    FOO = "foo"


# ---- frozen hashing -------------------------------------------------------------


@LIBS
def test_frozen_hash_is_the_hash_of_the_field_values(lib: Any) -> None:
    class Point(lib.BaseModel):
        model_config = lib.ConfigDict(frozen=True)
        x: int
        y: int

    p = Point(x=1, y=2)
    assert hash(p) == hash((1, 2))
    h = hash(p)
    p.__dict__["cached"] = 3  # a cached property's entry does not count
    assert hash(p) == h
    object.__setattr__(p, "__dict__", {"y": 2, "x": 1})
    assert hash(p) == h
    del p.__dict__["x"]
    hash(p)  # a missing field does not raise


@LIBS
def test_frozen_hash_refuses_unhashable_values(lib: Any) -> None:
    class Holder(lib.BaseModel):
        model_config = lib.ConfigDict(frozen=True)
        items: list[int] = [1]

    with pytest.raises(TypeError, match="unhashable type: 'list'"):
        hash(Holder())


@LIBS
def test_frozen_hash_per_class_and_user_hash_kept(lib: Any) -> None:
    class A(lib.BaseModel):
        model_config = lib.ConfigDict(frozen=True)
        x: int

    class B(A):
        y: int

    assert A.__hash__ is not B.__hash__
    assert hash(B(x=1, y=2)) != hash(B(x=1, y=3))

    class Base(lib.BaseModel):
        model_config = lib.ConfigDict(frozen=True)

        def __hash__(self) -> int:
            return 7

    class Child(Base):
        x: dict[str, int]

        @functools.cache  # noqa: B019 - the test needs the instance hashed
        def size(self) -> int:
            return len(self.x)

    child = Child(x={"a": 1})
    assert hash(child) == 7
    assert child.size() == 1


# ---- use_enum_values ----------------------------------------------------------


@LIBS
def test_use_enum_values_everywhere_an_enum_is(lib: Any) -> None:
    class Model(lib.BaseModel):
        model_config = lib.ConfigDict(use_enum_values=True)
        union: Color | int
        literal: Literal[Color.RED]
        mapping: dict[str, Color] = {}
        items: tuple[Color, ...] = ()
        pair: Optional[tuple[Color, int]] = None

    m = Model(union=Color.RED, literal=Color.RED, mapping={"k": "blue"}, items=("red",), pair=(Color.BLUE, 1))
    assert (m.union, m.literal, m.mapping, m.items, m.pair) == ("red", "red", {"k": "blue"}, ("red",), ("blue", 1))
    assert type(m.literal) is str
    with pytest.raises((pydantic.ValidationError, ov.ValidationError)) as info:
        Model(union=1, literal=Color.BLUE)
    assert [(e["type"], e["loc"]) for e in info.value.errors()] == [("literal_error", ("literal",))]


@LIBS
def test_use_enum_values_with_a_validated_default_and_json(lib: Any) -> None:
    class Model(lib.BaseModel):
        model_config = lib.ConfigDict(use_enum_values=True, validate_default=True)
        word: Literal[Word.FOO] = Word.FOO

    assert type(Model().word) is str
    assert type(Model.model_validate_json('{"word": "foo"}').word) is str
    assert type(Model.model_validate({"word": Word.FOO}).model_dump()["word"]) is str


# ---- include / exclude ----------------------------------------------------------


@LIBS
@pytest.mark.parametrize(
    ("exclude", "expected"),
    [
        ({"items": {"__all__"}}, {"c": 3, "items": []}),
        ({"items": {1, "__all__"}}, {"c": 3, "items": []}),
        ({"items": {"__all__": {"a"}}}, {"c": 3, "items": [{"b": 2}, {"b": 4}]}),
        ({"items": {0: {"b"}, "__all__": {"a"}}}, {"c": 3, "items": [{}, {"b": 4}]}),
    ],
)
def test_all_in_exclude(lib: Any, exclude: Any, expected: Any) -> None:
    class Item(lib.BaseModel):
        a: int
        b: int

    class Box(lib.BaseModel):
        c: int
        items: list[Item]

    box = Box(c=3, items=[Item(a=1, b=2), Item(a=3, b=4)])
    assert box.model_dump(exclude=exclude) == expected


@LIBS
def test_filter_entry_that_is_not_a_set_or_dict(lib: Any) -> None:
    class Box(lib.BaseModel):
        items: list[dict[str, int]]

    box = Box(items=[{"a": 1}])
    with pytest.raises(TypeError, match="`exclude` argument must be a set or dict"):
        box.model_dump(exclude={"items": {0: 1}})
    with pytest.raises(TypeError, match="`include` argument must be a set or dict"):
        box.model_dump(include={"items": {0: 1}})


# ---- model_construct ------------------------------------------------------------


@LIBS
def test_construct_calls_model_post_init_and_sets_private_values(lib: Any) -> None:
    calls: list[Any] = []

    class Model(lib.BaseModel):
        a: int
        _secret: int = lib.PrivateAttr(1)

        def model_post_init(self, context: Any, /) -> None:
            calls.append(context)
            self._secret = 5

    Model(a=1)
    m = Model.model_construct(a=2, _secret=9)
    assert calls == [None, None]
    assert m._secret == 9

    class Plain(lib.BaseModel):
        a: int = 0

    assert Plain.model_construct().__pydantic_private__ is None


@LIBS
def test_construct_reads_aliases_first(lib: Any) -> None:
    class Model(lib.BaseModel):
        model_config = lib.ConfigDict(extra="allow")
        a: int = lib.Field(alias="A")
        b: int = lib.Field(0, validation_alias=lib.AliasChoices("bee", lib.AliasPath("nested", 0)))
        c: int = 0

    m = Model.model_construct(A=1, a=2, nested=[3], c=4)
    assert (m.a, m.b, m.c) == (1, 3, 4)
    assert m.model_fields_set == {"a", "b", "c"}
    assert m.model_extra == {"a": 2, "nested": [3]}


@pytest.mark.parametrize(
    ("lib", "undefined"),
    [(pydantic, pydantic_core.PydanticUndefined), (ov, ov_core.PydanticUndefined)],
    ids=["pydantic", "ouroboros"],
)
def test_undefined_private_value_is_left_out_of_copies(lib: Any, undefined: Any) -> None:
    class Model(lib.BaseModel):
        a: int = 0
        _cache: set[str] = lib.PrivateAttr(default_factory=lambda: {"x"})

    m = Model()
    assert m.model_copy()._cache == {"x"}
    m._cache = undefined
    assert not hasattr(m.model_copy(), "_cache")


# ---- class definition checks ------------------------------------------------------


@LIBS
def test_field_shadowing_a_parent_attribute_warns(lib: Any) -> None:
    class Parent(lib.BaseModel):
        foo: str = "abc"

    Parent.foo = "set later"  # an attribute of the parent class by the field's name
    with pytest.warns(UserWarning, match=r'"foo" in ".*Child" shadows an attribute in parent ".*Parent"'):

        class Child(Parent):
            foo: str

    with pytest.warns(UserWarning, match=r'shadows an attribute in parent "BaseModel"'):

        class Odd(lib.BaseModel):
            dict: int

    assert Odd.model_fields["dict"].is_required()


@LIBS
def test_no_shadow_warning_for_fields_of_stdlib_dataclasses_or_model_config(lib: Any) -> None:
    import dataclasses
    import warnings

    @dataclasses.dataclass
    class Plain:
        a: int = 1

    with warnings.catch_warnings():
        warnings.simplefilter("error")

        class Model(Plain, lib.BaseModel):
            a: int

        class Configured(lib.BaseModel):
            model_config: lib.ConfigDict = {}

    assert Configured.model_config == {}


@LIBS
@pytest.mark.parametrize(("name", "suggested"), [("_x", "x"), ("__x__", "x__"), ("___", "my_field")])
def test_field_names_with_leading_underscores_are_refused(lib: Any, name: str, suggested: str) -> None:
    with pytest.raises(lib.PydanticUserError, match=f"e.g., use '{suggested}' instead of '{name}'"):
        type("Model", (lib.BaseModel,), {"__annotations__": {name: int}, name: lib.Field(default=1)})


@LIBS
def test_parametrized_name_of_a_model_that_is_not_generic(lib: Any) -> None:
    class Model(lib.BaseModel):
        x: int

    with pytest.raises(TypeError, match=r"Concrete names should only be generated for generic models\."):
        Model.model_parametrized_name(())


# ---- model_rebuild namespaces -------------------------------------------------------


@LIBS
def test_rebuild_names_the_missing_annotation(lib: Any) -> None:
    class A(lib.BaseModel):
        x: int

    class B(lib.BaseModel):
        a: Model  # type: ignore[name-defined]  # noqa: F821

    B.model_rebuild(_types_namespace={"Model": A})
    assert isinstance(B(a={"x": 1}).a, A)

    class C(lib.BaseModel):
        a: Model  # type: ignore[name-defined]  # noqa: F821

    with pytest.raises(lib.PydanticUndefinedAnnotation, match="name 'Model' is not defined"):
        C.model_rebuild(_types_namespace={"A": A})


@LIBS
def test_rebuild_parent_namespace_depth_zero(lib: Any) -> None:
    class Model(lib.BaseModel):
        x: XType  # type: ignore[name-defined]

    XType = str  # not seen: depth 0 reads no frame
    with pytest.raises(NameError, match="XType"):
        Model.model_rebuild(_parent_namespace_depth=0)
    Model.__pydantic_parent_namespace__.update({"XType": int})
    Model.model_rebuild(_parent_namespace_depth=0)
    assert Model(x=42).model_dump() == {"x": 42}


def _rebuild_from_elsewhere(model: Any) -> None:
    Name = str  # noqa: F841 - the caller's local of the same name, which must not win
    Other = int  # noqa: F841 - only the caller defines it
    model.model_rebuild()


@LIBS
def test_rebuild_prefers_the_defining_namespace(lib: Any) -> None:
    Name = int

    class Late(lib.BaseModel):
        value: Name  # type: ignore[valid-type]
        other: Other  # type: ignore[name-defined]  # noqa: F821

    assert not Late.__pydantic_complete__
    _rebuild_from_elsewhere(Late)
    made = Late(value="3", other="4")
    assert (made.value, made.other) == (3, 4)


# ---- edge cases -------------------------------------------------------------------


@LIBS
def test_equality_ignores_cached_properties_and_empty_extras(lib: Any) -> None:
    class Model(lib.BaseModel):
        attr: int

        @functools.cached_property
        def cached(self) -> int:
            return 0

    a, b = Model(attr=1), Model(attr=1)
    assert a.cached == 0
    assert a == b
    assert a != Model(attr=2)


@LIBS
def test_fields_set_counts_extras(lib: Any) -> None:
    class Model(lib.BaseModel):
        model_config = lib.ConfigDict(extra="allow")
        a: int
        c: int = 3

    m = Model.model_validate({"a": 1, "d": 4})
    assert m.model_fields_set == {"a", "d"}
    m.e = 5
    assert m.model_fields_set == {"a", "d", "e"}
    assert m.model_dump(exclude_unset=True) == {"a": 1, "d": 4, "e": 5}


@LIBS
def test_private_attr_with_ellipsis_has_no_default(lib: Any) -> None:
    class Model(lib.BaseModel):
        _a: int = lib.PrivateAttr(...)

    assert not hasattr(Model(), "_a")


@LIBS
def test_hashable_fields(lib: Any) -> None:
    from collections.abc import Hashable

    class Model(lib.BaseModel):
        v: Hashable

    assert Model.model_json_schema() == {
        "properties": {"v": {"title": "V"}},
        "required": ["v"],
        "title": "Model",
        "type": "object",
    }
    assert Model(v=(1, 2)).v == (1, 2)
    for bad in ([], {"a": 1}, {1}):
        with pytest.raises((pydantic.ValidationError, ov.ValidationError)) as info:
            Model(v=bad)
        assert [(e["type"], e["msg"]) for e in info.value.errors()] == [("is_hashable", "Input should be hashable")]


@LIBS
def test_cached_property_on_a_frozen_model(lib: Any) -> None:
    class Frozen(lib.BaseModel):
        model_config = lib.ConfigDict(frozen=True)
        a: int

        @functools.cached_property
        def plus_one(self) -> int:
            return self.a + 1

    m = Frozen(a=1)
    assert m.plus_one == 2
    del m.plus_one
    m.plus_one = 3
    assert m.plus_one == 3


@LIBS
def test_extra_allow_assignment_of_class_attributes_and_deletion_of_extras(lib: Any) -> None:
    class Mixin:
        a = None
        b = "b"

    class Model(Mixin, lib.BaseModel):
        model_config = lib.ConfigDict(extra="allow")

        def greet(self) -> str:
            return "hello"

    m = Model(x=1)
    m.a = "set"
    m.b = "set"
    m.greet = lambda: "hi"
    assert (m.a, m.b, m.greet()) == ("set", "set", "hi")
    assert set(m.__dict__) == {"a", "b", "greet"}
    assert m.model_extra == {"x": 1}
    del m.x
    assert m.model_extra == {}
    with pytest.raises(AttributeError):
        del m.x


class _Base:
    pass


class _Sub(_Base):
    pass


class _Other:
    pass


@LIBS
def test_type_fields_check_subclasses(lib: Any) -> None:
    class Model(lib.BaseModel):
        sub: type[_Base] = _Base
        any_class: type = object
        either: type[str | bytes] = str
        anything: type[Any | str] = str
        none: type[None] = type(None)

    made = Model(sub=_Sub, any_class=int, either=bytes, anything=int)
    assert (made.sub, made.either, made.anything) == (_Sub, bytes, int)
    for value in (_Other, 1):
        with pytest.raises((pydantic.ValidationError, ov.ValidationError)) as info:
            Model(sub=value)
        assert info.value.errors(include_url=False) == [
            {
                "type": "is_subclass_of",
                "loc": ("sub",),
                "msg": "Input should be a subclass of _Base",
                "input": value,
                "ctx": {"class": "_Base"},
            }
        ]
    instance = _Base()
    with pytest.raises((pydantic.ValidationError, ov.ValidationError)) as info:
        Model(any_class=instance)
    assert info.value.errors(include_url=False) == [
        {"type": "is_type", "loc": ("any_class",), "msg": "Input should be a type", "input": instance}
    ]
