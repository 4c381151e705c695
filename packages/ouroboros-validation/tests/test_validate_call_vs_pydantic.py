"""``@validate_call`` targets, partials and ``**kwargs: Unpack[TypedDict]``; a TypedDict's title
generator; the core-schema walk of ``_internal._schema_gather``: each compared with Pydantic."""

import functools
from typing import Any

import pydantic
import pytest
from pydantic._internal import _schema_gather as pydantic_gather
from pydantic_core import core_schema as pcs
from typing_extensions import NotRequired, TypedDict, Unpack

import ouroboros.validation as ours
from ouroboros.validation._internal import _schema_gather as ours_gather
from ouroboros.validation.core import core_schema as ocs

LIBS = [ours, pydantic]


def refusal(lib: Any, target: Any) -> tuple[str, str] | None:
    try:
        lib.validate_call(target)
    except lib.PydanticUserError as exc:
        return exc.code, str(exc).split("\n")[0]
    return None


class Callable_:
    def __call__(self, x: int) -> int:
        return x


def plain(x: int) -> int:
    return x


class WithMethod:
    def method(self, x: int) -> int:
        return x

    def no_self():  # type: ignore[misc]
        return None


@pytest.mark.parametrize(
    "target",
    [
        int,
        WithMethod,
        Callable_(),
        [],
        len,
        classmethod(plain),
        staticmethod(plain),
        functools.partial(list),
        WithMethod().no_self,
    ],
    ids=["int", "class", "instance", "list", "builtin", "classmethod", "staticmethod", "partial-list", "bad-sig"],
)
def test_refused_targets_as_pydantic(target: Any) -> None:
    got, want = refusal(ours, target), refusal(pydantic, target)
    assert got is not None
    assert got == want


@pytest.mark.parametrize("lib", LIBS, ids=["ours", "pydantic"])
def test_partials_and_methods(lib: Any) -> None:
    def add(a: int, b: int, c: int) -> int:
        return a + b + c

    f = lib.validate_call(functools.partial(add, c=3))
    assert f("1", 2) == 6
    assert f.__name__ == "partial(add)"
    assert f.__qualname__.startswith("partial(") and f.__qualname__.endswith("add)")
    bound = lib.validate_call(WithMethod().method)
    assert bound("5") == 5
    assert lib.validate_call(Callable_().__call__)("7") == 7


def unpack_outcome(lib: Any, call: Any) -> Any:
    try:
        return call()
    except lib.ValidationError as exc:
        return [(e["type"], e["loc"], e["msg"]) for e in exc.errors(include_url=False)]


class TD(TypedDict, total=False):
    a: int
    b: str


class Strict(TypedDict):
    need: int
    maybe: NotRequired[str]


def test_unpacked_typed_dict_kwargs_as_pydantic() -> None:
    def make(lib: Any) -> Any:
        @lib.validate_call
        def f(x: int, /, **kwargs: Unpack[Strict]) -> Any:
            return x, kwargs

        return f

    fo, fp = make(ours), make(pydantic)
    calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = [
        ((1,), {"need": "2"}),
        ((1,), {"need": 2, "maybe": "m"}),
        ((1,), {}),
        ((1,), {"need": "x", "maybe": 3}),
        ((1,), {"need": 1, "other": 2}),
        (("z",), {"x": 5, "need": 1}),
    ]
    for args, kwargs in calls:
        assert unpack_outcome(ours, functools.partial(fo, *args, **kwargs)) == unpack_outcome(
            pydantic, functools.partial(fp, *args, **kwargs)
        ), (args, kwargs)


@pytest.mark.parametrize("lib", LIBS, ids=["ours", "pydantic"])
def test_unpack_refusals(lib: Any) -> None:
    with pytest.raises(lib.PydanticUserError) as info:

        @lib.validate_call
        def f(**kwargs: Unpack[int]) -> None:  # type: ignore[misc]
            pass

    assert info.value.code == "unpack-typed-dict"
    with pytest.raises(lib.PydanticUserError) as info:

        @lib.validate_call
        def g(a: int, b: str, **kwargs: Unpack[TD]) -> None:
            pass

    assert info.value.code == "overlapping-unpack-typed-dict"
    assert info.value.message == "Typed dictionary 'TD' overlaps with parameters 'a', 'b'"


@pytest.mark.parametrize("bad", [1, (), None])
def test_typed_dict_title_generator_must_return_str(bad: Any) -> None:
    for lib in LIBS:

        class Titled(TypedDict):
            __pydantic_config__ = lib.ConfigDict(field_title_generator=lambda name, info, bad=bad: bad)  # type: ignore[misc]
            field_a: str

        with pytest.raises(TypeError, match=r"field_title_generator .* must return str"):
            lib.TypeAdapter(Titled)


