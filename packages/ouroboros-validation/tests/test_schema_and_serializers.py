"""JSON Schema details as Pydantic writes them (formats of function-validated types,
titles of referenced fields, defaults as JSON, dict keys) and serializer signatures."""

import datetime
import ipaddress
import pathlib
import re
from functools import partial
from typing import Annotated, Any, Optional

import pytest

from ouroboros.validation import (
    BaseModel,
    Field,
    FilePath,
    IPvAnyAddress,
    SecretStr,
    computed_field,
    field_serializer,
    model_serializer,
)
from ouroboros.validation.errors import PydanticUserError
from ouroboros.validation.json_schema import PydanticJsonSchemaWarning


def test_formats_of_function_validated_types():
    class M(BaseModel):
        ip: ipaddress.IPv4Address
        anyip: IPvAnyAddress
        path: pathlib.Path
        file: FilePath
        pattern: re.Pattern
        secret: SecretStr

    props = M.model_json_schema()["properties"]
    assert props["ip"] == {"title": "Ip", "type": "string", "format": "ipv4"}
    assert props["anyip"]["format"] == "ipvanyaddress"
    assert (props["path"]["format"], props["file"]["format"]) == ("path", "file-path")
    assert props["pattern"]["format"] == "regex"
    assert props["secret"] == {"title": "Secret", "type": "string", "writeOnly": True, "format": "password"}


def test_referenced_fields_have_no_title_and_defaults_are_json():
    class Inner(BaseModel):
        a: int = 1

    class M(BaseModel):
        inner: Optional[Inner] = None
        ttl: datetime.timedelta = datetime.timedelta(minutes=5)
        tags: set[str] = {"b", "a"}

    props = M.model_json_schema()["properties"]
    assert props["inner"] == {"anyOf": [{"$ref": "#/$defs/Inner"}, {"type": "null"}], "default": None}
    assert props["ttl"]["default"] == "PT5M"
    assert props["tags"]["default"] == ["a", "b"]


def test_non_serializable_default_is_left_out_with_a_warning():
    class M(BaseModel):
        f: Any = Field(default=lambda: 1)

    with pytest.warns(PydanticJsonSchemaWarning, match="is not JSON serializable"):
        assert M.model_json_schema()["properties"]["f"] == {"title": "F"}


def test_dict_keys_in_json_schema():
    class M(BaseModel):
        a: dict[str, Any]
        b: dict[Annotated[str, Field(pattern="^x")], int]

    props = M.model_json_schema()["properties"]
    assert props["a"] == {"title": "A", "type": "object", "additionalProperties": True}
    assert props["b"] == {"title": "B", "type": "object", "patternProperties": {"^x": {"type": "integer"}}}


def _with_expected(v, info, expected):
    return f"{v:,}/{info.field_name}" if expected else v


def test_field_serializer_signatures():
    class M(BaseModel):
        x: int
        y: int

        @field_serializer("x")
        def plain(v):  # no self: a plain function
            return str(v)

        ser_y = field_serializer("y")(partial(_with_expected, expected=True))

    assert M(x=1000, y=2000).model_dump() == {"x": "1000", "y": "2,000/y"}

    with pytest.raises(PydanticUserError, match="Unrecognized field_serializer function signature"):

        class Bad(BaseModel):
            x: int

            @field_serializer("x")
            def ser(self, a, b, c):
                return a

    with pytest.raises(PydanticUserError, match="Multiple field serializer functions were defined for field 'x'"):

        class Twice(BaseModel):
            x: int

            @field_serializer("x")
            def one(self, v):
                return v

            @field_serializer("x")
            def two(self, v):
                return v


def test_model_serializer_must_be_an_instance_method():
    with pytest.raises(PydanticUserError, match="must be applied to instance methods"):

        class M(BaseModel):
            a: int

            @model_serializer
            def ser(slf):
                return {}


def test_computed_field_repr_and_private_attributes_on_instances():
    class M(BaseModel):
        x: int
        _secret: int = 3

        @computed_field(repr=False)
        @property
        def double(self) -> int:
            return self.x * 2

    m = M(x=2)
    assert repr(m) == "M(x=2)"
    assert set(m.__private_attributes__) == {"_secret"}


def test_typed_dict_json_schema_and_title_generators():
    from typing_extensions import TypedDict

    from ouroboros.validation import ConfigDict, TypeAdapter

    class Point(TypedDict):
        __pydantic_config__ = ConfigDict(field_title_generator=lambda name, _: name.upper())  # type: ignore[misc]
        x: int
        y: Annotated[str, Field(title="Why")]

    assert TypeAdapter(Point).json_schema() == {
        "properties": {"x": {"title": "X", "type": "integer"}, "y": {"title": "Why", "type": "string"}},
        "required": ["x", "y"],
        "title": "Point",
        "type": "object",
    }


def test_str_config_applies_to_type_adapters_and_dataclasses():
    import dataclasses

    from ouroboros.validation import ConfigDict, TypeAdapter

    assert TypeAdapter(str, config=ConfigDict(str_to_lower=True)).validate_python("ABC") == "abc"

    @dataclasses.dataclass
    class D:
        x: str
        __pydantic_config__ = ConfigDict(str_to_upper=True)

    assert TypeAdapter(D).validate_python({"x": "abc"}).x == "ABC"


