"""``TypeAdapter`` (``pydantic.type_adapter``)."""

from ouroboros.validation._type_adapter import TypeAdapter

__all__ = ["TypeAdapter"]
