"""``BaseModel`` and ``create_model`` (``pydantic.main``)."""

from ouroboros.validation._migration import getattr_migration
from ouroboros.validation._model import BaseModel, create_model

__all__ = ["BaseModel", "create_model"]

__getattr__ = getattr_migration(__name__)
