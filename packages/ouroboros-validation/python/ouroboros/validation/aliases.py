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
            if isinstance(v, str):
                return PYDANTIC_UNDEFINED  # no indexing into text, as Pydantic
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
        """``(alias, validation_alias, serialization_alias)`` of ``field_name`` (None where no
        generator is set); a generator returning another type is a ``TypeError``."""
        out = []
        for kind, allowed in (
            ("alias", (str,)),
            ("validation_alias", (str, AliasChoices, AliasPath)),
            ("serialization_alias", (str,)),
        ):
            generate = getattr(self, kind)
            alias = None if generate is None else generate(field_name)
            if alias is not None and not isinstance(alias, allowed):
                raise TypeError(f"Invalid `{kind}` type. `{kind}` generator must produce one of `{allowed}`")
            out.append(alias)
        return out[0], out[1], out[2]


def apply_alias_generator(generator: Any, field_name: str, info: Any) -> None:
    """Pydantic's rule for a config's ``alias_generator``: it fills the aliases a field lacks,
    and replaces those it generated itself (``alias_priority`` 1, as when a subclass's generator
    meets a parent's field); an alias given with ``Field()`` (priority 2) stays."""
    if (
        info.alias_priority is not None
        and info.alias_priority > 1
        and None
        not in (
            info.alias,
            info.validation_alias,
            info.serialization_alias,
        )
    ):
        return
    alias = validation_alias = serialization_alias = None
    if isinstance(generator, AliasGenerator):
        alias, validation_alias, serialization_alias = generator.generate_aliases(field_name)
    elif callable(generator):
        alias = generator(field_name)
        if not isinstance(alias, str):
            raise TypeError(f"alias_generator {generator} must return str, not {alias.__class__}")
    if info.alias_priority is None or info.alias_priority <= 1:
        info.alias_priority = 1
    if info.alias_priority == 1:
        info.serialization_alias = serialization_alias if serialization_alias is not None else alias
        info.validation_alias = validation_alias if validation_alias is not None else alias
        info.alias = alias
    if info.alias is None:
        info.alias = alias
    if info.serialization_alias is None:
        info.serialization_alias = serialization_alias if serialization_alias is not None else alias
    if info.validation_alias is None:
        info.validation_alias = validation_alias if validation_alias is not None else alias


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


def apply_computed_alias_generator(generator: Any, name: str, info: Any) -> None:
    """Pydantic's rule for a ``@computed_field``: its alias (the serialization one) is generated
    unless given with priority 2."""
    if info.alias_priority is not None and info.alias_priority > 1 and info.alias is not None:
        return
    alias = serialization_alias = None
    if isinstance(generator, AliasGenerator):
        alias, _, serialization_alias = generator.generate_aliases(name)
    elif callable(generator):
        alias = generator(name)
        if not isinstance(alias, str):
            raise TypeError(f"alias_generator {generator} must return str, not {alias.__class__}")
    if info.alias_priority is None or info.alias_priority <= 1:
        info.alias_priority = 1
    if info.alias_priority == 1:
        info.alias = serialization_alias if serialization_alias is not None else alias
