"""``ValidationError``: every failure of one validation, with Pydantic's vocabulary."""

from __future__ import annotations

import json
import os
from typing import Any

from ouroboros.core import OuroborosError

__all__ = ["PydanticCustomError", "ValidationError"]

_MAX_INPUT_REPR = 50


def _input_repr(value: Any) -> str:
    text = repr(value)
    if len(text) > _MAX_INPUT_REPR:
        text = text[: _MAX_INPUT_REPR // 2 - 2] + "..." + text[-(_MAX_INPUT_REPR // 2 - 1) :]
    return text


def _loc_text(loc: tuple[Any, ...]) -> str:
    return ".".join(str(item) for item in loc)


def _known_message(error_type: str, ctx: dict[str, Any] | None, input_type: str = "python") -> str:
    """pydantic-core's message of a known error type (``greater_than`` with ``{"gt": 5}`` ->
    "Input should be greater than 5"), for Python or JSON input; an unknown type is its
    own message."""
    from ouroboros.validation.core._known_errors import JSON_MESSAGES, PydanticKnownError

    if input_type == "json" and error_type in JSON_MESSAGES:
        try:
            return JSON_MESSAGES[error_type].format(**(ctx or {}))
        except (KeyError, IndexError):
            pass
    try:
        return PydanticKnownError(error_type, ctx).message()
    except (KeyError, TypeError, ValueError):
        return error_type


class ValidationError(OuroborosError, ValueError):
    """Raised when input does not match a model or type.

    ``errors()`` lists every failure at once, each a dict with ``type``,
    ``loc`` (a tuple path such as ``("address", "city")`` or
    ``("tags", 2)``), ``msg``, ``input`` and, when the error has parameters,
    ``ctx``, in the words Pydantic v2 uses.
    """

    # Built as ``ValidationError(title, line_errors)``; BaseException keeps the
    # two in ``args`` without a Python ``__init__`` call, so raising is cheap.
    # ``line_errors`` is a list of dicts or the Rust side's lazy record
    # (``to_list()``), turned into the list the first time it is read.

    @property
    def title(self) -> str:
        """The model or type name: "N validation errors for <title>"."""
        return self.args[0]

    @classmethod
    def from_exception_data(
        cls, title: str, line_errors: list[dict[str, Any]], input_type: str = "python", hide_input: bool = False
    ) -> ValidationError:
        """Build an error from dicts shaped like ``errors()`` items (as Pydantic's); with
        ``hide_input`` its text leaves the inputs out."""
        normalized = []
        for err in line_errors:
            item = dict(err)
            item["loc"] = tuple(item.get("loc", ()))
            if "msg" not in item:
                item["msg"] = _known_message(item.get("type", "value_error"), item.get("ctx"), input_type)
            normalized.append(item)
        return cls(title, normalized, True) if hide_input else cls(title, normalized)

    @property
    def _hide_input(self) -> bool:
        # ``hide_input_in_errors``: a third argument (``ValidationError(title, errors, True)``).
        return len(self.args) > 2 and bool(self.args[2])

    @property
    def errors(self) -> _ErrorList:
        """The failures: call it as Pydantic's ``errors()`` (a fresh list of
        dicts, with ``include_context`` / ``include_input`` options), or read
        it as a list (``e.errors``), as the ouroboros README prints it."""
        return _ErrorList(dict(err) for err in self._line_errors())

    def _line_errors(self) -> list[dict[str, Any]]:
        raw = self.args[1]
        if not isinstance(raw, list):
            raw = raw.to_list()
            self.args = (self.args[0], raw, *self.args[2:])
        return raw

    def error_count(self) -> int:
        """How many failures were found."""
        return len(self.args[1])

    def json(
        self,
        *,
        indent: int | None = None,
        include_url: bool = True,
        include_input: bool = True,
        include_context: bool = True,
    ) -> str:
        """``errors()`` as JSON (compact unless ``indent``); inputs that are not JSON
        types are written as strings."""
        errors = self.errors(include_url=include_url, include_input=include_input, include_context=include_context)
        separators = (",", ":") if indent is None else None
        return json.dumps(errors, indent=indent, default=str, separators=separators, ensure_ascii=False)

    def _render(self) -> str:
        errors = self._line_errors()
        urls = _urls_in_text()
        count = len(errors)
        lines = [f"{count} validation error{'' if count == 1 else 's'} for {self.title}"]
        for err in errors:
            loc = _loc_text(err["loc"])
            if loc:
                lines.append(loc)
            detail = f"[type={err['type']}"
            if "input" in err and not self._hide_input:
                detail += f", input_value={_input_repr(err['input'])}, input_type={type(err['input']).__name__}"
            lines.append(f"  {err['msg']} {detail}]")
            url = err.get("url") or _error_url(err["type"])
            if url is not None and urls:
                lines.append(f"    For further information visit {url}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self._render()

    def __repr__(self) -> str:
        return self._render()

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.title, self._line_errors(), *self.args[2:]))


