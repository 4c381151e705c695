"""``BaseModel`` and ``create_model`` (``pydantic.main``)."""

from ouroboros.validation._model import BaseModel, create_model

__all__ = ["BaseModel", "create_model"]
