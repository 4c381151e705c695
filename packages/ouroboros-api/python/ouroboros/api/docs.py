"""Swagger UI and ReDoc pages, served with no internet access.

Their JavaScript and CSS ship inside the wheel (``static/``, refreshed from npm
by ``scripts/fetch_docs_assets.py``) and are served under
``<docs_url>/assets/`` and ``<redoc_url>/assets/``.
"""

from __future__ import annotations

import html
import json
from functools import cache
from importlib import resources

from ouroboros.api.exceptions import HTTPException
from ouroboros.api.responses import Response

ASSETS = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "redoc.standalone.js": "text/javascript",
}


@cache
def asset_bytes(name: str) -> bytes:
    """The content of one shipped asset."""
    return resources.files("ouroboros.api").joinpath("static", name).read_bytes()


def asset_response(name: str) -> Response:
    """Serve a shipped asset (404 for any other name)."""
    media_type = ASSETS.get(name)
    if media_type is None:
        raise HTTPException(404)
    return Response(asset_bytes(name), media_type=media_type, headers={"cache-control": "public, max-age=86400"})


def swagger_ui_html(openapi_url: str, title: str, assets: str) -> str:
    """The Swagger UI page for ``openapi_url``, loading from ``assets``."""
    t = html.escape(title)
    a = html.escape(assets)
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{t} - Swagger UI</title>
<link rel="stylesheet" href="{a}/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="{a}/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({{url: {json.dumps(openapi_url)}, dom_id: "#swagger-ui",
  deepLinking: true, presets: [SwaggerUIBundle.presets.apis]}});</script>
</body></html>"""


def redoc_html(openapi_url: str, title: str, assets: str) -> str:
    """The ReDoc page for ``openapi_url``, loading from ``assets``."""
    t = html.escape(title)
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{t} - ReDoc</title></head>
<body><redoc spec-url="{html.escape(openapi_url)}"></redoc>
<script src="{html.escape(assets)}/redoc.standalone.js"></script></body></html>"""
