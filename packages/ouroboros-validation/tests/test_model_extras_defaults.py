"""Typed extras (``__pydantic_extra__: dict[K, V]``), factories taking validated data, and
``model_validate_strings``, each compared with Pydantic itself."""

from typing import Annotated, Any

import pydantic
import pydantic_core
import pytest
from typing_extensions import TypedDict

import ouroboros.validation as ours
from ouroboros.validation.core import PydanticUndefined

LIBS = pytest.mark.parametrize("lib", [ours, pydantic], ids=["ours", "pydantic"])


def outcome(call: Any) -> Any:
    """The value (dumped when a model) or the error list without urls and inputs."""
    try:
        value = call()
    except (ours.ValidationError, pydantic.ValidationError) as exc:
        undefined = (PydanticUndefined, pydantic_core.PydanticUndefined)
        return [
            (e["type"], e["loc"], e["msg"], "undefined" if e["input"] in undefined else "input")
            for e in exc.errors(include_url=False)
        ]
    return value.model_dump() if hasattr(value, "model_dump") else value


def both(make: Any, call: Any) -> None:
    """``call(make(lib))`` gives the same outcome under ouroboros and under Pydantic."""
    assert outcome(lambda: call(make(ours))) == outcome(lambda: call(make(pydantic)))


def typed_extra(lib: Any) -> Any:
    class Model(lib.BaseModel, extra="allow"):
        a: int
        __pydantic_extra__: dict[str, int]

    return Model


@pytest.mark.parametrize(
    "data",
    [{"a": 1, "b": "2"}, {"a": 1, "b": "x"}, {"a": "x", "b": "y", "c": 3}, {"a": 1}],
)
def test_typed_extra_values_are_validated_as_pydantic(data):
    both(typed_extra, lambda m: m.model_validate(data))
    both(typed_extra, lambda m: m.model_validate(data).model_extra)
    import json

    both(typed_extra, lambda m: m.model_validate_json(json.dumps(data)))
    both(typed_extra, lambda m: m(**data))


def test_typed_extra_keys_and_named_models():
    class Foo(ours.BaseModel):
        x: int

    class Keys(ours.BaseModel, extra="allow"):
        __pydantic_extra__: dict[Annotated[str, ours.Field(max_length=3)], Foo]

    assert Keys.model_validate({"abc": {"x": "1"}}).model_extra == {"abc": Foo(x=1)}
    with pytest.raises(ours.ValidationError) as info:
        Keys.model_validate({"abcd": {"x": 1}, "ab": {"x": "no"}})
    assert [(e["type"], e["loc"]) for e in info.value.errors()] == [
        ("string_too_long", ("abcd",)),
        ("int_parsing", ("ab", "x")),
    ]
    assert Keys.model_json_schema()["additionalProperties"] == {"$ref": "#/$defs/Foo"}

    class IntKeys(ours.BaseModel, extra="allow"):
        __pydantic_extra__: dict[int, int]

    with pytest.raises(TypeError, match="Extra keys must be strings, got `int`"):
        IntKeys.model_validate({"1": 1})
    with pytest.raises(TypeError, match="Extra keys must be strings, got `int`"):
        IntKeys.model_validate_json('{"1": 1}')


def test_typed_extra_declared_with_field_keeps_the_instance_attribute():
    class Model(ours.BaseModel, extra="allow"):
        __pydantic_extra__: dict[str, int] = ours.Field(init=False)

    m = Model(a="1")
    assert m.__pydantic_extra__ == {"a": 1}
    assert Model.model_json_schema()["additionalProperties"] == {"type": "integer"}


def test_extra_annotation_must_be_a_dict():
    with pytest.raises(ours.PydanticSchemaGenerationError):

        class Model(ours.BaseModel, extra="allow"):
            __pydantic_extra__: int


def factory_after_failure(lib: Any) -> Any:
    class Model(lib.BaseModel):
        a: int
        b: Annotated[int, lib.Field(default_factory=lambda data: data["a"] + 1)]

    return Model


@pytest.mark.parametrize("data", [{"a": "x"}, {}, {"a": 1}, {"a": 1, "b": 5}])
def test_factory_taking_data_is_not_called_after_a_failure_as_pydantic(data):
    import json

    both(factory_after_failure, lambda m: m.model_validate(data))
    both(factory_after_failure, lambda m: m.model_validate_json(json.dumps(data)))


@pytest.mark.parametrize("data", [{"a": "x"}, {"a": 2}])
def test_factory_taking_data_in_a_typed_dict_as_pydantic(data):
    def make(lib: Any) -> Any:
        class TD(TypedDict):
            a: int
            b: Annotated[int, lib.Field(default_factory=lambda data: data["a"] * 2)]

        return lib.TypeAdapter(TD)

    both(make, lambda ta: ta.validate_python(data))


def test_model_construct_passes_data_to_the_factory():
    class Model(ours.BaseModel):
        a: int = 1
        b: int = ours.Field(default_factory=lambda data: data["a"])

    assert Model.model_construct(a=4).b == 4
    with pytest.raises(ValueError, match="validated_data"):
        Model.model_fields["b"].get_default(call_default_factory=True)


