"""Values and error types compared with Pydantic's on the same input: validators and
serializers whose extra positional parameters have defaults (``str.strip``), booleans and ints
from floats, bounds and lengths placed after a validator, bounds beyond 64 bits, bytes from a
bytearray."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

import annotated_types
import pydantic
import pytest

import ouroboros.validation as ov


def _outcome(lib: Any, make: Any, value: Any, *, json: bool = False, **config: Any) -> Any:
    """The value, or the errors as ``(type, loc, msg, ctx)``, of validating ``value`` as ``make(lib)``."""
    adapter = lib.TypeAdapter(make(lib), config=lib.ConfigDict(**config) if config else None)
    try:
        return "ok", adapter.validate_json(value) if json else adapter.validate_python(value)
    except lib.ValidationError as exc:
        return [(e["type"], e["loc"], e["msg"], e.get("ctx")) for e in exc.errors(include_url=False)]


def _same(make: Any, value: Any, *, ctx_text: bool = False, **kwargs: Any) -> Any:
    ours, theirs = _outcome(ov, make, value, **kwargs), _outcome(pydantic, make, value, **kwargs)
    if ctx_text and isinstance(ours, list) and isinstance(theirs, list):
        # A bound beyond 64 bits is in `ctx` as its text here (docs/validation.md, Known differences).
        ours, theirs = ([(*e[:3], {k: str(v) for k, v in e[3].items()}) for e in o] for o in (ours, theirs))
    assert ours == theirs
    return ours


def _types(outcome: Any) -> list[str]:
    return [e[0] for e in outcome]


def test_builtin_methods_and_optional_parameters_are_value_only() -> None:
    assert _same(lambda lib: Annotated[str, lib.BeforeValidator(str.strip)], "  hi ") == ("ok", "hi")
    assert _same(lambda lib: Annotated[str, lib.AfterValidator(str.upper)], "hi") == ("ok", "HI")
    assert _same(lambda lib: Annotated[float, lib.PlainValidator(float)], "2.5") == ("ok", 2.5)
    assert _same(lambda lib: Annotated[str, lib.BeforeValidator(lambda v, suffix="!": v + suffix)], "a") == (
        "ok",
        "a!",
    )
    # A wrap validator with an optional third parameter gets the handler only.
    wrap = lambda v, handler, info=None: handler(v) * 2 if info is None else "info"  # noqa: E731
    assert _same(lambda lib: Annotated[int, lib.WrapValidator(wrap)], "3") == ("ok", 6)
    # A required second parameter is `info`.
    with_info = lambda v, info: f"{v}:{type(info).__name__ in ('ValidationInfo', 'ValidatorCallable') or info}"  # noqa: E731
    assert _same(lambda lib: Annotated[str, lib.AfterValidator(with_info)], "v")[1].startswith("v:")


def test_field_validators_and_serializers_with_optional_parameters() -> None:
    def make_model(lib: Any) -> Any:
        class Model(lib.BaseModel):
            a: str
            b: Annotated[int, lib.PlainSerializer(lambda v, unit="cm": f"{v}{unit}")]

            @lib.field_validator("a")
            @classmethod
            def shout(cls, v: str, punctuation: str = "!") -> str:
                return v.upper() + punctuation

        return Model

    ours, theirs = make_model(ov)(a="x", b=3), make_model(pydantic)(a="x", b=3)
    assert ours.a == theirs.a == "X!"
    assert ours.model_dump() == theirs.model_dump() == {"a": "X!", "b": "3cm"}


def test_default_factory_takes_data_only_through_one_required_parameter() -> None:
    def make_model(lib: Any) -> Any:
        class Model(lib.BaseModel):
            a: int = 1
            b: int = lib.Field(default_factory=lambda data: data["a"] + 1)
            c: int = lib.Field(default_factory=lambda scale=10: scale)

        return Model

    assert make_model(ov)().model_dump() == make_model(pydantic)().model_dump() == {"a": 1, "b": 2, "c": 10}


@pytest.mark.parametrize(
    "value",
    [
        *(0.5, 2.0, 1.0, 0.0, -0.0, float("nan"), float("inf"), 1e31, 9.2e18, 1e19, 10**30, -1),
        *(Decimal("1e31"), Decimal("2"), Decimal("0.5"), Decimal("nan"), Decimal("1.0")),
    ],
)
def test_bool_from_numbers(value: Any) -> None:
    _same(lambda lib: bool, value)


@pytest.mark.parametrize("text", ["0.5", "2.0", "1e31", "1.0", "1e19", "0.0"])
def test_bool_and_int_from_json_floats(text: str) -> None:
    _same(lambda lib: bool, text, json=True)
    _same(lambda lib: int, text, json=True)
    _same(lambda lib: Annotated[int, lib.Field(lt=10)], text, json=True)


def test_error_types_named() -> None:
    assert _types(_same(lambda lib: bool, 0.5)) == ["bool_type"]
    assert _types(_same(lambda lib: bool, 2.0)) == ["bool_parsing"]
    assert _types(_same(lambda lib: Annotated[int, lib.Field(lt=10)], 1e31)) == ["int_parsing_size"]
    assert _types(_same(lambda lib: int, -1e31)) == ["int_parsing_size"]


@pytest.mark.parametrize("value", [1e31, -1e31, 1e20, 9.3e18, 9.2e18, -9.223372036854775808e18, 1.5, float("inf")])
def test_ints_from_large_floats(value: float) -> None:
    _same(lambda lib: int, value)
    _same(lambda lib: Annotated[int, lib.Field(gt=1, lt=10)], value)
    _same(lambda lib: Annotated[int, lib.Field(multiple_of=3)], value)


def test_lengths_and_bounds_after_a_validator() -> None:
    same = lambda v: v  # noqa: E731
    before_min = _same(lambda lib: Annotated[str, lib.BeforeValidator(same), lib.Field(min_length=3)], "a")
    assert _types(before_min) == ["too_short"]
    assert before_min[0][2] == "Value should have at least 3 items after validation, not 1"
    assert _types(_same(lambda lib: Annotated[str, lib.BeforeValidator(same), lib.Field(max_length=1)], "abc")) == [
        "too_long"
    ]
    assert _types(_same(lambda lib: Annotated[str, lib.BeforeValidator(same), annotated_types.MinLen(3)], "a")) == [
        "too_short"
    ]
    assert _types(_same(lambda lib: Annotated[list[int], lib.AfterValidator(same), lib.Field(max_length=1)], [1, 2]))
    # Before the validator: the type's own check.
    assert _types(_same(lambda lib: Annotated[str, lib.Field(min_length=3), lib.BeforeValidator(same)], "a")) == [
        "string_too_short"
    ]
    # The bound checks what the validator returns.
    double = lambda v: v * 2  # noqa: E731
    assert _types(_same(lambda lib: Annotated[int, lib.AfterValidator(double), lib.Field(lt=10)], 6)) == ["less_than"]
    assert _same(lambda lib: Annotated[int, lib.Field(lt=10), lib.AfterValidator(double)], 6) == ("ok", 12)
    # A validator's wrong type is still the type's error.
    assert _types(_same(lambda lib: Annotated[str, lib.BeforeValidator(same), lib.Field(min_length=3)], 5)) == [
        "string_type"
    ]
    _same(lambda lib: Annotated[str, lib.BeforeValidator(same), lib.Field(min_length=2, max_length=4)], "abc")


def test_model_field_constraints_after_a_validator() -> None:
    def make_model(lib: Any) -> Any:
        class Model(lib.BaseModel):
            inline: Annotated[str, lib.BeforeValidator(str.strip), lib.Field(min_length=3)] = "abc"
            default_field: Annotated[str, lib.BeforeValidator(str.strip)] = lib.Field("abc", min_length=3)

        return Model

    for data in ({"inline": " a "}, {"default_field": " a "}):
        with pytest.raises(ov.ValidationError) as ours:
            make_model(ov)(**data)
        with pytest.raises(pydantic.ValidationError) as theirs:
            make_model(pydantic)(**data)
        assert [(e["type"], e["msg"]) for e in ours.value.errors()] == [
            (e["type"], e["msg"]) for e in theirs.value.errors()
        ]
    schema = make_model(ov).model_json_schema()["properties"]
    assert schema == make_model(pydantic).model_json_schema()["properties"]
    assert schema["inline"]["minLength"] == 3


@pytest.mark.parametrize("value", [10**30, 10**30 + 1, 5, 10**40])
def test_bounds_beyond_64_bits(value: int) -> None:
    _same(lambda lib: Annotated[int, lib.Field(gt=10**30)], value, ctx_text=True)
    _same(lambda lib: Annotated[int, lib.Field(le=-(10**30))], -value, ctx_text=True)
    _same(lambda lib: Annotated[int, lib.Field(ge=-(10**30), lt=10**35)], value, ctx_text=True)
    _same(lambda lib: Annotated[int, lib.Field(multiple_of=10**20)], value, ctx_text=True)


def test_bounds_beyond_64_bits_on_a_model() -> None:
    class Model(ov.BaseModel):
        n: int = ov.Field(gt=10**30)

    assert Model(n=10**31).n == 10**31
    with pytest.raises(ov.ValidationError) as info:
        Model(n=5)
    assert info.value.errors()[0]["type"] == "greater_than"
    assert info.value.errors()[0]["msg"] == f"Input should be greater than {10**30}"
    assert Model.model_json_schema()["properties"]["n"]["exclusiveMinimum"] == 10**30


@pytest.mark.parametrize("value", [bytearray(b"ab"), memoryview(b"ab"), "ab", b"ab"])
@pytest.mark.parametrize("strict", [False, True])
def test_bytes_from_bytearray(value: Any, strict: bool) -> None:
    _same(lambda lib: bytes, value, strict=strict)
    _same(lambda lib: Annotated[bytes, lib.Field(strict=strict)], value)
