"""``RootModel``: a model whose value is one typed ``root`` (``RootModel[list[int]]``)."""

from __future__ import annotations

import copy
import json
from typing import Any, Generic, TypeVar

from ouroboros.validation._decorators import model_serializer
from ouroboros.validation._fields import PYDANTIC_UNDEFINED
from ouroboros.validation._model import BaseModel

__all__ = ["RootModel"]

RootModelRootType = TypeVar("RootModelRootType")


class RootModel(BaseModel, Generic[RootModelRootType]):
    """Validate and dump a bare value with a model's API.

    ``RootModel[list[int]]([1, "2"]).root == [1, 2]``; ``model_dump()`` returns
    the root value itself, and as a field of another model it is given and
    dumped as its value.
    """

    __ouroboros_root_model__ = True
    root: RootModelRootType

    def __init__(self, /, root: Any = PYDANTIC_UNDEFINED, **data: Any) -> None:
        if data:
            if root is not PYDANTIC_UNDEFINED:
                raise ValueError(
                    '"RootModel.__init__" accepts either a single positional argument or arbitrary keyword arguments'
                )
            root = data
        # The value itself is the model's input (the Rust model knows it is a root model).
        type(self).__ouroboros_validator__.validate_init(self, root)

    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    @model_serializer
    def _ouroboros_dump_root(self) -> Any:
        return self.root

    @classmethod
    def model_construct(cls, root: Any, _fields_set: set[str] | None = None) -> Any:  # type: ignore[override]
        return super().model_construct(_fields_set, root=root)

    def model_dump_json(self, *, indent: int | None = None, **kwargs: Any) -> str:  # type: ignore[override]
        out = super().model_dump_json(**kwargs)
        return out if indent is None else json.dumps(json.loads(out), indent=indent, ensure_ascii=False)

    def __copy__(self) -> Any:
        """A shallow copy whose root value is copied too (as Pydantic's, pydantic#12543)."""
        m = super().__copy__()
        m.__dict__["root"] = copy.copy(self.__dict__["root"])
        return m

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RootModel):
            return NotImplemented
        # The same root type, then BaseModel's comparison (class, value, private attributes).
        same_type = type(self).model_fields["root"].annotation == type(other).model_fields["root"].annotation
        return same_type and super().__eq__(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr_args__(self) -> list[tuple[str, Any]]:
        return [("root", self.root)]
