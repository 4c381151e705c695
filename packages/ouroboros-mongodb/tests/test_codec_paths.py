"""The byte-level paths: documents written straight to BSON bytes, and models
built straight from BSON elements (no dict in between), checked against
PyMongo's own encoder and against validating the equivalent dict."""

from __future__ import annotations

import datetime
import decimal
import enum
import re
import uuid
from typing import Any

import bson
import pytest
from bson.binary import UuidRepresentation
from bson.codec_options import CodecOptions
from bson.decimal128 import Decimal128

from ouroboros.mongodb import (
    Document,
    InvalidDocument,
    ObjectId,
    PydanticObjectId,
    _mongodb,
    decode_document,
    encode_document,
)
from ouroboros.validation import AliasChoices, BaseModel, ConfigDict, Field, ValidationError, model_validator

OID = "507f1f77bcf86cd799439011"


def pymongo_bytes(doc: dict) -> bytes:
    opts = CodecOptions(uuid_representation=UuidRepresentation.STANDARD)
    return bson.encode(doc, codec_options=opts)


def pymongo_value(value):
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, decimal.Decimal):
        return Decimal128(str(value))
    return value


@pytest.mark.parametrize(
    "doc",
    [
        {},
        {"s": "text", "u": "ünïcødé ✓", "e": ""},
        {"i": 1, "neg": -(2**31), "big": 2**31, "huge": -(2**63), "f": 1.5, "z": -0.0},
        {"t": True, "f": False, "n": None},
        {"list": [1, "a", None, [2, [3]]], "tuple": (1, 2), "empty": []},
        {"nested": {"a": {"b": {"c": [{"d": 1}]}}}},
        {"when": datetime.datetime(2024, 5, 17, 12, 30, 45, 123000)},
        {"long": "x" * 70_000, "many": list(range(150))},
        {"d": decimal.Decimal("3.14"), "b": b"\x00\xff", "k": uuid.UUID(int=7)},
    ],
)
def test_bytes_match_pymongo(doc):
    expected = pymongo_bytes({k: pymongo_value(v) for k, v in doc.items()})
    assert encode_document(doc) == expected


def test_object_ids_and_patterns_match_pymongo():
    doc = {"_id": ObjectId(OID), "re": re.compile("^a.c$", re.IGNORECASE | re.MULTILINE)}
    expected = pymongo_bytes({"_id": bson.ObjectId(OID), "re": bson.Regex("^a.c$", "im")})
    assert encode_document(doc) == expected


def test_nul_in_a_pattern_is_refused_not_a_crash():
    with pytest.raises(InvalidDocument, match="NUL"):
        encode_document({"re": re.compile("a\0b")})
    with pytest.raises(InvalidDocument, match="NUL"):
        encode_document({"sub": {"k\0": 1}})


def test_string_with_nul_is_data():
    assert decode_document(encode_document({"s": "a\0b"})) == {"s": "a\0b"}


class Row(BaseModel):
    name: str
    age: int = 0
    tags: list[str] = []
    when: datetime.datetime | None = None


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str


