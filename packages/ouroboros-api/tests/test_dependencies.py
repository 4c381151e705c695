"""Depends: sub-dependencies, per-request caching, yield cleanup, router deps."""

import asyncio
import time
from typing import Annotated

import pytest

from ouroboros.api import APIRouter, App, Depends, Header, HTTPException, Query

events: list[str] = []
calls = {"count": 0}


async def counter():
    calls["count"] += 1
    return calls["count"]


async def pagination(skip: int = 0, limit: Annotated[int, Query(le=50)] = 10):
    return {"skip": skip, "limit": limit}


def sync_dep(x: int = 1):
    return x * 2


async def get_db():
    events.append("open")
    try:
        yield "db"
    finally:
        events.append("close")


def sync_resource():
    events.append("sync-open")
    yield "res"
    events.append("sync-close")


async def current_user(db: Annotated[str, Depends(get_db)], token: Annotated[str | None, Header()] = None):
    if token != "secret":
        raise HTTPException(401, "bad token", headers={"www-authenticate": "Bearer"})
    return {"user": "alice", "db": db}


async def verify_key(x_key: Annotated[str, Header()]):
    if x_key != "k":
        raise HTTPException(403, "bad key")


async def slow_dep():
    await asyncio.sleep(0.01)
    return "slow"


app = App()
router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[Depends(verify_key)])


@app.get("/page")
async def page(p: Annotated[dict, Depends(pagination)]):
    return p


@app.get("/cached")
async def cached(a: Annotated[int, Depends(counter)], b: Annotated[int, Depends(counter)]):
    return {"same": a == b}


@app.get("/uncached")
async def uncached(a: Annotated[int, Depends(counter)], b: Annotated[int, Depends(counter, use_cache=False)]):
    return {"same": a == b}


@app.get("/sync")
def sync_route(v: Annotated[int, Depends(sync_dep)]):
    return {"v": v}


@app.get("/me")
async def me(user: Annotated[dict, Depends(current_user)]):
    return user


@app.get("/resource")
async def resource(r: Annotated[str, Depends(sync_resource)]):
    events.append("handler")
    return {"r": r}


@app.get("/slow")
async def slow(v: Annotated[str, Depends(slow_dep)]):
    await asyncio.sleep(0.01)
    return {"v": v}


@app.get("/default-style")
async def default_style(p=Depends(pagination)):  # noqa: B008
    return p


@router.get("/stats")
async def stats():
    return {"ok": True}


app.include_router(router)


def test_dependency_params_come_from_the_request(client):
    assert client.get("/page?skip=5").json() == {"skip": 5, "limit": 10}
    assert client.get("/default-style?limit=3").json() == {"skip": 0, "limit": 3}


def test_dependency_param_errors_are_422(client):
    r = client.get("/page?limit=99")
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["query", "limit"]


def test_results_are_cached_per_request(client):
    assert client.get("/cached").json() == {"same": True}
    assert client.get("/uncached").json() == {"same": False}


def test_sync_handler_and_dependency_run_in_the_pool(client):
    assert client.get("/sync?x=4").json() == {"v": 8}


def settled(expected: list[str]) -> None:
    """Wait (briefly) for exit code that runs after the response."""
    deadline = time.monotonic() + 5
    while events != expected and time.monotonic() < deadline:
        time.sleep(0.01)
    assert events == expected


@pytest.mark.parametrize(
    ("token", "status", "body"),
    [
        ("secret", 200, {"user": "alice", "db": "db"}),
        ("nope", 401, {"detail": "bad token"}),
        (None, 401, {"detail": "bad token"}),
    ],
)
def test_sub_dependencies_and_http_exceptions(client, token, status, body):
    events.clear()
    headers = {"token": token} if token else {}
    r = client.get("/me", headers=headers)
    assert r.status_code == status
    assert r.json() == body
    # The exit code of a yield dependency runs once the response is sent.
    settled(["open", "close"])
    if status == 401:
        assert r.headers["www-authenticate"] == "Bearer"


def test_sync_generator_dependency_cleans_up_after_the_handler(client):
    events.clear()
    assert client.get("/resource").json() == {"r": "res"}
    settled(["sync-open", "handler", "sync-close"])


def test_awaiting_dependencies_and_handlers(client):
    assert client.get("/slow").json() == {"v": "slow"}


@pytest.mark.parametrize(("key", "status"), [("k", 200), ("x", 403)])
def test_router_dependencies_guard_every_route(client, key, status):
    r = client.get("/admin/stats", headers={"x-key": key})
    assert r.status_code == status


def test_router_dependency_missing_header_is_422(client):
    r = client.get("/admin/stats")
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["header", "x-key"]


def test_plain_async_dependency_trees_run_in_declaration_order():
    # Plain async trees are compiled into one call expression per route:
    # router/app dependencies first, then sub-dependencies in slot order.
    from ouroboros.api import App, TestClient

    tree = App()
    order: list[str] = []

    async def first(x: int = 1):
        order.append("first")
        return x

    async def second(y: Annotated[int, Depends(first)], z: str = "z"):
        order.append("second")
        return f"{y}{z}"

    async def guard(q: int = 0):
        order.append("guard")

    @tree.get("/t", dependencies=[Depends(guard)])
    async def t(w: Annotated[str, Depends(second)], k: int = 5):
        return {"w": w, "k": k}

    with TestClient(tree) as c:
        assert c.get("/t?x=3&z=q&k=2").json() == {"w": "3q", "k": 2}
        assert order == ["guard", "first", "second"]
        r = c.get("/t?x=bad")
        assert r.status_code == 422
        assert r.json()["detail"][0]["loc"] == ["query", "x"]
