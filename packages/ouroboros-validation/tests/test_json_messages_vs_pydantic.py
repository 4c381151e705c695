"""Errors found in JSON input read as Pydantic's: the container and model types name JSON's
kinds ("a valid array", "an object", "a valid duration"), in ``errors()``, ``str(e)`` and
``e.json()``; errors of Python input keep the Python names."""

import datetime
import json
from collections import deque
from typing import Any, NamedTuple

import pydantic
import pytest
from typing_extensions import TypedDict

import ouroboros.validation as ours


def types(lib: Any) -> dict[str, Any]:
    class Inner(lib.BaseModel):
        a: int

    @lib.dataclasses.dataclass
    class Data:
        a: int

    class Typed(TypedDict):
        a: int

    class Pair(NamedTuple):
        x: int

    return {
        "list": list[int],
        "tuple": tuple[int, ...],
        "set": set[int],
        "frozenset": frozenset[int],
        "dict": dict[str, int],
        "model": Inner,
        "dataclass": Data,
        "typeddict": Typed,
        "namedtuple": Pair,
        "deque": deque[int],
        "timedelta": datetime.timedelta,
        "none": None,
        "nested": dict[str, list[Inner]],
    }


def failures(lib: Any, call: Any) -> Any:
    try:
        call()
    except lib.ValidationError as exc:
        return (
            [(e["type"], e["loc"], e["msg"], e["input"]) for e in exc.errors(include_url=False)],
            # (The first line names the type: TypeAdapter titles differ, see docs/validation.md.)
            str(exc).split("\n", 1)[1].replace("pydantic", "ouroboros"),
            json.loads(exc.json(include_url=False)),
        )
    return "valid"


@pytest.mark.parametrize("name", list(types(ours)))
@pytest.mark.parametrize("text", ['"x"', "1", "[1]", '{"a": "b"}', "true", "1.5", '{"k": [{"a": 1}, 3]}'])
def test_json_input_errors_as_pydantic(name: str, text: str) -> None:
    mine, theirs = ours.TypeAdapter(types(ours)[name]), pydantic.TypeAdapter(types(pydantic)[name])
    got = failures(ours, lambda: mine.validate_json(text))
    assert got == failures(pydantic, lambda: theirs.validate_json(text))


@pytest.mark.parametrize("name", ["list", "dict", "model", "dataclass", "timedelta"])
def test_python_input_keeps_python_names(name: str) -> None:
    mine, theirs = ours.TypeAdapter(types(ours)[name]), pydantic.TypeAdapter(types(pydantic)[name])
    thing = object()
    got = failures(ours, lambda: mine.validate_python(thing))
    assert got == failures(pydantic, lambda: theirs.validate_python(thing))
    assert "array" not in got[0][0][2] and "an object" not in got[0][0][2]


def test_model_validate_json_names_json_kinds() -> None:
    def model(lib: Any) -> Any:
        class Inner(lib.BaseModel):
            a: int

        class Outer(lib.BaseModel):
            items: list[Inner]
            by_key: dict[str, int]
            wait: datetime.timedelta

        return Outer

    text = '{"items": [1, {"a": 2}], "by_key": [], "wait": "soon"}'
    got = failures(ours, lambda: model(ours).model_validate_json(text))
    assert got == failures(pydantic, lambda: model(pydantic).model_validate_json(text))
    messages = [m for _, _, m, _ in got[0]]
    assert "Input should be an object" in messages
    assert any(m.startswith("Input should be a valid duration") for m in messages)


@pytest.mark.parametrize("input_type", ["python", "json"])
@pytest.mark.parametrize(
    "line",
    [
        {"type": "list_type", "loc": ("a",), "input": 1},
        {"type": "model_type", "loc": ("a", 0), "input": 1, "ctx": {"class_name": "X"}},
        {"type": "dict_type", "loc": (), "input": "x"},
        {"type": "greater_than", "loc": ("n",), "input": 1, "ctx": {"gt": 2}},
    ],
)
def test_from_exception_data_input_type_as_pydantic(input_type: str, line: dict[str, Any]) -> None:
    def made(lib: Any) -> Any:
        exc = lib.ValidationError.from_exception_data("T", [line], input_type=input_type)
        return [(e["type"], e["loc"], e["msg"]) for e in exc.errors(include_url=False)]

    assert made(ours) == made(pydantic)


@pytest.mark.parametrize("value", [{"a": "b"}, {"x": 1, "z": 3, "w": 4}, {"x": "q", "z": 3}, {"x": 1}])
def test_named_tuple_from_a_dict_refuses_unknown_keys_as_pydantic(value: dict[str, Any]) -> None:
    def adapter(lib: Any) -> Any:
        class Pair(NamedTuple):
            x: int
            y: int = 2

        return lib.TypeAdapter(Pair)

    got = failures(ours, lambda: adapter(ours).validate_python(value))
    assert got == failures(pydantic, lambda: adapter(pydantic).validate_python(value))


def adapter_types(lib: Any) -> list[Any]:
    from typing import Annotated, Literal, Optional, Union

    class Inner(lib.BaseModel):
        a: int

    return [
        int,
        list[int],
        dict[str, int],
        dict,
        list,
        tuple,
        tuple[int, ...],
        tuple[int, str],
        set[int],
        frozenset[str],
        Optional[int],
        Optional[list[int]],
        Union[int, str],
        Union[int, None, str],
        Literal["a", 1],
        Annotated[int, lib.Field(gt=1)],
        Annotated[float, lib.Field(gt=1)],
        Annotated[str, lib.Field(min_length=2)],
        Annotated[bytes, lib.Field(max_length=2)],
        Annotated[list[int], lib.Field(min_length=1)],
        Annotated[float, lib.Field(allow_inf_nan=False)],
        list[Inner],
        dict[str, Any],
        datetime.timedelta,
        datetime.date,
        str,
        bytes,
        bool,
        float,
        None,
    ]


@pytest.mark.parametrize("index", range(len(adapter_types(ours))))
def test_type_adapter_titles_as_pydantic(index: int) -> None:
    """The first line of ``str(e)`` names the type as pydantic-core names its validator."""
    thing = object()

    def title(lib: Any) -> str:
        with pytest.raises(lib.ValidationError) as info:
            lib.TypeAdapter(adapter_types(lib)[index]).validate_python(thing)
        return info.value.title

    assert title(ours) == title(pydantic)
