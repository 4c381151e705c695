"""The v1 helpers ``pydantic.utils`` used to export (``pydantic.v1.utils``).

v2 has no counterpart for them; v1 code importing them from ``pydantic.utils``
is sent here with a deprecation warning (see ``ouroboros.validation._migration``).
"""

from __future__ import annotations

import copy
import importlib
from collections import deque
from collections.abc import Iterator, Mapping
from types import GeneratorType
from typing import Any, TypeVar

__all__ = [
    "ROOT_KEY",
    "GetterDict",
    "Representation",
    "deep_update",
    "import_string",
    "is_valid_field",
    "lenient_isinstance",
    "lenient_issubclass",
    "sequence_like",
    "smart_deepcopy",
    "update_not_none",
]

#: The field name v1's custom root types used.
ROOT_KEY = "__root__"

_K = TypeVar("_K")

# Values deepcopy would only copy for nothing: immutable, or classes and functions.
_IMMUTABLE = (int, float, complex, str, bytes, bool, type(None), type, range, frozenset)
_EMPTY_COPYABLE = (list, set, dict, tuple, deque, bytearray)


def import_string(dotted_path: str) -> Any:
    """``"package.module.Name"`` -> the object; ``ImportError`` naming the path if it is not there."""
    try:
        module_path, name = dotted_path.strip(" ").rsplit(".", 1)
    except ValueError as exc:
        raise ImportError(f'"{dotted_path}" doesn\'t look like a module path') from exc
    module = importlib.import_module(module_path)
    try:
        return getattr(module, name)
    except AttributeError as exc:
        raise ImportError(f'Module "{module_path}" does not define a "{name}" attribute') from exc


def lenient_isinstance(o: Any, class_or_tuple: Any) -> bool:
    """``isinstance`` that answers ``False`` where it would raise ``TypeError``."""
    try:
        return isinstance(o, class_or_tuple)
    except TypeError:
        return False


def lenient_issubclass(cls: Any, class_or_tuple: Any) -> bool:
    """``issubclass`` that answers ``False`` for non-classes instead of raising."""
    try:
        return isinstance(cls, type) and issubclass(cls, class_or_tuple)
    except TypeError:
        return False


def sequence_like(v: Any) -> bool:
    """Whether ``v`` is a list, tuple, set, frozenset, generator or deque."""
    return isinstance(v, (list, tuple, set, frozenset, GeneratorType, deque))


def is_valid_field(name: str) -> bool:
    """A v1 field name: no leading underscore, except the custom-root key."""
    return not name.startswith("_") or name == ROOT_KEY


def deep_update(mapping: dict[_K, Any], *updating_mappings: dict[_K, Any]) -> dict[_K, Any]:
    """A copy of ``mapping`` with the updates merged in, nested dicts merged rather than replaced."""
    merged = mapping.copy()
    for update in updating_mappings:
        for key, value in update.items():
            if isinstance(merged.get(key), dict) and isinstance(value, dict):
                merged[key] = deep_update(merged[key], value)
            else:
                merged[key] = value
    return merged


def update_not_none(mapping: dict[Any, Any], **update: Any) -> None:
    """``mapping.update`` with the keyword arguments that are not ``None``."""
    mapping.update({key: value for key, value in update.items() if value is not None})


def smart_deepcopy(obj: Any) -> Any:
    """``copy.deepcopy``, skipped for immutable values and empty builtin collections."""
    kind = type(obj)
    if kind in _IMMUTABLE:
        return obj
    if not obj and kind in _EMPTY_COPYABLE:
        return obj if kind is tuple else obj.copy()
    return copy.deepcopy(obj)


class Representation:
    """v1's base for readable ``repr``/``str``: subclasses list their fields in ``__repr_args__``."""

    __slots__: tuple[str, ...] = ()

    def __repr_args__(self) -> list[tuple[str | None, Any]]:
        names = self.__slots__ or tuple(getattr(self, "__dict__", {}))
        return [(name, getattr(self, name)) for name in names if not name.startswith("_")]

    def __repr_name__(self) -> str:
        return type(self).__name__

    def __repr_str__(self, join_str: str) -> str:
        return join_str.join(repr(v) if a is None else f"{a}={v!r}" for a, v in self.__repr_args__())

    def __str__(self) -> str:
        return self.__repr_str__(" ")

    def __repr__(self) -> str:
        return f"{self.__repr_name__()}({self.__repr_str__(', ')})"


class GetterDict(Representation):
    """A read-only mapping view of an arbitrary object's attributes (v1's ``orm_mode`` input)."""

    __slots__ = ("_obj",)

    def __init__(self, obj: Any) -> None:
        self._obj = obj

    def __getitem__(self, key: str) -> Any:
        try:
            return getattr(self._obj, key)
        except AttributeError as exc:
            raise KeyError(key) from exc

    def get(self, key: Any, default: Any = None) -> Any:
        return getattr(self._obj, key, default)

    def extra_keys(self) -> set[Any]:
        """Keys beyond the model's fields (none: an object has no extras)."""
        return set()

    def keys(self) -> list[Any]:
        return list(self)

    def values(self) -> list[Any]:
        return [self[k] for k in self]

    def items(self) -> Iterator[tuple[str, Any]]:
        for k in self:
            yield k, self.get(k)

    def __iter__(self) -> Iterator[str]:
        for name in dir(self._obj):
            if not name.startswith("_"):
                yield name

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __contains__(self, item: Any) -> bool:
        return item in self.keys()

    def __eq__(self, other: Any) -> bool:
        return dict(self) == dict(other.items()) if isinstance(other, (Mapping, GetterDict)) else NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr_args__(self) -> list[tuple[str | None, Any]]:
        return [(None, dict(self))]

    def __repr_name__(self) -> str:
        return f"GetterDict[{type(self._obj).__name__}]"