def test_final_fields_and_frozen_deletes():
    from typing import Final

    from ouroboros.validation import ConfigDict, ValidationError
    from ouroboros.validation.warnings import PydanticDeprecatedSince211

    class M(BaseModel):
        model_config = ConfigDict(validate_assignment=True)
        a: Final[int]
        b: Annotated[Final[str], Field(title="B!")]

    assert M.model_fields["a"].frozen and M.model_fields["b"].title == "B!"
    m = M(a=1, b="x")
    with pytest.raises(ValidationError) as exc:
        m.a = 2
    assert exc.value.errors()[0]["type"] == "frozen_field"
    with pytest.raises(ValidationError) as exc:
        del m.a
    assert exc.value.errors()[0]["type"] == "frozen_field"
    with pytest.raises(ValidationError) as exc:
        m.nope = 1
    assert exc.value.errors()[0]["type"] == "no_such_attribute"

    with pytest.warns(PydanticDeprecatedSince211):

        class C(BaseModel):
            k: Final[int] = 10

    assert "k" in C.__class_vars__ and "k" not in C.model_fields


def test_json_schema_extra_callables_and_engine_jsonable():
    import dataclasses

    from ouroboros.validation import ConfigDict
    from ouroboros.validation.core import PydanticSerializationError, to_jsonable_python

    def retitle(schema, cls):
        schema["title"] = cls.__name__.upper()

    class M(BaseModel):
        model_config = ConfigDict(json_schema_extra=retitle)
        a: int = Field(json_schema_extra=lambda s: s.update(x=1))

    js = M.model_json_schema()
    assert js["title"] == "M" and js["properties"]["a"]["x"] == 1

    @dataclasses.dataclass
    class D:
        at: datetime.timedelta

    assert to_jsonable_python([D(datetime.timedelta(minutes=5)), ipaddress.ip_address("::1"), {1: b"x"}]) == [
        {"at": "PT5M"},
        "::1",
        {"1": "x"},
    ]
    with pytest.raises(PydanticSerializationError):
        to_jsonable_python(object())


def test_root_model_json_schema_and_create_model_options():
    from ouroboros.validation import RootModel, create_model

    class Ids(RootModel[list[int]]):
        """Some ids."""

    assert Ids.model_json_schema() == {
        "items": {"type": "integer"},
        "type": "array",
        "title": "Ids",
        "description": "Some ids.",
    }

    class Base(BaseModel):
        x: int = 1

    def double(self) -> int:
        return self.x * 2

    M = create_model("M", y=(str, "a"), __base__=(Base,), __doc__="Doc.", __namespace__={"double": double})
    assert (M.__doc__, M(x=3).double(), set(M.model_fields)) == ("Doc.", 6, {"x", "y"})


def test_private_attributes_are_set_after_validation():
    from ouroboros.validation import PrivateAttr

    class M(BaseModel):
        foo: str
        _copied: dict = PrivateAttr({"a": []})
        _joined: str = PrivateAttr(default_factory=lambda data: data["foo"] + data["_copied"]["a"].__class__.__name__)
        _unset: int = PrivateAttr()

    m1, m2 = M(foo="x"), M(foo="y")
    assert m1.__pydantic_private__ == {"_copied": {"a": []}, "_joined": "xlist"}
    assert m1._copied is not m2._copied
    with pytest.raises(AttributeError):
        _ = m1._unset
    assert repr(M.__private_attributes__["_unset"]) == "ModelPrivateAttr()"
    assert M.model_construct(foo="z")._joined == "zlist"


def test_type_adapter_dumps_subclass_instances_as_the_declared_class():
    import dataclasses

    from ouroboros.validation import ConfigDict, TypeAdapter

    class A(BaseModel):
        a: int

    class B(A):
        b: str

    ser = TypeAdapter(A).serializer
    assert ser.to_python(B(a=1, b="x")) == {"a": 1}
    assert ser.to_json(B(a=1, b="x")) == b'{"a":1}'
    assert ser.to_python(B(a=1, b="x"), polymorphic_serialization=True) == {"a": 1, "b": "x"}

    class P(BaseModel):
        model_config = ConfigDict(polymorphic_serialization=True)
        a: int

    class Q(P):
        q: int

    assert TypeAdapter(P).dump_python(Q(a=1, q=2)) == {"a": 1, "q": 2}

    @dataclasses.dataclass
    class DA:
        a: int

    @dataclasses.dataclass
    class DB(DA):
        b: int

    assert TypeAdapter(DA).dump_python(DB(1, 2), polymorphic_serialization=True) == {"a": 1}


class _Documented(BaseModel):
    model_config = {"use_attribute_docstrings": True}

    a: int
    """The a."""

    b: int = Field(description="kept")
    """Not used: the Field's description wins."""


def test_use_attribute_docstrings():
    assert _Documented.model_fields["a"].description == "The a."
    assert _Documented.model_fields["b"].description == "kept"


def test_union_format_and_cleaned_docstrings():
    class M(BaseModel):
        """
        Line one.
            Indented.
        """

        a: Optional[int]
        b: Annotated[str, Field(max_length=3)] | int

    js = M.model_json_schema(union_format="primitive_type_array")
    assert js["description"] == "Line one.\n    Indented."
    assert js["properties"]["a"] == {"title": "A", "type": ["integer", "null"]}
    assert js["properties"]["b"]["anyOf"] == [{"maxLength": 3, "type": "string"}, {"type": "integer"}]
