"""Insert, read, replace, delete and count against the server."""

from __future__ import annotations

import asyncio
import datetime
import decimal
import gc
import uuid
import weakref

import pytest

from ouroboros.mongodb import Document, DocumentNotFound, DocumentWasNotSaved, DuplicateKeyError, ObjectId
from ouroboros.validation import ValidationError

pytestmark = pytest.mark.asyncio


class Address(Document):
    city: str
    zip: str = ""


class User(Document):
    email: str
    name: str
    age: int = 0
    tags: list[str] = []

    class Settings:
        name = "users"


async def test_insert_gets_an_object_id_and_reads_back(conn):
    user = User(email="a@x.io", name="Alice", age=30)
    assert user.id is None
    await user.insert()
    assert isinstance(user.id, ObjectId)
    back = await User.get(user.id)
    assert isinstance(back, User)
    assert back == user
    assert back.model_dump() == {"id": user.id, "email": "a@x.io", "name": "Alice", "age": 30, "tags": []}


async def test_get_by_string_id(conn):
    user = await User(email="b@x.io", name="Bob").insert()
    back = await User.get(str(user.id))
    assert back is not None and back.email == "b@x.io"
    assert await User.get(ObjectId()) is None


async def test_stored_document_uses__id(conn):
    user = await User(email="c@x.io", name="C", tags=["x"]).insert()
    raw = await conn.client.collection(conn.database, "users").find_one({"_id": user.id})
    assert raw == {"_id": user.id, "email": "c@x.io", "name": "C", "age": 0, "tags": ["x"]}


async def test_insert_many_sets_ids_in_order(conn):
    users = [User(email=f"{i}@x.io", name=str(i), age=i) for i in range(5)]
    result = await User.insert_many(users)
    assert result.inserted_ids == [u.id for u in users]
    assert len(set(result.inserted_ids)) == 5
    found = await User.find_all().sort("age").to_list()
    assert [u.age for u in found] == [0, 1, 2, 3, 4]
    assert [u.id for u in found] == result.inserted_ids


async def test_loaded_documents_have_their_own_fields_set_and_lists(conn):
    # Rows read back omit the same defaulted field (revision_id): the
    # fields-set record is shared until changed, and each list is the
    # instance's own.
    await User.insert_many([User(email=f"{i}@c.io", name="n", tags=["a"]) for i in range(3)])
    first, second, third = await User.find_all().sort("email").to_list()
    assert first.model_fields_set == second.model_fields_set == {"id", "email", "name", "age", "tags"}
    first.age = 7
    first.tags.append("b")
    assert "age" in first.model_fields_set
    second.model_fields_set.add("revision_id")
    assert "revision_id" not in third.model_fields_set
    assert (first.tags, second.tags, third.tags) == (["a", "b"], ["a"], ["a"])
    assert first.tags is not second.tags


async def test_save_inserts_then_replaces(conn):
    user = User(email="s@x.io", name="S", age=1)
    await user.save()
    first_id = user.id
    user.age = 2
    await user.save()
    assert user.id == first_id
    assert await User.count() == 1
    assert (await User.get(first_id)).age == 2


async def test_replace_missing_document_raises(conn):
    user = User(email="r@x.io", name="R", id=ObjectId())
    with pytest.raises(DocumentNotFound):
        await user.replace()


async def test_replace_and_delete_need_an_id(conn):
    user = User(email="n@x.io", name="N")
    with pytest.raises(DocumentWasNotSaved):
        await user.replace()
    with pytest.raises(DocumentWasNotSaved):
        await user.delete()


async def test_delete(conn):
    user = await User(email="d@x.io", name="D").insert()
    assert await user.delete() == 1
    assert await User.get(user.id) is None
    assert await user.delete() == 0


async def test_count_with_filter(conn):
    await User.insert_many([User(email=f"{i}@c.io", name="n", age=i) for i in range(10)])
    assert await User.count() == 10
    assert await User.count(User.age >= 5) == 5
    assert await User.find(User.age < 3).count() == 3


async def test_duplicate_id_raises_duplicate_key(conn):
    user = await User(email="dup@x.io", name="D").insert()
    clone = User(email="other@x.io", name="O", id=user.id)
    with pytest.raises(DuplicateKeyError) as info:
        await clone.insert()
    assert info.value.code == 11000


async def test_invalid_document_is_never_written(conn):
    with pytest.raises(ValidationError):
        User(email="x", name="y", age="not a number")
    assert await User.count() == 0


class Rich(Document):
    when: datetime.datetime
    day: datetime.date | None = None
    price: decimal.Decimal
    blob: bytes
    key: uuid.UUID
    nested: Address | None = None
    scores: list[float] = []
    meta: dict[str, int] = {}

    class Settings:
        name = "rich"


async def test_bson_types_round_trip_as_python_types(conn):
    when = datetime.datetime(2024, 5, 17, 12, 30, 45, 123000)
    key = uuid.uuid4()
    doc = Rich(
        when=when,
        price=decimal.Decimal("19.99"),
        blob=b"\x00\x01\xff",
        key=key,
        nested=Address(city="Paris", zip="75001"),
        scores=[1.5, 2.0],
        meta={"a": 1},
    )
    await doc.insert()
    back = await Rich.get(doc.id)
    assert back.when == when and back.when.tzinfo is None
    assert back.price == decimal.Decimal("19.99") and isinstance(back.price, decimal.Decimal)
    assert back.blob == b"\x00\x01\xff"
    assert back.key == key and isinstance(back.key, uuid.UUID)
    assert isinstance(back.nested, Address) and back.nested.city == "Paris"
    assert back.scores == [1.5, 2.0]
    assert back.meta == {"a": 1}


async def test_aware_datetimes_are_stored_in_utc(conn):
    paris = datetime.timezone(datetime.timedelta(hours=2))
    doc = await Rich(
        when=datetime.datetime(2024, 1, 1, 14, 0, tzinfo=paris), price=decimal.Decimal(1), blob=b"", key=uuid.uuid4()
    ).insert()
    back = await Rich.get(doc.id)
    assert back.when == datetime.datetime(2024, 1, 1, 12, 0)


async def test_document_classes_made_at_run_time_are_freed(conn):
    # The class keeps its Codec and the codec keeps the class (and its
    # compiled validator): a cycle the collector sees; the by-name registry of
    # Link targets is weak. A Document class used for queries is freed once unused.
    async def use(i: int) -> weakref.ref:
        class LeakDoc(Document):
            n: int
            label: str = "x"

            class Settings:
                name = "leak_docs"

        await LeakDoc(n=i).insert()
        got = await LeakDoc.find(LeakDoc.n == i).to_list()
        assert [type(d) for d in got] == [LeakDoc] and got[0].n == i
        return weakref.ref(LeakDoc)

    refs = [await use(i) for i in range(300)]
    await asyncio.sleep(0)
    gc.collect()
    assert [r for r in refs if r() is not None] == []
