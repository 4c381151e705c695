"""Query expressions: ``User.age >= 18`` builds a MongoDB filter document.

A class attribute of a Document that names a field is a :class:`FieldPath`;
comparing it builds a :class:`Expr` (a dict subclass, so it can be passed
anywhere a raw filter is accepted), and ``&``, ``|``, ``~`` combine them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["Expr", "FieldPath", "text_search"]

ASCENDING = 1
DESCENDING = -1


class Expr(dict):  # type: ignore[type-arg]
    """A filter document that combines with ``&`` (and), ``|`` (or), ``~`` (not)."""

    def __and__(self, other: Mapping[str, Any]) -> Expr:
        return and_(self, other)

    def __rand__(self, other: Mapping[str, Any]) -> Expr:
        return and_(other, self)

    def __or__(self, other: Mapping[str, Any]) -> Expr:  # type: ignore[override]
        return or_(self, other)

    def __ror__(self, other: Mapping[str, Any]) -> Expr:  # type: ignore[override]
        return or_(other, self)

    def __invert__(self) -> Expr:
        return not_(self)


def _parts(op: str, items: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for item in items:
        if not isinstance(item, Mapping):
            raise TypeError(f"{op} combines filter documents, got {type(item).__name__}")
        if len(item) == 1 and op in item:
            out.extend(item[op])
        elif item:
            out.append(dict(item))
    return out


def and_(*items: Mapping[str, Any]) -> Expr:
    """All of the filters."""
    parts = _parts("$and", items)
    return Expr(parts[0]) if len(parts) == 1 else Expr({"$and": parts})


def or_(*items: Mapping[str, Any]) -> Expr:
    """Any of the filters."""
    return Expr({"$or": _parts("$or", items)})


def not_(item: Mapping[str, Any]) -> Expr:
    """The negation: ``$not`` on one field's operators, ``$nor`` otherwise."""
    if len(item) == 1:
        ((key, value),) = item.items()
        if not key.startswith("$"):
            if isinstance(value, Mapping) and value and all(str(k).startswith("$") for k in value):
                return Expr({key: {"$not": dict(value)}})
            return Expr({key: {"$ne": value}})
    return Expr({"$nor": [dict(item)]})


def _value(value: Any) -> Any:
    return str(value) if isinstance(value, FieldPath) else value


