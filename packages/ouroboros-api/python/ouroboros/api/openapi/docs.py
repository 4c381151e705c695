"""``fastapi.openapi.docs``: the Swagger UI and ReDoc pages as responses.

By default the pages load their scripts and styles from the copies the app
serves itself (``<docs_url>/assets/swagger-ui-dist@5/...`` and
``<redoc_url>/assets/redoc@2/...``: no CDN, so the pages work offline); pass
``swagger_js_url=``/``redoc_js_url=``... to load them from elsewhere.
"""

from __future__ import annotations

from typing import Any

from ouroboros.api.docs import (
    NO_FAVICON,
    REDOC_DIR,
    SWAGGER_DEFAULTS,
    SWAGGER_DIR,
    oauth2_redirect_html,
    redoc_html,
    swagger_ui_html,
)
from ouroboros.api.responses import HTMLResponse

__all__ = [
    "get_redoc_html",
    "get_swagger_ui_html",
    "get_swagger_ui_oauth2_redirect_html",
    "swagger_ui_default_parameters",
]

swagger_ui_default_parameters: dict[str, Any] = dict(SWAGGER_DEFAULTS)


def get_swagger_ui_html(
    *,
    openapi_url: str,
    title: str,
    swagger_js_url: str | None = f"/docs/assets/{SWAGGER_DIR}/swagger-ui-bundle.js",
    swagger_css_url: str | None = f"/docs/assets/{SWAGGER_DIR}/swagger-ui.css",
    swagger_favicon_url: str = NO_FAVICON,
    oauth2_redirect_url: str | None = None,
    init_oauth: dict[str, Any] | None = None,
    swagger_ui_parameters: dict[str, Any] | None = None,
    assets_url: str | None = None,
) -> HTMLResponse:
    """The Swagger UI page for ``openapi_url`` (``assets_url``: where the app
    serves the shipped copies, replacing the default ``/docs/assets``)."""
    if assets_url is not None:
        swagger_js_url = f"{assets_url}/{SWAGGER_DIR}/swagger-ui-bundle.js"
        swagger_css_url = f"{assets_url}/{SWAGGER_DIR}/swagger-ui.css"
    return HTMLResponse(
        swagger_ui_html(
            openapi_url,
            title,
            js_url=swagger_js_url or "",
            css_url=swagger_css_url or "",
            favicon_url=swagger_favicon_url,
            oauth2_redirect_url=oauth2_redirect_url,
            init_oauth=init_oauth,
            parameters=swagger_ui_parameters,
        )
    )


def get_redoc_html(
    *,
    openapi_url: str,
    title: str,
    redoc_js_url: str = f"/redoc/assets/{REDOC_DIR}/redoc.standalone.js",
    redoc_favicon_url: str = NO_FAVICON,
    with_google_fonts: bool = True,
    assets_url: str | None = None,
) -> HTMLResponse:
    """The ReDoc page for ``openapi_url`` (the Google fonts link as in
    FastAPI; the app's own ``/redoc`` page leaves it out)."""
    if assets_url is not None:
        redoc_js_url = f"{assets_url}/{REDOC_DIR}/redoc.standalone.js"
    return HTMLResponse(
        redoc_html(
            openapi_url, title, js_url=redoc_js_url, favicon_url=redoc_favicon_url, with_google_fonts=with_google_fonts
        )
    )


def get_swagger_ui_oauth2_redirect_html() -> HTMLResponse:
    """The page Swagger UI's OAuth2 flows come back to (served by the app at
    ``swagger_ui_oauth2_redirect_url``)."""
    return HTMLResponse(oauth2_redirect_html())