def gather_both(build: Any) -> None:
    """The same schema built with each library's builders gathers alike (refs by identity)."""
    mine, theirs = build(ocs), build(pcs)
    got = ours_gather.gather_schemas_for_cleaning(*mine)
    want = pydantic_gather.gather_schemas_for_cleaning(*theirs)
    assert list(got["collected_references"]) == list(want["collected_references"])
    assert [v is None for v in got["collected_references"].values()] == [
        v is None for v in want["collected_references"].values()
    ]
    assert [s["type"] for s in got["deferred_discriminator_schemas"]] == [
        s["type"] for s in want["deferred_discriminator_schemas"]
    ]


def disc(schema: Any) -> Any:
    schema["metadata"] = {"pydantic_internal_union_discriminator": "kind"}
    return schema


@pytest.mark.parametrize(
    "build",
    [
        lambda cs: (cs.list_schema(cs.definition_reference_schema("a")), {"a": cs.int_schema(ref="a")}),
        lambda cs: (
            cs.tuple_schema([cs.definition_reference_schema("a"), cs.definition_reference_schema("a")]),
            {"a": cs.int_schema(ref="a")},
        ),
        lambda cs: (
            cs.union_schema([disc(cs.str_schema()), cs.nullable_schema(cs.definition_reference_schema("r"))]),
            {"r": cs.list_schema(cs.definition_reference_schema("r"), ref="r")},
        ),
        lambda cs: (
            cs.typed_dict_schema(
                {
                    "x": cs.typed_dict_field(cs.dict_schema(cs.str_schema(), cs.definition_reference_schema("b"))),
                    "y": cs.typed_dict_field(
                        cs.chain_schema([cs.definition_reference_schema("c"), disc(cs.int_schema())])
                    ),
                },
                computed_fields=[cs.computed_field("z", disc(cs.float_schema()))],
            ),
            {"b": cs.int_schema(ref="b"), "c": cs.str_schema(ref="c")},
        ),
    ],
)
def test_schema_gather_as_pydantic(build: Any) -> None:
    gather_both(build)


@pytest.mark.parametrize("lib_gather", [ours_gather, pydantic_gather], ids=["ours", "pydantic"])
def test_schema_gather_errors(lib_gather: Any) -> None:
    with pytest.raises(lib_gather.MissingDefinitionError) as info:
        lib_gather.gather_schemas_for_cleaning({"type": "definition-ref", "schema_ref": "nope"}, {})
    assert isinstance(info.value, LookupError)
    assert info.value.schema_reference == "nope"
    with pytest.raises(KeyError):
        lib_gather.gather_schemas_for_cleaning({"type": "lax-or-strict", "lax_schema": {"type": "int"}}, {})
    # Deep nesting is walked without recursion.
    deep: Any = {"type": "definition-ref", "schema_ref": "a"}
    for _ in range(5000):
        deep = {"type": "list", "items_schema": deep}
    assert list(lib_gather.gather_schemas_for_cleaning(deep, {"a": {"type": "int"}})["collected_references"]) == ["a"]


@pytest.mark.parametrize("lib", LIBS, ids=["ours", "pydantic"])
def test_annotations_resolve_in_the_decorating_function(lib: Any) -> None:
    class Outer(lib.BaseModel):
        y: int

    Chosen = Outer  # noqa: F841 - shadowed below, on purpose

    def inner() -> Any:
        class Inner(lib.BaseModel):
            z: int

        Chosen = Inner

        @lib.validate_call(validate_return=True)
        def f(m: "Chosen") -> "Chosen":
            return m

        return f({"z": 1}), Inner

    value, inner_cls = inner()
    assert type(value) is inner_cls


@pytest.mark.parametrize("lib", LIBS, ids=["ours", "pydantic"])
def test_unexpected_keywords_come_after_missing_positional_only(lib: Any) -> None:
    @lib.validate_call
    def f(a: int, b: int, /, c: int = 0) -> None:
        pass

    with pytest.raises(lib.ValidationError) as info:
        f(a=1, b=2)
    assert [(e["type"], e["loc"]) for e in info.value.errors()] == [
        ("missing_positional_only_argument", (0,)),
        ("missing_positional_only_argument", (1,)),
        ("unexpected_keyword_argument", ("a",)),
        ("unexpected_keyword_argument", ("b",)),
    ]
