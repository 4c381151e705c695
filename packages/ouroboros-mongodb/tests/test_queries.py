"""find / QueryBuilder against the server."""

from __future__ import annotations

import pytest
from mongo_models import Product, ProductName, seed_products

from ouroboros.core import InvalidArgumentError
from ouroboros.mongodb import Document, FindMany, OperationFailure

pytestmark = pytest.mark.asyncio


async def test_find_with_expression(conn):
    await seed_products()
    cheap = await Product.find(Product.price < 3).sort("price").to_list()
    assert [p.name for p in cheap] == ["p00", "p01", "p02"]
    assert all(isinstance(p, Product) for p in cheap)


async def test_find_with_raw_dict_and_multiple_filters(conn):
    await seed_products()
    found = await Product.find({"category": "odd"}, Product.price > 4).sort("price").to_list()
    assert [p.name for p in found] == ["p05", "p07", "p09"]


async def test_sort_skip_limit(conn):
    await seed_products()
    page = await Product.find_all().sort("-price").skip(2).limit(3).to_list()
    assert [p.price for p in page] == [7.0, 6.0, 5.0]


async def test_multi_field_sort(conn):
    await seed_products()
    rows = await Product.find().sort([("category", 1), ("price", -1)]).to_list()
    assert [p.name for p in rows[:2]] == ["p08", "p06"]
    assert rows[5].name == "p09"


async def test_find_keyword_options(conn):
    await seed_products()
    rows = await Product.find(Product.category == "even", sort="-price", limit=2, skip=1).to_list()
    assert [p.price for p in rows] == [6.0, 4.0]


async def test_awaiting_a_find_returns_the_list(conn):
    await seed_products(3)
    rows = await Product.find(Product.price >= 1)
    assert sorted(p.name for p in rows) == ["p01", "p02"]


async def test_to_list_length(conn):
    await seed_products()
    assert len(await Product.find_all().to_list(4)) == 4


async def test_nested_field_query(conn):
    await seed_products()
    assert await Product.find(Product.address.city == "Lyon").count() == 5


async def test_array_operators(conn):
    await seed_products(6)
    assert await Product.find(Product.tags.all(["all", "t1"])).count() == 2
    assert await Product.find(Product.category.in_(["odd"])).count() == 3
    assert await Product.find(Product.category.not_in(["odd"])).count() == 3
    assert await Product.find(Product.tags.size(2)).count() == 6


async def test_regex_and_exists(conn):
    await seed_products()
    assert await Product.find(Product.name.regex(r"^p0[1-3]$")).count() == 3
    assert await Product.find(Product.name.regex("P05", options="i")).count() == 1
    assert await Product.find(Product.created_at.exists(False)).count() == 0  # stored as null
    assert await Product.find({"ghost": {"$exists": False}}).count() == 10


async def test_or_and_not(conn):
    await seed_products()
    q = (Product.price < 2) | (Product.price > 8)
    assert sorted(p.price for p in await Product.find(q).to_list()) == [0.0, 1.0, 9.0]
    assert await Product.find(~(Product.price < 8)).count() == 2
    assert await Product.find((Product.price > 2) & (Product.category == "odd")).count() == 4


async def test_project_into_a_model(conn):
    await seed_products(3)
    rows = await Product.find_all().sort("price").project(ProductName).to_list()
    assert rows == [
        ProductName(name="p00", price=0.0),
        ProductName(name="p01", price=1.0),
        ProductName(name="p02", price=2.0),
    ]


async def test_project_with_a_dict_returns_dicts(conn):
    await seed_products(2)
    rows = await Product.find().sort("price").project({"name": 1, "_id": 0}).to_list()
    assert rows == [{"name": "p00"}, {"name": "p01"}]


async def test_projection_model_keyword(conn):
    await seed_products(2)
    rows = await Product.find(Product.price > 0, projection_model=ProductName).to_list()
    assert rows == [ProductName(name="p01", price=1.0)]


async def test_first_and_find_one(conn):
    await seed_products()
    first = await Product.find(Product.category == "odd").sort("-price").first()
    assert first.name == "p09"
    assert await Product.find(Product.price > 100).first_or_none() is None
    one = await Product.find_one(Product.name == "p03")
    assert one.price == 3.0
    assert await Product.find_one({"name": "zzz"}) is None


