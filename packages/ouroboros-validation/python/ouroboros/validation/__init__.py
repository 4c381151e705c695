"""ouroboros.validation: Pydantic-v2-compatible models validated in Rust.

Replace ``from pydantic import BaseModel, Field`` with
``from ouroboros.validation import BaseModel, Field``: validation,
``model_dump`` and JSON parsing/writing run in the Rust core
(``ouroboros-schema``), with no pydantic installed.
"""

from ouroboros.validation import dataclasses, errors, json_schema, networks, types, warnings
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
from ouroboros.validation._deprecated import parse_obj_as, root_validator, validator
from ouroboros.validation._discriminator import Discriminator, Tag
from ouroboros.validation._errors import PydanticCustomError, ValidationError
from ouroboros.validation._fields import MISSING, Field, FieldInfo, PrivateAttr
from ouroboros.validation._model import BaseModel, PydanticUserError, create_model
from ouroboros.validation._more_types import (
    UUID1,
    UUID3,
    UUID4,
    UUID5,
    UUID6,
    UUID7,
    UUID8,
    AllowInfNan,
    AwareDatetime,
    Base64Bytes,
    Base64Str,
    Base64UrlBytes,
    Base64UrlStr,
    ByteSize,
    DirectoryPath,
    FailFast,
    FilePath,
    FiniteFloat,
    FutureDate,
    FutureDatetime,
    GetPydanticSchema,
    ImportString,
    InstanceOf,
    Json,
    JsonValue,
    NaiveDatetime,
    NewPath,
    OnErrorOmit,
    PastDate,
    PastDatetime,
    Secret,
    SecretBytes,
    SecretStr,
    SkipValidation,
    SocketPath,
    StringConstraints,
    UuidVersion,
    ValidateAs,
    conbytes,
    condate,
    condecimal,
    confrozenset,
    conset,
)
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
from ouroboros.validation.aliases import AliasChoices, AliasGenerator, AliasPath
from ouroboros.validation.annotated_handlers import GetCoreSchemaHandler, GetJsonSchemaHandler
from ouroboros.validation.config import BaseConfig, Extra, with_config
from ouroboros.validation.core.core_schema import (
    FieldSerializationInfo,
    SerializerFunctionWrapHandler,
    ValidatorFunctionWrapHandler,
)
from ouroboros.validation.errors import (
    PydanticErrorCodes,
    PydanticForbiddenQualifier,
    PydanticImportError,
    PydanticInvalidForJsonSchema,
    PydanticSchemaGenerationError,
    PydanticUndefinedAnnotation,
)
from ouroboros.validation.functional_serializers import PlainSerializer, SerializeAsAny, WrapSerializer
from ouroboros.validation.functional_validators import ModelWrapValidatorHandler
from ouroboros.validation.json_schema import WithJsonSchema
from ouroboros.validation.networks import (
    AmqpDsn,
    AnyWebsocketUrl,
    ClickHouseDsn,
    CockroachDsn,
    FileUrl,
    FtpUrl,
    IPvAnyAddress,
    IPvAnyInterface,
    IPvAnyNetwork,
    KafkaDsn,
    MariaDBDsn,
    MongoDsn,
    MySQLDsn,
    NameEmail,
    NatsDsn,
    PostgresDsn,
    RedisDsn,
    SnowflakeDsn,
    UrlConstraints,
    WebsocketUrl,
    validate_email,
)
from ouroboros.validation.root_model import RootModel
from ouroboros.validation.types import (
    Base64Encoder,
    EncodedBytes,
    EncodedStr,
    EncoderProtocol,
    PaymentCardNumber,
)
from ouroboros.validation.validate_call_decorator import validate_call
from ouroboros.validation.version import VERSION
from ouroboros.validation.warnings import (
    PydanticDeprecatedSince20,
    PydanticDeprecatedSince26,
    PydanticDeprecatedSince29,
    PydanticDeprecatedSince210,
    PydanticDeprecatedSince211,
    PydanticDeprecatedSince212,
    PydanticDeprecatedSince213,
    PydanticDeprecatedSince214,
    PydanticDeprecationWarning,
    PydanticExperimentalWarning,
)

