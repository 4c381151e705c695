"""``Representation``: the repr/str/rich/devtools helpers models share (``pydantic._internal._repr``)."""

from __future__ import annotations

import types
import typing
from collections.abc import Generator, Iterable
from typing import Any

__all__ = ["Representation", "display_as_type"]

ReprArgs = Iterable[tuple[str | None, Any]]


class PlainRepr(str):
    """A string whose repr is itself (no quotes)."""

    def __repr__(self) -> str:
        return str(self)


class Representation:
    """Mixin: ``__repr_args__`` drives ``repr()``, ``str()``, rich and devtools output."""

    __slots__ = ()

    def __repr_args__(self) -> ReprArgs:
        attrs = getattr(self, "__slots__", None) or getattr(self, "__dict__", {}).keys()
        return [(a, getattr(self, a)) for a in attrs if hasattr(self, a)]

    def __repr_name__(self) -> str:
        return self.__class__.__name__

    def __repr_str__(self, join_str: str) -> str:
        return join_str.join(repr(v) if a is None else f"{a}={v!r}" for a, v in self.__repr_args__())

    def __pretty__(self, fmt: Any, **kwargs: Any) -> Generator[Any, None, None]:
        yield self.__repr_name__() + "("
        yield 1
        for name, value in self.__repr_args__():
            if name is not None:
                yield name + "="
            yield fmt(value)
            yield ","
            yield 0
        yield -1
        yield ")"

    def __rich_repr__(self) -> Generator[Any, None, None]:
        for name, field_repr in self.__repr_args__():
            if name is None:
                yield field_repr
            else:
                yield name, field_repr

    def __str__(self) -> str:
        return self.__repr_str__(" ")

    def __repr__(self) -> str:
        return f"{self.__repr_name__()}({self.__repr_str__(', ')})"


def display_as_type(obj: Any) -> str:
    """A readable name of a type: ``List[int]``, ``Union[int, str]``, ``Literal['a']``."""
    if isinstance(obj, (types.FunctionType, types.BuiltinFunctionType)):
        return obj.__name__
    if obj is ...:
        return "..."
    if isinstance(obj, Representation):
        return repr(obj)
    if isinstance(obj, typing.ForwardRef) or _is_type_alias(obj):
        return str(obj)
    if not isinstance(obj, (type, typing._Final, types.GenericAlias, types.UnionType)):  # type: ignore[attr-defined]
        obj = obj.__class__
    origin = typing.get_origin(obj)
    if origin is typing.Union or origin is types.UnionType:
        args = ", ".join(map(display_as_type, typing.get_args(obj)))
        return f"Union[{args}]"
    if origin is typing.Literal:
        return f"Literal[{', '.join(repr(a) for a in typing.get_args(obj))}]"
    if isinstance(obj, (types.GenericAlias, typing._GenericAlias)):  # type: ignore[attr-defined]
        args = ", ".join(map(_display_type_arg, typing.get_args(obj)))
        try:
            return f"{obj.__qualname__}[{args}]"
        except AttributeError:
            return str(obj).replace("typing.", "").replace("typing_extensions.", "")
    if isinstance(obj, type):
        return obj.__qualname__
    return repr(obj).replace("typing.", "").replace("typing_extensions.", "")


def _display_type_arg(arg: Any) -> str:
    # Callable[[int, str], bool] has its parameters as a list.
    if isinstance(arg, list):
        return f"[{', '.join(map(display_as_type, arg))}]"
    return display_as_type(arg)


def _is_type_alias(obj: Any) -> bool:
    import typing_extensions

    kinds = (typing_extensions.TypeAliasType, getattr(typing, "TypeAliasType", typing_extensions.TypeAliasType))
    return isinstance(obj, kinds)
