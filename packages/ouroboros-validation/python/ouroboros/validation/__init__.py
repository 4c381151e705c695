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
from ouroboros.validation._migration import getattr_migration
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

# Where each public name lives, grouped by module, in Pydantic's order (``pydantic._dynamic_imports``
# is public: tools and tests walk it). ``.core`` stands for ``pydantic_core``.
_HOMES: list[tuple[str, str]] = [
    ("__module__", "dataclasses"),
    (
        ".functional_validators",
        "field_validator model_validator AfterValidator BeforeValidator PlainValidator WrapValidator"
        " SkipValidation InstanceOf ValidateAs ModelWrapValidatorHandler",
    ),
    (".json_schema", "WithJsonSchema"),
    (".functional_serializers", "field_serializer model_serializer PlainSerializer SerializeAsAny WrapSerializer"),
    (".config", "ConfigDict with_config"),
    (".validate_call_decorator", "validate_call"),
    (
        ".errors",
        "PydanticErrorCodes PydanticUserError PydanticSchemaGenerationError PydanticImportError"
        " PydanticUndefinedAnnotation PydanticInvalidForJsonSchema PydanticForbiddenQualifier",
    ),
    (".fields", "Field computed_field PrivateAttr"),
    (".aliases", "AliasChoices AliasGenerator AliasPath"),
    (".main", "BaseModel create_model"),
    (
        ".networks",
        "AnyUrl AnyHttpUrl FileUrl HttpUrl FtpUrl WebsocketUrl AnyWebsocketUrl UrlConstraints EmailStr NameEmail"
        " IPvAnyAddress IPvAnyInterface IPvAnyNetwork PostgresDsn CockroachDsn AmqpDsn RedisDsn MongoDsn KafkaDsn"
        " NatsDsn MySQLDsn MariaDBDsn ClickHouseDsn SnowflakeDsn validate_email",
    ),
    (".root_model", "RootModel"),
    (
        ".types",
        "Strict StrictStr conbytes conlist conset confrozenset constr StringConstraints ImportString conint"
        " PositiveInt NegativeInt NonNegativeInt NonPositiveInt confloat PositiveFloat NegativeFloat"
        " NonNegativeFloat NonPositiveFloat FiniteFloat condecimal condate UUID1 UUID3 UUID4 UUID5 UUID6 UUID7"
        " UUID8 FilePath DirectoryPath NewPath Json Secret SecretStr SecretBytes StrictBool StrictBytes StrictInt"
        " StrictFloat PaymentCardNumber ByteSize PastDate SocketPath FutureDate PastDatetime FutureDatetime"
        " AwareDatetime NaiveDatetime AllowInfNan EncoderProtocol EncodedBytes EncodedStr Base64Encoder"
        " Base64Bytes Base64Str Base64UrlBytes Base64UrlStr GetPydanticSchema Tag Discriminator JsonValue"
        " OnErrorOmit FailFast",
    ),
    (".type_adapter", "TypeAdapter"),
    (
        ".warnings",
        "PydanticDeprecatedSince20 PydanticDeprecatedSince26 PydanticDeprecatedSince29 PydanticDeprecatedSince210"
        " PydanticDeprecatedSince211 PydanticDeprecatedSince212 PydanticDeprecatedSince214"
        " PydanticDeprecationWarning PydanticExperimentalWarning",
    ),
    (".annotated_handlers", "GetCoreSchemaHandler GetJsonSchemaHandler"),
    (".core", "MISSING ValidationError"),
    (
        ".core.core_schema",
        "ValidationInfo SerializationInfo ValidatorFunctionWrapHandler FieldSerializationInfo"
        " SerializerFunctionWrapHandler",
    ),
    (".deprecated.class_validators", "root_validator validator"),
    (".deprecated.config", "BaseConfig Extra"),
    (".deprecated.tools", "parse_obj_as schema_of schema_json_of"),
    # Deprecated: importing these from the package root warns.
    (".core.core_schema", "FieldValidationInfo"),
    ("._internal._generate_schema", "GenerateSchema"),
]

#: ``name -> (package, module)``: where ``from ouroboros.validation import name`` finds it
#: (``module == "__module__"`` for a submodule), as ``pydantic._dynamic_imports``.
_dynamic_imports: dict[str, tuple[str, str]] = {
    name: (__name__, module) for module, names in _HOMES for name in names.split()
}
_deprecated_dynamic_imports = frozenset({"FieldValidationInfo", "GenerateSchema"})
_getattr_migration = getattr_migration(__name__)


def __getattr__(name: str) -> object:
    """Names imported on first use, then v1 names moved or removed in v2 (``_migration``)."""
    import importlib

    if name in _deprecated_dynamic_imports:
        import warnings as _warnings

        _warnings.warn(
            f"Importing {name} from `pydantic` is deprecated. This feature is either no longer supported,"
            " or is not public.",
            PydanticDeprecatedSince20,
            stacklevel=2,
        )
    if name in _LAZY or name in _deprecated_dynamic_imports:
        package, module = _dynamic_imports[name]
        return getattr(importlib.import_module(module, package), name)
    return _getattr_migration(name)


def __dir__() -> list[str]:
    return list(__all__)
