"""pydantic-core core schemas -> ouroboros-schema type schemas (the description format).

Both shapes are accepted at every level: a handler given to
``__get_pydantic_core_schema__`` returns ouroboros type schemas, which user
code then wraps with ``core_schema`` builders; the result mixes the two.
"""

from __future__ import annotations

import contextlib
import inspect
import json
from collections.abc import Callable
from typing import Any

from ouroboros.validation._decorators import ValidationInfo, _arity

__all__ = ["SchemaError", "to_description"]

_SAME = {"any", "none", "bool", "int", "float", "decimal", "str", "bytes", "date", "time", "datetime", "timedelta"}
_COPY_KEYS = (
    "strict",
    "gt",
    "ge",
    "lt",
    "le",
    "multiple_of",
    "allow_inf_nan",
    "max_digits",
    "decimal_places",
    "min_length",
    "max_length",
    "pattern",
    "strip_whitespace",
    "to_lower",
    "to_upper",
)


class SchemaError(Exception):
    """A core schema that cannot be compiled (unknown type, missing key)."""

    def error_count(self) -> int:
        return 1

    def errors(self) -> list[dict[str, Any]]:
        return [{"type": "schema_error", "loc": (), "msg": str(self), "input": None}]


def _call(function: dict[str, Any] | Callable[..., Any], *, wrap: bool = False) -> tuple[Callable[..., Any], bool]:
    """The user function and whether it takes ``info`` (core: ``{"type": "with-info", ...}``)."""
    if isinstance(function, dict):
        return function["function"], function.get("type") == "with-info"
    return function, _arity(function) >= (3 if wrap else 2)


def _info(data: Any, context: Any, field_name: str | None = None) -> ValidationInfo:
    return ValidationInfo(data, field_name, context=context)


