"""A Pydantic dataclass' ``__init__`` errors are located as Pydantic locates them (by index for a
positional argument), and its deprecated declarations warn: compared with Pydantic."""

from typing import Any

import pydantic
import pytest

import ouroboros.validation as ours

LIBS = pytest.mark.parametrize("lib", [ours, pydantic], ids=["ours", "pydantic"])


def errors(lib: Any, call: Any) -> Any:
    with pytest.raises(lib.ValidationError) as info:
        call()
    return [(e["type"], e["loc"]) for e in info.value.errors()]


def test_positional_arguments_are_located_by_index() -> None:
    def make(lib: Any) -> Any:
        @lib.dataclasses.dataclass(config={"str_max_length": 3})
        class Point:
            a: int
            b: int
            s: str = "x"

        return Point

    po, pp = make(ours), make(pydantic)
    for args, kwargs in [((1, "x"), {}), (("y",), {"b": "z"}), ((1, 2, "long"), {}), ((), {"a": "q", "b": 1})]:
        assert errors(ours, lambda po=po, a=args, k=kwargs: po(*a, **k)) == errors(
            pydantic, lambda pp=pp, a=args, k=kwargs: pp(*a, **k)
        ), (args, kwargs)


@LIBS
def test_deprecated_dataclass_declarations_warn(lib: Any) -> None:
    class Config:
        validate_assignment = True

    with pytest.warns(lib.PydanticDeprecatedSince20, match="Support for class-based `config` is deprecated"):

        @lib.dataclasses.dataclass(config=Config)
        class WithClassConfig:
            a: int

    assert WithClassConfig.__pydantic_config__ == {"validate_assignment": True}
    with pytest.warns(lib.PydanticDeprecatedSince20, match="Support for `__post_init_post_parse__` has been dropped"):

        @lib.dataclasses.dataclass
        class WithPostParse:
            a: int

            def __post_init_post_parse__(self) -> None:
                pass
