"""``apply_discriminator`` (``pydantic._internal._discriminated_union``)."""

from __future__ import annotations

from typing import Any

__all__ = ["apply_discriminator"]


def apply_discriminator(schema: dict[str, Any], discriminator: Any, definitions: Any = None) -> dict[str, Any]:
    """A union core schema turned into a tagged union on ``discriminator`` (a field name or a Discriminator)."""
    from ouroboros.validation._discriminator import Discriminator

    if isinstance(discriminator, Discriminator):
        discriminator = discriminator.discriminator
    if schema.get("type") == "nullable":
        return {**schema, "schema": apply_discriminator(schema["schema"], discriminator, definitions)}
    if schema.get("type") != "union":
        from ouroboros.validation.errors import PydanticUserError

        raise PydanticUserError(
            "`discriminator` can only be used with `Union` type with more than one variant, "
            f"not {schema.get('type')!r}",
            code="discriminator-no-field",
        )
    choices: dict[Any, Any] = {}
    for choice in schema["choices"]:
        inner = choice[0] if isinstance(choice, tuple) else choice
        cls = inner.get("cls")
        fields = getattr(cls, "model_fields", {})
        field = fields.get(discriminator) if isinstance(discriminator, str) else None
        if field is None:
            raise TypeError(f"model {getattr(cls, '__name__', cls)!r} needs a field {discriminator!r}")
        import typing

        for tag in typing.get_args(field.annotation):
            choices[getattr(tag, "value", tag)] = inner
    return {"type": "tagged-union", "choices": choices, "discriminator": discriminator}
