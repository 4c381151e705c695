"""The model metaclass at the path Pydantic keeps it (``pydantic._internal._model_construction``)."""

from __future__ import annotations

import weakref
from typing import Any

from ouroboros.validation._model import ModelMetaclass

__all__ = ["ModelMetaclass"]


class _PydanticWeakRef:
    """A weak reference that pickles as the object it points to (or None once it is gone)."""

    def __init__(self, obj: Any) -> None:
        if obj is None:
            self._wr = None
        else:
            self._wr = weakref.ref(obj)

    def __call__(self) -> Any:
        return None if self._wr is None else self._wr()

    def __reduce__(self) -> tuple[Any, ...]:
        return _PydanticWeakRef, (self(),)
