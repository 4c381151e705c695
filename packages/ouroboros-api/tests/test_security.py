"""Security dependencies (and their OpenAPI), static files."""

import base64
from typing import Annotated

import pytest
from openapi_spec_validator import validate

from ouroboros.api import (
    APIKeyCookie,
    APIKeyHeader,
    APIKeyQuery,
    App,
    Depends,
    HTTPAuthorizationCredentials,
    HTTPBasic,
    HTTPBasicCredentials,
    HTTPBearer,
    OAuth2PasswordBearer,
    StaticFiles,
    TestClient,
)

app = App()
bearer = HTTPBearer()
basic = HTTPBasic(realm="test")
oauth2 = OAuth2PasswordBearer(tokenUrl="token")
key_header = APIKeyHeader(name="x-api-key")
key_query = APIKeyQuery(name="api_key")
key_cookie = APIKeyCookie(name="session")
optional_bearer = HTTPBearer(auto_error=False, scheme_name="OptionalBearer")


@app.get("/bearer")
async def with_bearer(creds: Annotated[HTTPAuthorizationCredentials, Depends(bearer)]):
    return {"scheme": creds.scheme, "token": creds.credentials}


@app.get("/basic")
async def with_basic(creds: Annotated[HTTPBasicCredentials, Depends(basic)]):
    return {"user": creds.username, "password": creds.password}


@app.get("/oauth2")
async def with_oauth2(token: Annotated[str, Depends(oauth2)]):
    return {"token": token}


@app.get("/keys")
async def with_keys(
    h: Annotated[str, Depends(key_header)],
    q: Annotated[str, Depends(key_query)],
    c: Annotated[str, Depends(key_cookie)],
):
    return {"h": h, "q": q, "c": c}


@app.get("/optional")
async def optional(creds: Annotated[HTTPAuthorizationCredentials | None, Depends(optional_bearer)]):
    return {"anonymous": creds is None}


@pytest.mark.parametrize(
    ("headers", "status", "body"),
    [
        ({"authorization": "Bearer abc"}, 200, {"scheme": "Bearer", "token": "abc"}),
        ({"authorization": "bearer abc"}, 200, {"scheme": "bearer", "token": "abc"}),
        ({"authorization": "Basic abc"}, 401, {"detail": "Not authenticated"}),
        ({}, 401, {"detail": "Not authenticated"}),
    ],
)
def test_http_bearer(client, headers, status, body):
    r = client.get("/bearer", headers=headers)
    assert (r.status_code, r.json()) == (status, body)
    if status == 401:
        assert r.headers["www-authenticate"] == "Bearer"


def test_http_basic(client):
    token = base64.b64encode(b"al:s3cret:x").decode()
    r = client.get("/basic", headers={"authorization": f"Basic {token}"})
    assert r.json() == {"user": "al", "password": "s3cret:x"}
    r = client.get("/basic")
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == 'Basic realm="test"'
    r = client.get("/basic", headers={"authorization": "Basic !!!"})
    # FastAPI now answers undecodable credentials like missing ones.
    assert (r.status_code, r.json()) == (401, {"detail": "Not authenticated"})
    assert r.headers["www-authenticate"] == 'Basic realm="test"'


def test_oauth2_password_bearer(client):
    assert client.get("/oauth2", headers={"authorization": "Bearer t0k"}).json() == {"token": "t0k"}
    assert client.get("/oauth2").status_code == 401


def test_api_keys_in_header_query_and_cookie(client):
    r = client.get("/keys?api_key=q1", headers={"x-api-key": "h1", "cookie": "session=c1"})
    assert r.json() == {"h": "h1", "q": "q1", "c": "c1"}
    r = client.get("/keys?api_key=q1", headers={"cookie": "session=c1"})
    # 401 with an APIKey challenge, as FastAPI answers (it used to be 403).
    assert (r.status_code, r.json()) == (401, {"detail": "Not authenticated"})
    assert r.headers["www-authenticate"] == "APIKey"


