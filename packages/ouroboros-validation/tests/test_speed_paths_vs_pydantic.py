"""The fast paths taken for speed give Pydantic's answers: string patterns matched by the
ASCII DFA, lax ints parsed without allocation, many errors at once (inline locations), the
exception raised with or without an exception being handled, and positional arguments to
the native validator."""

import json
from functools import partial
from typing import Annotated, Any

import pydantic
import pytest

import ouroboros.validation as ours

PATTERNS = [
    r"^\d{5}$",
    r"^[\w\.-]+@[\w\.-]+\.\w+$",
    r"(?i)^ab[c-e]$",
    r"\bword\b",
    r"^\s*$",
    r"[^a]",
    r"^a.c$",
    r"^(foo|bar)+$",
    r"\W",
    r"^$",
    r"x*",
    r"a$",
    r"(?m)^b",
    r"é+",
    r"^\p{Greek}+$",
]
STRINGS = [
    "",
    "12345",
    "1234",
    "123456",
    "١٢٣٤٥",  # Arabic-Indic digits: Unicode \d, so Pydantic's engine matches them
    "alice@example.com",
    "ålice@exämple.com",
    "nope",
    "ABD",
    "abé",
    "a word!",
    "swordfish",
    " \t ",
    "\u00a0",
    "a\nc",
    "abc",
    "foobar",
    "fooba",
    "ééé",
    "αβγ",
    "aaa",
    # Session 8 (flattened ASCII table): early verdicts, line anchors, non-ASCII tails.
    "12345\n",
    "1234a",
    "a@b",
    "@b.c",
    "a b@c.d",
    "x@y.z\n",
    "ABE",
    "abf",
    "word",
    "words",
    "\n",
    "ba",
    "a\nb",
    "xx",
    "aé",
    "12345é",
]


def outcome(lib: Any, call: Any) -> Any:
    try:
        value = call()
    except lib.ValidationError as exc:
        return [(e["type"], e["loc"], e["msg"], e["input"], e.get("ctx")) for e in exc.errors(include_url=False)]
    return value.model_dump() if hasattr(value, "model_dump") else value


@pytest.mark.parametrize("pattern", PATTERNS)
def test_patterns_match_as_pydantic_for_ascii_and_other_input(pattern: str) -> None:
    def make(lib: Any) -> Any:
        class Model(lib.BaseModel):
            s: Annotated[str, lib.Field(pattern=pattern)]

        return Model

    mo, mp = make(ours), make(pydantic)
    for s in STRINGS:
        data, raw = {"s": s}, json.dumps({"s": s})
        assert outcome(ours, partial(mo.model_validate, data)) == outcome(pydantic, partial(mp.model_validate, data))
        assert outcome(ours, partial(mo.model_validate_json, raw)) == outcome(
            pydantic, partial(mp.model_validate_json, raw)
        ), (pattern, s)


@pytest.mark.parametrize(
    "text",
    [
        "0",
        "-0",
        "+7",
        " 42 ",
        "1_000",
        "1__0",
        "_1",
        "1_",
        "123456789012345678",
        "1234567890123456789",
        "-9223372036854775808",
        "9223372036854775808",
        "99999999999999999999999",
        "1.0",
        "1.5",
        "1.",
        "",
        "-",
        "١٢",
        "12a",
        "0x10",
        "\u00a012",
    ],
)
def test_lax_int_strings_as_pydantic(text: str) -> None:
    ta_o, ta_p = ours.TypeAdapter(int), pydantic.TypeAdapter(int)
    assert outcome(ours, lambda: ta_o.validate_python(text)) == outcome(pydantic, lambda: ta_p.validate_python(text))


def nested(lib: Any) -> Any:
    class Address(lib.BaseModel):
        zip_code: Annotated[str, lib.Field(pattern=r"^\d{5}$")]

    class User(lib.BaseModel):
        id: int
        name: Annotated[str, lib.Field(min_length=1)]
        age: Annotated[int, lib.Field(ge=0)]
        tags: list[int]
        address: Address
        friends: list[Address] = []

    return User


BAD = {
    "id": "x",
    "name": "",
    "age": -1,
    "tags": ["a", 1, "b"],
    "address": {"zip_code": "1"},
    "friends": [{"zip_code": "12345"}, {"zip_code": "x"}, {}],
}


