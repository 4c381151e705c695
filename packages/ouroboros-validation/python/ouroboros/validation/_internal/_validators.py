"""Validator helpers (``pydantic._internal._validators``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

__all__ = ["import_string"]


def import_string(value: Any) -> Any:
    """``"math.cos"`` or ``"math:cos"`` -> the object; other values unchanged."""
    from ouroboros.validation._more_types import ImportString

    return ImportString._import(value)


def _extract_decimal_digits_info(decimal: Decimal) -> tuple[int, int]:
    """``(digits, decimal_places)`` of a finite Decimal, trailing zeros of the fraction dropped."""
    try:
        decimal_tuple = decimal.as_tuple()
        if not isinstance(decimal_tuple.exponent, int):
            raise TypeError
        exponent = decimal_tuple.exponent
        num_digits = len(decimal_tuple.digits)
        if exponent >= 0:
            # 123e2 -> 12300: all digits are whole, no places.
            return num_digits + exponent, 0
        decimal_places = -exponent
        digits = max(num_digits, decimal_places)
        return digits, decimal_places
    except (AttributeError, TypeError):
        raise TypeError(f"Unable to extract decimal digits info from supplied value {decimal}") from None
