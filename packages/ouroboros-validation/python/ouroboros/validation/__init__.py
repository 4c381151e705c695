"""ouroboros.validation: Pydantic-v2-compatible models validated in Rust.

Replace ``from pydantic import BaseModel, Field`` with
``from ouroboros.validation import BaseModel, Field``: validation,
``model_dump`` and JSON parsing/writing run in the Rust core
(``ouroboros-schema``), with no pydantic installed.
"""

from ouroboros.validation._config import ConfigDict
from ouroboros.validation._decorators import (
    SerializationInfo,
    ValidationInfo,
    computed_field,
    field_serializer,
    field_validator,
    model_serializer,
    model_validator,
)
from ouroboros.validation._errors import PydanticCustomError, ValidationError
from ouroboros.validation._fields import Field, FieldInfo, PrivateAttr
from ouroboros.validation._model import BaseModel, PydanticUserError, create_model
from ouroboros.validation._type_adapter import TypeAdapter
from ouroboros.validation._types import (
    AfterValidator,
    AnyHttpUrl,
    AnyUrl,
    BeforeValidator,
    EmailStr,
    HttpUrl,
    NegativeFloat,
    NegativeInt,
    NonNegativeFloat,
    NonNegativeInt,
    NonPositiveFloat,
    NonPositiveInt,
    PlainValidator,
    PositiveFloat,
    PositiveInt,
    Strict,
    StrictBool,
    StrictBytes,
    StrictFloat,
    StrictInt,
    StrictStr,
    Url,
    WrapValidator,
    confloat,
    conint,
    conlist,
    constr,
)
from ouroboros.validation._validation import SCHEMA_FORMAT_VERSION, SchemaValidator, __version__

__all__ = [
    "SCHEMA_FORMAT_VERSION",
    "AfterValidator",
    "AnyHttpUrl",
    "AnyUrl",
    "BaseModel",
    "BeforeValidator",
    "ConfigDict",
    "EmailStr",
    "Field",
    "FieldInfo",
    "HttpUrl",
    "NegativeFloat",
    "NegativeInt",
    "NonNegativeFloat",
    "NonNegativeInt",
    "NonPositiveFloat",
    "NonPositiveInt",
    "PlainValidator",
    "PositiveFloat",
    "PositiveInt",
    "PrivateAttr",
    "PydanticCustomError",
    "PydanticUserError",
    "SchemaValidator",
    "SerializationInfo",
    "Strict",
    "StrictBool",
    "StrictBytes",
    "StrictFloat",
    "StrictInt",
    "StrictStr",
    "TypeAdapter",
    "Url",
    "ValidationError",
    "ValidationInfo",
    "WrapValidator",
    "__version__",
    "computed_field",
    "confloat",
    "conint",
    "conlist",
    "constr",
    "create_model",
    "field_serializer",
    "field_validator",
    "model_serializer",
    "model_validator",
]
