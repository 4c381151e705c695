"""`/openapi.json` of the same apps under FastAPI and ouroboros.api, compared whole.

Each `build_*` writes one app once against either pair of modules (FastAPI +
Pydantic, or ouroboros.api + ouroboros.validation); the two documents must be
equal (FastAPI and Pydantic are test-only dependencies, the `test` extra).
"""

import types
from typing import Annotated, Any

import fastapi
import pydantic
import pytest

import ouroboros.api as oapi
import ouroboros.validation as ovalidation


def build_params(fw: types.ModuleType, pv: types.ModuleType) -> Any:
    """Parameters of every kind: titles, constraints, aliases, lists, optional values."""
    app = fw.FastAPI()

    @app.get("/items/{item_id}")
    async def read_item(
        item_id: Annotated[int, fw.Path(ge=1, description="The id")],
        q: Annotated[str | None, fw.Query(max_length=10)] = None,
        tags: Annotated[list[str], fw.Query()] = [],  # noqa: B006 - FastAPI copies defaults
        size: Annotated[float, fw.Query(alias="item-size", gt=0)] = 1.0,
        x_token: Annotated[str | None, fw.Header()] = None,
        session: Annotated[str | None, fw.Cookie(deprecated=True)] = None,
    ) -> dict[str, Any]:
        return {}

    class Filter(pv.BaseModel):
        limit: int = pv.Field(10, le=100)
        order_by: str = "name"
        names: list[str] = []

    @app.get("/search")
    async def search(f: Annotated[Filter, fw.Query()]) -> dict[str, Any]:
        return {}

    class Headers(pv.BaseModel):
        x_request_id: str
        agent: str = pv.Field(alias="user_agent")

    @app.get("/headers")
    async def headers(h: Annotated[Headers, fw.Header()]) -> dict[str, Any]:
        return {}

    return app


def build_bodies(fw: types.ModuleType, pv: types.ModuleType) -> Any:
    """Bodies: one model ($ref), several (Body_<id>), embedded, lists, responses in both modes."""
    app = fw.FastAPI()

    class Item(pv.BaseModel):
        name: str
        price: float = 0.0
        description: str | None = None

    class User(pv.BaseModel):
        username: str

    @app.post("/items/", response_model=Item, status_code=201)
    async def create_item(item: Item) -> Any:
        return item

    @app.put("/items/{item_id}")
    async def update_item(item_id: int, item: Item, user: User, importance: Annotated[int, fw.Body()]) -> Any:
        return {}

    @app.post("/embed")
    async def embed(item: Annotated[Item, fw.Body(embed=True)]) -> Item:
        return item

    @app.post("/many")
    async def many(items: list[Item]) -> list[Item]:
        return items

    @app.get(
        "/extra/{x}",
        responses={404: {"model": User, "description": "Not found"}, 418: {"description": "Teapot"}, "5XX": {}},
    )
    async def extra(x: str) -> dict[str, str]:
        return {}

    @app.get("/plain", response_class=fw.responses.PlainTextResponse)
    async def plain() -> str:
        return "x"

    @app.delete("/gone", status_code=204)
    async def gone() -> None:
        return None

    return app


def build_forms(fw: types.ModuleType, pv: types.ModuleType) -> Any:
    """Form fields, a form model and files."""
    app = fw.FastAPI()

    @app.post("/login")
    async def login(username: Annotated[str, fw.Form()], password: Annotated[str, fw.Form(min_length=3)]) -> Any:
        return {}

    class Profile(pv.BaseModel):
        name: str
        age: int | None = None

    @app.post("/profile")
    async def profile(data: Annotated[Profile, fw.Form()]) -> Any:
        return {}

    @app.post("/upload")
    async def upload(
        file: fw.UploadFile,
        raw: Annotated[bytes, fw.File()],
        note: Annotated[str | None, fw.Form()] = None,
        more: list[fw.UploadFile] | None = None,
    ) -> Any:
        return {}

    return app


def build_form_model_keys(fw: types.ModuleType, pv: types.ModuleType) -> Any:
    """Form models whose fields are sent under other keys than their schema
    properties (alias choices, a name accepted besides the alias): each use
    is inlined with ``anyOf`` groups of the keys; titles as FastAPI gives them."""
    app = fw.FastAPI()

    class Profile(pv.BaseModel):
        name: str = pv.Field(alias="display_name", validation_alias=pv.AliasChoices("display_name", "name"))
        department: str

    class ByName(pv.BaseModel):
        model_config = pv.ConfigDict(populate_by_name=True)
        nick: str = pv.Field(alias="nickname")
        age: int = 0

    class Plain(pv.BaseModel):
        x: int

    @app.post("/optional")
    async def optional(profile: Annotated[Profile | None, fw.Form()] = None) -> Any:
        return {}

    @app.post("/composed")
    async def composed(my_thing: Annotated[ByName, fw.Form()], token: Annotated[str, fw.Form()]) -> Any:
        return {}

    @app.post("/titled")
    async def titled(my_thing: Annotated[ByName, fw.Form(title="Custom")], token: Annotated[str, fw.Form()]) -> Any:
        return {}

    @app.post("/plain")
    async def plain(my_thing: Annotated[Plain, fw.Form()], token: Annotated[str, fw.Form()]) -> Any:
        return {}

    @app.post("/optional-titled")
    async def optional_titled(my_thing: Annotated[Plain | None, fw.Form(title="Custom")] = None) -> Any:
        return {}

    return app


@pytest.mark.parametrize("build", [build_params, build_bodies, build_forms, build_form_model_keys])
def test_openapi_is_fastapis(build):
    theirs = build(fastapi, pydantic).openapi()
    ours = build(oapi, ovalidation).openapi()
    assert ours["paths"] == theirs["paths"]
    assert ours.get("components") == theirs.get("components")
    assert ours == theirs
