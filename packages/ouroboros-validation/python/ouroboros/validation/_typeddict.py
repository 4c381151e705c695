"""TypedDicts as ouroboros-schema validates them: a ``typed_dict`` schema whose description has
the shape of a model's (fields, config, validators), compiled in Rust; the result is a dict.

Follows Pydantic: ``total``/``Required``/``NotRequired`` decide which keys must be present,
``ReadOnly`` is accepted, the config comes from ``__pydantic_config__`` (``with_config``) of the
class or its TypedDict bases, ``closed=True`` / ``extra_items=Never`` forbid other keys,
``@field_validator``/``@validator``/``@model_validator`` in the class body apply, and
``Annotated[..., Field(alias=..., default=...)]`` keys are aliased or defaulted.
"""

from __future__ import annotations

import sys
import typing
from typing import Any

import typing_extensions

from ouroboros.validation._decorators import DecoratorInfo

__all__ = ["describe_typed_dict", "is_typed_dict"]

_WRAPPERS = {
    typing.Required,
    typing.NotRequired,
    typing_extensions.Required,
    typing_extensions.NotRequired,
    typing_extensions.ReadOnly,
}
if sys.version_info >= (3, 13):  # pragma: no cover - the stdlib's own ReadOnly
    _WRAPPERS.add(typing.ReadOnly)  # type: ignore[attr-defined]

# TypedDicts being described (a recursive one refers back to its own description).
_OPEN: dict[tuple[int, tuple[Any, ...]], dict[str, Any]] = {}


def is_typed_dict(tp: Any) -> bool:
    """Whether ``tp`` is a TypedDict class or a parametrized generic TypedDict."""
    origin = typing.get_origin(tp) or tp
    return isinstance(origin, type) and typing_extensions.is_typeddict(origin)


def _bases(tp: type) -> list[type]:
    """The TypedDict and its TypedDict bases, nearest first (their MRO, which Python drops)."""
    out: list[type] = []
    todo = [tp]
    while todo:
        cls = todo.pop(0)
        if cls in out:
            continue
        out.append(cls)
        for base in getattr(cls, "__orig_bases__", ()):
            origin = typing.get_origin(base) or base
            if isinstance(origin, type) and typing_extensions.is_typeddict(origin):
                todo.append(origin)
    return out


def _config(tp: type) -> dict[str, Any] | None:
    for cls in _bases(tp):
        config = cls.__dict__.get("__pydantic_config__")
        if config is not None:
            return dict(config)
    return None


def _decorators(tp: type) -> list[DecoratorInfo]:
    """Decorated methods of the class body and of its TypedDict bases (parents first; a method
    of the same name replaces the parent's in its place)."""
    found: dict[str, DecoratorInfo] = {}
    for cls in reversed(_bases(tp)):
        for key, value in cls.__dict__.items():
            info = getattr(value, "__ouroboros_decorator__", None)
            if isinstance(info, DecoratorInfo):
                info.extra.setdefault("attr", key)
                found[key] = info
    return list(found.values())


def _wrappers(annotation: Any) -> set[Any]:
    """The ``Required``/``NotRequired``/``ReadOnly`` qualifiers around an annotation."""
    found = set()
    while typing.get_origin(annotation) in _WRAPPERS:
        found.add(typing.get_origin(annotation))
        annotation = typing.get_args(annotation)[0]
    return found


def _strip(annotation: Any) -> Any:
    while typing.get_origin(annotation) in _WRAPPERS:
        annotation = typing.get_args(annotation)[0]
    return annotation