def test_many_errors_at_every_depth_as_pydantic() -> None:
    uo, up = nested(ours), nested(pydantic)
    got = outcome(ours, lambda: uo.model_validate(BAD))
    assert got == outcome(pydantic, lambda: up.model_validate(BAD))
    assert len(got) == 8
    raw = json.dumps(BAD)
    assert outcome(ours, lambda: uo.model_validate_json(raw)) == outcome(pydantic, lambda: up.model_validate_json(raw))


def test_error_raised_inside_except_block_is_chained() -> None:
    user = nested(ours)

    def inside_handler() -> None:
        try:
            raise KeyError("first")
        except KeyError:
            user.model_validate(BAD)

    with pytest.raises(ours.ValidationError) as info:
        inside_handler()
    assert isinstance(info.value.__context__, KeyError)
    # Outside any handler there is nothing to chain.
    with pytest.raises(ours.ValidationError) as info:
        user.model_validate(BAD)
    assert info.value.__context__ is None
    assert info.value.error_count() == 8


def test_native_validator_takes_options_by_position_or_keyword() -> None:
    user = nested(ours)
    v = user.__ouroboros_validator__
    good = {"id": "1", "name": "a", "age": 1, "tags": [], "address": {"zip_code": "12345"}}
    assert v.validate_python(good).id == 1
    with pytest.raises(ours.ValidationError) as info:
        v.validate_python(good, True)  # strict: "1" is no int
    assert info.value.errors()[0]["type"] == "int_type"
    with pytest.raises(ours.ValidationError):
        v.validate_python(good, strict=True)
    with pytest.raises(ours.ValidationError) as info:
        v.validate_json(json.dumps(good | {"extra": 1}), None, "forbid")
    assert info.value.errors()[0]["type"] == "extra_forbidden"


def test_direct_model_validate_forwards_every_other_call_as_pydantic() -> None:
    # `model_validate(obj)` and `model_validate_json(data)` validate natively; keywords, an
    # extra positional or no argument reach the validator's method with the same arguments.
    good = {"id": "1", "name": "a", "age": 1, "tags": [], "address": {"zip_code": "12345"}}
    text = json.dumps(good)
    for lib in (ours, pydantic):
        user = nested(lib)
        assert user.model_validate(good).id == 1
        assert user.model_validate_json(text).id == 1
        assert user.model_validate_json(text.encode()).id == 1
        for call in (
            partial(user.model_validate, good, strict=True),
            partial(user.model_validate_json, json.dumps(good | {"extra": 1}), extra="forbid"),
            partial(user.model_validate_json, 12),
        ):
            with pytest.raises(lib.ValidationError) as info:
                call()
            assert info.value.error_count() == 1, lib
        assert user.model_validate(good, context={"k": 1}).name == "a"
        with pytest.raises(TypeError):
            user.model_validate()
    with pytest.raises(TypeError):
        nested(ours).model_validate(good, {}, {}, {}, {}, {}, {}, {})
    # The native function is bound to the model's own validator.
    user = nested(ours)
    assert user.model_validate.__self__ is user.__ouroboros_validator__
    assert user.model_validate.__name__ == "validate_python"
    assert user.model_validate_json.__name__ == "validate_json"


@pytest.mark.parametrize(
    ("max_digits", "decimal_places"), [(2, 3), (1, 1), (1, 0), (2, 1), (3, None), (None, 1), (4, 0), (5, 2)]
)
def test_decimal_digit_limits_as_pydantic(max_digits: int | None, decimal_places: int | None) -> None:
    from decimal import Decimal

    values = ["0", "-0", "0.0", "00.00", "0E+5", "0E-10", "0.01", "0.010", "1", "1.0", "12.0", "123", "1E+5", "0.001"]
    ta_o = ours.TypeAdapter(Annotated[Decimal, ours.Field(max_digits=max_digits, decimal_places=decimal_places)])
    ta_p = pydantic.TypeAdapter(
        Annotated[Decimal, pydantic.Field(max_digits=max_digits, decimal_places=decimal_places)]
    )
    for v in values:
        assert outcome(ours, partial(ta_o.validate_python, v)) == outcome(pydantic, partial(ta_p.validate_python, v)), v


def test_private_attributes_read_from_the_class_only_where_declared() -> None:
    class Plain(ours.BaseModel):
        x: int

    class WithPrivate(ours.BaseModel):
        x: int
        _secret: int = 3

    class Child(WithPrivate):
        y: int = 0

    # Only classes with private attributes pay for a metaclass `__getattr__`.
    assert "__getattr__" not in vars(type(Plain))
    assert type(WithPrivate._secret).__name__ == "ModelPrivateAttr"
    assert Child._secret.default == 3
    assert Child(x=1)._secret == 3
    with pytest.raises(AttributeError):
        _ = Plain._secret  # type: ignore[attr-defined]
    assert type(WithPrivate).__name__ == type(Plain).__name__ == "ModelMetaclass"
    assert isinstance(WithPrivate, type(Plain))


