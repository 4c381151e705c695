"""``TypeAdapter`` (``pydantic.type_adapter``)."""

from __future__ import annotations

import dataclasses
from typing import Any

from ouroboros.validation._type_adapter import TypeAdapter

__all__ = ["TypeAdapter"]


def _type_has_config(type_: Any) -> bool:
    """Whether ``type_`` carries its own config (a model, a dataclass or a TypedDict), so
    ``TypeAdapter(type_, config=...)`` cannot apply another one."""
    from typing import is_typeddict

    from ouroboros.validation._describe import is_model_class, split_annotated

    type_ = split_annotated(type_)[0]
    try:
        return is_model_class(type_) or dataclasses.is_dataclass(type_) or is_typeddict(type_)
    except TypeError:
        return False
