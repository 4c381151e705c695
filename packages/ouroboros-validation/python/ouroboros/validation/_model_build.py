"""Build a model class's description (``__ouroboros_schema__``) and validator."""

from __future__ import annotations

import contextlib
import copy
import enum
import inspect
import sys
import typing
import warnings
import weakref
from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any

from ouroboros.core import SCHEMA_FORMAT_VERSION
from ouroboros.validation._decorators import (
    ComputedFieldInfo,
    DecoratorInfo,
    SerializationInfo,
    ValidationInfo,
    _arity,
    count_positional_required,
    dump_options,
    takes_validated_data,
)
from ouroboros.validation._describe import (
    DescribeContext,
    UndefinedAnnotation,
    describe_type,
    describing_field,
    split_annotated,
    with_input_type,
)
from ouroboros.validation._fields import PYDANTIC_UNDEFINED, FieldInfo
from ouroboros.validation._ser_walk import call_serializer, serialization_type

__all__ = ["build_description", "collect_fields"]


def _unwrap(func: Any, cls: type | None = None) -> tuple[Any, bool]:
    """The plain function and whether it takes ``cls`` first."""
    import functools

    if isinstance(func, staticmethod):
        return func.__func__, False
    if isinstance(func, classmethod):
        return func.__func__, True
    if isinstance(func, functools.partialmethod) and cls is not None:
        # Bound the way the class would bind it (a classmethod inside gets ``cls``).
        return func.__get__(None, cls), False
    # A plain function is called as it is: the decorators made those taking ``cls`` class methods.
    return func, False


def _resolved(cls: type, dec: DecoratorInfo) -> Any:
    """The decorated function as ``cls`` sees it now: a subclass attribute of the same name
    (decorated or not) replaces the parent's function, as in Pydantic."""
    attr = dec.extra.get("attr")
    for base in cls.__mro__ if attr else ():
        if attr in base.__dict__:
            value = base.__dict__[attr]
            marked = getattr(value, "__ouroboros_decorator__", None)
            return marked.func if isinstance(marked, DecoratorInfo) else value
    return dec.func


def _bound(cls: type, dec: DecoratorInfo) -> Any:
    """The decorated function bound the way ``getattr(cls, name)`` binds it."""
    func = _resolved(cls, dec)
    get = getattr(type(func), "__get__", None)
    return func if get is None else get(func, None, cls)


def _each_item(schema: dict[str, Any], wrap: Any) -> dict[str, Any]:
    """``@validator(..., each_item=True)``: the validators pushed down to the items (or dict values)."""
    kind = schema.get("type")
    if kind == "nullable":
        return {**schema, "schema": _each_item(schema["schema"], wrap)}
    if kind == "tuple":
        return {**schema, "variadic": wrap(schema["variadic"])} if "variadic" in schema else schema
    if kind in ("list", "set", "frozenset"):
        return {**schema, "items": wrap(schema.get("items", {"type": "any"}))}
    if kind == "dict":
        return {**schema, "values": wrap(schema.get("values", {"type": "any"}))}
    raise TypeError(f"`@validator(..., each_item=True)` cannot be applied to fields with a schema of {kind}")


def _apply_v1_validators(cls: type, name: str, schema: dict[str, Any], decorators: list[DecoratorInfo]) -> Any:
    """A field's v1 ``@validator``s around its schema (outside the ``@field_validator``s, as in
    Pydantic); returns the schema and whether one of them asks for ``always``."""
    from ouroboros.validation._deprecated import v1_field_validator

    mine = [d for d in decorators if d.kind == "validator" and (name in d.fields or "*" in d.fields)]
    if not mine:
        return schema, False

    def wrap(inner: dict[str, Any], decs: list[DecoratorInfo]) -> dict[str, Any]:
        for dec in decs:
            inner = {
                "type": "function",
                "mode": dec.mode,
                "func": v1_field_validator(_bound(cls, dec)),
                "schema": inner,
            }
        return inner

    each = [d for d in mine if d.extra.get("each_item")]
    if each:
        schema = _each_item(schema, lambda inner: wrap(inner, each))
    schema = wrap(schema, [d for d in mine if not d.extra.get("each_item")])
    return schema, any(d.extra.get("always") for d in mine)


def _v1_root_call(cls: type, dec: DecoratorInfo) -> Any:
    """A v1 ``@root_validator``: ``pre`` gets the input, the other gets the fields and extra values
    as one dict and returns it (what is not a field goes back to the extra values)."""
    func = _bound(cls, dec)
    if dec.mode == "before":
        return func

    def after(instance: Any) -> Any:
        values = dict(instance.__dict__)
        names = set(values)
        extra = instance.__pydantic_extra__
        if extra:
            values.update(extra)
        out = func(values)
        if extra:
            for key in [k for k in out if k not in names]:
                extra[key] = out.pop(key)
        object.__setattr__(instance, "__dict__", out)
        return instance

    return after


