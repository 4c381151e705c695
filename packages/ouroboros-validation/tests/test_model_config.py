"""Fields, defaults, aliases and model_config (extra, frozen, strict, populate_by_name, ...)."""

import pickle
from copy import copy, deepcopy
from typing import Annotated, ClassVar, Dict, List, Optional

import pytest
from conftest import errors_of

from ouroboros.validation import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError


class Item(BaseModel):
    name: str
    price: float = 0.0
    tags: List[str] = Field(default_factory=list)
    qty: Annotated[int, Field(ge=0)] = 1


def test_defaults_and_factories():
    item = Item(name="x")
    assert (item.price, item.tags, item.qty) == (0.0, [], 1)
    assert Item(name="a").tags is not Item(name="b").tags
    assert item.model_fields_set == {"name"}


def test_default_factory_with_data():
    class M(BaseModel):
        a: int
        b: int = Field(default_factory=lambda data: data["a"] * 2)

    assert M(a=2).b == 4


def test_model_fields_describes_fields():
    fields = Item.model_fields
    assert list(fields) == ["name", "price", "tags", "qty"]
    assert fields["name"].is_required()
    assert not fields["price"].is_required()
    assert fields["price"].default == 0.0
    assert fields["qty"].constraints == {"ge": 0}


def test_classvar_and_private_attributes_are_not_fields():
    class M(BaseModel):
        x: int
        counter: ClassVar[int] = 0
        _secret: str = PrivateAttr(default="s")
        _plain: int = 5

    m = M(x=1)
    assert list(M.model_fields) == ["x"]
    assert m._secret == "s"
    assert m._plain == 5
    m._secret = "t"
    assert m._secret == "t"
    assert m.model_dump() == {"x": 1}


@pytest.mark.parametrize(
    ("extra", "data", "outcome"),
    [
        ("ignore", {"a": 1, "b": 2}, {"a": 1}),
        ("allow", {"a": 1, "b": 2}, {"a": 1, "b": 2}),
        ("forbid", {"a": 1, "b": 2}, "extra_forbidden"),
    ],
)
def test_extra(extra, data, outcome):
    class M(BaseModel):
        model_config = ConfigDict(extra=extra)
        a: int

    if isinstance(outcome, str):
        (err,) = errors_of(M, **data)
        assert (err["type"], err["loc"], err["input"], err["msg"]) == (
            outcome,
            ("b",),
            2,
            "Extra inputs are not permitted",
        )
    else:
        m = M(**data)
        assert m.model_dump() == outcome
        if extra == "allow":
            assert m.b == 2
            assert m.model_extra == {"b": 2}


def test_extra_forbid_from_json():
    class M(BaseModel, extra="forbid"):
        a: int

    (err,) = errors_of(M.model_validate_json, '{"a": 1, "zzz": true}')
    assert (err["type"], err["loc"], err["input"]) == ("extra_forbidden", ("zzz",), True)


