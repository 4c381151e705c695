"""Parameter markers: ``Annotated[int, Query(ge=1)]`` and friends.

They only describe; `ouroboros.api._plan` compiles them once per route into
the plan the Rust router executes.
"""

from __future__ import annotations

import dataclasses
import enum
import re
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import Any, Literal

from ouroboros.api.concurrency import DependencyConcurrency

__all__ = [
    "Body",
    "Cookie",
    "Depends",
    "File",
    "Form",
    "Header",
    "Param",
    "ParamTypes",
    "Path",
    "Query",
    "Security",
]

_UNSET: Any = ...


class ParamTypes(enum.Enum):
    """Where a parameter is read (``Query().in_.value == "query"``)."""

    query = "query"
    header = "header"
    path = "path"
    cookie = "cookie"


# The inline flags of a compiled `pattern=` (the Rust regex engine reads them).
_PATTERN_FLAGS = ((re.IGNORECASE, "i"), (re.MULTILINE, "m"), (re.DOTALL, "s"), (re.VERBOSE, "x"))


def _pattern_text(pattern: Any) -> tuple[str | None, str | None]:
    """``(pattern as written, pattern to validate with)``: a compiled
    ``re.Pattern`` keeps its flags as an inline group."""
    if isinstance(pattern, re.Pattern):
        flags = "".join(letter for flag, letter in _PATTERN_FLAGS if pattern.flags & flag)
        return pattern.pattern, (f"(?{flags}){pattern.pattern}" if flags else pattern.pattern)
    return pattern, pattern


def _deprecated(message: str) -> None:
    """FastAPI's warning for a deprecated marker option, pointing at the
    user's line (the first caller outside this module)."""
    from ouroboros.api.exceptions import FastAPIDeprecationWarning

    level, frame = 2, sys._getframe(1)
    while frame is not None and frame.f_globals.get("__name__") == __name__:
        frame, level = frame.f_back, level + 1
    warnings.warn(message, FastAPIDeprecationWarning, stacklevel=level)


class Param:
    """Where a parameter comes from and what it must satisfy."""

    source = "query"

    def __init__(self, default: Any = _UNSET, **kwargs: Any) -> None:
        # The options given explicitly (even as None): they win over the same
        # options of a `Field()` beside the marker in `Annotated`.
        self._explicit = frozenset(kwargs)
        if kwargs.get("regex") is not None:
            _deprecated("`regex` has been deprecated, please use `pattern` instead")
        if "example" in kwargs:
            _deprecated("`example` has been deprecated, please use `examples` instead")
        self._setup(default, **kwargs)

    def _setup(
        self,
        default: Any = _UNSET,
        *,
        default_factory: Callable[[], Any] | None = None,
        annotation: Any | None = None,
        alias: str | None = None,
        alias_priority: int | None = None,
        validation_alias: Any = None,
        serialization_alias: str | None = None,
        title: str | None = None,
        description: str | None = None,
        gt: float | None = None,
        ge: float | None = None,
        lt: float | None = None,
        le: float | None = None,
        min_length: int | None = None,
        max_length: int | None = None,
        pattern: str | None = None,
        regex: str | None = None,
        discriminator: str | None = None,
        strict: bool | None = None,
        union_mode: Literal["smart", "left_to_right"] | None = None,
        fail_fast: bool | None = None,
        validate_default: bool | None = None,
        multiple_of: float | None = None,
        allow_inf_nan: bool | None = None,
        max_digits: int | None = None,
        decimal_places: int | None = None,
        examples: list[Any] | None = None,
        example: Any = _UNSET,
        openapi_examples: dict[str, Any] | None = None,
        deprecated: bool | None = None,
        include_in_schema: bool = True,
        json_schema_extra: dict[str, Any] | Callable[[dict[str, Any]], None] | None = None,
        **extra: Any,
    ) -> None:
        self.default = default
        self.default_factory = default_factory
        self.annotation = annotation
        self.alias = alias
        self.alias_priority = alias_priority
        self.validation_alias = validation_alias
        self.serialization_alias = serialization_alias
        self.title = title
        self.description = description
        self.gt, self.ge, self.lt, self.le = gt, ge, lt, le
        self.multiple_of = multiple_of
        self.allow_inf_nan = allow_inf_nan
        self.max_digits = max_digits
        self.decimal_places = decimal_places
        self.strict = strict
        self.union_mode = union_mode
        self.fail_fast = fail_fast
        self.validate_default = validate_default
        self.discriminator = discriminator
        self.min_length = min_length
        self.max_length = max_length
        # `regex=` is the older name of `pattern=` (FastAPI still takes it).
        self.pattern, self.validation_pattern = _pattern_text(pattern if pattern is not None else regex)
        self.examples = examples
        self.example = example
        self.openapi_examples = openapi_examples
        self.deprecated = deprecated
        self.include_in_schema = include_in_schema
        if callable(json_schema_extra):
            # A function that edits the schema in place (Pydantic's form).
            self.json_schema_extra: Any = json_schema_extra
        else:
            self.json_schema_extra = {**(json_schema_extra or {}), **extra} or None

    def __repr__(self) -> str:
        default = "PydanticUndefined" if self.default is _UNSET else self.default
        return f"{type(self).__name__}({default})"


