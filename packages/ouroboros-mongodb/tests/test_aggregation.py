"""AggregationBuilder and raw pipelines."""

from __future__ import annotations

import pytest
from mongo_models import Product, seed_products

from ouroboros.core import InvalidArgumentError
from ouroboros.mongodb import AggregationBuilder
from ouroboros.validation import BaseModel

pytestmark = pytest.mark.asyncio


class CategoryTotal(BaseModel):
    id: str
    count: int
    total: float


async def test_group_sort_limit(conn):
    await seed_products(10)
    rows = await (
        AggregationBuilder(Product)
        .match(Product.price >= 2)
        .group({"_id": "$category", "count": {"$sum": 1}, "total": {"$sum": "$price"}})
        .sort({"_id": 1})
        .to_list()
    )
    assert rows == [{"_id": "even", "count": 4, "total": 20.0}, {"_id": "odd", "count": 4, "total": 24.0}]


async def test_projection_model(conn):
    await seed_products(4)
    rows = await (
        AggregationBuilder(Product, projection_model=CategoryTotal)
        .group({"_id": "$category", "count": {"$sum": 1}, "total": {"$sum": "$price"}})
        .project({"id": "$_id", "count": 1, "total": 1, "_id": 0})
        .sort("id")
        .to_list()
    )
    assert rows == [CategoryTotal(id="even", count=2, total=2.0), CategoryTotal(id="odd", count=2, total=4.0)]


async def test_unwind_skip_limit_count(conn):
    await seed_products(5)
    rows = (
        await AggregationBuilder(Product).unwind("tags").match({"tags": "all"}).skip(1).limit(10).count("n").to_list()
    )
    assert rows == [{"n": 4}]


async def test_lookup(conn):
    from ouroboros.mongodb import Document

    class Review(Document):
        product: str
        stars: int

        class Settings:
            name = "reviews"

    await seed_products(2)
    await Review.insert_many([Review(product="p00", stars=5), Review(product="p00", stars=3)])
    rows = await (
        AggregationBuilder(Product)
        .lookup(Review, local_field="name", foreign_field="product", as_="reviews")
        .project({"name": 1, "n": {"$size": "$reviews"}, "_id": 0})
        .sort("name")
        .to_list()
    )
    assert rows == [{"name": "p00", "n": 2}, {"name": "p01", "n": 0}]


async def test_document_aggregate_and_query_aggregate(conn):
    await seed_products(6)
    rows = await Product.aggregate([{"$group": {"_id": None, "s": {"$sum": "$stock"}}}]).to_list()
    assert rows == [{"_id": None, "s": 150}]
    rows = (
        await Product.find(Product.category == "odd").aggregate([{"$group": {"_id": None, "n": {"$sum": 1}}}]).to_list()
    )
    assert rows == [{"_id": None, "n": 3}]


async def test_async_for_over_aggregation(conn):
    await seed_products(7)
    names = [r["name"] async for r in AggregationBuilder(Product).sort("-price").project({"name": 1})]
    assert names[0] == "p06" and len(names) == 7


async def test_bad_stages():
    agg = AggregationBuilder(Product)
    with pytest.raises(InvalidArgumentError):
        agg.stage({"match": {}})
    with pytest.raises(InvalidArgumentError):
        agg.stage({"$a": 1, "$b": 2})
    with pytest.raises(InvalidArgumentError):
        agg.group({"count": {"$sum": 1}})
    with pytest.raises(InvalidArgumentError):
        agg.lookup("x", "a", "b")
    assert agg.pipeline == []


async def test_raw_pipeline_is_validated_in_rust(conn):
    with pytest.raises(InvalidArgumentError, match="one operator"):
        await Product.get_collection().aggregate_to_list([{"$match": {}, "$limit": 1}])
