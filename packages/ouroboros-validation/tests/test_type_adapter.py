"""TypeAdapter: bare types validated, dumped and described."""

import json
from datetime import date
from typing import Dict, List, Optional, Tuple, Union

import pytest
from conftest import errors_of

from ouroboros.validation import BaseModel, TypeAdapter, ValidationError


class Pt(BaseModel):
    x: int
    y: int = 0


@pytest.mark.parametrize(
    ("tp", "value", "expected"),
    [
        (List[Pt], [{"x": 1}], [Pt(x=1)]),
        (Dict[str, List[int]], {"a": ["1"]}, {"a": [1]}),
        (Tuple[int, Optional[str]], (1, None), (1, None)),
        (Union[Pt, int], 5, 5),
        (Pt, {"x": 2}, Pt(x=2)),
        (date, "2020-02-02", date(2020, 2, 2)),
    ],
)
def test_validate_python(tp, value, expected):
    assert TypeAdapter(tp).validate_python(value) == expected


@pytest.mark.parametrize(
    ("tp", "raw", "expected"),
    [
        (List[int], "[1, 2]", [1, 2]),
        (Dict[str, float], b'{"a": 1}', {"a": 1.0}),
        (Optional[Pt], "null", None),
        (Pt, '{"x": 3}', Pt(x=3)),
    ],
)
def test_validate_json(tp, raw, expected):
    assert TypeAdapter(tp).validate_json(raw) == expected


def test_dump_python_and_json():
    ta = TypeAdapter(List[Pt])
    pts = ta.validate_python([{"x": 1, "y": 2}])
    assert ta.dump_python(pts) == [{"x": 1, "y": 2}]
    assert ta.dump_json(pts) == b'[{"x":1,"y":2}]'
    assert json.loads(ta.dump_json(pts, indent=2)) == [{"x": 1, "y": 2}]
    assert TypeAdapter(date).dump_python(date(2020, 1, 2), mode="json") == "2020-01-02"


def test_error_title_is_the_type():
    with pytest.raises(ValidationError) as info:
        TypeAdapter(int).validate_python("x")
    assert str(info.value).startswith("1 validation error for int")


def test_strict_call_option():
    assert errors_of(TypeAdapter(List[int]).validate_python, ["1"], strict=True)[0]["loc"] == (0,)


def test_adapter_for_model_shares_its_validator():
    ta = TypeAdapter(Pt)
    assert ta.validate_python({"x": "4"}) == Pt(x=4)
    assert ta.json_schema()["title"] == "Pt"


def test_get_default_value_of_an_annotated_default():
    from typing import Annotated

    from ouroboros.validation import Field
    from ouroboros.validation.core import Some

    assert TypeAdapter(int).get_default_value() is None
    plain = TypeAdapter(Annotated[list[int], Field(default=["1", "2"])])
    assert plain.get_default_value() == Some(["1", "2"])
    checked = TypeAdapter(Annotated[list[int], Field(default=["1", "2"])], config={"validate_default": True})
    assert checked.get_default_value().value == [1, 2]


def test_defer_build_waits_for_first_use_then_builds_once():
    from ouroboros.validation import ConfigDict
    from ouroboros.validation._internal import _mock_val_ser

    ta = TypeAdapter(dict[str, int], config=ConfigDict(defer_build=True))
    assert not ta.pydantic_complete
    assert isinstance(ta.core_schema, _mock_val_ser.MockCoreSchema)
    assert isinstance(ta.validator, _mock_val_ser.MockValSer)
    assert isinstance(ta.serializer, _mock_val_ser.MockValSer)
    assert ta.validate_python({"a": "1"}) == {"a": 1}
    assert ta.pydantic_complete
    assert not isinstance(ta.validator, _mock_val_ser.MockValSer)
    assert ta.dump_json({"a": 1}) == b'{"a":1}'
    # The stand-in itself builds on use.
    deferred = TypeAdapter(list[int], config=ConfigDict(defer_build=True)).validator
    assert deferred.validate_python(["2"]) == [2]


