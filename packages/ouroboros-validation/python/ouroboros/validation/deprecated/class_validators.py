"""``@validator`` and ``@root_validator`` (``pydantic.deprecated.class_validators``)."""

from ouroboros.validation._deprecated import root_validator, validator

__all__ = ["root_validator", "validator"]
