"""model_dump / model_dump_json options, and JSON input parsed in Rust."""

import json
from datetime import date
from decimal import Decimal
from typing import Dict, List, Optional, Set, Tuple
from uuid import UUID

import pytest
from conftest import errors_of

from ouroboros.validation import BaseModel, Field


class Address(BaseModel):
    city: str
    zip: Optional[str] = None


class User(BaseModel):
    id: int
    name: str = "anon"
    address: Address
    friends: List[int] = []
    meta: Dict[str, str] = {}
    password: str = Field(default="", exclude=True)


U = User(id=1, address={"city": "Paris"}, friends=[2, 3])


def test_dump_default():
    assert U.model_dump() == {
        "id": 1,
        "name": "anon",
        "address": {"city": "Paris", "zip": None},
        "friends": [2, 3],
        "meta": {},
    }


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"include": {"id", "name"}}, {"id": 1, "name": "anon"}),
        ({"exclude": {"friends", "meta", "address"}}, {"id": 1, "name": "anon"}),
        ({"include": {"address": {"city"}}}, {"address": {"city": "Paris"}}),
        (
            {"exclude": {"address": {"zip"}, "friends": True, "meta": True}},
            {"id": 1, "name": "anon", "address": {"city": "Paris"}},
        ),
        ({"include": {"friends": {0}}}, {"friends": [2]}),
        ({"exclude_unset": True}, {"id": 1, "address": {"city": "Paris"}, "friends": [2, 3]}),
        ({"exclude_defaults": True}, {"id": 1, "address": {"city": "Paris"}, "friends": [2, 3]}),
        (
            {"exclude_none": True},
            {"id": 1, "name": "anon", "address": {"city": "Paris"}, "friends": [2, 3], "meta": {}},
        ),
    ],
)
def test_dump_options(kwargs, expected):
    assert U.model_dump(**kwargs) == expected
    assert json.loads(U.model_dump_json(**kwargs)) == expected


def test_excluded_field_never_dumped():
    u = User(id=1, address={"city": "x"}, password="pw")
    assert u.password == "pw"
    assert "password" not in u.model_dump()
    assert "password" not in u.model_dump_json()


def test_dump_json_is_compact_and_indent_works():
    assert (
        U.model_dump_json() == '{"id":1,"name":"anon","address":{"city":"Paris","zip":null},"friends":[2,3],"meta":{}}'
    )
    assert U.model_dump_json(indent=2).startswith('{\n  "id": 1,')


def test_dump_json_escapes_and_unicode():
    class T(BaseModel):
        s: str

    assert T(s='a"b\\c\n\té').model_dump_json() == '{"s":"a\\"b\\\\c\\n\\té"}'
    assert T.model_validate_json(T(s='a"b\\c\n').model_dump_json()).s == 'a"b\\c\n'


class Everything(BaseModel):
    u: UUID
    d: Decimal
    day: date
    tags: Set[str]
    pair: Tuple[int, str]
    raw: bytes
    f: float


def test_json_mode_converts_special_types():
    e = Everything(
        u="12345678-1234-5678-1234-567812345678",
        d="1.50",
        day="2020-01-02",
        tags=["a"],
        pair=[1, "x"],
        raw=b"hi",
        f=float("inf"),
    )
    py = e.model_dump()
    assert py["pair"] == (1, "x") and py["tags"] == {"a"} and isinstance(py["d"], Decimal)
    js = e.model_dump(mode="json")
    assert js == {
        "u": "12345678-1234-5678-1234-567812345678",
        "d": "1.50",
        "day": "2020-01-02",
        "tags": ["a"],
        "pair": [1, "x"],
        "raw": "hi",
        "f": None,
    }
    assert json.loads(e.model_dump_json()) == js


def test_other_dump_modes_dump_as_python():
    # Pydantic accepts any mode name: the dump is Python mode, serializers see the name.
    assert U.model_dump(mode="xml") == U.model_dump()


def test_unknown_types_cannot_be_json_dumped():
    class Any_(BaseModel):
        x: object

    with pytest.raises(TypeError, match="Unable to serialize unknown type"):
        Any_(x=object()).model_dump_json()


@pytest.mark.parametrize(
    "raw",
    [
        b'{"id": 1, "address": {"city": "P"}}',
        '{"id": 1, "address": {"city": "P"}}',
        bytearray(b'{"id": 1, "address": {"city": "P"}}'),
    ],
)
def test_validate_json_inputs(raw):
    assert User.model_validate_json(raw) == User(id=1, address={"city": "P"})


