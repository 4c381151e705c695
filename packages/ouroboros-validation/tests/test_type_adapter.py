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
