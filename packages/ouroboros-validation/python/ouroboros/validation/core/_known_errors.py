"""``PydanticKnownError``: raise one of Pydantic's own error types from a validator."""

from __future__ import annotations

from typing import Any

from ouroboros.validation._errors import PydanticCustomError

__all__ = ["PydanticKnownError"]

# The message templates of the error types user code raises most (the same
# vocabulary ouroboros-schema's ErrorType speaks).
_TEMPLATES = {
    "no_such_attribute": "Object has no attribute '{attribute}'",
    "json_invalid": "Invalid JSON: {error}",
    "json_type": "JSON input should be string, bytes or bytearray",
    "missing": "Field required",
    "extra_forbidden": "Extra inputs are not permitted",
    "frozen_field": "Field is frozen",
    "frozen_instance": "Instance is frozen",
    "none_required": "Input should be None",
    "greater_than": "Input should be greater than {gt}",
    "greater_than_equal": "Input should be greater than or equal to {ge}",
    "less_than": "Input should be less than {lt}",
    "less_than_equal": "Input should be less than or equal to {le}",
    "multiple_of": "Input should be a multiple of {multiple_of}",
    "finite_number": "Input should be a finite number",
    "too_short": "{field_type} should have at least {min_length} item{expected_plural} after validation, "
    "not {actual_length}",
    "too_long": "{field_type} should have at most {max_length} item{expected_plural} after validation, "
    "not {actual_length}",
    "string_type": "Input should be a valid string",
    "decimal_max_digits": "Decimal input should have no more than {max_digits} digit{expected_plural} in total",
    "decimal_max_places": "Decimal input should have no more than {decimal_places} decimal place{expected_plural}",
    "iterable_type": "Input should be iterable",
    "string_too_short": "String should have at least {min_length} character{expected_plural}",
    "string_too_long": "String should have at most {max_length} character{expected_plural}",
    "string_pattern_mismatch": "String should match pattern '{pattern}'",
    "int_type": "Input should be a valid integer",
    "int_parsing": "Input should be a valid integer, unable to parse string as an integer",
    "int_from_float": "Input should be a valid integer, got a number with a fractional part",
    "float_type": "Input should be a valid number",
    "float_parsing": "Input should be a valid number, unable to parse string as a number",
    "bool_type": "Input should be a valid boolean",
    "bool_parsing": "Input should be a valid boolean, unable to interpret input",
    "bytes_type": "Input should be a valid bytes",
    "list_type": "Input should be a valid list",
    "tuple_type": "Input should be a valid tuple",
    "set_type": "Input should be a valid set",
    "dict_type": "Input should be a valid dictionary",
    "frozen_set_type": "Input should be a valid frozenset",
    "model_type": "Input should be a valid dictionary or instance of {class_name}",
    "model_attributes_type": "Input should be a valid dictionary or object to extract fields from",
    "dataclass_type": "Input should be a dictionary or an instance of {class_name}",
    "time_delta_type": "Input should be a valid timedelta",
    "date_type": "Input should be a valid date",
    "datetime_type": "Input should be a valid datetime",
    "time_type": "Input should be a valid time",
    "timedelta_type": "Input should be a valid timedelta",
    "date_past": "Date should be in the past",
    "date_future": "Date should be in the future",
    "datetime_past": "Input should be in the past",
    "datetime_future": "Input should be in the future",
    "timezone_naive": "Input should not have timezone info",
    "timezone_aware": "Input should have timezone info",
    "callable_type": "Input should be callable",
    "is_instance_of": "Input should be an instance of {class}",
    "literal_error": "Input should be {expected}",
    "enum": "Input should be {expected}",
    "uuid_type": "UUID input should be a string, bytes or UUID object",
    "uuid_version": "UUID version {expected_version} expected",
    "decimal_type": "Decimal input should be an integer, float, string or Decimal object",
    "decimal_parsing": "Input should be a valid decimal",
    "value_error": "Value error, {error}",
    "assertion_error": "Assertion failed, {error}",
    "url_type": "URL input should be a string or URL",
    "url_parsing": "Input should be a valid URL, {error}",
    "url_scheme": "URL scheme should be {expected_schemes}",
    "complex_type": "Input should be a valid python complex object, a number, or a valid complex string "
    "following the rules at https://docs.python.org/3/library/functions.html#complex",
}


# The messages of errors found in JSON input where they differ (Pydantic's
# `input_type="json"`; ErrorType::message_for in ouroboros-schema).
JSON_MESSAGES = {
    "list_type": "Input should be a valid array",
    "tuple_type": "Input should be a valid array",
    "set_type": "Input should be a valid array",
    "frozen_set_type": "Input should be a valid array",
    "iterable_type": "Input should be a valid array",
    "deque_type": "Input should be a valid array",
    "dict_type": "Input should be an object",
    "model_type": "Input should be an object",
    "model_attributes_type": "Input should be an object",
    "dataclass_type": "Input should be an object",
    "named_tuple_type": "Input should be an array or an object",
    "none_required": "Input should be null",
    "time_delta_type": "Input should be a valid duration",
    "time_delta_parsing": "Input should be a valid duration, {error}",
}


class PydanticKnownError(PydanticCustomError):
    """``raise PydanticKnownError("greater_than", {"gt": 3})``: a Pydantic error type with its own message."""

    def __new__(cls, error_type: str, context: dict[str, Any] | None = None) -> Any:
        if error_type not in _TEMPLATES:
            raise KeyError(f"Invalid error type: '{error_type}'")
        ctx = dict(context or {})
        fill = dict(ctx)
        for key in ("min_length", "max_length", "max_digits", "decimal_places"):
            if key in fill:
                fill.setdefault("expected_plural", "" if fill[key] == 1 else "s")
        self = super().__new__(cls, error_type, _TEMPLATES[error_type], ctx)
        self._fill = fill
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), (self.error_type, self.context)

    def message(self) -> str:
        return self.message_template.format(**getattr(self, "_fill", self.context))
