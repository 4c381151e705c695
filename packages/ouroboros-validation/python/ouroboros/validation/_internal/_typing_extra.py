"""Typing helpers at the path Pydantic keeps them (``pydantic._internal._typing_extra``)."""

from __future__ import annotations

import collections.abc
import sys
import typing
from typing import Any, ClassVar

__all__ = [
    "NoneType",
    "annotated_type",
    "get_function_type_hints",
    "get_origin",
    "is_annotated",
    "is_classvar_annotation",
    "is_namedtuple",
    "parent_frame_namespace",
    "safe_get_annotations",
]

NoneType = type(None)


def is_annotated(tp: Any) -> bool:
    """Whether ``tp`` is ``Annotated[...]``."""
    return typing.get_origin(tp) is typing.Annotated


def annotated_type(tp: Any) -> Any | None:
    """``T`` of ``Annotated[T, ...]``, else None."""
    return tp.__origin__ if is_annotated(tp) else None


def get_origin(tp: Any) -> Any | None:
    """``typing.get_origin``, except that ``Annotated[T, ...]`` gives ``Annotated`` too."""
    return typing.get_origin(tp)


def safe_get_annotations(cls: type[Any]) -> dict[str, Any]:
    """The annotations defined on ``cls`` itself (not its bases); {} when reading them fails."""
    try:
        import inspect

        return dict(inspect.get_annotations(cls))
    except Exception:  # noqa: BLE001 - an annotation that cannot be read counts as none
        return {}


def is_classvar_annotation(tp: Any) -> bool:
    """Whether ``tp`` is ``ClassVar`` or ``ClassVar[...]`` (also as a string)."""
    if tp is ClassVar or typing.get_origin(tp) is ClassVar:
        return True
    if isinstance(tp, typing.ForwardRef):
        tp = tp.__forward_arg__
    return isinstance(tp, str) and (tp.startswith(("ClassVar[", "typing.ClassVar[")) or tp in ("ClassVar",))


def is_namedtuple(tp: Any) -> bool:
    """Whether ``tp`` is a ``NamedTuple`` class."""
    return isinstance(tp, type) and issubclass(tp, tuple) and hasattr(tp, "_fields")


def parent_frame_namespace(*, parent_depth: int = 2, force: bool = False) -> dict[str, Any] | None:
    """The local namespace of the caller's caller (None at module level unless ``force``)."""
    frame = sys._getframe(parent_depth)
    if not force and frame.f_back is None:
        return None
    if not force and frame.f_locals is frame.f_globals:
        return None
    return dict(frame.f_locals)


def get_function_type_hints(
    function: collections.abc.Callable[..., Any],
    *,
    include_keys: set[str] | None = None,
    globalns: dict[str, Any] | None = None,
    localns: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Resolved annotations of ``function`` (``return`` included)."""
    hints = typing.get_type_hints(function, globalns=globalns, localns=localns, include_extras=True)
    if include_keys is not None:
        hints = {k: v for k, v in hints.items() if k in include_keys}
    return hints