_KNOWN_TYPES: frozenset[str] = frozenset()
_URL_BASE = ""


def _error_url(error_type: Any) -> str | None:
    """The documentation page of one of pydantic-core's error types (a custom
    type has none), as Pydantic's ``errors()`` gives it."""
    global _KNOWN_TYPES, _URL_BASE
    if not _KNOWN_TYPES:  # read on first use: the core package imports this module
        import typing

        from ouroboros.validation.core.core_schema import ErrorType
        from ouroboros.validation.version import version_short

        _KNOWN_TYPES = frozenset(typing.get_args(ErrorType))
        _URL_BASE = f"https://errors.pydantic.dev/{version_short()}/v/"
    return _URL_BASE + error_type if error_type in _KNOWN_TYPES else None


def _urls_in_text() -> bool:
    """Whether ``str(ValidationError)`` names each error's page: Pydantic's
    ``PYDANTIC_ERRORS_INCLUDE_URL`` (default on)."""
    value = os.environ.get("PYDANTIC_ERRORS_INCLUDE_URL")
    if value is None:
        return os.environ.get("PYDANTIC_ERRORS_OMIT_URL") is None
    return value.strip().lower() in ("1", "true")


class _ErrorList(list):  # type: ignore[type-arg]
    """A list of error dicts that can also be called like ``errors()``."""

    def __call__(
        self, *, include_url: bool = True, include_context: bool = True, include_input: bool = True
    ) -> list[dict[str, Any]]:
        out = []
        for err in self:
            item = dict(err)
            if not include_context:
                item.pop("ctx", None)
            if not include_input:
                item.pop("input", None)
            if not include_url:
                item.pop("url", None)
            elif "url" not in item:
                url = _error_url(item.get("type"))
                if url is not None:
                    item["url"] = url
            out.append(item)
        return out


class PydanticCustomError(ValueError):
    """Raise from a validator to report an error with your own ``type`` and message.

    ``message_template`` may name context values in braces: ``"{limit} is too high"``.
    Built in ``__new__`` (as pydantic-core's class), so a subclass may override ``__new__``
    with its own arguments; it pickles as the class it is.
    """

    error_type: str
    message_template: str
    context: dict[str, Any] | None

    def __new__(cls, error_type: str, message_template: str, context: dict[str, Any] | None = None) -> Any:
        self = super().__new__(cls, error_type, message_template, context)
        self.error_type = error_type
        self.message_template = message_template
        self.context = context
        return self

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Everything was set by ``__new__``."""

    def __reduce__(self) -> tuple[Any, ...]:
        state = {k: v for k, v in self.__dict__.items() if k not in ("error_type", "message_template", "context")}
        return _rebuild_custom_error, (type(self), self.error_type, self.message_template, self.context), state

    def __str__(self) -> str:
        return self.message()

    @property
    def type(self) -> str:
        """The error type (pydantic-core's name for ``error_type``)."""
        return self.error_type

    def message(self) -> str:
        """The message with the context filled in."""
        return self.message_template.format(**self.context) if self.context else self.message_template

    def __repr__(self) -> str:
        return self.message()


def _rebuild_custom_error(cls: type[PydanticCustomError], *args: Any) -> PydanticCustomError:
    return PydanticCustomError.__new__(cls, *args)  # type: ignore[no-any-return]