def collect_fields(cls: type, own_annotations: dict[str, Any], namespace: dict[str, Any]) -> dict[str, FieldInfo]:
    """Fields of ``cls``: its bases' (in MRO order), then its own annotations."""
    fields: dict[str, FieldInfo] = {}
    for base in reversed(cls.__mro__[1:]):
        inherited = getattr(base, "__ouroboros_fields__", {}) if base.__dict__.get("__ouroboros_model__") else {}
        # Copies: a subclass's FieldInfo changed later (its `metadata` list...) leaves the parent's alone.
        fields.update({name: copy.copy(info) for name, info in inherited.items()})
    docs: dict[str, str] = {}
    if getattr(cls, "model_config", {}).get("use_attribute_docstrings"):
        docs = attribute_docstrings(cls.__dict__.get("__ouroboros_docs_source__", cls))
    class_vars: set[str] = set()
    for base in cls.__mro__[1:]:
        class_vars.update(base.__dict__.get("__class_vars__", ()))
    for name, annotation in own_annotations.items():
        if name == "model_config" and "__ouroboros_docs_source__" not in namespace:
            # The config, annotated (`model_config: ConfigDict = {...}`), is never a model's
            # field (a Pydantic dataclass may have one: its mirror model names its source).
            continue
        if _is_classvar(annotation):
            class_vars.add(name)
            continue
        if name.startswith("_"):
            continue
        value = namespace.get(name, PYDANTIC_UNDEFINED)
        final, annotation = _strip_final(annotation)
        if final and value is not PYDANTIC_UNDEFINED and not isinstance(value, FieldInfo):
            import warnings

            from ouroboros.validation.warnings import PydanticDeprecatedSince211

            warnings.warn(
                PydanticDeprecatedSince211(
                    f"Annotation {name!r} is marked as final and has a default value. Pydantic treats {name!r} as a "
                    "class variable, but it will be considered as a normal field in V3 to be aligned with dataclasses. "
                    f"If you still want {name!r} to be considered as a class variable, annotate it as: "
                    "`ClassVar[<type>] = <default>.`"
                ),
                stacklevel=4,
            )
            class_vars.add(name)
            continue
        _, metadata = split_annotated(annotation) if not isinstance(annotation, str) else (annotation, [])
        info = FieldInfo(annotation=annotation)
        for item in metadata:
            if isinstance(item, FieldInfo):
                info = info.merge(item)
            elif _is_deprecated_marker(item):
                info.deprecated = item
        if isinstance(value, FieldInfo):
            info = info.merge(value)
        elif value is not PYDANTIC_UNDEFINED and value is not Ellipsis:
            # `x: int = ...` is a required field, as in Pydantic.
            info.default = value
        info._metadata_items = [*info._metadata_items, *(m for m in metadata if not isinstance(m, FieldInfo))]
        info.annotation = annotation
        if final:
            info.frozen = True
        if info.description is None and name in docs:
            info.description = docs[name]
        fields[name] = info
    type.__setattr__(cls, "__class_vars__", class_vars)
    return fields


def attribute_docstrings(cls: type) -> dict[str, str]:
    """``use_attribute_docstrings``: the string literal right under an attribute of the class
    body, by attribute name (read from the class's source; empty when there is none)."""
    import ast
    import itertools
    import textwrap

    try:
        source = textwrap.dedent(inspect.getsource(cls))
    except (OSError, TypeError):
        return {}
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {}
    classdef = next((n for n in tree.body if isinstance(n, ast.ClassDef)), None)
    if classdef is None:
        return {}
    out: dict[str, str] = {}
    body = classdef.body
    for prev, node in itertools.pairwise(body):
        if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):
            continue
        if not isinstance(node.value.value, str):
            continue
        if isinstance(prev, ast.AnnAssign) and isinstance(prev.target, ast.Name):
            out[prev.target.id] = inspect.cleandoc(node.value.value)
        elif isinstance(prev, ast.Assign) and len(prev.targets) == 1 and isinstance(prev.targets[0], ast.Name):
            out[prev.targets[0].id] = inspect.cleandoc(node.value.value)
    return out


def _strip_final(annotation: Any) -> tuple[bool, Any]:
    """``Final[T]`` (also inside or around ``Annotated``) -> ``(True, T)``; bare ``Final`` -> Any."""
    if isinstance(annotation, str):
        return False, annotation
    base, metadata = split_annotated(annotation)
    if base is typing.Final:
        inner: Any = Any
    elif typing.get_origin(base) is typing.Final:
        inner = typing.get_args(base)[0]
    else:
        return False, annotation
    return True, (typing.Annotated[(inner, *metadata)] if metadata else inner)


def _is_deprecated_marker(item: Any) -> bool:
    """``warnings.deprecated("...")`` / ``typing_extensions.deprecated("...")`` in ``Annotated``."""
    return type(item).__name__ == "deprecated" and isinstance(getattr(item, "message", None), str)


def deprecation_message(value: Any) -> tuple[str, type[Warning]]:
    """The message and category a deprecated field warns with on access."""
    if isinstance(value, str):
        return value, DeprecationWarning
    if _is_deprecated_marker(value):
        return value.message, getattr(value, "category", None) or DeprecationWarning
    return "deprecated", DeprecationWarning


class DeprecatedFieldAccess:
    """Installed on the class for a ``Field(deprecated=...)``: reading it warns."""

    def __init__(self, name: str, value: Any) -> None:
        self.name = name
        self.message, self.category = deprecation_message(value)

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        if obj is None:
            raise AttributeError(self.name)
        import warnings

        warnings.warn(self.message, self.category, stacklevel=2)
        try:
            return obj.__dict__[self.name]
        except KeyError:
            raise AttributeError(self.name) from None

    def __set__(self, obj: Any, value: Any) -> None:
        obj.__dict__[self.name] = value


def _is_classvar(annotation: Any) -> bool:
    if isinstance(annotation, str):
        # `ClassVar[...]`, `typing.ClassVar[...]`, `t.ClassVar[...]` written as text.
        head = annotation.split("[", 1)[0].strip()
        return head == "ClassVar" or head.endswith(".ClassVar")
    return annotation is typing.ClassVar or typing.get_origin(annotation) is typing.ClassVar


def _enum_value(value: Any, _data: Any, _context: Any = None) -> Any:
    return getattr(value, "value", value)


