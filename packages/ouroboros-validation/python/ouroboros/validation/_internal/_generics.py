"""Generic-model helpers (``pydantic._internal._generics``)."""

from __future__ import annotations

import contextlib
import contextvars
import sys
import typing
import weakref
from collections.abc import Iterator, Mapping
from typing import Any

__all__ = [
    "GenericTypesCache",
    "LimitedDict",
    "PydanticRecursiveRef",
    "generic_recursion_self_type",
    "get_cached_generic_type_early",
    "get_cached_generic_type_late",
    "iter_contained_typevars",
    "recursively_defined_type_refs",
    "replace_types",
    "set_cached_generic_type",
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


def _union_orderings_key(values: Any) -> Any:
    """The member order of each top-level union among ``values``: ``typing`` compares
    ``Union[int, float]`` equal to ``Union[float, int]``, but the first member that fits wins."""
    if isinstance(values, tuple):
        return tuple(_union_orderings_key(v) for v in values)
    origin = typing.get_origin(values)
    if origin is typing.Union or type(values).__name__ == "UnionType":
        return typing.get_args(values)
    return ()


def _cache_get(key: Any) -> Any:
    cache = _GENERIC_TYPES_CACHE
    if cache is None:
        return None
    try:
        return cache.get(key)
    except TypeError:  # an unhashable argument (``Callable[[int], str]``'s list)
        return None


def _cache_set(key: Any, value: Any) -> None:
    cache = _GENERIC_TYPES_CACHE
    if cache is not None:
        with contextlib.suppress(TypeError):
            cache[key] = value


def get_cached_generic_type_early(parent: Any, typevar_values: Any) -> Any:
    """``parent[typevar_values]`` made before, looked up by the arguments as given (the quick key)."""
    return _cache_get((parent, typevar_values, _union_orderings_key(typevar_values)))


def get_cached_generic_type_late(parent: Any, typevar_values: Any, origin: Any, args: tuple[Any, ...]) -> Any:
    """The model ``origin[args]`` made before by another route (``Model[list[T]][int]`` is
    ``Model[list[int]]``); found, it is also cached under ``parent``'s quick key."""
    found = _cache_get((_union_orderings_key(typevar_values), origin, args))
    if found is not None:
        set_cached_generic_type(parent, typevar_values, found, origin, args)
    return found


def set_cached_generic_type(
    parent: Any, typevar_values: tuple[Any, ...], type_: Any, origin: Any = None, args: tuple[Any, ...] | None = None
) -> None:
    """Remember ``parent[typevar_values]`` (a single argument also under itself, unwrapped)."""
    _cache_set((parent, typevar_values, _union_orderings_key(typevar_values)), type_)
    if len(typevar_values) == 1:
        _cache_set((parent, typevar_values[0], _union_orderings_key(typevar_values[0])), type_)
    if origin is not None and args:
        _cache_set((_union_orderings_key(typevar_values), origin, args), type_)


def _get_caller_frame_info(depth: int = 2) -> tuple[str | None, bool]:
    """``(module name, called at module level)`` of the frame ``depth`` levels up."""
    try:
        frame = sys._getframe(depth)
    except ValueError as exc:
        raise RuntimeError("This function must be used inside another function") from exc
    except AttributeError:  # an interpreter without sys._getframe
        return None, False
    return frame.f_globals.get("__name__"), frame.f_locals is frame.f_globals


_recursion: contextvars.ContextVar[set[str] | None] = contextvars.ContextVar("_recursion", default=None)


def recursively_defined_type_refs() -> set[str]:
    """Names of the generic models being parametrized right now (empty outside of that)."""
    return set(_recursion.get() or ())


class PydanticRecursiveRef:
    """Stands for the generic model ``origin[args]`` while that parametrization is being
    made (one of its fields refers back to it); resolved to the class when described."""

    def __init__(self, origin: Any, args: tuple[Any, ...], type_ref: str) -> None:
        self.origin = origin
        self.args = args
        self.type_ref = type_ref

    def resolve(self) -> Any:
        return self.origin[self.args if len(self.args) != 1 else self.args[0]]

    def __call__(self) -> None:
        """Callable, so ``typing`` takes it as a member of a ``Union``."""

    def __or__(self, other: Any) -> Any:
        return typing.Union[self, other]  # noqa: UP007

    def __ror__(self, other: Any) -> Any:
        return typing.Union[other, self]  # noqa: UP007

    def __repr__(self) -> str:
        return f"PydanticRecursiveRef(type_ref={self.type_ref!r})"


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
            yield PydanticRecursiveRef(origin, args, name)
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
