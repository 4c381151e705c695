"""Decorator introspection helpers (``pydantic._internal._decorators``)."""

from __future__ import annotations

import inspect
from typing import Any

from ouroboros.validation._decorators import DecoratorInfo, _arity

__all__ = [
    "DecoratorInfo",
    "get_attribute_from_bases",
    "inspect_annotated_serializer",
    "inspect_field_serializer",
    "inspect_validator",
]


def get_attribute_from_bases(tp: Any, name: str) -> Any:
    """``name`` looked up along ``tp``'s MRO (a class, or a tuple of bases), raw from each ``__dict__``."""
    mro = tp if isinstance(tp, tuple) else getattr(tp, "__mro__", (tp,))
    for base in mro:
        if name in getattr(base, "__dict__", {}):
            return base.__dict__[name]
    return getattr(tp, name)


def _positional(func: Any) -> int:
    return _arity(func)


def inspect_validator(validator: Any, mode: str, type: str = "field") -> bool:
    """Whether the validator takes an ``info`` argument (``(value, info)``; wrap: ``(value, handler, info)``)."""
    try:
        sig = inspect.signature(validator)
    except (ValueError, TypeError):
        return False
    n = sum(1 for p in sig.parameters.values() if p.default is inspect.Parameter.empty and p.kind <= 2)
    expected = 2 if mode == "wrap" else 1
    if n == expected:
        return False
    if n == expected + 1:
        return True
    from ouroboros.validation._model import PydanticUserError

    raise PydanticUserError(
        f"Unrecognized {type}_validator function signature for {validator} with `mode={mode}`: {sig}",
        code="validator-signature",
    )


def inspect_field_serializer(serializer: Any, mode: str) -> tuple[bool, bool]:
    """``(is_field_serializer, info_arg)``: whether it takes ``self`` first, and an ``info`` last."""
    try:
        params = list(inspect.signature(serializer).parameters.values())
    except (ValueError, TypeError):
        return False, False
    is_field = bool(params) and params[0].name == "self"
    n = sum(1 for p in params if p.default is inspect.Parameter.empty and p.kind <= 2) - int(is_field)
    base = 2 if mode == "wrap" else 1
    return is_field, n > base


def inspect_annotated_serializer(serializer: Any, mode: str) -> bool:
    """Whether a ``PlainSerializer``/``WrapSerializer`` function takes an ``info`` argument."""
    try:
        params = list(inspect.signature(serializer).parameters.values())
    except (ValueError, TypeError):
        return False
    n = sum(1 for p in params if p.default is inspect.Parameter.empty and p.kind <= 2)
    return n > (2 if mode == "wrap" else 1)
