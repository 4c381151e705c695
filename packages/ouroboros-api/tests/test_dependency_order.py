"""Dependencies are solved before a route's own parameters, as FastAPI does:
when some parameters are refused, every dependency whose own parameters and
sub-dependencies are valid is still called (in declaration order), so one of
them may answer first; the 422 lists the refused ones; a yield dependency
that ran sees the `RequestValidationError` in its exit code.

The expected call lists below are FastAPI 0.165's, checked against it
(test_differential.py compares the answers of a tutorial012-style route)."""

from typing import Annotated

import httpx
import pytest

from ouroboros.api import App, Depends, Header, HTTPException, JSONResponse, RequestValidationError, TestClient

calls: list[str] = []


async def header_x(x: Annotated[str, Header()]) -> str:
    calls.append("b")
    return x


async def needs_y(bv: Annotated[str, Depends(header_x)], y: int) -> str:
    calls.append("a")
    return bv


async def guarded():
    calls.append("g-enter")
    try:
        yield "g"
    except Exception as exc:
        calls.append(f"g-exit:{type(exc).__name__}")
        raise
    else:
        calls.append("g-exit")


async def verify_token(x_token: Annotated[str, Header()]) -> None:
    calls.append("token")
    if x_token != "secret":
        raise HTTPException(400, "X-Token header invalid")


def make_app() -> App:
    app = App()

    @app.get("/r")
    async def r(gv: Annotated[str, Depends(guarded)], av: Annotated[str, Depends(needs_y)], z: int):
        return "ok"

    @app.get("/items", dependencies=[Depends(verify_token)])
    async def items(x_key: Annotated[str, Header()]):
        return {"key": x_key}

    return app


def missing(*loc: str) -> dict:
    return {"type": "missing", "loc": list(loc), "msg": "Field required", "input": None}


CASES = [
    # (url, headers, status, body, calls)
    ("/r", {"x": "1"}, 422, {"detail": [missing("query", "y"), missing("query", "z")]},
     ["g-enter", "b", "g-exit:RequestValidationError"]),
    ("/r?y=1", {"x": "1"}, 422, {"detail": [missing("query", "z")]},
     ["g-enter", "b", "a", "g-exit:RequestValidationError"]),
    ("/r?y=1&z=2", {"x": "1"}, 200, "ok", ["g-enter", "b", "a", "g-exit"]),
    ("/r?y=1&z=2", {}, 422, {"detail": [missing("header", "x")]}, ["g-enter", "g-exit:RequestValidationError"]),
    # tutorial012: a wrong token answers 400 although X-Key is missing.
    ("/items", {"x-token": "wrong"}, 400, {"detail": "X-Token header invalid"}, ["token"]),
    ("/items", {"x-token": "secret"}, 422, {"detail": [missing("header", "x-key")]}, ["token"]),
    ("/items", {}, 422, {"detail": [missing("header", "x-token"), missing("header", "x-key")]}, []),
]  # fmt: skip


@pytest.fixture(scope="module")
def client():
    with TestClient(make_app()) as c:
        yield c


@pytest.mark.parametrize(("url", "headers", "status", "body", "expected"), CASES)
def test_dependencies_run_before_parameters_are_refused(client, url, headers, status, body, expected):
    calls.clear()
    r = client.get(url, headers=headers)
    assert (r.status_code, r.json()) == (status, body)
    assert calls == expected


@pytest.mark.asyncio
@pytest.mark.parametrize(("url", "headers", "status", "body", "expected"), CASES)
async def test_the_same_under_asgi(url, headers, status, body, expected):
    calls.clear()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=make_app()), base_url="http://t") as c:
        r = await c.get(url, headers=headers)
    assert (r.status_code, r.json()) == (status, body)
    assert calls == expected


def test_the_apps_validation_handler_still_answers():
    app = make_app()

    @app.exception_handler(RequestValidationError)
    async def handler(request, exc):
        return JSONResponse({"refused": [e["loc"] for e in exc.errors()]}, status_code=400)

    with TestClient(app) as c:
        calls.clear()
        r = c.get("/items", headers={"x-token": "secret"})
        assert (r.status_code, r.json()) == (400, {"refused": [["header", "x-key"]]})
        assert calls == ["token"]
        calls.clear()
        r = c.get("/items", headers={"x-token": "wrong"})
        assert (r.status_code, r.json()) == (400, {"detail": "X-Token header invalid"})


def test_the_docs_routes_do_not_run_the_apps_dependencies():
    # FastAPI adds /openapi.json and /docs as plain routes: app-wide
    # dependencies (a token check) do not guard them.
    app = App(dependencies=[Depends(verify_token)])

    @app.get("/x")
    async def x():
        return 1

    with TestClient(app) as c:
        calls.clear()
        assert c.get("/openapi.json").status_code == 200
        assert c.get("/docs").status_code == 200
        assert calls == []
        assert c.get("/x").status_code == 422
        assert c.get("/x", headers={"x-token": "secret"}).json() == 1
