"""Pydantic's public names beyond BaseModel: submodules, RootModel, validate_call,
dataclasses, special types, aliases, discriminators, warnings and errors."""

import datetime
import ipaddress
import pathlib
import uuid
from typing import Annotated, Literal, Union

import pytest
from conftest import errors_of, one_error

import ouroboros.validation as ov
from ouroboros.validation import (
    AliasChoices,
    BaseModel,
    ByteSize,
    Discriminator,
    Field,
    IPvAnyAddress,
    Json,
    PastDate,
    PlainSerializer,
    RootModel,
    SecretStr,
    StringConstraints,
    Tag,
    TypeAdapter,
    ValidationError,
    validate_call,
)
from ouroboros.validation.alias_generators import to_camel, to_pascal, to_snake
from ouroboros.validation.dataclasses import dataclass, is_pydantic_dataclass
from ouroboros.validation.warnings import PydanticDeprecatedSince20, PydanticDeprecationWarning

SUBMODULES = [
    "fields",
    "config",
    "functional_validators",
    "functional_serializers",
    "json_schema",
    "types",
    "networks",
    "dataclasses",
    "errors",
    "type_adapter",
    "alias_generators",
    "warnings",
    "validate_call_decorator",
    "root_model",
    "aliases",
    "version",
    "main",
    "core",
    "core.core_schema",
]


@pytest.mark.parametrize("name", SUBMODULES)
def test_submodule_paths(name):
    import importlib

    module = importlib.import_module(f"ouroboros.validation.{name}")
    for public in getattr(module, "__all__", []):
        assert hasattr(module, public), f"{name}.{public}"


def test_top_level_all_resolves():
    missing = [n for n in ov.__all__ if not hasattr(ov, n)]
    assert missing == []


def test_root_model():
    Scores = RootModel[list[int]]
    m = Scores(["1", 2])
    assert m.root == [1, 2]
    assert m.model_dump() == [1, 2]
    assert m.model_dump_json() == "[1,2]"
    assert Scores.model_validate(["3"]).root == [3]

    class Outer(BaseModel):
        scores: Scores

    assert Outer(scores=[4]).model_dump() == {"scores": [4]}
    err = one_error(Scores, ["x"])
    assert err["type"] == "int_parsing"


def test_validate_call():
    @validate_call
    def add(a: int, b: int = 2) -> int:
        return a + b

    assert add("3") == 5
    assert add(1, b="4") == 5
    errs = errors_of(add, "x")
    # As Pydantic: an argument given by position is located by its index.
    assert [(e["type"], e["loc"]) for e in errs] == [("int_parsing", (0,))]

    @validate_call(validate_return=True)
    def bad() -> int:
        return "nope"  # type: ignore[return-value]

    with pytest.raises(ValidationError):
        bad()


def test_dataclass_validates_fields():
    @dataclass
    class Point:
        x: int
        y: str = "a"

    assert is_pydantic_dataclass(Point)
    assert Point("1") == Point(x=1, y="a")
    errs = errors_of(Point, x="z")
    assert [(e["type"], e["loc"]) for e in errs] == [("int_parsing", ("x",))]

    class Holder(BaseModel):
        p: Point

    assert Holder(p={"x": 2}).p == Point(2)


def test_secret_json_ip_path_bytesize():
    class M(BaseModel):
        s: SecretStr
        j: Json[list[int]]
        ip: IPvAnyAddress
        p: pathlib.Path
        size: ByteSize

    m = M(s="pw", j="[1, 2]", ip="127.0.0.1", p="/tmp", size="1 KiB")
    assert repr(m.s) == "SecretStr('**********')"
    assert m.s.get_secret_value() == "pw"
    assert m.j == [1, 2]
    assert m.ip == ipaddress.ip_address("127.0.0.1")
    assert m.p == pathlib.Path("/tmp")
    assert m.size == 1024
    assert m.model_dump_json() == '{"s":"**********","j":[1,2],"ip":"127.0.0.1","p":"/tmp","size":1024}'
    errs = errors_of(M, s=1, j="[", ip="x", p=3, size="1 parsec")
    assert [e["type"] for e in errs] == ["string_type", "json_invalid", "ip_any_address", "path_type", "byte_size_unit"]


def test_time_relative_and_uuid_version_types():
    assert one_error(PastDate, datetime.date(2999, 1, 1))["type"] == "date_past"
    assert one_error(ov.AwareDatetime, datetime.datetime(2020, 1, 1))["type"] == "timezone_aware"
    err = one_error(ov.UUID4, uuid.uuid1())
    assert (err["type"], err["ctx"]) == ("uuid_version", {"expected_version": 4})


def test_string_constraints():
    ta = TypeAdapter(Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, min_length=2)])
    assert ta.validate_python("  ab ") == "AB"
    assert one_error(Annotated[str, StringConstraints(min_length=2)], "a")["type"] == "string_too_short"


