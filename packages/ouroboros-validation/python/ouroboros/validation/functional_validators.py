"""Validators (``pydantic.functional_validators``)."""

from ouroboros.validation._decorators import field_validator, model_validator
from ouroboros.validation._more_types import InstanceOf, SkipValidation
from ouroboros.validation._types import AfterValidator, BeforeValidator, PlainValidator, WrapValidator

__all__ = [
    "AfterValidator",
    "BeforeValidator",
    "InstanceOf",
    "PlainValidator",
    "SkipValidation",
    "WrapValidator",
    "field_validator",
    "model_validator",
]
