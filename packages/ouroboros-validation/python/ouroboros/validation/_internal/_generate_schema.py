"""``GenerateSchema``: the one entry point from annotations to type schemas.

``TypeAdapter`` builds its schema through it, so code that wraps
``GenerateSchema.generate_schema`` (Pydantic's test fixtures do) sees each build.
"""

from __future__ import annotations

import datetime
import decimal
import re
import types
import zoneinfo
from typing import Any

from ouroboros.validation._describe import DescribeContext, describe_type

__all__ = ["GenerateSchema"]

# Annotations whose schema needs no metadata, hooks or config lookups.
_SIMPLE_TYPES: tuple[Any, ...] = (
    str,
    bytes,
    int,
    float,
    bool,
    complex,
    None,
    type(None),
    object,
    types.EllipsisType,
    type,
    re.Pattern,
    datetime.date,
    datetime.datetime,
    datetime.time,
    datetime.timedelta,
    decimal.Decimal,
    zoneinfo.ZoneInfo,
)


def _is_simple_schema_type(obj: Any) -> bool:
    """Whether ``obj`` is one of the plain scalar annotations (by identity: never hashed or
    compared with ``==``, which a metaclass may override); a subclass is not."""
    return any(obj is simple for simple in _SIMPLE_TYPES)


class GenerateSchema:
    """Turns Python annotations into ouroboros-schema type schemas."""

    def __init__(self, config_wrapper: Any = None, ns_resolver: Any = None, typevars_map: Any = None) -> None:
        if isinstance(config_wrapper, DescribeContext):
            self._ctx = config_wrapper
        else:
            config = getattr(config_wrapper, "config_dict", None) or {}
            self._ctx = DescribeContext(
                strict=config.get("strict"),
                str_strip_whitespace=config.get("str_strip_whitespace", False),
                arbitrary_types_allowed=config.get("arbitrary_types_allowed", False),
            )
        if typevars_map:
            self._ctx.typevars = dict(typevars_map)

    def generate_schema(self, obj: Any) -> dict[str, Any]:
        """The type schema of annotation ``obj``."""
        return describe_type(obj, self._ctx)

    def _apply_annotations(self, source_type: Any, annotations: list[Any]) -> dict[str, Any]:
        """The type schema of ``source_type`` with ``Annotated`` metadata ``annotations`` applied."""
        return describe_type(source_type, self._ctx, list(annotations))