def _enum_values(schema: Any) -> Any:
    """``use_enum_values``: store an enum's value instead of the member, wherever an enum (or
    a Literal of enum members) is in the field's type: in unions, containers, optionals."""
    if not isinstance(schema, dict):
        return schema
    kind = schema.get("type")
    if kind == "enum" or (kind == "literal" and any(isinstance(v, enum.Enum) for v in schema.get("expected", ()))):
        return {"type": "function", "mode": "after", "func": _enum_value, "schema": schema}
    if kind in ("model", "typed_dict", "dataclass"):
        return schema
    out = dict(schema)
    for key in ("schema", "items", "keys", "values", "variadic", "choices"):
        part = schema.get(key)
        if isinstance(part, list):
            out[key] = [_enum_values(p) for p in part]
        elif isinstance(part, dict):
            out[key] = _enum_values(part)
    return out


def _field_validator_call(cls: type, dec: DecoratorInfo, field_name: str) -> Any:
    func, takes_cls = _unwrap(_resolved(cls, dec), cls)
    n = _arity(func) - (1 if takes_cls else 0)
    prefix = (cls,) if takes_cls else ()
    if dec.mode == "wrap":
        return None
    if n >= 2:
        return lambda value, data, context=None: func(*prefix, value, ValidationInfo(data, field_name, context=context))
    return lambda value, _data, _context=None: func(*prefix, value)


def _wrap_field_validator(cls: type, dec: DecoratorInfo, field_name: str, schema: dict[str, Any]) -> dict[str, Any]:
    if dec.mode == "wrap":
        from ouroboros.validation._describe import _LazyHandler

        func, takes_cls = _unwrap(_resolved(cls, dec), cls)
        prefix = (cls,) if takes_cls else ()
        handler = _LazyHandler(schema)
        with_info = _arity(func) - len(prefix) >= 3

        def wrap(value: Any, data: Any, context: Any = None) -> Any:
            if with_info:
                return func(*prefix, value, handler, ValidationInfo(data, field_name, context=context))
            return func(*prefix, value, handler)

        described = {"type": "function", "mode": "plain", "func": wrap, "inner_schema": schema}
    else:
        call = _field_validator_call(cls, dec, field_name)
        if dec.mode == "plain":
            described = {"type": "function", "mode": "plain", "func": call, "inner_schema": schema}
        else:
            described = {"type": "function", "mode": dec.mode, "func": call, "schema": schema}
    input_type = dec.extra.get("json_schema_input_type", Any)
    if input_type is Any and dec.mode != "plain":
        return described
    return with_input_type(described, dec.mode, input_type, schema)


def _field_exclude_if(info: FieldInfo, annotation: Any) -> Any:
    """``exclude_if(value)`` of a field for its dumps: the user's ``Field(exclude_if=...)``, and
    for a field that may hold ``MISSING``, the sentinel (left out as in Pydantic)."""
    from ouroboros.validation._fields import is_missing, may_be_missing

    user = info.exclude_if
    if not may_be_missing(annotation):
        return user
    if user is None:
        return is_missing
    return lambda value: is_missing(value) or user(value)


def _annotated_serializer(annotation: Any, encoders: dict[Any, Any] | None = None) -> dict[str, Any] | None:
    """``PlainSerializer``/``WrapSerializer`` markers in a field's annotation (at its top,
    the last one winning as in Pydantic, or inside ``X | None``, lists, dicts, tuples),
    as the field's serializer entry."""
    from ouroboros.validation._ser_walk import marker_walker

    walk = marker_walker(annotation, encoders)
    if walk is None:
        return None

    def ser(instance: Any, value: Any, mode: str) -> Any:
        return walk(value, mode)

    return {"serializer": ser, "serializer_mode": "plain", "serializer_when_used": "always"}


def _positional_required(func: Any) -> tuple[inspect.Signature, str | None, int] | None:
    """The signature of a serializer, its first parameter's name and how many positional
    parameters it requires (the first always counts), or None when it has no signature."""
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError):
        return None
    params = list(sig.parameters.values())
    return sig, (params[0].name if params else None), count_positional_required(sig)


def _serializer_takes_info(mode: str, n: int) -> bool | None:
    if mode == "plain":
        return {1: False, 2: True}.get(n)
    return {2: False, 3: True}.get(n)


def _field_serializer_call(cls: type, dec: DecoratorInfo, field_name: str) -> Any:
    """``ser(instance, value, mode)`` calling a ``@field_serializer``: a method when its first
    parameter is ``self``, with ``info`` when it takes one more positional parameter."""
    from ouroboros.validation._model import PydanticUserError

    func, _ = _unwrap(dec.func, cls)
    if isinstance(dec.func, classmethod):
        func = dec.func.__get__(None, cls)
    inspected = _positional_required(func)
    if inspected is None:
        is_method, with_info = False, False
    else:
        sig, first, n = inspected
        is_method = first == "self"
        with_info = _serializer_takes_info(dec.mode, n - 1 if is_method else n)
        if with_info is None:
            raise PydanticUserError(
                f"Unrecognized field_serializer function signature for {dec.func} with `mode={dec.mode}`:{sig}",
                code="field-serializer-signature",
            )
    unless_none = dec.when_used in ("unless-none", "json-unless-none")

    def call(instance: Any, *args: Any) -> Any:
        return call_serializer(func, instance, *args) if is_method else call_serializer(func, *args)

    if dec.mode == "wrap":

        def ser_wrap(instance: Any, value: Any, mode: str) -> Any:
            if with_info:
                return call(instance, value, _identity, SerializationInfo(mode, field_name))
            return call(instance, value, _identity)

        return ser_wrap

    def ser(instance: Any, value: Any, mode: str) -> Any:
        if unless_none and value is None:
            return None
        return call(instance, value, SerializationInfo(mode, field_name)) if with_info else call(instance, value)

    return ser


