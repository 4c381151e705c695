"""Small helpers at the path Pydantic keeps them (``pydantic._internal._utils``)."""

from __future__ import annotations

import collections
import itertools
import types
from collections.abc import Callable, Iterable, Mapping
from copy import deepcopy
from typing import Any, Generic, TypeVar

__all__ = [
    "BUILTIN_COLLECTIONS",
    "IMMUTABLE_NON_COLLECTIONS_TYPES",
    "LazyClassAttribute",
    "ValueItems",
    "all_identical",
    "deep_update",
    "is_model_class",
    "lenient_issubclass",
    "smart_deepcopy",
    "unique_list",
]

T = TypeVar("T")
KeyType = TypeVar("KeyType")

IMMUTABLE_NON_COLLECTIONS_TYPES: set[type[Any]] = {
    int,
    float,
    complex,
    str,
    bool,
    bytes,
    type,
    type(None),
    types.FunctionType,
    types.BuiltinFunctionType,
    types.LambdaType,
    types.MethodType,
    types.ModuleType,
    type(Ellipsis),
    type(NotImplemented),
}
BUILTIN_COLLECTIONS: set[type[Any]] = {
    list,
    set,
    tuple,
    frozenset,
    dict,
    collections.OrderedDict,
    collections.defaultdict,
    collections.deque,
}


def lenient_issubclass(cls: Any, class_or_tuple: Any) -> bool:
    """``issubclass`` that answers False (instead of raising) for non-classes."""
    try:
        return isinstance(cls, type) and issubclass(cls, class_or_tuple)
    except TypeError:
        if isinstance(cls, types.GenericAlias):
            return False
        raise


def is_model_class(cls: Any) -> bool:
    """Whether ``cls`` is a model class: a ``BaseModel`` subclass, not ``BaseModel`` itself."""
    from ouroboros.validation import BaseModel

    return cls is not BaseModel and lenient_issubclass(cls, BaseModel)


def deep_update(mapping: dict[KeyType, Any], *updating_mappings: dict[KeyType, Any]) -> dict[KeyType, Any]:
    """A copy of ``mapping`` with the others merged in, nested dicts merged key by key."""
    updated = mapping.copy()
    for updating in updating_mappings:
        for k, v in updating.items():
            if k in updated and isinstance(updated[k], dict) and isinstance(v, dict):
                updated[k] = deep_update(updated[k], v)
            else:
                updated[k] = v
    return updated


def smart_deepcopy(obj: T) -> T:
    """``deepcopy``, skipped for immutable values and empty builtin collections."""
    cls = obj.__class__
    if cls in IMMUTABLE_NON_COLLECTIONS_TYPES:
        return obj
    try:
        if not obj and cls in BUILTIN_COLLECTIONS:
            return obj if cls is tuple else obj.copy()  # type: ignore[attr-defined]
    except (TypeError, ValueError, RuntimeError):
        pass
    # Looked up in this module at call time (tests and tools may replace it).
    return deepcopy(obj)


def all_identical(left: Iterable[Any], right: Iterable[Any]) -> bool:
    """Whether both iterables hold the very same objects (``is``), in order and equally many."""
    missing = object()
    return all(a is b for a, b in itertools.zip_longest(left, right, fillvalue=missing))


def unique_list(input_list: list[T] | tuple[T, ...], *, name_factory: Callable[[T], str] = str) -> list[T]:
    """Items in order without repeats by ``name_factory``; a later repeat replaces the earlier one."""
    result: list[T] = []
    names: dict[str, int] = {}
    for v in input_list:
        name = name_factory(v)
        if name in names:
            result[names[name]] = v
        else:
            names[name] = len(result)
            result.append(v)
    return result


class LazyClassAttribute(Generic[T]):
    """A class attribute computed by ``get_value`` on first access."""

    def __init__(self, name: str, get_value: Callable[[], T]) -> None:
        self.name = name
        self.get_value = get_value
        self._value: Any = _UNSET

    def __get__(self, instance: Any, owner: type[Any]) -> T:
        if instance is None:
            if self._value is _UNSET:
                self._value = self.get_value()
            return self._value  # type: ignore[no-any-return]
        raise AttributeError(f"{self.name!r} attribute of {owner.__name__!r} is class-only")


_UNSET = object()


class ValueItems:
    """``include``/``exclude`` settings of one collection, indexes normalised (v1 helper)."""

    __slots__ = ("_items",)

    def __init__(self, value: Any, items: Any) -> None:
        items = self._coerce_items(items)
        if isinstance(value, (list, tuple)):
            items = self._normalize_indexes(items, len(value))
        self._items: Mapping[Any, Any] = items

    def is_excluded(self, item: Any) -> bool:
        return self.is_true(self._items.get(item))

    def is_included(self, item: Any) -> bool:
        return item in self._items

    def for_element(self, e: Any) -> Any:
        item = self._items.get(e)
        return item if not self.is_true(item) else None

    def _normalize_indexes(self, items: Mapping[Any, Any], v_length: int) -> dict[Any, Any]:
        normalized: dict[Any, Any] = {}
        all_items = None
        for i, v in items.items():
            if not (isinstance(v, (Mapping, set, frozenset)) or self.is_true(v)):
                raise TypeError(f"Unexpected type of exclude value for index {i!r} {v.__class__}")
            if i == "__all__":
                all_items = self._coerce_value(v)
                continue
            if not isinstance(i, int):
                raise TypeError(
                    "Excluding fields from a sequence of sub-models or dicts must be performed index-wise: "
                    'expected integer keys or keyword "__all__"'
                )
            index = v_length + i if i < 0 else i
            normalized[index] = self.merge(v, normalized.get(index))
        if not all_items:
            return normalized
        if self.is_true(all_items):
            for i in range(v_length):
                normalized.setdefault(i, ...)
            return normalized
        for i in range(v_length):
            item = normalized.setdefault(i, {})
            if not self.is_true(item):
                normalized[i] = self.merge(all_items, item)
        return normalized

    @classmethod
    def merge(cls, base: Any, override: Any, intersect: bool = False) -> Any:
        """Two include/exclude settings in one (``intersect``: only what both name)."""
        override = cls._coerce_value(override)
        base = cls._coerce_value(base)
        if override is None:
            return base
        if cls.is_true(base) or base is None:
            return override
        if cls.is_true(override):
            return base if intersect else override
        if intersect:
            keys = [k for k in base if k in override] + [k for k in override if k in base]
        else:
            keys = list(base) + [k for k in override if k not in base]
        merged: dict[Any, Any] = {}
        for k in keys:
            merged_item = cls.merge(base.get(k), override.get(k), intersect=intersect)
            if merged_item is not None:
                merged[k] = merged_item
        return merged

    @staticmethod
    def _coerce_items(items: Any) -> Mapping[Any, Any]:
        if isinstance(items, Mapping):
            return items
        if isinstance(items, (set, frozenset)):
            return dict.fromkeys(items, ...)
        raise TypeError(f"Unexpected type of exclude value {items.__class__}")

    @classmethod
    def _coerce_value(cls, value: Any) -> Any:
        if value is None or cls.is_true(value):
            return value
        return cls._coerce_items(value)

    @staticmethod
    def is_true(v: Any) -> bool:
        return v is True or v is ...

    def __repr_args__(self) -> list[tuple[str | None, Any]]:
        return [(None, self._items)]

    def __repr__(self) -> str:
        return f"ValueItems({self._items!r})"
