"""field_validator, model_validator, Annotated validators, computed_field and serializers."""

from typing import Annotated, Any

import pytest
from conftest import errors_of

from ouroboros.validation import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    PlainValidator,
    PydanticCustomError,
    TypeAdapter,
    ValidationInfo,
    WrapValidator,
    computed_field,
    field_serializer,
    field_validator,
    model_serializer,
    model_validator,
)


class Signup(BaseModel):
    username: str
    password: str
    password2: str

    @field_validator("username")
    @classmethod
    def alphanumeric(cls, v: str) -> str:
        if not v.isalnum():
            raise ValueError("must be alphanumeric")
        return v.lower()

    @field_validator("password2")
    @classmethod
    def passwords_match(cls, v: str, info: ValidationInfo) -> str:
        if "password" in info.data and v != info.data["password"]:
            raise ValueError("passwords do not match")
        assert info.field_name == "password2"
        return v


def test_after_field_validator_transforms():
    assert Signup(username="Bob1", password="x", password2="x").username == "bob1"


def test_field_validator_value_error_becomes_value_error_line():
    errs = errors_of(Signup, username="b b", password="x", password2="y")
    assert [(e["type"], e["loc"], e["msg"]) for e in errs] == [
        ("value_error", ("username",), "Value error, must be alphanumeric"),
        ("value_error", ("password2",), "Value error, passwords do not match"),
    ]


def test_assertion_error_in_validator():
    class M(BaseModel):
        x: int

        @field_validator("x")
        @classmethod
        def positive(cls, v):
            if v <= 0:
                raise AssertionError("x must be positive")
            return v

    (err,) = errors_of(M, x=-1)
    assert (err["type"], err["msg"]) == ("assertion_error", "Assertion failed, x must be positive")


def test_before_validator_sees_raw_input():
    class M(BaseModel):
        tags: list[str]

        @field_validator("tags", mode="before")
        @classmethod
        def split(cls, v: Any) -> Any:
            return v.split(",") if isinstance(v, str) else v

    assert M(tags="a,b").tags == ["a", "b"]
    assert M(tags=["c"]).tags == ["c"]


def test_plain_validator_replaces_validation():
    class M(BaseModel):
        n: int

        @field_validator("n", mode="plain")
        @classmethod
        def anything(cls, v):
            return f"got {v}"

    assert M(n="x").n == "got x"


def test_wrap_validator_can_fall_back():
    class M(BaseModel):
        n: int

        @field_validator("n", mode="wrap")
        @classmethod
        def default_on_error(cls, v, handler):
            try:
                return handler(v)
            except ValueError:
                return -1

    assert M(n="5").n == 5
    assert M(n="bad").n == -1


def test_one_validator_for_several_fields_and_order():
    calls = []

    class M(BaseModel):
        a: int
        b: int

        @field_validator("a", "b")
        @classmethod
        def double(cls, v):
            calls.append(v)
            return v * 2

    assert M(a=1, b=2).model_dump() == {"a": 2, "b": 4}
    assert calls == [1, 2]


def test_validator_for_unknown_field_is_refused():
    with pytest.raises(TypeError, match="incorrect fields"):

        class M(BaseModel):
            a: int

            @field_validator("nope")
            @classmethod
            def v(cls, value):
                return value


def test_model_validator_before_and_after():
    class Range(BaseModel):
        lo: int
        hi: int

        @model_validator(mode="before")
        @classmethod
        def from_pair(cls, data: Any) -> Any:
            if isinstance(data, (list, tuple)):
                return {"lo": data[0], "hi": data[1]}
            return data

        @model_validator(mode="after")
        def ordered(self):
            if self.lo > self.hi:
                raise ValueError("lo must not exceed hi")
            return self

    assert Range.model_validate([1, 2]) == Range(lo=1, hi=2)
    (err,) = errors_of(Range, lo=3, hi=1)
    assert (err["type"], err["loc"], err["msg"]) == ("value_error", (), "Value error, lo must not exceed hi")


def test_custom_error_type():
    class M(BaseModel):
        x: int

        @field_validator("x")
        @classmethod
        def check(cls, v):
            if v > 10:
                raise PydanticCustomError("too_big", "{x} is too big", {"x": v})
            return v

    (err,) = errors_of(M, x=11)
    assert (err["type"], err["msg"], err["loc"]) == ("too_big", "11 is too big", ("x",))


def test_other_exceptions_propagate():
    class M(BaseModel):
        x: int

        @field_validator("x")
        @classmethod
        def boom(cls, v):
            raise KeyError("bug")

    with pytest.raises(KeyError):
        M(x=1)


@pytest.mark.parametrize(
    ("marker", "value", "expected"),
    [
        (AfterValidator(lambda v: v + 1), "1", 2),
        (BeforeValidator(lambda v: v.strip("#")), "#5#", 5),
        (PlainValidator(lambda v: "plain"), "x", "plain"),
        (WrapValidator(lambda v, handler: handler(v) * 10), "3", 30),
    ],
)
def test_annotated_validators(marker, value, expected):
    assert TypeAdapter(Annotated[int, marker]).validate_python(value) == expected


def test_annotated_after_validator_error():
    def even(v: int) -> int:
        if v % 2:
            raise ValueError("odd")
        return v

    class M(BaseModel):
        n: Annotated[int, AfterValidator(even)]

    (err,) = errors_of(M, n=3)
    assert (err["type"], err["loc"]) == ("value_error", ("n",))


class Rect(BaseModel):
    w: float
    h: float

    @computed_field
    @property
    def area(self) -> float:
        return self.w * self.h


