"""Builders of pydantic-core "core schemas", as ``pydantic_core.core_schema`` names them.

Each builder returns a plain dict in pydantic-core's shape (``{"type": "int",
"gt": 0}``, ``{"type": "function-after", "function": {...}, "schema": ...}``).
``ouroboros.validation.core.SchemaValidator`` translates such a dict into the
ouroboros-schema description format (``_translate``) and compiles it in Rust;
it is what ``__get_pydantic_core_schema__`` on a user type returns.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, Literal, Protocol

from ouroboros.validation._fields import PYDANTIC_UNDEFINED

PydanticUndefined = PYDANTIC_UNDEFINED

CoreSchema = dict[str, Any]
CoreConfig = dict[str, Any]
WhenUsed = Literal["always", "unless-none", "json", "json-unless-none"]


class ValidationInfo(Protocol):
    """What a with-info validator function receives as its last argument."""

    @property
    def data(self) -> dict[str, Any]: ...

    @property
    def context(self) -> Any: ...

    @property
    def field_name(self) -> str | None: ...


class SerializationInfo(Protocol):
    """What a with-info serializer function receives."""

    @property
    def mode(self) -> str: ...


FieldSerializationInfo = SerializationInfo
ValidatorFunctionWrapHandler = Callable[..., Any]
SerializerFunctionWrapHandler = Callable[..., Any]


def _clean(**kwargs: Any) -> dict[str, Any]:
    return {k: v for k, v in kwargs.items() if v is not None}


def _leaf(kind: str, **kwargs: Any) -> CoreSchema:
    return {"type": kind, **_clean(**kwargs)}


def any_schema(*, ref: str | None = None, metadata: Any = None, serialization: Any = None) -> CoreSchema:
    return _leaf("any", ref=ref, metadata=metadata, serialization=serialization)


def none_schema(*, ref: str | None = None, metadata: Any = None, serialization: Any = None) -> CoreSchema:
    return _leaf("none", ref=ref, metadata=metadata, serialization=serialization)


def bool_schema(strict: bool | None = None, **kw: Any) -> CoreSchema:
    return _leaf("bool", strict=strict, **kw)


def int_schema(
    *,
    multiple_of: int | None = None,
    le: int | None = None,
    ge: int | None = None,
    lt: int | None = None,
    gt: int | None = None,
    strict: bool | None = None,
    **kw: Any,
) -> CoreSchema:
    return _leaf("int", multiple_of=multiple_of, le=le, ge=ge, lt=lt, gt=gt, strict=strict, **kw)


def float_schema(
    *,
    allow_inf_nan: bool | None = None,
    multiple_of: float | None = None,
    le: float | None = None,
    ge: float | None = None,
    lt: float | None = None,
    gt: float | None = None,
    strict: bool | None = None,
    **kw: Any,
) -> CoreSchema:
    return _leaf(
        "float", allow_inf_nan=allow_inf_nan, multiple_of=multiple_of, le=le, ge=ge, lt=lt, gt=gt, strict=strict, **kw
    )


def decimal_schema(
    *,
    allow_inf_nan: bool | None = None,
    multiple_of: Any = None,
    le: Any = None,
    ge: Any = None,
    lt: Any = None,
    gt: Any = None,
    max_digits: int | None = None,
    decimal_places: int | None = None,
    strict: bool | None = None,
    **kw: Any,
) -> CoreSchema:
    return _leaf(
        "decimal",
        allow_inf_nan=allow_inf_nan,
        multiple_of=multiple_of,
        le=le,
        ge=ge,
        lt=lt,
        gt=gt,
        max_digits=max_digits,
        decimal_places=decimal_places,
        strict=strict,
        **kw,
    )


def str_schema(
    *,
    pattern: Any = None,
    max_length: int | None = None,
    min_length: int | None = None,
    strip_whitespace: bool | None = None,
    to_lower: bool | None = None,
    to_upper: bool | None = None,
    strict: bool | None = None,
    **kw: Any,
) -> CoreSchema:
    if pattern is not None and not isinstance(pattern, str):
        pattern = pattern.pattern
    return _leaf(
        "str",
        pattern=pattern,
        max_length=max_length,
        min_length=min_length,
        strip_whitespace=strip_whitespace,
        to_lower=to_lower,
        to_upper=to_upper,
        strict=strict,
        **kw,
    )


def bytes_schema(
    *, max_length: int | None = None, min_length: int | None = None, strict: bool | None = None, **kw: Any
) -> CoreSchema:
    return _leaf("bytes", max_length=max_length, min_length=min_length, strict=strict, **kw)


def _temporal(kind: str, strict: Any, le: Any, ge: Any, lt: Any, gt: Any, kw: dict[str, Any]) -> CoreSchema:
    return _leaf(kind, strict=strict, le=le, ge=ge, lt=lt, gt=gt, **kw)


def date_schema(
    *, strict: bool | None = None, le: Any = None, ge: Any = None, lt: Any = None, gt: Any = None, **kw: Any
) -> CoreSchema:
    return _temporal("date", strict, le, ge, lt, gt, kw)


def time_schema(
    *, strict: bool | None = None, le: Any = None, ge: Any = None, lt: Any = None, gt: Any = None, **kw: Any
) -> CoreSchema:
    return _temporal("time", strict, le, ge, lt, gt, kw)


def datetime_schema(
    *, strict: bool | None = None, le: Any = None, ge: Any = None, lt: Any = None, gt: Any = None, **kw: Any
) -> CoreSchema:
    return _temporal("datetime", strict, le, ge, lt, gt, kw)


def timedelta_schema(
    *, strict: bool | None = None, le: Any = None, ge: Any = None, lt: Any = None, gt: Any = None, **kw: Any
) -> CoreSchema:
    return _temporal("timedelta", strict, le, ge, lt, gt, kw)


def uuid_schema(*, version: int | None = None, strict: bool | None = None, **kw: Any) -> CoreSchema:
    return _leaf("uuid", version=version, strict=strict, **kw)


def url_schema(*, max_length: int | None = None, allowed_schemes: list[str] | None = None, **kw: Any) -> CoreSchema:
    return _leaf("url", max_length=max_length, allowed_schemes=allowed_schemes, **kw)


def literal_schema(expected: list[Any], **kw: Any) -> CoreSchema:
    return {"type": "literal", "expected": list(expected), **_clean(**kw)}


def enum_schema(cls: Any, members: list[Any], *, sub_type: str | None = None, **kw: Any) -> CoreSchema:
    return {"type": "enum", "cls": cls, "members": list(members), **_clean(sub_type=sub_type, **kw)}


def is_instance_schema(cls: Any, *, cls_repr: str | None = None, **kw: Any) -> CoreSchema:
    return {"type": "is-instance", "cls": cls, **_clean(cls_repr=cls_repr, **kw)}


def is_subclass_schema(cls: Any, *, cls_repr: str | None = None, **kw: Any) -> CoreSchema:
    return {"type": "is-subclass", "cls": cls, **_clean(cls_repr=cls_repr, **kw)}


def callable_schema(**kw: Any) -> CoreSchema:
    return _leaf("callable", **kw)


def _seq(kind: str, items_schema: CoreSchema | None, kw: dict[str, Any]) -> CoreSchema:
    return {"type": kind, **_clean(items_schema=items_schema, **kw)}


def list_schema(items_schema: CoreSchema | None = None, **kw: Any) -> CoreSchema:
    return _seq("list", items_schema, kw)


def set_schema(items_schema: CoreSchema | None = None, **kw: Any) -> CoreSchema:
    return _seq("set", items_schema, kw)


def frozenset_schema(items_schema: CoreSchema | None = None, **kw: Any) -> CoreSchema:
    return _seq("frozenset", items_schema, kw)


def generator_schema(items_schema: CoreSchema | None = None, **kw: Any) -> CoreSchema:
    return _seq("generator", items_schema, kw)


def tuple_schema(items_schema: list[CoreSchema], *, variadic_item_index: int | None = None, **kw: Any) -> CoreSchema:
    return {
        "type": "tuple",
        "items_schema": list(items_schema),
        **_clean(variadic_item_index=variadic_item_index, **kw),
    }


def tuple_positional_schema(
    items_schema: list[CoreSchema], *, extras_schema: CoreSchema | None = None, **kw: Any
) -> CoreSchema:
    if extras_schema is not None:
        return tuple_schema([*items_schema, extras_schema], variadic_item_index=len(items_schema), **kw)
    return tuple_schema(items_schema, **kw)


def tuple_variable_schema(items_schema: CoreSchema | None = None, **kw: Any) -> CoreSchema:
    return tuple_schema([items_schema or any_schema()], variadic_item_index=0, **kw)


def dict_schema(
    keys_schema: CoreSchema | None = None, values_schema: CoreSchema | None = None, **kw: Any
) -> CoreSchema:
    return {"type": "dict", **_clean(keys_schema=keys_schema, values_schema=values_schema, **kw)}


def nullable_schema(schema: CoreSchema, **kw: Any) -> CoreSchema:
    return {"type": "nullable", "schema": schema, **_clean(**kw)}


def union_schema(choices: list[Any], *, mode: str | None = None, **kw: Any) -> CoreSchema:
    return {"type": "union", "choices": list(choices), **_clean(mode=mode, **kw)}


def tagged_union_schema(choices: dict[Hashable, CoreSchema], discriminator: Any, **kw: Any) -> CoreSchema:
    return {"type": "tagged-union", "choices": dict(choices), "discriminator": discriminator, **_clean(**kw)}


def chain_schema(steps: list[CoreSchema], **kw: Any) -> CoreSchema:
    return {"type": "chain", "steps": list(steps), **_clean(**kw)}


def lax_or_strict_schema(
    lax_schema: CoreSchema, strict_schema: CoreSchema, *, strict: bool | None = None, **kw: Any
) -> CoreSchema:
    return {
        "type": "lax-or-strict",
        "lax_schema": lax_schema,
        "strict_schema": strict_schema,
        **_clean(strict=strict, **kw),
    }


def json_or_python_schema(json_schema: CoreSchema, python_schema: CoreSchema, **kw: Any) -> CoreSchema:
    return {"type": "json-or-python", "json_schema": json_schema, "python_schema": python_schema, **_clean(**kw)}


def json_schema(schema: CoreSchema | None = None, **kw: Any) -> CoreSchema:
    return {"type": "json", **_clean(schema=schema, **kw)}


def custom_error_schema(
    schema: CoreSchema,
    custom_error_type: str,
    *,
    custom_error_message: str | None = None,
    custom_error_context: Any = None,
    **kw: Any,
) -> CoreSchema:
    return {
        "type": "custom-error",
        "schema": schema,
        "custom_error_type": custom_error_type,
        **_clean(custom_error_message=custom_error_message, custom_error_context=custom_error_context, **kw),
    }


def model_schema(cls: Any, schema: CoreSchema | None = None, **kw: Any) -> CoreSchema:
    return {"type": "model", "cls": cls, **_clean(schema=schema, **kw)}


def definitions_schema(schema: CoreSchema, definitions: list[CoreSchema]) -> CoreSchema:
    return {"type": "definitions", "schema": schema, "definitions": list(definitions)}


def definition_reference_schema(schema_ref: str, **kw: Any) -> CoreSchema:
    return {"type": "definition-ref", "schema_ref": schema_ref, **_clean(**kw)}


def _function(
    kind: str, mode: str, function: Callable[..., Any], schema: CoreSchema | None, kw: dict[str, Any]
) -> CoreSchema:
    field_name = kw.pop("field_name", None)
    out: CoreSchema = {"type": mode, "function": {"type": kind, "function": function, **_clean(field_name=field_name)}}
    if schema is not None:
        out["schema"] = schema
    out.update(_clean(**kw))
    return out


def no_info_before_validator_function(function: Callable[..., Any], schema: CoreSchema, **kw: Any) -> CoreSchema:
    return _function("no-info", "function-before", function, schema, kw)


def with_info_before_validator_function(function: Callable[..., Any], schema: CoreSchema, **kw: Any) -> CoreSchema:
    return _function("with-info", "function-before", function, schema, kw)


def no_info_after_validator_function(function: Callable[..., Any], schema: CoreSchema, **kw: Any) -> CoreSchema:
    return _function("no-info", "function-after", function, schema, kw)


def with_info_after_validator_function(function: Callable[..., Any], schema: CoreSchema, **kw: Any) -> CoreSchema:
    return _function("with-info", "function-after", function, schema, kw)


def no_info_wrap_validator_function(function: Callable[..., Any], schema: CoreSchema, **kw: Any) -> CoreSchema:
    return _function("no-info", "function-wrap", function, schema, kw)


def with_info_wrap_validator_function(function: Callable[..., Any], schema: CoreSchema, **kw: Any) -> CoreSchema:
    return _function("with-info", "function-wrap", function, schema, kw)


def no_info_plain_validator_function(function: Callable[..., Any], **kw: Any) -> CoreSchema:
    return _function("no-info", "function-plain", function, None, kw)


def with_info_plain_validator_function(function: Callable[..., Any], **kw: Any) -> CoreSchema:
    return _function("with-info", "function-plain", function, None, kw)


def plain_serializer_function_ser_schema(
    function: Callable[..., Any],
    *,
    is_field_serializer: bool | None = None,
    info_arg: bool | None = None,
    return_schema: CoreSchema | None = None,
    when_used: WhenUsed = "always",
) -> dict[str, Any]:
    return {
        "type": "function-plain",
        "function": function,
        "when_used": when_used,
        **_clean(is_field_serializer=is_field_serializer, info_arg=info_arg, return_schema=return_schema),
    }


def wrap_serializer_function_ser_schema(
    function: Callable[..., Any],
    *,
    is_field_serializer: bool | None = None,
    info_arg: bool | None = None,
    schema: CoreSchema | None = None,
    return_schema: CoreSchema | None = None,
    when_used: WhenUsed = "always",
) -> dict[str, Any]:
    return {
        "type": "function-wrap",
        "function": function,
        "when_used": when_used,
        **_clean(
            is_field_serializer=is_field_serializer, info_arg=info_arg, schema=schema, return_schema=return_schema
        ),
    }


def to_string_ser_schema(*, when_used: WhenUsed = "json-unless-none") -> dict[str, Any]:
    return {"type": "to-string", "when_used": when_used}


def format_ser_schema(formatting_string: str, *, when_used: WhenUsed = "json-unless-none") -> dict[str, Any]:
    return {"type": "format", "formatting_string": formatting_string, "when_used": when_used}


def simple_ser_schema(type: str) -> dict[str, Any]:
    return {"type": type}


# -- containers, fields and callables -------------------------------------------------------------


def _mapping(
    kind: str, keys_schema: CoreSchema | None, values_schema: CoreSchema | None, kw: dict[str, Any]
) -> CoreSchema:
    return {"type": kind, **_clean(keys_schema=keys_schema, values_schema=values_schema, **kw)}


def deque_schema(items_schema: CoreSchema | None = None, **kw: Any) -> CoreSchema:
    return _seq("deque", items_schema, kw)


def counter_schema(
    keys_schema: CoreSchema | None = None, values_schema: CoreSchema | None = None, **kw: Any
) -> CoreSchema:
    return _mapping("counter", keys_schema, values_schema, kw)


def ordered_dict_schema(
    keys_schema: CoreSchema | None = None, values_schema: CoreSchema | None = None, **kw: Any
) -> CoreSchema:
    return _mapping("ordered-dict", keys_schema, values_schema, kw)


def frozendict_schema(
    keys_schema: CoreSchema | None = None, values_schema: CoreSchema | None = None, **kw: Any
) -> CoreSchema:
    return _mapping("frozendict", keys_schema, values_schema, kw)


def complex_schema(*, strict: bool | None = None, **kw: Any) -> CoreSchema:
    return _leaf("complex", strict=strict, **kw)


def fraction_schema(**kw: Any) -> CoreSchema:
    return _leaf("fraction", **kw)


def ellipsis_schema(metadata: Any = None, serialization: Any = None) -> CoreSchema:
    return _leaf("ellipsis", metadata=metadata, serialization=serialization)


def invalid_schema(ref: str | None = None, metadata: Any = None) -> CoreSchema:
    return _leaf("invalid", ref=ref, metadata=metadata)


def missing_sentinel_schema(schema: CoreSchema | None = None, **kw: Any) -> CoreSchema:
    return _leaf("missing-sentinel", schema=schema, **kw)


def multi_host_url_schema(**kw: Any) -> CoreSchema:
    return _leaf("multi-host-url", **kw)


def with_default_schema(
    schema: CoreSchema, *, default: Any = PYDANTIC_UNDEFINED, default_factory: Any = None, **kw: Any
) -> CoreSchema:
    out: CoreSchema = {"type": "default", "schema": schema, **_clean(default_factory=default_factory, **kw)}
    if default is not PYDANTIC_UNDEFINED:
        out["default"] = default
    return out


def typed_dict_field(schema: CoreSchema, *, required: bool | None = None, **kw: Any) -> dict[str, Any]:
    return {"type": "typed-dict-field", "schema": schema, **_clean(required=required, **kw)}


def typed_dict_schema(fields: dict[str, dict[str, Any]], **kw: Any) -> CoreSchema:
    return {"type": "typed-dict", "fields": fields, **_clean(**kw)}


def model_field(schema: CoreSchema, **kw: Any) -> dict[str, Any]:
    return {"type": "model-field", "schema": schema, **_clean(**kw)}


def model_fields_schema(fields: dict[str, dict[str, Any]], **kw: Any) -> CoreSchema:
    return {"type": "model-fields", "fields": fields, **_clean(**kw)}


def model_ser_schema(cls: Any, schema: CoreSchema) -> dict[str, Any]:
    return {"type": "model", "cls": cls, "schema": schema}


def dataclass_field(name: str, schema: CoreSchema, **kw: Any) -> dict[str, Any]:
    return {"type": "dataclass-field", "name": name, "schema": schema, **_clean(**kw)}


def dataclass_args_schema(dataclass_name: str, fields: list[dict[str, Any]], **kw: Any) -> CoreSchema:
    return {"type": "dataclass-args", "dataclass_name": dataclass_name, "fields": fields, **_clean(**kw)}


def dataclass_schema(cls: Any, schema: CoreSchema, fields: list[str], **kw: Any) -> CoreSchema:
    return {"type": "dataclass", "cls": cls, "schema": schema, "fields": fields, **_clean(**kw)}


def named_tuple_field(name: str, schema: CoreSchema, **kw: Any) -> dict[str, Any]:
    return {"name": name, "schema": schema, **_clean(**kw)}


def named_tuple_schema(cls: Any, fields: list[dict[str, Any]], **kw: Any) -> CoreSchema:
    return {"type": "named-tuple", "cls": cls, "fields": fields, **_clean(**kw)}


def computed_field(property_name: str, return_schema: CoreSchema, **kw: Any) -> dict[str, Any]:
    return {"type": "computed-field", "property_name": property_name, "return_schema": return_schema, **_clean(**kw)}


def arguments_parameter(name: str, schema: CoreSchema, *, mode: str | None = None, alias: Any = None) -> dict[str, Any]:
    return {"name": name, "schema": schema, **_clean(mode=mode, alias=alias)}


def arguments_schema(arguments: list[dict[str, Any]], **kw: Any) -> CoreSchema:
    return {"type": "arguments", "arguments_schema": arguments, **_clean(**kw)}


arguments_v3_parameter = arguments_parameter


def arguments_v3_schema(arguments: list[dict[str, Any]], **kw: Any) -> CoreSchema:
    return {"type": "arguments-v3", "arguments_schema": arguments, **_clean(**kw)}


def call_schema(arguments: CoreSchema, function: Callable[..., Any], **kw: Any) -> CoreSchema:
    return {"type": "call", "arguments_schema": arguments, "function": function, **_clean(**kw)}


def filter_seq_schema(*, include: Any = None, exclude: Any = None) -> dict[str, Any]:
    return _clean(include=include, exclude=exclude)


def filter_dict_schema(*, include: Any = None, exclude: Any = None) -> dict[str, Any]:
    return _clean(include=include, exclude=exclude)


def _validator_with_field(mode: str, with_schema: bool) -> Callable[..., CoreSchema]:
    def build(function: Callable[..., Any], *args: Any, **kw: Any) -> CoreSchema:
        schema = args[-1] if with_schema and args else kw.pop("schema", None)
        kw.pop("field_name", None)
        return _function("with-info", mode, function, schema, kw)

    return build


# Pydantic 2.0 names, kept by pydantic-core as deprecated aliases.
field_before_validator_function = _validator_with_field("function-before", True)
field_after_validator_function = _validator_with_field("function-after", True)
field_wrap_validator_function = _validator_with_field("function-wrap", True)
field_plain_validator_function = _validator_with_field("function-plain", False)
general_before_validator_function = with_info_before_validator_function
general_after_validator_function = with_info_after_validator_function
general_wrap_validator_function = with_info_wrap_validator_function
general_plain_validator_function = with_info_plain_validator_function


# -- type names (pydantic-core defines each as a TypedDict; here they are the plain dict) --------

_SCHEMA_NAMES = [
    "AfterValidatorFunctionSchema",
    "AnySchema",
    "ArgumentsParameter",
    "ArgumentsSchema",
    "ArgumentsV3Parameter",
    "ArgumentsV3Schema",
    "BeforeValidatorFunctionSchema",
    "BoolSchema",
    "BytesSchema",
    "CallSchema",
    "CallableSchema",
    "ChainSchema",
    "ComplexSchema",
    "ComputedField",
    "CounterSchema",
    "CustomErrorSchema",
    "DataclassArgsSchema",
    "DataclassField",
    "DataclassSchema",
    "DateSchema",
    "DatetimeSchema",
    "DecimalSchema",
    "DefinitionReferenceSchema",
    "DefinitionsSchema",
    "DequeSchema",
    "DictSchema",
    "EllipsisSchema",
    "EnumSchema",
    "FloatSchema",
    "FormatSerSchema",
    "FractionSchema",
    "FrozenDictSchema",
    "FrozenSetSchema",
    "GeneratorSchema",
    "IncExDictOrElseSerSchema",
    "IncExDictSerSchema",
    "IncExSeqOrElseSerSchema",
    "IncExSeqSerSchema",
    "IntSchema",
    "InvalidSchema",
    "IsInstanceSchema",
    "IsSubclassSchema",
    "JsonOrPythonSchema",
    "JsonSchema",
    "LaxOrStrictSchema",
    "ListSchema",
    "LiteralSchema",
    "MissingSentinelSchema",
    "ModelField",
    "ModelFieldsSchema",
    "ModelSchema",
    "ModelSerSchema",
    "MultiHostUrlSchema",
    "NamedTupleField",
    "NamedTupleSchema",
    "NoInfoValidatorFunctionSchema",
    "NoInfoWrapValidatorFunctionSchema",
    "NoneSchema",
    "NullableSchema",
    "OrderedDictSchema",
    "PlainSerializerFunctionSerSchema",
    "PlainValidatorFunctionSchema",
    "SerSchema",
    "SetSchema",
    "SimpleSerSchema",
    "StringSchema",
    "TaggedUnionSchema",
    "TimeSchema",
    "TimedeltaSchema",
    "ToStringSerSchema",
    "TupleSchema",
    "TypedDictField",
    "TypedDictSchema",
    "UnionSchema",
    "UrlSchema",
    "UuidSchema",
    "WithDefaultSchema",
    "WithInfoValidatorFunctionSchema",
    "WithInfoWrapValidatorFunctionSchema",
    "WrapSerializerFunctionSerSchema",
    "WrapValidatorFunctionSchema",
]
for _name in _SCHEMA_NAMES:
    globals()[_name] = CoreSchema
del _name

NoInfoValidatorFunction = Callable[[Any], Any]
WithInfoValidatorFunction = Callable[[Any, ValidationInfo], Any]
NoInfoWrapValidatorFunction = Callable[[Any, ValidatorFunctionWrapHandler], Any]
WithInfoWrapValidatorFunction = Callable[[Any, ValidatorFunctionWrapHandler, ValidationInfo], Any]
ValidationFunction = dict[str, Any]
WrapValidatorFunction = dict[str, Any]
GeneralPlainNoInfoSerializerFunction = Callable[[Any], Any]
GeneralPlainInfoSerializerFunction = Callable[[Any, SerializationInfo], Any]
FieldPlainNoInfoSerializerFunction = Callable[[Any, Any], Any]
FieldPlainInfoSerializerFunction = Callable[[Any, Any, SerializationInfo], Any]
GeneralWrapNoInfoSerializerFunction = Callable[[Any, SerializerFunctionWrapHandler], Any]
GeneralWrapInfoSerializerFunction = Callable[[Any, SerializerFunctionWrapHandler, SerializationInfo], Any]
FieldWrapNoInfoSerializerFunction = Callable[[Any, Any, SerializerFunctionWrapHandler], Any]
FieldWrapInfoSerializerFunction = Callable[[Any, Any, SerializerFunctionWrapHandler, SerializationInfo], Any]
SerializerFunction = Callable[..., Any]
WrapSerializerFunction = Callable[..., Any]
ExtraBehavior = Literal["allow", "forbid", "ignore"]
VarKwargsMode = Literal["uniform", "unpacked-typed-dict"]
JsonType = Literal["null", "bool", "int", "float", "str", "list", "dict"]
ExpectedSerializationTypes = str
CoreSchemaType = str
CoreSchemaFieldType = Literal["model-field", "dataclass-field", "typed-dict-field", "computed-field"]
IncExCall = set[int | str] | dict[int | str, Any] | None
IncExDict = set[int | str] | dict[int | str, Any]
# The error types pydantic-core knows (each has a page at errors.pydantic.dev).
ErrorType = Literal[
    "arguments_type",
    "assertion_error",
    "bool_parsing",
    "bool_type",
    "bytes_invalid_encoding",
    "bytes_too_long",
    "bytes_too_short",
    "bytes_type",
    "callable_type",
    "complex_str_parsing",
    "complex_type",
    "counter_type",
    "dataclass_exact_type",
    "dataclass_type",
    "date_from_datetime_inexact",
    "date_from_datetime_parsing",
    "date_future",
    "date_parsing",
    "date_past",
    "date_type",
    "datetime_from_date_parsing",
    "datetime_future",
    "datetime_object_invalid",
    "datetime_parsing",
    "datetime_past",
    "datetime_type",
    "decimal_max_digits",
    "decimal_max_places",
    "decimal_parsing",
    "decimal_type",
    "decimal_whole_digits",
    "default_factory_not_called",
    "deque_type",
    "dict_type",
    "ellipsis_error",
    "enum",
    "extra_forbidden",
    "finite_number",
    "float_parsing",
    "float_type",
    "fraction_parsing",
    "fraction_type",
    "frozen_dict_type",
    "frozen_field",
    "frozen_instance",
    "frozen_set_type",
    "get_attribute_error",
    "greater_than",
    "greater_than_equal",
    "int_from_float",
    "int_parsing",
    "int_parsing_size",
    "int_type",
    "invalid_key",
    "is_instance_of",
    "is_subclass_of",
    "iterable_type",
    "iteration_error",
    "json_invalid",
    "json_type",
    "less_than",
    "less_than_equal",
    "list_type",
    "literal_error",
    "mapping_type",
    "missing",
    "missing_argument",
    "missing_keyword_only_argument",
    "missing_positional_only_argument",
    "missing_sentinel_error",
    "model_attributes_type",
    "model_type",
    "multiple_argument_values",
    "multiple_of",
    "named_tuple_type",
    "needs_python_object",
    "no_such_attribute",
    "none_required",
    "ordered_dict_type",
    "recursion_depth_exceeded",
    "recursion_loop",
    "set_item_not_hashable",
    "set_type",
    "string_not_ascii",
    "string_pattern_mismatch",
    "string_too_long",
    "string_too_short",
    "string_type",
    "string_unicode",
    "time_delta_parsing",
    "time_delta_type",
    "time_parsing",
    "time_type",
    "timezone_aware",
    "timezone_naive",
    "timezone_offset",
    "too_long",
    "too_short",
    "tuple_type",
    "unexpected_keyword_argument",
    "unexpected_positional_argument",
    "union_tag_invalid",
    "union_tag_not_found",
    "url_parsing",
    "url_scheme",
    "url_syntax_violation",
    "url_too_long",
    "url_type",
    "uuid_parsing",
    "uuid_type",
    "uuid_version",
    "value_error",
]


# Old names of the validator-function types: still importable, with a warning.
_DEPRECATED_NAMES = {
    "FieldValidationInfo": "ValidationInfo",
    "FieldValidatorFunction": "WithInfoValidatorFunction",
    "GeneralValidatorFunction": "WithInfoValidatorFunction",
    "FieldWrapValidatorFunction": "WithInfoWrapValidatorFunction",
}


def __getattr__(name: str) -> Any:
    new = _DEPRECATED_NAMES.get(name)
    if new is None:
        raise AttributeError(f"module 'pydantic_core' has no attribute '{name}'")
    import warnings

    warnings.warn(f"`{name}` is deprecated, use `{new}` instead.", DeprecationWarning, stacklevel=1)
    return globals()[new]
