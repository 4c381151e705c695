"""Reducing objects without a Rust fast path to plain JSON values."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import ipaddress
import re
import uuid
from pathlib import PurePath
from typing import Any

from ouroboros.validation import SecretBytes, SecretStr
from ouroboros.validation.core import MultiHostUrl, Url

# The ipaddress types: written as their text (shared with `encoders`).
IP_TYPES = (
    ipaddress.IPv4Address,
    ipaddress.IPv6Address,
    ipaddress.IPv4Network,
    ipaddress.IPv6Network,
    ipaddress.IPv4Interface,
    ipaddress.IPv6Interface,
)
# Written as their text, as FastAPI's jsonable_encoder does (a secret as its mask).
_AS_TEXT = (uuid.UUID, PurePath, Url, MultiHostUrl, SecretStr, SecretBytes, *IP_TYPES)


def to_plain(obj: Any) -> Any:
    """Called by the Rust serializer for any type it does not know.

    Raises:
        TypeError: The object has no JSON form.
    """
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, (datetime.datetime, datetime.date, datetime.time)):
        return obj.isoformat()
    if isinstance(obj, datetime.timedelta):
        return obj.total_seconds()
    if isinstance(obj, decimal.Decimal):
        # FastAPI's rule: a whole number stays an int, anything else a float.
        exponent = obj.as_tuple().exponent
        return int(obj) if isinstance(exponent, int) and exponent >= 0 else float(obj)
    if isinstance(obj, _AS_TEXT):
        return str(obj)
    if isinstance(obj, re.Pattern):
        return obj.pattern
    if isinstance(obj, (bytes, bytearray)):
        return obj.decode("utf-8", errors="replace")
    dump = getattr(obj, "model_dump", None)
    if callable(dump):
        # Without a response_model FastAPI writes models by alias, in JSON mode
        # (URLs, secrets and dates as text).
        return dump(mode="json", by_alias=True)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}
    if _foreign_response(obj):
        raise ForeignResponse(obj)
    if hasattr(obj, "__iter__") and not isinstance(obj, (str, dict)):
        return list(obj)
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


def returned_to_plain(obj: Any) -> Any:
    """`to_plain` for what a handler returns: as FastAPI's `jsonable_encoder`,
    an object without a JSON form is written as ``dict(obj)``, else as its
    attributes (``vars(obj)``: a dependency class instance, say).

    Raises:
        TypeError: The object has none of these forms.
    """
    try:
        return to_plain(obj)
    except ForeignResponse:
        raise
    except TypeError as exc:
        try:
            return dict(obj)
        except (TypeError, ValueError):
            try:
                return vars(obj)
            except TypeError:
                raise exc from None


def _foreign_response(obj: Any) -> bool:
    """A response object of another framework (Starlette's): an ASGI app
    with a status and raw headers."""
    return callable(obj) and hasattr(obj, "status_code") and hasattr(obj, "raw_headers")


class ForeignResponse(TypeError):
    """A handler returned another framework's response (Starlette's
    ``PlainTextResponse``...): `adopt` gives the same answer as ours."""

    def __init__(self, response: Any) -> None:
        super().__init__(f"{type(response).__name__} is a response of another framework")
        self.response = response

    def adopt(self) -> Any:
        from ouroboros.api.responses import Response, StreamingResponse

        theirs = self.response
        iterator = getattr(theirs, "body_iterator", None)
        if iterator is not None:
            ours: Response = StreamingResponse(iterator, status_code=theirs.status_code)
        else:
            ours = Response(bytes(getattr(theirs, "body", b"") or b""), status_code=theirs.status_code)
        ours.raw_headers = [(bytes(k).lower(), bytes(v)) for k, v in theirs.raw_headers]
        ours.background = getattr(theirs, "background", None)
        return ours
