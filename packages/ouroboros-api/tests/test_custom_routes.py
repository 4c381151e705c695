"""Custom `APIRoute` classes that override `get_route_handler` and custom
`Request` classes (FastAPI's "custom request and route" recipes), and routes
shadowed by an earlier one with the same path and method."""

import gzip
import json
from collections.abc import Callable
from typing import Annotated, Any

from ouroboros.api import APIRouter, App, Body, HTTPException, Request, Response, TestClient
from ouroboros.api.exceptions import RequestValidationError
from ouroboros.api.routing import APIRoute


class GzipRequest(Request):
    async def body(self) -> bytes:
        if not hasattr(self, "_body"):
            body = await super().body()
            if "gzip" in self.headers.getlist("Content-Encoding"):
                body = gzip.decompress(body)
            self._body = body
        return self._body


class GzipRoute(APIRoute):
    def get_route_handler(self) -> Callable[..., Any]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            return await original(GzipRequest(request.scope, request.receive))

        return handler


class ErrorBodyRoute(APIRoute):
    def get_route_handler(self) -> Callable[..., Any]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                return await original(request)
            except RequestValidationError as exc:
                body = await request.body()
                raise HTTPException(422, {"errors": len(exc.errors()), "body": body.decode()}) from None

        return handler


class TimedRoute(APIRoute):
    def get_route_handler(self) -> Callable[..., Any]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            response = await original(request)
            response.headers["x-timed"] = "yes"
            return response

        return handler


def make_app() -> App:
    app = App()
    app.router.route_class = GzipRoute

    @app.post("/sum")
    async def total(numbers: Annotated[list[int], Body()]) -> dict[str, int]:
        return {"sum": sum(numbers)}

    @app.get("/class")
    async def request_class(request: Request) -> str:
        return type(request).__name__

    checked = APIRouter(route_class=ErrorBodyRoute)

    @checked.post("/checked")
    async def checked_sum(numbers: Annotated[list[int], Body()]) -> int:
        return sum(numbers)

    timed = APIRouter(route_class=TimedRoute)

    @timed.get("/timed/{item_id}")
    async def timed_item(item_id: int, q: str = "none") -> dict[str, Any]:
        return {"item_id": item_id, "q": q}

    app.include_router(checked)
    app.include_router(timed, prefix="/t")
    return app


def test_a_custom_request_class_changes_the_body_parameters_are_read_from():
    with TestClient(make_app()) as client:
        data = json.dumps([1] * 100).encode()
        headers = {"Content-Encoding": "gzip", "Content-Type": "application/json"}
        packed = client.post("/sum", content=gzip.compress(data), headers=headers)
        assert packed.json() == {"sum": 100}
        assert client.post("/sum", content=data, headers={"Content-Type": "application/json"}).json() == {"sum": 100}
        assert client.get("/class").json() == "GzipRequest"


def test_a_route_handler_catches_validation_errors_and_reads_the_body():
    with TestClient(make_app()) as client:
        response = client.post("/checked", content=b'{"no": 1}', headers={"Content-Type": "application/json"})
        assert response.status_code == 422
        assert response.json() == {"detail": {"errors": 1, "body": '{"no": 1}'}}
        assert client.post("/checked", json=[1, 2]).json() == 3


def test_a_route_handler_changes_the_response_of_an_included_route():
    with TestClient(make_app()) as client:
        response = client.get("/t/timed/5?q=x")
        assert response.json() == {"item_id": 5, "q": "x"}
        assert response.headers["x-timed"] == "yes"
        assert client.get("/t/timed/five").status_code == 422


def test_the_first_of_two_routes_with_the_same_path_answers():
    app = App()

    @app.get("/users/me")
    def me() -> str:
        return "me"

    @app.get("/users/me")
    def shadowed() -> str:
        return "never"

    @app.post("/users/me")
    def post_me() -> str:
        return "posted"

    with TestClient(app) as client:
        assert client.get("/users/me").json() == "me"
        assert client.post("/users/me").json() == "posted"


def test_the_declared_route_builds_the_handler_of_an_included_copy():
    class Counting(APIRoute):
        calls = 0

        def get_route_handler(self) -> Callable[..., Any]:
            original = super().get_route_handler()

            async def handler(request: Request) -> Response:
                self.calls += 1
                return await original(request)

            return handler

    router = APIRouter(route_class=Counting)

    @router.get("/items")
    def items() -> list[int]:
        return [1]

    declared = router.routes[0]
    app = App()
    app.include_router(router, prefix="/a")
    app.include_router(router, prefix="/b")
    with TestClient(app) as client:
        assert client.get("/a/items").json() == [1]
        assert client.get("/b/items").json() == [1]
    assert declared.calls == 2
