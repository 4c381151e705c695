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
    from ouroboros.validation._decorators import takes_validated_data

    return default_factory(validated_data or {}) if takes_validated_data(default_factory) else default_factory()
