"""Pydantic v1 spellings kept by Pydantic v2 with a deprecation warning:
``@validator``, ``@root_validator``, ``parse_obj_as``."""

from __future__ import annotations

import inspect
import types
import warnings
from collections.abc import Callable
from typing import Any

from ouroboros.validation._decorators import DecoratorInfo, _is_instance_method, _Marked, ensure_classmethod
from ouroboros.validation.warnings import PydanticDeprecatedSince20

__all__ = ["parse_obj_as", "root_validator", "validator"]


_ALLOW_REUSE = "`allow_reuse` is deprecated and will be ignored; it should no longer be necessary"


def validator(
    __field: str,
    *fields: str,
    pre: bool = False,
    each_item: bool = False,
    always: bool = False,
    check_fields: bool | None = None,
    allow_reuse: bool = False,
) -> Callable[[Any], Any]:
    """Deprecated: use ``@field_validator``.

    ``pre=True`` runs before the field's own validation; ``each_item=True`` runs
    on each item of a list/set/tuple or each value of a dict; ``always=True``
    also validates the default. The function is ``(cls, value)``, and may take
    ``values`` (the fields validated so far) as a keyword or ``**kwargs``.
    """
    from ouroboros.validation._model import PydanticUserError

    warnings.warn(
        PydanticDeprecatedSince20(
            "Pydantic V1 style `@validator` validators are deprecated."
            " You should migrate to Pydantic V2 style `@field_validator` validators,"
            " see the migration guide for more details"
        ),
        stacklevel=2,
    )
    if allow_reuse is True:
        warnings.warn(PydanticDeprecatedSince20(_ALLOW_REUSE), stacklevel=2)
    names = (__field, *fields)
    if isinstance(names[0], types.FunctionType):
        raise PydanticUserError(
            "`@validator` should be used with fields and keyword arguments, not bare. "
            "E.g. usage should be `@validator('<field_name>', ...)`",
            code="decorator-missing-arguments",
        )
    if not all(isinstance(name, str) for name in names):
        raise PydanticUserError(
            "`@validator` fields should be passed as separate string args. "
            "E.g. usage should be `@validator('<field_name_1>', '<field_name_2>', ...)`",
            code="decorator-invalid-fields",
        )

    def decorate(func: Any) -> Any:
        if _is_instance_method(func):
            raise PydanticUserError(
                "`@validator` cannot be applied to instance methods", code="validator-instance-method"
            )
        info = DecoratorInfo(
            "validator", ensure_classmethod(func), names, "before" if pre else "after", check_fields=check_fields
        )
        info.extra.update(each_item=each_item, always=always)
        return _Marked(info)

    return decorate


def root_validator(*args: Any, pre: bool = False, skip_on_failure: bool = False, allow_reuse: bool = False) -> Any:
    """Deprecated: use ``@model_validator``. The function gets and returns the values dict.

    ``pre=True`` gets the raw input; otherwise ``skip_on_failure=True`` is required and
    the function gets the validated fields (and extra values) as a dict.
    """
    from ouroboros.validation._model import PydanticUserError

    warnings.warn(
        PydanticDeprecatedSince20(
            "Pydantic V1 style `@root_validator` validators are deprecated."
            " You should migrate to Pydantic V2 style `@model_validator` validators,"
            " see the migration guide for more details"
        ),
        stacklevel=2,
    )
    if args:
        # The bare decorator: explained by the keyword check below.
        return root_validator()(*args)
    if allow_reuse is True:
        warnings.warn(PydanticDeprecatedSince20(_ALLOW_REUSE), stacklevel=2)
    if pre is False and skip_on_failure is not True:
        raise PydanticUserError(
            "If you use `@root_validator` with pre=False (the default) you MUST specify `skip_on_failure=True`."
            " Note that `@root_validator` is deprecated and should be replaced with `@model_validator`.",
            code="root-validator-pre-skip",
        )

    def decorate(func: Any) -> Any:
        if _is_instance_method(func):
            raise TypeError("`@root_validator` cannot be applied to instance methods")
        return _Marked(DecoratorInfo("root_validator", ensure_classmethod(func), (), "before" if pre else "after"))

    return decorate


def v1_field_validator(bound: Any) -> Callable[[Any, Any], Any]:
    """A v1 ``@validator`` function (bound to its class) as ``(value, data) -> value``.

    Pydantic v2 passes ``values`` (the fields validated so far) when the function takes it
    as a keyword or takes ``**kwargs``; ``field`` and ``config`` are gone.
    """
    from ouroboros.validation._model import PydanticUserError

    sig = inspect.signature(bound)
    needs_values = False
    for index, (name, param) in enumerate(sig.parameters.items()):
        keyword = param.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
        positional = param.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        if keyword and name in ("field", "config"):
            raise PydanticUserError(
                "The `field` and `config` parameters are not available in Pydantic V2, "
                "please use the `info` parameter instead.",
                code="validator-field-config-info",
            )
        if param.kind is inspect.Parameter.VAR_KEYWORD or (keyword and name == "values"):
            needs_values = True
        elif positional and index == 0:
            continue
        elif param.default is inspect.Parameter.empty:
            raise PydanticUserError(
                f"Unsupported signature for V1 style validator {bound}: {sig} is not supported.",
                code="validator-v1-signature",
            )
    if needs_values:
        return lambda value, data, _context=None: bound(value, values=data)
    return lambda value, _data, _context=None: bound(value)


def parse_obj_as(type_: Any, obj: Any, type_name: Any = None) -> Any:
    """Deprecated: use ``TypeAdapter(type_).validate_python(obj)``."""
    warnings.warn(
        PydanticDeprecatedSince20("`parse_obj_as` is deprecated. Use `pydantic.TypeAdapter.validate_python` instead."),
        stacklevel=2,
    )
    from ouroboros.validation._type_adapter import TypeAdapter

    return TypeAdapter(type_).validate_python(obj)


parse_obj_as.__deprecated__ = (  # type: ignore[attr-defined]
    "`parse_obj_as` is deprecated. Use `pydantic.TypeAdapter.validate_python` instead."
)
