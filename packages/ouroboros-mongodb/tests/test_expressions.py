"""Query documents built by field expressions (no server needed)."""

from __future__ import annotations

import datetime

import pytest

from ouroboros.core import InvalidArgumentError
from ouroboros.mongodb import Document, Expr, FieldPath, text_search
from ouroboros.mongodb._query import build_filter, sort_spec
from ouroboros.validation import BaseModel, Field


class Address(BaseModel):
    city: str
    street: str = ""


class Person(Document):
    name: str
    age: int = 0
    status: str = "active"
    tags: list[str] = []
    email: str = ""
    address: Address | None = None
    location: dict = {}
    display: str = Field(default="", alias="displayName")
    created_at: datetime.datetime | None = None


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        (Person.age == 25, {"age": 25}),
        (Person.age != 25, {"age": {"$ne": 25}}),
        (Person.age > 25, {"age": {"$gt": 25}}),
        (Person.age >= 25, {"age": {"$gte": 25}}),
        (Person.age < 25, {"age": {"$lt": 25}}),
        (Person.age <= 25, {"age": {"$lte": 25}}),
        (Person.status.in_(["a", "b"]), {"status": {"$in": ["a", "b"]}}),
        (Person.status.not_in(["deleted"]), {"status": {"$nin": ["deleted"]}}),
        (Person.tags.all(["python", "rust"]), {"tags": {"$all": ["python", "rust"]}}),
        (
            Person.tags.elem_match({"name": "admin", "level": {"$gte": 5}}),
            {"tags": {"$elemMatch": {"name": "admin", "level": {"$gte": 5}}}},
        ),
        (Person.tags.size(2), {"tags": {"$size": 2}}),
        (Person.email.regex(r"@example\.com$"), {"email": {"$regex": r"@example\.com$"}}),
        (Person.email.regex("admin", options="i"), {"email": {"$regex": "admin", "$options": "i"}}),
        (Person.email.exists(True), {"email": {"$exists": True}}),
        (Person.email.exists(False), {"email": {"$exists": False}}),
        (Person.age.type_("int"), {"age": {"$type": "int"}}),
        (Person.address.city == "Paris", {"address.city": "Paris"}),
        (Person.tags[0] == "x", {"tags.0": "x"}),
        (Person.id == "abc", {"_id": "abc"}),
        (Person.display == "D", {"displayName": "D"}),
        (Person.created_at >= datetime.datetime(2024, 1, 1), {"created_at": {"$gte": datetime.datetime(2024, 1, 1)}}),
        (Person.address.city.in_(["Paris", "Lyon"]), {"address.city": {"$in": ["Paris", "Lyon"]}}),
        (Person.age == None, {"age": None}),  # noqa: E711 - a query for null, as in Beanie
        (Person.status.not_in(()), {"status": {"$nin": []}}),
    ],
)
def test_comparison_documents(expr, expected):
    assert isinstance(expr, Expr)
    assert expr == expected


def test_and_or_not():
    both = (Person.age >= 18) & (Person.status == "active")
    assert both == {"$and": [{"age": {"$gte": 18}}, {"status": "active"}]}
    either = (Person.status == "admin") | (Person.status == "root")
    assert either == {"$or": [{"status": "admin"}, {"status": "root"}]}
    assert ~(Person.age > 5) == {"age": {"$not": {"$gt": 5}}}
    assert ~(Person.age == 5) == {"age": {"$ne": 5}}
    assert ~both == {"$nor": [{"$and": [{"age": {"$gte": 18}}, {"status": "active"}]}]}


def test_and_flattens_chains():
    e = (Person.age > 1) & (Person.age < 9) & (Person.status == "x")
    assert e == {"$and": [{"age": {"$gt": 1}}, {"age": {"$lt": 9}}, {"status": "x"}]}
    o = (Person.age == 1) | (Person.age == 2) | (Person.age == 3)
    assert o == {"$or": [{"age": 1}, {"age": 2}, {"age": 3}]}


def test_mixed_with_raw_dicts():
    assert (Person.age > 1) & {"name": "x"} == {"$and": [{"age": {"$gt": 1}}, {"name": "x"}]}
    assert {"name": "x"} | (Person.age > 1) == {"$or": [{"name": "x"}, {"age": {"$gt": 1}}]}