class Kept(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str


class Before(BaseModel):
    name: str

    @model_validator(mode="before")
    @classmethod
    def lower(cls, data):
        return {**data, "name": data["name"].lower()}


def test_model_from_bson_elements():
    codec = _mongodb.Codec(Row)
    raw = encode_document({"name": "ann", "ignored": {"deep": [1]}, "tags": ["a", "b"], "age": 30})
    row = codec.decode_bytes(raw)
    assert isinstance(row, Row)
    assert (row.name, row.age, row.tags, row.when) == ("ann", 30, ["a", "b"], None)
    assert row.model_fields_set == {"name", "age", "tags"}
    assert codec.decode_bytes(raw) == codec.validate(decode_document(raw))


def test_errors_from_bson_elements_match_dict_validation():
    codec = _mongodb.Codec(Row)
    raw = encode_document({"age": "old", "tags": ["a", 3]})
    with pytest.raises(ValidationError) as from_bson:
        codec.decode_bytes(raw)
    with pytest.raises(ValidationError) as from_dict:
        codec.validate(decode_document(raw))
    lines = from_bson.value.errors()
    assert [(e["loc"], e["type"]) for e in lines] == [
        (("name",), "missing"),
        (("age",), "int_parsing"),
        (("tags", 1), "string_type"),
    ]
    assert lines == from_dict.value.errors()
    assert lines[0]["input"] == {"age": "old", "tags": ["a", 3]}


def test_extra_rules_from_bson_elements():
    with pytest.raises(ValidationError) as info:
        _mongodb.Codec(Strict).decode_bytes(encode_document({"name": "a", "x": 1}))
    assert [(e["loc"], e["type"], e["input"]) for e in info.value.errors()] == [(("x",), "extra_forbidden", 1)]
    kept = _mongodb.Codec(Kept).decode_bytes(encode_document({"name": "a", "x": [1]}))
    assert kept.model_extra == {"x": [1]}


def test_model_with_before_validator_reads_the_whole_document():
    assert _mongodb.Codec(Before).decode_bytes(encode_document({"name": "ANN"})).name == "ann"


class ByNameToo(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    id: int | None = Field(default=None, alias="_id")
    name: str = "x"


class Choices(BaseModel):
    name: str = Field(validation_alias=AliasChoices("full_name", "name"))


def joined(*pairs: tuple[str, object]) -> bytes:
    """BSON bytes with the elements in this order (repeated keys allowed)."""
    body = b"".join(bson.encode({k: v})[4:-1] for k, v in pairs)
    return (len(body) + 5).to_bytes(4, "little") + body + b"\x00"


@pytest.mark.parametrize(
    ("pairs", "expected"),
    [
        ((("_id", 1), ("name", "a")), 1),
        ((("id", 2), ("name", "a")), 2),
        # The alias wins over the name wherever it comes, as in dict validation.
        ((("id", 2), ("_id", 1)), 1),
        ((("_id", 1), ("id", 2)), 1),
        # A bad value under the losing key is never an error.
        ((("_id", 1), ("id", "bad")), 1),
        ((("id", "bad"), ("_id", 1)), 1),
    ],
)
def test_fields_with_several_keys_are_read_from_bson_elements(pairs, expected):
    codec = _mongodb.Codec(ByNameToo)
    raw = joined(*pairs)
    row = codec.decode_bytes(raw)
    assert row.id == expected
    assert row == codec.validate(decode_document(raw))


def test_several_keys_errors_name_the_key_used():
    codec = _mongodb.Codec(ByNameToo)
    for pairs, loc in [((("id", "bad"),), "id"), ((("_id", "bad"), ("id", 2)), "_id")]:
        with pytest.raises(ValidationError) as info:
            codec.decode_bytes(joined(*pairs))
        assert [(e["loc"], e["type"]) for e in info.value.errors()] == [((loc,), "int_parsing")]


def test_repeated_key_keeps_the_last_value_as_a_dict_would():
    codec = _mongodb.Codec(Row)
    assert codec.decode_bytes(joined(("name", "a"), ("age", "bad"), ("age", 5))).age == 5
    with pytest.raises(ValidationError) as info:
        codec.decode_bytes(joined(("name", "a"), ("age", 5), ("age", "bad")))
    assert [(e["loc"], e["type"]) for e in info.value.errors()] == [(("age",), "int_parsing")]


def test_alias_choices_from_bson_elements():
    codec = _mongodb.Codec(Choices)
    assert codec.decode_bytes(joined(("name", "b"), ("full_name", "a"))).name == "a"
    assert codec.decode_bytes(joined(("name", "b"))).name == "b"


class Colour(enum.Enum):
    RED = "red"


class Inner(BaseModel):
    n: int
    when: datetime.datetime | None = None


class Stored(Document):
    name: str = Field(alias="fullName")
    amount: int = 0
    ratio: float = 0.5
    flag: bool = True
    tags: list[str] = []
    when: datetime.datetime = datetime.datetime(2024, 1, 2, 3, 4, 5, 6000)
    inner: Inner | None = None
    inners: list[Inner] = []
    by_key: dict[str, Inner] = {}
    mixed: dict[str, Any] = {}
    colour: Colour = Colour.RED
    money: decimal.Decimal = decimal.Decimal("1.25")
    key: uuid.UUID = uuid.UUID(int=5)
    pair: tuple[int, str] = (1, "a")
    blob: bytes = b"\x00\x01"
    secret: str = Field(default="hidden", exclude=True)
    ref: PydanticObjectId | None = None


STORED = [
    {"fullName": "plain"},
    {"fullName": "nested", "inner": Inner(n=1), "inners": [Inner(n=2), Inner(n=3, when=datetime.datetime(2020, 1, 1))]},
    {"fullName": "mapped", "by_key": {"a": Inner(n=4)}, "mixed": {"x": [1, {"y": None}], "z": Inner(n=5)}},
    # Plain values written, then a model further on: the whole value is dumped and written again.
    {"fullName": "late model", "mixed": {"a": [1, "x", {"d": ObjectId(OID)}, Inner(n=6)], "b": 2.5}, "tags": ["t"]},
    {"fullName": "scalars", "amount": 2**40, "ratio": float("inf"), "flag": False, "tags": ["a", "b"], "ref": OID},
    {"_id": OID, "fullName": "given id"},
    {
        "fullName": "aware",
        "when": datetime.datetime(2024, 5, 1, 12, tzinfo=datetime.timezone(datetime.timedelta(hours=2))),
    },
]


@pytest.mark.parametrize("fields", STORED, ids=[f["fullName"] for f in STORED])
def test_instances_are_written_as_their_dump_would_be(fields):
    """Instances go to BSON entry by entry from their fields: byte for byte what
    writing the dumped dict gives, `_id` first and generated when missing."""
    codec = _mongodb.Codec(Stored)
    instance = Stored(**fields)
    raw, oid = codec.encode_insert_bytes(instance)
    dumped = codec.dump(instance)
    assert next(iter(decode_document(raw))) == "_id"
    assert "secret" not in decode_document(raw)
    if "_id" in fields:
        assert oid == ObjectId(OID)
    else:
        assert isinstance(oid, ObjectId)
    rest = {k: v for k, v in dumped.items() if k != "_id"}
    assert raw == encode_document({"_id": oid, **rest})


def test_instance_with_bad_values_is_refused_by_the_entry_writer():
    codec = _mongodb.Codec(Stored)
    instance = Stored(fullName="x")
    instance.__dict__["mixed"] = {"k\0": 1}
    with pytest.raises(InvalidDocument, match="NUL"):
        codec.encode_insert_bytes(instance)
    instance.__dict__["mixed"] = {}
    instance.__dict__["amount"] = 2**70
    with pytest.raises(InvalidDocument, match="64-bit"):
        codec.encode_insert_bytes(instance)


class InnerPlus(Inner):
    extra_note: str = "kept out"


def test_nested_subclass_instance_is_written_as_the_declared_model():
    codec = _mongodb.Codec(Stored)
    instance = Stored(fullName="sub", inner=InnerPlus(n=7), inners=[InnerPlus(n=8)])
    raw, oid = codec.encode_insert_bytes(instance)
    dumped = codec.dump(instance)
    assert dumped["inner"] == {"n": 7, "when": None}
    assert raw == encode_document({"_id": oid, **{k: v for k, v in dumped.items() if k != "_id"}})