def to_description(
    schema: dict[str, Any], defs: dict[str, dict[str, Any]] | None = None, config: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The ouroboros type schema that validates as ``schema`` does."""
    if not isinstance(schema, dict) or "type" not in schema:
        raise SchemaError(f"Invalid core schema: {schema!r}")
    if schema["type"] in ("arguments", "arguments-v3"):
        return _arguments(schema, config)
    out = _convert(schema, {} if defs is None else defs)
    hook = schema.get("json_schema_hook")
    if hook is not None and "json_schema_hook" not in out:
        out = {**out, "json_schema_hook": hook}
    ser = schema.get("serialization")
    if isinstance(ser, dict) and "ser_func" not in out:
        func = serializer_of(ser)
        if func is not None:
            # How values of this schema are dumped (read by the model and TypeAdapter dumps).
            out = {**out, "ser_func": func}
            returned = ser.get("return_schema")
            if isinstance(returned, dict):
                # The serialization-mode JSON Schema: what the function returns (`null` kept
                # first for an `unless-none` serializer of a nullable schema).
                when = ser.get("when_used") or "always"
                out["ser_return"] = (to_description(returned, defs), when, _nullable(schema))
    return out


def _nullable(schema: dict[str, Any]) -> bool:
    """Whether a core schema accepts `None` through its wrappers (the branch dumps go through)."""
    kind = schema.get("type")
    if kind == "nullable":
        return True
    if kind == "chain":
        return bool(schema.get("steps")) and _nullable(schema["steps"][-1])
    if kind == "lax-or-strict":
        return _nullable(schema["lax_schema"])
    if kind == "json-or-python":
        return _nullable(schema["json_schema"])
    inner = schema.get("schema")
    return isinstance(inner, dict) and kind in ("default", "definitions", *_FUNCTIONS) and _nullable(inner)


_FUNCTIONS = ("function-before", "function-after", "function-wrap")


def serializer_of(ser: dict[str, Any]) -> Callable[[Any, str], Any] | None:
    """``dump(value, mode)`` for a core ``serialization`` schema (``function-plain``/``-wrap``,
    ``to-string``, ``format``) honouring its ``when_used``; None for the others (``simple``,
    ``model``...), whose values are dumped by their type as before."""
    from ouroboros.validation._decorators import SerializationInfo
    from ouroboros.validation._ser_walk import call_serializer

    kind = ser.get("type")
    default_when = "json-unless-none" if kind in ("to-string", "format") else "always"
    when = ser.get("when_used") or default_when
    if kind in ("function-plain", "function-wrap"):
        wrap = kind == "function-wrap"
        func = ser["function"]
        info = ser.get("info_arg")
        with_info = _arity(func) >= (3 if wrap else 2) if info is None else bool(info)

        def call(value: Any, mode: str) -> Any:
            args: tuple[Any, ...] = (value, _same) if wrap else (value,)
            return call_serializer(func, *args, SerializationInfo(mode)) if with_info else call_serializer(func, *args)
    elif kind == "to-string":

        def call(value: Any, mode: str) -> Any:
            return str(value)
    elif kind == "format":
        spec = ser["formatting_string"]

        def call(value: Any, mode: str) -> Any:
            return format(value, spec)
    else:
        return None

    def dump(value: Any, mode: str) -> Any:
        if value is None and "unless-none" in when:
            return value
        if when.startswith("json") and mode != "json":
            return value
        return call(value, mode)

    return dump


def _same(value: Any, *_: Any) -> Any:
    """The handler of a wrap serializer: the value, dumped by its type afterwards."""
    return value


def _convert(schema: dict[str, Any], defs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    kind = schema.get("type")
    if kind in _SAME:
        return {"type": kind, **{k: schema[k] for k in _COPY_KEYS if schema.get(k) is not None}}
    if kind == "uuid" or kind == "url" or kind == "email":
        return {k: v for k, v in schema.items() if k in ("type", "strict", "max_length", "allowed_schemes", "wrap")}
    if kind == "literal":
        return {"type": "literal", "expected": list(schema["expected"])}
    if kind == "enum":
        return {"type": "enum", "cls": schema["cls"]}
    if kind in ("is-instance", "is_instance"):
        return {"type": "is_instance", "cls": schema["cls"]}
    if kind in ("list", "set", "frozenset"):
        items = schema.get("items_schema", schema.get("items"))
        out = {"type": kind, **{k: schema[k] for k in ("min_length", "max_length", "strict") if k in schema}}
        if items is not None:
            out["items"] = to_description(items, defs)
        return out
    if kind == "tuple":
        return _tuple(schema, defs)
    if kind == "dict":
        out = {"type": "dict", **{k: schema[k] for k in ("min_length", "max_length", "strict") if k in schema}}
        keys = schema.get("keys_schema", schema.get("keys"))
        values = schema.get("values_schema", schema.get("values"))
        if keys is not None:
            out["keys"] = to_description(keys, defs)
        if values is not None:
            out["values"] = to_description(values, defs)
        return out
    if kind == "nullable":
        return {"type": "nullable", "schema": to_description(schema["schema"], defs)}
    if kind == "union":
        choices = [c[0] if isinstance(c, tuple) else c for c in schema["choices"]]
        out = {"type": "union", "choices": [to_description(c, defs) for c in choices]}
        if schema.get("mode"):
            out["mode"] = schema["mode"]
        return out
    if kind in ("tagged-union", "tagged_union") and _discriminator_keys(schema.get("discriminator")):
        choices = {tag: to_description(s, defs) for tag, s in schema["choices"].items()}
        name, *alias = _discriminator_keys(schema["discriminator"])
        out = {"type": "tagged_union", "discriminator": name, "choices": choices}
        if alias:
            out["discriminator_alias"] = alias[0]
        return out
    if kind == "model":
        return {"type": "model", "cls": schema["cls"]}
    if kind == "typed_dict" and "description" in schema:
        return schema
    if kind == "typed-dict":
        return _typed_dict(schema, defs)
    if kind == "function" and "func" in schema:
        inner = {**schema}
        if "schema" in inner:
            inner["schema"] = to_description(inner["schema"], defs)
        return inner
    if kind in ("function-before", "function-after", "function-plain"):
        return _function(schema, kind.removeprefix("function-"), defs)
    if kind == "function-wrap":
        return _wrap(schema, defs)
    if kind == "chain":
        return _chain([to_description(s, defs) for s in schema["steps"]])
    if kind == "lax-or-strict":
        return to_description(schema["strict_schema" if schema.get("strict") else "lax_schema"], defs)
    if kind == "json-or-python":
        return to_description(schema["python_schema"], defs)
    if kind == "json":
        inner = to_description(schema["schema"], defs) if schema.get("schema") else {"type": "any"}
        return _chain([{"type": "any"}, {"type": "function", "mode": "plain", "func": _json_loads}, inner])
    if kind == "callable":
        return {"type": "function", "mode": "plain", "func": _callable_check}
    if kind == "custom-error":
        return _custom_error(schema, defs)
    if kind == "definitions":
        for d in schema["definitions"]:
            defs[d["ref"]] = d
        return to_description(schema["schema"], defs)
    if kind == "definition-ref":
        ref = schema["schema_ref"]
        if ref not in defs:
            raise SchemaError(f"Definitions error: definition `{ref}` was never filled")
        target = {k: v for k, v in defs[ref].items() if k != "ref"}
        return to_description(target, defs)
    raise SchemaError(f"Unknown or unsupported core schema type {kind!r}")


def _discriminator_keys(discriminator: Any) -> list[str]:
    """The input keys a tagged union reads its tag from: a name, or pydantic-core's paths of one
    key each (``[["kind"], ["Kind"]]``: the name, then its alias); empty when not supported."""
    if isinstance(discriminator, str):
        return [discriminator]
    if (
        isinstance(discriminator, list)
        and 1 <= len(discriminator) <= 2
        and all(isinstance(p, list) and len(p) == 1 and isinstance(p[0], str) for p in discriminator)
    ):
        return [p[0] for p in discriminator]
    return []


def _validation_alias(alias: Any) -> Any:
    """pydantic-core's ``validation_alias`` (a key, a path, or a list of paths) as choices."""
    if isinstance(alias, str):
        return alias
    if alias and all(isinstance(step, (str, int)) for step in alias):
        return [list(alias)]
    return [item if isinstance(item, str) else list(item) for item in alias]


def _typed_dict(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """``core_schema.typed_dict_schema``: the engine's TypedDict description."""
    total = schema.get("total", True)
    cls = schema.get("cls")
    fields = []
    info_fields = []
    for name, field in schema["fields"].items():
        inner = to_description(field["schema"], defs)
        required = field.get("required", total)
        entry: dict[str, Any] = {"name": name, "schema": inner, "validate_default": False}
        if not required:
            entry["omit_missing"] = True
        if field.get("validation_alias") is not None:
            entry["validation_alias"] = _validation_alias(field["validation_alias"])
        if field.get("serialization_alias") is not None:
            entry["serialization_alias"] = field["serialization_alias"]
        fields.append(entry)
        info_fields.append((name, inner, required, Any))
    config = schema.get("config") or {}
    extra = schema.get("extra_behavior") or config.get("extra_fields_behavior") or "ignore"
    typed = cls if isinstance(cls, type) else dict
    info: dict[str, Any] = {"cls": typed, "fields": info_fields, "extra": extra, "untitled": cls is None}
    extras = schema.get("extras_schema")
    description = {
        "format": 1,
        "type": "typed_dict",
        "cls": typed,
        "name": getattr(cls, "__name__", None) or config.get("title") or "typed-dict",
        "fields": fields,
        "config": {
            "extra": extra,
            "strict": bool(schema.get("strict", config.get("strict", False))),
            "populate_by_name": bool(config.get("validate_by_name", False)),
            "validate_by_alias": bool(config.get("validate_by_alias", True)),
            "loc_by_alias": bool(config.get("loc_by_alias", True)),
        },
        "model_validators": [],
    }
    if extras is not None:
        description["extras_schema"] = info["extras_schema"] = to_description(extras, defs)
    return {"type": "typed_dict", "description": description, "typed_dict": info}


def _tuple(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    if "items" in schema or "variadic" in schema:
        return schema
    items = [to_description(s, defs) for s in schema.get("items_schema", [])]
    index = schema.get("variadic_item_index")
    if index is None:
        return {"type": "tuple", "items": items}
    if index != len(items) - 1:
        raise SchemaError("only a trailing variadic tuple item is supported")
    if index == 0:
        return {"type": "tuple", "variadic": items[0]}
    return {"type": "tuple", "items": items[:-1], "variadic": items[-1]}


def _function(schema: dict[str, Any], mode: str, defs: dict[str, Any]) -> dict[str, Any]:
    from ouroboros.validation._describe import describing_field

    func, info = _call(schema["function"])
    field_name = schema["function"].get("field_name") if isinstance(schema["function"], dict) else None
    field_name = field_name or describing_field.get()
    if info:

        def call(value: Any, data: Any, context: Any = None) -> Any:
            return func(value, _info(data, context, field_name))
    else:

        def call(value: Any, data: Any, context: Any = None) -> Any:
            return func(value)

    out: dict[str, Any] = {"type": "function", "mode": mode, "func": call}
    if mode != "plain":
        out["schema"] = to_description(schema["schema"], defs)
    return out


def _wrap(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    from ouroboros.validation._describe import _LazyHandler, describing_field

    func, info = _call(schema["function"], wrap=True)
    inner = to_description(schema["schema"], defs)
    handler = _LazyHandler(inner)
    field_name = describing_field.get()

    def call(value: Any, data: Any, context: Any = None) -> Any:
        if info:
            return func(value, handler, _info(data, context, field_name))
        return func(value, handler)

    return {"type": "function", "mode": "plain", "func": call, "inner_schema": inner}


def _chain(steps: list[dict[str, Any]]) -> dict[str, Any]:
    """Each step validates the previous step's output."""
    out = steps[0]
    for step in steps[1:]:
        if step["type"] == "function" and step["mode"] in ("after", "plain") and "schema" not in step:
            out = {**step, "mode": "after", "schema": out}
        else:
            out = {"type": "function", "mode": "after", "func": _validator_of(step), "schema": out}
    return out


def _validator_of(schema: dict[str, Any]) -> Callable[..., Any]:
    from ouroboros.validation._describe import _LazyHandler

    handler = _LazyHandler(schema)
    return lambda value, _data, _context=None: handler(value)


def _json_loads(value: Any, _data: Any, _context: Any = None) -> Any:
    from ouroboros.validation._errors import PydanticCustomError

    if not isinstance(value, (str, bytes, bytearray)):
        raise PydanticCustomError("json_type", "JSON input should be string, bytes or bytearray")
    try:
        return json.loads(value)
    except ValueError as exc:
        raise PydanticCustomError("json_invalid", "Invalid JSON: {error}", {"error": str(exc)}) from None


def _callable_check(value: Any, _data: Any, _context: Any = None) -> Any:
    from ouroboros.validation._errors import PydanticCustomError

    if not callable(value):
        raise PydanticCustomError("callable_type", "Input should be callable")
    return value


def _custom_error(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    from ouroboros.validation._errors import PydanticCustomError, ValidationError

    check = _validator_of(to_description(schema["schema"], defs))
    kind = schema["custom_error_type"]
    message = schema.get("custom_error_message") or kind
    context = schema.get("custom_error_context")

    def call(value: Any, data: Any, context_: Any = None) -> Any:
        try:
            return check(value, data)
        except ValidationError:
            raise PydanticCustomError(kind, message, context) from None

    return {"type": "function", "mode": "plain", "func": call}


def _arguments(schema: dict[str, Any], config: dict[str, Any] | None) -> dict[str, Any]:
    """An ``arguments``/``arguments-v3`` schema as a function giving ``(args, kwargs)``: each
    parameter's schema (an annotation from ``generate_arguments_schema`` or a core schema) is
    compiled with the validator's ``config``."""
    from ouroboros.validation._errors import ValidationError
    from ouroboros.validation.core import ArgsKwargs

    v3 = schema["type"] == "arguments-v3"
    by_name = bool(schema.get("validate_by_name") or (config or {}).get("populate_by_name"))
    params = [_Parameter(p, config or {}) for p in schema["arguments_schema"]]

    def validate(value: Any, _data: Any = None, _context: Any = None) -> Any:
        lines: list[dict[str, Any]] = []
        args: list[Any] = []
        kwargs: dict[str, Any] = {}
        if v3:
            if not isinstance(value, dict):
                raise ValidationError.from_exception_data(
                    "arguments", [{"type": "dict_type", "loc": (), "input": value}]
                )
            given: dict[str, Any] = dict(value)
            positional: list[Any] = []
        else:
            if not isinstance(value, ArgsKwargs):
                raise ValidationError.from_exception_data(
                    "arguments", [{"type": "arguments_type", "loc": (), "input": value}]
                )
            given = dict(value.kwargs or {})
            positional = list(value.args)
        for p in params:
            if p.mode == "var_args":
                items = given.pop(p.name, []) if v3 else positional
                positional = [] if not v3 else positional
                start = len(args)
                for i, item in enumerate(items):
                    args.append(p.check(item, lines, (start + i,) if not v3 else (p.name, i)))
                continue
            if p.mode in ("var_kwargs_uniform", "var_kwargs_unpacked_typed_dict"):
                if v3:
                    raw = given.pop(p.name, {})
                else:
                    raw, given = given, {}
                if p.mode == "var_kwargs_uniform":
                    for key, item in raw.items():
                        kwargs[key] = p.check(item, lines, (p.name, key) if v3 else (key,))
                else:
                    kwargs.update(p.check(raw, lines, (p.name,) if v3 else ()) or {})
                continue
            if not v3 and p.mode != "keyword_only" and positional:
                found, item = True, positional.pop(0)
            else:
                found, item = p.lookup(given, by_name or not v3)
            if not found:
                if p.has_default:
                    item = p.default()
                else:
                    kind = {"positional_only": "positional_only_", "keyword_only": "keyword_only_"}.get(p.mode, "")
                    lines.append({"type": f"missing_{kind}argument", "loc": (p.alias or p.name,), "input": value})
                    continue
            else:
                item = p.check(item, lines, (p.alias or p.name,))
            if p.mode == "keyword_only":
                kwargs[p.name] = item
            else:
                args.append(item)
        for i, item in enumerate(positional):
            lines.append({"type": "unexpected_positional_argument", "loc": (len(args) + i,), "input": item})
        for key, item in given.items():
            lines.append({"type": "unexpected_keyword_argument", "loc": (key,), "input": item})
        if lines:
            raise ValidationError.from_exception_data("arguments", lines)
        return tuple(args), kwargs

    out: dict[str, Any] = {"type": "function", "mode": "plain", "func": validate}
    # A parameter type with no JSON Schema leaves the arguments' JSON Schema out.
    with contextlib.suppress(Exception):
        out["json_schema"] = _arguments_json_schema(schema)
    return out


def _arguments_json_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The JSON Schema of an arguments schema: an object with one property per parameter (named
    by its alias), ``*args`` as an array and ``**kwargs`` as an object of their item schema."""
    from ouroboros.validation.json_schema import GenerateJsonSchema

    properties: dict[str, Any] = {}
    required: list[str] = []
    for p in schema["arguments_schema"]:
        name = p.get("alias") or p["name"]
        inner = p["schema"]
        has_default = False
        default: Any = None
        if inner.get("type") == "ouroboros-annotation":
            from ouroboros.validation._type_adapter import TypeAdapter

            item = TypeAdapter(inner["annotation"]).json_schema()
            has_default = inner.get("default", inspect_empty) is not inspect_empty
            default = inner.get("default")
        else:
            if inner.get("type") == "default":
                has_default, default = "default" in inner, inner.get("default")
                inner = inner["schema"]
            item = GenerateJsonSchema().generate(inner)
        mode = p.get("mode") or "positional_or_keyword"
        if mode == "var_args":
            item = {"type": "array", "items": item}
        elif mode == "var_kwargs_uniform":
            item = {"type": "object", "additionalProperties": item}
        prop = {**item, "title": name.replace("_", " ").title()}
        if has_default:
            prop["default"] = default
        properties[name] = prop
        if mode == "var_kwargs_unpacked_typed_dict":
            if item.get("required"):
                required.append(name)
        elif mode not in ("var_args", "var_kwargs_uniform") and not has_default:
            required.append(name)
    out: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        out["required"] = required
    return out


class _Parameter:
    """One parameter of an arguments schema, with its compiled validator."""

    def __init__(self, spec: dict[str, Any], config: dict[str, Any]) -> None:
        from ouroboros.validation._fields import FieldInfo

        self.name: str = spec["name"]
        self.alias: str | None = spec.get("alias")
        self.mode: str = spec.get("mode") or "positional_or_keyword"
        schema = spec["schema"]
        default: Any = inspect_empty
        if schema.get("type") == "ouroboros-annotation":
            annotation = schema["annotation"]
            default = schema.get("default", inspect_empty)
            # var-args and var-kwargs items are each validated as the annotation.
            self._validate = _annotation_validator(annotation, config)
        else:
            if schema.get("type") == "default":
                default = schema.get("default", inspect_empty)
                schema = schema["schema"]
            from ouroboros.validation.core import SchemaValidator

            self._validate = SchemaValidator(schema, config).validate_python  # type: ignore[arg-type]
        self._factory = default.get_default if isinstance(default, FieldInfo) else None
        if isinstance(default, FieldInfo) and not default.is_required():
            self.has_default = True
        else:
            self.has_default = default is not inspect_empty and not isinstance(default, FieldInfo)
        self._default = default

    def default(self) -> Any:
        if self._factory is not None:
            return self._factory(call_default_factory=True)
        return self._default

    def lookup(self, given: dict[str, Any], by_name: bool) -> tuple[bool, Any]:
        keys = [self.alias] if self.alias is not None else []
        if self.alias is None or by_name:
            keys.append(self.name)
        for key in keys:
            if key in given:
                return True, given.pop(key)
        return False, None

    def check(self, value: Any, lines: list[dict[str, Any]], loc: tuple[Any, ...]) -> Any:
        from ouroboros.validation._errors import ValidationError

        try:
            return self._validate(value)
        except ValidationError as exc:
            lines.extend({**e, "loc": (*loc, *e["loc"])} for e in exc.errors())
            return None


inspect_empty: Any = inspect.Parameter.empty


def _annotation_validator(annotation: Any, config: dict[str, Any]) -> Callable[[Any], Any]:
    from ouroboros.validation._type_adapter import TypeAdapter
    from ouroboros.validation.errors import PydanticUserError

    try:
        adapter = TypeAdapter(annotation, config=config or None)  # type: ignore[arg-type]
    except PydanticUserError:
        adapter = TypeAdapter(annotation)  # the type has its own config
    return adapter.validate_python
