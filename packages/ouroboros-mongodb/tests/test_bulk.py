"""BulkOperation: grouped writes, ordered and unordered, upserts, failures."""

from __future__ import annotations

import pytest
from mongo_models import Product, seed_products

from ouroboros.core import InvalidArgumentError
from ouroboros.mongodb import (
    BulkOperation,
    BulkWriteError,
    DeleteMany,
    DeleteOne,
    InsertOne,
    ReplaceOne,
    UpdateMany,
    UpdateOne,
)

pytestmark = pytest.mark.asyncio


async def test_every_operation_kind(conn):
    await seed_products(6)
    bulk = BulkOperation(Product)
    bulk.add(InsertOne({"name": "new", "price": 1.0, "category": "misc", "stock": 0, "tags": []}))
    bulk.add(InsertOne(Product(name="model", price=2.0)))
    bulk.add(UpdateOne(Product.name == "p01", {"$set": {"stock": 1}}))
    bulk.add(UpdateOne(Product.name == "ghost", {"$set": {"price": 9.5}}, upsert=True))
    bulk.add(UpdateMany(Product.category == "even", {"$inc": {"stock": 100}}))
    bulk.add(DeleteOne(Product.name == "p05"))
    bulk.add(DeleteMany(Product.price > 3.5))
    bulk.add(ReplaceOne(Product.name == "p00", {"name": "p00", "price": 0.5}))
    result = await bulk.execute()
    assert result.inserted_count == 2
    assert result.matched_count == 1 + 3 + 1
    assert result.modified_count == 1 + 3 + 1
    assert result.deleted_count == 1 + 2  # p05, then p04 (4.0) and the upserted ghost (9.5)
    assert result.upserted_count == 1 and list(result.upserted_ids) == [3]
    ghost_id = result.upserted_ids[3]
    assert await Product.get(ghost_id) is None  # deleted by DeleteMany(price > 3.5)
    names = sorted(p.name for p in await Product.find_all().to_list())
    assert names == ["model", "new", "p00", "p01", "p02", "p03"]
    p00 = await Product.find_one(Product.name == "p00")
    assert (p00.price, p00.stock, p00.category) == (0.5, 0, "misc")
    assert len(bulk) == 0


async def test_ordered_failure_stops_and_reports(conn):
    await Product.create_index("name", unique=True)
    bulk = BulkOperation(Product)
    bulk.add(InsertOne(Product(name="a", price=1)))
    bulk.add(InsertOne(Product(name="a", price=2)))
    bulk.add(InsertOne(Product(name="b", price=3)))
    with pytest.raises(BulkWriteError) as info:
        await bulk.execute()
    details = info.value.details
    assert details["inserted_count"] == 1
    assert [e["index"] for e in details["writeErrors"]] == [1]
    assert details["writeErrors"][0]["code"] == 11000
    assert info.value.code == 11000
    assert sorted(p.name for p in await Product.find_all().to_list()) == ["a"]


async def test_unordered_failure_writes_the_rest(conn):
    await Product.create_index("name", unique=True)
    bulk = BulkOperation(Product, ordered=False)
    for name in ["a", "a", "b", "c"]:
        bulk.add(InsertOne(Product(name=name, price=1)))
    bulk.add(UpdateOne(Product.name == "b", {"$set": {"price": 7.0}}))
    with pytest.raises(BulkWriteError) as info:
        await bulk.execute()
    details = info.value.details
    assert details["inserted_count"] == 3 and details["modified_count"] == 1
    assert [e["index"] for e in details["writeErrors"]] == [1]
    assert sorted(p.name for p in await Product.find_all().to_list()) == ["a", "b", "c"]


async def test_large_bulk_is_split_into_commands(conn):
    bulk = BulkOperation(Product)
    for i in range(2500):
        bulk.add(InsertOne({"name": f"n{i}", "price": float(i)}))
    result = await bulk.execute()
    assert result.inserted_count == 2500
    assert await Product.count() == 2500


async def test_context_manager_executes_on_exit(conn):
    async with BulkOperation(Product) as bulk:
        bulk.add(InsertOne(Product(name="x", price=1)))
    assert await Product.count() == 1


async def test_bad_operations():
    bulk = BulkOperation(Product)
    with pytest.raises(InvalidArgumentError):
        bulk.add({"insert": 1})
    with pytest.raises(InvalidArgumentError):
        InsertOne(5)
    with pytest.raises(InvalidArgumentError):
        UpdateOne({}, "not an update")
    with pytest.raises(InvalidArgumentError, match="empty"):
        await bulk.execute()


async def test_update_without_operators_is_refused_before_sending(conn):
    bulk = BulkOperation(Product)
    bulk.add(InsertOne(Product(name="x", price=1)))
    bulk.add(UpdateOne({}, {"price": 2}))
    with pytest.raises(InvalidArgumentError, match="operations\\[1\\]"):
        await bulk.execute()
    assert await Product.count() == 0


async def test_pipeline_update_in_bulk(conn):
    await seed_products(2)
    bulk = BulkOperation(Product)
    bulk.add(UpdateMany({}, [{"$set": {"stock": {"$add": ["$stock", 5]}}}]))
    assert (await bulk.execute()).modified_count == 2
    assert sorted(p.stock for p in await Product.find_all().to_list()) == [5, 15]
