"""``fastapi.openapi.docs``: the Swagger UI and ReDoc pages as responses.

The pages load their scripts and styles from ``assets_url``: the copies the
app serves itself under ``<docs_url>/assets`` and ``<redoc_url>/assets`` (no
CDN, so the pages work offline).
"""

from __future__ import annotations

from ouroboros.api.docs import redoc_html, swagger_ui_html
from ouroboros.api.responses import HTMLResponse

__all__ = ["get_redoc_html", "get_swagger_ui_html"]


def get_swagger_ui_html(*, openapi_url: str, title: str, assets_url: str = "/docs/assets") -> HTMLResponse:
    """The Swagger UI page for ``openapi_url``."""
    return HTMLResponse(swagger_ui_html(openapi_url, title, assets_url))


def get_redoc_html(*, openapi_url: str, title: str, assets_url: str = "/redoc/assets") -> HTMLResponse:
    """The ReDoc page for ``openapi_url``."""
    return HTMLResponse(redoc_html(openapi_url, title, assets_url))
