"""Computed fields dumped as Pydantic dumps them: their ``@field_serializer`` (by name or
``"*"``, ``when_used="json"``), ``PlainSerializer`` in the return type, include/exclude into
their values, ``exclude_if``, dataclass computed fields, setters/deleters, forward-referenced
return types and their serialization-mode JSON Schema; ``exclude_none`` on extras. Each case
runs the same code under Pydantic and ouroboros.validation and compares the outcomes."""

import dataclasses
from typing import Annotated, Any

import pydantic
import pytest

import ouroboros.validation as ov


def _serializers(lib: Any) -> Any:
    class Model(lib.BaseModel):
        x: int

        @lib.computed_field
        @property
        def two_x(self) -> Annotated[int, lib.PlainSerializer(lambda v: f"double {v}", return_type=str)]:
            return self.x * 2

        @lib.computed_field
        @property
        def three_x(self) -> int:
            return self.x * 3

        @lib.field_serializer("three_x", when_used="json")
        def ser_three_x(self, v: int) -> str:
            return f"triple {v}"

    m = Model(x=1)
    return m.model_dump(), m.model_dump(mode="json"), m.model_dump_json(), Model.model_json_schema(mode="serialization")


def test_computed_field_serializers_match_pydantic() -> None:
    assert _serializers(ov) == _serializers(pydantic)
    assert _serializers(ov)[0] == {"x": 1, "two_x": "double 2", "three_x": 3}


def _star_serializer(lib: Any) -> Any:
    class Model(lib.BaseModel):
        other: int = 42

        @lib.computed_field
        @property
        def mine(self) -> str:
            return "foo"

        @lib.field_serializer("*")
        def every(self, value: Any, info: Any) -> Any:
            return f"{info.field_name} = {value}"

    return Model().model_dump(), Model().model_dump_json()


def test_star_field_serializer_reaches_computed_fields() -> None:
    assert _star_serializer(ov) == _star_serializer(pydantic)
    assert _star_serializer(ov)[0] == {"other": "other = 42", "mine": "mine = foo"}


def _include_exclude(lib: Any) -> Any:
    class Model(lib.BaseModel):
        x: int
        y: int

        @lib.computed_field
        def x_list(self) -> list[int]:
            return [self.x, self.x + 1]

        @lib.computed_field
        def y_list(self) -> list[int]:
            return [self.y, self.y + 1, self.y + 2]

    m = Model(x=1, y=2)
    return (
        m.model_dump(include={"x": None, "x_list": {0}}),
        m.model_dump(exclude={"x": ..., "y_list": {2}}),
        m.model_dump_json(include={"x": None, "x_list": {0}}),
        m.model_dump(include={"x": False, "y_list": {-1}}),
        m.model_dump(exclude={"x": None, "y": False}),
    )


def test_include_exclude_reach_computed_values() -> None:
    assert _include_exclude(ov) == _include_exclude(pydantic)
    assert _include_exclude(ov)[0] == {"x": 1, "x_list": [1]}


def _exclude_if_and_schema(lib: Any) -> Any:
    class Model(lib.BaseModel):
        foo: int

        @lib.computed_field(exclude_if=lambda v: v == 1)
        def bar(self) -> int:
            return 1

        @lib.computed_field(title="Baz!", description="d", examples=[1, 2], json_schema_extra={"k": 3})
        @property
        def baz(self) -> int:
            return self.foo

    m = Model(foo=1)
    return (
        m.model_dump(),
        m.model_dump_json(),
        m.model_dump(exclude_computed_fields=True),
        Model.model_json_schema(mode="serialization"),
    )


def test_computed_exclude_if_and_json_schema() -> None:
    assert _exclude_if_and_schema(ov) == _exclude_if_and_schema(pydantic)


def _dataclass(lib: Any) -> Any:
    @dataclasses.dataclass
    class Plain:
        x: int

        def helper(self) -> int:
            return self.x * 2

        @lib.computed_field
        def double(self) -> int:
            return self.helper()

    @lib.dataclasses.dataclass
    class Validated:
        x: int

        @lib.computed_field
        @property
        def triple(self) -> int:
            return self.x * 3

    return (
        lib.TypeAdapter(Plain).dump_python(Plain(x=2)),
        lib.TypeAdapter(Validated).dump_python(Validated(x=2)),
        lib.TypeAdapter(Validated).dump_json(Validated(x=2)),
        lib.TypeAdapter(Validated).json_schema(mode="serialization"),
    )


def test_dataclass_computed_fields_match_pydantic() -> None:
    assert _dataclass(ov) == _dataclass(pydantic)
    assert _dataclass(ov)[0] == {"x": 2, "double": 4}


def _setter_deleter(lib: Any) -> Any:
    class User(lib.BaseModel):
        first: str
        last: str

        @lib.computed_field
        def fullname(self) -> str:
            return f"{self.first} {self.last}"

        @fullname.setter
        def fullname(self, value: str) -> None:
            self.first, self.last = value.split()

        @fullname.deleter
        def fullname(self) -> None:
            self.first = self.last = ""

    user = User(first="John", last="Smith")
    dumps = [user.model_dump()]
    user.fullname = "Pika Chu"
    dumps.append(user.model_dump())
    del user.fullname
    dumps.append(user.model_dump())
    return (
        dumps,
        isinstance(User.fullname, property),
        User.model_computed_fields["fullname"].wrapped_property is User.fullname,
    )