def _model_serializer_call(dec: DecoratorInfo, description: dict[str, Any]) -> Any:
    """``ser(instance, mode)`` calling a ``@model_serializer`` instance method. The wrap
    handler (and a ``when_used="json"`` serializer in Python mode) dumps the instance by its
    fields (the validator of ``description``, compiled on first use, skipping this serializer
    for the instance itself only), with the dump's own options (include/exclude...)."""
    from ouroboros.validation._model import PydanticUserError

    func = dec.func
    inspected = None if isinstance(func, (classmethod, staticmethod)) else _positional_required(func)
    if inspected is None or inspected[1] != "self":
        raise PydanticUserError(
            "`@model_serializer` must be applied to instance methods", code="model-serializer-instance-method"
        )
    sig, _, n = inspected
    with_info = _serializer_takes_info(dec.mode, n)
    if with_info is None:
        raise PydanticUserError(
            f"Unrecognized model_serializer function signature for {func} with `mode={dec.mode}`:{sig}",
            code="model-serializer-signature",
        )
    compiled: list[Any] = []

    def by_fields(instance: Any, mode: str) -> Any:
        if not compiled:
            from ouroboros.validation._validation import SchemaValidator

            compiled.append(SchemaValidator(description))
        options = dump_options()
        forwarded = {k: options[k] for k in _FORWARDED_OPTIONS if options.get(k) is not None}
        return compiled[0].to_python(instance, mode=mode, by_fields=True, **forwarded)

    json_only = dec.when_used in ("json", "json-unless-none")

    def ser(instance: Any, mode: str) -> Any:
        if json_only and mode != "json":
            return by_fields(instance, mode)
        if dec.mode == "wrap":

            def handler(value: Any, *_: Any) -> Any:
                return by_fields(value, mode)

            args = (instance, handler, SerializationInfo(mode)) if with_info else (instance, handler)
        else:
            args = (instance, SerializationInfo(mode)) if with_info else (instance,)
        return call_serializer(func, *args)

    return ser


# The dump options a model serializer's handler passes on to the dump by fields.
_FORWARDED_OPTIONS = ("include", "exclude", "by_alias", "exclude_unset", "exclude_defaults", "exclude_none")


def _identity(value: Any, *_: Any) -> Any:
    return value


class _ModelHandler:
    """The ``handler`` of a wrap model validator: the model's validation
    without that validator, compiled on first use."""

    def __init__(self, inner_description: dict[str, Any]) -> None:
        self._description = inner_description
        self._validator: Any = None

    def __call__(self, data: Any) -> Any:
        if self._validator is None:
            from ouroboros.validation._validation import SchemaValidator

            self._validator = SchemaValidator(self._description)
        return self._validator.validate_python(data)


def _model_wrap_call(cls: type, dec: DecoratorInfo, inner_description: dict[str, Any]) -> Any:
    func, takes_cls = _unwrap(dec.func)
    prefix = (cls,) if takes_cls else ()
    handler = _ModelHandler(inner_description)
    with_info = _arity(func) - len(prefix) >= 3
    if with_info:
        return lambda data: func(*prefix, data, handler, ValidationInfo(None, None))
    return lambda data: func(*prefix, data, handler)


def _model_validator_call(cls: type, dec: DecoratorInfo) -> Any:
    func, takes_cls = _unwrap(dec.func)
    if dec.mode == "after":
        with_info = _arity(func) >= 2

        def after(instance: Any) -> Any:
            result = func(instance, ValidationInfo(None, None)) if with_info else func(instance)
            if result is not instance and _called_from_init(instance):
                # `Model(...)` keeps the instance it fills; Pydantic warns that the value is ignored.
                warnings.warn(
                    "A custom validator is returning a value other than `self`.\n"
                    "Returning anything other than `self` from a top level model validator isn't supported "
                    "when validating via `__init__`.\nSee the `model_validator` docs "
                    f"(https://pydantic.dev/docs/validation/{_short_version()}/concepts/validators/"
                    "#model-validators) for more details.",
                    UserWarning,
                    stacklevel=2,
                )
                return instance
            return instance if result is None else result

        return after
    prefix = (cls,) if takes_cls else ()
    with_info = _arity(func) - len(prefix) >= 2

    def before(data: Any) -> Any:
        given = data.args_kwargs if type(data) is InitArguments else data
        result = func(*prefix, given, ValidationInfo(None, None)) if with_info else func(*prefix, given)
        return data.rebind(result) if type(data) is InitArguments else result

    return before


class InitArguments(dict):  # type: ignore[type-arg]
    """The arguments of a Pydantic dataclass's ``__init__`` bound to its fields (what its mirror
    model validates); its ``mode="before"`` model validators see them as Pydantic shows them,
    an ``ArgsKwargs``, and may return another one, bound again here."""

    def __init__(self, data: dict[str, Any], args_kwargs: Any, positional: list[str]) -> None:
        super().__init__(data)
        self.args_kwargs = args_kwargs
        self.positional = positional

    def rebind(self, result: Any) -> Any:
        from ouroboros.validation.core import ArgsKwargs

        if not isinstance(result, ArgsKwargs):
            return result
        data = dict(zip(self.positional, result.args, strict=False))
        data.update(result.kwargs or {})
        return data

    def __repr__(self) -> str:
        return repr(self.args_kwargs)


def _called_from_init(instance: Any) -> bool:
    """Whether this after validator runs for ``Model.__init__`` of ``instance`` (the first Python
    frame above it; the validation between is native)."""
    frame = sys._getframe(2)
    return frame.f_code.co_name == "__init__" and frame.f_locals.get("self") is instance


