"""The ``metadata`` dict of a core schema (``pydantic._internal._core_metadata``)."""

from __future__ import annotations

from typing import Any

__all__ = ["update_core_metadata"]


def update_core_metadata(core_metadata: dict[str, Any], /, **kwargs: Any) -> None:
    """Set keys of ``core_metadata`` (list-valued ``pydantic_js_*`` keys are appended to)."""
    for key, value in kwargs.items():
        if value is None:
            continue
        if key.startswith("pydantic_js_") and key.endswith("functions"):
            core_metadata.setdefault(key, []).extend(value)
        else:
            core_metadata[key] = value
