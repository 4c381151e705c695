"""FastAPI's `strict_content_type`: a JSON body needs a JSON Content-Type
unless the app, a router or the route says otherwise (nearest wins)."""

import asyncio

import httpx
import pytest

from ouroboros.api import APIRouter, App, TestClient

RAW = b'{"key": "value"}'


def echo_app(**app_options: object) -> App:
    app = App(**app_options)

    @app.post("/items")
    async def post_item(data: dict):
        return data

    return app


def test_default_is_strict_and_reports_the_body_missing():
    with TestClient(echo_app()) as client:
        r = client.post("/items", content=RAW)
        assert r.status_code == 422
        [error] = r.json()["detail"]
        assert error["loc"] == ["body"]
        assert error["type"] == "missing"
        # A JSON content type (also a +json one) is read as before.
        assert client.post("/items", json={"key": "value"}).json() == {"key": "value"}
        r = client.post("/items", content=RAW, headers={"content-type": "application/vnd.api+json"})
        assert r.json() == {"key": "value"}


def test_lax_app_reads_a_body_without_content_type():
    with TestClient(echo_app(strict_content_type=False)) as client:
        r = client.post("/items", content=RAW)
        assert r.status_code == 200
        assert r.json() == {"key": "value"}
        # A declared non-JSON type is still not JSON.
        assert client.post("/items", content=RAW, headers={"content-type": "text/plain"}).status_code == 422


def test_nearest_setting_wins_through_nested_routers():
    app = App(strict_content_type=True)
    outer = APIRouter(prefix="/outer", strict_content_type=False)
    inner = APIRouter(prefix="/inner", strict_content_type=True)
    plain = APIRouter(prefix="/plain")

    @outer.post("/items")
    async def outer_post(data: dict):
        return data

    @inner.post("/items")
    async def inner_post(data: dict):
        return data

    @plain.post("/items")
    async def plain_post(data: dict):
        return data

    @app.post("/route-lax", strict_content_type=False)
    async def route_lax(data: dict):
        return data

    outer.include_router(inner)
    outer.include_router(plain)
    app.include_router(outer)
    with TestClient(app) as client:
        assert client.post("/outer/items", content=RAW).status_code == 200
        assert client.post("/outer/inner/items", content=RAW).status_code == 422
        # No setting of its own: the router that includes it decides.
        assert client.post("/outer/plain/items", content=RAW).status_code == 200
        assert client.post("/route-lax", content=RAW).json() == {"key": "value"}


@pytest.mark.parametrize(("strict", "status"), [(True, 422), (False, 200)])
def test_asgi_path_applies_the_same_rule(strict, status):
    app = echo_app(strict_content_type=strict)

    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.post("/items", content=RAW)

    assert asyncio.run(call()).status_code == status
