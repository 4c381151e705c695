"""Generic-model helpers (``pydantic._internal._generics``)."""

from __future__ import annotations

import contextlib
import contextvars
import typing
import weakref
from collections.abc import Iterator, Mapping
from typing import Any

__all__ = [
    "GenericTypesCache",
    "LimitedDict",
    "generic_recursion_self_type",
    "iter_contained_typevars",
    "recursively_defined_type_refs",
    "replace_types",
]

_LIMITED_DICT_SIZE = 100


class LimitedDict(dict[Any, Any]):
    """A dict that drops its oldest tenth once it holds more than ``size_limit`` items."""

    def __init__(self, size_limit: int = _LIMITED_DICT_SIZE) -> None:
        self.size_limit = size_limit
        super().__init__()

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(key, value)
        if len(self) > self.size_limit:
            excess = len(self) - self.size_limit + self.size_limit // 10
            for k in list(self.keys())[:excess]:
                del self[k]


class GenericTypesCache(weakref.WeakValueDictionary[Any, Any]):
    """Parametrized generic models by ``(origin, args)``, kept while in use."""


_GENERIC_TYPES_CACHE: GenericTypesCache | None = GenericTypesCache()

_recursion: contextvars.ContextVar[set[str] | None] = contextvars.ContextVar("_recursion", default=None)


def recursively_defined_type_refs() -> set[str]:
    """Names of the generic models being parametrized right now (empty outside of that)."""
    return set(_recursion.get() or ())


@contextlib.contextmanager
def generic_recursion_self_type(origin: type[Any], args: tuple[Any, ...]) -> Iterator[Any]:
    """While parametrizing ``origin[args]``: yields None, or a forward reference when it recurses."""
    seen = _recursion.get()
    token = None
    if seen is None:
        seen = set()
        token = _recursion.set(seen)
    name = f"{origin.__qualname__}[{', '.join(getattr(a, '__name__', repr(a)) for a in args)}]"
    try:
        if name in seen:
            yield typing.ForwardRef(name)
        else:
            seen.add(name)
            try:
                yield None
            finally:
                seen.discard(name)
    finally:
        if token is not None:
            _recursion.reset(token)


def iter_contained_typevars(v: Any) -> Iterator[Any]:
    """Every TypeVar inside annotation ``v`` (parametrized generic models included)."""
    if isinstance(v, typing.TypeVar):
        yield v
        return
    params = getattr(v, "__pydantic_generic_metadata__", None)
    if isinstance(params, Mapping):
        yield from params.get("parameters", ())
        return
    for arg in typing.get_args(v):
        if isinstance(arg, (list, tuple)):
            for a in arg:
                yield from iter_contained_typevars(a)
        else:
            yield from iter_contained_typevars(arg)


def replace_types(type_: Any, type_map: Mapping[Any, Any] | None) -> Any:
    """``type_`` with each TypeVar replaced by ``type_map``'s entry for it."""
    if not type_map:
        return type_
    if isinstance(type_, typing.TypeVar):
        return type_map.get(type_, type_)
    origin = typing.get_origin(type_)
    args = typing.get_args(type_)
    if origin is typing.Annotated:
        inner = replace_types(args[0], type_map)
        return typing.Annotated[(inner, *args[1:])]  # type: ignore[valid-type]
    if not args:
        params = getattr(type_, "__parameters__", ())
        if params and isinstance(type_, type):
            return type_[tuple(type_map.get(p, p) for p in params)]  # type: ignore[index]
        return type_
    new_args = tuple(
        [replace_types(a, type_map) for a in arg] if isinstance(arg, list) else replace_types(arg, type_map)
        for arg in args
    )
    if new_args == args:
        return type_
    if origin is typing.Union or type(type_).__name__ == "UnionType":
        return typing.Union[new_args]  # noqa: UP007
    if origin is not None and hasattr(type_, "copy_with"):
        return type_.copy_with(new_args)
    try:
        return type_.__origin__[new_args] if hasattr(type_, "__origin__") else type_
    except TypeError:
        return type_
