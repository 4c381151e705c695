"""``apply_discriminator`` (``pydantic._internal._discriminated_union``): a union core schema
turned into a ``tagged-union`` core schema keyed by the values of a ``Literal`` field, with
Pydantic's errors for choices that cannot be told apart that way."""

from __future__ import annotations

from typing import Any

__all__ = ["MissingDefinitionForUnionRef", "apply_discriminator"]

# Core schema kinds whose inner `schema` is validated before or after a function.
_WRAPPERS = ("function-before", "function-after", "function-wrap")
_VARIANTS = ("model", "typed-dict", "tagged-union", "lax-or-strict", "dataclass", "dataclass-args", "definition-ref")


class MissingDefinitionForUnionRef(Exception):
    """A ``definition-ref`` choice whose definition is not known yet (Pydantic retries later)."""

    def __init__(self, ref: str) -> None:
        self.ref = ref
        super().__init__(f"Missing definition for ref {ref!r}")


def apply_discriminator(
    schema: dict[str, Any], discriminator: Any, definitions: dict[str, dict[str, Any]] | None = None
) -> dict[str, Any]:
    """``schema`` (a union, possibly inside ``nullable``/``definitions``) as a tagged union on
    ``discriminator``: a field name, or a ``Discriminator`` (a callable one builds its own)."""
    from ouroboros.validation._discriminator import Discriminator

    if isinstance(discriminator, Discriminator):
        if not isinstance(discriminator.discriminator, str):
            return discriminator._convert_schema(schema)  # type: ignore[attr-defined]
        discriminator = discriminator.discriminator
    return _Tagging(discriminator, definitions or {}).apply(schema)


