"""``load_str_bytes`` and ``load_file`` (``pydantic.deprecated.parse``)."""

from __future__ import annotations

import json
import pickle
import warnings
from enum import Enum
from pathlib import Path
from typing import Any

from ouroboros.validation.warnings import PydanticDeprecatedSince20

__all__ = ["Protocol", "load_file", "load_str_bytes"]


class Protocol(str, Enum):  # noqa: UP042 - Pydantic's class, compared with plain strings
    json = "json"
    pickle = "pickle"


def load_str_bytes(
    b: str | bytes,
    *,
    content_type: str | None = None,
    encoding: str = "utf8",
    proto: Protocol | None = None,
    allow_pickle: bool = False,
    json_loads: Any = json.loads,
) -> Any:
    """Deprecated: JSON (or, when allowed, pickle) data from text or bytes."""
    warnings.warn(PydanticDeprecatedSince20("`load_str_bytes` is deprecated."), stacklevel=2)
    if proto is None and content_type:
        if content_type.endswith(("json", "javascript")):
            pass
        elif allow_pickle and content_type.endswith("pickle"):
            proto = Protocol.pickle
        else:
            raise TypeError(f"Unknown content-type: {content_type}")
    proto = proto or Protocol.json
    if proto == Protocol.json:
        if isinstance(b, bytes):
            b = b.decode(encoding)
        return json_loads(b)
    if proto == Protocol.pickle:
        if not allow_pickle:
            raise RuntimeError("Trying to decode with pickle with allow_pickle=False")
        bb = b if isinstance(b, bytes) else b.encode()
        return pickle.loads(bb)
    raise TypeError(f"Unknown protocol: {proto}")


def load_file(
    path: str | Path,
    *,
    content_type: str | None = None,
    encoding: str = "utf8",
    proto: Protocol | None = None,
    allow_pickle: bool = False,
    json_loads: Any = json.loads,
) -> Any:
    """Deprecated: ``load_str_bytes`` of a file's content (the suffix picks pickle)."""
    warnings.warn(PydanticDeprecatedSince20("`load_file` is deprecated."), stacklevel=2)
    path = Path(path)
    b = path.read_bytes()
    if content_type is None:
        if path.suffix in (".js", ".json"):
            proto = Protocol.json
        elif path.suffix == ".pkl":
            proto = Protocol.pickle
    # `load_str_bytes` warns too, as in Pydantic (two warnings for one `load_file`).
    return load_str_bytes(
        b,
        proto=proto,
        content_type=content_type,
        encoding=encoding,
        allow_pickle=allow_pickle,
        json_loads=json_loads,
    )


load_str_bytes.__deprecated__ = "`load_str_bytes` is deprecated."  # type: ignore[attr-defined]
load_file.__deprecated__ = "`load_file` is deprecated."  # type: ignore[attr-defined]