async def test_find_one_update_and_delete(conn):
    await seed_products(3)
    result = await Product.find_one(Product.name == "p01").update({"$set": {"stock": 99}})
    assert result["modified_count"] == 1
    assert (await Product.find_one(Product.name == "p01")).stock == 99
    assert await Product.find_one(Product.name == "p01").delete() == 1
    assert await Product.count() == 2


async def test_query_delete(conn):
    await seed_products()
    assert await Product.find(Product.category == "odd").delete() == 5
    assert await Product.count() == 5


async def test_query_update_set_inc(conn):
    await seed_products(4)
    r = await Product.find(Product.price >= 2).update({"$set": {"category": "big"}})
    assert r["matched_count"] == 2 and r["modified_count"] == 2
    await Product.find(Product.category == "big").inc({"stock": 1})
    assert sorted(p.stock for p in await Product.find(Product.category == "big").to_list()) == [21, 31]
    await Product.find(Product.name == "p00").set({Product.stock: 7})
    assert (await Product.find_one(Product.name == "p00")).stock == 7


async def test_distinct(conn):
    await seed_products()
    assert sorted(await Product.find_all().distinct("category")) == ["even", "odd"]
    assert sorted(await Product.distinct(Product.address.city)) == ["Lyon", "Paris"]
    assert await Product.distinct("category", Product.price > 8) == ["odd"]


async def test_async_for_reads_in_batches(conn):
    await seed_products(25)
    seen = [p.name async for p in Product.find_all().sort("price").batch_size(4)]
    assert seen == [f"p{i:02d}" for i in range(25)]


async def test_async_for_with_limit_and_projection(conn):
    await seed_products(10)
    rows = [r async for r in Product.find(Product.price >= 5).sort("price").limit(3).project(ProductName)]
    assert rows == [ProductName(name=f"p0{i}", price=float(i)) for i in (5, 6, 7)]


async def test_cursor_next_batch_is_bounded(conn):
    await seed_products(10)
    cursor = Product.get_collection().find({}, batch_size=3, sort={"price": 1})
    batches = []
    while batch := await cursor.next_batch(3):
        batches.append([d["name"] for d in batch])
    assert [len(b) for b in batches] == [3, 3, 3, 1]
    assert cursor.exhausted
    with pytest.raises(InvalidArgumentError):
        cursor.next_batch(0)


async def test_breaking_out_of_async_for_closes_the_cursor(conn):
    await seed_products(10)
    count = 0
    async for _ in Product.find_all().batch_size(2):
        count += 1
        if count == 3:
            break
    assert count == 3
    assert await Product.count() == 10


async def test_exists(conn):
    await seed_products(2)
    assert await Product.find(Product.price == 1).exists()
    assert not await Product.find(Product.price == 5).exists()


async def test_unknown_operator_is_a_server_error(conn):
    await seed_products(1)
    with pytest.raises(OperationFailure) as info:
        await Product.find({"price": {"$bogus": 1}}).to_list()
    assert "bogus" in str(info.value)


@pytest.mark.parametrize(
    "call",
    [
        lambda: Product.find().skip(-1),
        lambda: Product.find().limit(-5),
        lambda: Product.find().limit("3"),
        lambda: Product.find().batch_size(0),
        lambda: Product.find().project(42),
        lambda: Product.find(5),
    ],
)
async def test_bad_builder_arguments(call):
    with pytest.raises(InvalidArgumentError):
        call()


async def test_stored_document_failing_validation_raises_on_read(conn):
    from ouroboros.validation import ValidationError

    await Product.get_collection().insert_one({"name": "broken", "price": "not a number"})
    with pytest.raises(ValidationError) as info:
        await Product.find_all().to_list()
    assert info.value.errors()[0]["loc"] == ("price",)


async def test_find_many_repr_and_filter():
    q = Product.find(Product.price > 1).sort("-price")
    assert isinstance(q, FindMany)
    assert q.filter == {"price": {"$gt": 1}}
    assert "Product" in repr(q)


class Unnamed(Document):
    x: int = 0


async def test_collection_name_defaults_to_class_name(conn):
    await Unnamed(x=1).insert()
    assert Unnamed.get_collection_name() == "Unnamed"
    assert "Unnamed" in await conn.client.list_collection_names(conn.database)
