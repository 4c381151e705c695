"""The speed paths behave as the plain ones: the shared fields-set record of a
fully given input, and the native ``model_dump`` / ``model_dump_json``."""

import inspect
import json
import pickle

import pytest

from ouroboros.validation import BaseModel, ConfigDict, ValidationError


class Point(BaseModel):
    x: int
    y: int = 0


class Frozenless(BaseModel):
    model_config = ConfigDict(validate_assignment=True)

    a: int
    b: str


def test_every_field_given_still_gives_an_own_mutable_set():
    p = Point.model_validate({"x": 1, "y": 2})
    q = Point.model_validate_json(b'{"x": 3, "y": 4}')
    fields = p.model_fields_set
    assert type(fields) is set
    assert fields == {"x", "y"}
    # The record is the instance's own: changing it touches no other instance.
    fields.discard("y")
    assert p.model_fields_set == {"x"}
    assert p.model_fields_set is p.model_fields_set
    assert q.model_fields_set == {"x", "y"}
    assert type(q.__pydantic_fields_set__) is set


def test_partial_input_records_only_the_given_fields():
    p = Point.model_validate({"x": 1})
    assert p.model_fields_set == {"x"}
    assert p.model_dump(exclude_unset=True) == {"x": 1}


def test_assignment_after_full_input_keeps_the_record():
    m = Frozenless(a=1, b="x")
    m.a = 2
    assert m.model_fields_set == {"a", "b"}
    with pytest.raises(ValidationError) as info:
        m.a = "nope"
    assert info.value.errors()[0]["type"] == "int_parsing"
    p = Point.model_validate({"x": 1, "y": 2})
    p.x = 5
    assert p.model_fields_set == {"x", "y"}
    assert type(p.model_fields_set) is set


def test_pickle_and_copy_after_full_input():
    p = Point.model_validate({"x": 1, "y": 2})
    back = pickle.loads(pickle.dumps(p))
    assert back == p
    assert type(back.model_fields_set) is set
    assert back.model_fields_set == {"x", "y"}
    clone = p.model_copy(update={"y": 9})
    assert clone.y == 9
    assert clone.model_fields_set == {"x", "y"}
    assert p.model_dump(exclude_unset=True) == {"x": 1, "y": 2}


def test_native_dump_methods_take_every_option():
    p = Point.model_validate({"x": 1})
    assert p.model_dump() == {"x": 1, "y": 0}
    assert p.model_dump(exclude_unset=True) == {"x": 1}
    assert p.model_dump(mode="json", include={"y"}) == {"y": 0}
    assert p.model_dump_json() == '{"x":1,"y":0}'
    assert json.loads(p.model_dump_json(indent=2)) == {"x": 1, "y": 0}
    assert p.model_dump_json(exclude={"x"}) == '{"y":0}'
    # Called unbound, as a subclass's super() call or a decorator would.
    assert BaseModel.model_dump(p) == {"x": 1, "y": 0}
    assert BaseModel.model_dump_json(p, exclude_unset=True) == '{"x":1}'
    # Another mode dumps as Python mode (serializers see it as info.mode), as Pydantic.
    assert p.model_dump(mode="yaml") == {"x": 1, "y": 0}
    with pytest.raises(TypeError):
        p.model_dump("python")  # keyword-only, as Pydantic's


def test_native_dump_methods_keep_pydantic_signatures():
    dump = inspect.signature(BaseModel.model_dump)
    assert list(dump.parameters)[:3] == ["self", "mode", "include"]
    assert dump.parameters["mode"].default == "python"
    assert dump.parameters["mode"].kind is inspect.Parameter.KEYWORD_ONLY
    dump_json = inspect.signature(BaseModel.model_dump_json)
    assert dump_json.parameters["indent"].default is None
    assert "polymorphic_serialization" in dump_json.parameters


def test_overrides_and_super_calls_reach_the_native_methods():
    class Tagged(Point):
        def model_dump(self, **kwargs):
            return {"tag": "t", **super().model_dump(**kwargs)}

        def model_dump_json(self, **kwargs):
            return "<" + super().model_dump_json(**kwargs) + ">"

    t = Tagged(x=1, y=2)
    assert t.model_dump() == {"tag": "t", "x": 1, "y": 2}
    assert t.model_dump(include={"x"}) == {"tag": "t", "x": 1}
    assert t.model_dump_json() == '<{"x":1,"y":2}>'


def test_native_dump_of_a_model_with_forward_references():
    class Node(BaseModel):
        value: int
        next: "Node | None" = None

    n = Node(value=1, next={"value": 2})
    assert n.model_dump() == {"value": 1, "next": {"value": 2, "next": None}}
    assert n.model_dump_json() == '{"value":1,"next":{"value":2,"next":null}}'


def test_json_keys_of_every_length_match_only_their_field():
    from ouroboros.validation import create_model

    names = ["f" + "abcdefghijklmnopqrstuvwx"[:n] for n in range(24)]  # 1..24 bytes
    Wide = create_model("Wide", __config__=ConfigDict(extra="forbid"), **dict.fromkeys(names, (int, ...)))
    payload = {n: i for i, n in enumerate(names)}
    assert Wide.model_validate_json(json.dumps(payload)).model_dump() == payload
    for n in names:
        # Same length, one byte changed at the start or at the end: an extra key.
        for near in {"g" + n[1:], n[:-1] + "#"}:
            bad = dict(payload)
            del bad[n]
            bad[near] = 1
            with pytest.raises(ValidationError) as info:
                Wide.model_validate_json(json.dumps(bad))
            assert {(e["type"], e["loc"]) for e in info.value.errors()} == {
                ("missing", (n,)),
                ("extra_forbidden", (near,)),
            }


def test_repeated_json_strings_keep_their_values():
    class Tags(BaseModel):
        tags: list[str]

    words = ["a", "ab", "abcd", "abcde", "abcdefgh", "abcdefghi", "abcdefghijklmnop", "abcdefghijklmnopq"]
    near = [w[:-1] + "#" for w in words]
    for _ in range(3):  # the second and third reads come from the string cache
        assert Tags.model_validate_json(json.dumps({"tags": words + near})).tags == words + near
