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
from typing import Any

from ouroboros.api.exceptions import HTTPException
from ouroboros.api.responses import Response, to_plain_deep

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


# Where the shipped copies are served, under ``<docs_url>/assets`` and
# ``<redoc_url>/assets`` (named after the npm packages and their major versions).
SWAGGER_DIR = "swagger-ui-dist@5"
REDOC_DIR = "redoc@2"

# FastAPI's default Swagger UI options (``swagger_ui_parameters`` overrides them key by key).
SWAGGER_DEFAULTS: dict[str, Any] = {
    "dom_id": "#swagger-ui",
    "layout": "BaseLayout",
    "deepLinking": True,
    "showExtensions": True,
    "showCommonExtensions": True,
}

# An empty icon: the pages ask the server for no favicon.
NO_FAVICON = "data:,"


def safe_json(value: Any) -> str:
    """JSON that can sit inside a ``<script>`` element (``<``, ``>`` and
    ``&`` escaped, so a value cannot close the element)."""
    text = json.dumps(to_plain_deep(value))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def swagger_ui_html(
    openapi_url: str,
    title: str,
    *,
    js_url: str,
    css_url: str,
    favicon_url: str = NO_FAVICON,
    oauth2_redirect_url: str | None = None,
    init_oauth: dict[str, Any] | None = None,
    parameters: dict[str, Any] | None = None,
) -> str:
    """The Swagger UI page for ``openapi_url``."""
    options = {**SWAGGER_DEFAULTS, **(parameters or {})}
    lines = [f"    url: {safe_json(openapi_url)},"]
    lines += [f"    {safe_json(key)}: {safe_json(value)}," for key, value in options.items()]
    if oauth2_redirect_url:
        # A single-quoted JS string (FastAPI's page has it so).
        quoted = safe_json(oauth2_redirect_url)[1:-1].replace("'", "\\'")
        lines.append(f"    oauth2RedirectUrl: window.location.origin + '{quoted}',")
    oauth = f"ui.initOAuth({safe_json(init_oauth)})\n" if init_oauth else ""
    settings = "\n".join(lines)
    return f"""<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<link type="text/css" rel="stylesheet" href="{html.escape(css_url)}">
<link rel="shortcut icon" href="{html.escape(favicon_url)}">
<title>{html.escape(title)}</title>
</head>
<body>
<div id="swagger-ui"></div>
<script src="{html.escape(js_url)}"></script>
<script>
const ui = SwaggerUIBundle({{
{settings}
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
}})
{oauth}</script>
</body>
</html>"""


def redoc_html(
    openapi_url: str,
    title: str,
    *,
    js_url: str,
    favicon_url: str = NO_FAVICON,
    with_google_fonts: bool = False,
) -> str:
    """The ReDoc page for ``openapi_url``."""
    fonts = (
        '<link href="https://fonts.googleapis.com/css?family=Montserrat:300,400,700|Roboto:300,400,700" '
        'rel="stylesheet">\n'
        if with_google_fonts
        else ""
    )
    return f"""<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
{fonts}<link rel="shortcut icon" href="{html.escape(favicon_url)}">
<style>body {{ margin: 0; padding: 0; }}</style>
</head>
<body>
<noscript>ReDoc needs JavaScript.</noscript>
<redoc spec-url="{html.escape(openapi_url)}"></redoc>
<script src="{html.escape(js_url)}"></script>
</body>
</html>"""


def oauth2_redirect_html() -> str:
    """The page an OAuth2 server sends the browser back to: it hands the
    answer (code or token, from the fragment or the query) to the Swagger
    UI window that opened it, checking the ``state`` it sent, and closes."""
    return """<!DOCTYPE html>
<html lang="en-US">
<head><title>Swagger UI: OAuth2 Redirect</title></head>
<body>
<script>
'use strict';
function finish() {
    var oauth2 = window.opener.swaggerUIRedirectOauth2;
    var raw = /code|token|error/.test(window.location.hash)
        ? window.location.hash.substring(1).replace('?', '&')
        : window.location.search.substring(1);
    var answer = {};
    new URLSearchParams(raw).forEach(function (value, key) { answer[key] = value; });
    var stateOk = answer.state === oauth2.state;
    var flow = oauth2.auth.schema.get('flow');
    var codeFlow = flow === 'accessCode' || flow === 'authorizationCode' || flow === 'authorization_code';
    if (codeFlow && !oauth2.auth.code) {
        if (!stateOk) {
            oauth2.errCb({authId: oauth2.auth.name, source: 'auth', level: 'warning',
                message: 'The state returned by the authorization server differs from the one sent.'});
        }
        if (answer.code) {
            delete oauth2.state;
            oauth2.auth.code = answer.code;
            oauth2.callback({auth: oauth2.auth, redirectUrl: oauth2.redirectUrl});
        } else {
            var why = answer.error
                ? '[' + answer.error + ']: ' + (answer.error_description || 'no code received.')
                  + (answer.error_uri ? ' More: ' + answer.error_uri : '')
                : '[Authorization failed]: no code received from the server.';
            oauth2.errCb({authId: oauth2.auth.name, source: 'auth', level: 'error', message: why});
        }
    } else {
        oauth2.callback({auth: oauth2.auth, token: answer, isValid: stateOk, redirectUrl: oauth2.redirectUrl});
    }
    window.close();
}
if (document.readyState !== 'loading') {
    finish();
} else {
    document.addEventListener('DOMContentLoaded', finish);
}
</script>
</body>
</html>"""