def test_computed_setter_deleter_and_class_access() -> None:
    assert _setter_deleter(ov) == _setter_deleter(pydantic)
    assert _setter_deleter(ov)[1:] == (True, True)


def _forward_ref(lib: Any) -> Any:
    class Model(lib.BaseModel):
        x: int

        @lib.computed_field
        @property
        def two_x(self) -> "IntAlias":  # noqa: F821 - resolved by model_rebuild below
            return self.x * 2

    Model.model_rebuild(_types_namespace={"IntAlias": int})
    return Model.model_json_schema(mode="serialization"), Model(x=1).model_dump()


def test_forward_referenced_computed_return_type() -> None:
    assert _forward_ref(ov) == _forward_ref(pydantic)


@pytest.mark.parametrize("lib", [pydantic, ov], ids=["pydantic", "ouroboros"])
def test_exclude_none_applies_to_extras(lib: Any) -> None:
    class Model(lib.BaseModel):
        model_config = lib.ConfigDict(extra="allow")
        a: int | None = None

    m = Model(a=None, b=None, c=1)
    assert m.model_dump(exclude_none=True) == {"c": 1}
    assert m.model_dump_json(exclude_none=True) == '{"c":1}'
    assert m.model_dump() == {"a": None, "b": None, "c": 1}


def _length_errors(lib: Any) -> Any:
    import collections

    out = []
    cases = [
        (list[int], [1, 2, 3, "x"]),
        (set[int], [1, 2, 3, "x"]),
        (frozenset[int], {1, 2, 3}),
        (dict[str, int], {"1": 1, "2": 2, "3": 3, "4": "x"}),
        (collections.OrderedDict[str, int], {"1": 1, "2": 2, "3": 3}),
        (collections.Counter[str], {"a": 1, "b": 2, "c": 3}),
        (tuple[int, ...], (1, 2, 3)),
        (collections.deque[int], [1, 2, 3]),
        (set[int], [1, 1, 1, 2]),
        (list[int], (i for i in range(5))),
    ]
    for tp, value in cases:
        adapter = lib.TypeAdapter(Annotated[tp, lib.Field(max_length=2)])
        try:
            adapter.validate_python(value)
            out.append("ok")
        except (pydantic.ValidationError, ov.ValidationError) as exc:
            out.append([(e["type"], e["loc"], e["msg"], e.get("ctx")) for e in exc.errors()])
    try:
        lib.TypeAdapter(Annotated[set[int], lib.Field(max_length=2)]).validate_json("[1,2,3]")
    except (pydantic.ValidationError, ov.ValidationError) as exc:
        out.append([(e["type"], e["msg"], e.get("ctx")) for e in exc.errors()])
    return out


def test_collection_length_errors_match_pydantic() -> None:
    """Sets and dicts stop at the first item past ``max_length`` ("not more", no actual
    length); deques, OrderedDicts and Counters are named as such."""
    assert _length_errors(ov) == _length_errors(pydantic)
    assert _length_errors(ov)[1][0][2] == "Set should have at most 2 items after validation, not more"


def _compiled_pattern(lib: Any) -> Any:
    import re

    out = []
    for pattern in (re.compile(r"^a+$"), re.compile(r"^a+$", re.IGNORECASE), re.compile(r"(?<=a)b")):

        class M(lib.BaseModel):
            x: str = lib.Field(pattern=pattern)

        for value in ("aa", "AA", "ab", "b"):
            try:
                out.append(M(x=value).x)
            except (pydantic.ValidationError, ov.ValidationError) as exc:
                out.append([(e["type"], e["msg"], e.get("ctx")) for e in exc.errors()])
        out.append(M.model_json_schema())
    return out


def test_compiled_pattern_matches_pydantic() -> None:
    """``Field(pattern=re.compile(...))`` is matched by Python's ``re`` with its flags."""
    assert _compiled_pattern(ov) == _compiled_pattern(pydantic)


def _attribute_errors(lib: Any) -> Any:
    class Model(lib.BaseModel):
        model_config = lib.ConfigDict(extra="allow")

        @lib.computed_field
        def comp(self) -> str:
            raise AttributeError("computed failed")

        @property
        def prop(self) -> str:
            raise AttributeError("property failed")

    out = []
    for make, name in ((Model, "comp"), (Model, "prop"), (lambda: Model(extra="x"), "prop"), (Model, "nothing")):
        try:
            getattr(make(), name)
        except AttributeError as exc:
            out.append(str(exc))
    return out


def test_property_attribute_errors_are_kept() -> None:
    """A property or computed field raising ``AttributeError`` shows its own message."""
    ours = _attribute_errors(ov)
    assert ours == _attribute_errors(pydantic)
    assert ours[:2] == ["computed failed", "property failed"]