def test_computed_field_in_dumps_and_repr():
    r = Rect(w=2, h=3)
    assert r.area == 6.0
    assert r.model_dump() == {"w": 2.0, "h": 3.0, "area": 6.0}
    assert r.model_dump_json() == '{"w":2.0,"h":3.0,"area":6.0}'
    assert "area=6.0" in repr(r)
    assert "area" in Rect.model_computed_fields


def test_field_serializer_plain_and_when_used_json():
    class M(BaseModel):
        price: float
        secret: str

        @field_serializer("price")
        def money(self, v):
            return f"${v:.2f}"

        @field_serializer("secret", when_used="json")
        def hide(self, v):
            return "***"

    m = M(price=3, secret="pw")
    assert m.model_dump() == {"price": "$3.00", "secret": "pw"}
    assert m.model_dump_json() == '{"price":"$3.00","secret":"***"}'


def test_field_serializer_with_info():
    class M(BaseModel):
        n: int

        @field_serializer("n")
        def ser(self, v, info):
            return v if info.mode == "python" else str(v)

    assert M(n=1).model_dump() == {"n": 1}
    assert M(n=1).model_dump(mode="json") == {"n": "1"}


def test_model_serializer():
    class M(BaseModel):
        a: int
        b: int

        @model_serializer
        def ser(self):
            return {"sum": self.a + self.b}

    assert M(a=1, b=2).model_dump() == {"sum": 3}
    assert M(a=1, b=2).model_dump_json() == '{"sum":3}'


def test_validation_context_reaches_validators():
    class M(BaseModel):
        word: str

        @field_validator("word")
        @classmethod
        def censor(cls, v: str, info: ValidationInfo) -> str:
            banned = (info.context or {}).get("banned", set())
            return "***" if v in banned else v

    assert M(word="darn").word == "darn"
    assert M.model_validate({"word": "darn"}, context={"banned": {"darn"}}).word == "***"
    assert M.model_validate_json('{"word": "darn"}', context={"banned": {"darn"}}).word == "***"
    assert (
        TypeAdapter(Annotated[str, AfterValidator(lambda v, info: f"{v}:{info.context}")]).validate_python(
            "a", context=1
        )
        == "a:1"
    )


def test_model_validator_wrap():
    class Logged(BaseModel):
        x: int

        @model_validator(mode="wrap")
        @classmethod
        def log(cls, data, handler):
            if data == "default":
                data = {"x": 0}
            try:
                return handler(data)
            except ValueError:
                return cls.model_construct(x=-1)

    assert Logged.model_validate("default").x == 0
    assert Logged.model_validate({"x": "2"}).x == 2
    assert Logged.model_validate({"x": "bad"}).x == -1
    assert Logged(x=3).x == 3
    assert Logged(x="bad").x == -1
    assert Logged.model_validate_json('{"x": 4}').x == 4


def test_validator_exception_is_the_error_context():
    from ouroboros.validation import BaseModel, ValidationError, field_validator

    class M(BaseModel):
        a: str

        @field_validator("a")
        @classmethod
        def check(cls, v: str) -> str:
            if v == "x":
                raise ValueError("no x")
            if v == "y":
                raise AssertionError("no y")
            return v

    with pytest.raises(ValidationError) as info:
        M(a="x")
    error = info.value.errors()[0]["ctx"]["error"]
    assert isinstance(error, ValueError)
    assert str(error) == "no x"
    assert '"ctx":{"error":"no x"}' in info.value.json()
    with pytest.raises(ValidationError) as info:
        M(a="y")
    assert repr(info.value.errors()[0]["ctx"]["error"]) == "AssertionError('no y')"


def test_validate_call_reports_arguments_as_pydantic():
    from typing import Annotated

    from ouroboros.validation import Field, ValidationError, validate_call

    @validate_call
    def foo(a: int, b: Annotated[int, Field(alias="B")] = 0, /, *, c: int) -> int:
        return a + b + c

    assert foo(1, 2, c="3") == 6
    with pytest.raises(ValidationError) as info:
        foo("x", 2, 3, d=4)
    assert [(e["type"], e["loc"]) for e in info.value.errors()] == [
        ("int_parsing", (0,)),
        ("missing_keyword_only_argument", ("c",)),
        ("unexpected_positional_argument", (2,)),
        ("unexpected_keyword_argument", ("d",)),
    ]
    assert info.value.title == "foo"

    @validate_call
    def bar(x: int, *rest: int, **named: int) -> tuple[int, tuple[int, ...], dict[str, int]]:
        return x, rest, named

    assert bar("1", "2", y="3") == (1, (2,), {"y": 3})
    with pytest.raises(ValidationError) as info:
        bar(1, "a", x=2, y="b")
    assert [(e["type"], e["loc"]) for e in info.value.errors()] == [
        ("multiple_argument_values", ("x",)),
        ("int_parsing", (1,)),
        ("int_parsing", ("y",)),
    ]


def test_annotated_validators_see_the_field_name():
    from typing import Annotated, Any

    from ouroboros.validation import AfterValidator, BaseModel, TypeAdapter, WrapValidator

    def record(value: Any, info: Any) -> Any:
        return (info.field_name, value)

    def wrapped(value: Any, handler: Any, info: Any) -> Any:
        return (info.field_name, handler(value))

    class M(BaseModel):
        x: int
        a: Annotated[int, AfterValidator(record)]
        b: Annotated[int, WrapValidator(wrapped)]

    m = M(x=1, a="2", b="3")
    assert (m.a, m.b) == (("a", 2), ("b", 3))
    assert TypeAdapter(Annotated[int, AfterValidator(record)]).validate_python("4") == (None, 4)
