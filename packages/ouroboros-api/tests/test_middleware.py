"""Python middleware: order, short-circuiting, errors; built-in middleware;
health checks."""

import gzip

import pytest

from ouroboros.api import (
    App,
    BaseMiddleware,
    CORSConfig,
    CORSMiddleware,
    GZipMiddleware,
    HealthManager,
    HealthStatus,
    HTTPException,
    JSONResponse,
    TestClient,
    TimingMiddleware,
    TrustedHostMiddleware,
)

# These tests look at the 500 answers themselves.
RAISE_SERVER_EXCEPTIONS = False

app = App()
order: list[str] = []


class Recorder(BaseMiddleware):
    def __init__(self, name: str) -> None:
        self.name = name

    async def __call__(self, request, call_next):
        order.append(f"{self.name}:in")
        response = await call_next(request)
        order.append(f"{self.name}:out")
        response.set_header(f"x-{self.name}", "1")
        return response


class Auth(BaseMiddleware):
    async def __call__(self, request, call_next):
        if request.url_path.startswith("/private") and request.headers.get("authorization") != "Bearer ok":
            return JSONResponse({"error": "Unauthorized"}, status_code=401)
        return await call_next(request)


app.add_middleware(Recorder("inner"))
app.add_middleware(Recorder("outer"))
app.add_middleware(Auth())


@app.middleware("http")
async def add_path(request, call_next):
    response = await call_next(request)
    response.set_header("x-path", request.url_path)
    return response


@app.get("/hello")
async def hello():
    order.append("handler")
    return {"hello": "world"}


@app.get("/private/data")
async def private():
    return {"secret": 1}


@app.get("/fail")
async def fail():
    raise HTTPException(400, "nope")


@app.get("/crash")
async def crash():
    raise ValueError("bad")


def test_last_added_middleware_runs_outermost(client):
    order.clear()
    r = client.get("/hello")
    assert r.json() == {"hello": "world"}
    assert order == ["outer:in", "inner:in", "handler", "inner:out", "outer:out"]
    assert r.headers["x-inner"] == r.headers["x-outer"] == "1"
    assert r.headers["x-path"] == "/hello"


@pytest.mark.parametrize(("auth", "status"), [(None, 401), ("Bearer no", 401), ("Bearer ok", 200)])
def test_middleware_can_short_circuit(client, auth, status):
    headers = {"authorization": auth} if auth else {}
    r = client.get("/private/data", headers=headers)
    assert r.status_code == status
    if status == 401:
        assert r.json() == {"error": "Unauthorized"}


def test_http_exceptions_pass_through_middleware(client):
    r = client.get("/fail")
    assert (r.status_code, r.json()) == (400, {"detail": "nope"})
    assert r.headers["x-outer"] == "1"


def test_unhandled_errors_become_500_inside_middleware(client):
    r = client.get("/crash")
    assert r.status_code == 500
    assert r.headers["x-outer"] == "1"


def _app_with(mw):
    a = App()
    a.add_middleware(mw)

    @a.get("/data")
    async def data():
        return {"payload": "x" * 1000}

    return a


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [("http://localhost:3000", True), ("http://evil.example", False)],
)
def test_cors(origin, allowed):
    cfg = CORSConfig(allow_origins=["http://localhost:3000"], allow_credentials=True, expose_headers=["x-a"])
    with TestClient(_app_with(CORSMiddleware(cfg))) as c:
        r = c.get("/data", headers={"origin": origin})
        assert r.status_code == 200
        if allowed:
            assert r.headers["access-control-allow-origin"] == origin
            assert r.headers["access-control-allow-credentials"] == "true"
            assert r.headers["access-control-expose-headers"] == "x-a"
        else:
            assert "access-control-allow-origin" not in r.headers


def test_cors_wildcard():
    with TestClient(_app_with(CORSMiddleware(allow_origins=["*"]))) as c:
        r = c.get("/data", headers={"origin": "http://a.b"})
        assert r.headers["access-control-allow-origin"] == "*"


def test_timing_header():
    with TestClient(_app_with(TimingMiddleware())) as c:
        value = float(c.get("/data").headers["x-process-time"])
        assert value >= 0


@pytest.mark.parametrize(("accept", "compressed"), [("gzip, br", True), ("identity", False)])
def test_gzip(accept, compressed):
    with TestClient(_app_with(GZipMiddleware(minimum_size=100))) as c:
        r = c.get("/data", headers={"accept-encoding": accept})
        assert r.json() == {"payload": "x" * 1000}
        assert (r.headers.get("content-encoding") == "gzip") is compressed


def test_gzip_body_is_really_gzip():
    import httpx

    with TestClient(_app_with(GZipMiddleware(minimum_size=100))) as c:
        with httpx.stream("GET", f"{c.base_url}/data", headers={"accept-encoding": "gzip"}) as resp:
            assert resp.headers["content-encoding"] == "gzip"
            body = b"".join(resp.iter_raw())
        assert gzip.decompress(body) == b'{"payload":"' + b"x" * 1000 + b'"}'


