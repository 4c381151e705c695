"""``pydantic.experimental.missing_sentinel``: the former home of ``MISSING`` (now in the main
module); reading it here warns, as in Pydantic 2.14."""

from __future__ import annotations

import warnings
from typing import Any

__all__ = ["MISSING"]  # noqa: F822 - served by __getattr__ (with its warning)


def __getattr__(name: str) -> Any:
    if name != "MISSING":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from ouroboros.validation._fields import MISSING
    from ouroboros.validation.warnings import PydanticDeprecatedSince214

    warnings.warn(
        "The `MISSING` sentinel is no longer experimental. Import it from the main module instead.",
        category=PydanticDeprecatedSince214,
        stacklevel=2,
    )
    return MISSING
