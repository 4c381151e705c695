"""Jinja2 templates: pages rendered with their context, `url_for` for routes and static
mounts (through included routers and the app's root_path), FastAPI's call forms and errors."""

from pathlib import Path

import jinja2
import pytest

from ouroboros.api import APIRouter, App, Request, TestClient
from ouroboros.api.responses import HTMLResponse
from ouroboros.api.routing import NoMatchFound
from ouroboros.api.staticfiles import StaticFiles
from ouroboros.api.templating import Jinja2Templates


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "templates").mkdir()
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "styles.css").write_text("h1 { color: green; }")
    (tmp_path / "templates" / "item.html").write_text(
        "<link href=\"{{ url_for('static', path='/styles.css') }}\">"
        "<a href=\"{{ url_for('read_item', id=id) }}\">{{ id }}</a>"
        "<a href=\"{{ url_for('user_page', name=who).path }}\">{{ who }}</a>{{ site }}"
    )
    (tmp_path / "templates" / "broken.html").write_text("{{ url_for('nowhere') }}")
    return tmp_path


def make_app(site: Path, **templates_options: object) -> App:
    app = App()
    app.mount("/static", StaticFiles(directory=site / "static"), name="static")
    templates = Jinja2Templates(
        directory=site / "templates",
        context_processors=[lambda request: {"site": "Shop"}],
        **templates_options,
    )
    users = APIRouter()

    @users.get("/{name}", name="user_page")
    async def user_page(name: str) -> dict:
        return {"name": name}

    app.include_router(users, prefix="/users")

    @app.get("/items/{id}", response_class=HTMLResponse)
    async def read_item(request: Request, id: str):
        return templates.TemplateResponse(request=request, name="item.html", context={"id": id, "who": "<ann>"})

    @app.get("/old/{id}", response_class=HTMLResponse)
    async def old_style(request: Request, id: str):
        return templates.TemplateResponse("item.html", {"request": request, "id": id, "who": "bo"})

    @app.get("/broken", response_class=HTMLResponse)
    async def broken(request: Request):
        return templates.TemplateResponse(request, "broken.html")

    @app.get("/missing", response_class=HTMLResponse)
    async def missing(request: Request):
        return templates.TemplateResponse(request, "nope.html", status_code=201)

    return app


def test_page_rendered_with_links_to_routes_static_files_and_included_routers(site: Path) -> None:
    with TestClient(make_app(site)) as client:
        r = client.get("/items/foo")
        assert r.status_code == 200
        assert r.headers["content-type"] == "text/html; charset=utf-8"
        host = "testserver"
        assert r.text == (
            f'<link href="http://{host}/static/styles.css">'
            f'<a href="http://{host}/items/foo">foo</a>'
            # Autoescaped: values are text, not markup (path values are not quoted, as Starlette).
            '<a href="/users/&lt;ann&gt;">&lt;ann&gt;</a>Shop'
        )
        # The linked file is served where url_for pointed.
        assert client.get("/static/styles.css").text == "h1 { color: green; }"


def test_older_call_form_warns_and_renders(site: Path) -> None:
    with TestClient(make_app(site)) as client:
        with pytest.warns(DeprecationWarning, match="first parameter should be the `Request`"):
            r = client.get("/old/7")
        assert r.status_code == 200
        assert '<a href="/users/bo">bo</a>Shop' in r.text


def test_unknown_route_name_and_missing_template_are_server_errors(site: Path) -> None:
    with TestClient(make_app(site), raise_server_exceptions=True) as client:
        with pytest.raises(NoMatchFound):
            client.get("/broken")
        with pytest.raises(jinja2.TemplateNotFound, match=r"nope\.html"):
            client.get("/missing")
    with TestClient(make_app(site), raise_server_exceptions=False) as client:
        assert client.get("/broken").status_code == 500
        # The server keeps serving.
        assert client.get("/items/1").status_code == 200


def test_response_keeps_template_and_context_and_refuses_bad_calls(site: Path) -> None:
    templates = Jinja2Templates(directory=site / "templates")
    request = Request.__new__(Request)
    env = jinja2.Environment(loader=jinja2.DictLoader({"p.html": "{{ n }}"}))
    page = Jinja2Templates(env=env).TemplateResponse(request, "p.html", {"n": 5}, status_code=202)
    assert (page.status_code, page.body, page.context) == (202, b"5", {"n": 5, "request": request})
    assert page.template.name == "p.html"
    with (
        pytest.warns(DeprecationWarning, match="first parameter"),
        pytest.raises(ValueError, match='must include a "request" key'),
    ):
        templates.TemplateResponse("item.html", {"id": 1})
    with pytest.raises(TypeError, match="unexpected keyword"):
        templates.TemplateResponse(request, "item.html", colour="red")


def test_env_or_directory_not_both(site: Path) -> None:
    env = jinja2.Environment(loader=jinja2.DictLoader({"hi.html": "hi {{ name }}"}), autoescape=True)
    templates = Jinja2Templates(env=env)
    assert templates.get_template("hi.html").render(name="<b>") == "hi &lt;b&gt;"
    assert "url_for" in env.globals
    with pytest.raises(AssertionError):
        Jinja2Templates(directory=site / "templates", env=env)
    with pytest.raises(AssertionError):
        Jinja2Templates()


def test_url_for_under_a_root_path(site: Path) -> None:
    app = make_app(site)
    with TestClient(app) as client:
        request_paths = []

        @app.get("/where")
        async def where(request: Request) -> dict:
            request.root_path = "/api"
            request_paths.append(request.url_for("read_item", id=3))
            return {"ok": True}

        assert client.get("/where").json() == {"ok": True}
        host = "testserver"
        assert request_paths == [f"http://{host}/api/items/3"]
        assert request_paths[0].path == "/api/items/3"