class Person(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    full_name: str = Field(alias="fullName")
    years: int = Field(validation_alias="age", serialization_alias="age_years", default=0)


def test_alias_and_populate_by_name():
    assert Person(fullName="Ann").full_name == "Ann"
    assert Person(full_name="Ann").full_name == "Ann"
    assert Person.model_validate({"fullName": "A", "age": 3}).years == 3


def test_missing_aliased_field_reports_alias():
    class M(BaseModel):
        x: int = Field(alias="X")

    (err,) = errors_of(M)
    assert err["loc"] == ("X",)
    assert errors_of(M, x=1)[0]["loc"] == ("X",)


def test_dump_by_alias():
    p = Person(fullName="Ann", age=3)
    assert p.model_dump() == {"full_name": "Ann", "years": 3}
    assert p.model_dump(by_alias=True) == {"fullName": "Ann", "age_years": 3}
    assert p.model_dump_json(by_alias=True) == '{"fullName":"Ann","age_years":3}'


def test_validation_alias_choices_list():
    class M(BaseModel):
        v: int = Field(validation_alias=["value", "val"])

    assert M.model_validate({"val": 2}).v == 2
    assert M.model_validate({"value": 1, "val": 2}).v == 1


def test_frozen_model():
    class M(BaseModel):
        model_config = ConfigDict(frozen=True)
        a: int

    m = M(a=1)
    with pytest.raises(ValidationError) as info:
        m.a = 2
    assert info.value.errors()[0]["type"] == "frozen_instance"
    assert hash(m) == hash(M(a=1))
    assert {m, M(a=1)} == {m}


def test_frozen_field():
    class M(BaseModel):
        a: int = Field(frozen=True)
        b: int = 0

    m = M(a=1)
    m.b = 3
    with pytest.raises(ValidationError) as info:
        m.a = 2
    assert info.value.errors()[0]["type"] == "frozen_field"


def test_assignment_without_validation_by_default():
    m = Item(name="x")
    m.price = "not validated"
    assert m.price == "not validated"
    assert "price" in m.model_fields_set


def test_validate_assignment():
    class M(BaseModel):
        model_config = ConfigDict(validate_assignment=True)
        n: Annotated[int, Field(ge=0)] = 0

    m = M()
    m.n = "5"
    assert m.n == 5
    assert m.model_fields_set == {"n"}
    with pytest.raises(ValidationError) as info:
        m.n = -1
    assert [(e["type"], e["loc"]) for e in info.value.errors()] == [("greater_than_equal", ("n",))]
    assert m.n == 5


def test_assigning_unknown_attribute_raises():
    m = Item(name="x")
    with pytest.raises(ValueError, match='"Item" object has no field "nope"'):
        m.nope = 1


def test_model_strict_config():
    class M(BaseModel):
        model_config = ConfigDict(strict=True)
        a: int
        b: str

    (err1, err2) = errors_of(M, a="1", b=2)
    assert (err1["type"], err2["type"]) == ("int_type", "string_type")
    assert M(a=1, b="x").a == 1


def test_strict_per_call():
    assert Item.model_validate({"name": "x", "qty": "2"}).qty == 2
    (err,) = errors_of(Item.model_validate, {"name": "x", "qty": "2"}, strict=True)
    assert (err["type"], err["loc"]) == ("int_type", ("qty",))


def test_strict_per_field():
    class M(BaseModel):
        a: int = Field(strict=True)
        b: int

    (err,) = errors_of(M, a="1", b="1")
    assert err["loc"] == ("a",)


def test_str_strip_whitespace():
    class M(BaseModel):
        model_config = ConfigDict(str_strip_whitespace=True)
        s: Annotated[str, Field(min_length=1)]

    assert M(s="  x  ").s == "x"
    assert errors_of(M, s="   ")[0]["type"] == "string_too_short"


def test_from_attributes():
    class Row:
        def __init__(self) -> None:
            self.name = "n"
            self.price = 2

    assert Item.model_validate(Row(), from_attributes=True) == Item(name="n", price=2.0)

    class Orm(BaseModel):
        model_config = ConfigDict(from_attributes=True)
        name: str

    assert Orm.model_validate(Row()).name == "n"


def test_inheritance_adds_fields_and_keeps_config():
    class Base(BaseModel):
        model_config = ConfigDict(extra="forbid")
        a: int

    class Child(Base):
        b: str = "x"

    assert list(Child.model_fields) == ["a", "b"]
    assert Child(a=1).model_dump() == {"a": 1, "b": "x"}
    assert errors_of(Child, a=1, c=2)[0]["type"] == "extra_forbidden"


def test_equality_repr_and_iteration():
    a, b = Item(name="x"), Item(name="x")
    assert a == b
    assert a != Item(name="y")
    assert a != {"name": "x"}
    assert repr(a) == "Item(name='x', price=0.0, tags=[], qty=1)"
    assert dict(a) == {"name": "x", "price": 0.0, "tags": [], "qty": 1}


def test_pickle_round_trip():
    item = Item(name="p", tags=["a"])
    clone = pickle.loads(pickle.dumps(item))
    assert clone == item
    assert clone.model_fields_set == {"name", "tags"}


def test_copy_and_model_copy():
    item = Item(name="c", tags=["a"])
    shallow = copy(item)
    deep = deepcopy(item)
    assert shallow.tags is item.tags
    assert deep.tags is not item.tags and deep == item
    updated = item.model_copy(update={"price": 9.5})
    assert (updated.price, item.price) == (9.5, 0.0)
    assert "price" in updated.model_fields_set


def test_model_construct_skips_validation():
    m = Item.model_construct(name=123)
    assert m.name == 123
    assert m.price == 0.0
    assert m.model_fields_set == {"name"}


def test_forward_reference_and_self_reference():
    class Node(BaseModel):
        value: int
        children: List["Node"] = []
        parent: Optional["Node"] = None

    tree = Node(value=1, children=[{"value": 2, "children": [{"value": 3}]}])
    assert tree.children[0].children[0].value == 3
    assert tree.model_dump() == {
        "value": 1,
        "children": [{"value": 2, "children": [{"value": 3, "children": [], "parent": None}], "parent": None}],
        "parent": None,
    }
    errs = errors_of(Node, value=1, children=[{"value": 2, "children": [{"value": "x"}]}])
    assert errs[0]["loc"] == ("children", 0, "children", 0, "value")


def test_forward_reference_defined_later():
    class Forward(BaseModel):
        later: "LaterModel"

    class LaterModel(BaseModel):
        x: int

    Forward.model_rebuild()
    assert Forward(later={"x": 1}).later == LaterModel(x=1)


def test_generic_model():
    from typing import Generic, TypeVar

    T = TypeVar("T")

    class Page(BaseModel, Generic[T]):
        items: List[T]
        total: int

    ints = Page[int](items=["1", 2], total=2)
    assert ints.items == [1, 2]
    assert errors_of(Page[int], items=["x"], total=1)[0]["loc"] == ("items", 0)
    assert Page[str](items=["a"], total=1).items == ["a"]
    assert Page[int] is Page[int]


def test_model_post_init_and_dict_of_models():
    class Inner(BaseModel):
        v: int

    class Outer(BaseModel):
        by_name: Dict[str, Inner]
        seen: int = 0

        def model_post_init(self, context, /):
            self.seen = len(self.by_name)

    o = Outer(by_name={"a": {"v": 1}, "b": {"v": 2}})
    assert o.seen == 2
    assert o.model_dump() == {"by_name": {"a": {"v": 1}, "b": {"v": 2}}, "seen": 2}


def test_alias_generator():
    def to_camel(name: str) -> str:
        first, *rest = name.split("_")
        return first + "".join(part.title() for part in rest)

    class M(BaseModel):
        model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)
        user_name: str
        given: int = Field(default=0, alias="GIVEN")

    m = M.model_validate({"userName": "x", "GIVEN": 2})
    assert (m.user_name, m.given) == ("x", 2)
    assert m.model_dump(by_alias=True) == {"userName": "x", "GIVEN": 2}
    assert M(user_name="y").user_name == "y"


def test_use_enum_values():
    import enum

    class Color(enum.Enum):
        RED = "red"

    class M(BaseModel):
        model_config = ConfigDict(use_enum_values=True)
        c: Color
        many: List[Color] = []

    m = M(c="red", many=[Color.RED])
    assert m.c == "red" and type(m.c) is str
    assert m.many == ["red"]


def test_validate_default():
    class M(BaseModel):
        a: int = Field(default="5", validate_default=True)
        b: int = "not validated"

    m = M()
    assert (m.a, m.b) == (5, "not validated")
    assert M.model_validate_json("{}").a == 5

    class Bad(BaseModel):
        model_config = ConfigDict(validate_default=True)
        n: int = "x"

    (err,) = errors_of(Bad)
    assert (err["type"], err["loc"]) == ("int_parsing", ("n",))
    (err,) = errors_of(Bad.model_validate_json, "{}")
    assert (err["type"], err["loc"]) == ("int_parsing", ("n",))
