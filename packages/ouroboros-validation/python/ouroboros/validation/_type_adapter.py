"""``TypeAdapter``: validate and serialize bare types (``list[int]``, unions...)."""

from __future__ import annotations

import dataclasses
import json
import sys
from typing import Any, Generic, TypeVar

from ouroboros.validation._decorators import enter_dump_of, leave_dump
from ouroboros.validation._describe import (
    DescribeContext,
    UndefinedAnnotation,
    describe_type,
    is_model_class,
    is_pydantic_dataclass,
    split_annotated,
)
from ouroboros.validation._model import _Deferred
from ouroboros.validation._validation import SchemaValidator
from ouroboros.validation.core import PydanticOmit

__all__ = ["TypeAdapter"]

T = TypeVar("T")


_NOT_WALKED = object()


class TypeAdapter(Generic[T]):
    """Validation and serialization of any supported type, as Pydantic's.

    ``TypeAdapter(list[int]).validate_python(["1", 2])`` -> ``[1, 2]``.
    """

    def __init__(
        self, type_: Any, *, config: dict[str, Any] | None = None, _parent_depth: int = 2, module: str | None = None
    ) -> None:
        from ouroboros.validation.type_adapter import _type_has_config

        if config is not None and _type_has_config(type_):
            from ouroboros.validation.errors import PydanticUserError

            raise PydanticUserError(
                "Cannot use `config` when the type is a BaseModel, dataclass or TypedDict. These types can have "
                "their own config and setting the config via the `config` parameter to TypeAdapter will not "
                "override it, thus the `config` you passed to TypeAdapter becomes meaningless, which is "
                "probably not what you want.",
                code="type-adapter-config-unused",
            )
        self.type = type_
        self._config = dict(config or {})
        frame = sys._getframe(max(_parent_depth - 1, 1))
        # Annotations may name things local to the caller: keep its namespaces for a deferred build.
        self._globalns = frame.f_globals
        self._localns = dict(frame.f_locals) if frame.f_locals is not frame.f_globals else {}
        self._built: tuple[dict[str, Any], Any] | None = None
        self._walk: Any = _NOT_WALKED
        # Pydantic's rule: the config given here, else the type's own, says whether to wait for first use.
        own = config if config is not None else _own_config(type_)
        if (own or {}).get("defer_build") is not True:
            self._build()

    def __repr__(self) -> str:
        from ouroboros.validation._internal._repr import display_as_type

        return f"TypeAdapter({display_as_type(self.type)})"

    @property
    def pydantic_complete(self) -> bool:
        """Whether the schema, validator and serializer are built (False while the build waits)."""
        return self._built is not None

    def rebuild(
        self,
        *,
        force: bool = False,
        raise_errors: bool = True,
        _parent_namespace_depth: int = 2,
        _types_namespace: dict[str, Any] | None = None,
    ) -> bool | None:
        """Build now (after defining what a forward reference names): None when already built,
        else whether the build succeeded (``raise_errors=False``: an undefined name gives False)."""
        if not force and self._built is not None:
            return None
        if _types_namespace is not None:
            self._localns = {**self._localns, **_types_namespace}
        elif _parent_namespace_depth > 0:
            frame = sys._getframe(max(_parent_namespace_depth - 1, 1))
            self._localns = {**self._localns, **frame.f_locals}
        self._built = None
        try:
            self._build()
        except (UndefinedAnnotation, NameError) as exc:
            if raise_errors:
                raise _as_undefined_annotation(exc) from None
            return False
        return True

    def _build(self) -> tuple[dict[str, Any], Any]:
        """Schema and validator, built on first need (``defer_build``) or at once. Models reached
        while building that wait for a name find it among the adapter's caller's names too
        (``x: 'Foobar'`` with ``Foobar`` defined next to ``TypeAdapter(Foobar)``), as in Pydantic."""
        if self._built is None:
            from ouroboros.validation._model_build import PARENT_NAMESPACES

            PARENT_NAMESPACES.append(self._localns)
            try:
                self._build_now()
            finally:
                PARENT_NAMESPACES.pop()
        return self._built  # type: ignore[return-value]

    def _build_now(self) -> None:
        if self._built is None:
            from ouroboros.validation._internal._generate_schema import GenerateSchema

            ctx = DescribeContext(
                self._globalns,
                self._localns,
                strict=self._config.get("strict"),
                str_strip_whitespace=self._config.get("str_strip_whitespace", False),
                allow_inf_nan=self._config.get("allow_inf_nan"),
                arbitrary_types_allowed=self._config.get("arbitrary_types_allowed", False),
            )
            ctx.apply_config(self._config)
            from ouroboros.validation.validate_call_decorator import call_schema, is_call_target

            if is_call_target(self.type):
                # `TypeAdapter(func)`: validates a call's arguments, then calls it (Pydantic's call schema).
                schema = call_schema(self.type, self._config, self._localns)
            elif is_model_class(self.type) or is_pydantic_dataclass(self.type):
                # The class's own schema, as Pydantic reuses the one built with the class.
                schema = describe_type(self.type, ctx)
            else:
                schema = GenerateSchema(ctx).generate_schema(self.type)
            if is_model_class(self.type) and schema.get("type") == "model":
                validator = self.type.__ouroboros_validator__
            else:
                # Any other type, and a model with its own `__init__` (called for dict input).
                title = _validator_name(schema) or getattr(self.type, "__name__", None) or str(self.type)
                # The adapter's config says how JSON writes dates, times and durations.
                keys = (
                    "ser_json_temporal",
                    "ser_json_timedelta",
                    "ser_json_inf_nan",
                    "ser_json_bytes",
                    "hide_input_in_errors",
                )
                temporal = {k: self._config[k] for k in keys if k in self._config}
                validator = SchemaValidator({**schema, "title": schema.get("title", title), **temporal})
            self._built = (schema, validator)

    @property
    def _schema(self) -> dict[str, Any]:
        return self._build()[0]

    @property
    def _validator(self) -> Any:
        return self._build()[1]

    def validate_python(
        self,
        obj: Any,
        /,
        *,
        strict: bool | None = None,
        from_attributes: bool | None = None,
        context: Any = None,
        experimental_allow_partial: Any = False,
        by_alias: bool | None = None,
        by_name: bool | None = None,
        extra: str | None = None,
    ) -> T:
        """Validate a Python object (``experimental_allow_partial``: see ``_partial``)."""
        if (
            self._built is not None
            and strict is None
            and from_attributes is None
            and context is None
            and experimental_allow_partial is False
            and by_alias is None
            and by_name is None
            and extra is None
        ):
            # The common call: no per-call option, straight to the compiled validator.
            try:
                return self._built[1].validate_python(obj)
            except PydanticOmit:
                raise _uncaught_omit() from None
        options = {
            "strict": strict,
            "extra": extra,
            "from_attributes": from_attributes,
            "context": context,
            "by_alias": by_alias,
            "by_name": by_name,
        }
        if experimental_allow_partial is not False:
            return self._partial(
                experimental_allow_partial, obj, lambda value: self._validator.validate_python(value, **options)
            )
        try:
            return self._validator.validate_python(obj, **options)
        except PydanticOmit:
            raise _uncaught_omit() from None

    def _partial(self, option: Any, value: Any, validate: Any, json_text: Any = None) -> Any:
        """Partial validation: the last item of a top-level container may fail (and is dropped),
        JSON text may stop early."""
        from ouroboros.validation._partial import (
            parse_partial_json,
            partial_mode,
            supports_partial,
            validate_partial,
        )

        mode = partial_mode(option)
        if mode is None:
            return validate(json_text if json_text is not None else value)
        if json_text is not None:
            try:
                value = parse_partial_json(json_text, mode)
            except ValueError:
                return validate(json_text)  # the engine reports the invalid JSON
            plain = validate
            validate = lambda parsed: plain(json.dumps(parsed))  # noqa: E731
        if not supports_partial(self._schema):
            return validate(value)
        return validate_partial(validate, value)

    def get_default_value(self, *, strict: bool | None = None, context: Any = None) -> Any:
        """``Some(default)`` of an ``Annotated[T, Field(default=...)]`` type (validated with
        ``validate_default``), or None when the type has no default."""
        from ouroboros.validation._describe import split_annotated
        from ouroboros.validation._fields import FieldInfo
        from ouroboros.validation.core import Some

        _, metadata = split_annotated(self.type)
        found = [m for m in metadata if isinstance(m, FieldInfo) and not m.is_required()]
        if not found:
            return None
        info = found[-1]
        value = info.get_default(call_default_factory=True)
        if self._config.get("validate_default") or info.validate_default:
            value = self.validate_python(value, strict=strict, context=context)
        return Some(value)

    def validate_json(
        self,
        data: str | bytes | bytearray,
        /,
        *,
        strict: bool | None = None,
        context: Any = None,
        experimental_allow_partial: Any = False,
        by_alias: bool | None = None,
        by_name: bool | None = None,
        extra: str | None = None,
    ) -> T:
        """Parse JSON in Rust and validate it."""
        if experimental_allow_partial is not False:
            return self._partial(
                experimental_allow_partial,
                None,
                lambda text: self._validator.validate_json(
                    text, strict=strict, extra=extra, context=context, by_alias=by_alias, by_name=by_name
                ),
                json_text=data,
            )
        try:
            return self._validator.validate_json(
                data, strict=strict, extra=extra, context=context, by_alias=by_alias, by_name=by_name
            )
        except PydanticOmit:
            raise _uncaught_omit() from None

    def validate_strings(
        self,
        obj: Any,
        /,
        *,
        strict: bool | None = None,
        context: Any = None,
        experimental_allow_partial: Any = False,
        by_alias: bool | None = None,
        by_name: bool | None = None,
        extra: str | None = None,
    ) -> T:
        """Validate string leaves (as parsed from a query string).

        Strings are parsed into the declared types (numbers, dates...) also with ``strict=True``,
        as Pydantic's string mode does: the leaves are validated in lax mode."""
        if experimental_allow_partial is not False:
            return self._partial(
                experimental_allow_partial,
                obj,
                lambda value: self._validator.validate_python(
                    value, context=context, by_alias=by_alias, by_name=by_name, extra=extra
                ),
            )
        return self._validator.validate_python(obj, context=context, by_alias=by_alias, by_name=by_name, extra=extra)

    def dump_python(
        self,
        instance: T,
        /,
        *,
        mode: str = "python",
        include: Any = None,
        exclude: Any = None,
        by_alias: bool | None = None,
        exclude_unset: bool = False,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
        round_trip: bool = False,
        warnings: Any = True,
        fallback: Any = None,
        serialize_as_any: bool = False,
        polymorphic_serialization: bool | None = None,
        context: Any = None,
        exclude_computed_fields: bool = False,
    ) -> Any:
        """Serialize to Python data (``mode="json"``: JSON types only).

        ``round_trip``, ``warnings`` and ``context`` are accepted for
        Pydantic compatibility and do not change the output; ``fallback`` (JSON mode) turns
        values of types the serializer does not know into JSON data."""
        if fallback is not None and mode == "json":
            return json.loads(self.dump_json(instance, fallback=fallback, include=include, exclude=exclude))
        instance = self._walked(self._as_declared(instance, serialize_as_any, polymorphic_serialization), mode)
        token = enter_dump_of(mode, locals())
        try:
            out = self._validator.to_python(
                instance,
                mode="json" if mode == "json" else "python",
                include=include,
                exclude=exclude,
                by_alias=bool(by_alias),
                exclude_unset=exclude_unset,
                exclude_defaults=exclude_defaults,
                exclude_none=exclude_none,
                serialize_as_any=serialize_as_any or polymorphic_serialization is True,
            )
        finally:
            leave_dump(token)
        return out if fallback is None else _with_fallback(out, fallback)

    def dump_json(
        self,
        instance: T,
        /,
        *,
        indent: int | None = None,
        include: Any = None,
        exclude: Any = None,
        by_alias: bool | None = None,
        exclude_unset: bool = False,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
        round_trip: bool = False,
        warnings: Any = True,
        fallback: Any = None,
        serialize_as_any: bool = False,
        polymorphic_serialization: bool | None = None,
        context: Any = None,
        exclude_computed_fields: bool = False,
        ensure_ascii: bool = False,
    ) -> bytes:
        """Serialize to JSON bytes (as Pydantic's ``dump_json``)."""
        if ensure_ascii:
            kwargs = {k: v for k, v in locals().items() if k not in ("self", "instance", "ensure_ascii")}
            from ouroboros.validation._ser_walk import ascii_json

            return ascii_json(self.dump_json(instance, **kwargs))
        if fallback is not None:
            plain = self.dump_python(instance, include=include, exclude=exclude, by_alias=by_alias)
            separators = (",", ":") if indent is None else None
            return json.dumps(
                plain, default=fallback, indent=indent, separators=separators, ensure_ascii=False
            ).encode()
        instance = self._walked(self._as_declared(instance, serialize_as_any, polymorphic_serialization), "json")
        token = enter_dump_of("json", locals())
        try:
            out = self._validator.to_json(
                instance,
                include=include,
                exclude=exclude,
                by_alias=bool(by_alias),
                exclude_unset=exclude_unset,
                exclude_defaults=exclude_defaults,
                exclude_none=exclude_none,
                as_str=False,
                serialize_as_any=serialize_as_any or polymorphic_serialization is True,
            )
        finally:
            leave_dump(token)
        if indent is not None:
            return json.dumps(json.loads(out), indent=indent, ensure_ascii=False).encode()
        return out

    def _walked(self, value: Any, mode: str) -> Any:
        """``value`` with the type's ``PlainSerializer``/``WrapSerializer`` markers (at its top or
        inside containers and named tuples) applied, as Pydantic's serializer does; the value
        itself when the type holds none (the walk is looked up once per adapter)."""
        walk = self._walk
        if walk is _NOT_WALKED:
            from ouroboros.validation._ser_walk import marker_walker

            walk = self._walk = marker_walker(self.type, self._config.get("json_encoders"))
        return value if walk is None else walk(value, "json" if mode == "json" else "python")

    def _as_declared(self, value: Any, as_any: bool, polymorphic: bool | None) -> Any:
        """A subclass instance of the adapter's model or dataclass is dumped as the declared class
        (its fields only), unless polymorphic serialization is asked for (by the call, else by the
        class's config; never for standard library dataclasses), as Pydantic does."""
        declared = split_annotated(self.type)[0]
        if (
            not isinstance(declared, type)
            or type(value) is declared
            or not (is_model_class(declared) or dataclasses.is_dataclass(declared))
            or not isinstance(value, declared)
        ):
            return value
        if is_model_class(declared):
            config = declared.model_config
        elif dataclasses.is_dataclass(declared):
            config = getattr(declared, "__pydantic_config__", None) or {}
        else:
            return value
        enabled = as_any or (polymorphic if polymorphic is not None else config.get("polymorphic_serialization"))
        if enabled and (is_model_class(declared) or is_pydantic_dataclass(declared)):
            return value
        if is_model_class(declared):
            view = declared.__new__(declared)
            names = declared.__ouroboros_fields__
            object.__setattr__(view, "__dict__", {k: v for k, v in value.__dict__.items() if k in names})
            object.__setattr__(view, "__ouroboros_fields_set__", set(value.__ouroboros_fields_set__) & set(names))
            extra = getattr(value, "__ouroboros_extra__", None)
            if extra is not None:
                object.__setattr__(view, "__ouroboros_extra__", extra)
            return view
        try:
            # An instance of the declared dataclass itself, so its own serializers apply.
            view = declared.__new__(declared)
            for f in dataclasses.fields(declared):
                object.__setattr__(view, f.name, getattr(value, f.name))
        except (AttributeError, TypeError):
            return {f.name: getattr(value, f.name) for f in dataclasses.fields(declared)}
        return view

    def json_schema(
        self,
        *,
        by_alias: bool = True,
        ref_template: str = "#/$defs/{model}",
        schema_generator: Any = None,
        mode: str = "validation",
        union_format: str = "any_of",
    ) -> dict[str, Any]:
        """JSON Schema (draft 2020-12) of the type."""
        from ouroboros.validation.json_schema import GenerateJsonSchema

        generator = (schema_generator or GenerateJsonSchema)(
            by_alias=by_alias, ref_template=ref_template, union_format=union_format
        )
        schema = self._schema
        # The adapter's config (ser_json_* keys) applies to what the generator writes.
        generator._ouroboros_config = self._config
        return generator.generate(self.type if is_model_class(self.type) else schema, mode=mode)

    @classmethod
    def json_schemas(
        cls,
        inputs: Any,
        /,
        *,
        by_alias: bool = True,
        title: str | None = None,
        description: str | None = None,
        ref_template: str = "#/$defs/{model}",
        schema_generator: Any = None,
    ) -> tuple[dict[tuple[Any, str], dict[str, Any]], dict[str, Any]]:
        """Schemas of several ``(key, mode, adapter)`` inputs sharing one ``$defs``."""
        defs: dict[str, Any] = {}
        out: dict[tuple[Any, str], dict[str, Any]] = {}
        for key, mode, adapter in inputs:
            schema = adapter.json_schema(
                by_alias=by_alias, ref_template=ref_template, schema_generator=schema_generator, mode=mode
            )
            defs.update(schema.pop("$defs", {}))
            if is_model_class(adapter.type) and "$ref" not in schema:
                name = schema.get("title", adapter.type.__name__)
                defs[name] = schema
                schema = {"$ref": ref_template.format(model=name)}
            out[(key, mode)] = schema
        top: dict[str, Any] = {}
        if defs:
            top["$defs"] = dict(sorted(defs.items()))
        if title:
            top["title"] = title
        if description:
            top["description"] = description
        return out, top

    @property
    def validator(self) -> Any:
        """The compiled validator (``validate_python``/``validate_json``); a stand-in that builds
        on first use while the build waits (``defer_build``)."""
        return self._validator if self._built is not None else _DeferredBuild(self)

    @property
    def serializer(self) -> Any:
        """The serializer: ``to_python(value, mode=...)`` and ``to_json(value) -> bytes``."""
        return _Serializer(self) if self._built is not None else _DeferredBuild(self)

    @property
    def core_schema(self) -> Any:
        """The type schema this adapter validates with (ouroboros description format)."""
        return self._schema if self._built is not None else _DeferredBuild(self)


