"""`jsonable_encoder`: plain JSON values from anything a handler can return."""

from __future__ import annotations

import dataclasses
import datetime
import enum
import json
import re
import types
import uuid
from collections import deque
from collections.abc import Callable, Generator
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from ouroboros.api import _api
from ouroboros.api._encoding import IP_TYPES, to_plain

__all__ = ["decimal_encoder", "jsonable_encoder"]

_SEQUENCES = (list, set, frozenset, tuple, deque, Generator, types.GeneratorType)


def decimal_encoder(value: Decimal) -> int | float:
    """A whole ``Decimal`` as an int, any other (NaN and infinities too) as a float."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= 0:
        return int(value)
    return float(value)


def _keys(include: Any, exclude: Any, keys: Any) -> set[Any]:
    """The keys kept by ``include``/``exclude`` (sets or lists of keys)."""
    kept = set(keys)
    if include is not None:
        kept &= set(include)
    if exclude is not None:
        kept -= set(exclude)
    return kept


def _custom(obj: Any, custom_encoder: dict[Any, Callable[[Any], Any]]) -> Callable[[Any], Any] | None:
    """The custom encoder of ``obj``'s own type, else of the nearest base class."""
    encoder = custom_encoder.get(type(obj))
    if encoder is not None:
        return encoder
    return next((f for tp, f in custom_encoder.items() if isinstance(tp, type) and isinstance(obj, tp)), None)


def jsonable_encoder(
    obj: Any,
    include: Any = None,
    exclude: Any = None,
    by_alias: bool = True,
    exclude_unset: bool = False,
    exclude_defaults: bool = False,
    exclude_none: bool = False,
    custom_encoder: dict[Any, Callable[[Any], Any]] | None = None,
    sqlalchemy_safe: bool = True,
) -> Any:
    """Dicts, lists, strings, numbers, booleans and None, the way responses
    serialize ``obj`` (models, dataclasses, datetimes, enums, UUIDs...).

    ``include``/``exclude`` keep or drop keys of ``obj`` (a model, a
    dataclass or a dict); the ``exclude_*`` flags apply to models (and
    ``exclude_none`` to dicts) at every level; ``custom_encoder`` maps a type
    to the function that encodes its instances (subclasses included).

    Raises:
        ValueError: Something in ``obj`` has no JSON form.
    """
    custom = custom_encoder or {}

    def again(value: Any, **over: Any) -> Any:
        options = {
            "by_alias": by_alias,
            "exclude_unset": exclude_unset,
            "exclude_defaults": exclude_defaults,
            "exclude_none": exclude_none,
            "custom_encoder": custom,
            "sqlalchemy_safe": sqlalchemy_safe,
        }
        return jsonable_encoder(value, **{**options, **over})

    if custom and (encoder := _custom(obj, custom)) is not None:
        return encoder(obj)
    if getattr(type(obj), "__v1_base__", False):
        from ouroboros.api.exceptions import PydanticV1NotSupportedError

        raise PydanticV1NotSupportedError(
            "pydantic.v1 models are no longer supported by FastAPI. Please update the model to the Pydantic v2 API."
        )
    if isinstance(obj, type) is False and hasattr(obj, "model_dump") and hasattr(type(obj), "model_fields"):
        dumped = obj.model_dump(
            mode="json",
            include=include,
            exclude=exclude,
            by_alias=by_alias,
            exclude_unset=exclude_unset,
            exclude_defaults=exclude_defaults,
            exclude_none=exclude_none,
        )
        return again(dumped)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        fields = {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}
        return again({k: v for k, v in fields.items() if k in _keys(include, exclude, fields)})
    if isinstance(obj, enum.Enum):
        return obj.value if not custom else again(obj.value)
    if isinstance(obj, PurePath):
        return str(obj)
    if obj is None or isinstance(obj, (str, int, float)):
        return obj
    if isinstance(obj, Decimal):
        return decimal_encoder(obj)
    if type(obj).__name__ == "_Undefined" or repr(obj) in ("PydanticUndefined", "PYDANTIC_UNDEFINED"):
        return None
    if isinstance(obj, dict):
        kept = _keys(include, exclude, obj.keys())
        out = {}
        for key, value in obj.items():
            if key not in kept or (sqlalchemy_safe and isinstance(key, str) and key.startswith("_sa")):
                continue
            if value is None and exclude_none:
                continue
            out[again(key)] = again(value)
        return out
    if isinstance(obj, _SEQUENCES):
        return [again(item) for item in obj]
    leaf = _leaf(obj)
    if leaf is not _NO_FORM:
        return leaf
    try:
        data = dict(obj)
    except Exception as first:  # noqa: BLE001 - then try its attributes
        try:
            data = vars(obj)
        except Exception as second:
            raise ValueError([first, second]) from second
    return again(data, include=include, exclude=exclude)


_NO_FORM: Any = object()


_LEAVES = (
    datetime.date,
    datetime.time,
    datetime.timedelta,
    uuid.UUID,
    bytes,
    bytearray,
    *IP_TYPES,
)


def _leaf(obj: Any) -> Any:
    """A value with a JSON form of its own (datetimes, UUIDs, bytes, colors,
    URLs, secrets, patterns...), written as responses write it; ``_NO_FORM``
    for anything else (then read through ``dict()`` or its attributes)."""
    if hasattr(obj, "as_named") and hasattr(obj, "as_rgb"):
        return str(obj)  # a Color: its name, else its hex form
    if isinstance(obj, re.Pattern):
        return obj.pattern
    if type(obj).__name__ in ("SecretStr", "SecretBytes", "NameEmail") or hasattr(obj, "unicode_string"):
        return str(obj)  # secrets masked, URLs as text
    if not isinstance(obj, _LEAVES):
        return _NO_FORM
    try:
        return json.loads(_api.dumps(obj, to_plain))
    except (TypeError, ValueError):
        return _NO_FORM