def test_field_path_str_and_hash():
    assert str(Person.address.city) == "address.city"
    assert repr(Person.age) == "FieldPath('age')"
    assert isinstance(Person.name, FieldPath)
    assert {Person.age: 1} == {FieldPath("age"): 1}


def test_unknown_class_attribute_still_raises():
    with pytest.raises(AttributeError, match="nope"):
        _ = Person.nope


def test_text_search_documents():
    assert text_search("python rust") == {"$text": {"$search": "python rust"}}
    assert text_search("developpeur", language="fr", case_sensitive=False) == {
        "$text": {"$search": "developpeur", "$language": "fr", "$caseSensitive": False}
    }
    assert text_search("x", diacritic_sensitive=True) == {"$text": {"$search": "x", "$diacriticSensitive": True}}
    with pytest.raises(TypeError):
        text_search(5)


def test_geo_documents():
    assert Person.location.near(longitude=-73.97, latitude=40.77, max_distance=5000) == {
        "location": {"$near": {"$geometry": {"type": "Point", "coordinates": [-73.97, 40.77]}, "$maxDistance": 5000.0}}
    }
    poly = Person.location.geo_within_polygon([[-73.99, 40.73], [-73.98, 40.74], [-73.97, 40.73], [-73.99, 40.73]])
    assert poly == {
        "location": {
            "$geoWithin": {
                "$geometry": {
                    "type": "Polygon",
                    "coordinates": [[[-73.99, 40.73], [-73.98, 40.74], [-73.97, 40.73], [-73.99, 40.73]]],
                }
            }
        }
    }
    box = Person.location.geo_within_box(bottom_left=[-74.0, 40.5], top_right=[-73.5, 41.0])
    assert box == {"location": {"$geoWithin": {"$box": [[-74.0, 40.5], [-73.5, 41.0]]}}}


def test_polygon_is_closed_for_you():
    poly = Person.location.geo_within_polygon([[0, 0], [1, 0], [1, 1]])
    ring = poly["location"]["$geoWithin"]["$geometry"]["coordinates"][0]
    assert ring[0] == ring[-1] == [0.0, 0.0]


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda: Person.status.in_("abc"), TypeError),
        (lambda: Person.status.in_(5), TypeError),
        (lambda: Person.tags.elem_match([1]), TypeError),
        (lambda: Person.tags.size(-1), ValueError),
        (lambda: Person.email.regex("x", options="q"), ValueError),
        (lambda: Person.email.regex(5), TypeError),
        (lambda: Person.location.near("a", 1), TypeError),
        (lambda: Person.location.near(1, 2, max_distance=-5), ValueError),
        (lambda: Person.location.geo_within_polygon([[0, 0], [1, 1]]), ValueError),
    ],
)
def test_bad_expression_arguments(call, error):
    with pytest.raises(error):
        call()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("-age",), {"age": -1}),
        (("+age",), {"age": 1}),
        (("name",), {"name": 1}),
        (("-age,name",), {"age": -1, "name": 1}),
        (([("status", 1), ("created_at", -1)],), {"status": 1, "created_at": -1}),
        ((-Person.age,), {"age": -1}),
        ((+Person.age, -Person.name), {"age": 1, "name": -1}),
        ((Person.age,), {"age": 1}),
        (({"age": -1},), {"age": -1}),
        ((("age", "desc"),), {"age": -1}),
        (({"score": {"$meta": "textScore"}},), {"score": {"$meta": "textScore"}}),
    ],
)
def test_sort_forms(args, expected):
    assert sort_spec(*args) == expected


@pytest.mark.parametrize("bad", [[("age", 2)], [("age", True)], [5], ("age", "sideways")])
def test_bad_sort(bad):
    with pytest.raises(InvalidArgumentError):
        sort_spec(bad)


def test_build_filter():
    assert build_filter(()) == {}
    assert build_filter(({"a": 1},)) == {"a": 1}
    assert build_filter((Person.age > 1, {"name": "x"})) == {"$and": [{"age": {"$gt": 1}}, {"name": "x"}]}
    assert build_filter((None, {})) == {}
    with pytest.raises(InvalidArgumentError, match="bool"):
        build_filter((True,))
    with pytest.raises(InvalidArgumentError):
        build_filter(([1],))