def test_auto_error_false_returns_none(client):
    assert client.get("/optional").json() == {"anonymous": True}
    assert client.get("/optional", headers={"authorization": "Bearer x"}).json() == {"anonymous": False}


def test_security_schemes_in_openapi(client):
    spec = client.get("/openapi.json").json()
    validate(spec)
    schemes = spec["components"]["securitySchemes"]
    assert schemes["HTTPBearer"] == {"type": "http", "scheme": "bearer"}
    assert schemes["HTTPBasic"] == {"type": "http", "scheme": "basic"}
    assert schemes["OAuth2PasswordBearer"]["flows"]["password"]["tokenUrl"] == "token"
    assert schemes["APIKeyHeader"] == {"type": "apiKey", "in": "header", "name": "x-api-key"}
    assert schemes["APIKeyQuery"]["in"] == "query"
    assert schemes["APIKeyCookie"]["in"] == "cookie"
    assert spec["paths"]["/bearer"]["get"]["security"] == [{"HTTPBearer": []}]
    assert spec["paths"]["/keys"]["get"]["security"] == [
        {"APIKeyHeader": []},
        {"APIKeyQuery": []},
        {"APIKeyCookie": []},
    ]
    assert "parameters" not in spec["paths"]["/bearer"]["get"]


def test_static_files(tmp_path):
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text("<p>home</p>")
    (tmp_path / "site" / "app.js").write_text("console.log(1)")
    (tmp_path / "site" / "sub").mkdir()
    (tmp_path / "site" / "sub" / "data.json").write_text('{"a": 1}')
    (tmp_path / "secret.txt").write_text("no")
    static_app = App()
    static_app.mount("/static", StaticFiles(directory=tmp_path / "site", html=True), name="static")
    with TestClient(static_app) as c:
        assert c.get("/static/app.js").text == "console.log(1)"
        assert c.get("/static/app.js").headers["content-type"].startswith("text/javascript")
        assert c.get("/static/sub/data.json").json() == {"a": 1}
        assert c.get("/static/").text == "<p>home</p>"
        assert c.get("/static/missing.txt").status_code == 404
        assert c.get("/static/../secret.txt").status_code == 404
        assert c.get("/static/%2e%2e/secret.txt").status_code == 404
        # Names the file system refuses are absent files, not server errors.
        r = c.get("/static/a%00b.txt")
        assert (r.status_code, r.json()) == (404, {"detail": "Not Found"})
        r = c.get("/static/" + "x" * 5000 + ".txt")
        assert (r.status_code, r.json()) == (404, {"detail": "Not Found"})
        r = c.get("/static/sub/" + "y" * 300)
        assert (r.status_code, r.json()) == (404, {"detail": "Not Found"})
        assert c.get("/static/app.js").status_code == 200


def test_static_files_missing_directory_is_an_error(tmp_path):
    from ouroboros.core import InvalidArgumentError

    with pytest.raises(InvalidArgumentError, match="does not exist"):
        StaticFiles(directory=tmp_path / "nope")


def test_a_scoped_dependency_is_solved_once_per_set_of_scopes():
    from typing import Annotated

    from ouroboros.api import App, Depends, Security, TestClient
    from ouroboros.api.security import SecurityScopes

    calls = {"db": 0, "user": 0}

    def db() -> str:
        calls["db"] += 1
        return "db"

    def user(scopes: SecurityScopes, session: Annotated[str, Depends(db)]) -> list[str]:
        calls["user"] += 1
        return scopes.scopes

    def me(u: Annotated[list[str], Security(user, scopes=["me"])]) -> list[str]:
        return u

    def items(u: Annotated[list[str], Security(user, scopes=["items", "me"])]) -> list[str]:
        return u

    app = App()

    @app.get("/")
    def both(a: Annotated[list[str], Depends(me)], b: Annotated[list[str], Depends(items)]) -> list[list[str]]:
        return [a, b]

    with TestClient(app) as client:
        assert client.get("/").json() == [["me"], ["items", "me"]]
    assert calls == {"db": 1, "user": 2}