def describe_typed_dict(tp: Any, ctx: Any) -> dict[str, Any]:
    """The ``typed_dict`` schema of ``tp`` (a TypedDict class or ``Generic[...]`` alias)."""
    from ouroboros.validation._decorators import takes_validated_data
    from ouroboros.validation._describe import DescribeContext, describe_field, describe_type, split_annotated
    from ouroboros.validation._fields import PYDANTIC_UNDEFINED, FieldInfo
    from ouroboros.validation._model_build import (
        _apply_v1_validators,
        _bound,
        _generated_title,
        _model_validator_call,
        _wrap_field_validator,
    )

    origin = typing.get_origin(tp) or tp
    args = tuple(
        ctx.typevars.get(a, a) if isinstance(a, typing.TypeVar) else a
        for a in (typing.get_args(tp) if origin is not tp else ())
    )
    key = (id(origin), tuple(id(a) for a in args))
    if key in _OPEN:
        description = _OPEN[key]
        return {"type": "typed_dict", "description": description, "typed_dict": description["__info__"]}
    config = _config(origin)
    module = sys.modules.get(origin.__module__)
    globalns = {**getattr(module, "__dict__", {})}
    localns = {**ctx.localns, origin.__name__: origin}
    typevars = {**ctx.typevars, **dict(zip(getattr(origin, "__parameters__", ()), args, strict=False))}
    if config is not None:
        sub = DescribeContext(
            globalns,
            localns,
            strict=config.get("strict"),
            str_strip_whitespace=config.get("str_strip_whitespace", False),
            allow_inf_nan=config.get("allow_inf_nan"),
            arbitrary_types_allowed=config.get("arbitrary_types_allowed", False),
            typevars=typevars,
            self_type=tp,
        )
        sub.apply_config(config)
    else:
        config = {}
        sub = DescribeContext(
            {**ctx.globalns, **globalns},
            localns,
            strict=ctx.strict,
            str_strip_whitespace=ctx.str_strip_whitespace,
            allow_inf_nan=ctx.allow_inf_nan,
            arbitrary_types_allowed=ctx.arbitrary_types_allowed,
            typevars=typevars,
            self_type=tp,
        )
        sub.coerce_numbers_to_str = ctx.coerce_numbers_to_str
        sub.str_config = dict(ctx.str_config)
    info: dict[str, Any] = {"cls": origin, "fields": []}
    description: dict[str, Any] = {
        "format": 1,
        "type": "typed_dict",
        "cls": origin,
        "name": origin.__name__,
        "fields": [],
        "__info__": info,
    }
    _OPEN[key] = description
    try:
        try:
            hints = typing.get_type_hints(origin, globalns=sub.globalns, localns=localns, include_extras=True)
        except NameError as exc:
            from ouroboros.validation._describe import UndefinedAnnotation

            raise UndefinedAnnotation(getattr(exc, "name", None) or str(exc)) from exc
        required_keys = set(getattr(origin, "__required_keys__", hints))
        decorators = _decorators(origin)
        generator = config.get("alias_generator")
        readonly_keys: list[str] = []
        for name, raw in hints.items():
            annotation = _strip(raw)
            field = FieldInfo(annotation=annotation)
            for item in split_annotated(annotation)[1]:
                if isinstance(item, FieldInfo):
                    field = field.merge(item)
            if generator is not None:
                from ouroboros.validation.aliases import apply_alias_generator

                apply_alias_generator(generator, name, field)
            title_generator = field.field_title_generator or config.get("field_title_generator")
            if field.title is None and title_generator is not None:
                # Checked when the TypedDict is described, as Pydantic does (a non-str is a TypeError).
                _generated_title(title_generator, "field_title_generator", name, field)
            sub.top_annotation = annotation
            schema = describe_field(annotation, lambda a: describe_type(a, sub))
            for dec in decorators:
                if dec.kind == "field_validator" and (name in dec.fields or "*" in dec.fields):
                    schema = _wrap_field_validator(origin, dec, name, schema)
            schema, always = _apply_v1_validators(origin, name, schema, decorators)
            wrappers = _wrappers(raw)
            if wrappers & {typing.Required, typing_extensions.Required}:
                required = True
            elif wrappers & {typing.NotRequired, typing_extensions.NotRequired}:
                required = False
            else:
                required = name in required_keys
            if typing_extensions.ReadOnly in wrappers:
                readonly_keys.append(name)
            entry: dict[str, Any] = {"name": name, "schema": schema}
            if field.default is not PYDANTIC_UNDEFINED:
                entry["default"] = field.default
            elif field.default_factory is not None:
                entry["default_factory"] = field.default_factory
                entry["default_factory_takes_data"] = takes_validated_data(field.default_factory)
            elif not required:
                entry["omit_missing"] = True
            for attr in ("alias", "serialization_alias"):
                if getattr(field, attr) is not None and (attr == "alias" or field.serialization_alias != field.alias):
                    entry[attr] = getattr(field, attr)
            if field.validation_alias is not None and field.validation_alias != field.alias:
                from ouroboros.validation.aliases import validation_keys

                entry["validation_alias"] = validation_keys(field.validation_alias)
            entry["validate_default"] = bool(field.validate_default or config.get("validate_default") or always)
            description["fields"].append(entry)
            has_default = "default" in entry or "default_factory" in entry
            info["fields"].append((name, schema, required and not has_default, raw))
        if readonly_keys:
            import warnings

            warnings.warn(
                f"Item{'s' if len(readonly_keys) > 1 else ''} {', '.join(map(repr, readonly_keys))} on TypedDict"
                f" class {origin.__name__!r} {'are' if len(readonly_keys) > 1 else 'is'} using the `ReadOnly`"
                " qualifier. Pydantic will not protect items from any mutation on dictionary instances.",
                UserWarning,
                stacklevel=3,
            )
        extra, extra_items = _extra(origin, config)
        info["extra"] = extra
        if extra_items is not None and extra_items not in (Any, object):
            description["extras_schema"] = info["extras_schema"] = describe_type(extra_items, sub)
        description["config"] = {
            "extra": extra,
            "strict": bool(config.get("strict", False)),
            "populate_by_name": bool(config.get("populate_by_name") or config.get("validate_by_name")),
            "validate_by_alias": bool(config.get("validate_by_alias", True)),
            "loc_by_alias": bool(config.get("loc_by_alias", True)),
        }
        before = [
            {"mode": "before", "func": _model_validator_call(origin, d)}
            for d in decorators
            if d.kind == "model_validator" and d.mode == "before"
        ]
        after = [{"mode": d.mode, "func": _bound(origin, d)} for d in decorators if d.kind == "root_validator"]
        after += [
            {"mode": "after", "func": _model_validator_call(origin, d)}
            for d in decorators
            if d.kind == "model_validator" and d.mode == "after"
        ]
        description["model_validators"] = [*reversed(before), *after]
    finally:
        del _OPEN[key]
    return {"type": "typed_dict", "description": description, "typed_dict": info}


