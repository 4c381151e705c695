"""``fastapi._compat.shared``: what an annotation holds, as FastAPI asks it."""

from __future__ import annotations

import types
import typing
from collections.abc import Sequence
from typing import Any, Union, get_args, get_origin

from ouroboros.api.datastructures import UploadFile

__all__ = [
    "field_annotation_is_sequence",
    "is_bytes_or_nonable_bytes_annotation",
    "is_bytes_sequence_annotation",
    "is_uploadfile_or_nonable_uploadfile_annotation",
    "is_uploadfile_sequence_annotation",
    "sequence_annotation_origin",
]

_SEQUENCES = (list, tuple, set, frozenset, Sequence)


def _arms(annotation: Any) -> tuple[Any, ...]:
    """The members of a union (``A | B``, ``Union[A, B]``), else the annotation itself."""
    if get_origin(annotation) is typing.Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, types.UnionType):
        return get_args(annotation)
    return (annotation,)


def sequence_annotation_origin(annotation: Any) -> Any:
    """The sequence class of the first sequence arm (``list[str] | None`` -> ``list``), or None."""
    for arm in _arms(annotation):
        origin = get_origin(arm) or arm
        if isinstance(origin, type) and issubclass(origin, _SEQUENCES) and origin not in (str, bytes):
            return origin
    return None


def field_annotation_is_sequence(annotation: Any) -> bool:
    return sequence_annotation_origin(annotation) is not None


def _is(annotation: Any, target: type) -> bool:
    return any(isinstance(arm, type) and issubclass(arm, target) for arm in _arms(annotation))


def _sequence_of(annotation: Any, target: type) -> bool:
    for arm in _arms(annotation):
        origin = get_origin(arm)
        if isinstance(origin, type) and issubclass(origin, _SEQUENCES) and any(_is(a, target) for a in get_args(arm)):
            return True
    return False


def is_bytes_or_nonable_bytes_annotation(annotation: Any) -> bool:
    return _is(annotation, bytes)


def is_bytes_sequence_annotation(annotation: Any) -> bool:
    """Whether some arm of ``annotation`` is a sequence of ``bytes``."""
    return _sequence_of(annotation, bytes)


def is_uploadfile_or_nonable_uploadfile_annotation(annotation: Any) -> bool:
    return _is(annotation, UploadFile)


def is_uploadfile_sequence_annotation(annotation: Any) -> bool:
    """Whether some arm of ``annotation`` is a sequence of ``UploadFile``."""
    return _sequence_of(annotation, UploadFile)
