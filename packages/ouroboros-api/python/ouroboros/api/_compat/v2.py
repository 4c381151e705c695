"""``fastapi._compat.v2``: FastAPI's field wrapper over a ``FieldInfo``.

The server does not use it (routes compile to the Rust plan); code written
against FastAPI's internals gets the same names and answers.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

from ouroboros.api._compat.shared import sequence_annotation_origin
from ouroboros.validation import TypeAdapter
from ouroboros.validation.core import PydanticUndefined

__all__ = ["ModelField", "serialize_sequence_value"]


@dataclasses.dataclass
class ModelField:
    """A named field: its ``FieldInfo`` and whether it validates or serializes."""

    name: str
    field_info: Any
    mode: Literal["validation", "serialization"] = "validation"

    @property
    def alias(self) -> str:
        return self.field_info.alias or self.name

    @property
    def required(self) -> bool:
        return bool(self.field_info.is_required())

    @property
    def default(self) -> Any:
        return PydanticUndefined if self.required else self.field_info.get_default(call_default_factory=True)

    @property
    def type_(self) -> Any:
        return self.field_info.annotation

    def validate(self, value: Any) -> Any:
        """``value`` validated against the field's annotation."""
        return TypeAdapter(self.field_info.annotation).validate_python(value)

    def __hash__(self) -> int:
        return id(self)


def serialize_sequence_value(*, field: ModelField, value: Any) -> Any:
    """``value`` as the sequence class the field declares (``list[str] | None`` -> a list)."""
    origin = sequence_annotation_origin(field.field_info.annotation) or list
    if origin in (list, tuple, set, frozenset):
        return origin(value)
    return list(value)
