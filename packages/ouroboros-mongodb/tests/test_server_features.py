"""Features SecantusDB lacks ($text, nearest-first $near): run against a real
mongod (OUROBOROS_MONGODB_REAL=1), skipped with the reason otherwise. The query
documents they send are asserted in test_expressions.py either way."""

from __future__ import annotations

import pytest
from conftest import real_mongod

from ouroboros.core import InvalidArgumentError
from ouroboros.mongodb import GEOSPHERE, TEXT, Document, InvalidId, OperationFailure, text_search

pytestmark = pytest.mark.asyncio

NEEDS_MONGOD = pytest.mark.skipif(
    not real_mongod(),
    reason="SecantusDB has no text indexes/$text and does not sort $near nearest-first; "
    "set OUROBOROS_MONGODB_REAL=1 with OUROBOROS_MONGODB_URI naming a real mongod",
)


class Article(Document):
    title: str
    body: str
    lang: str = "english"

    class Settings:
        name = "articles"


class Shop(Document):
    name: str
    location: dict

    class Settings:
        name = "shops"


@NEEDS_MONGOD
async def test_text_search(conn):
    await Article.create_index([("title", TEXT), ("body", TEXT)])
    await Article.insert_many(
        [
            Article(title="Rust and Python", body="fast bindings"),
            Article(title="Gardening", body="tomatoes"),
            Article(title="Python tips", body="Rust inside"),
        ]
    )
    found = await Article.find(text_search("rust")).to_list()
    assert sorted(a.title for a in found) == ["Python tips", "Rust and Python"]
    assert await Article.find(text_search("RUST", case_sensitive=True)).count() == 0


@NEEDS_MONGOD
async def test_near_sorts_nearest_first(conn):
    await Shop.create_index([("location", GEOSPHERE)])
    await Shop.insert_many(
        [
            Shop(name="far", location={"type": "Point", "coordinates": [-73.90, 40.80]}),
            Shop(name="near", location={"type": "Point", "coordinates": [-73.97, 40.77]}),
            Shop(name="mid", location={"type": "Point", "coordinates": [-73.94, 40.78]}),
        ]
    )
    found = await Shop.find(Shop.location.near(longitude=-73.97, latitude=40.77, max_distance=20_000)).to_list()
    assert [s.name for s in found] == ["near", "mid", "far"]


async def test_text_search_on_a_server_without_it_is_a_clear_error(conn):
    if real_mongod():
        pytest.skip("a real mongod supports $text")
    await Article(title="x", body="y").insert()
    with pytest.raises(OperationFailure):
        await Article.find(text_search("x")).to_list()


async def test_bad_ids_and_operators_raise_clear_errors(conn):
    with pytest.raises(InvalidId, match="24 hexadecimal"):
        await Article.get("not-an-id")
    await Article(title="t", body="b").insert()
    with pytest.raises(OperationFailure):
        await Article.update_many({}, {"$frobnicate": {"title": 1}})
    with pytest.raises(InvalidArgumentError):
        await Article.update_many({}, {"title": "no operator"})
    assert (await Article.find_one(Article.title == "t")).body == "b"
