"""Drop-in details checked against Pydantic itself: ``tuple[()]`` takes only the empty
tuple; ``Iterable[T]`` iterates strings, bytes and mappings; union errors name function
validators by their function (``function-after[check(), int]``) and lazy iterables as
``generator[int]``; JSON Schemas come with their keys in Pydantic's order."""

import json
from collections.abc import Iterable
from typing import Annotated, Any, Tuple, Union

import pydantic
import pytest

import ouroboros.validation as ours


def outcome(call: Any) -> Any:
    """What a validation gives: the value (lazy iterables consumed) or the error lines."""
    try:
        value = call()
        if not isinstance(value, (str, bytes, dict, tuple, int, type(None))):
            value = ("iterated", list(value))
        return ("ok", value)
    except (ours.ValidationError, pydantic.ValidationError) as e:
        return ("error", [(x["type"], x["loc"], x["msg"], plain(x.get("ctx"))) for x in e.errors(include_url=False)])


def plain(ctx: dict[str, Any] | None) -> Any:
    """A context with its exceptions as text (exceptions compare by identity)."""
    if ctx is None:
        return None
    return {k: f"{type(v).__name__}: {v}" if isinstance(v, Exception) else v for k, v in ctx.items()}


EMPTY_TUPLE_CASES = [(), (1,), [1, 2], [], "ab"]


@pytest.mark.parametrize("tp", [tuple[()], Tuple[()]], ids=["tuple[()]", "Tuple[()]"])
@pytest.mark.parametrize("value", EMPTY_TUPLE_CASES, ids=repr)
def test_empty_tuple_takes_only_the_empty_tuple(tp: Any, value: Any) -> None:
    expected = outcome(lambda: pydantic.TypeAdapter(tp).validate_python(value))
    assert outcome(lambda: ours.TypeAdapter(tp).validate_python(value)) == expected


def test_empty_tuple_from_json_and_in_a_model() -> None:
    def run(lib: Any) -> Any:
        class M(lib.BaseModel):
            t: tuple[()] = ()

        return (
            outcome(lambda: M.model_validate_json('{"t": [1]}')),
            outcome(lambda: M.model_validate_json('{"t": []}').t),
            M.model_json_schema(),
        )

    assert run(ours) == run(pydantic)
    assert run(ours)[0][1][0][0] == "too_long"


ITERABLE_INPUTS = ["12", b"12", {"1": 2}, {3}, [4, "5"], 5, None, bytearray(b"7")]
ITERABLE_JSON = ['"12"', '{"1": 2}', "[1, 2]", "5", "null", '"x"']


@pytest.mark.parametrize("tp", [Iterable[int], Iterable], ids=["Iterable[int]", "Iterable"])
@pytest.mark.parametrize("value", ITERABLE_INPUTS, ids=repr)
def test_iterable_from_python(tp: Any, value: Any) -> None:
    expected = outcome(lambda: pydantic.TypeAdapter(tp).validate_python(value))
    assert outcome(lambda: ours.TypeAdapter(tp).validate_python(value)) == expected


@pytest.mark.parametrize("tp", [Iterable[int], Iterable], ids=["Iterable[int]", "Iterable"])
@pytest.mark.parametrize("text", ITERABLE_JSON)
def test_iterable_from_json(tp: Any, text: str) -> None:
    expected = outcome(lambda: pydantic.TypeAdapter(tp).validate_json(text))
    assert outcome(lambda: ours.TypeAdapter(tp).validate_json(text)) == expected


def check(value: Any) -> Any:
    raise ValueError("refused")


def wrapper(value: Any, handler: Any) -> Any:
    return handler(value)


def unions(lib: Any) -> dict[str, Any]:
    return {
        "after": Union[Annotated[int, lib.AfterValidator(check)], float],
        "before": Union[Annotated[int, lib.BeforeValidator(check)], float],
        "plain": Union[Annotated[int, lib.PlainValidator(check)], float],
        "wrap": Union[Annotated[int, lib.WrapValidator(wrapper)], float],
        "lambda": Union[Annotated[list[int], lib.AfterValidator(lambda v: v)], float],
        "iterable": Union[Iterable[int], int],
        "iterable-any": Union[Iterable, int],
    }


@pytest.mark.parametrize("name", list(unions(ours)))
def test_union_errors_name_function_validators_by_their_function(name: str) -> None:
    expected = outcome(lambda: pydantic.TypeAdapter(unions(pydantic)[name]).validate_python(None))
    got = outcome(lambda: ours.TypeAdapter(unions(ours)[name]).validate_python(None))
    assert got == expected
    assert got[0] == "error"


def test_json_schema_keys_in_pydantic_order() -> None:
    def schemas(lib: Any) -> list[str]:
        class Item(lib.BaseModel):
            """An item."""

            name: str = lib.Field(min_length=1, description="its name", examples=["pen"])
            tags: tuple[()] = ()
            sizes: list[int] = lib.Field(default_factory=list, max_length=3)
            price: float | None = lib.Field(default=None, ge=0, title="Price")
            extra: dict[str, Any] = {"b": 1, "a": 2}

        class Order(lib.BaseModel):
            items: list[Item]
            note: str | None = None

        adapter = lib.TypeAdapter(dict[str, tuple[int, ...]])
        # Compared as text: key order is what differs when it differs.
        return [
            json.dumps(Order.model_json_schema()),
            json.dumps(Order.model_json_schema(mode="serialization")),
            json.dumps(adapter.json_schema()),
        ]

    assert schemas(ours) == schemas(pydantic)