@pytest.mark.parametrize("raw", ['{"id": 1', "", "[1, 2", '{"id": 1,}', "nul", '{"a": "\\x"}'])
def test_invalid_json(raw):
    (err,) = errors_of(User.model_validate_json, raw)
    assert err["type"] == "json_invalid"
    assert err["msg"].startswith("Invalid JSON: ")


def test_json_type_errors_and_lax_strings():
    (err,) = errors_of(User.model_validate_json, "[1, 2]")
    assert err["type"] == "model_type"
    assert User.model_validate_json('{"id": "7", "address": {"city": "x"}}').id == 7
    (err,) = errors_of(User.model_validate_json, '{"id": "7", "address": {"city": "x"}}', strict=True)
    assert (err["type"], err["loc"]) == ("int_type", ("id",))


def test_json_duplicate_keys_last_wins():
    assert User.model_validate_json('{"id": 1, "id": 2, "address": {"city": "x"}}').id == 2


def test_round_trip_json():
    assert User.model_validate_json(U.model_dump_json()) == U


def test_include_exclude_all_merges_with_index_and_negative_indices():
    class Leaf(BaseModel):
        i: int
        j: int

    class Sub(BaseModel):
        k: int
        subsubs: list[Leaf]

    class Top(BaseModel):
        subs: list[Sub]

    m = Top(subs=[{"k": 1, "subsubs": [{"i": 1, "j": 1}, {"i": 2, "j": 2}]}, {"k": 2, "subsubs": [{"i": 3, "j": 3}]}])
    assert m.model_dump(exclude={"subs": {"__all__": {"subsubs": {0}}, 0: {"subsubs": {1}}}}) == {
        "subs": [{"k": 1, "subsubs": []}, {"k": 2, "subsubs": []}]
    }
    assert m.model_dump(exclude={"subs": {"__all__": {"subsubs"}, 0: {"k"}}}) == {"subs": [{}, {"k": 2}]}
    assert m.model_dump(exclude={"subs": {"__all__": ..., 0: {"subsubs"}}}) == {"subs": [{"k": 1}]}
    assert m.model_dump(include={"subs": {-1: {"k"}}}) == {"subs": [{"k": 2}]}
    assert m.model_dump_json(exclude={"subs": {-1: ..., 0: {"subsubs": {-1}}}}) == (
        '{"subs":[{"k":1,"subsubs":[{"i":1,"j":1}]}]}'
    )


def test_nested_subclass_instance_dumps_as_the_declared_model():
    from ouroboros.validation import ConfigDict

    class User(BaseModel):
        name: str

    class Admin(User):
        password: str

    class Team(BaseModel):
        lead: User
        members: list[User]

    team = Team(lead=Admin(name="a", password="s"), members=[Admin(name="b", password="t")])
    assert team.model_dump() == {"lead": {"name": "a"}, "members": [{"name": "b"}]}
    assert team.model_dump_json() == '{"lead":{"name":"a"},"members":[{"name":"b"}]}'
    assert team.model_dump(mode="json", exclude_none=True) == {"lead": {"name": "a"}, "members": [{"name": "b"}]}
    whole = {"lead": {"name": "a", "password": "s"}, "members": [{"name": "b", "password": "t"}]}
    assert team.model_dump(serialize_as_any=True) == whole
    assert json.loads(team.model_dump_json(polymorphic_serialization=True)) == whole

    class Shape(BaseModel):
        model_config = ConfigDict(polymorphic_serialization=True)
        sides: int

    class Square(Shape):
        size: int

    class Drawing(BaseModel):
        shape: Shape

    assert Drawing(shape=Square(sides=4, size=2)).model_dump() == {"shape": {"sides": 4, "size": 2}}


def test_dataclass_serializers_apply_when_nested():
    import dataclasses

    from ouroboros.validation import field_serializer, model_serializer
    from ouroboros.validation.dataclasses import dataclass

    @dataclass
    class Money:
        cents: int
        note: str = Field(default="", exclude=True)

        @field_serializer("cents")
        def as_units(self, v: int) -> float:
            return v / 100

    @dataclasses.dataclass
    class Tagged:
        tag: str

        @field_serializer("tag")
        def upper(self, v: str) -> str:
            return v.upper()

    @dataclass
    class Opaque:
        x: int

        @model_serializer
        def whole(self) -> str:
            return f"opaque-{self.x}"

    class Order(BaseModel):
        price: Money
        label: Tagged
        blob: Opaque

    order = Order(price={"cents": 250, "note": "hidden"}, label={"tag": "new"}, blob={"x": 3})
    expected = {"price": {"cents": 2.5}, "label": {"tag": "NEW"}, "blob": "opaque-3"}
    assert order.model_dump() == expected
    assert json.loads(order.model_dump_json()) == expected
