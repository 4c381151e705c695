"""model_json_schema: JSON Schema 2020-12, checked with the jsonschema package, and sample data checked against it."""

import enum
from datetime import datetime
from typing import Annotated, Dict, List, Literal, Optional, Tuple, Union
from uuid import UUID

import jsonschema
import pytest

from ouroboros.validation import BaseModel, ConfigDict, Field, TypeAdapter


def check(schema, *instances, invalid=()):
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for inst in instances:
        validator.validate(inst)
    for inst in invalid:
        assert not validator.is_valid(inst), inst


class Address(BaseModel):
    street: Annotated[str, Field(min_length=1)]
    city: str
    country: str = "USA"


class Role(str, enum.Enum):  # noqa: UP042 - the spelling users write
    ADMIN = "admin"
    USER = "user"


class User(BaseModel):
    """A user of the system."""

    name: Annotated[str, Field(min_length=1, max_length=100, description="Full name", examples=["Ann"])]
    age: Annotated[int, Field(ge=0, le=150)] = 0
    score: Annotated[float, Field(gt=0, lt=1)] = 0.5
    email: Annotated[str, Field(pattern=r"^\S+@\S+$")]
    address: Address
    others: List[Address] = []
    role: Role = Role.USER
    nickname: Optional[str] = None
    kind: Literal["person"] = "person"
    created: Optional[datetime] = None
    ident: Optional[UUID] = None
    labels: Dict[str, int] = {}


def test_user_schema_shape():
    schema = User.model_json_schema()
    assert schema["title"] == "User"
    assert schema["type"] == "object"
    assert schema["description"] == "A user of the system."
    assert schema["required"] == ["name", "email", "address"]
    assert schema["properties"]["name"] == {
        "type": "string",
        "minLength": 1,
        "maxLength": 100,
        "title": "Name",
        "description": "Full name",
        "examples": ["Ann"],
    }
    assert schema["properties"]["age"] == {
        "type": "integer",
        "minimum": 0,
        "maximum": 150,
        "title": "Age",
        "default": 0,
    }
    assert schema["properties"]["score"]["exclusiveMinimum"] == 0
    assert schema["properties"]["address"] == {"$ref": "#/$defs/Address"}
    assert schema["properties"]["others"]["items"] == {"$ref": "#/$defs/Address"}
    assert schema["properties"]["nickname"]["anyOf"] == [{"type": "string"}, {"type": "null"}]
    assert schema["properties"]["kind"]["const"] == "person"
    assert schema["properties"]["role"]["$ref"] == "#/$defs/Role"
    assert schema["properties"]["role"]["default"] == "user"
    assert schema["$defs"]["Role"] == {"enum": ["admin", "user"], "title": "Role", "type": "string"}
    assert schema["$defs"]["Address"]["required"] == ["street", "city"]
    assert schema["properties"]["labels"]["additionalProperties"] == {"type": "integer"}


def test_user_schema_is_valid_and_describes_data():
    schema = User.model_json_schema()
    good = User(
        name="Ann", email="a@b.c", address={"street": "s", "city": "c"}, created="2020-01-01T00:00:00"
    ).model_dump(mode="json")
    check(
        schema,
        good,
        invalid=[
            {**good, "name": ""},
            {**good, "age": -1},
            {k: v for k, v in good.items() if k != "address"},
            {**good, "role": "root"},
            {**good, "address": {"street": ""}},
        ],
    )


def test_extra_forbid_and_aliases():
    class M(BaseModel):
        model_config = ConfigDict(extra="forbid", title="Custom")
        x: int = Field(alias="X")

    schema = M.model_json_schema()
    assert schema["additionalProperties"] is False
    assert schema["title"] == "Custom"
    assert list(schema["properties"]) == ["X"]
    assert list(M.model_json_schema(by_alias=False)["properties"]) == ["x"]
    check(schema, {"X": 1}, invalid=[{"X": 1, "y": 2}, {"x": 1}])


