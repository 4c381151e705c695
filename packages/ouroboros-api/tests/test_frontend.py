"""``app.frontend()``: a static build served after every route (FastAPI 0.165)."""

import os
import time
from pathlib import Path

import pytest

from ouroboros.api import (
    APIRouter,
    App,
    BackgroundTasks,
    Depends,
    HTTPException,
    Request,
    Response,
    TestClient,
)


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    root = tmp_path / "dist"
    write(root / "index.html", "shell")
    write(root / "asset.txt", "ok")
    write(root / "about" / "index.html", "about")
    (root / "empty").mkdir()
    return root


def test_routes_win_and_files_are_served_after_them(dist):
    app = App()

    @app.get("/api/users")
    async def users():
        raise HTTPException(404, "api missing")

    @app.post("/api/items")
    async def items():
        return {}

    app.frontend("/", directory=dist)
    with TestClient(app) as client:
        # A route's own 404, and a route's 405, are not replaced.
        r = client.get("/api/users", headers={"accept": "text/html"})
        assert (r.status_code, r.json()) == (404, {"detail": "api missing"})
        assert client.get("/api/items").status_code == 405
        r = client.get("/asset.txt")
        assert (r.status_code, r.text, r.headers["content-type"]) == (200, "ok", "text/plain; charset=utf-8")
        # Starlette's validators: a last-modified date and an entity tag.
        assert r.headers["last-modified"].endswith(" GMT")
        assert r.headers["etag"].startswith('"') and len(r.headers["etag"]) == 34
        r = client.head("/asset.txt")
        assert (r.status_code, r.text, r.headers["content-length"]) == (200, "", "2")


def test_directory_index_redirects_then_serves(dist):
    app = App()
    app.frontend("/", directory=dist)
    with TestClient(app) as client:
        r = client.get("/about", follow_redirects=False)
        assert (r.status_code, r.headers["location"]) == (307, "http://testserver/about/")
        assert client.get("/about/").text == "about"
        assert client.get("/").text == "shell"


@pytest.mark.parametrize(
    ("accept", "status", "text"),
    [
        ("text/html", 200, "shell"),
        ("application/xhtml+xml;q=0.5", 200, "shell"),
        ("text/html; q=wat", 200, "shell"),
        ("text/html;q=0, */*", 404, None),
        ("application/json", 404, None),
    ],
)
def test_index_fallback_only_for_navigations(dist, accept, status, text):
    app = App()
    app.frontend("/", directory=dist, fallback="index.html")
    with TestClient(app) as client:
        r = client.get("/dashboard/settings", headers={"accept": accept})
        assert r.status_code == status
        if text is not None:
            assert r.text == text
        else:
            assert r.json() == {"detail": "Not Found"}


def test_auto_fallback_prefers_404_html(dist):
    write(dist / "404.html", "missing page")
    app = App()
    app.frontend("/", directory=dist)
    with TestClient(app) as client:
        r = client.get("/nowhere", headers={"accept": "text/html"})
        assert (r.status_code, r.text) == (404, "missing page")


def test_other_methods_get_405_on_files_and_404_elsewhere(dist):
    app = App()
    app.frontend("/", directory=dist, fallback="index.html")
    with TestClient(app) as client:
        assert client.post("/asset.txt").status_code == 405
        assert client.post("/").status_code == 405
        assert client.post("/about/").status_code == 405
        assert client.post("/empty/").status_code == 404
        assert client.delete("/dashboard", headers={"accept": "text/html"}).status_code == 404


def test_longest_prefix_and_router_prefixes(tmp_path, dist):
    other = tmp_path / "docs"
    write(other / "asset.txt", "docs")
    router = APIRouter(prefix="/internal")
    router.frontend("/ui", directory=other)
    app = App()
    app.frontend("/", directory=dist)
    app.include_router(router, prefix="/v1")
    with TestClient(app) as client:
        assert client.get("/v1/internal/ui/asset.txt").text == "docs"
        assert client.get("/asset.txt").text == "ok"
        # Segment boundaries: /v1/internal/uix is not under /v1/internal/ui.
        assert client.get("/v1/internal/uix/asset.txt").status_code == 404


