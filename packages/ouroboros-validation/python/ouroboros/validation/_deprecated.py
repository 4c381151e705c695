"""Pydantic v1 spellings kept by Pydantic v2 with a deprecation warning:
``@validator``, ``@root_validator``, ``parse_obj_as``."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from ouroboros.validation._decorators import field_validator, model_validator
from ouroboros.validation.warnings import PydanticDeprecatedSince20

__all__ = ["parse_obj_as", "root_validator", "validator"]


def validator(
    __field: str, *fields: str, pre: bool = False, each_item: bool = False, always: bool = False, **_: Any
) -> Callable[[Any], Any]:
    """Deprecated: use ``@field_validator``."""
    warnings.warn(
        PydanticDeprecatedSince20(
            "Pydantic V1 style `@validator` validators are deprecated."
            " You should migrate to Pydantic V2 style `@field_validator` validators,"
            " see the migration guide for more details"
        ),
        stacklevel=2,
    )
    if callable(__field):
        from ouroboros.validation.errors import PydanticUserError

        raise PydanticUserError(
            "`@validator` should be used with fields and keyword arguments, not bare.", code="validator-no-fields"
        )
    if each_item:
        from ouroboros.validation.errors import PydanticUserError

        raise PydanticUserError("`each_item` is not supported", code="validator-invalid-fields")
    return field_validator(__field, *fields, mode="before" if pre else "after")


def root_validator(
    *, pre: bool = False, skip_on_failure: bool = False, allow_reuse: bool = False
) -> Callable[[Any], Any]:
    """Deprecated: use ``@model_validator``. The function gets and returns the values dict."""
    warnings.warn(
        PydanticDeprecatedSince20(
            "Pydantic V1 style `@root_validator` validators are deprecated."
            " You should migrate to Pydantic V2 style `@model_validator` validators,"
            " see the migration guide for more details"
        ),
        stacklevel=2,
    )

    def decorate(func: Any) -> Any:
        f = func.__func__ if isinstance(func, classmethod) else func
        if pre:

            def before(cls: Any, values: Any) -> Any:
                return f(cls, dict(values) if isinstance(values, dict) else values)

            return model_validator(mode="before")(classmethod(before))

        def after(self: Any) -> Any:
            values = dict(self.__dict__)
            out = f(type(self), values)
            for key, value in (out or {}).items():
                object.__setattr__(self, key, value) if key not in self.__dict__ else self.__dict__.__setitem__(
                    key, value
                )
            return self

        return model_validator(mode="after")(after)

    return decorate


def parse_obj_as(type_: Any, obj: Any, type_name: Any = None) -> Any:
    """Deprecated: use ``TypeAdapter(type_).validate_python(obj)``."""
    warnings.warn(
        PydanticDeprecatedSince20("`parse_obj_as` is deprecated. Use `pydantic.TypeAdapter.validate_python` instead."),
        stacklevel=2,
    )
    from ouroboros.validation._type_adapter import TypeAdapter

    return TypeAdapter(type_).validate_python(obj)