class FieldPath:
    """A field of a Document (``User.age``, ``User.address.city``).

    ``str(path)`` is the stored name (``User.id`` is ``"_id"``).
    """

    __slots__ = ("_path",)
    __ouroboros_field_path__ = True

    def __init__(self, path: str) -> None:
        object.__setattr__(self, "_path", path)

    def __str__(self) -> str:
        return self._path

    def __repr__(self) -> str:
        return f"FieldPath({self._path!r})"

    def __hash__(self) -> int:
        return hash(self._path)

    def __getattr__(self, name: str) -> FieldPath:
        if name.startswith("__"):
            raise AttributeError(name)
        return FieldPath(f"{self._path}.{name}")

    def __getitem__(self, index: int | str) -> FieldPath:
        return FieldPath(f"{self._path}.{index}")

    # -- sorting: +User.age / -User.age
    def __pos__(self) -> tuple[str, int]:
        return (self._path, ASCENDING)

    def __neg__(self) -> tuple[str, int]:
        return (self._path, DESCENDING)

    # -- comparisons
    def __eq__(self, other: object) -> Expr:  # type: ignore[override]
        return Expr({self._path: _value(other)})

    def __ne__(self, other: object) -> Expr:  # type: ignore[override]
        return Expr({self._path: {"$ne": _value(other)}})

    def __lt__(self, other: Any) -> Expr:
        return Expr({self._path: {"$lt": _value(other)}})

    def __le__(self, other: Any) -> Expr:
        return Expr({self._path: {"$lte": _value(other)}})

    def __gt__(self, other: Any) -> Expr:
        return Expr({self._path: {"$gt": _value(other)}})

    def __ge__(self, other: Any) -> Expr:
        return Expr({self._path: {"$gte": _value(other)}})

    # -- arrays and sets
    def in_(self, values: Iterable[Any]) -> Expr:
        """The field equals one of ``values``."""
        return Expr({self._path: {"$in": _as_list(values, "in_")}})

    def not_in(self, values: Iterable[Any]) -> Expr:
        """The field equals none of ``values``."""
        return Expr({self._path: {"$nin": _as_list(values, "not_in")}})

    def all(self, values: Iterable[Any]) -> Expr:
        """The array field holds every one of ``values``."""
        return Expr({self._path: {"$all": _as_list(values, "all")}})

    def elem_match(self, condition: Mapping[str, Any]) -> Expr:
        """An element of the array field matches ``condition``."""
        if not isinstance(condition, Mapping):
            raise TypeError(f"elem_match takes a filter document, got {type(condition).__name__}")
        return Expr({self._path: {"$elemMatch": dict(condition)}})

    def size(self, length: int) -> Expr:
        """The array field has exactly ``length`` elements."""
        if not isinstance(length, int) or isinstance(length, bool) or length < 0:
            raise ValueError(f"size takes a non-negative int, got {length!r}")
        return Expr({self._path: {"$size": length}})

    # -- strings and presence
    def regex(self, pattern: str, options: str | None = None) -> Expr:
        """The string field matches ``pattern`` (``options`` such as ``"i"``)."""
        if not isinstance(pattern, str):
            raise TypeError(f"regex takes a pattern string, got {type(pattern).__name__}")
        condition: dict[str, Any] = {"$regex": pattern}
        if options:
            bad = set(options) - set("imxsu")
            if bad:
                raise ValueError(f"unknown regex option(s) {''.join(sorted(bad))!r}; use i, m, x, s or u")
            condition["$options"] = options
        return Expr({self._path: condition})

    def exists(self, present: bool = True) -> Expr:
        """The field is present (or absent with ``False``)."""
        return Expr({self._path: {"$exists": bool(present)}})

    def type_(self, bson_type: str | int) -> Expr:
        """The field holds a value of BSON type ``bson_type`` (``"string"``, 2...)."""
        return Expr({self._path: {"$type": bson_type}})

    # -- geo (GeoJSON points are [longitude, latitude])
    def near(
        self,
        longitude: float,
        latitude: float,
        max_distance: float | None = None,
        min_distance: float | None = None,
    ) -> Expr:
        """Documents near the point, nearest first (distances in meters)."""
        near: dict[str, Any] = {"$geometry": {"type": "Point", "coordinates": [_coord(longitude), _coord(latitude)]}}
        if max_distance is not None:
            near["$maxDistance"] = _distance(max_distance, "max_distance")
        if min_distance is not None:
            near["$minDistance"] = _distance(min_distance, "min_distance")
        return Expr({self._path: {"$near": near}})

    def geo_within_polygon(self, coordinates: list[list[float]]) -> Expr:
        """Inside the polygon; the ring is closed for you when it is not."""
        ring = [[_coord(p[0]), _coord(p[1])] for p in coordinates]
        if len(ring) < 3:
            raise ValueError("a polygon needs at least three points")
        if ring[0] != ring[-1]:
            ring.append(ring[0])
        return Expr({self._path: {"$geoWithin": {"$geometry": {"type": "Polygon", "coordinates": [ring]}}}})

    def geo_within_box(self, bottom_left: list[float], top_right: list[float]) -> Expr:
        """Inside the rectangle given by two corners."""
        box = [[_coord(bottom_left[0]), _coord(bottom_left[1])], [_coord(top_right[0]), _coord(top_right[1])]]
        return Expr({self._path: {"$geoWithin": {"$box": box}}})

    def geo_within_center_sphere(self, longitude: float, latitude: float, radius_radians: float) -> Expr:
        """Inside the spherical cap around the point."""
        center = [_coord(longitude), _coord(latitude)]
        return Expr({self._path: {"$geoWithin": {"$centerSphere": [center, _distance(radius_radians, "radius")]}}})


def _as_list(values: Iterable[Any], op: str) -> list[Any]:
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable):
        raise TypeError(f"{op} takes a list of values, got {type(values).__name__}")
    return [_value(v) for v in values]


def _coord(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"coordinates are numbers, got {value!r}")
    return float(value)


def _distance(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError(f"{name} must be a non-negative number, got {value!r}")
    return float(value)


def text_search(
    search: str,
    language: str | None = None,
    case_sensitive: bool | None = None,
    diacritic_sensitive: bool | None = None,
) -> Expr:
    """A ``$text`` filter (the collection needs a text index)."""
    if not isinstance(search, str):
        raise TypeError(f"text_search takes a string, got {type(search).__name__}")
    text: dict[str, Any] = {"$search": search}
    if language is not None:
        text["$language"] = language
    if case_sensitive is not None:
        text["$caseSensitive"] = bool(case_sensitive)
    if diacritic_sensitive is not None:
        text["$diacriticSensitive"] = bool(diacritic_sensitive)
    return Expr({"$text": text})
