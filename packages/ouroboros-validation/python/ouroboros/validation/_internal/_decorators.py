"""Decorator introspection helpers (``pydantic._internal._decorators``)."""

from __future__ import annotations

import inspect
from typing import Any, ClassVar

from ouroboros.validation._decorators import DecoratorInfo, _arity, count_positional_required

__all__ = [
    "Decorator",
    "DecoratorInfo",
    "DecoratorInfos",
    "decorator_infos",
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


def inspect_validator(validator: Any, mode: str, type: str = "field") -> bool:
    """Whether the validator takes an ``info`` argument (``(value, info)``; wrap: ``(value, handler, info)``)."""
    try:
        sig = inspect.signature(validator)
    except (ValueError, TypeError):
        return False
    n = count_positional_required(sig)
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
        sig = inspect.signature(serializer)
    except (ValueError, TypeError):
        return False, False
    params = list(sig.parameters.values())
    is_field = bool(params) and params[0].name == "self"
    n = count_positional_required(sig) - int(is_field)
    base = 2 if mode == "wrap" else 1
    return is_field, n > base


def inspect_annotated_serializer(serializer: Any, mode: str) -> bool:
    """Whether a ``PlainSerializer``/``WrapSerializer`` function takes an ``info`` argument."""
    return _arity(serializer) > (2 if mode == "wrap" else 1)


class Decorator:
    """One decorated function of a class: its attribute name, the function and its info."""

    def __init__(self, cls_ref: str, cls_var_name: str, func: Any, info: Any) -> None:
        self.cls_ref = cls_ref
        self.cls_var_name = cls_var_name
        self.func = func
        self.info = info

    def __repr__(self) -> str:
        return f"Decorator(cls_var_name={self.cls_var_name!r}, info={self.info!r})"


class DecoratorInfos:
    """A class's decorated functions by kind, each a dict by attribute name."""

    _KINDS: ClassVar[dict[str, str]] = {
        "validator": "validators",
        "field_validator": "field_validators",
        "root_validator": "root_validators",
        "field_serializer": "field_serializers",
        "model_serializer": "model_serializers",
        "model_validator": "model_validators",
    }

    def __init__(self) -> None:
        self.validators: dict[str, Decorator] = {}
        self.field_validators: dict[str, Decorator] = {}
        self.root_validators: dict[str, Decorator] = {}
        self.field_serializers: dict[str, Decorator] = {}
        self.model_serializers: dict[str, Decorator] = {}
        self.model_validators: dict[str, Decorator] = {}
        self.computed_fields: dict[str, Decorator] = {}


def decorator_infos(cls: Any) -> DecoratorInfos:
    """``cls.__pydantic_decorators__``: built from what the model metaclass collected."""
    out = DecoratorInfos()
    ref = f"{cls.__module__}.{cls.__qualname__}:{id(cls)}"
    for info in getattr(cls, "__ouroboros_decorators__", ()):
        kind = DecoratorInfos._KINDS.get(info.kind)
        if kind is None:
            continue
        name = info.extra.get("attr") or getattr(info.func, "__name__", "")
        getattr(out, kind)[name] = Decorator(ref, name, info.func, info)
    for name, computed in getattr(cls, "__ouroboros_computed__", {}).items():
        out.computed_fields[name] = Decorator(ref, name, getattr(computed, "wrapped_property", None), computed)
    return out
