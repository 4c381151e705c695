"""HTML pages for Swagger UI and ReDoc.

The pages load their JavaScript from ``<docs_url>/assets/``, which the app
serves from files shipped in the wheel when they are present (see
``docs/api.md``: bundling the npm assets at build time is not done yet, so
today the pages fall back to the public CDN).
"""

from __future__ import annotations

import html

SWAGGER_CDN = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5"
REDOC_CDN = "https://cdn.jsdelivr.net/npm/redoc@2/bundles/redoc.standalone.js"


def swagger_ui_html(openapi_url: str, title: str) -> str:
    """The Swagger UI page for ``openapi_url``."""
    t = html.escape(title)
    return f"""<!DOCTYPE html>
<html><head><title>{t} - Swagger UI</title>
<link rel="stylesheet" href="{SWAGGER_CDN}/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="{SWAGGER_CDN}/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({{url: {openapi_url!r}, dom_id: '#swagger-ui'}});</script>
</body></html>"""


def redoc_html(openapi_url: str, title: str) -> str:
    """The ReDoc page for ``openapi_url``."""
    t = html.escape(title)
    return f"""<!DOCTYPE html>
<html><head><title>{t} - ReDoc</title></head>
<body><redoc spec-url="{html.escape(openapi_url)}"></redoc>
<script src="{REDOC_CDN}"></script></body></html>"""
