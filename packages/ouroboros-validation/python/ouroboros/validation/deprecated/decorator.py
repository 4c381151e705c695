"""``@validate_arguments`` (``pydantic.deprecated.decorator``): v1's ``@validate_call``."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from ouroboros.validation.validate_call_decorator import validate_call
from ouroboros.validation.warnings import PydanticDeprecatedSince20

__all__ = ["ValidatedFunction", "validate_arguments"]


class ValidatedFunction:
    """The function a ``@validate_arguments`` wrapper validates and calls."""

    def __init__(self, function: Callable[..., Any], config: Any = None) -> None:
        self.raw_function = function
        self.config = config
        self._validated = validate_call(function, config=config)

    def call(self, *args: Any, **kwargs: Any) -> Any:
        return self._validated(*args, **kwargs)


def validate_arguments(func: Callable[..., Any] | None = None, *, config: Any = None) -> Any:
    """Deprecated: use ``@validate_call``."""
    warnings.warn(
        PydanticDeprecatedSince20(
            "The `validate_arguments` method is deprecated; use `validate_call` instead.",
        ),
        stacklevel=2,
    )

    def decorate(f: Callable[..., Any]) -> Any:
        vd = ValidatedFunction(f, config)
        wrapper = vd._validated
        wrapper.vd = vd  # type: ignore[attr-defined]
        wrapper.raw_function = f  # type: ignore[attr-defined]
        wrapper.validate = vd.call  # type: ignore[attr-defined]
        return wrapper

    return decorate(func) if func is not None else decorate
