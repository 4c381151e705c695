"""v1 import paths: moved names are found (with a warning), removed ones are explained."""

import importlib
import warnings

import pytest

import ouroboros.validation as ov
from ouroboros.validation import BaseModel
from ouroboros.validation._migration import REMOVED_IN_V2
from ouroboros.validation.alias_generators import to_pascal
from ouroboros.validation.errors import PydanticImportError
from ouroboros.validation.warnings import PydanticDeprecatedSince20


def test_moved_name_warns_and_resolves():
    from ouroboros.validation import utils

    with pytest.warns(PydanticDeprecatedSince20, match=r"`pydantic.utils:to_camel` has been moved"):
        assert utils.to_camel is to_pascal
    with pytest.warns(PydanticDeprecatedSince20):
        from ouroboros.validation.generics import GenericModel
    assert GenericModel is BaseModel


def test_deprecated_move_resolves_without_a_lookup_warning():
    from ouroboros.validation import tools
    from ouroboros.validation.deprecated.tools import parse_obj_as

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert tools.parse_obj_as is parse_obj_as
    with pytest.warns(PydanticDeprecatedSince20):
        assert tools.parse_obj_as(int, "3") == 3


def test_removed_names_raise_with_the_v1_path():
    assert "pydantic:ConstrainedInt" in REMOVED_IN_V2
    with pytest.raises(PydanticImportError, match=r"^`pydantic:ConstrainedInt` has been removed in V2\.$"):
        ov.ConstrainedInt
    with pytest.raises(PydanticImportError, match=r"`pydantic\.errors:IntegerError` has been removed in V2\."):
        from ouroboros.validation.errors import IntegerError  # noqa: F401
    with pytest.raises(PydanticImportError, match="moved to the `pydantic-settings` package"):
        ov.BaseSettings
    with pytest.raises(AttributeError, match=r"module 'ouroboros\.validation\.types' has no attribute 'Nope'"):
        importlib.import_module("ouroboros.validation.types").Nope


def test_v1_utils_redirect():
    from ouroboros.validation import utils

    with pytest.warns(PydanticDeprecatedSince20, match=r"importing from `pydantic.v1.utils:deep_update` instead"):
        deep_update = utils.deep_update
    assert deep_update({"a": {"b": 1, "c": 2}}, {"a": {"c": 3}, "d": 4}) == {"a": {"b": 1, "c": 3}, "d": 4}
    from ouroboros.validation.v1.utils import GetterDict, lenient_issubclass, smart_deepcopy

    assert lenient_issubclass("not a class", int) is False
    empty: list[int] = []
    assert smart_deepcopy(empty) is not empty
    assert smart_deepcopy((1,)) == (1,)

    class Row:
        x = 1

    assert dict(GetterDict(Row())) == {"x": 1}


def test_every_dynamic_import_resolves():
    assert list(ov._dynamic_imports)[:3] == ["dataclasses", "field_validator", "model_validator"]
    for name, (package, module) in ov._dynamic_imports.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            if module == "__module__":
                assert importlib.import_module(f".{name}", package) is getattr(ov, name)
            else:
                assert getattr(importlib.import_module(module, package), name) is not None
    with pytest.warns(PydanticDeprecatedSince20, match="Importing GenerateSchema from `pydantic` is deprecated"):
        ov.GenerateSchema