def _short_version() -> str:
    from ouroboros.validation.version import version_short

    return version_short()


def _generated_title(generator: Any, label: str, *args: Any) -> str:
    """A title from a user's ``*_title_generator``, which must return a str."""
    title = generator(*args)
    if not isinstance(title, str):
        raise TypeError(f"{label} {generator} must return str, not {title.__class__}")
    return title


def _computed_title(name: str, info: ComputedFieldInfo, config: dict[str, Any]) -> str | None:
    if info.title is not None:
        return info.title
    generator = info.field_title_generator or config.get("field_title_generator")
    return _generated_title(generator, "field_title_generator", name, info) if generator is not None else None


def _computed_entry(
    cls: type,
    name: str,
    info: ComputedFieldInfo,
    config: dict[str, Any],
    decorators: list[DecoratorInfo],
    ctx: DescribeContext,
) -> dict[str, Any]:
    """A computed field's description: its name, alias, return type (a forward reference
    resolved where the model's annotations are), JSON Schema text, and how its value is dumped:
    by a ``@field_serializer`` naming it (or ``"*"``), else by the ``PlainSerializer``/
    ``WrapSerializer`` markers of its return type, and its ``exclude_if``."""
    return_type = info.return_type
    if isinstance(return_type, (str, typing.ForwardRef)):
        # An undefined name leaves the model incomplete until `model_rebuild`, as in Pydantic.
        return_type = ctx.resolve(return_type)
    if not ctx.arbitrary_types_allowed and not isinstance(return_type, (str, typing.ForwardRef)):
        _check_describable(return_type, ctx)
    entry: dict[str, Any] = {
        "name": name,
        "alias": info.alias,
        "return_type": return_type,
        "title": _computed_title(name, info, config),
        "description": info.description,
    }
    for key in ("examples", "json_schema_extra", "deprecated", "exclude_if"):
        if getattr(info, key) is not None:
            entry[key] = getattr(info, key)
    serializers = [d for d in decorators if d.kind == "field_serializer" and (name in d.fields or "*" in d.fields)]
    dumped_as = serialization_type(return_type, serializers[-1] if serializers else None)
    if dumped_as is not None:
        entry["serialization_type"] = dumped_as  # read by the JSON Schema only
    if serializers:
        dec = serializers[-1]
        entry["serializer"] = _field_serializer_call(cls, dec, name)
        entry["serializer_mode"] = dec.mode
        entry["serializer_when_used"] = "json" if dec.when_used.startswith("json") else "always"
        return entry
    if isinstance(return_type, (str, typing.ForwardRef)):
        return entry
    annotated = _annotated_serializer(return_type, config.get("json_encoders"))
    if annotated is not None:
        entry.update(annotated)
    return entry


def _check_describable(tp: Any, ctx: DescribeContext) -> None:
    """Raise Pydantic's ``PydanticSchemaGenerationError`` when ``tp`` (a computed field's return
    type) is a class without a schema, as Pydantic builds the return type's schema with the model.
    Any other failure is left to the serializer, which dumps by the value's own type."""
    from ouroboros.validation.errors import PydanticSchemaGenerationError

    try:
        describe_type(tp, ctx)
    except PydanticSchemaGenerationError:
        raise
    except Exception:  # noqa: BLE001 - only the unknown-class error is Pydantic's at definition
        pass


def has_forward_refs(annotation: Any) -> bool:
    """Whether ``annotation`` is or contains a string/``ForwardRef`` still to evaluate."""
    if isinstance(annotation, (str, typing.ForwardRef)):
        return True
    args = getattr(annotation, "__args__", None)
    if not isinstance(args, tuple):
        return False
    return any(has_forward_refs(a) for arg in args for a in (arg if isinstance(arg, list) else [arg]))


def _evaluate_nested(annotation: Any, ctx: Any) -> Any:
    try:
        return typing._eval_type(annotation, ctx.globalns, ctx.localns)  # type: ignore[attr-defined]
    except NameError as exc:
        raise UndefinedAnnotation(getattr(exc, "name", None) or str(exc)) from None


# The local namespaces of the models being built, outermost first.
PARENT_NAMESPACES: list[dict[str, Any]] = []


class _WeakRef(weakref.ref):  # type: ignore[type-arg]
    """A namespace entry held weakly (told apart from a user's own ``weakref.ref`` value)."""

    __slots__ = ()


class WeakNamespace(MutableMapping[str, Any]):
    """The names a class remembers for resolving its annotations later (the locals of the
    function that defined or parametrized it, the names given to ``model_rebuild``).

    Classes and model instances are held weakly, as Pydantic holds its parent namespace: a
    model made at run time (``create_model``, ``Model[int]``) that only another class's
    remembered names refer to is freed, not kept for the life of the process. Other values
    are held as they are."""

    __slots__ = ("_names",)

    def __init__(self, names: Mapping[str, Any] | None = None) -> None:
        if isinstance(names, WeakNamespace):
            self._names: dict[str, Any] = dict(names._names)
            return
        self._names = {}
        for key, value in (names or {}).items():
            if not (key.startswith("__") and key.endswith("__")):
                # A class body's `__annotations__`, `__module__`...: never a name to resolve, and
                # the annotations would hold the classes they name.
                self[key] = value

    def __setitem__(self, key: str, value: Any) -> None:
        if isinstance(value, type) or getattr(type(value), "__ouroboros_model__", False):
            with contextlib.suppress(TypeError):  # a class without weak reference support
                value = _WeakRef(value)
        self._names[key] = value

    def __delitem__(self, key: str) -> None:
        del self._names[key]

    def __getitem__(self, key: str) -> Any:
        value = self._names[key]
        if isinstance(value, _WeakRef):
            value = value()
            if value is None:
                raise KeyError(key)
        return value

    def __iter__(self) -> Iterator[str]:
        names = self._names
        return iter([key for key, value in names.items() if not isinstance(value, _WeakRef) or value() is not None])

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __repr__(self) -> str:
        return f"WeakNamespace({dict(self)!r})"


