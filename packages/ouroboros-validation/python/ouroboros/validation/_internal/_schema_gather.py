"""Walk a pydantic-core schema once, collecting what schema cleaning needs.

``gather_schemas_for_cleaning(schema, definitions)`` returns:

- ``collected_references``: every ``schema_ref`` reached through a ``definition-ref`` schema, in
  the order first reached, mapped to that ``definition-ref`` schema object when it is the only
  reference met (so it can be replaced by the definition inline), else to ``None``;
- ``deferred_discriminator_schemas``: the schemas whose ``metadata`` holds a union discriminator
  still to apply, in the order met.

The walk uses an explicit stack, so deeply nested schemas do not hit the recursion limit.
Malformed schemas raise what reading them raises (``KeyError`` for a missing required key,
``TypeError`` for a type that is not a string...).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypedDict

__all__ = ["GatherResult", "MissingDefinitionError", "gather_schemas_for_cleaning"]

_DISCRIMINATOR_KEY = "pydantic_internal_union_discriminator"


class MissingDefinitionError(LookupError):
    """A ``definition-ref`` names a schema that is not among the definitions."""

    def __init__(self, schema_reference: str, /) -> None:
        super().__init__(schema_reference)
        self.schema_reference = schema_reference


class GatherResult(TypedDict):
    collected_references: dict[str, Any]
    deferred_discriminator_schemas: list[Any]


# Optional single sub-schemas, by schema type.
_SINGLE: dict[str, tuple[str, ...]] = {
    "list": ("items_schema",),
    "set": ("items_schema",),
    "frozenset": ("items_schema",),
    "generator": ("items_schema",),
    "dict": ("keys_schema", "values_schema"),
    "frozendict": ("keys_schema", "values_schema"),
    "function-before": ("schema", "json_schema_input_schema"),
    "function-after": ("schema", "json_schema_input_schema"),
    "function-wrap": ("schema", "json_schema_input_schema"),
    "function-plain": ("json_schema_input_schema",),
    "default": ("schema",),
    "nullable": ("schema",),
    "json": ("schema",),
    "custom-error": ("schema",),
    "model": ("schema",),
    "dataclass": ("schema",),
    "call": ("arguments_schema", "return_schema"),
}
# Required single sub-schemas.
_REQUIRED: dict[str, tuple[str, ...]] = {
    "lax-or-strict": ("lax_schema", "strict_schema"),
    "json-or-python": ("json_schema", "python_schema"),
}


class _Walk:
    def __init__(self, definitions: dict[str, Any]) -> None:
        self.definitions = definitions
        self.references: dict[str, Any] = {}
        self.deferred: list[Any] = []
        # LIFO of pending steps: ("schema", s), ("ser", s) or ("meta", s).
        self.stack: list[tuple[str, Any]] = []

    def run(self, schema: Any) -> GatherResult:
        self.stack.append(("schema", schema))
        while self.stack:
            step, item = self.stack.pop()
            if step == "schema":
                self.schema(item)
            elif step == "ser":
                self.serialization(item)
            else:
                self.metadata(item)
        return {"collected_references": self.references, "deferred_discriminator_schemas": self.deferred}

    def later(self, steps: list[tuple[str, Any]]) -> None:
        """Run ``steps`` next, in their order."""
        self.stack.extend(reversed(steps))

    def metadata(self, schema: Any) -> None:
        meta = schema.get("metadata")
        if meta and _DISCRIMINATOR_KEY in meta:
            self.deferred.append(schema)

    def schema(self, schema: Any) -> None:
        kind = schema["type"]
        if not isinstance(kind, str):
            raise TypeError(f"a core schema type is a str, not {type(kind).__name__}")
        if kind == "definition-ref":
            self.reference(schema)
            return
        steps = [("schema", s) for s in self.children(kind, schema)]
        if "serialization" in schema:
            steps.append(("ser", schema["serialization"]))
        steps.append(("meta", schema))
        self.later(steps)

    def reference(self, schema: Any) -> None:
        ref = schema["schema_ref"]
        if ref in self.references:
            # Met again: more than one place needs it, so it stays a definition.
            self.references[ref] = None
            return
        if ref not in self.definitions:
            raise MissingDefinitionError(ref)
        self.references[ref] = schema
        steps: list[tuple[str, Any]] = [("schema", self.definitions[ref])]
        if "serialization" in schema:
            steps.append(("ser", schema["serialization"]))
        steps.append(("meta", schema))
        self.later(steps)

    def serialization(self, ser: Any) -> None:
        steps = [("schema", ser[key]) for key in ("schema", "return_schema") if key in ser]
        self.later(steps)

    def children(self, kind: str, schema: Any) -> list[Any]:
        out: list[Any] = [schema[key] for key in _REQUIRED.get(kind, ())]
        out += [schema[key] for key in _SINGLE.get(kind, ()) if key in schema]
        if kind == "tuple":
            out += list(schema.get("items_schema", ()))
        elif kind == "union":
            out += [c[0] if isinstance(c, tuple) else c for c in schema["choices"]]
        elif kind == "tagged-union":
            out += list(schema["choices"].values())
        elif kind == "chain":
            out += list(schema["steps"])
        elif kind == "definitions":
            out += [schema["schema"], *schema["definitions"]]
        elif kind in ("model-fields", "typed-dict"):
            # Computed fields are met before the fields, as Pydantic walks them.
            out += _computed(schema)
            out += [field["schema"] for field in schema["fields"].values()]
            out += [schema[key] for key in ("extras_schema", "extras_keys_schema") if key in schema]
        elif kind in ("dataclass-args", "named-tuple"):
            out += _computed(schema)
            out += [field["schema"] for field in schema["fields"]]
        elif kind in ("arguments", "arguments-v3"):
            out += [param["schema"] for param in schema["arguments_schema"]]
            out += [schema[key] for key in ("var_args_schema", "var_kwargs_schema") if key in schema]
        return out


def _computed(schema: Any) -> list[Any]:
    fields: Iterable[Any] = schema.get("computed_fields") or ()
    return [field["return_schema"] for field in fields]


def gather_schemas_for_cleaning(schema: Any, definitions: dict[str, Any]) -> GatherResult:
    """Collect the references reached from ``schema`` and the schemas with deferred
    discriminators (see the module docstring)."""
    return _Walk(definitions).run(schema)
