"""BSON <-> Python conversion in Rust (no server needed)."""

from __future__ import annotations

import datetime
import decimal
import enum
import re
import uuid

import pytest

from ouroboros.mongodb import InvalidBSON, InvalidDocument, InvalidId, ObjectId, decode_document, encode_document
from ouroboros.validation import BaseModel


class Color(enum.Enum):
    RED = "red"


class Point(BaseModel):
    x: int
    y: int = 0


def round_trip(value, tz_aware=False):
    return decode_document(encode_document({"v": value}), tz_aware=tz_aware)["v"]


@pytest.mark.parametrize(
    "value",
    [
        "text",
        "",
        "ünïcødé ✓",
        0,
        -1,
        2**31 - 1,
        2**31,
        -(2**63),
        2**63 - 1,
        1.5,
        float("inf"),
        True,
        False,
        None,
        [1, "a", None],
        {"a": {"b": {"c": [1, 2]}}},
        b"\x00\xff",
        decimal.Decimal("3.14159"),
        decimal.Decimal("-0"),
        decimal.Decimal("1E+10"),
        uuid.UUID("12345678-1234-5678-1234-567812345678"),
        datetime.datetime(2020, 2, 29, 23, 59, 59, 999000),
        datetime.datetime(1969, 12, 31, 0, 0, 0),
        datetime.datetime(1, 1, 1),
        datetime.datetime(9999, 12, 31, 23, 59, 59, 999000),
        {},
        [],
        [[1, [2, [3]]], {"a": [{"b": None}]}],
        {"ключ": "значение", "emoji 🐍": 1},
        -0.0,
        1.7976931348623157e308,
        "x" * 100_000,
    ],
)
def test_round_trip(value):
    back = round_trip(value)
    assert back == value
    assert type(back) is type(value)


def test_nan_round_trips():
    assert round_trip(float("nan")) != round_trip(float("nan"))
    assert round_trip(decimal.Decimal("NaN")).is_nan()


def test_object_id_round_trip():
    oid = ObjectId()
    assert round_trip(oid) == oid
    assert isinstance(round_trip(oid), ObjectId)


def test_tuples_and_sets_become_lists():
    assert round_trip((1, 2)) == [1, 2]
    assert sorted(round_trip({3, 1})) == [1, 3]
    assert round_trip(frozenset([1])) == [1]


def test_microseconds_are_truncated_to_milliseconds():
    assert round_trip(datetime.datetime(2020, 1, 1, 0, 0, 0, 123456)) == datetime.datetime(2020, 1, 1, 0, 0, 0, 123000)


def test_aware_datetime_becomes_utc():
    tz = datetime.timezone(datetime.timedelta(hours=-5))
    value = datetime.datetime(2020, 1, 1, 7, 0, tzinfo=tz)
    assert round_trip(value) == datetime.datetime(2020, 1, 1, 12, 0)
    aware = round_trip(value, tz_aware=True)
    assert aware == value and aware.tzinfo == datetime.UTC


def test_date_is_stored_as_midnight():
    assert round_trip(datetime.date(2021, 3, 4)) == datetime.datetime(2021, 3, 4)


def test_enum_stores_its_value():
    assert round_trip(Color.RED) == "red"


def test_model_instance_is_a_subdocument():
    assert round_trip(Point(x=1)) == {"x": 1, "y": 0}


def test_regex_round_trip():
    back = round_trip(re.compile("ab+c", re.IGNORECASE | re.MULTILINE))
    assert back.pattern == "ab+c"
    assert back.flags & re.IGNORECASE and back.flags & re.MULTILINE


def test_key_order_is_kept():
    doc = {"z": 1, "a": 2, "m": 3}
    assert list(decode_document(encode_document(doc))) == ["z", "a", "m"]


def test_foreign_object_id_with_binary_is_accepted():
    class ObjectId_:
        pass

    Foreign = type("ObjectId", (), {"binary": b"\x01" * 12})
    assert round_trip(Foreign()) == ObjectId(b"\x01" * 12)
    assert ObjectId_ is not None


@pytest.mark.parametrize(
    ("value", "match"),
    [
        (2**64, "64-bit"),
        (object(), "cannot encode"),
        (datetime.timedelta(seconds=1), "timedelta"),
        (decimal.Decimal("1E+9999"), "Decimal128"),
    ],
)
def test_unencodable_values(value, match):
    with pytest.raises(InvalidDocument, match=match):
        encode_document({"v": value})


def test_bad_keys():
    with pytest.raises(InvalidDocument, match="strings"):
        encode_document({1: "x"})
    with pytest.raises(InvalidDocument, match="NUL"):
        encode_document({"a\0b": 1})


def test_too_deep_is_refused_not_a_crash():
    doc: dict = {}
    inner = doc
    for _ in range(200):
        inner["a"] = {}
        inner = inner["a"]
    with pytest.raises(InvalidDocument, match="nested deeper"):
        encode_document(doc)


def test_top_level_must_be_a_mapping():
    with pytest.raises(InvalidDocument, match="expected a dict"):
        encode_document([1, 2])


def test_malformed_bson_raises():
    with pytest.raises(InvalidBSON):
        decode_document(b"\x05\x00\x00")
    good = encode_document({"a": "b"})
    with pytest.raises(InvalidBSON):
        decode_document(good[:-3] + b"\xff\xff\xff")


@pytest.mark.parametrize("bad", ["xyz", "0" * 23, "g" * 24, b"short", 12, None.__class__])
def test_bad_object_ids(bad):
    with pytest.raises(InvalidId):
        ObjectId(bad)


def test_object_id_api():
    oid = ObjectId("507f1f77bcf86cd799439011")
    assert str(oid) == "507f1f77bcf86cd799439011"
    assert repr(oid) == "ObjectId('507f1f77bcf86cd799439011')"
    assert oid == ObjectId(oid) == ObjectId(oid.binary)
    assert hash(oid) == hash(ObjectId("507f1f77bcf86cd799439011"))
    assert oid.generation_time == datetime.datetime(2012, 10, 17, 21, 13, 27, tzinfo=datetime.UTC)
    assert ObjectId.is_valid("507f1f77bcf86cd799439011") and not ObjectId.is_valid("nope")
    a, b = ObjectId("000000000000000000000001"), ObjectId("000000000000000000000002")
    assert a < b and b > a and a != b
    assert (a == "000000000000000000000001") is False
    import copy
    import pickle

    assert pickle.loads(pickle.dumps(oid)) == oid
    assert copy.deepcopy(oid) is oid
