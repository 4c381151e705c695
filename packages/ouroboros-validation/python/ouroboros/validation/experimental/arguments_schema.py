"""``generate_arguments_schema`` (``pydantic.experimental.arguments_schema``): a core schema
validating a function's arguments, for ``SchemaValidator``.

``schema_type="arguments-v3"`` (the default) validates a mapping of parameter names (or aliases)
to values, ``"arguments"`` validates an ``ArgsKwargs``; both give ``(args, kwargs)``. Each
parameter keeps its annotation; ``SchemaValidator`` compiles it with the validator's config.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from typing import Any, Literal

__all__ = ["generate_arguments_schema"]

#: The ``schema`` of a parameter made here: its annotation, compiled by ``SchemaValidator``.
ANNOTATION_SCHEMA = "ouroboros-annotation"

_MODES = {
    inspect.Parameter.POSITIONAL_ONLY: "positional_only",
    inspect.Parameter.POSITIONAL_OR_KEYWORD: "positional_or_keyword",
    inspect.Parameter.KEYWORD_ONLY: "keyword_only",
    inspect.Parameter.VAR_POSITIONAL: "var_args",
    inspect.Parameter.VAR_KEYWORD: "var_kwargs_uniform",
}


def generate_arguments_schema(
    func: Callable[..., Any],
    schema_type: Literal["arguments", "arguments-v3"] = "arguments-v3",
    parameters_callback: Callable[[int, str, Any], Literal["skip"] | None] | None = None,
    config: Any = None,
) -> dict[str, Any]:
    """The arguments schema of ``func``; ``parameters_callback(index, name, annotation)`` may
    return ``"skip"`` to leave a parameter out."""
    from ouroboros.validation._describe import split_annotated
    from ouroboros.validation._fields import FieldInfo
    from ouroboros.validation.aliases import AliasGenerator
    from ouroboros.validation.validate_call_decorator import _unpacked_kwargs

    config = dict(config or {})
    sig = inspect.signature(func)
    hints = typing.get_type_hints(func, include_extras=True)
    generator = config.get("alias_generator")
    params: list[dict[str, Any]] = []
    for index, (name, p) in enumerate(sig.parameters.items()):
        annotation = hints.get(name, Any)
        if parameters_callback is not None and parameters_callback(index, name, annotation) == "skip":
            continue
        entry: dict[str, Any] = {"name": name, "mode": _MODES[p.kind]}
        if p.kind is p.VAR_KEYWORD and (td := _unpacked_kwargs(name, annotation, sig)) is not None:
            entry["mode"] = "var_kwargs_unpacked_typed_dict"
            annotation = td
        alias = None
        for item in split_annotated(annotation)[1]:
            if isinstance(item, FieldInfo) and item.alias is not None:
                alias = item.alias
        if isinstance(p.default, FieldInfo) and p.default.alias is not None:
            alias = p.default.alias
        if alias is None and generator is not None and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            alias = generator.generate_aliases(name)[0] if isinstance(generator, AliasGenerator) else generator(name)
        if alias is not None:
            entry["alias"] = alias
        entry["schema"] = {"type": ANNOTATION_SCHEMA, "annotation": _without_aliases(annotation), "default": p.default}
        params.append(entry)
    by_name = bool(config.get("populate_by_name") or config.get("validate_by_name"))
    return {"type": schema_type, "arguments_schema": params, "validate_by_name": by_name}


def _without_aliases(annotation: Any) -> Any:
    """``annotation`` with the aliases of its ``Field()`` metadata taken out (they name the
    parameter, which the arguments schema already did; the value's own schema has no use for them)."""
    import copy

    from ouroboros.validation._describe import split_annotated
    from ouroboros.validation._fields import FieldInfo

    base, meta = split_annotated(annotation)
    if not any(isinstance(m, FieldInfo) for m in meta):
        return annotation
    cleaned: list[Any] = []
    for m in meta:
        if isinstance(m, FieldInfo):
            m = copy.copy(m)
            m.alias = m.validation_alias = m.serialization_alias = None
            if hasattr(m, "alias_priority"):
                m.alias_priority = None
        cleaned.append(m)
    return typing.Annotated[(base, *cleaned)]  # type: ignore[return-value]