def test_alias_choices_and_generator():
    class A(BaseModel):
        first: int = Field(validation_alias=AliasChoices("f", "first_name"))

    assert A.model_validate({"first_name": 3}).first == 3

    class B(BaseModel):
        model_config = ov.ConfigDict(alias_generator=to_camel, populate_by_name=True)
        some_field: int

    assert B.model_validate({"someField": 1}).some_field == 1
    assert (to_camel("snake_case_x"), to_pascal("snake_case"), to_snake("HTTPResponseCode")) == (
        "snakeCaseX",
        "SnakeCase",
        "http_response_code",
    )


def test_callable_discriminator():
    class Cat(BaseModel):
        kind: Literal["cat"] = "cat"
        meow: int

    class Dog(BaseModel):
        kind: Literal["dog"] = "dog"
        bark: int

    def pick(v):
        return v.get("kind") if isinstance(v, dict) else getattr(v, "kind", None)

    ta = TypeAdapter(Annotated[Union[Annotated[Cat, Tag("cat")], Annotated[Dog, Tag("dog")]], Discriminator(pick)])
    assert ta.validate_python({"kind": "dog", "bark": 1}) == Dog(bark=1)
    [err] = errors_of(ta.validate_python, {"kind": "cow"})
    assert err["type"] == "union_tag_invalid"
    assert err["ctx"] == {"discriminator": "pick()", "tag": "cow", "expected_tags": "'cat', 'dog'"}
    [err] = errors_of(ta.validate_python, {"kind": "cat", "meow": "x"})
    assert (err["type"], err["loc"]) == ("int_parsing", ("cat", "meow"))


def test_plain_serializer_on_field():
    class M(BaseModel):
        when: Annotated[datetime.date, PlainSerializer(lambda d: d.strftime("%d/%m/%Y"))]

    assert M(when="2020-01-02").model_dump() == {"when": "02/01/2020"}


def test_deprecated_v1_decorators_warn():
    with pytest.warns(PydanticDeprecatedSince20) as record:

        class M(BaseModel):
            x: int

            @ov.validator("x")
            @classmethod
            def double(cls, v):
                return v * 2

    assert M(x=2).x == 4
    warning = record[0].message
    assert isinstance(warning, PydanticDeprecationWarning)
    assert warning.since == (2, 0)
    assert warning.expected_removal == (3, 0)


def test_error_classes():
    assert issubclass(ov.PydanticSchemaGenerationError, ov.PydanticUserError)
    err = ov.PydanticUserError("bad", code="custom-json-schema")
    assert (err.message, err.code) == ("bad", "custom-json-schema")
    undefined = ov.PydanticUndefinedAnnotation.from_name_error(NameError("name 'Foo' is not defined"))
    assert undefined.name == "Foo"


def test_base64_fail_fast_omit_and_json_value():
    class M(BaseModel):
        data: ov.Base64Bytes
        text: ov.Base64Str

    m = M(data="aGVsbG8=", text="aGk=")
    assert (m.data, m.text) == (b"hello", "hi")
    assert m.model_dump() == {"data": b"aGVsbG8=", "text": "aGk="}  # bytes stay bytes, as in Pydantic
    assert one_error(ov.Base64Bytes, "a")["type"] == "base64_decode"

    errs = errors_of(TypeAdapter(Annotated[list[int], ov.FailFast()]).validate_python, ["a", "b"])
    assert [(e["type"], e["loc"]) for e in errs] == [("int_parsing", (0,))]
    assert TypeAdapter(list[ov.OnErrorOmit[int]]).validate_python([1, "x", "3"]) == [1, 3]
    assert TypeAdapter(list[ov.OnErrorOmit[int]]).validate_json('[1, "x", 3]') == [1, 3]
    assert TypeAdapter(ov.JsonValue).validate_python({"a": [1, None]}) == {"a": [1, None]}
    assert one_error(ov.JsonValue, {"a": object()})["type"] == "invalid-json-value"


def test_name_email_validate_as_get_pydantic_schema():
    from ouroboros.validation.core import core_schema

    ne = TypeAdapter(ov.NameEmail).validate_python("John Doe <jd@Example.com>")
    assert (ne.name, ne.email, str(ne)) == ("John Doe", "jd@example.com", "John Doe <jd@example.com>")
    assert one_error(ov.NameEmail, "not an email")["type"] == "value_error"

    class Wrapper:
        def __init__(self, n: int) -> None:
            self.n = n

    w = TypeAdapter(Annotated[Wrapper, ov.ValidateAs(int, Wrapper)]).validate_python("5")
    assert w.n == 5

    doubled = ov.GetPydanticSchema(
        lambda source, handler: core_schema.no_info_after_validator_function(lambda v: v * 2, handler(source))
    )
    assert TypeAdapter(Annotated[int, doubled]).validate_python("4") == 8
