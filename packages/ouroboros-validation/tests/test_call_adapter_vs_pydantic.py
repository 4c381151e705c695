"""``TypeAdapter(function)`` (Pydantic's call schema: arguments validated, the function called,
its arguments' JSON Schema) and the ``ArgsKwargs`` a Pydantic dataclass's ``mode="before"``
model validators receive: the same code under Pydantic and ouroboros.validation."""

from typing import Annotated, Any

import pydantic
import pydantic_core
import pytest

import ouroboros.validation as ov
import ouroboros.validation.core as ovc

CORE = {pydantic: pydantic_core, ov: ovc}


def _outcome(call: Any, *args: Any) -> Any:
    try:
        return call(*args)
    except (pydantic.ValidationError, ov.ValidationError) as exc:
        return [{k: e[k] for k in ("type", "loc", "msg", "input")} for e in exc.errors()]


def _call_adapter(lib: Any) -> Any:
    def foo(a: int, b: int = 3) -> tuple[int, int]:
        return (a, b)

    ta = lib.TypeAdapter(foo)
    inputs = [
        {"a": "1"},
        CORE[lib].ArgsKwargs(("1",), {"b": "2"}),
        ("1", "2"),
        ["1"],
        '{"a": 1}',
        {"a": "x", "c": 1},
        (1, 2, 3),
    ]
    return (
        [_outcome(ta.validate_python, v) for v in inputs],
        ta.validate_json('{"a": "5"}'),
        ta.validate_json('["5", 6]'),
        ta.json_schema(),
        ta.json_schema(mode="serialization"),
    )


def test_type_adapter_of_a_function_matches_pydantic() -> None:
    ours = _call_adapter(ov)
    assert ours == _call_adapter(pydantic)
    assert ours[0][:4] == [(1, 3), (1, 2), (1, 2), (1, 3)]


def _argument_schemas(lib: Any) -> Any:
    class M(lib.BaseModel):
        x: int

    def variadic(*numbers: int) -> int:
        return sum(numbers)

    def head_and_rest(a: int, *numbers: int) -> int:
        return a + sum(numbers)

    def positional(a: int, /, b: int) -> None:
        pass

    def scores(**values: int) -> None:
        pass

    def models(m: M, a: Annotated[int, lib.Field(alias="A")] = 1, *, k: list[M]) -> None:
        pass

    out = [lib.TypeAdapter(f).json_schema() for f in (variadic, head_and_rest, positional, scores, models)]
    out.append(lib.TypeAdapter(models).json_schema(by_alias=False))
    out.append(lib.TypeAdapter(variadic).validate_python([1, "2"]))
    out.append(lib.TypeAdapter(models).validate_python({"m": {"x": 1}, "A": "2", "k": []}))
    titled = lib.TypeAdapter(positional, config={"field_title_generator": lambda name, _: name + "!"})
    out.append(titled.json_schema())
    return out


def test_arguments_json_schemas_match_pydantic() -> None:
    assert _argument_schemas(ov) == _argument_schemas(pydantic)


@pytest.mark.parametrize("lib", [pydantic, ov], ids=["pydantic", "ouroboros"])
def test_mixed_positional_and_keyword_only_has_no_json_schema(lib: Any) -> None:
    def mixed(a: int, /, *, b: int) -> None:
        pass

    with pytest.raises(lib.errors.PydanticInvalidForJsonSchema, match="positional-only and keyword-only"):
        lib.TypeAdapter(mixed).json_schema()


def _validate_call_wrapper(lib: Any) -> Any:
    @lib.validate_call
    def foo(a: int, b: int = 0) -> str:
        return f"{a}, {b}"

    return foo(1), lib.TypeAdapter(foo).json_schema(), lib.TypeAdapter(foo).validate_python({"a": "2"})


def test_type_adapter_of_a_validate_call_function() -> None:
    assert _validate_call_wrapper(ov) == _validate_call_wrapper(pydantic)


