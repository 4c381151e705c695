"""``AliasChoices``, ``AliasPath`` and ``AliasGenerator`` (``pydantic.aliases``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

__all__ = ["AliasChoices", "AliasGenerator", "AliasPath", "validation_keys"]


@dataclasses.dataclass(init=False, frozen=True)
class AliasPath:
    """A path into nested input data: ``AliasPath("names", 0)``."""

    path: list[int | str]

    def __init__(self, first_arg: str, *args: str | int) -> None:
        object.__setattr__(self, "path", [first_arg, *args])

    def convert_to_aliases(self) -> list[str | int]:
        return self.path

    def search_dict_for_path(self, d: dict[Any, Any]) -> Any:
        """The value at this path in ``d``, or ``PydanticUndefined``."""
        from ouroboros.validation._fields import PYDANTIC_UNDEFINED

        v: Any = d
        for k in self.path:
            try:
                v = v[k]
            except (KeyError, IndexError, TypeError):
                return PYDANTIC_UNDEFINED
        return v


@dataclasses.dataclass(init=False, frozen=True)
class AliasChoices:
    """Several accepted input names, tried in order: ``AliasChoices("first_name", "fname")``."""

    choices: list[str | AliasPath]

    def __init__(self, first_choice: str | AliasPath, *choices: str | AliasPath) -> None:
        object.__setattr__(self, "choices", [first_choice, *choices])

    def convert_to_aliases(self) -> list[list[str | int]]:
        return [[c] if isinstance(c, str) else c.convert_to_aliases() for c in self.choices]


@dataclasses.dataclass(frozen=True)
class AliasGenerator:
    """Separate generators for ``alias``, ``validation_alias`` and ``serialization_alias``."""

    alias: Callable[[str], str] | None = None
    validation_alias: Callable[[str], str | AliasPath | AliasChoices] | None = None
    serialization_alias: Callable[[str], str] | None = None

    def generate_aliases(self, field_name: str) -> tuple[Any, Any, Any]:
        return tuple(  # type: ignore[return-value]
            None if f is None else f(field_name) for f in (self.alias, self.validation_alias, self.serialization_alias)
        )


def validation_keys(alias: Any) -> str | list[Any]:
    """The input keys a ``validation_alias`` stands for, in the description format:
    a str, or a list of choices, each a str or a path (a list of str keys and int indexes)."""
    if isinstance(alias, str):
        return alias
    if isinstance(alias, list) and all(isinstance(a, str) for a in alias):
        return alias
    paths = alias.convert_to_aliases() if isinstance(alias, AliasChoices) else [alias.convert_to_aliases()]
    out: list[Any] = []
    for path in paths:
        if not path or not isinstance(path[0], str):
            raise TypeError(f"validation_alias {alias!r}: a path starts with a str key")
        out.append(path[0] if len(path) == 1 else list(path))
    return out[0] if len(out) == 1 and isinstance(out[0], str) else out