class _Tagging:
    def __init__(self, discriminator: str, definitions: dict[str, dict[str, Any]]) -> None:
        self.discriminator = discriminator
        self.definitions = definitions
        self.alias: str | None = None
        self.choices: dict[Any, dict[str, Any]] = {}
        self.wants_none = False  # a `none` choice (or a nullable one) was met
        self.is_nullable = False  # the root already is a nullable schema

    def apply(self, schema: dict[str, Any]) -> dict[str, Any]:
        out = self.root(schema)
        if self.wants_none and not self.is_nullable:
            out = {"type": "nullable", "schema": out}
        return out

    def root(self, schema: dict[str, Any]) -> dict[str, Any]:
        kind = schema.get("type")
        if kind == "nullable":
            self.is_nullable = True
            return {**schema, "schema": self.root(schema["schema"])}
        if kind == "definitions":
            for d in schema.get("definitions", []):
                if d.get("ref"):
                    self.definitions[d["ref"]] = d
            return {**schema, "schema": self.root(schema["schema"])}
        union = schema if kind == "union" else {"type": "union", "choices": [schema]}
        pending = [c[0] if isinstance(c, tuple) else c for c in union["choices"]]
        pending.reverse()
        while pending:
            self.choice(pending.pop(), pending)
        key: Any = self.discriminator
        if self.alias is not None and self.alias != self.discriminator:
            key = [[self.discriminator], [self.alias]]
        out: dict[str, Any] = {
            "type": "tagged-union",
            "choices": self.choices,
            "discriminator": key,
            "strict": False,
            "from_attributes": True,
        }
        for extra in ("custom_error_type", "custom_error_message", "custom_error_context", "ref", "metadata"):
            if union.get(extra) is not None:
                out[extra] = union[extra]
        if union.get("serialization") is not None:
            out["serialization"] = union["serialization"]
        return out

    def resolve(self, choice: dict[str, Any]) -> dict[str, Any]:
        ref = choice["schema_ref"]
        if ref not in self.definitions:
            raise MissingDefinitionForUnionRef(ref)
        return self.definitions[ref]

    def choice(self, choice: dict[str, Any], pending: list[dict[str, Any]]) -> None:
        kind = choice.get("type")
        if kind == "definition-ref":
            choice = self.resolve(choice)
            kind = choice.get("type")
        if kind == "none":
            self.wants_none = True
        elif kind == "definitions":
            self.choice(choice["schema"], pending)
        elif kind == "nullable":
            self.wants_none = True
            self.choice(choice["schema"], pending)
        elif kind == "union":
            pending.extend(reversed([c[0] if isinstance(c, tuple) else c for c in choice["choices"]]))
        elif kind not in _VARIANTS and not (kind in _WRAPPERS and "schema" in choice):
            raise _not_a_variant(kind)
        elif kind == "tagged-union" and self.shares_discriminator(choice):
            # An inner tagged union on the same key: its choices join the outer one.
            known = list(self.choices.values())
            pending.extend(reversed([c for c in choice["choices"].values() if c not in known]))
        else:
            for value in self.values_of(choice, None):
                existing = self.choices.get(value)
                if existing is None:
                    self.choices[value] = choice
                elif existing != choice:
                    raise TypeError(
                        f"Value {value!r} for discriminator {self.discriminator!r} mapped to multiple choices"
                    )

    def shares_discriminator(self, choice: dict[str, Any]) -> bool:
        inner = choice.get("discriminator")
        if self.alias is None:
            return inner == self.discriminator
        return inner in (self.discriminator, [[self.discriminator], [self.alias]], [[self.alias], [self.discriminator]])

    def values_of(self, choice: dict[str, Any], source: str | None) -> list[Any]:
        """The discriminator values a choice is selected by."""
        kind = choice.get("type")
        if kind == "definitions":
            return self.values_of(choice["schema"], source)
        if kind == "definition-ref":
            return self.values_of(self.resolve(choice), source)
        if kind in _WRAPPERS:
            return self.values_of(choice["schema"], source)
        if kind == "lax-or-strict":
            both = self.values_of(choice["lax_schema"], None) + self.values_of(choice["strict_schema"], None)
            return sorted(set(both), key=repr)
        if kind == "tagged-union":
            values: list[Any] = []
            for sub in choice["choices"].values():
                if not isinstance(sub, (str, int)):
                    values.extend(self.values_of(sub, None))
            return values
        if kind == "union":
            return [v for c in choice["choices"] for v in self.values_of(c[0] if isinstance(c, tuple) else c, None)]
        if kind == "nullable":
            self.wants_none = True
            return self.values_of(choice["schema"], source)
        if kind in ("model", "dataclass"):
            inner = choice.get("schema")
            if inner is None:
                return self.class_values(choice["cls"])
            return self.values_of(inner, choice["cls"].__name__)
        if kind == "model-fields":
            return self.field_values(choice["fields"], f"Model {source!r}" if source else "Model")
        if kind == "dataclass-args":
            fields = {f["name"]: f for f in choice["fields"]}
            return self.field_values(fields, f"Dataclass {source!r}" if source else "Dataclass")
        if kind == "typed-dict":
            return self.field_values(choice["fields"], "TypedDict")
        raise _not_a_variant(kind)

    def class_values(self, cls: type) -> list[Any]:
        """A model or dataclass given as a bare class schema: its discriminator field's Literal."""
        import typing

        fields = getattr(cls, "__pydantic_fields__", None) or getattr(cls, "model_fields", {})
        field = fields.get(self.discriminator)
        if field is None:
            from ouroboros.validation.errors import PydanticUserError

            raise PydanticUserError(
                f"Model {cls.__name__!r} needs a discriminator field for key {self.discriminator!r}",
                code="discriminator-no-field",
            )
        alias = field.validation_alias if isinstance(field.validation_alias, str) else field.alias
        if alias is not None:
            self.note_alias(alias)
        return [getattr(v, "value", v) for v in typing.get_args(field.annotation)]

    def field_values(self, fields: dict[str, Any], source: str) -> list[Any]:
        from ouroboros.validation.errors import PydanticUserError

        field = fields.get(self.discriminator)
        if field is None:
            raise PydanticUserError(
                f"{source} needs a discriminator field for key {self.discriminator!r}",
                code="discriminator-no-field",
            )
        alias = field.get("validation_alias", self.discriminator)
        if alias != self.discriminator:
            self.note_alias(alias)
        return self.literal_values(field["schema"], source)

    def note_alias(self, alias: Any) -> None:
        from ouroboros.validation.errors import PydanticUserError

        if not isinstance(alias, str):
            raise PydanticUserError(
                f"Alias {alias!r} is not supported in a discriminated union", code="discriminator-alias-type"
            )
        if self.alias is None:
            self.alias = alias
        elif self.alias != alias:
            raise PydanticUserError(
                f"Aliases for discriminator {self.discriminator!r} must be the same (got {alias}, {self.alias})",
                code="discriminator-alias",
            )

    def literal_values(self, schema: dict[str, Any], source: str) -> list[Any]:
        from ouroboros.validation.errors import PydanticUserError

        kind = schema.get("type")
        if kind == "literal":
            return list(schema["expected"])
        if kind == "union":
            return [
                v for c in schema["choices"] for v in self.literal_values(c[0] if isinstance(c, tuple) else c, source)
            ]
        if kind in ("default", "function-after"):
            return self.literal_values(schema["schema"], source)
        if kind in ("function-before", "function-wrap", "function-plain"):
            mode = kind.split("-")[1]
            raise PydanticUserError(
                f"Cannot use a mode={mode!r} validator in the discriminator field {self.discriminator!r} of {source}",
                code="discriminator-validator",
            )
        raise PydanticUserError(
            f"{source} needs field {self.discriminator!r} to be of type `Literal`", code="discriminator-needs-literal"
        )


def _not_a_variant(kind: Any) -> TypeError:
    message = f"The core schema type {kind!r} is not a valid discriminated union variant."
    if kind == "list":
        message += (
            " If you are making use of a list of union types, make sure the discriminator is applied to the "
            "union type and not the list (e.g. `list[Annotated[<T> | <U>, Field(discriminator=...)]]`)."
        )
    return TypeError(message)
