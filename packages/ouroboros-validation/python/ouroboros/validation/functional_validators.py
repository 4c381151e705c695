"""Validators (``pydantic.functional_validators``)."""

from collections.abc import Callable
from typing import Any, Literal

from ouroboros.validation._decorators import field_validator, model_validator
from ouroboros.validation._more_types import InstanceOf, SkipValidation, ValidateAs
from ouroboros.validation._types import AfterValidator, BeforeValidator, PlainValidator, WrapValidator

__all__ = [
    "AfterValidator",
    "BeforeValidator",
    "FieldValidatorModes",
    "InstanceOf",
    "ModelWrapValidatorHandler",
    "PlainValidator",
    "SkipValidation",
    "ValidateAs",
    "WrapValidator",
    "field_validator",
    "model_validator",
]

FieldValidatorModes = Literal["before", "after", "wrap", "plain"]
#: The ``handler`` a ``mode="wrap"`` model validator receives: ``handler(value)`` validates.
ModelWrapValidatorHandler = Callable[..., Any]