_NO_EXTRA_ITEMS = getattr(typing_extensions, "NoExtraItems", None)


def _extra(origin: type, config: dict[str, Any]) -> tuple[str, Any]:
    """``extra`` from PEP 728's ``closed``/``extra_items`` (the nearest TypedDict base setting one;
    ``Never`` closes), else from the config; and the type of extra values (None: any)."""
    import warnings

    from ouroboros.validation.warnings import TypedDictExtraConfigWarning

    closed, extra_items = None, _NO_EXTRA_ITEMS
    for cls in _bases(origin):
        closed = cls.__dict__.get("__closed__")
        extra_items = cls.__dict__.get("__extra_items__", _NO_EXTRA_ITEMS)
        if closed is not None or extra_items is not _NO_EXTRA_ITEMS:
            break
    readonly = False
    if closed is None and extra_items is not _NO_EXTRA_ITEMS:
        readonly = typing.get_origin(extra_items) is typing_extensions.ReadOnly
        extra_items = _strip(extra_items)
        if extra_items in (typing_extensions.Never, typing.NoReturn):
            closed, extra_items, readonly = True, _NO_EXTRA_ITEMS, False
    if readonly:
        warnings.warn(
            f"Extra items on TypedDict class {origin.__name__!r} are using the `ReadOnly` qualifier. "
            "Pydantic will not protect items from any mutation on dictionary instances.",
            UserWarning,
            stacklevel=4,
        )
    configured = config.get("extra")
    if closed and configured == "allow":
        warnings.warn(
            f"TypedDict class {origin.__qualname__!r} is closed, but 'extra' configuration "
            "is set to `'allow'`. The 'extra' configuration value will be ignored.",
            TypedDictExtraConfigWarning,
            stacklevel=4,
        )
    elif extra_items is not _NO_EXTRA_ITEMS and configured == "forbid":
        warnings.warn(
            f"TypedDict class {origin.__qualname__!r} allows extra items, but 'extra' configuration "
            "is set to `'forbid'`. The 'extra' configuration value will be ignored.",
            TypedDictExtraConfigWarning,
            stacklevel=4,
        )
    if closed:
        return "forbid", None
    if extra_items is not _NO_EXTRA_ITEMS:
        return "allow", extra_items
    return str(configured or "ignore"), None
