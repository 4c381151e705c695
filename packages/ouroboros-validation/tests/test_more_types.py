"""Standard-library types beyond the basics: deque, Counter, OrderedDict, defaultdict,
Callable, Fraction, ZoneInfo, Pattern, NamedTuple, TypedDict."""

import collections
import re
import zoneinfo
from collections.abc import Callable
from fractions import Fraction
from typing import NamedTuple, NotRequired, Required, TypedDict

import pytest
from conftest import errors_of, one_error

from ouroboros.validation import BaseModel, TypeAdapter


def test_containers():
    d = TypeAdapter(collections.deque[int]).validate_python(["1", 2])
    assert d == collections.deque([1, 2])
    assert type(d) is collections.deque
    c = TypeAdapter(collections.Counter[str]).validate_python({"a": "2"})
    assert c == collections.Counter(a=2)
    assert type(c) is collections.Counter
    o = TypeAdapter(collections.OrderedDict[str, int]).validate_python({"b": 1, "a": "2"})
    assert (type(o), list(o.items())) == (collections.OrderedDict, [("b", 1), ("a", 2)])
    dd = TypeAdapter(collections.defaultdict[str, list[int]]).validate_python({"a": ["1"]})
    assert dd["a"] == [1]
    assert dd["missing"] == []
    err = one_error(collections.deque[int], ["x"])
    assert (err["type"], err["loc"]) == ("int_parsing", (0,))


def test_scalars():
    assert TypeAdapter(Fraction).validate_python("1/3") == Fraction(1, 3)
    assert one_error(Fraction, "x/y")["type"] == "fraction_parsing"
    assert TypeAdapter(zoneinfo.ZoneInfo).validate_python("UTC") == zoneinfo.ZoneInfo("UTC")
    assert one_error(zoneinfo.ZoneInfo, "Nowhere/Never")["type"] == "zoneinfo_str"
    assert TypeAdapter(re.Pattern).validate_python("a+").pattern == "a+"
    assert one_error(re.Pattern, "(")["type"] == "pattern_regex"
    assert TypeAdapter(Callable[[int], int]).validate_python(abs) is abs
    assert one_error(Callable, 1)["type"] == "callable_type"

    class M(BaseModel):
        f: Fraction
        tz: zoneinfo.ZoneInfo

    assert M(f="1/2", tz="UTC").model_dump_json() == '{"f":"1/2","tz":"UTC"}'


def test_named_tuple_and_typed_dict():
    class Point(NamedTuple):
        x: int
        y: int = 0

    p = TypeAdapter(Point).validate_python(("1",))
    assert (type(p), p) == (Point, Point(1, 0))
    assert TypeAdapter(Point).validate_python({"x": 2, "y": "3"}) == Point(2, 3)

    class Movie(TypedDict, total=False):
        title: Required[str]
        year: int
        note: NotRequired[str]

    ta = TypeAdapter(Movie)
    assert ta.validate_python({"title": "Up", "year": "2009"}) == {"title": "Up", "year": 2009}
    errs = errors_of(ta.validate_python, {"year": "x"})
    assert sorted((e["type"], e["loc"]) for e in errs) == [("int_parsing", ("year",)), ("missing", ("title",))]


def test_bare_json_fraction_inputs_and_marker_reprs():
    from decimal import Decimal
    from fractions import Fraction

    from ouroboros.validation import BaseModel, Json, PastDate, ValidationError
    from ouroboros.validation import TypeAdapter as TA

    class M(BaseModel):
        data: Json

    assert M(data='{"a": [1, 2]}').data == {"a": [1, 2]}
    with pytest.raises(ValidationError) as info:
        M(data="(1, 2)")
    assert info.value.errors()[0]["type"] == "json_invalid"
    fractions = TA(Fraction)
    assert fractions.validate_python(Decimal("1.5")) == Fraction(3, 2)
    assert fractions.validate_python(True) == Fraction(1)
    with pytest.raises(ValidationError) as info:
        fractions.validate_python(float("inf"))
    assert info.value.errors()[0]["type"] == "fraction_parsing"
    assert repr(PastDate()) == "PastDate"
    assert repr(Json()) == "Json"


def test_named_tuple_missing_extra_and_wrong_input_as_pydantic():
    from typing import Optional

    from ouroboros.validation import TypeAdapter as TA
    from ouroboros.validation import ValidationError

    class Point(NamedTuple):
        x: int
        y: Optional[int]
        z: int = 0

    ta = TA(Point)
    assert ta.validate_python(["1", None]) == Point(1, None, 0)
    assert ta.validate_python({"x": 1, "y": "2", "z": 3}) == Point(1, 2, 3)
    # A missing field is an error even when None would be valid (no silent None).
    with pytest.raises(ValidationError) as info:
        ta.validate_python([1])
    assert [(e["type"], e["loc"]) for e in info.value.errors()] == [("missing", (1,))]
    with pytest.raises(ValidationError) as info:
        ta.validate_python({"x": "a"})
    assert [(e["type"], e["loc"]) for e in info.value.errors()] == [("int_parsing", ("x",)), ("missing", ("y",))]
    with pytest.raises(ValidationError) as info:
        ta.validate_python((1, 2, 3, 4))
    assert info.value.errors()[0]["ctx"] == {"field_type": "NamedTuple", "max_length": 3, "actual_length": 4}
    with pytest.raises(ValidationError) as info:
        ta.validate_python("invalid")
    assert info.value.errors()[0]["type"] == "named_tuple_type"