def _resolve_field_annotation(ctx: DescribeContext, origin: Any, cls: Any, name: str, annotation: Any) -> Any:
    """A field's string annotation evaluated. In a parametrization made in another module, one
    written in the generic class itself is looked up in that class's module only (Pydantic); a
    type argument given as a string (``Bar['A']``) in the parametrizing module's names."""
    own = getattr(origin, "__ouroboros_fields__", {}).get(name) if origin is not None else None
    if own is None or origin.__module__ == cls.__module__ or own.annotation != annotation:
        return ctx.resolve(annotation)
    saved = ctx.globalns
    ctx.globalns = getattr(sys.modules.get(origin.__module__), "__dict__", {})
    try:
        return ctx.resolve(annotation)
    finally:
        ctx.globalns = saved


def build_description(cls: Any) -> dict[str, Any]:
    """The plain-data description of model ``cls`` (see ouroboros-schema's README)."""
    config = cls.model_config
    globalns = getattr(sys.modules.get(cls.__module__), "__dict__", {})
    origin = getattr(cls, "__pydantic_generic_metadata__", {}).get("origin")
    if origin is not None and origin.__module__ != cls.__module__:
        # A parametrization made in another module: the origin's names first (its annotations).
        globalns = {**globalns, **getattr(sys.modules.get(origin.__module__), "__dict__", {})}
    # Names of the models whose build reached this one (a model declared before a name it
    # uses is completed from the namespace of a model declared after it), then its own.
    localns: dict[str, Any] = {}
    for namespace in PARENT_NAMESPACES:
        localns.update(namespace)
    localns.update(cls.__dict__.get("__ouroboros_localns__", {}))
    localns[cls.__name__] = cls
    ctx = DescribeContext(
        globalns,
        localns,
        strict=config.get("strict"),
        str_strip_whitespace=config.get("str_strip_whitespace", False),
        allow_inf_nan=config.get("allow_inf_nan"),
        arbitrary_types_allowed=config.get("arbitrary_types_allowed", False),
        typevars=_typevars(cls),
        self_type=cls,
    )
    if "__ouroboros_typevars__" in cls.__dict__:
        # A generic model's parametrization: its field annotations are bound already (their
        # TypeVars are its own open parameters); a forward reference is bound once resolved.
        ctx.ref_bindings, ctx.typevars = ctx.typevars, {}
    ctx.apply_config(config)
    decorators: list[DecoratorInfo] = cls.__ouroboros_decorators__
    fields = []
    resolved_fields: dict[str, FieldInfo] = {}
    for name, info in cls.__ouroboros_fields__.items():
        annotation = info.annotation
        if isinstance(annotation, (str, typing.ForwardRef)):
            annotation = _resolve_field_annotation(ctx, origin, cls, name, annotation)
            resolved = FieldInfo(annotation=annotation)
            _, metadata = split_annotated(annotation)
            for item in metadata:
                if isinstance(item, FieldInfo):
                    resolved = resolved.merge(item)
            info = resolved.merge(info)
            info._metadata_items = [*info._metadata_items, *(m for m in metadata if not isinstance(m, FieldInfo))]
            info.annotation = annotation
        elif has_forward_refs(annotation):
            # ``list['Hero']``: evaluated in place, so ``model_fields`` shows the type.
            info = copy.copy(info)
            info.annotation = _evaluate_nested(annotation, ctx)
        generator = config.get("alias_generator")
        if generator is not None:
            from ouroboros.validation.aliases import apply_alias_generator

            # A copy: a parent's field keeps the aliases its own config gave it.
            info = copy.copy(info)
            apply_alias_generator(generator, name, info)
        if info.title is None:
            title_generator = info.field_title_generator or config.get("field_title_generator")
            if title_generator is not None:
                info.title = _generated_title(title_generator, "field_title_generator", name, info)
        resolved_fields[name] = info
        ctx.top_annotation = annotation
        ctx.in_model = True
        token = describing_field.set(name)
        try:
            schema = describe_type(annotation, ctx, [info])
        finally:
            describing_field.reset(token)
        if config.get("use_enum_values"):
            schema = _enum_values(schema)
        for dec in decorators:
            if dec.kind == "field_validator" and (name in dec.fields or "*" in dec.fields):
                schema = _wrap_field_validator(cls, dec, name, schema)
        schema, always = _apply_v1_validators(cls, name, schema, decorators)
        entry: dict[str, Any] = {"name": name, "schema": schema}
        if info.default is not PYDANTIC_UNDEFINED:
            entry["default"] = info.default
        if info.default_factory is not None:
            entry["default_factory"] = info.default_factory
            entry["default_factory_takes_data"] = takes_validated_data(info.default_factory)
        for key in (
            "alias",
            "validation_alias",
            "serialization_alias",
            "title",
            "description",
            "examples",
            "deprecated",
            "json_schema_extra",
        ):
            value = getattr(info, key)
            if key == "alias" and value is not None and not isinstance(value, str):
                continue  # `Field(alias=['a', 0])`: a path, described as the validation alias
            if key in ("validation_alias", "serialization_alias") and value == info.alias and isinstance(value, str):
                # The alias itself (Field(alias=...) sets all three): described once, as `alias`.
                continue
            if value is not None:
                if key == "validation_alias":
                    from ouroboros.validation.aliases import validation_keys

                    value = validation_keys(value)
                entry[key] = value
        validate_default = (
            info.validate_default if info.validate_default is not None else config.get("validate_default")
        )
        entry["validate_default"] = bool(validate_default) or always
        entry["exclude"] = bool(info.exclude)
        exclude_if = _field_exclude_if(info, annotation)
        if exclude_if is not None:
            entry["exclude_if"] = exclude_if
        entry["frozen"] = bool(info.frozen)
        annotated_ser = _annotated_serializer(annotation, config.get("json_encoders"))
        if annotated_ser is not None:
            entry.update(annotated_ser)
        field_serializers = [
            d for d in decorators if d.kind == "field_serializer" and (name in d.fields or "*" in d.fields)
        ]
        if len(field_serializers) > 1:
            from ouroboros.validation._model import PydanticUserError

            raise PydanticUserError(
                f"Multiple field serializer functions were defined for field {name!r}, this is not allowed.",
                code="multiple-field-serializers",
            )
        dumped_as = serialization_type(annotation, field_serializers[0] if field_serializers else None)
        if dumped_as is not None:
            # Read by the serialization-mode JSON Schema only.
            entry["serialization_type"] = dumped_as
        for dec in field_serializers:
            entry["serializer"] = _field_serializer_call(cls, dec, name)
            entry["serializer_mode"] = dec.mode
            entry["serializer_when_used"] = "json" if dec.when_used.startswith("json") else "always"
        fields.append(entry)
    cls.__ouroboros_fields__ = resolved_fields
    for dec in decorators:
        checked = dec.kind in ("field_validator", "validator", "field_serializer") and dec.check_fields is not False
        known = resolved_fields if dec.kind != "field_serializer" else {**resolved_fields, **cls.__ouroboros_computed__}
        if checked and "*" not in dec.fields and any(f not in known for f in dec.fields):
            from ouroboros.validation._model import PydanticUserError

            raise PydanticUserError(
                f"Decorators defined with incorrect fields: {cls.__module__}.{cls.__qualname__}:{id(cls)}"
                f".{dec.extra.get('attr', getattr(dec.func, '__name__', '?'))}"
                " (use check_fields=False if you're inheriting from the model and intended this)",
                code="decorator-missing-field",
            )
    generator = config.get("alias_generator")
    if generator is not None:
        from ouroboros.validation.aliases import apply_computed_alias_generator

        computed = cls.__ouroboros_computed__
        for computed_name in list(computed):
            computed[computed_name] = copy.copy(computed[computed_name])
            apply_computed_alias_generator(generator, computed_name, computed[computed_name])
    description: dict[str, Any] = {
        "format": SCHEMA_FORMAT_VERSION,
        "type": "model",
        "cls": cls,
        "name": cls.__name__,
        "fields": fields,
        "root_model": bool(getattr(cls, "__ouroboros_root_model__", False)),
        "config": {
            "extra": config.get("extra") or "ignore",
            "strict": bool(config.get("strict", False)),
            "frozen": bool(config.get("frozen", False)),
            "populate_by_name": bool(config.get("populate_by_name", False) or config.get("validate_by_name", False)),
            "validate_by_alias": bool(config.get("validate_by_alias", True)),
            "loc_by_alias": bool(config.get("loc_by_alias", True)),
            "from_attributes": bool(config.get("from_attributes", False)),
            "validate_assignment": bool(config.get("validate_assignment", False)),
            "str_strip_whitespace": bool(config.get("str_strip_whitespace", False)),
            "ser_json_temporal": config.get("ser_json_temporal"),
            "ser_json_timedelta": config.get("ser_json_timedelta"),
            "ser_json_inf_nan": config.get("ser_json_inf_nan"),
            "ser_json_bytes": config.get("ser_json_bytes"),
            "hide_input_in_errors": bool(config.get("hide_input_in_errors", False)),
            "title": config["title"]
            if config.get("title") is not None
            else (
                _generated_title(config["model_title_generator"], "model_title_generator", cls)
                if config.get("model_title_generator")
                else None
            ),
        },
        "model_validators": [
            {"mode": dec.mode, "func": _v1_root_call(cls, dec)} for dec in decorators if dec.kind == "root_validator"
        ]
        + [
            {"mode": dec.mode, "func": _model_validator_call(cls, dec)}
            for dec in decorators
            if dec.kind == "model_validator" and dec.mode in ("before", "after")
        ],
        "computed_fields": [
            _computed_entry(cls, name, info, config, decorators, ctx)
            for name, info in cls.__ouroboros_computed__.items()
        ],
    }
    origin = getattr(cls, "__pydantic_generic_metadata__", {}).get("origin")
    if origin is not None:
        from ouroboros.validation._model import generic_origin_fields

        description["generic_origin"] = (origin, generic_origin_fields)
    # Before-validators run last-defined first, as Pydantic's do.
    before = [v for v in description["model_validators"] if v["mode"] == "before"]
    after = [v for v in description["model_validators"] if v["mode"] == "after"]
    description["model_validators"] = [*reversed(before), *after]
    wraps = [dec for dec in decorators if dec.kind == "model_validator" and dec.mode == "wrap"]
    if wraps:
        inner = {**description, "model_validators": list(description["model_validators"])}
        wrap = {"mode": "wrap", "func": _model_wrap_call(cls, wraps[-1], inner)}
        description["model_validators"] = [*description["model_validators"], wrap]
    privates = dict(cls.__ouroboros_private_attrs__)
    own_post_init = user_post_init(cls)
    if privates or own_post_init:
        original = cls.model_post_init

        def post_init(instance: Any, context: Any) -> None:
            # Private attributes are set by the model_post_init the class was built with (a
            # replaced one, as a test's mock, is called instead and sets nothing).
            current = type(instance).model_post_init
            if privates and current is original:
                init_private_attributes(instance, privates)
            if own_post_init or current is not original:
                current(instance, context)

        description["post_init"] = post_init
    for dec in decorators:
        if dec.kind == "model_serializer":
            description["model_serializer"] = _model_serializer_call(dec, description)
    if description["config"]["extra"] == "allow":
        description.update(_extras_schemas(cls, ctx))
    return description


