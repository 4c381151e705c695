"""`jsonable_encoder`: plain JSON values from anything a handler can return."""

from __future__ import annotations

import json
from typing import Any

from ouroboros.api import _api
from ouroboros.api._encoding import to_plain

__all__ = ["jsonable_encoder"]


def jsonable_encoder(obj: Any) -> Any:
    """Dicts, lists, strings, numbers, booleans and None, the way responses
    serialize ``obj`` (models, dataclasses, datetimes, enums, UUIDs...).

    Raises:
        TypeError: Something in ``obj`` has no JSON form.
    """
    return json.loads(_api.dumps(obj, to_plain))