class Path(Param):
    """A segment of the URL path: ``/items/{item_id}``. Always required."""

    source = "path"
    in_ = ParamTypes.path


class Query(Param):
    """A query-string parameter (``?limit=10``)."""

    source = "query"
    in_ = ParamTypes.query


class Header(Param):
    """A request header; ``x_token`` reads ``x-token`` unless
    ``convert_underscores=False``."""

    source = "header"
    in_ = ParamTypes.header

    def __init__(self, default: Any = _UNSET, *, convert_underscores: bool = True, **kwargs: Any) -> None:
        super().__init__(default, **kwargs)
        self.convert_underscores = convert_underscores


class Cookie(Param):
    """A cookie sent by the client."""

    source = "cookie"
    in_ = ParamTypes.cookie


class Body(Param):
    """The JSON body, or one key of it with ``embed=True``."""

    source = "body"

    def __init__(
        self, default: Any = _UNSET, *, embed: bool = False, media_type: str = "application/json", **kwargs: Any
    ) -> None:
        super().__init__(default, **kwargs)
        self.embed = embed
        self.media_type = media_type


class Form(Body):
    """A field of a urlencoded form body."""

    source = "form"

    def __init__(self, default: Any = _UNSET, **kwargs: Any) -> None:
        kwargs.setdefault("media_type", "application/x-www-form-urlencoded")
        super().__init__(default, **kwargs)


class File(Form):
    """An uploaded file (multipart). Not supported by the server yet."""

    source = "file"


@dataclasses.dataclass(frozen=True)
class Depends:
    """A dependency: its result is computed per request and passed in.

    Args:
        dependency: A callable (sync, async, or a generator with ``yield``
            whose code after ``yield`` runs as cleanup); None takes the
            parameter's annotation.
        use_cache: Reuse one result per request when several parameters
            depend on the same callable.
        scope: When a ``yield`` dependency's exit code runs: "function"
            right after the handler returns, "request" (the default) once
            the response is sent (a streaming body finished), as in FastAPI.
        max_concurrency: At most this many calls through this declaration
            run at once, across requests and every route that uses it (a
            ``yield`` dependency counts until its exit code has run).

    Raises:
        ValueError: ``max_concurrency`` is not a positive integer.
        FastAPIError: An unknown ``scope``.
    """

    dependency: Callable[..., Any] | None = None
    use_cache: bool = True
    scope: Literal["function", "request"] | None = None
    max_concurrency: int | None = dataclasses.field(default=None, kw_only=True)
    # The limit's accounting, shared by copies (`dataclasses.replace`) with
    # the same limit; its identity also keeps `Annotated` from merging two
    # separate declarations.
    _concurrency: DependencyConcurrency | None = dataclasses.field(default=None, repr=False, kw_only=True)

    def __post_init__(self) -> None:
        if self.scope not in (None, "function", "request"):
            from ouroboros.api.exceptions import FastAPIError

            raise FastAPIError(f'Depends(scope=) must be "function" or "request", got {self.scope!r}')
        limit = self.max_concurrency
        if limit is None:
            object.__setattr__(self, "_concurrency", None)
            return
        if type(limit) is not int or limit < 1:
            raise ValueError("max_concurrency must be a positive integer or None")
        if self._concurrency is None or self._concurrency.max_concurrency != limit:
            object.__setattr__(self, "_concurrency", DependencyConcurrency(limit))

    def __repr__(self) -> str:
        name = getattr(self.dependency, "__name__", repr(self.dependency))
        return f"{type(self).__name__}({name})"


@dataclasses.dataclass(frozen=True, repr=False)
class Security(Depends):
    """A dependency that also declares OAuth2 scopes (for OpenAPI)."""

    scopes: Sequence[str] | None = None
