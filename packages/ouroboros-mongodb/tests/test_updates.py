"""Instance and class updates, state management, validate_on_save."""

from __future__ import annotations

import pytest
from mongo_models import Product, seed_products

from ouroboros.core import InvalidArgumentError
from ouroboros.mongodb import Document, DocumentNotFound, StateNotSaved

pytestmark = pytest.mark.asyncio


class Account(Document):
    owner: str
    balance: int = 0
    logins: int = 0
    flags: dict[str, bool] = {}

    class Settings:
        name = "accounts"
        use_state_management = True


class Strict(Document):
    code: str
    qty: int

    class Settings:
        name = "strict"
        validate_on_save = True


async def test_set_updates_server_and_instance(conn):
    acc = await Account(owner="a").insert()
    await acc.set({"balance": 10, "flags.vip": True})
    assert acc.balance == 10 and acc.flags == {"vip": True}
    stored = await Account.get(acc.id)
    assert stored.balance == 10 and stored.flags == {"vip": True}


async def test_set_with_field_path_keys(conn):
    acc = await Account(owner="a").insert()
    await acc.set({Account.balance: 5})
    assert (await Account.get(acc.id)).balance == 5


async def test_inc(conn):
    acc = await Account(owner="a", logins=1).insert()
    await acc.inc({"logins": 2})
    await acc.inc({Account.logins: 1})
    assert acc.logins == 4
    assert (await Account.get(acc.id)).logins == 4


async def test_update_with_several_operators(conn):
    acc = await Account(owner="a").insert()
    await acc.update({"$set": {"owner": "b"}}, {"$inc": {"balance": 3}})
    assert (acc.owner, acc.balance) == ("b", 3)


async def test_update_of_deleted_document_raises(conn):
    acc = await Account(owner="a").insert()
    await acc.delete()
    with pytest.raises(DocumentNotFound):
        await acc.set({"balance": 1})


async def test_save_changes_sends_only_changed_fields(conn):
    acc = await Account(owner="a", balance=1).insert()
    assert not acc.is_changed
    acc.balance = 50
    assert acc.is_changed
    assert acc.get_changes() == {"balance": 50}
    # A concurrent write to another field survives save_changes.
    await Account.get_collection().update_one({"_id": acc.id}, {"$set": {"logins": 9}})
    await acc.save_changes()
    stored = await Account.get(acc.id)
    assert (stored.balance, stored.logins) == (50, 9)
    assert not acc.is_changed


async def test_save_changes_without_changes_does_nothing(conn):
    acc = await Account(owner="a").insert()
    assert await acc.save_changes() is None


async def test_loaded_documents_have_saved_state(conn):
    await Account(owner="a").insert()
    (loaded,) = await Account.find_all().to_list()
    assert not loaded.is_changed
    loaded.owner = "z"
    assert loaded.get_changes() == {"owner": "z"}


async def test_state_management_off_raises(conn):
    p = await Product(name="x", price=1).insert()
    with pytest.raises(StateNotSaved):
        p.get_changes()


async def test_validate_on_save_blocks_bad_data(conn):
    from ouroboros.validation import ValidationError

    doc = await Strict(code="a", qty=1).insert()
    doc.qty = "many"  # no validate_assignment: caught at save time
    with pytest.raises(ValidationError):
        await doc.save()
    assert (await Strict.get(doc.id)).qty == 1
    bad = Strict(code="b", qty=2)
    bad.qty = "x"
    with pytest.raises(ValidationError):
        await bad.insert()
    assert await Strict.count() == 1


async def test_class_update_one_and_many(conn):
    await seed_products(6)
    r = await Product.update_one(Product.name == "p01", {"$set": {"stock": 0}})
    assert (r["matched_count"], r["modified_count"], r["upserted_id"]) == (1, 1, None)
    r = await Product.update_many(Product.category == "odd", {"$set": {"category": "ODD"}})
    assert r["modified_count"] == 3
    assert await Product.find(Product.category == "ODD").count() == 3


async def test_upsert_returns_the_new_id(conn):
    r = await Product.update_one(Product.name == "new", {"$set": {"price": 2.5}}, upsert=True)
    assert r["matched_count"] == 0 and r["upserted_id"] is not None
    created = await Product.get(r["upserted_id"])
    assert (created.name, created.price) == ("new", 2.5)


async def test_class_delete_one_and_many(conn):
    await seed_products(6)
    assert await Product.delete_one(Product.name == "p00") == 1
    assert await Product.delete_many(Product.category == "odd") == 3
    assert await Product.count() == 2
    assert await Product.delete_all() == 2


@pytest.mark.parametrize(
    "update",
    [{}, {"price": 3}, {"$set": {"a": 1}, "plain": 2}],
)
async def test_bad_update_documents(conn, update):
    with pytest.raises(InvalidArgumentError):
        await Product.update_many({}, update)


async def test_pipeline_update(conn):
    await seed_products(3)
    await Product.update_many({}, [{"$set": {"stock": {"$add": ["$stock", 1]}}}])
    assert sorted(p.stock for p in await Product.find_all().to_list()) == [1, 11, 21]


async def test_sync_reloads(conn):
    acc = await Account(owner="a").insert()
    await Account.get_collection().update_one({"_id": acc.id}, {"$set": {"owner": "remote"}})
    await acc.sync()
    assert acc.owner == "remote"


class Versioned(Document):
    n: int

    class Settings:
        name = "versioned"
        use_revision = True
        use_state_management = True


async def test_revision_ids_detect_concurrent_writers(conn):
    from ouroboros.mongodb import RevisionIdWasChanged

    mine = await Versioned(n=1).insert()
    assert mine.revision_id is not None
    stale = await Versioned.get(mine.id)
    assert stale.revision_id == mine.revision_id
    mine.n = 2
    await mine.save()
    assert mine.revision_id != stale.revision_id
    stale.n = 3
    for write in (stale.save, stale.replace):
        with pytest.raises(RevisionIdWasChanged):
            await write()
    stale.n = 4
    with pytest.raises(RevisionIdWasChanged):
        await stale.save_changes()
    assert (await Versioned.get(mine.id)).n == 2
    fresh = await Versioned.get(mine.id)
    fresh.n = 5
    await fresh.replace()
    raw = await Versioned.get_collection().find_one({"_id": mine.id})
    assert raw["n"] == 5 and raw["revision_id"] == fresh.revision_id
    assert "revision_id" not in fresh.model_dump()


async def test_documents_without_use_revision_store_no_revision(conn):
    p = await Product(name="x", price=1).insert()
    raw = await Product.get_collection().find_one({"_id": p.id})
    assert "revision_id" not in raw
