"""The OpenAPI 3.1 document, validated against the official schema, and the
offline Swagger UI / ReDoc pages."""

import dataclasses
import os
import shutil
import subprocess
from typing import Annotated

import pytest
from openapi_spec_validator import validate

from ouroboros.api import APIRouter, App, Body, Depends, Header, Path, Query

app = App(title="Shop", version="2.1.0", description="A test shop")


@dataclasses.dataclass
class Item:
    name: str
    price: float
    tags: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class ItemOut:
    id: int
    name: str


async def auth(x_token: Annotated[str, Header(description="API token")]):
    return x_token


@app.get("/items/{item_id}", response_model=ItemOut, tags=["items"], summary="Read one item")
async def read_item(
    item_id: Annotated[int, Path(description="The item id", ge=1)],
    q: Annotated[str | None, Query(max_length=10)] = None,
):
    return {"id": item_id, "name": "x"}


@app.post("/items", status_code=201, response_model=ItemOut, responses={409: {"description": "Duplicate"}})
async def create_item(item: Item, token: Annotated[str, Depends(auth)]):
    """Create an item."""
    return {"id": 1, "name": item.name}


@app.get("/old", deprecated=True)
async def old():
    return {}


@app.get("/hidden", include_in_schema=False)
async def hidden():
    return {}


router = APIRouter(prefix="/users", tags=["users"])


@router.put("/{user_id}")
async def update_user(user_id: str, name: Annotated[str, Body(embed=True)]):
    return {"id": user_id, "name": name}


app.include_router(router)


@pytest.fixture(scope="module")
def spec(client):
    r = client.get("/openapi.json")
    assert r.status_code == 200
    return r.json()


def test_spec_validates_against_openapi_31(spec):
    validate(spec)
    assert spec["openapi"] == "3.1.0"
    assert spec["info"] == {"title": "Shop", "version": "2.1.0", "description": "A test shop"}


def test_paths_and_methods(spec):
    assert set(spec["paths"]) == {"/items/{item_id}", "/items", "/old", "/users/{user_id}"}
    assert set(spec["paths"]["/items"]) == {"post"}


def test_parameters_are_described(spec):
    op = spec["paths"]["/items/{item_id}"]["get"]
    assert op["summary"] == "Read one item"
    assert op["tags"] == ["items"]
    params = {p["name"]: p for p in op["parameters"]}
    assert params["item_id"]["in"] == "path"
    assert params["item_id"]["required"] is True
    # FastAPI's shapes: the title comes from the name, the description and the
    # constraints sit in the schema too.
    assert params["item_id"]["schema"] == {
        "type": "integer",
        "minimum": 1,
        "title": "Item Id",
        "description": "The item id",
    }
    assert params["item_id"]["description"] == "The item id"
    assert params["q"]["required"] is False
    assert params["q"]["schema"] == {"anyOf": [{"type": "string", "maxLength": 10}, {"type": "null"}], "title": "Q"}


