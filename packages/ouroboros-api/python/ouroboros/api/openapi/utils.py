"""``fastapi.openapi.utils``: the OpenAPI document of any list of routes."""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

from ouroboros.api.openapi import build_openapi

__all__ = ["get_openapi"]


def get_openapi(
    *,
    title: str,
    version: str,
    openapi_version: str = "3.1.0",
    summary: str | None = None,
    description: str | None = None,
    routes: Sequence[Any],
    webhooks: Sequence[Any] | None = None,
    tags: list[dict[str, Any]] | None = None,
    servers: list[dict[str, Any]] | None = None,
    terms_of_service: str | None = None,
    contact: dict[str, Any] | None = None,
    license_info: dict[str, Any] | None = None,
    separate_input_output_schemas: bool = True,
    external_docs: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The document `App.openapi()` serves, for ``routes`` and this metadata
    (``app.openapi_schema = get_openapi(...)`` to customise it)."""
    source = SimpleNamespace(
        routes=list(routes),
        app_dependencies=[],
        title=title,
        version=version,
        summary=summary,
        description=description,
        terms_of_service=terms_of_service,
        contact=contact,
        license_info=license_info,
        servers=list(servers or []),
        openapi_tags=tags,
        openapi_external_docs=external_docs,
        webhooks=SimpleNamespace(routes=list(webhooks or [])),
    )
    doc = build_openapi(source)  # type: ignore[arg-type]
    doc["openapi"] = openapi_version
    return doc