def test_model_defer_build_keeps_fields_and_builds_on_use():
    from ouroboros.validation import ConfigDict
    from ouroboros.validation.alias_generators import to_camel

    class Deferred(BaseModel):
        model_config = ConfigDict(defer_build=True, alias_generator=to_camel)
        some_field: int

    assert Deferred.__pydantic_complete__ is False
    assert Deferred.model_fields["some_field"].alias == "someField"
    ta = TypeAdapter(Deferred)
    assert isinstance(ta.validator, type(Deferred.__ouroboros_validator__))
    assert ta.validate_python({"someField": "3"}).some_field == 3
    assert Deferred.__pydantic_complete__ is True
    assert errors_of(Deferred, someField="x")[0]["loc"] == ("someField",)


def test_adapter_repr_config_rules_and_rebuild():
    from ouroboros.validation import ConfigDict
    from ouroboros.validation.errors import PydanticUndefinedAnnotation, PydanticUserError

    class M(BaseModel):
        x: int

    assert repr(TypeAdapter(list[int])) == "TypeAdapter(list[int])"
    assert repr(TypeAdapter(M)) == "TypeAdapter(test_adapter_repr_config_rules_and_rebuild.<locals>.M)"
    with pytest.raises(PydanticUserError) as exc:
        TypeAdapter(M, config=ConfigDict(strict=True))
    assert exc.value.code == "type-adapter-config-unused"
    ta = TypeAdapter("LaterInt", config=ConfigDict(defer_build=True))
    with pytest.raises(PydanticUndefinedAnnotation):
        ta.rebuild()
    assert ta.rebuild(raise_errors=False) is False
    LaterInt = int  # noqa: F841 - read by rebuild() from this frame
    assert ta.rebuild() is True
    assert ta.rebuild() is None
    assert ta.validate_python("5") == 5


def test_experimental_allow_partial_drops_only_a_failing_last_item() -> None:
    from typing import Annotated

    from annotated_types import Ge
    from typing_extensions import TypedDict

    ta = TypeAdapter(list[Annotated[int, Ge(10)]])
    assert ta.validate_python([10, 20, 3], experimental_allow_partial=True) == [10, 20]
    assert ta.validate_json("[10, 20, 30", experimental_allow_partial=True) == [10, 20, 30]
    assert ta.validate_json("[10, 20, 3", experimental_allow_partial="on") == [10, 20]
    with pytest.raises(ValidationError) as exc:
        ta.validate_python([3, 20, 30], experimental_allow_partial=True)
    assert [(e["type"], e["loc"]) for e in exc.value.errors()] == [("greater_than_equal", (0,))]
    with pytest.raises(ValidationError) as exc:
        ta.validate_python([10, 20, 3])
    assert exc.value.errors()[0]["loc"] == (2,)

    class Foobar(TypedDict, total=False):
        a: int
        b: str
        c: tuple[int, str]

    td = TypeAdapter(Foobar)
    assert td.validate_json('{"a": 1, "b": "b', experimental_allow_partial=True) == {"a": 1}
    assert td.validate_json('{"a": 1, "b": "b', experimental_allow_partial="trailing-strings") == {"a": 1, "b": "b"}
    assert td.validate_python({"a": 1, "b": "b", "c": (3,)}, experimental_allow_partial=True) == {"a": 1, "b": "b"}
    with pytest.raises(ValidationError) as exc:
        td.validate_python({"a": 1, "c": (3,), "b": "b"}, experimental_allow_partial=True)
    assert [(e["type"], e["loc"]) for e in exc.value.errors()] == [("missing", ("c", 1))]
    with pytest.raises(ValidationError) as exc:
        ta.validate_json("[10, x", experimental_allow_partial=True)
    assert exc.value.errors()[0]["type"] == "json_invalid"
    with pytest.raises(ValueError, match="experimental_allow_partial must be"):
        ta.validate_python([10], experimental_allow_partial="sometimes")


def test_validate_strings_takes_extra():
    from typing_extensions import TypedDict

    class Row(TypedDict):
        x: bool

    ta = TypeAdapter(Row)
    assert ta.validate_strings({"x": "true", "y": "1"}) == {"x": True}
    with pytest.raises(ValidationError) as exc:
        ta.validate_strings({"x": "true", "y": "1"}, extra="forbid")
    assert [(e["type"], e["loc"]) for e in exc.value.errors()] == [("extra_forbidden", ("y",))]
