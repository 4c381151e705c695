"""Core schema helpers (``pydantic._internal._core_utils``)."""

from __future__ import annotations

from typing import Any

__all__ = ["as_ser_schema"]


def as_ser_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A plain/wrap function serializer of a core schema, shaped as a ser schema."""
    return {"type": "model", "cls": schema["cls"], "schema": schema} if schema.get("type") == "model" else schema