@pytest.mark.parametrize(("max_digits", "decimal_places"), [(None, None), (3, None), (None, 2), (5, 2), (2, 3), (4, 0)])
def test_serialized_decimal_pattern_accepts_as_pydantic(max_digits: int | None, decimal_places: int | None) -> None:
    import re
    from decimal import Decimal

    texts = ["0", "-0", "0.0", "0.100", "100", "1000", "1.23", "1.234", "0.001", "0.0001", "1E+2", "1E+3", "1.5E+3"]
    texts += ["0E-10", "0E+5", "1E-7", "1.5E-7", "+1", "01", "1.", ".1", "1e5", "1E-05", "1E+0", "10E+2", "NaN"]

    import pydantic.json_schema

    def pattern(lib: Any) -> str:
        generator = (ours.json_schema if lib is ours else pydantic.json_schema).GenerateJsonSchema

        class Gen(generator):  # type: ignore[misc, valid-type]
            def get_decimal_pattern(self, schema: Any) -> Any:
                return self.build_decimal_pattern(schema)

        ta = lib.TypeAdapter(Annotated[Decimal, lib.Field(max_digits=max_digits, decimal_places=decimal_places)])
        return ta.json_schema(schema_generator=Gen, mode="serialization")["pattern"]

    mine, theirs = pattern(ours), pattern(pydantic)
    for text in texts:
        assert (re.fullmatch(mine, text) is None) == (re.fullmatch(theirs, text) is None), text


def buffered(lib: Any) -> Any:
    """A model none of whose validators reads ``info.data``: its fields are held in a buffer
    and the instance dict is built once they all pass."""

    class Point(lib.BaseModel):
        x: int
        y: float = 0.5

    class Shape(lib.BaseModel):
        name: Annotated[str, lib.Field(min_length=2)]
        points: list[Point] = []
        tags: list[str] = []
        scores: list[int] | None = None
        made: str = lib.Field(default_factory=lambda: "factory")
        checked: Annotated[int, lib.Field(default="7", validate_default=True)]
        origin: Point | None = None

    return Shape


@pytest.mark.parametrize(
    "data",
    [
        {"name": "sq", "points": [{"x": 1}, {"x": "2", "y": 3}], "tags": ["a", "b"], "scores": [1, "2"]},
        {"tags": [1], "scores": ["x", 2, "y"], "points": [{}, {"x": "a"}], "origin": {"x": "z"}},
        {"checked": "no", "name": "", "origin": {"x": 1}},
        {"origin": {"y": 1}, "name": "abc", "made": "given", "points": "nope", "tags": ("t",)},
        {"name": "abc", "extra": 1, "scores": None},
        {"name": "ab", "tags": [None, "x"] * 20},
    ],
)
def test_buffered_model_fields_as_pydantic(data: dict[str, Any]) -> None:
    mine, theirs = buffered(ours), buffered(pydantic)
    got = outcome(ours, lambda: mine.model_validate(data))
    assert got == outcome(pydantic, lambda: theirs.model_validate(data))
    if isinstance(got, dict):
        m, p = mine.model_validate(data), theirs.model_validate(data)
        # The same fields in the same order, and the same fields-set record.
        assert list(m.__dict__) == list(p.__dict__)
        assert m.model_fields_set == p.model_fields_set
        assert m.points == [] or m.points is not data.get("points")
        # A mutable default is each instance's own.
        assert mine.model_validate({"name": "ab"}).tags is not mine.model_validate({"name": "ab"}).tags


