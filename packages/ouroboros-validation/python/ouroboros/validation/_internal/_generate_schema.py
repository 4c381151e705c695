"""``GenerateSchema``: the one entry point from annotations to type schemas.

``TypeAdapter`` builds its schema through it, so code that wraps
``GenerateSchema.generate_schema`` (Pydantic's test fixtures do) sees each build.
"""

from __future__ import annotations

from typing import Any

from ouroboros.validation._describe import DescribeContext, describe_type

__all__ = ["GenerateSchema"]


class GenerateSchema:
    """Turns Python annotations into ouroboros-schema type schemas."""

    def __init__(self, config_wrapper: Any = None, ns_resolver: Any = None, typevars_map: Any = None) -> None:
        if isinstance(config_wrapper, DescribeContext):
            self._ctx = config_wrapper
        else:
            config = getattr(config_wrapper, "config_dict", None) or {}
            self._ctx = DescribeContext(
                strict=config.get("strict"), str_strip_whitespace=config.get("str_strip_whitespace", False)
            )
        if typevars_map:
            self._ctx.typevars = dict(typevars_map)

    def generate_schema(self, obj: Any) -> dict[str, Any]:
        """The type schema of annotation ``obj``."""
        return describe_type(obj, self._ctx)
