"""Helpers of ``fastapi.utils`` that applications use."""

from __future__ import annotations

import re
from typing import Any

__all__ = ["generate_unique_id"]


def generate_unique_id(route: Any) -> str:
    """FastAPI's default ``operationId``: the route's name and path with every
    non-word character replaced by ``_``, then the (first) method:
    ``read_item_items__item_id__get``."""
    operation_id = re.sub(r"\W", "_", f"{route.name}{route.path}")
    method = sorted(route.methods)[0] if route.methods else "get"
    return f"{operation_id}_{method.lower()}"