@pytest.mark.parametrize(
    "text",
    [
        '{"name": "sq", "points": [{"x": 1}, {"y": 3, "x": "2"}], "tags": ["a", "b"], "scores": [1, "2"]}',
        '{"origin": {"y": 2, "x": 1}, "checked": 3, "made": "m", "scores": null, "tags": [], "points": [], "name": "ab"}',
        '{"tags": ["t"], "name": "abc", "name": "xyz", "origin": {"x": 1, "x": 4}}',
        '{"origin": {"y": 1}, "name": "abc", "made": "given", "points": "nope"}',
        '{"name": "abc", "extra": 1, "scores": null, "points": [{"x": 1, "y": 2}] }',
    ],
)
def test_buffered_model_from_json_as_pydantic(text: str) -> None:
    """JSON objects are read key by key, in any order (and with repeated keys): the instance
    dict holds the fields in declaration order, as Pydantic's does."""
    import gc

    mine, theirs = buffered(ours), buffered(pydantic)
    got = outcome(ours, lambda: mine.model_validate_json(text))
    assert got == outcome(pydantic, lambda: theirs.model_validate_json(text))
    if isinstance(got, dict):
        m, p = mine.model_validate_json(text), theirs.model_validate_json(text)
        assert list(m.__dict__) == list(p.__dict__)
        assert [list(q.__dict__) for q in m.points] == [list(q.__dict__) for q in p.points]
        assert m.model_fields_set == p.model_fields_set
        # A dict holding containers is tracked by the cyclic collector, as an inserted one is.
        assert gc.is_tracked(m.__dict__)
        # The instance dict is an ordinary dict: it takes new keys and drops old ones.
        m.__dict__["later"] = 1
        del m.__dict__["later"]
        assert list(m.__dict__) == list(p.__dict__)


def test_model_reading_info_data_from_json_keeps_declaration_order() -> None:
    def model(lib: Any) -> Any:
        class Late(lib.BaseModel):
            a: int
            b: int = 2
            c: int

            @lib.field_validator("c")
            @classmethod
            def check(cls, v: int, info: Any) -> int:
                return v + len(info.data)

        return Late

    mine, theirs = model(ours), model(pydantic)
    for text in ['{"c": 1, "a": 2}', '{"a": 1, "c": 2, "b": 3}', '{"b": 1, "a": 2, "c": 3, "a": 5}']:
        m, p = mine.model_validate_json(text), theirs.model_validate_json(text)
        assert list(m.__dict__) == list(p.__dict__), text
        assert m.a == p.a and m.b == p.b


def test_instance_dicts_built_in_place_keep_their_values_alive() -> None:
    """The instance dict is a copy of a template whose values are replaced in place: each
    value is owned once (no leak, no early free), whatever the model is built from."""
    import gc
    import sys
    import weakref

    class Held(ours.BaseModel):
        name: str
        items: list[int]
        inner: Any

    class Marker:
        pass

    marker = Marker()
    before = sys.getrefcount(marker)
    made = [Held.model_validate({"name": "n", "items": [1], "inner": marker}) for _ in range(50)]
    assert sys.getrefcount(marker) == before + 50
    del made
    gc.collect()
    assert sys.getrefcount(marker) == before
    # A cycle through a built dict is collected.
    h = Held.model_validate_json('{"name": "n", "items": [1], "inner": null}')
    h.inner = h
    ref = weakref.ref(h)
    del h
    gc.collect()
    assert ref() is None


def test_validators_reading_info_data_still_see_earlier_fields() -> None:
    def model(lib: Any) -> Any:
        class Inner(lib.BaseModel):
            a: int
            b: list[str] = []

        class Outer(lib.BaseModel):
            first: int
            inner: Inner
            second: int

            @lib.field_validator("second")
            @classmethod
            def check(cls, v: int, info: Any) -> int:
                return v + sum(info.data.get(k, 0) for k in ("first",)) + len(info.data)

        return Outer

    mine, theirs = model(ours), model(pydantic)
    for data in [
        {"first": 1, "inner": {"a": 2}, "second": 3},
        {"first": "x", "inner": {"a": 2, "b": ["q"]}, "second": 3},
        {"first": 1, "inner": {"a": "y"}, "second": 3},
    ]:
        got = outcome(ours, partial(mine.model_validate, data))
        assert got == outcome(pydantic, partial(theirs.model_validate, data))


def test_error_record_leaves_cycles_through_its_inputs_collectable() -> None:
    import gc
    import weakref

    class Box(ours.BaseModel):
        items: list[int]

    for _ in range(3):
        data: dict[str, Any] = {"items": ["x", {"n": 1}]}
        try:
            Box.model_validate(data)
        except ours.ValidationError as exc:
            # The input (an error's input) now refers back to the exception: a cycle through
            # the native record of the lines, which the collector must see through.
            data["items"][1]["exc"] = exc
            ref = weakref.ref(exc)
            assert exc.error_count() == 2
            assert len(exc.args[1]) == 2 or isinstance(exc.args[1], list)
        del data
        gc.collect()
        assert ref() is None
