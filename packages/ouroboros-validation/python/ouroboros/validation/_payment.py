"""``PaymentCardNumber`` and ``PaymentCardBrand`` (deprecated in Pydantic 2 in favour of
``pydantic_extra_types``; kept for code that imports them from ``pydantic.types``)."""

from __future__ import annotations

import warnings
from enum import Enum
from typing import Any, ClassVar

from ouroboros.validation._errors import PydanticCustomError
from ouroboros.validation.warnings import PydanticDeprecatedSince20, _validator_of_deprecated

__all__ = ["PaymentCardBrand", "PaymentCardNumber"]


class PaymentCardBrand(str, Enum):  # noqa: UP042 - Pydantic's class, compared with plain strings
    """The card network a number belongs to, by its leading digits."""

    amex = "American Express"
    mastercard = "Mastercard"
    visa = "Visa"
    other = "other"

    def __str__(self) -> str:
        return self.value


# Lengths each brand allows (other brands: any length the string constraints let through).
_LENGTHS = {PaymentCardBrand.amex: (15,), PaymentCardBrand.mastercard: (16,), PaymentCardBrand.visa: (13, 16, 19)}


class PaymentCardNumber(str):
    """A card number: 12 to 19 digits, Luhn-valid, of a length its brand allows."""

    strip_whitespace: ClassVar[bool] = True
    min_length: ClassVar[int] = 12
    max_length: ClassVar[int] = 19
    bin: str
    last4: str
    brand: PaymentCardBrand

    def __init__(self, card_number: str) -> None:
        warnings.warn(
            "The `PaymentCardNumber` class is deprecated, use `pydantic_extra_types` instead. "
            "See https://docs.pydantic.dev/latest/api/pydantic_extra_types_payment/#pydantic_extra_types.payment.PaymentCardNumber.",
            PydanticDeprecatedSince20,
            stacklevel=2,
        )
        self.validate_digits(card_number)
        card_number = self.validate_luhn_check_digit(card_number)
        self.bin = card_number[:6]
        self.last4 = card_number[-4:]
        self.brand = self.validate_brand(card_number)

    @property
    def masked(self) -> str:
        """The number with all but the first six and last four digits as ``*``."""
        return self.bin + "*" * (len(self) - 10) + self.last4

    @classmethod
    def validate_digits(cls, card_number: str) -> None:
        if not card_number.isdigit():
            raise PydanticCustomError("payment_card_number_digits", "Card number is not all digits")

    @classmethod
    def validate_luhn_check_digit(cls, card_number: str) -> str:
        """``card_number`` when its last digit is the Luhn check digit of the others."""
        total = 0
        for i, ch in enumerate(reversed(card_number)):
            digit = int(ch)
            if i % 2:
                digit *= 2
                if digit > 9:
                    digit -= 9
            total += digit
        if total % 10:
            raise PydanticCustomError("payment_card_number_luhn", "Card number is not luhn valid")
        return card_number

    @staticmethod
    def validate_brand(card_number: str) -> PaymentCardBrand:
        """The brand of the number, checking the length that brand requires."""
        if card_number[0] == "4":
            brand = PaymentCardBrand.visa
        elif 51 <= int(card_number[:2]) <= 55:
            brand = PaymentCardBrand.mastercard
        elif card_number[:2] in ("34", "37"):
            brand = PaymentCardBrand.amex
        else:
            brand = PaymentCardBrand.other
        lengths = _LENGTHS.get(brand)
        if lengths is not None and len(card_number) not in lengths:
            required = " or ".join(map(str, lengths))
            raise PydanticCustomError(
                "payment_card_number_brand",
                "Length for a {brand} card must be {required_length}",
                {"brand": brand.value, "required_length": required},
            )
        return brand

    __ouroboros_type_schema__: ClassVar[dict[str, Any]]


PaymentCardNumber.__ouroboros_type_schema__ = {
    "type": "function",
    "mode": "after",
    "func": _validator_of_deprecated(PaymentCardNumber),
    "schema": {"type": "str", "min_length": 12, "max_length": 19, "strip_whitespace": True},
}
