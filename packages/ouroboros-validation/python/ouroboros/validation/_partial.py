"""``experimental_allow_partial``: validating the start of a stream (Pydantic's partial validation).

As in pydantic-core, for a top-level list, set, tuple of variable length, dict or TypedDict:
errors in the *last* item (or last key) drop that item instead of failing, and JSON may stop
anywhere (``'[1, 2, 3'``, ``'{"a": 1, "b": "tr'``): what is incomplete at the end is left out,
or kept for strings with ``'trailing-strings'``. Errors anywhere else still fail. Nested
containers are not made partial (pydantic-core does that too; here only the top level is).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

__all__ = ["parse_partial_json", "partial_mode", "validate_partial"]

_PARTIAL_KINDS = ("list", "set", "frozenset", "dict")


def partial_mode(value: Any) -> str | None:
    """``"on"``, ``"trailing-strings"`` or None (off) from the option's accepted spellings."""
    if value is False or value is None or value == "off":
        return None
    if value is True or value == "on":
        return "on"
    if value == "trailing-strings":
        return "trailing-strings"
    raise ValueError(f"experimental_allow_partial must be a bool or 'off', 'on', 'trailing-strings', not {value!r}")


def supports_partial(schema: dict[str, Any]) -> bool:
    """Whether a type schema is a container that Pydantic validates partially."""
    kind = schema.get("type")
    if kind == "tuple":
        return "variadic" in schema
    if kind == "typed_dict":
        return True
    return kind in _PARTIAL_KINDS


class _Incomplete(Exception):
    """The JSON text ended inside a value."""


_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")
_WS = re.compile(r"[ \t\n\r]*")
_LITERALS = {"true": True, "false": False, "null": None, "NaN": float("nan")}


class _PartialParser:
    def __init__(self, text: str, trailing_strings: bool) -> None:
        self.text = text
        self.trailing = trailing_strings

    def ws(self, i: int) -> int:
        return _WS.match(self.text, i).end()  # type: ignore[union-attr]

    def value(self, i: int) -> tuple[Any, int]:
        text = self.text
        i = self.ws(i)
        if i >= len(text):
            raise _Incomplete
        ch = text[i]
        if ch == "{":
            return self.obj(i + 1)
        if ch == "[":
            return self.array(i + 1)
        if ch == '"':
            return self.string(i)
        number = _NUMBER.match(text, i)
        if number:
            raw = number.group()
            return (float(raw) if any(c in raw for c in ".eE") else int(raw)), number.end()
        for word, out in _LITERALS.items():
            if text.startswith(word, i):
                return out, i + len(word)
            if word.startswith(text[i:]):
                raise _Incomplete
        raise ValueError(f"invalid JSON at position {i}")

    def string(self, i: int) -> tuple[str, int]:
        try:
            return json.decoder.scanstring(self.text, i + 1)  # type: ignore[attr-defined,no-any-return]
        except json.JSONDecodeError as exc:
            if not exc.msg.startswith("Unterminated string"):
                raise ValueError(exc.msg) from None
            if not self.trailing:
                raise _Incomplete from None
            # Keep what was read: cut a dangling escape, then decode the rest as a whole string.
            body = re.sub(r"\\(u[0-9a-fA-F]{0,3})?$", "", self.text[i + 1 :])
            try:
                return json.decoder.scanstring(body + '"', 0)[0], len(self.text)  # type: ignore[attr-defined]
            except json.JSONDecodeError:
                raise _Incomplete from None

    def array(self, i: int) -> tuple[list[Any], int]:
        out: list[Any] = []
        i = self.ws(i)
        if i < len(self.text) and self.text[i] == "]":
            return out, i + 1
        while True:
            try:
                item, i = self.value(i)
            except _Incomplete:
                return out, len(self.text)
            out.append(item)
            i = self.ws(i)
            if i >= len(self.text):
                return out, i
            if self.text[i] == "]":
                return out, i + 1
            if self.text[i] != ",":
                raise ValueError(f"expected `,` or `]` at position {i}")
            i += 1

    def obj(self, i: int) -> tuple[dict[str, Any], int]:
        out: dict[str, Any] = {}
        i = self.ws(i)
        if i < len(self.text) and self.text[i] == "}":
            return out, i + 1
        while True:
            i = self.ws(i)
            if i >= len(self.text):
                return out, i
            if self.text[i] != '"':
                raise ValueError(f"expected a key at position {i}")
            try:
                key, i = json.decoder.scanstring(self.text, i + 1)  # type: ignore[attr-defined]
            except json.JSONDecodeError:
                return out, len(self.text)
            i = self.ws(i)
            if i >= len(self.text):
                return out, i
            if self.text[i] != ":":
                raise ValueError(f"expected `:` at position {i}")
            try:
                value, i = self.value(i + 1)
            except _Incomplete:
                return out, len(self.text)
            out[key] = value
            i = self.ws(i)
            if i >= len(self.text):
                return out, i
            if self.text[i] == "}":
                return out, i + 1
            if self.text[i] != ",":
                raise ValueError(f"expected `,` or `}}` at position {i}")
            i += 1


def parse_partial_json(data: str | bytes | bytearray, mode: str) -> Any:
    """The JSON value at the start of ``data``, completed where the text stops early.

    Raises ValueError for text that is not the start of a JSON value (the caller then lets
    the engine report it as ``json_invalid``)."""
    text = data.decode() if isinstance(data, (bytes, bytearray)) else data
    parser = _PartialParser(text, mode == "trailing-strings")
    try:
        value, end = parser.value(0)
    except _Incomplete:
        raise ValueError("EOF while parsing a value") from None
    if parser.ws(end) != len(text):
        raise ValueError(f"trailing characters at position {end}")
    return value


def _without_last(value: Any) -> Any:
    if isinstance(value, dict):
        return dict(list(value.items())[:-1])
    if isinstance(value, (list, tuple)):
        return type(value)(value[:-1])
    return None


def _last_key(value: Any) -> Any:
    if isinstance(value, dict):
        return next(reversed(value)) if value else _NO_KEY
    if isinstance(value, (list, tuple)):
        return len(value) - 1 if value else _NO_KEY
    return _NO_KEY


_NO_KEY = object()


def validate_partial(validate: Callable[[Any], Any], value: Any) -> Any:
    """``validate(value)``, or, when every error lies in the last item, ``validate`` of the
    value without it."""
    from ouroboros.validation._errors import ValidationError

    try:
        return validate(value)
    except ValidationError as exc:
        last = _last_key(value)
        errors = exc.errors()
        if last is _NO_KEY or not errors or any(not e["loc"] or e["loc"][0] != last for e in errors):
            raise
        return validate(_without_last(value))
