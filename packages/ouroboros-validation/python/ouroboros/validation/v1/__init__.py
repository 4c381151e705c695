"""A Pydantic-v1-style ``BaseModel`` (``pydantic.v1``) on the ouroboros engine.

Pydantic 2 bundles the whole v1 package; this is the part ported code uses
most: ``BaseModel`` with ``dict()``, ``json()``, ``copy()``, ``parse_obj()``,
``parse_raw()``, ``schema()``, ``__fields__``, class-based ``Config``, and the
v1 ``validator``/``root_validator`` decorators. Each v1 model validates
through a hidden v2 model compiled by ouroboros-schema, so values, errors and
constraints are the engine's. v1 models are not v2 models (``isinstance``
tells them apart) and cannot be used as fields of v2 models.
"""

from __future__ import annotations

import inspect
import json
import warnings
from typing import Any, ClassVar

from ouroboros.validation._errors import ValidationError
from ouroboros.validation._fields import Field
from ouroboros.validation._model import BaseModel as _V2BaseModel
from ouroboros.validation.warnings import PydanticDeprecatedSince20

__all__ = ["VERSION", "BaseModel", "Field", "ValidationError", "root_validator", "validator"]

#: The Pydantic v1 API level this module follows.
VERSION = "1.10.21"


def validator(__field: str, *fields: str, pre: bool = False, **_: Any) -> Any:
    """v1 ``@validator``: a field validator (``pre=True``: before validation)."""
    from ouroboros.validation._decorators import field_validator

    return field_validator(__field, *fields, mode="before" if pre else "after")


def root_validator(func: Any = None, *, pre: bool = False, skip_on_failure: bool = False, **_: Any) -> Any:
    """v1 ``@root_validator``: ``f(cls, values) -> values`` before (``pre=True``) or after validation."""
    from ouroboros.validation._deprecated import root_validator as v2_root_validator

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PydanticDeprecatedSince20)
        decorate = v2_root_validator(pre=pre, skip_on_failure=skip_on_failure)
    return decorate(func) if func is not None else decorate


class _V1Meta(type):
    def __new__(mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any], **kwargs: Any) -> Any:
        cls = super().__new__(mcs, name, bases, namespace, **kwargs)
        if namespace.get("__v1_base__"):
            return cls
        body = {k: v for k, v in namespace.items() if k not in ("__qualname__", "Config", "__dict__", "__weakref__")}
        annotations: dict[str, Any] = {}
        for base in reversed(cls.__mro__):
            annotations.update(inspect.get_annotations(base))
        body["__annotations__"] = annotations
        config = namespace.get("Config")
        if isinstance(config, type):
            body["model_config"] = {k: v for k, v in vars(config).items() if not k.startswith("__")}
        body["__module__"] = namespace.get("__module__", __name__)
        cls.__v2_model__ = type(_V2BaseModel)(name, (_V2BaseModel,), body)  # type: ignore[attr-defined]
        return cls

    @property
    def __fields__(cls) -> dict[str, Any]:
        return dict(cls.__v2_model__.model_fields)  # type: ignore[attr-defined]


class BaseModel(metaclass=_V1Meta):
    """A v1-style model: validated on construction, fields as attributes."""

    __v1_base__: ClassVar[bool] = True
    __v2_model__: ClassVar[type[_V2BaseModel]]

    def __init__(self, **data: Any) -> None:
        inner = type(self).__v2_model__(**data)
        object.__setattr__(self, "__v2_instance__", inner)
        for name in type(self).__v2_model__.model_fields:
            object.__setattr__(self, name, getattr(inner, name))

    def dict(self, **kwargs: Any) -> dict[str, Any]:
        """The fields as a dict (nested models as dicts)."""
        return self.__v2_instance__.model_dump(**kwargs)  # type: ignore[attr-defined, no-any-return]

    def json(self, **kwargs: Any) -> str:
        """The fields as JSON text."""
        return self.__v2_instance__.model_dump_json(**kwargs)  # type: ignore[attr-defined, no-any-return]

    def copy(self, *, update: dict[str, Any] | None = None, deep: bool = False) -> Any:
        """A copy, with ``update`` applied (not validated, as in v1)."""
        other = type(self).__new__(type(self))
        inner = self.__v2_instance__.model_copy(update=update, deep=deep)  # type: ignore[attr-defined]
        object.__setattr__(other, "__v2_instance__", inner)
        for name in type(self).__v2_model__.model_fields:
            object.__setattr__(other, name, getattr(inner, name))
        return other

    @classmethod
    def parse_obj(cls, obj: Any) -> Any:
        """Validate a dict."""
        return cls(**obj)

    @classmethod
    def parse_raw(cls, b: str | bytes) -> Any:
        """Validate JSON text."""
        return cls(**json.loads(b))

    @classmethod
    def schema(cls, by_alias: bool = True) -> dict[str, Any]:
        """The JSON Schema."""
        return cls.__v2_model__.model_json_schema(by_alias=by_alias)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self.dict() == other.dict()  # type: ignore[attr-defined]

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={getattr(self, k)!r}" for k in type(self).__v2_model__.model_fields)
        return f"{type(self).__name__}({fields})"
