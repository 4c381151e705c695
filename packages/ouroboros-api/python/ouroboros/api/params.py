"""Parameter markers: ``Annotated[int, Query(ge=1)]`` and friends.

They only describe; `ouroboros.api._plan` compiles them once per route into
the plan the Rust router executes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["Body", "Cookie", "Depends", "File", "Form", "Header", "Param", "Path", "Query", "Security"]

_UNSET: Any = ...


class Param:
    """Where a parameter comes from and what it must satisfy."""

    source = "query"

    def __init__(
        self,
        default: Any = _UNSET,
        *,
        alias: str | None = None,
        title: str | None = None,
        description: str | None = None,
        gt: float | None = None,
        ge: float | None = None,
        lt: float | None = None,
        le: float | None = None,
        min_length: int | None = None,
        max_length: int | None = None,
        pattern: str | None = None,
        examples: list[Any] | None = None,
        deprecated: bool | None = None,
        include_in_schema: bool = True,
        default_factory: Callable[[], Any] | None = None,
    ) -> None:
        self.default = default
        self.default_factory = default_factory
        self.alias = alias
        self.title = title
        self.description = description
        self.gt, self.ge, self.lt, self.le = gt, ge, lt, le
        self.min_length = min_length
        self.max_length = max_length
        self.pattern = pattern
        self.examples = examples
        self.deprecated = deprecated
        self.include_in_schema = include_in_schema

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.default!r})"


class Path(Param):
    """A segment of the URL path: ``/items/{item_id}``. Always required."""

    source = "path"


class Query(Param):
    """A query-string parameter (``?limit=10``)."""

    source = "query"


class Header(Param):
    """A request header; ``x_token`` reads ``x-token`` unless
    ``convert_underscores=False``."""

    source = "header"

    def __init__(self, default: Any = _UNSET, *, convert_underscores: bool = True, **kwargs: Any) -> None:
        super().__init__(default, **kwargs)
        self.convert_underscores = convert_underscores


class Cookie(Param):
    """A cookie sent by the client."""

    source = "cookie"


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


class Depends:
    """A dependency: its result is computed per request and passed in.

    Args:
        dependency: A callable (sync, async, or a generator with ``yield``
            whose code after ``yield`` runs as cleanup).
        use_cache: Reuse one result per request when several parameters
            depend on the same callable.
    """

    def __init__(self, dependency: Callable[..., Any] | None = None, *, use_cache: bool = True) -> None:
        self.dependency = dependency
        self.use_cache = use_cache

    def __repr__(self) -> str:
        name = getattr(self.dependency, "__name__", repr(self.dependency))
        return f"Depends({name})"


class Security(Depends):
    """A dependency that also declares OAuth2 scopes (for OpenAPI)."""

    def __init__(
        self, dependency: Callable[..., Any] | None = None, *, scopes: list[str] | None = None, use_cache: bool = True
    ) -> None:
        super().__init__(dependency, use_cache=use_cache)
        self.scopes = list(scopes or [])
