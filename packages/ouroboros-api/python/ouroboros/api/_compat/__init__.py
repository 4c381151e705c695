"""The names of ``fastapi._compat`` that applications and tests import.

FastAPI keeps its Pydantic-version switches here; ouroboros.api runs on one
engine, ouroboros.validation, and reports the Pydantic API level it implements.
"""

from __future__ import annotations

from ouroboros.api._compat.shared import is_bytes_sequence_annotation, is_uploadfile_sequence_annotation
from ouroboros.validation.core import PydanticUndefined
from ouroboros.validation.version import VERSION

__all__ = [
    "PYDANTIC_V2",
    "PYDANTIC_VERSION_MINOR_TUPLE",
    "Undefined",
    "is_bytes_sequence_annotation",
    "is_uploadfile_sequence_annotation",
]

PYDANTIC_VERSION_MINOR_TUPLE: tuple[int, int] = (int(VERSION.split(".")[0]), int(VERSION.split(".")[1]))
PYDANTIC_V2 = True
Undefined = PydanticUndefined
