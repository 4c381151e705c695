"""The handlers given to ``__get_pydantic_core_schema__`` / ``__get_pydantic_json_schema__``."""

from ouroboros.validation._describe import GetCoreSchemaHandler
from ouroboros.validation._json_schema import _JsonSchemaHandler as GetJsonSchemaHandler

__all__ = ["GetCoreSchemaHandler", "GetJsonSchemaHandler"]
