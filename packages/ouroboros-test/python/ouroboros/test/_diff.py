"""Readable differences between an expected and a received value.

Strings are compared line by line (with a marker line under the changed
characters when a single line differs); containers are pretty-printed with
sorted dict keys and compared line by line, so a changed field in a nested
dict shows as one `-` line and one `+` line.
"""

from __future__ import annotations

import difflib
import pprint
import reprlib

#: Beyond this many lines a diff shows only changed lines and 3 around them.
_FULL_DIFF_LINES = 40

_short = reprlib.Repr()
_short.maxstring = 120
_short.maxother = 120
_short.maxlist = 20
_short.maxdict = 20
_short.maxtuple = 20
_short.maxset = 20
_short.maxlevel = 4


def short_repr(value: object) -> str:
    """A repr cut to a readable size (long strings and containers shortened)."""
    try:
        return _short.repr(value)
    except Exception as exc:  # noqa: BLE001 - a broken __repr__ must not hide the failure
        return f"<{type(value).__name__} object (repr failed: {exc!r})>"


def _lines(value: object) -> list[str]:
    if isinstance(value, str):
        return value.splitlines() or [""]
    try:
        # width=1: one element per line, so a changed field is a changed line.
        text = pprint.pformat(value, width=1, sort_dicts=True)
    except Exception:  # noqa: BLE001 - unsortable or broken values fall back to a repr
        text = short_repr(value)
    return text.splitlines()


def _worth_diffing(expected: object, received: object) -> bool:
    if isinstance(expected, str) and isinstance(received, str):
        return "\n" in expected or "\n" in received or max(len(expected), len(received)) > 30
    containers = (dict, list, tuple, set, frozenset)
    if isinstance(expected, containers) and isinstance(received, containers):
        return True
    # Dataclasses and other objects pprint lays out field by field.
    return hasattr(expected, "__dataclass_fields__") and type(expected) is type(received)


#: Longest diff line shown, and most diff lines shown.
_MAX_LINE = 160
_MAX_LINES = 60


def diff(expected: object, received: object) -> list[str]:
    """Lines of a `- expected / + received` diff, or [] when not useful."""
    lines = _diff_lines(expected, received)
    out = [line if len(line) <= _MAX_LINE else line[: _MAX_LINE - 3] + "..." for line in lines[:_MAX_LINES]]
    if len(lines) > _MAX_LINES:
        out.append(f"... ({len(lines) - _MAX_LINES} more lines)")
    return out


def _diff_lines(expected: object, received: object) -> list[str]:
    if not _worth_diffing(expected, received):
        return []
    a, b = _lines(expected), _lines(received)
    if a == b:
        # Same text, different values (1 vs 1.0, or types): say so instead.
        return [f"  (same text; types differ: {type(expected).__name__} vs {type(received).__name__})"]
    if len(a) + len(b) <= _FULL_DIFF_LINES:
        out = []
        for line in difflib.ndiff(a, b):
            if line.startswith("? "):
                out.append("  " + line.rstrip("\n"))
            else:
                out.append(line.rstrip("\n"))
        return out
    out = []
    for line in difflib.unified_diff(a, b, lineterm="", n=3):
        if line.startswith(("---", "+++")):
            continue
        out.append(line)
    return out
