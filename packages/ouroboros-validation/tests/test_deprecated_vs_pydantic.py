"""Deprecated v1 APIs behave as Pydantic 2's: ``@validate_arguments`` (its model, errors and
``TypeError``s), ``parse_raw``/``parse_file`` (the warnings they emit, in order), the instance
``model_fields``/``__fields__`` warnings, ``__get_validators__`` types, ``__modify_schema__``."""

import functools
import warnings
from datetime import date
from pathlib import Path
from typing import Any

import pydantic
import pytest
from pydantic.deprecated.decorator import validate_arguments as pydantic_validate_arguments

import ouroboros.validation as ours
from ouroboros.validation.deprecated.decorator import validate_arguments as ours_validate_arguments

LIBS = [(ours, ours_validate_arguments), (pydantic, pydantic_validate_arguments)]


def quiet(call: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return call()


def outcome(lib: Any, call: Any) -> Any:
    try:
        return ("ok", call())
    except lib.ValidationError as exc:
        return ("invalid", [(e["type"], e["loc"], e["msg"]) for e in exc.errors(include_url=False)])
    except TypeError as exc:
        return ("type_error", str(exc))


def decorated(lib: Any, va: Any) -> Any:
    def foo_bar(a: int, b: int, /, c: str = "x", *args: int, d: int = 3, **kwargs: int) -> Any:
        return a, b, c, args, d, kwargs

    def plain(a: int, b: int) -> Any:
        return a, b

    return quiet(lambda: va(foo_bar)), quiet(lambda: va(plain))


CALLS: list[tuple[tuple[Any, ...], dict[str, Any]]] = [
    ((1, 2), {}),
    ((1, "2", "c", 4, 5), {"d": "6", "e": "7"}),
    ((1,), {}),
    ((1, 2), {"a": 1}),
    ((1, 2, "c"), {"c": "again"}),
    (("x", 2, "c", "y"), {"e": "z"}),
    ((), {"a": 1, "b": 2}),
]


def test_validate_arguments_as_pydantic() -> None:
    (fo, po), (fp, pp) = decorated(*LIBS[0]), decorated(*LIBS[1])
    for args, kwargs in CALLS:
        assert outcome(ours, functools.partial(fo, *args, **kwargs)) == outcome(
            pydantic, functools.partial(fp, *args, **kwargs)
        ), (args, kwargs)
        assert outcome(ours, functools.partial(po, *args, **kwargs)) == outcome(
            pydantic, functools.partial(pp, *args, **kwargs)
        ), (args, kwargs)
    assert set(fo.model.model_fields) == set(fp.model.model_fields)
    assert fo.model.__name__ == fp.model.__name__ == "FooBar"
    assert fo.vd.arg_mapping == fp.vd.arg_mapping
    assert fo.vd.positional_only_args == fp.vd.positional_only_args


@pytest.mark.parametrize(("lib", "va"), LIBS, ids=["ours", "pydantic"])
def test_validate_arguments_refusals(lib: Any, va: Any) -> None:
    with pytest.raises(lib.PydanticUserError, match="are not permitted as argument names"):
        quiet(lambda: va(lambda v__args: None))
    with pytest.raises(lib.PydanticUserError, match='Setting the "alias_generator" property'):
        quiet(lambda: va(config={"alias_generator": str.upper})(lambda a: a))


def warning_messages(call: Any) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    return [str(getattr(w.message, "message", w.message)) for w in caught]


@pytest.mark.parametrize("lib", [ours, pydantic], ids=["ours", "pydantic"])
def test_parse_raw_and_file_warn_and_fail_as_pydantic(lib: Any, tmp_path: Path) -> None:
    class Model(lib.BaseModel):
        x: int

    assert warning_messages(lambda: Model.parse_raw('{"x": 1}')) == [
        "The `parse_raw` method is deprecated; if your data is JSON use `model_validate_json`, otherwise load the"
        " data then use `model_validate` instead",
        "`load_str_bytes` is deprecated",
    ]
    path = tmp_path / "m.json"
    path.write_text('{"x": 2}')
    assert len(warning_messages(lambda: Model.parse_file(path))) == 4
    with pytest.raises(lib.ValidationError) as info:
        quiet(lambda: Model.parse_raw("nope"))
    assert [(e["type"], e["loc"]) for e in info.value.errors()] == [("value_error.jsondecode", ("__root__",))]


@pytest.mark.parametrize("lib", [ours, pydantic], ids=["ours", "pydantic"])
def test_instance_field_maps_warn(lib: Any) -> None:
    class Model(lib.BaseModel):
        x: int

    m = Model(x=1)
    with pytest.warns(lib.PydanticDeprecatedSince211, match="Accessing the 'model_fields' attribute"):
        assert list(m.model_fields) == ["x"]
    with pytest.warns(lib.PydanticDeprecatedSince20, match="The `__fields__` attribute is deprecated"):
        assert list(Model.__fields__) == ["x"]
    with pytest.warns(lib.PydanticDeprecatedSince20, match="The `__fields__` attribute is deprecated"):
        assert list(m.__fields__) == ["x"]
    assert "__fields__" not in dir(Model)


@pytest.mark.parametrize("lib", [ours, pydantic], ids=["ours", "pydantic"])
def test_v1_custom_types(lib: Any) -> None:
    class Year2k(date):
        @classmethod
        def __get_validators__(cls) -> Any:
            yield cls.check

        @classmethod
        def check(cls, v: Any, _info: Any) -> Any:
            if v.year < 2000:
                raise ValueError("too old")
            return v

    with pytest.warns(lib.PydanticDeprecatedSince20, match="`__get_validators__` is deprecated"):

        class Model(lib.BaseModel):
            d: Year2k

    assert Model(d=date(2001, 1, 1)).d == date(2001, 1, 1)
    with pytest.raises(lib.ValidationError, match="too old"):
        Model(d=date(1999, 1, 1))

    class Old:
        @classmethod
        def __modify_schema__(cls, schema: Any) -> None:
            pass

    with pytest.raises(lib.PydanticUserError, match="`__modify_schema__` method is not supported"):

        class Uses(lib.BaseModel):
            model_config = lib.ConfigDict(arbitrary_types_allowed=True)
            o: Old