def _extras_schemas(cls: type, ctx: DescribeContext) -> dict[str, Any]:
    """``extras_schema``/``extras_keys_schema`` from a typed ``__pydantic_extra__: dict[K, V]``
    annotation (the nearest class in the MRO declaring one), as Pydantic validates extra items."""
    owner, annotation = next(
        (
            (klass, own["__pydantic_extra__"])
            for klass, own in ((k, inspect.get_annotations(k)) for k in cls.__mro__)
            if "__pydantic_extra__" in own
        ),
        (cls, None),
    )
    if annotation is None:
        return {}
    if isinstance(annotation, (str, typing.ForwardRef)):
        # Names are looked up where the declaring class was written first (as Pydantic does),
        # then in the namespace of the build.
        text = annotation.__forward_arg__ if isinstance(annotation, typing.ForwardRef) else annotation
        module = sys.modules.get(owner.__module__)
        try:
            annotation = eval(
                text, getattr(module, "__dict__", {}), dict(owner.__dict__.get("__ouroboros_definition_ns__", {}))
            )
        except NameError:
            annotation = ctx.resolve(annotation)
    origin = typing.get_origin(annotation)
    if origin not in (dict, typing.Dict):  # noqa: UP006 (the alias is a distinct object)
        from ouroboros.validation.errors import PydanticSchemaGenerationError

        raise PydanticSchemaGenerationError(
            "The type annotation for `__pydantic_extra__` must be `dict[str, ...]`",
            code=None,
        )
    keys, values = typing.get_args(annotation) or (str, Any)
    out: dict[str, Any] = {}
    # The annotation is the generic origin's: a parametrization's TypeVars are bound here.
    saved = ctx.typevars
    ctx.typevars = {**(getattr(ctx, "ref_bindings", None) or {}), **saved}
    try:
        if values is not Any:
            out["extras_schema"] = describe_type(values, ctx)
        if keys is not str:
            out["extras_keys_schema"] = describe_type(keys, ctx)
    finally:
        ctx.typevars = saved
    return out


