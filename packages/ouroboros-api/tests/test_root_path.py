"""`serve(root_path=)` (a proxy's prefix): `request.scope["root_path"]` and
the first OpenAPI server, per server; `App(root_path=)` is deprecated."""

import pytest

from ouroboros.api import App, Request, TestClient
from ouroboros.api.exceptions import FastAPIDeprecationWarning

app = App()


@app.get("/where")
async def where(request: Request):
    scope = request.scope
    assert scope["route"].path == "/where"
    assert scope["endpoint"] is where
    return {"root_path": scope["root_path"], "path": scope["path"], "type": scope["type"], "method": scope["method"]}


def test_root_path_is_per_server():
    proxied = TestClient(app, root_path="/api/v1")
    plain = TestClient(app)
    assert proxied.get("/where").json() == {"root_path": "/api/v1", "path": "/where", "type": "http", "method": "GET"}
    assert proxied.get("/openapi.json").json()["servers"] == [{"url": "/api/v1"}]
    # Another server of the same app does not see the first one's prefix.
    assert plain.get("/where").json()["root_path"] == ""
    assert "servers" not in plain.get("/openapi.json").json()
    proxied.close()
    plain.close()


def test_app_root_path_is_deprecated_but_applies():
    with pytest.warns(FastAPIDeprecationWarning, match="root path"):
        legacy = App(root_path="/v2", root_path_in_servers=False)

    @legacy.get("/where")
    async def legacy_where(request: Request):
        return request.scope["root_path"]

    with TestClient(legacy) as client:
        assert client.get("/where").json() == "/v2"
        assert "servers" not in client.get("/openapi.json").json()
