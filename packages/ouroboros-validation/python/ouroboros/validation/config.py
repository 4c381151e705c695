"""Model configuration (``pydantic.config``)."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from enum import Enum, EnumMeta
from typing import Any, Literal, TypeVar

from ouroboros.validation._config import ConfigDict
from ouroboros.validation._migration import getattr_migration
from ouroboros.validation.warnings import PydanticDeprecatedSince20

__all__ = ["BaseConfig", "ConfigDict", "Extra", "ExtraValues", "JsonDict", "JsonValue", "with_config"]

ExtraValues = Literal["allow", "ignore", "forbid"]
JsonValue = Any
JsonDict = dict[str, Any]
_T = TypeVar("_T")


def with_config(config: ConfigDict | None = None, /, **kwargs: Any) -> Callable[[_T], _T]:
    """Attach a config to a TypedDict or dataclass: ``@with_config(ConfigDict(strict=True))``
    (or its keys as keywords: ``@with_config(strict=True)``)."""
    if config is not None and kwargs:
        raise ValueError("Cannot specify both `config` and keyword arguments")
    if len(kwargs) == 1 and kwargs.get("config") is not None:
        from ouroboros.validation.warnings import PydanticDeprecatedSince211

        warnings.warn(
            "Passing `config` as a keyword argument is deprecated. Pass `config` as a positional argument instead",
            category=PydanticDeprecatedSince211,
            stacklevel=2,
        )
        final: Any = kwargs["config"]
    else:
        final = config if config is not None else kwargs

    def decorate(cls: _T) -> _T:
        if getattr(cls, "__ouroboros_model__", False):
            from ouroboros.validation.errors import PydanticUserError

            raise PydanticUserError(
                f"Cannot use `with_config` on {cls.__name__} as it is a Pydantic model",  # type: ignore[attr-defined]
                code="with-config-on-model",
            )
        cls.__pydantic_config__ = final  # type: ignore[attr-defined]
        return cls

    return decorate


class _ExtraMeta(EnumMeta):
    def __getattribute__(cls, name: str) -> Any:
        if name in ("allow", "ignore", "forbid"):
            warnings.warn(
                PydanticDeprecatedSince20(
                    "`pydantic.config.Extra` is deprecated, use literal values instead (e.g. `extra='allow'`)"
                ),
                stacklevel=2,
            )
        return super().__getattribute__(name)


class Extra(str, Enum, metaclass=_ExtraMeta):  # noqa: UP042 - Pydantic's deprecated enum
    """Deprecated: use the strings ``"allow"``, ``"ignore"``, ``"forbid"``."""

    allow = "allow"
    ignore = "ignore"
    forbid = "forbid"


_BASE_CONFIG_WARNING = "BaseConfig is deprecated. Use the `pydantic.ConfigDict` instead"
_CLASS_CONFIG_WARNING = "Support for class-based `config` is deprecated, use ConfigDict instead"


def _config_default(name: str, owner: str, on_class: bool) -> Any:
    from ouroboros.validation._internal._config import config_defaults

    if name in config_defaults:
        warnings.warn(PydanticDeprecatedSince20(_BASE_CONFIG_WARNING), stacklevel=3)
        return config_defaults[name]  # type: ignore[literal-required]
    prefix = f"type object {owner!r}" if on_class else f"{owner!r} object"
    raise AttributeError(f"{prefix} has no attribute {name!r}")


class _ConfigMetaclass(type):
    def __getattr__(cls, name: str) -> Any:
        return _config_default(name, cls.__name__, on_class=True)

    def __init__(cls, name: str, bases: tuple[type, ...], namespace: dict[str, Any]) -> None:
        super().__init__(name, bases, namespace)
        if bases:
            warnings.warn(PydanticDeprecatedSince20(_CLASS_CONFIG_WARNING), stacklevel=2)


class BaseConfig(metaclass=_ConfigMetaclass):
    """Deprecated v1-style config class: use ``ConfigDict``. Unset keys read as Pydantic's defaults."""

    def __getattr__(self, name: str) -> Any:
        return _config_default(name, type(self).__name__, on_class=False)


__getattr__ = getattr_migration(__name__)