def _dataclass_before(lib: Any) -> Any:
    seen: list[Any] = []

    @lib.dataclasses.dataclass
    class D:
        a: int
        b: float

        @lib.model_validator(mode="before")
        @classmethod
        def double_b(cls, v: Any) -> Any:
            seen.append(repr(v))
            if isinstance(v, CORE[lib].ArgsKwargs) and v.kwargs and "b" in v.kwargs:
                v.kwargs["b"] *= 2
            return v

    made = D("1", b="2")
    adapted = lib.TypeAdapter(D).validate_python({"a": 1, "b": 2})
    return (made.a, made.b), (adapted.a, adapted.b), seen


def test_dataclass_before_validator_receives_args_kwargs() -> None:
    ours = _dataclass_before(ov)
    assert ours == _dataclass_before(pydantic)
    assert ours[0] == (1, 22.0)


def _dataclass_errors(lib: Any) -> Any:
    @lib.dataclasses.dataclass
    class D:
        a: int
        b: str

        @lib.model_validator(mode="after")
        def check(self) -> Any:
            if self.b == "bad":
                raise ValueError("no")
            return self

    return (
        _outcome(D, 1),
        _outcome(lambda: D(1, b="bad")),
        _outcome(lib.TypeAdapter(D).validate_python, {"a": 1}),
    )


def test_dataclass_call_errors_name_the_call() -> None:
    ours = _dataclass_errors(ov)
    theirs = _dataclass_errors(pydantic)
    assert [repr(line["input"]) for lines in ours for line in lines] == [
        repr(line["input"]) for lines in theirs for line in lines
    ]
    assert [[(e["type"], e["loc"]) for e in lines] for lines in ours] == [
        [(e["type"], e["loc"]) for e in lines] for lines in theirs
    ]


def _custom_init(lib: Any) -> Any:
    calls: list[Any] = []

    class Model(lib.BaseModel):
        x: int

        def __init__(self, x: int, y: Any = 0) -> None:
            calls.append((x, y))
            super().__init__(x=x + (len(y) if isinstance(y, str) else int(y)))

    class Nested(lib.BaseModel):
        n: int = 1

        def __init__(self, **data: Any) -> None:
            super().__init__(**data)
            self.n += 1

    class Top(lib.BaseModel):
        inner: Nested
        items: list[Nested] = []

    out = [
        Model(x=1, y=1).x,
        Model.model_validate({"x": 1, "y": 1}).x,
        Model.model_validate_json('{"x": 1, "y": 2}').x,
        Model.model_validate({"x": 1, "y": "abc"}).x,
        Model.model_validate(Model(x=5)).x,
        _outcome(Model.model_validate, [1]),
    ]
    adapter = lib.TypeAdapter(Model)
    out += [adapter.validate_python({"x": 1, "y": 2}).x, adapter.validate_json('{"x": 1}').x]
    top = Top.model_validate({"inner": {"n": 0}, "items": [{"n": 5}]})
    out += [top.inner.n, [i.n for i in top.items], Top.model_validate_json('{"inner": {}}').inner.n]
    return out, calls


def test_custom_init_is_called_by_model_validate() -> None:
    """A model's own ``__init__`` builds it from dict input, as pydantic-core's ``custom_init``."""
    ours = _custom_init(ov)
    assert ours == _custom_init(pydantic)
    assert ours[0][:4] == [2, 2, 3, 4]


def _python_fallback(lib: Any) -> Any:
    import datetime
    import ipaddress
    import pathlib

    class Unknown:
        value = 7

    data = [Unknown(), 1, (Unknown(),), {"k": Unknown()}, datetime.date(2020, 1, 1), pathlib.Path("x")]
    data.append(ipaddress.ip_address("1.1.1.1"))
    ta = lib.TypeAdapter(list)
    return ta.dump_python(data, fallback=lambda v: v.value), lib.TypeAdapter(Any).dump_python(Unknown(), fallback=repr)


def test_python_mode_fallback_matches_pydantic() -> None:
    """``dump_python(fallback=...)`` replaces values of unknown types in Python mode too."""
    ours = _python_fallback(ov)
    theirs = _python_fallback(pydantic)
    assert ours[0] == theirs[0]
    assert ours[0][:4] == [7, 1, (7,), {"k": 7}]
    assert ours[1].startswith("<") and theirs[1].startswith("<")