@pytest.mark.parametrize(
    ("tp", "value"),
    [(bool, "true"), (int, "1"), (int, "x"), (float, "1.10"), (dict[int, int], {"1": "2"})],
)
@pytest.mark.parametrize("strict", [None, False, True])
def test_model_validate_strings_parses_strings_as_pydantic(tp, value, strict):
    def make(lib: Any) -> Any:
        class Model(lib.BaseModel):
            x: tp

        return Model

    both(make, lambda m: m.model_validate_strings({"x": value}, strict=strict))


def sequence_model(lib: Any) -> Any:
    from collections.abc import Sequence

    class Model(lib.BaseModel):
        v: Sequence[int]
        s: Sequence[str] = ()

    return Model


@pytest.mark.parametrize(
    "data",
    [
        {"v": [1, "2"]},
        {"v": (1, "2")},
        {"v": "12"},
        {"v": b"12"},
        {"v": {1, 2}},
        {"v": range(3)},
        {"v": [1], "s": "abc"},
        {"v": (1, "x")},
        {"v": 5},
    ],
    ids=repr,
)
def test_sequence_keeps_the_input_type_and_refuses_str_as_pydantic(data):
    def dumped(m: Any) -> Any:
        value = m.model_validate(data)
        return (type(value.v).__name__, value.model_dump(), value.model_dump(mode="json"))

    both(sequence_model, dumped)


def test_sequence_of_deque_and_named_tuple_as_pydantic():
    from collections import deque
    from typing import NamedTuple

    class Point(NamedTuple):
        x: int
        y: int

    def dumped(m: Any) -> Any:
        rows = []
        for raw in (deque([1, "2"]), Point(1, 2)):
            value = m.model_validate({"v": raw})
            rows.append((value.v, value.model_dump(), value.model_dump_json()))
        return rows

    both(sequence_model, dumped)
    both(sequence_model, lambda m: m.model_validate_json('{"v": [1, "2"], "s": ["a"]}'))
    both(sequence_model, lambda m: m.model_validate({"v": (i for i in range(2))}))
    # A tuple is a Sequence also in strict mode.
    both(sequence_model, lambda m: m.model_validate({"v": (1, 2)}, strict=True).v)


def recursive_model(lib: Any) -> Any:
    from typing import Optional

    class Node(lib.BaseModel):
        x: list["Node"] = []
        y: Optional["Node"] = None

    Node.model_rebuild()
    return Node


def test_cyclic_input_is_a_loop_at_its_first_repeat_as_pydantic():
    data: dict = {"x": []}
    data["x"].append(data)
    both(recursive_model, lambda m: m(**data))
    selfish: dict = {}
    selfish["y"] = selfish
    both(recursive_model, lambda m: m.model_validate(selfish))
    # The same dict twice side by side is no cycle.
    leaf: dict = {}
    both(recursive_model, lambda m: m.model_validate({"x": [leaf, leaf], "y": leaf}))


def test_deep_acyclic_input_is_a_depth_error_as_pydantic():
    data: dict = {}
    for _ in range(1_000):
        data = {"y": data}
    for lib in (ours, pydantic):
        with pytest.raises(lib.ValidationError) as info:
            recursive_model(lib).model_validate(data)
        errors = info.value.errors()
        assert (len(errors), errors[0]["type"], errors[0]["msg"]) == (
            1,
            "recursion_depth_exceeded",
            "Recursion error - maximum validation depth exceeded",
        )


def test_typed_extra_names_resolve_where_the_class_was_written():
    def define(lib: Any) -> Any:
        A = int  # read by the string annotation

        class Model(lib.BaseModel):
            __pydantic_extra__: "dict[str, A]"
            model_config = {"defer_build": True, "extra": "allow"}

        return Model

    def rebuilt(m: Any) -> Any:
        A = str  # noqa: F841 - must not be the one used
        m.model_rebuild()
        return m(extra_value="1").model_extra

    both(define, rebuilt)


def test_typed_extra_of_a_generic_model_is_bound_as_pydantic():
    from typing import Generic, TypeVar

    T = TypeVar("T")

    def define(lib: Any) -> Any:
        class Model(lib.BaseModel, Generic[T], extra="allow"):
            __pydantic_extra__: dict[str, T]

        class Sub(Model[int]):
            pass

        return Model[int], Sub

    def outcome_of(models: Any) -> Any:
        rows = []
        for m in models:
            rows.append(m.model_json_schema()["additionalProperties"])
            rows.append(outcome(lambda m=m: m(extra_value="1").model_extra))
            rows.append(outcome(lambda m=m: m(extra_value="x")))
        return rows

    assert outcome_of(define(ours)) == outcome_of(define(pydantic))


@pytest.mark.parametrize("json_input", [False, True])
def test_omit_from_a_field_validator_leaves_the_field_out_as_pydantic(json_input):
    import json

    def make(lib: Any) -> Any:
        class Model(lib.BaseModel):
            a: int
            b: Annotated[int, lib.Field(default_factory=lambda data: data["a"])]
            c: int = 0

            @lib.field_validator("a", mode="before")
            @classmethod
            def omit(cls, value: Any) -> Any:
                raise (pydantic_core if lib is pydantic else ours.core).PydanticOmit

        return Model

    data = {"a": 1, "c": "2"}
    both(make, lambda m: m.model_validate_json(json.dumps(data)) if json_input else m.model_validate(data))
