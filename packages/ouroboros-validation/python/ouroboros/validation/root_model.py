"""``RootModel``: a model whose value is one typed ``root`` (``RootModel[list[int]]``)."""

from __future__ import annotations

import json
from typing import Any, Generic, TypeVar

from ouroboros.validation._decorators import model_serializer, model_validator
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
        type(self).__ouroboros_validator__.validate_init(
            self, _Boxed({} if root is PYDANTIC_UNDEFINED else {"root": root})
        )

    @model_validator(mode="before")
    @classmethod
    def _ouroboros_wrap_root(cls, value: Any) -> Any:
        # model_validate(value) and nested fields give the bare value; __init__ gives {"root": value}.
        if isinstance(value, _Boxed):
            return value.data
        return {"root": value}

    @model_serializer
    def _ouroboros_dump_root(self) -> Any:
        return self.root

    @classmethod
    def model_construct(cls, root: Any, _fields_set: set[str] | None = None) -> Any:  # type: ignore[override]
        return super().model_construct(_fields_set, root=root)

    def model_dump_json(self, *, indent: int | None = None, **kwargs: Any) -> str:  # type: ignore[override]
        out = super().model_dump_json(**kwargs)
        return out if indent is None else json.dumps(json.loads(out), indent=indent, ensure_ascii=False)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, RootModel)
            and type(self).model_fields == type(other).model_fields
            and self.root == other.root
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr_args__(self) -> list[tuple[str, Any]]:
        return [("root", self.root)]


class _Boxed:
    """``__init__``'s keyword data, told apart from a bare root value that is a dict."""

    __slots__ = ("data",)

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
