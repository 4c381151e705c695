"""Limits on the automatic parsing of ``Form``/``File``/``UploadFile``
parameters (``form_limits=`` on `App`, `APIRouter`, `include_router` and routes),
and the check of ``max_body_size=`` values."""

from __future__ import annotations

from typing import Any, TypedDict

__all__ = ["_FormLimits", "_validate_form_limits", "validate_body_size"]


class _FormLimits(TypedDict, total=False):
    """Limits for automatic parsing of form parameters (all in counts or bytes)."""

    max_fields: int  # non-file form fields
    max_files: int  # files in a multipart form
    max_part_size: int  # bytes of one non-file field


_KEYS = frozenset(_FormLimits.__annotations__)


def _non_negative_int(value: Any) -> bool:
    return type(value) is int and value >= 0


def _validate_form_limits(limits: _FormLimits | None) -> _FormLimits:
    """A checked copy of ``limits`` (``{}`` for None).

    Raises:
        ValueError: an unknown key, or a value that is not a non-negative int.
    """
    if limits is None:
        return {}
    if not isinstance(limits, dict):
        raise ValueError(f"form_limits must be a dict, got {type(limits).__name__}")
    checked: dict[str, int] = {}
    for key, value in limits.items():
        if key not in _KEYS:
            raise ValueError(f"form_limits: unknown limit {key!r} (known: {', '.join(sorted(_KEYS))})")
        if not _non_negative_int(value):
            raise ValueError(f"form_limits: {key} must be a non-negative integer, got {value!r}")
        checked[key] = value
    return checked  # type: ignore[return-value]


def validate_body_size(value: Any) -> int | None:
    """``max_body_size`` as given (None: inherit), or ValueError."""
    if value is not None and not _non_negative_int(value):
        raise ValueError(f"max_body_size must be None or a non-negative integer, got {value!r}")
    return value