def init_private_attributes(instance: Any, privates: dict[str, Any]) -> None:
    """Defaults of the private attributes, set once the fields are validated (a
    ``default_factory`` taking one argument gets the fields and earlier private values)."""
    try:
        if object.__getattribute__(instance, "__ouroboros_private__") is not None:
            return
    except AttributeError:
        pass
    private: dict[str, Any] = {}
    for name, attr in privates.items():
        factory = attr.default_factory
        if factory is not None:
            value = factory({**instance.__dict__, **private}) if takes_validated_data(factory) else factory()
        else:
            value = attr.get_default()
            if value is PYDANTIC_UNDEFINED:
                continue
        private[name] = value
    object.__setattr__(instance, "__ouroboros_private__", private)


def user_post_init(cls: type) -> bool:
    """Whether the model (or a parent below BaseModel) defines ``model_post_init``."""
    return "model_post_init" in _own_or_inherited(cls)


def _own_or_inherited(cls: type) -> set[str]:
    names: set[str] = set()
    for klass in cls.__mro__:
        if klass.__dict__.get("__ouroboros_base__"):
            break
        names.update(klass.__dict__)
    return names


def _typevars(cls: type) -> dict[Any, Any]:
    """What the TypeVars of ``cls``'s fields stand for: the bases' bindings, except the
    TypeVars ``cls`` itself is still generic in (``class C(B[str], Generic[T])`` leaves T open)."""
    mapping: dict[Any, Any] = {}
    for klass in reversed(cls.__mro__[1:]):
        mapping.update(klass.__dict__.get("__ouroboros_typevars__", {}))
    for param in getattr(cls, "__parameters__", ()):
        mapping.pop(param, None)
    mapping.update(cls.__dict__.get("__ouroboros_typevars__", {}))
    return mapping


def computed_fields_of(namespace: dict[str, Any], bases: tuple[type, ...]) -> dict[str, ComputedFieldInfo]:
    """Computed fields of the bases, then of the class body."""
    out: dict[str, ComputedFieldInfo] = {}
    for base in reversed(bases):
        out.update(getattr(base, "__ouroboros_computed__", {}))
    own = {k: v for k, v in namespace.items() if isinstance(v, ComputedFieldInfo)}
    for name, info in own.items():
        if info._extra.get("return_missing"):
            from ouroboros.validation.errors import PydanticUserError

            raise PydanticUserError(
                "Computed field is missing return type annotation or specifying `return_type` to the"
                " `@computed_field` decorator (e.g. `@computed_field(return_type=int | str)`)",
                code="model-field-missing-annotation",
            )
        if any(name in getattr(base, "__ouroboros_fields__", {}) for base in bases):
            owner = namespace.get("__qualname__", "").rsplit(".", 1)[-1] or "?"
            raise TypeError(
                f"Field {name!r} of class {owner!r} overrides symbol of same name in a parent class. This override"
                " with a computed_field is incompatible."
            )
    out.update(own)
    return out


__all__ += ["UndefinedAnnotation", "WeakNamespace", "computed_fields_of", "user_post_init"]
