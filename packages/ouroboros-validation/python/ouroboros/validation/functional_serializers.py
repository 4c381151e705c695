"""Serializers (``pydantic.functional_serializers``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, Literal

from ouroboros.validation._decorators import field_serializer, model_serializer

__all__ = ["PlainSerializer", "SerializeAsAny", "WrapSerializer", "field_serializer", "model_serializer"]


@dataclasses.dataclass(frozen=True)
class PlainSerializer:
    """``Annotated[T, PlainSerializer(f)]``: a field of this type is dumped as ``f(value)``
    (or ``f(value, info)``); ``when_used="json"`` limits it to JSON output."""

    func: Callable[..., Any]
    return_type: Any = None
    when_used: Literal["always", "unless-none", "json", "json-unless-none"] = "always"


@dataclasses.dataclass(frozen=True)
class WrapSerializer:
    """``Annotated[T, WrapSerializer(f)]``: ``f(value, handler[, info])``; ``handler(value)``
    gives the default dump."""

    func: Callable[..., Any]
    return_type: Any = None
    when_used: Literal["always", "unless-none", "json", "json-unless-none"] = "always"


class SerializeAsAny:
    """``SerializeAsAny[T]``: dump the value by its runtime type (subclass fields included)."""

    def __class_getitem__(cls, item: Any) -> Any:
        from typing import Annotated

        return Annotated[item, cls()]