def test_recursive_model_uses_defs_and_ref():
    class Node(BaseModel):
        value: int
        children: List["Node"] = []

    schema = Node.model_json_schema()
    assert schema["$ref"] == "#/$defs/Node"
    assert schema["$defs"]["Node"]["properties"]["children"]["items"] == {"$ref": "#/$defs/Node"}
    check(
        schema,
        {"value": 1, "children": [{"value": 2, "children": []}]},
        invalid=[{"value": "x"}, {"value": 1, "children": [{"children": []}]}],
    )


class Cat(BaseModel):
    pet_type: Literal["cat"]
    lives: int = 9


class Dog(BaseModel):
    pet_type: Literal["dog"]


class Owner(BaseModel):
    pet: Union[Cat, Dog] = Field(discriminator="pet_type")
    coords: Tuple[float, float] = (0.0, 0.0)


def test_discriminated_union_and_tuple_schema():
    schema = Owner.model_json_schema()
    pet = schema["properties"]["pet"]
    assert pet["discriminator"] == {"propertyName": "pet_type", "mapping": {"cat": "#/$defs/Cat", "dog": "#/$defs/Dog"}}
    assert pet["oneOf"] == [{"$ref": "#/$defs/Cat"}, {"$ref": "#/$defs/Dog"}]
    assert schema["properties"]["coords"]["prefixItems"] == [{"type": "number"}, {"type": "number"}]
    check(
        schema,
        {"pet": {"pet_type": "cat"}, "coords": [1, 2]},
        invalid=[{"pet": {"pet_type": "cow"}}, {"pet": {"pet_type": "dog"}, "coords": [1]}],
    )


@pytest.mark.parametrize(
    ("tp", "expected", "good", "bad"),
    [
        (int, {"type": "integer"}, 1, "x"),
        (List[str], {"type": "array", "items": {"type": "string"}}, ["a"], [1]),
        (Optional[int], {"anyOf": [{"type": "integer"}, {"type": "null"}]}, None, "x"),
        (Union[int, str], {"anyOf": [{"type": "integer"}, {"type": "string"}]}, "a", 1.5),
        (Literal["a", "b"], {"enum": ["a", "b"], "type": "string"}, "a", "c"),
        (Annotated[str, Field(max_length=2)], {"type": "string", "maxLength": 2}, "ab", "abc"),
        (
            Annotated[List[int], Field(min_length=1)],
            {"type": "array", "items": {"type": "integer"}, "minItems": 1},
            [1],
            [],
        ),
        (Dict[str, float], {"type": "object", "additionalProperties": {"type": "number"}}, {"a": 1.5}, {"a": "x"}),
    ],
)
def test_type_adapter_json_schema(tp, expected, good, bad):
    schema = TypeAdapter(tp).json_schema()
    assert schema == expected
    check(schema, good, invalid=[bad])


def test_serialization_mode_includes_computed_fields():
    from ouroboros.validation import computed_field

    class R(BaseModel):
        w: int

        @computed_field
        @property
        def double(self) -> int:
            return self.w * 2

    schema = R.model_json_schema(mode="serialization")
    assert schema["properties"]["double"] == {"type": "integer", "title": "Double", "readOnly": True}
    assert "double" not in R.model_json_schema()["properties"]
    check(schema, R(w=1).model_dump(mode="json"))


