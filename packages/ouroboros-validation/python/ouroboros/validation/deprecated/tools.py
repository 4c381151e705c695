"""``parse_obj_as``, ``schema_of``, ``schema_json_of`` (``pydantic.deprecated.tools``)."""

from __future__ import annotations

import json
import warnings
from typing import Any

from ouroboros.validation._deprecated import parse_obj_as
from ouroboros.validation.warnings import PydanticDeprecatedSince20

__all__ = ["parse_obj_as", "schema_json_of", "schema_of"]


def schema_of(type_: Any, *, title: Any = None, by_alias: bool = True, **kwargs: Any) -> dict[str, Any]:
    """Deprecated: use ``TypeAdapter(type_).json_schema()``."""
    warnings.warn(
        PydanticDeprecatedSince20("`schema_of` is deprecated. Use `pydantic.TypeAdapter.json_schema` instead."),
        stacklevel=2,
    )
    from ouroboros.validation._type_adapter import TypeAdapter

    schema = TypeAdapter(type_).json_schema(by_alias=by_alias, **kwargs)
    if title is not None:
        schema["title"] = title(type_) if callable(title) else title
    return schema


def schema_json_of(type_: Any, *, title: Any = None, by_alias: bool = True, **dumps_kwargs: Any) -> str:
    """Deprecated: use ``json.dumps(TypeAdapter(type_).json_schema())``."""
    warnings.warn(
        PydanticDeprecatedSince20("`schema_json_of` is deprecated. Use `pydantic.TypeAdapter.json_schema` instead."),
        stacklevel=2,
    )
    # `schema_of` warns too, as in Pydantic.
    return json.dumps(schema_of(type_, title=title, by_alias=by_alias), **dumps_kwargs)


schema_of.__deprecated__ = "`schema_of` is deprecated. Use `pydantic.TypeAdapter.json_schema` instead."  # type: ignore[attr-defined]
schema_json_of.__deprecated__ = (  # type: ignore[attr-defined]
    "`schema_json_of` is deprecated. Use `pydantic.TypeAdapter.json_schema` instead."
)