def _uncaught_omit() -> Exception:
    """``PydanticOmit`` outside a list, dict or field that can leave the value out: pydantic-core's
    ``SchemaError``."""
    from ouroboros.validation.core._translate import SchemaError

    return SchemaError("Uncaught Omit error, please check your usage of `default` validators.")


def _with_fallback(value: Any, fallback: Any) -> Any:
    """A Python-mode dump with ``fallback(v)`` in place of each value of a type the serializer
    does not know (kept as it is otherwise), inside lists, tuples, sets and dict values too."""
    import datetime
    import decimal
    import enum
    import fractions
    import ipaddress
    import pathlib
    import re
    import uuid

    from ouroboros.validation.core import MultiHostUrl, Url

    known = (str, bytes, bytearray, int, float, complex, datetime.date, datetime.time, datetime.timedelta)
    known += (decimal.Decimal, uuid.UUID, enum.Enum, type(None), pathlib.PurePath, re.Pattern, fractions.Fraction)
    known += (ipaddress.IPv4Address, ipaddress.IPv6Address, ipaddress.IPv4Network, ipaddress.IPv6Network)
    known += (ipaddress.IPv4Interface, ipaddress.IPv6Interface, Url, MultiHostUrl)
    if isinstance(value, known):
        return value
    if isinstance(value, dict):
        return {k: _with_fallback(v, fallback) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return type(value)(_with_fallback(v, fallback) for v in value)
    return fallback(value)


def _own_config(type_: Any) -> dict[str, Any] | None:
    """The config a model, dataclass or TypedDict (also under ``Annotated``) carries, or None."""
    declared = split_annotated(type_)[0]
    if is_model_class(declared):
        return dict(declared.model_config)
    return getattr(declared, "__pydantic_config__", None)


def _as_undefined_annotation(exc: Exception) -> Exception:
    """A name still undefined at build time, as Pydantic's ``PydanticUndefinedAnnotation``."""
    from ouroboros.validation.errors import PydanticUndefinedAnnotation

    if isinstance(exc, (UndefinedAnnotation, NameError)) and not isinstance(exc, PydanticUndefinedAnnotation):
        name = str(exc.args[0]) if exc.args else str(exc)
        return PydanticUndefinedAnnotation(name, f"name {name!r} is not defined")
    return exc


class _DeferredBuild(_Deferred):
    """What ``TypeAdapter.core_schema``/``validator``/``serializer`` are while the build waits
    (Pydantic's ``MockCoreSchema``/``MockValSer``): any use builds the adapter."""

    def __init__(self, adapter: TypeAdapter[Any]) -> None:
        self._adapter = adapter

    def __getattr__(self, name: str) -> Any:
        adapter = self._adapter
        try:
            adapter._build()
        except (UndefinedAnnotation, NameError) as exc:
            raise _as_undefined_annotation(exc) from None
        serializer = _Serializer(adapter)
        return getattr(serializer if hasattr(serializer, name) else adapter._validator, name)


class _Serializer:
    """``TypeAdapter.serializer``: pydantic-core's ``SchemaSerializer`` methods over the adapter."""

    __slots__ = ("_adapter",)

    def __init__(self, adapter: TypeAdapter[Any]) -> None:
        self._adapter = adapter

    def to_python(self, value: Any, *, mode: str = "python", **kwargs: Any) -> Any:
        return self._adapter.dump_python(value, mode=mode, **kwargs)

    def to_json(self, value: Any, *, indent: int | None = None, **kwargs: Any) -> bytes:
        return self._adapter.dump_json(value, indent=indent, **kwargs)


_CONSTRAINTS = {
    "int": ("gt", "ge", "lt", "le", "multiple_of"),
    "float": ("gt", "ge", "lt", "le", "multiple_of"),
    "str": ("min_length", "max_length", "pattern", "strip_whitespace", "to_lower", "to_upper"),
    "bytes": ("min_length", "max_length"),
}
_PLAIN = {"bool", "none", "any", "date", "datetime", "time", "timedelta", "uuid", "decimal"}


def _validator_name(schema: Any) -> str | None:
    """pydantic-core's name of the validator a schema compiles to, which Pydantic uses as a
    TypeAdapter's title ("list[int]", "dict[str,int]", "nullable[int]", "constrained-int",
    "union[int,str]", "literal['a',1]"); ``None`` for a schema not named here (the caller
    falls back to the type's own name)."""
    if not isinstance(schema, dict):
        return None
    kind = schema.get("type")
    if kind in _CONSTRAINTS:
        constrained = any(schema.get(key) is not None for key in _CONSTRAINTS[kind])
        return f"constrained-{kind}" if constrained else kind
    if kind in _PLAIN:
        return kind

    def inner(key: str) -> str | None:
        return _validator_name(schema[key]) if key in schema else "any"

    if kind in ("list", "set", "frozenset"):
        item = inner("items")
        return None if item is None else f"{kind}[{item}]"
    if kind == "dict":
        key, value = inner("keys"), inner("values")
        return None if key is None or value is None else f"dict[{key},{value}]"
    if kind == "nullable":
        wrapped = inner("schema")
        return None if wrapped is None else f"nullable[{wrapped}]"
    if kind == "union":
        names = [_validator_name(choice) for choice in schema.get("choices", ())]
        return None if not names or None in names else f"union[{','.join(names)}]"  # type: ignore[arg-type]
    if kind == "tuple":
        if "items" in schema and "variadic" not in schema:
            names = [_validator_name(item) for item in schema["items"]]
            return None if None in names else f"tuple[{', '.join(names)}]"  # type: ignore[arg-type]
        if "variadic" in schema and "items" not in schema:
            item = inner("variadic")
            return None if item is None else f"tuple[{item}, ...]"
        return None
    if kind == "literal":
        return f"literal[{','.join(repr(value) for value in schema.get('expected', ()))}]"
    if kind == "model":
        cls = schema.get("cls")
        return getattr(cls, "__name__", None)
    if kind == "function":
        return _function_validator_name(schema)
    return None


def _function_validator_name(schema: dict[str, Any]) -> str | None:
    """A function validator's name, as the schema crate labels it in union errors."""
    if "label" in schema:
        return schema["label"]
    name = schema.get("name")
    if name is None:
        return None
    if schema.get("wrap"):
        return f"function-wrap[{name}()]"
    mode = schema.get("mode")
    if mode == "plain":
        return f"function-plain[{name}()]"
    inner = _validator_name(schema["schema"]) if "schema" in schema else "any"
    return None if inner is None else f"function-{mode}[{name}(), {inner}]"
