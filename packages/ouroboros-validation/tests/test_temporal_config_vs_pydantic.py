"""``ser_json_temporal``/``ser_json_timedelta``, timedelta ``multiple_of`` and
``hide_input_in_errors``: the same code under Pydantic and ouroboros.validation."""

from __future__ import annotations

import datetime
import json
from typing import Annotated, Any

import pydantic
import pydantic_core
import pytest

import ouroboros.validation as ov
from ouroboros.validation import core as ov_core

LIBS = pytest.mark.parametrize("lib", [pydantic, ov], ids=["pydantic", "ouroboros"])

VALUES = {
    "datetime": datetime.datetime(2024, 1, 1, 1, 1, 1, 23),
    "aware": datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=2))),
    "date": datetime.date(2024, 1, 1),
    "time": datetime.time(3, 14, 1, 59263),
    "timedelta": datetime.timedelta(days=1, seconds=1, microseconds=5),
    datetime.datetime(2024, 1, 1): "datetime_key",
    datetime.timedelta(seconds=1): "timedelta_key",
}

CONFIGS = [
    {},
    {"ser_json_temporal": "seconds"},
    {"ser_json_temporal": "milliseconds"},
    {"ser_json_timedelta": "float"},
    {"ser_json_temporal": "milliseconds", "ser_json_timedelta": "float"},
    {"ser_json_temporal": "iso8601", "ser_json_timedelta": "float"},
]


def _dumps(lib: Any, config: dict[str, Any]) -> Any:
    class Model(lib.BaseModel):
        model_config = lib.ConfigDict(**config)
        when: datetime.datetime
        day: datetime.date
        clock: datetime.time
        span: datetime.timedelta

    model = Model(when=VALUES["aware"], day=VALUES["date"], clock=VALUES["time"], span=VALUES["timedelta"])
    adapter = lib.TypeAdapter(Any, config=config)
    return (
        json.loads(model.model_dump_json()),
        model.model_dump(mode="json"),
        json.loads(adapter.dump_json(VALUES)),
        adapter.dump_python(VALUES, mode="json"),
        json.loads(lib.TypeAdapter(datetime.datetime, config=config).dump_json(VALUES["datetime"])),
    )


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: "-".join(f"{k}={v}" for k, v in c.items()) or "default")
def test_temporal_json_output_matches_pydantic(config: dict[str, Any]):
    assert _dumps(ov, config) == _dumps(pydantic, config)


@pytest.mark.parametrize("temporal_mode", ["iso8601", "seconds", "milliseconds"])
@pytest.mark.parametrize("timedelta_mode", ["iso8601", "float"])
def test_to_jsonable_python_modes_match_pydantic_core(temporal_mode: str, timedelta_mode: str):
    kwargs = {"temporal_mode": temporal_mode, "timedelta_mode": timedelta_mode}
    assert ov_core.to_jsonable_python(VALUES, **kwargs) == pydantic_core.to_jsonable_python(VALUES, **kwargs)


@LIBS
def test_timedelta_multiple_of(lib: Any):
    adapter = lib.TypeAdapter(Annotated[datetime.timedelta, lib.Field(multiple_of=datetime.timedelta(minutes=15))])
    assert adapter.validate_python(datetime.timedelta(hours=1)) == datetime.timedelta(hours=1)
    assert adapter.validate_python(900) == datetime.timedelta(minutes=15)
    with pytest.raises((pydantic.ValidationError, ov.ValidationError)) as info:
        adapter.validate_python(datetime.timedelta(minutes=50))
    assert info.value.errors(include_url=False) == [
        {
            "type": "multiple_of",
            "loc": (),
            "msg": "Input should be a multiple of 15 minutes",
            "input": datetime.timedelta(minutes=50),
            "ctx": {"multiple_of": "15 minutes"},
        }
    ]
    for step in (datetime.timedelta(0), datetime.timedelta(minutes=-15)):
        with pytest.raises((pydantic_core.SchemaError, ov_core.SchemaError), match="'multiple_of' must be greater"):
            lib.TypeAdapter(Annotated[datetime.timedelta, lib.Field(multiple_of=step)])


@LIBS
@pytest.mark.parametrize("hide", [False, True])
def test_hide_input_in_errors(lib: Any, hide: bool):
    class Model(lib.BaseModel):
        model_config = lib.ConfigDict(hide_input_in_errors=hide)
        x: str

    expected = "type=string_type]" if hide else "type=string_type, input_value=123, input_type=int]"
    with pytest.raises((pydantic.ValidationError, ov.ValidationError)) as info:
        Model(x=123)
    assert f"Input should be a valid string [{expected}" in str(info.value)
    # errors() keeps the input either way.
    assert info.value.errors(include_url=False)[0]["input"] == 123
    with pytest.raises((pydantic.ValidationError, ov.ValidationError)) as info:
        lib.TypeAdapter(int, config=lib.ConfigDict(hide_input_in_errors=hide)).validate_python("a")
    assert ("input_value" in str(info.value)) is not hide
    error = lib.ValidationError.from_exception_data(
        "Foobar", [{"type": "greater_than", "loc": ("a", 2), "input": 4, "ctx": {"gt": 5}}], hide_input=hide
    )
    suffix = "[type=greater_than]" if hide else "[type=greater_than, input_value=4, input_type=int]"
    assert f"Input should be greater than 5 {suffix}" in str(error)


@pytest.mark.parametrize("unit", ["seconds", "milliseconds", "infer"])
@pytest.mark.parametrize(
    "value", [1654646400, "1654646400", 1654646400.123456, 8640000000.0, 92534400000.0, 1654646400123.456]
)
def test_val_temporal_unit_matches_pydantic(unit: str, value: Any):
    def outcome(lib: Any) -> Any:
        config = lib.ConfigDict(val_temporal_unit=unit)
        results = []
        for tp in (datetime.datetime, datetime.date):
            try:
                results.append(lib.TypeAdapter(tp, config=config).validate_python(value))
            except (pydantic.ValidationError, ov.ValidationError) as exc:
                results.append(exc.errors(include_url=False)[0]["type"])
        return results

    assert outcome(ov) == outcome(pydantic)
