"""`Dependant` and `ModelField`: what `get_dependant` describes.

The server never uses these: routes are compiled by ``ouroboros.api._plan``
into the plan the Rust router executes. They describe the same analysis for
code written against FastAPI's ``fastapi.dependencies`` API.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

__all__ = ["Dependant", "ModelField"]


@dataclasses.dataclass
class ModelField:
    """One parameter of a dependant, or a parameter model read as a whole."""

    name: str
    alias: str
    annotation: Any
    location: str  # path | query | header | cookie | body | form | file
    required: bool
    default: Any = None
    field_info: Any = None
    # Set for a model (or a union of models) read field by field from the
    # query, the headers, the cookies or a form.
    is_model: bool = False

    @property
    def type_(self) -> Any:
        return self.annotation

    @property
    def mode(self) -> str:
        return "validation"


@dataclasses.dataclass
class Dependant:
    """A callable, its parameters by where they come from, and its sub-dependencies."""

    call: Callable[..., Any] | None = None
    path: str | None = None
    name: str | None = None
    path_params: list[ModelField] = dataclasses.field(default_factory=list)
    query_params: list[ModelField] = dataclasses.field(default_factory=list)
    header_params: list[ModelField] = dataclasses.field(default_factory=list)
    cookie_params: list[ModelField] = dataclasses.field(default_factory=list)
    body_params: list[ModelField] = dataclasses.field(default_factory=list)
    dependencies: list[Dependant] = dataclasses.field(default_factory=list)
    use_cache: bool = True