def test_body_response_model_and_dependency_params(spec):
    op = spec["paths"]["/items"]["post"]
    assert op["description"] == "Create an item."
    assert op["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Item"}
    assert set(op["responses"]) == {"201", "409", "422"}
    assert op["responses"]["201"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ItemOut"}
    assert [p["name"] for p in op["parameters"]] == ["x-token"]
    item = spec["components"]["schemas"]["Item"]
    assert item["required"] == ["name", "price"]
    assert item["properties"]["tags"] == {"type": "array", "items": {"type": "string"}, "title": "Tags"}


def test_embedded_body_and_router_tags(spec):
    op = spec["paths"]["/users/{user_id}"]["put"]
    assert op["tags"] == ["users"]
    # An embedded body is the model Body_<operation id>, as in FastAPI.
    schema = op["requestBody"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/Body_update_user_users__user_id__put"}
    body = spec["components"]["schemas"]["Body_update_user_users__user_id__put"]
    assert body["properties"] == {"name": {"type": "string", "title": "Name"}}
    assert body["required"] == ["name"]


def test_deprecated_flag(spec):
    assert spec["paths"]["/old"]["get"]["deprecated"] is True


def test_operation_ids_are_unique(spec):
    ids = [op["operationId"] for item in spec["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(
    ("url", "marker"),
    [("/docs", "SwaggerUIBundle"), ("/redoc", "<redoc spec-url")],
)
def test_docs_pages_reference_local_assets(client, url, marker):
    r = client.get(url)
    assert r.status_code == 200
    assert marker in r.text
    assert "http" not in r.text.split("<body>")[0].replace('charset="utf-8"', "")


@pytest.mark.parametrize(
    ("url", "ctype", "min_size"),
    [
        ("/docs/assets/swagger-ui-dist@5/swagger-ui-bundle.js", "text/javascript", 500_000),
        ("/docs/assets/swagger-ui-dist@5/swagger-ui.css", "text/css", 50_000),
        ("/redoc/assets/redoc@2/redoc.standalone.js", "text/javascript", 500_000),
    ],
)
def test_assets_are_served_from_the_wheel(client, url, ctype, min_size):
    r = client.get(url)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(ctype)
    assert len(r.content) > min_size


def test_unknown_asset_is_404(client):
    assert client.get("/docs/assets/swagger-ui-dist@5/evil.js").status_code == 404
    assert client.get("/docs/assets/swagger-ui-bundle.js").status_code == 404


def test_swagger_ui_page_options_and_oauth2_redirect(client):
    page = client.get("/docs").text
    assert "oauth2RedirectUrl: window.location.origin + '/docs/oauth2-redirect'," in page
    assert '"deepLinking": true,' in page
    r = client.get("/docs/oauth2-redirect")
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert "window.opener.swaggerUIRedirectOauth2" in r.text

    from ouroboros.api import TestClient

    custom = App(
        swagger_ui_oauth2_redirect_url=None,
        swagger_ui_parameters={"deepLinking": False, "syntaxHighlight": {"theme": "obsidian"}},
        swagger_ui_init_oauth={"clientId": "c1", "appName": "</script><script>alert(1)</script>"},
    )
    with TestClient(custom) as c:
        page = c.get("/docs").text
        assert c.get("/docs/oauth2-redirect").status_code == 404
    assert "oauth2RedirectUrl" not in page
    assert '"deepLinking": false,' in page and '"syntaxHighlight": {"theme": "obsidian"},' in page
    assert 'ui.initOAuth({"clientId": "c1", "appName": "\\u003c/script\\u003e' in page
    assert "</script><script>alert" not in page


def test_docs_can_be_disabled():
    from ouroboros.api import TestClient

    bare = App(docs_url=None, redoc_url=None, openapi_url=None)
    with TestClient(bare) as c:
        assert c.get("/docs").status_code == 404
        assert c.get("/openapi.json").status_code == 404


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


# `scripts/dev test` (and so CI) installs Chromium and sets this: there a
# missing browser is a failure, not a skip.
REQUIRE_BROWSER = os.environ.get("OUROBOROS_REQUIRE_BROWSER") == "1"


@pytest.mark.browser
@pytest.mark.skipif(_chromium() is None and not REQUIRE_BROWSER, reason="needs Chromium (apt-get install chromium)")
def test_swagger_ui_renders_operations_in_headless_chromium(client):
    if _chromium() is None:
        pytest.fail("OUROBOROS_REQUIRE_BROWSER=1 but no chromium on PATH (apt-get install chromium)")
    out = subprocess.run(
        [
            _chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--virtual-time-budget=10000",
            "--dump-dom",
            f"{client.base_url}/docs",
        ],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    dom = out.stdout
    assert "opblock" in dom, out.stderr[-2000:]
    assert "/items/{item_id}" in dom
    assert "Read one item" in dom
    assert "/users/{user_id}" in dom


def test_duplicate_operation_ids_warn_as_fastapi_does():
    dup = App(generate_unique_id_function=lambda route: "same")

    @dup.get("/a")
    def first():
        return 1

    @dup.get("/b")
    def second():
        return 2

    with pytest.warns(UserWarning, match="Duplicate Operation ID same for function second at .*test_openapi.py"):
        spec = dup.openapi()
    assert [op["get"]["operationId"] for op in spec["paths"].values()] == ["same", "same"]