@pytest.mark.parametrize(("host", "status"), [("api.example.com", 200), ("x.example.com", 200), ("evil.com", 400)])
def test_trusted_host(host, status):
    mw = TrustedHostMiddleware(["api.example.com", "*.example.com"])
    with TestClient(_app_with(mw)) as c:
        assert c.get("/data", headers={"host": host}).status_code == status


def test_health_checks():
    health = HealthManager()
    state = {"db": HealthStatus.HEALTHY}

    @health.check("db")
    async def db():
        return state["db"]

    @health.check("cache", critical=False)
    def cache():
        raise ConnectionError("down")

    a = App()
    a.include_health(health, path="/health")
    with TestClient(a) as c:
        r = c.get("/health")
        assert r.status_code == 200
        assert r.json() == {
            "status": "degraded",
            "checks": {"db": {"status": "healthy"}, "cache": {"status": "unhealthy", "error": "ConnectionError: down"}},
        }
        state["db"] = HealthStatus.UNHEALTHY
        r = c.get("/health")
        assert r.status_code == 503
        assert r.json()["status"] == "unhealthy"


def _cors_app():
    return _app_with(
        CORSMiddleware(
            CORSConfig(allow_origins=["http://ok.test"], allow_methods=["GET", "POST"], allow_headers=["authorization"])
        )
    )


@pytest.mark.parametrize(
    ("origin", "method", "status"),
    [("http://ok.test", "POST", 200), ("http://ok.test", "DELETE", 400), ("http://bad.test", "GET", 400)],
)
def test_cors_preflight_is_answered_in_rust(origin, method, status):
    with TestClient(_cors_app()) as c:
        r = c.options("/data", headers={"origin": origin, "access-control-request-method": method})
        assert r.status_code == status
        if status == 200:
            assert r.headers["access-control-allow-origin"] == origin
            assert r.headers["access-control-allow-methods"] == "GET, POST"
            assert r.headers["access-control-allow-headers"] == "authorization"
            assert r.headers["access-control-max-age"] == "600"


def test_native_middleware_also_decorates_router_answers():
    with TestClient(_cors_app()) as c:
        r = c.get("/nope", headers={"origin": "http://ok.test"})
        assert r.status_code == 404
        assert r.headers["access-control-allow-origin"] == "http://ok.test"


def test_native_middleware_keeps_the_fast_path():
    a = _app_with(TimingMiddleware())
    with TestClient(a):
        assert a._python_middleware == []


def test_gzip_leaves_small_bodies_alone():
    with TestClient(_app_with(GZipMiddleware(minimum_size=5000))) as c:
        r = c.get("/data", headers={"accept-encoding": "gzip"})
        assert "content-encoding" not in r.headers


@pytest.mark.asyncio
async def test_builtin_middleware_under_asgi_runs_in_python():
    import httpx

    a = _app_with(TimingMiddleware("x-t"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=a), base_url="http://t") as c:
        r = await c.get("/data")
    assert float(r.headers["x-t"]) >= 0


def test_fastapi_middleware_modules():
    # `fastapi.middleware.<name>` paths: the same classes, and gzip (whose
    # submodule shares its name with the stdlib module the package uses) works.
    from ouroboros.api.middleware.cors import CORSMiddleware as Cors
    from ouroboros.api.middleware.gzip import GZipMiddleware as GZip
    from ouroboros.api.middleware.httpsredirect import HTTPSRedirectMiddleware
    from ouroboros.api.middleware.trustedhost import TrustedHostMiddleware as Trusted

    assert (Cors, GZip, Trusted) == (CORSMiddleware, GZipMiddleware, TrustedHostMiddleware)
    zipped = App()
    zipped.add_middleware(GZip, minimum_size=10)

    @zipped.get("/big")
    async def big():
        return "x" * 100

    with TestClient(zipped) as c:
        r = c.get("/big", headers={"accept-encoding": "gzip"})
        assert (r.headers["content-encoding"], r.json()) == ("gzip", "x" * 100)

    redirecting = App()
    redirecting.add_middleware(HTTPSRedirectMiddleware)

    @redirecting.get("/")
    async def root():
        return "hi"

    with TestClient(redirecting) as c:
        r = c.get("/path?q=1", follow_redirects=False)
        assert (r.status_code, r.headers["location"]) == (307, "https://testserver/path?q=1")
        r = c.get("/", headers={"host": "example.com:8443"}, follow_redirects=False)
        assert r.headers["location"] == "https://example.com:8443/"
        r = c.get("/", headers={"host": "example.com:80"}, follow_redirects=False)
        assert r.headers["location"] == "https://example.com/"


@pytest.mark.asyncio
async def test_gzip_middleware_under_asgi_after_the_submodule_import():
    import httpx

    import ouroboros.api.middleware.gzip  # noqa: F401 - the import that used to shadow the stdlib module

    zipped = App()
    zipped.add_middleware(GZipMiddleware, minimum_size=10)

    @zipped.get("/big")
    async def big():
        return "y" * 100

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=zipped), base_url="http://t") as c:
        r = await c.get("/big", headers={"accept-encoding": "gzip"})
    assert (r.headers["content-encoding"], r.json()) == ("gzip", "y" * 100)