def test_nothing_outside_the_directory(tmp_path, dist):
    secret = tmp_path / "secret.txt"
    secret.write_text("secret")
    os.symlink(secret, dist / "link.txt")
    app = App()
    app.frontend("/", directory=dist)
    with TestClient(app) as client:
        for path in ["/link.txt", "/../secret.txt", "/%2e%2e/secret.txt", "/%00", "/" + "a" * 5000]:
            r = client.get(path)
            assert r.status_code == 404, path
            assert "secret" not in r.text


def test_declaration_checks(tmp_path, dist, monkeypatch):
    app = App()
    with pytest.raises(AssertionError, match="fallback"):
        app.frontend("/", directory=dist, fallback="other")  # type: ignore[arg-type]
    with pytest.raises(AssertionError, match="start with"):
        app.frontend("app", directory=dist)
    with pytest.raises(AssertionError, match="empty"):
        app.frontend("", directory=dist)
    with pytest.raises(RuntimeError, match="does not exist"):
        app.frontend("/", directory=tmp_path / "missing")
    with pytest.raises(RuntimeError, match=r"404\.html"):
        app.frontend("/", directory=dist, fallback="404.html")
    monkeypatch.setenv("FASTAPI_ENV", "development")
    with pytest.warns(UserWarning, match="does not exist") as caught:
        app.frontend("/", directory=tmp_path / "missing")
    assert caught[0].filename == __file__


def test_unchecked_missing_directory_fails_on_request(tmp_path):
    app = App()
    app.frontend("/", directory=tmp_path / "missing", check_dir=False)
    with pytest.raises(RuntimeError, match="does not exist"), TestClient(app) as client:
        client.get("/asset.txt")


def test_frontend_is_not_in_openapi(dist):
    app = App()
    app.frontend("/", directory=dist)
    with TestClient(app) as client:
        assert client.get("/openapi.json").json()["paths"] == {}


def test_dependencies_guard_the_chosen_frontend_in_route_order(tmp_path, dist):
    calls: list[str] = []

    def record(name: str):
        def dependency(request: Request) -> None:
            calls.append(name)
            if request.cookies.get("session") != "ok":
                raise HTTPException(401)

        return dependency

    def headers_and_background(response: Response, tasks: BackgroundTasks) -> None:
        response.headers["x-frontend"] = "yes"
        tasks.add_task(calls.append, "background")

    child = APIRouter(dependencies=[Depends(record("child"))])
    child.frontend("/ui", directory=dist)
    parent = APIRouter(dependencies=[Depends(record("parent"))])
    parent.include_router(child, prefix="/child", dependencies=[Depends(record("parent-include"))])
    app = App(dependencies=[Depends(record("app")), Depends(headers_and_background)])
    app.include_router(parent, prefix="/parent", dependencies=[Depends(record("app-include"))])
    with TestClient(app) as client:
        assert client.get("/parent/child/ui/").status_code == 401
        calls.clear()
        r = client.get("/parent/child/ui/", headers={"cookie": "session=ok"})
        assert (r.status_code, r.text, r.headers["x-frontend"]) == (200, "shell", "yes")
        for _ in range(100):
            if "background" in calls:
                break
            time.sleep(0.01)
        assert calls == ["app", "app-include", "parent", "parent-include", "child", "background"]
        # Another method is answered without running them (405: a file is there).
        calls.clear()
        assert client.post("/parent/child/ui/asset.txt").status_code == 405
        assert calls == []


def test_dependency_parameters_are_validated(dist):
    def require_token(token: str) -> None:
        return None

    app = App(dependencies=[Depends(require_token)])
    app.frontend("/", directory=dist)
    with TestClient(app) as client:
        r = client.get("/")
        assert r.status_code == 422
        assert r.json() == {
            "detail": [{"type": "missing", "loc": ["query", "token"], "msg": "Field required", "input": None}]
        }
        assert client.get("/?token=t").text == "shell"
