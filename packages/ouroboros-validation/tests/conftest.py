"""Shared helpers of the ouroboros.validation tests."""

from typing import Any

import pytest

from ouroboros.validation import TypeAdapter, ValidationError


def errors_of(fn: Any, *args: Any, **kwargs: Any) -> list[dict[str, Any]]:
    """Call ``fn`` expecting a ValidationError; return its ``errors()``."""
    with pytest.raises(ValidationError) as info:
        fn(*args, **kwargs)
    return info.value.errors()


def one_error(tp: Any, value: Any, **kwargs: Any) -> dict[str, Any]:
    """The single error of validating ``value`` as ``tp``."""
    errs = errors_of(TypeAdapter(tp).validate_python, value, **kwargs)
    assert len(errs) == 1, errs
    return errs[0]
