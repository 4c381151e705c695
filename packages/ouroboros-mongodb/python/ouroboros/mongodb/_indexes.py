"""Index declarations: ``IndexModel`` and the forms Beanie's Settings accept."""

from __future__ import annotations

import sys
import typing
from collections.abc import Mapping
from typing import Annotated, Any

from ouroboros.core import InvalidArgumentError

__all__ = [
    "ASCENDING",
    "DESCENDING",
    "GEOSPHERE",
    "HASHED",
    "TEXT",
    "IndexModel",
    "Indexed",
    "index_model",
    "indexed_fields",
]

ASCENDING = 1
DESCENDING = -1
TEXT = "text"
GEOSPHERE = "2dsphere"
HASHED = "hashed"
_KINDS = {1, -1, TEXT, GEOSPHERE, HASHED, "2d"}

# Python keyword -> the server's option name.
_OPTION_NAMES = {
    "expire_after_seconds": "expireAfterSeconds",
    "partial_filter_expression": "partialFilterExpression",
    "default_language": "default_language",
    "language_override": "language_override",
    "sphere_version": "2dsphereIndexVersion",
    "wildcard_projection": "wildcardProjection",
}


def _keys(keys: Any) -> dict[str, Any]:
    if isinstance(keys, str):
        return {keys: ASCENDING}
    if isinstance(keys, tuple) and len(keys) == 2 and isinstance(keys[0], str) and not isinstance(keys[1], tuple):
        keys = [keys]
    if isinstance(keys, Mapping):
        keys = list(keys.items())
    if not isinstance(keys, list) or not keys:
        raise InvalidArgumentError(
            f"index keys are 'field', ('field', 1) or a list of (field, direction), got {keys!r}"
        )
    out: dict[str, Any] = {}
    for item in keys:
        if isinstance(item, str):
            field, kind = item, ASCENDING
        elif isinstance(item, tuple) and len(item) == 2:
            field, kind = str(item[0]), item[1]
        else:
            raise InvalidArgumentError(f"index key {item!r} is not 'field' or ('field', direction)")
        if isinstance(kind, bool) or kind not in _KINDS:
            raise InvalidArgumentError(
                f"index direction of {field!r} must be 1, -1, 'text', '2dsphere', '2d' or 'hashed', got {kind!r}"
            )
        out[field] = kind
    return out


class IndexModel:
    """One index: keys plus options (``unique``, ``name``, ``expire_after_seconds``...)."""

    def __init__(self, keys: Any, **options: Any) -> None:
        self.keys = _keys(keys)
        self.options: dict[str, Any] = {}
        for key, value in options.items():
            if value is None or (key in ("unique", "sparse", "background") and value is False):
                continue
            if key == "expire_after_seconds" and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
                raise InvalidArgumentError(f"expire_after_seconds must be a non-negative int, got {value!r}")
            self.options[_OPTION_NAMES.get(key, key)] = value
        if "name" not in self.options:
            self.options["name"] = "_".join(f"{k}_{v}" for k, v in self.keys.items())

    @property
    def name(self) -> str:
        return self.options["name"]

    @property
    def document(self) -> dict[str, Any]:
        """The index as ``createIndexes`` takes it."""
        return {"key": dict(self.keys), **self.options}

    def __repr__(self) -> str:
        return f"IndexModel({self.keys!r}, {self.options!r})"


def index_model(spec: Any) -> IndexModel:
    """An entry of ``Settings.indexes`` -> IndexModel (PyMongo's IndexModel too)."""
    if isinstance(spec, IndexModel):
        return spec
    document = getattr(spec, "document", None)
    if isinstance(document, Mapping) and "key" in document:
        options = {k: v for k, v in document.items() if k != "key"}
        model = IndexModel(list(document["key"].items()))
        model.options.update(options)
        return model
    return IndexModel(spec)


class IndexedMarker:
    """What ``Indexed(...)`` puts in a field's ``Annotated`` metadata."""

    __slots__ = ("index_type", "options")

    def __init__(self, index_type: Any = ASCENDING, unique: bool = False, **options: Any) -> None:
        _keys([("field", index_type)])  # the same check as IndexModel's
        self.index_type = index_type
        self.options = {"unique": unique, **options}

    def __repr__(self) -> str:
        return f"Indexed({self.index_type!r}, {self.options!r})"


def Indexed(typ: Any = None, index_type: Any = ASCENDING, unique: bool = False, **options: Any) -> Any:
    """A field with an index, created by ``init``: ``email: Indexed(str, unique=True)``.

    Also usable as ``Annotated[str, Indexed(unique=True)]``; ``index_type`` is
    ``ASCENDING``, ``DESCENDING``, ``TEXT``, ``GEOSPHERE`` or ``HASHED``; other
    keywords are index options (``name``, ``sparse``, ``expire_after_seconds``...).
    """
    marker = IndexedMarker(index_type, unique, **options)
    if typ is None:
        return marker
    return Annotated[typ, marker]


def _markers(annotation: Any) -> list[IndexedMarker]:
    found: list[IndexedMarker] = []
    if typing.get_origin(annotation) is Annotated:
        found.extend(m for m in annotation.__metadata__ if isinstance(m, IndexedMarker))
        annotation = typing.get_args(annotation)[0]
    for arg in typing.get_args(annotation):
        if typing.get_origin(arg) is Annotated:
            found.extend(_markers(arg))
    return found


def indexed_fields(cls: Any) -> list[IndexModel]:
    """The indexes that ``Indexed`` annotations of ``cls``'s fields declare."""
    localns = dict(cls.__dict__.get("__ouroboros_localns__") or {})
    out: list[IndexModel] = []
    for name, info in cls.__ouroboros_fields__.items():
        annotation = info.annotation
        if isinstance(annotation, str):
            if "Indexed" not in annotation:
                continue
            module = sys.modules.get(getattr(cls, "__module__", ""), None)
            try:
                annotation = eval(annotation, dict(vars(module)) if module else {}, localns)
            except Exception as exc:
                raise InvalidArgumentError(f"cannot read the annotation of {cls.__name__}.{name}: {exc}") from exc
        for marker in _markers(annotation):
            out.append(IndexModel([(info.alias or name, marker.index_type)], **marker.options))
    return out
