"""Lifecycle hooks: ``@before_event(Insert)`` / ``@after_event(Save, Replace)``.

A hook is a method (sync or async) of the Document; it runs with the
document as ``self`` around the named operations, in definition order,
parents' hooks first.
"""

from __future__ import annotations

import enum
import inspect
from collections.abc import Callable
from typing import Any

__all__ = [
    "After",
    "Before",
    "Delete",
    "EventTypes",
    "Insert",
    "Replace",
    "Save",
    "SaveChanges",
    "Update",
    "ValidateOnSave",
    "after_event",
    "before_event",
]


class EventTypes(enum.StrEnum):
    """The operations a hook can follow or precede (Beanie's names)."""

    INSERT = "INSERT"
    REPLACE = "REPLACE"
    SAVE = "SAVE"
    SAVE_CHANGES = "SAVE_CHANGES"
    VALIDATE_ON_SAVE = "VALIDATE_ON_SAVE"
    DELETE = "DELETE"
    UPDATE = "UPDATE"


Insert = EventTypes.INSERT
Replace = EventTypes.REPLACE
Save = EventTypes.SAVE
SaveChanges = EventTypes.SAVE_CHANGES
ValidateOnSave = EventTypes.VALIDATE_ON_SAVE
Delete = EventTypes.DELETE
Update = EventTypes.UPDATE


class ActionDirection(enum.StrEnum):
    """Whether a hook runs before or after the operation."""

    BEFORE = "BEFORE"
    AFTER = "AFTER"


Before = ActionDirection.BEFORE
After = ActionDirection.AFTER

HOOK_ATTR = "__ouroboros_hooks__"


def _events(args: tuple[Any, ...]) -> list[EventTypes]:
    out: list[EventTypes] = []
    for arg in args:
        items = arg if isinstance(arg, (list, tuple, set)) else [arg]
        for item in items:
            try:
                out.append(EventTypes(item.value if isinstance(item, enum.Enum) else item))
            except ValueError:
                names = ", ".join(e.name.title().replace("_", "") for e in EventTypes)
                raise ValueError(f"unknown event {item!r}; expected one of {names}") from None
    if not out:
        raise ValueError("name at least one event, e.g. @before_event(Insert)")
    return out


def _mark(direction: ActionDirection, args: tuple[Any, ...]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    events = _events(args)

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        marks = list(getattr(func, HOOK_ATTR, []))
        marks.extend((direction, e) for e in events)
        setattr(func, HOOK_ATTR, marks)
        return func

    return decorate


def before_event(*events: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Run the decorated method before each of ``events``."""
    return _mark(Before, events)


def after_event(*events: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Run the decorated method after each of ``events``."""
    return _mark(After, events)


def collect_hooks(cls: type) -> dict[tuple[ActionDirection, EventTypes], list[str]]:
    """``(direction, event) -> method names`` for a Document class."""
    table: dict[tuple[ActionDirection, EventTypes], list[str]] = {}
    seen: set[str] = set()
    for klass in reversed(cls.__mro__):
        for name, value in vars(klass).items():
            func = value.__func__ if isinstance(value, (classmethod, staticmethod)) else value
            marks = getattr(func, HOOK_ATTR, None)
            if not marks or name in seen:
                continue
            seen.add(name)
            for key in marks:
                table.setdefault(key, []).append(name)
    return table


async def run_hooks(document: Any, direction: ActionDirection, event: EventTypes) -> None:
    """Call the document's hooks for ``(direction, event)``."""
    for name in type(document)._ob_hooks().get((direction, event), ()):
        result = getattr(document, name)()
        if inspect.isawaitable(result):
            await result