def test_ser_json_config_shapes_serialization_schema_and_defaults():
    from datetime import timedelta

    from typing_extensions import TypedDict

    class Timed(BaseModel):
        model_config = ConfigDict(ser_json_timedelta="float", ser_json_bytes="base64")
        wait: timedelta = timedelta(minutes=5)
        blob: bytes = b"foobar"

    ser = Timed.model_json_schema(mode="serialization")["properties"]
    assert ser["wait"] == {"default": 300.0, "title": "Wait", "type": "number"}
    assert ser["blob"] == {"default": "Zm9vYmFy", "format": "base64url", "title": "Blob", "type": "string"}
    val = Timed.model_json_schema(mode="validation")["properties"]
    # Temporal formats are for output only; the bytes format applies to both.
    assert val["wait"] == {"default": "PT5M", "format": "duration", "title": "Wait", "type": "string"}
    assert val["blob"]["format"] == "base64url"

    class Stamped(BaseModel):
        model_config = ConfigDict(ser_json_temporal="milliseconds")
        at: datetime

    assert Stamped.model_json_schema(mode="serialization")["properties"]["at"] == {"title": "At", "type": "number"}
    assert TypeAdapter(list[bytes], config=ConfigDict(ser_json_bytes="base64")).json_schema() == {
        "items": {"format": "base64url", "type": "string"},
        "type": "array",
    }

    class Row(TypedDict):
        __pydantic_config__ = ConfigDict(ser_json_timedelta="float")  # type: ignore[misc]
        wait: Annotated[timedelta, Field(timedelta(seconds=3))]

    assert TypeAdapter(Row).json_schema(mode="serialization") == {
        "properties": {"wait": {"default": 3.0, "title": "Wait", "type": "number"}},
        "title": "Row",
        "type": "object",
    }


def test_ellipsis_default_is_a_required_field():
    from ouroboros.validation import ValidationError

    class M(BaseModel):
        a: int = ...
        b: int = Field(...)
        c: int = Field(default=...)

    assert all(f.is_required() for f in M.model_fields.values())
    assert M.model_json_schema()["required"] == ["a", "b", "c"]
    with pytest.raises(ValidationError) as exc:
        M()
    assert [(e["type"], e["loc"]) for e in exc.value.errors()] == [
        ("missing", ("a",)),
        ("missing", ("b",)),
        ("missing", ("c",)),
    ]


def test_generate_definitions_names_differing_forms_input_and_output():
    from decimal import Decimal

    from ouroboros.validation import computed_field
    from ouroboros.validation.json_schema import GenerateJsonSchema

    class Leaf(BaseModel):
        x: int

    class Org(BaseModel):
        x: int

        @computed_field
        @property
        def double(self) -> int:
            return 2 * self.x

    refs, defs = GenerateJsonSchema().generate_definitions(
        [
            ("leaf", "validation", Leaf.__pydantic_core_schema__),
            ("leaf", "serialization", Leaf.__pydantic_core_schema__),
            ("org", "validation", Org.__pydantic_core_schema__),
            ("org", "serialization", Org.__pydantic_core_schema__),
            ("dec", "serialization", TypeAdapter(Decimal).core_schema),
        ]
    )
    assert refs[("leaf", "validation")] == refs[("leaf", "serialization")] == {"$ref": "#/$defs/Leaf"}
    assert refs[("org", "validation")] == {"$ref": "#/$defs/Org-Input"}
    assert refs[("org", "serialization")] == {"$ref": "#/$defs/Org-Output"}
    assert refs[("dec", "serialization")] == {"type": "string"}
    assert sorted(defs) == ["Leaf", "Org-Input", "Org-Output"]
    assert list(defs["Org-Input"]["properties"]) == ["x"]
    assert list(defs["Org-Output"]["properties"]) == ["x", "double"]


def test_schema_keyword_rules_for_bounds_secrets_and_deprecated_classes():
    import math
    from decimal import Decimal

    from typing_extensions import deprecated

    from ouroboros.validation import SecretStr

    class Bounds(BaseModel):
        f: float = Field(0.0, gt=-math.inf, le=math.inf)
        d: Decimal = Field(Decimal(1), gt=0)
        secret: SecretStr = Field(min_length=6)

    props = Bounds.model_json_schema(mode="serialization")["properties"]
    assert props["f"] == {"default": 0.0, "title": "F", "type": "number"}
    assert props["d"] == {"default": "1", "title": "D", "type": "string"}
    assert props["secret"] == {
        "format": "password",
        "minLength": 6,
        "title": "Secret",
        "type": "string",
        "writeOnly": True,
    }

    @deprecated("use New")
    class Old(BaseModel):
        pass

    with pytest.warns(DeprecationWarning, match="use New"):

        class Sub(Old):
            pass

    assert Old.model_json_schema()["deprecated"] is True
    assert "deprecated" not in Sub.model_json_schema()