__all__ = [
    "MISSING",
    "SCHEMA_FORMAT_VERSION",
    "UUID1",
    "UUID3",
    "UUID4",
    "UUID5",
    "UUID6",
    "UUID7",
    "UUID8",
    "VERSION",
    "AfterValidator",
    "AliasChoices",
    "AliasGenerator",
    "AliasPath",
    "AllowInfNan",
    "AmqpDsn",
    "AnyHttpUrl",
    "AnyUrl",
    "AnyWebsocketUrl",
    "AwareDatetime",
    "Base64Bytes",
    "Base64Encoder",
    "Base64Str",
    "Base64UrlBytes",
    "Base64UrlStr",
    "BaseConfig",
    "BaseModel",
    "BeforeValidator",
    "ByteSize",
    "ClickHouseDsn",
    "CockroachDsn",
    "ConfigDict",
    "DirectoryPath",
    "Discriminator",
    "EmailStr",
    "EncodedBytes",
    "EncodedStr",
    "EncoderProtocol",
    "Extra",
    "FailFast",
    "Field",
    "FieldInfo",
    "FieldSerializationInfo",
    "FilePath",
    "FileUrl",
    "FiniteFloat",
    "FtpUrl",
    "FutureDate",
    "FutureDatetime",
    "GetCoreSchemaHandler",
    "GetJsonSchemaHandler",
    "GetPydanticSchema",
    "HttpUrl",
    "IPvAnyAddress",
    "IPvAnyInterface",
    "IPvAnyNetwork",
    "ImportString",
    "InstanceOf",
    "Json",
    "JsonValue",
    "KafkaDsn",
    "MariaDBDsn",
    "ModelWrapValidatorHandler",
    "MongoDsn",
    "MySQLDsn",
    "NaiveDatetime",
    "NameEmail",
    "NatsDsn",
    "NegativeFloat",
    "NegativeInt",
    "NewPath",
    "NonNegativeFloat",
    "NonNegativeInt",
    "NonPositiveFloat",
    "NonPositiveInt",
    "OnErrorOmit",
    "PastDate",
    "PastDatetime",
    "PaymentCardNumber",
    "PlainSerializer",
    "PlainValidator",
    "PositiveFloat",
    "PositiveInt",
    "PostgresDsn",
    "PrivateAttr",
    "PydanticCustomError",
    "PydanticDeprecatedSince20",
    "PydanticDeprecatedSince26",
    "PydanticDeprecatedSince29",
    "PydanticDeprecatedSince210",
    "PydanticDeprecatedSince211",
    "PydanticDeprecatedSince212",
    "PydanticDeprecatedSince213",
    "PydanticDeprecatedSince214",
    "PydanticDeprecationWarning",
    "PydanticErrorCodes",
    "PydanticExperimentalWarning",
    "PydanticForbiddenQualifier",
    "PydanticImportError",
    "PydanticInvalidForJsonSchema",
    "PydanticSchemaGenerationError",
    "PydanticUndefinedAnnotation",
    "PydanticUserError",
    "RedisDsn",
    "RootModel",
    "SchemaValidator",
    "Secret",
    "SecretBytes",
    "SecretStr",
    "SerializationInfo",
    "SerializeAsAny",
    "SerializerFunctionWrapHandler",
    "SkipValidation",
    "SnowflakeDsn",
    "SocketPath",
    "Strict",
    "StrictBool",
    "StrictBytes",
    "StrictFloat",
    "StrictInt",
    "StrictStr",
    "StringConstraints",
    "Tag",
    "TypeAdapter",
    "Url",
    "UrlConstraints",
    "UuidVersion",
    "ValidateAs",
    "ValidationError",
    "ValidationInfo",
    "ValidatorFunctionWrapHandler",
    "WebsocketUrl",
    "WithJsonSchema",
    "WrapSerializer",
    "WrapValidator",
    "__version__",
    "computed_field",
    "conbytes",
    "condate",
    "condecimal",
    "confloat",
    "confrozenset",
    "conint",
    "conlist",
    "conset",
    "constr",
    "create_model",
    "dataclasses",
    "errors",
    "field_serializer",
    "field_validator",
    "json_schema",
    "model_serializer",
    "model_validator",
    "networks",
    "parse_obj_as",
    "root_validator",
    "schema_json_of",
    "schema_of",
    "types",
    "validate_call",
    "validate_email",
    "validator",
    "warnings",
    "with_config",
]


_LAZY = {"schema_of": ".deprecated.tools", "schema_json_of": ".deprecated.tools"}


def __getattr__(name: str) -> object:
    """Deprecated helpers imported on first use (``import ouroboros.validation`` stays light)."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _where(name: str) -> tuple[str, str]:
    """``(package, module)`` that defines public name ``name`` (``"__module__"`` for submodules)."""
    import sys
    import types as _types

    if name in _LAZY:
        return (__name__, _LAZY[name])
    obj = globals()[name]
    if isinstance(obj, _types.ModuleType):
        return (__name__, "__module__")
    home = getattr(obj, "__module__", None)
    if isinstance(home, str) and home.startswith(__name__ + ".") and name in vars(sys.modules.get(home, object)):
        return (__name__, home[len(__name__) :])
    homes = (
        "types",
        "networks",
        "fields",
        "functional_validators",
        "functional_serializers",
        "config",
        "errors",
        "version",
        "annotated_handlers",
        "core.core_schema",
        "_validation",
    )
    for module in homes:
        if name in vars(sys.modules.get(f"{__name__}.{module}", object)):
            return (__name__, f".{module}")
    return (__name__, ".main")


#: Where each public name lives, as Pydantic's ``pydantic._dynamic_imports``.
_dynamic_imports: dict[str, tuple[str, str]] = {n: _where(n) for n in __all__ if n not in ("__version__",)}
