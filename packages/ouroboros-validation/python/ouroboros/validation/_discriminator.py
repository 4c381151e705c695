"""``Discriminator`` and ``Tag``: unions whose member is chosen by a field or a function."""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable
from typing import Any

__all__ = ["Discriminator", "Tag", "callable_union"]


@dataclasses.dataclass(frozen=True)
class Tag:
    """``Annotated[Cat, Tag("cat")]``: the tag a callable ``Discriminator`` returns for this member."""

    tag: str


@dataclasses.dataclass(frozen=True)
class Discriminator:
    """``Annotated[Union[...], Discriminator("pet_type")]`` or ``Discriminator(func)``."""

    discriminator: str | Callable[[Any], Any]
    custom_error_type: str | None = None
    custom_error_message: str | None = None
    custom_error_context: dict[str, Any] | None = None


def callable_union(union_tp: Any, disc: Discriminator, describe: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    """A function schema: ``disc.discriminator(value)`` picks the member tagged so."""
    from ouroboros.validation._describe import _LazyHandler, split_annotated
    from ouroboros.validation._errors import PydanticCustomError, ValidationError

    func = disc.discriminator
    assert callable(func)
    args = [a for a in typing.get_args(union_tp) if a is not type(None)]
    choices: dict[str, _LazyHandler] = {}
    for arg in args:
        _, meta = split_annotated(arg)
        tags = [m for m in meta if isinstance(m, Tag)]
        if not tags:
            from ouroboros.validation.errors import PydanticUserError

            raise PydanticUserError(
                f"`Tag` not provided for choice {arg!r} used with `Discriminator`", code="callable-discriminator-no-tag"
            )
        choices[tags[-1].tag] = _LazyHandler(describe(arg))
    name = getattr(func, "__name__", repr(func))
    expected = ", ".join(repr(t) for t in choices)

    def validate(value: Any, _data: Any = None, _context: Any = None) -> Any:
        tag = func(value)
        if tag is None or tag not in choices:
            if disc.custom_error_type:
                raise PydanticCustomError(
                    disc.custom_error_type,
                    disc.custom_error_message or disc.custom_error_type,
                    disc.custom_error_context,
                )
            if tag is None:
                raise PydanticCustomError(
                    "union_tag_not_found",
                    "Unable to extract tag using discriminator {discriminator}",
                    {"discriminator": f"{name}()"},
                )
            raise PydanticCustomError(
                "union_tag_invalid",
                "Input tag '{tag}' found using {discriminator} does not match any of the expected tags:"
                " {expected_tags}",
                {"discriminator": f"{name}()", "tag": str(tag), "expected_tags": expected},
            )
        try:
            return choices[tag](value)
        except ValidationError as exc:
            lines = [{**e, "loc": (tag, *e["loc"])} for e in exc.errors()]
            raise ValidationError.from_exception_data(exc.title, lines) from None

    return {"type": "function", "mode": "plain", "func": validate}
