"""Model configuration (``pydantic.config``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, TypeVar

from ouroboros.validation._config import ConfigDict

__all__ = ["ConfigDict", "ExtraValues", "JsonDict", "JsonValue", "with_config"]

ExtraValues = Literal["allow", "ignore", "forbid"]
JsonValue = Any
JsonDict = dict[str, Any]
_T = TypeVar("_T")


def with_config(config: ConfigDict | None = None, /, **kwargs: Any) -> Callable[[_T], _T]:
    """Attach a config to a TypedDict or dataclass: ``@with_config(ConfigDict(strict=True))``."""
    merged: dict[str, Any] = {**(config or {}), **kwargs}

    def decorate(cls: _T) -> _T:
        cls.__pydantic_config__ = merged  # type: ignore[attr-defined]
        return cls

    return decorate
