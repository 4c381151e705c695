"""Where Pydantic v1 names went in v2 (``pydantic._migration``).

Code being migrated imports v1 paths (``from pydantic.utils import to_camel``,
``from pydantic import ConstrainedInt``). The tables below name those paths
the way that code spells them, ``pydantic.<module>:<name>``: a moved name is
still found (with a ``PydanticDeprecatedSince20`` warning when the move was not
itself a deprecation), a v1 helper that only lives on in ``pydantic.v1`` is
taken from there, and a removed name raises ``PydanticImportError`` saying so.

Each public module of this package ends with
``__getattr__ = getattr_migration(__name__)``.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable
from typing import Any

from ouroboros.validation.version import version_short
from ouroboros.validation.warnings import PydanticDeprecatedSince20

__all__ = ["DEPRECATED_MOVED_IN_V2", "MOVED_IN_V2", "REDIRECT_TO_V1", "REMOVED_IN_V2", "getattr_migration"]

#: The name this package answers to in the tables (``import pydantic`` in v1 code).
_PUBLIC = "pydantic"
_HERE = __name__.rsplit(".", 1)[0]

#: v1 path -> v2 path; using the old path warns.
MOVED_IN_V2 = {
    "pydantic.utils:version_info": "pydantic.version:version_info",
    "pydantic.error_wrappers:ValidationError": "pydantic:ValidationError",
    "pydantic.utils:to_camel": "pydantic.alias_generators:to_pascal",
    "pydantic.utils:to_lower_camel": "pydantic.alias_generators:to_camel",
    "pydantic:PyObject": "pydantic.types:ImportString",
    "pydantic.types:PyObject": "pydantic.types:ImportString",
    "pydantic.generics:GenericModel": "pydantic.BaseModel",
}

#: v1 path -> its home under ``pydantic.deprecated`` (which warns on use, so the lookup does not).
DEPRECATED_MOVED_IN_V2 = {
    "pydantic.tools:schema_of": "pydantic.deprecated.tools:schema_of",
    "pydantic.tools:parse_obj_as": "pydantic.deprecated.tools:parse_obj_as",
    "pydantic.tools:schema_json_of": "pydantic.deprecated.tools:schema_json_of",
    "pydantic.json:pydantic_encoder": "pydantic.deprecated.json:pydantic_encoder",
    "pydantic:validate_arguments": "pydantic.deprecated.decorator:validate_arguments",
    "pydantic.json:custom_pydantic_encoder": "pydantic.deprecated.json:custom_pydantic_encoder",
    "pydantic.json:timedelta_isoformat": "pydantic.deprecated.json:timedelta_isoformat",
    "pydantic.decorator:validate_arguments": "pydantic.deprecated.decorator:validate_arguments",
    "pydantic.class_validators:validator": "pydantic.deprecated.class_validators:validator",
    "pydantic.class_validators:root_validator": "pydantic.deprecated.class_validators:root_validator",
    "pydantic.config:BaseConfig": "pydantic.deprecated.config:BaseConfig",
    "pydantic.config:Extra": "pydantic.deprecated.config:Extra",
}

_V1_UTILS = (
    "deep_update",
    "GetterDict",
    "lenient_issubclass",
    "lenient_isinstance",
    "is_valid_field",
    "update_not_none",
    "import_string",
    "Representation",
    "ROOT_KEY",
    "smart_deepcopy",
    "sequence_like",
)
#: v1 helpers with no v2 counterpart, served from ``pydantic.v1.utils`` with a warning.
REDIRECT_TO_V1 = {f"pydantic.utils:{name}": f"pydantic.v1.utils:{name}" for name in _V1_UTILS}

_CONSTRAINED = ("Bytes", "Date", "Decimal", "Float", "FrozenSet", "Int", "List", "Set", "Str")
_OLD_TYPES = (*(f"Constrained{kind}" for kind in _CONSTRAINED), "JsonWrapper", "NoneBytes", "NoneStr")
_OLD_TYPES += ("NoneStrBytes", "StrBytes")
# v1's error classes: v2 reports every failure as one ValidationError with a `type` string.
_V1_ERRORS = [
    "AnyStrMaxLengthError",
    "AnyStrMinLengthError",
    "ArbitraryTypeError",
    "BoolError",
    "BytesError",
    "CallableError",
    "ClassError",
    "ColorError",
    "ConfigError",
    "DataclassTypeError",
    "DateError",
    "DateNotInTheFutureError",
    "DateNotInThePastError",
    "DateTimeError",
    "DecimalError",
    "DecimalIsNotFiniteError",
    "DecimalMaxDigitsError",
    "DecimalMaxPlacesError",
    "DecimalWholeDigitsError",
    "DictError",
    "DurationError",
    "EmailError",
    "EnumError",
    "EnumMemberError",
    "ExtraError",
    "FloatError",
    "FrozenSetError",
    "FrozenSetMaxLengthError",
    "FrozenSetMinLengthError",
    "HashableError",
    "IPv4AddressError",
    "IPv4InterfaceError",
    "IPv4NetworkError",
    "IPv6AddressError",
    "IPv6InterfaceError",
    "IPv6NetworkError",
    "IPvAnyAddressError",
    "IPvAnyInterfaceError",
    "IPvAnyNetworkError",
    "IntEnumError",
    "IntegerError",
    "InvalidByteSize",
    "InvalidByteSizeUnit",
    "InvalidDiscriminator",
    "InvalidLengthForBrand",
    "JsonError",
    "JsonTypeError",
    "ListError",
    "ListMaxLengthError",
    "ListMinLengthError",
    "ListUniqueItemsError",
    "LuhnValidationError",
    "MissingDiscriminator",
    "MissingError",
    "NoneIsAllowedError",
    "NoneIsNotAllowedError",
    "NotDigitError",
    "NotNoneError",
    "NumberNotGeError",
    "NumberNotGtError",
    "NumberNotLeError",
    "NumberNotLtError",
    "NumberNotMultipleError",
    "PathError",
    "PathNotADirectoryError",
    "PathNotAFileError",
    "PathNotExistsError",
    "PatternError",
    "PyObjectError",
    "PydanticTypeError",
    "PydanticValueError",
    "SequenceError",
    "SetError",
    "SetMaxLengthError",
    "SetMinLengthError",
    "StrError",
    "StrRegexError",
    "StrictBoolError",
    "SubclassError",
    "TimeError",
    "TupleError",
    "TupleLengthError",
    "UUIDError",
    "UUIDVersionError",
    "UrlError",
    "UrlExtraError",
    "UrlHostError",
    "UrlHostTldError",
    "UrlPortError",
    "UrlSchemeError",
    "UrlSchemePermittedError",
    "UrlUserInfoError",
    "WrongConstantError",
]
# pydantic.typing: v1's typing helpers, replaced by typing/typing_extensions and typing-inspection.
_V1_TYPING = [
    "evaluate_forwardref",
    "AbstractSetIntStr",
    "AnyCallable",
    "AnyClassMethod",
    "CallableGenerator",
    "DictAny",
    "DictIntStrAny",
    "DictStrAny",
    "IntStr",
    "ListStr",
    "MappingIntStrAny",
    "NoArgAnyCallable",
    "NoneType",
    "ReprArgs",
    "SetStr",
    "StrPath",
    "TupleGenerator",
    "WithArgsTypes",
    "all_literal_values",
    "display_as_type",
    "get_all_type_hints",
    "get_args",
    "get_origin",
    "get_sub_types",
    "is_callable_type",
    "is_classvar",
    "is_finalvar",
    "is_literal_type",
    "is_namedtuple",
    "is_new_type",
    "is_none_type",
    "is_typeddict",
    "is_typeddict_special",
    "is_union",
    "new_type_supertype",
    "resolve_annotations",
    "typing_base",
    "update_field_forward_refs",
    "update_model_forward_refs",
]
_V1_UTILS_GONE = [
    "ClassAttribute",
    "DUNDER_ATTRIBUTES",
    "PyObjectStr",
    "ValueItems",
    "almost_equal_floats",
    "get_discriminator_alias_and_values",
    "get_model",
    "get_unique_discriminator_alias",
    "in_ipython",
    "is_valid_identifier",
    "path_type",
    "validate_field_name",
]

#: v1 paths with no v2 counterpart: importing one raises ``PydanticImportError``.
REMOVED_IN_V2 = {
    *(f"pydantic:{name}" for name in _OLD_TYPES),
    *(f"pydantic.types:{name}" for name in _OLD_TYPES),
    *(f"pydantic:{name}" for name in ("Protocol", "Required", "compiled", "validate_model", "stricturl")),
    *(f"pydantic:{name}" for name in ("create_model_from_namedtuple", "create_model_from_typeddict")),
    *(f"pydantic:{name}" for name in ("parse_file_as", "parse_raw_as")),
    *(f"pydantic.config:{name}" for name in ("get_config", "inherit_config", "prepare_config")),
    *(
        f"pydantic.dataclasses:{name}"
        for name in ("create_pydantic_model_from_dataclass", "make_dataclass_validator", "set_validation")
    ),
    *(f"pydantic.datetime_parse:parse_{kind}" for kind in ("date", "time", "datetime", "duration")),
    "pydantic.error_wrappers:ErrorWrapper",
    *(f"pydantic.errors:{name}" for name in _V1_ERRORS),
    "pydantic.main:validate_model",
    "pydantic.networks:stricturl",
    "pydantic.tools:parse_file_as",
    "pydantic.tools:parse_raw_as",
    *(f"pydantic.typing:{name}" for name in _V1_TYPING),
    *(f"pydantic.utils:{name}" for name in _V1_UTILS_GONE),
}


def _locate(path: str) -> Any:
    """The object a table path (``pydantic.x:name`` or ``pydantic.x.name``) names, in this package."""
    from ouroboros.validation._internal._validators import import_string

    if path == _PUBLIC or path.startswith((_PUBLIC + ".", _PUBLIC + ":")):
        path = _HERE + path[len(_PUBLIC) :]
    return import_string(path)


def _public_name(module: str) -> str:
    """``ouroboros.validation.utils`` -> ``pydantic.utils`` (how the tables spell it)."""
    if module == _HERE or module.startswith(_HERE + "."):
        return _PUBLIC + module[len(_HERE) :]
    return module


def getattr_migration(module: str) -> Callable[[str], Any]:
    """A module ``__getattr__`` (PEP 562) that finds moved v1 names and explains removed ones."""
    from ouroboros.validation.errors import PydanticImportError

    def lookup(name: str) -> Any:
        if name == "__path__":
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        old = f"{_public_name(module)}:{name}"
        guide = f"https://pydantic.dev/docs/validation/{version_short()}/migration/"
        if old in MOVED_IN_V2:
            warnings.warn(f"`{old}` has been moved to `{MOVED_IN_V2[old]}`.", PydanticDeprecatedSince20, stacklevel=2)
            return _locate(MOVED_IN_V2[old])
        if old in DEPRECATED_MOVED_IN_V2:
            # The deprecated function itself warns when it is used.
            return _locate(DEPRECATED_MOVED_IN_V2[old])
        if old in REDIRECT_TO_V1:
            warnings.warn(
                f"`{old}` has been removed. We are importing from `{REDIRECT_TO_V1[old]}` instead."
                f" See the migration guide for more details: {guide}",
                PydanticDeprecatedSince20,
                stacklevel=2,
            )
            return _locate(REDIRECT_TO_V1[old])
        if old == f"{_PUBLIC}:BaseSettings":
            raise PydanticImportError(
                "`BaseSettings` has been moved to the `pydantic-settings` package. "
                f"See {guide}#basesettings-has-moved-to-pydantic-settings for more details."
            )
        if old in REMOVED_IN_V2:
            raise PydanticImportError(f"`{old}` has been removed in V2.")
        namespace = vars(sys.modules[module])
        if name in namespace:
            return namespace[name]
        raise AttributeError(f"module {module!r} has no attribute {name!r}")

    return lookup
