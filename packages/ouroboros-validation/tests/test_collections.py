"""list, set, frozenset, tuple and dict with item types, and their length constraints."""

from collections import deque
from typing import Annotated, Dict, FrozenSet, List, Set, Tuple

import pytest
from conftest import errors_of, one_error

from ouroboros.validation import BaseModel, Field, Strict, TypeAdapter


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ([1, "2"], [1, 2]),
        ((1, 2), [1, 2]),
        ({3}, [3]),
        (frozenset([4]), [4]),
        (deque([5]), [5]),
        ((x for x in [6]), [6]),
        ([], []),
    ],
)
def test_list_accepts_sequences_in_lax_mode(value, expected):
    assert TypeAdapter(List[int]).validate_python(value) == expected


@pytest.mark.parametrize("value", ["abc", b"abc", {"a": 1}, 1, None])
def test_list_refuses_strings_mappings_and_scalars(value):
    assert one_error(List[int], value)["type"] == "list_type"


def test_list_item_errors_have_indices():
    errs = errors_of(TypeAdapter(List[int]).validate_python, [1, "x", 3, "y"])
    assert [(e["type"], e["loc"], e["input"]) for e in errs] == [("int_parsing", (1,), "x"), ("int_parsing", (3,), "y")]


def test_strict_list_refuses_tuple():
    assert one_error(Annotated[List[int], Strict()], (1,))["type"] == "list_type"


@pytest.mark.parametrize(
    ("field", "value", "error_type", "ctx"),
    [
        (Field(min_length=2), [1], "too_short", {"field_type": "List", "min_length": 2, "actual_length": 1}),
        (Field(max_length=1), [1, 2], "too_long", {"field_type": "List", "max_length": 1, "actual_length": 2}),
        (Field(min_length=1), [], "too_short", {"field_type": "List", "min_length": 1, "actual_length": 0}),
        (Field(max_length=2), [1, 2, 3], "too_long", {"field_type": "List", "max_length": 2, "actual_length": 3}),
    ],
)
def test_list_length_constraints(field, value, error_type, ctx):
    err = one_error(Annotated[List[int], field], value)
    assert (err["type"], err["ctx"]) == (error_type, ctx)


def test_too_short_message():
    err = one_error(Annotated[List[int], Field(min_length=2)], [1])
    assert err["msg"] == "List should have at least 2 items after validation, not 1"


@pytest.mark.parametrize(
    ("tp", "value", "expected"),
    [(Set[int], [1, 1, "2"], {1, 2}), (FrozenSet[str], ["a", "a"], frozenset({"a"})), (set, (1, 2), {1, 2})],
)
def test_sets(tp, value, expected):
    out = TypeAdapter(tp).validate_python(value)
    assert out == expected
    assert type(out) is type(expected)


def test_set_type_error():
    assert one_error(Set[int], "abc")["type"] == "set_type"
    assert one_error(FrozenSet[int], 5)["type"] == "frozen_set_type"


def test_set_of_unhashable_items_is_an_error():
    assert one_error(set, [[1]])["type"] == "set_type"


@pytest.mark.parametrize(
    ("tp", "value", "expected"),
    [
        (Tuple[int, str], [1, "a"], (1, "a")),
        (Tuple[int, ...], ["1", 2, 3], (1, 2, 3)),
        (Tuple[()], [], ()),
        (tuple, [1, "x"], (1, "x")),
    ],
)
def test_tuples(tp, value, expected):
    assert TypeAdapter(tp).validate_python(value) == expected


def test_tuple_positional_errors():
    errs = errors_of(TypeAdapter(Tuple[int, str]).validate_python, ["x", 2])
    assert [(e["type"], e["loc"]) for e in errs] == [("int_parsing", (0,)), ("string_type", (1,))]


def test_tuple_too_long_and_missing_items():
    assert one_error(Tuple[int, int], [1, 2, 3])["type"] == "too_long"
    err = one_error(Tuple[int, int], [1])
    assert (err["type"], err["loc"]) == ("missing", (1,))


@pytest.mark.parametrize(
    ("value", "expected"), [({"a": "1"}, {"a": 1}), ({}, {}), ({"x": 2, "y": 3}, {"x": 2, "y": 3})]
)
def test_dict(value, expected):
    assert TypeAdapter(Dict[str, int]).validate_python(value) == expected


def test_dict_key_and_value_errors():
    errs = errors_of(TypeAdapter(Dict[int, int]).validate_python, {"a": 1, 2: "b"})
    assert [(e["type"], e["loc"], e["input"]) for e in errs] == [
        ("int_parsing", ("a", "[key]"), "a"),
        ("int_parsing", (2,), "b"),
    ]


def test_dict_type_error():
    assert one_error(Dict[str, int], [("a", 1)])["type"] == "dict_type"


def test_dict_length_constraint():
    err = one_error(Annotated[Dict[str, int], Field(max_length=1)], {"a": 1, "b": 2})
    assert (err["type"], err["ctx"]["field_type"]) == ("too_long", "Dictionary")


class Tag(BaseModel):
    name: str


class Post(BaseModel):
    tags: List[Tag] = []
    scores: Dict[str, float] = {}
    matrix: List[List[int]] = []


def test_list_of_models_and_nested_lists():
    post = Post(tags=[{"name": "a"}, Tag(name="b")], scores={"x": "1.5"}, matrix=[[1, "2"], []])
    assert [t.name for t in post.tags] == ["a", "b"]
    assert post.scores == {"x": 1.5}
    assert post.matrix == [[1, 2], []]
    assert post.model_dump() == {"tags": [{"name": "a"}, {"name": "b"}], "scores": {"x": 1.5}, "matrix": [[1, 2], []]}


def test_error_locations_through_lists_of_models():
    errs = errors_of(Post, tags=[{"name": "ok"}, {}, {"name": 3}], matrix=[[1], [2, "x"]])
    assert [(e["type"], e["loc"]) for e in errs] == [
        ("missing", ("tags", 1, "name")),
        ("string_type", ("tags", 2, "name")),
        ("int_parsing", ("matrix", 1, 1)),
    ]


def test_json_lists_and_dicts():
    post = Post.model_validate_json('{"tags": [{"name": "a"}], "scores": {"k": 2}, "matrix": [[1, 2]]}')
    assert post == Post(tags=[Tag(name="a")], scores={"k": 2.0}, matrix=[[1, 2]])
    errs = errors_of(Post.model_validate_json, '{"tags": [{"name": 1}], "matrix": "nope"}')
    assert [(e["type"], e["loc"]) for e in errs] == [("string_type", ("tags", 0, "name")), ("list_type", ("matrix",))]


def test_v1_field_keywords_warn_or_raise_as_pydantic():
    from ouroboros.validation import BaseModel
    from ouroboros.validation.errors import PydanticUserError
    from ouroboros.validation.warnings import PydanticDeprecatedSince20

    with pytest.warns(PydanticDeprecatedSince20, match="`min_items` is deprecated"):

        class M(BaseModel):
            items: list[int] = Field(min_items=1)

    assert errors_of(M, items=[])[0]["type"] == "too_short"
    with pytest.raises(PydanticUserError, match=r"`regex` is removed\. use `pattern` instead"):
        Field(regex="a+")
    with pytest.warns(PydanticDeprecatedSince20, match="Extra keys: 'foo'"):
        info = Field(foo=1)
    assert info.json_schema_extra == {"foo": 1}
