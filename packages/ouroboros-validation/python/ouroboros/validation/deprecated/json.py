"""``pydantic_encoder`` and friends (``pydantic.deprecated.json``)."""

from __future__ import annotations

import dataclasses
import datetime
import warnings
from collections import deque
from collections.abc import Callable
from decimal import Decimal
from enum import Enum
from ipaddress import IPv4Address, IPv4Interface, IPv4Network, IPv6Address, IPv6Interface, IPv6Network
from pathlib import Path
from re import Pattern
from types import GeneratorType
from typing import Any
from uuid import UUID

from ouroboros.validation.warnings import PydanticDeprecatedSince20

__all__ = ["ENCODERS_BY_TYPE", "custom_pydantic_encoder", "decimal_encoder", "pydantic_encoder", "timedelta_isoformat"]


def isoformat(o: datetime.date | datetime.time) -> str:
    return o.isoformat()


def decimal_encoder(dec_value: Decimal) -> int | float:
    """An integral Decimal as int, any other as float."""
    exponent = dec_value.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= 0:
        return int(dec_value)
    return float(dec_value)


def _secret(value: Any) -> str:
    return str(value)


ENCODERS_BY_TYPE: dict[type[Any], Callable[[Any], Any]] = {
    bytes: lambda o: o.decode(),
    datetime.date: isoformat,
    datetime.datetime: isoformat,
    datetime.time: isoformat,
    datetime.timedelta: lambda td: td.total_seconds(),
    Decimal: decimal_encoder,
    Enum: lambda o: o.value,
    frozenset: list,
    deque: list,
    GeneratorType: list,
    IPv4Address: str,
    IPv4Interface: str,
    IPv4Network: str,
    IPv6Address: str,
    IPv6Interface: str,
    IPv6Network: str,
    Path: str,
    Pattern: lambda o: o.pattern,
    set: list,
    UUID: str,
}


def pydantic_encoder(obj: Any) -> Any:
    """Deprecated ``json.dumps(default=...)`` hook: models, dataclasses and common types as JSON data."""
    warnings.warn(
        PydanticDeprecatedSince20("`pydantic_encoder` is deprecated, use `pydantic_core.to_jsonable_python` instead."),
        stacklevel=2,
    )
    from ouroboros.validation._model import BaseModel

    if isinstance(obj, BaseModel):
        return obj.model_dump()
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.asdict(obj)
    for base in obj.__class__.__mro__[:-1]:
        encoder = ENCODERS_BY_TYPE.get(base)
        if encoder is not None:
            return encoder(obj)
    if hasattr(obj, "__ouroboros_json__"):
        return obj.__ouroboros_json__()
    raise TypeError(f"Object of type '{obj.__class__.__name__}' is not JSON serializable")


def custom_pydantic_encoder(type_encoders: dict[Any, Callable[[Any], Any]], obj: Any) -> Any:
    """Deprecated: ``pydantic_encoder`` with ``type_encoders`` tried first (by the object's MRO)."""
    warnings.warn(
        PydanticDeprecatedSince20("`custom_pydantic_encoder` is deprecated, use `BaseModel.model_dump` instead."),
        stacklevel=2,
    )
    for base in obj.__class__.__mro__[:-1]:
        encoder = type_encoders.get(base)
        if encoder is not None:
            return encoder(obj)
    # `pydantic_encoder` warns too, as in Pydantic.
    return pydantic_encoder(obj)


def timedelta_isoformat(td: datetime.timedelta) -> str:
    """Deprecated: ISO 8601 text of a timedelta (``P1DT2H3M4.000005S``)."""
    warnings.warn(PydanticDeprecatedSince20("`timedelta_isoformat` is deprecated."), stacklevel=2)
    minutes, seconds = divmod(td.seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{'-' if td.days < 0 else ''}P{abs(td.days)}DT{hours:d}H{minutes:d}M{seconds:d}.{td.microseconds:06d}S"


pydantic_encoder.__deprecated__ = (  # type: ignore[attr-defined]
    "`pydantic_encoder` is deprecated, use `pydantic_core.to_jsonable_python` instead."
)
custom_pydantic_encoder.__deprecated__ = (  # type: ignore[attr-defined]
    "`custom_pydantic_encoder` is deprecated, use `BaseModel.model_dump` instead."
)
timedelta_isoformat.__deprecated__ = "`timedelta_isoformat` is deprecated."  # type: ignore[attr-defined]
