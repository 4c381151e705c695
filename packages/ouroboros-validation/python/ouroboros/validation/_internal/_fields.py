"""Field helpers (``pydantic._internal._fields``)."""

from __future__ import annotations

from typing import Any

__all__ = ["resolve_default_value"]


def resolve_default_value(
    default: Any, default_factory: Any = None, validated_data: dict[str, Any] | None = None
) -> Any:
    """The default, calling the factory (with the data validated so far when it takes an argument)."""
    if default_factory is None:
        return default
    from ouroboros.validation._decorators import _arity

    return default_factory(validated_data or {}) if _arity(default_factory) >= 1 else default_factory()
