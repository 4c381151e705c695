"""Index creation, listing, dropping; indexes declared in Settings."""

from __future__ import annotations

import pytest
from mongo_models import Product

from ouroboros.core import InvalidArgumentError
from ouroboros.mongodb import DESCENDING, GEOSPHERE, Document, DuplicateKeyError, IndexModel, init

pytestmark = pytest.mark.asyncio


class Member(Document):
    email: str
    status: str = "a"
    score: int = 0

    class Settings:
        name = "members"
        indexes = [
            "status",
            [("status", 1), ("score", -1)],
            IndexModel("email", unique=True, name="email_unique"),
        ]


def by_name(indexes):
    return {i["name"]: i for i in indexes}


async def test_settings_indexes_are_created_by_init(conn, mongo_uri):
    await init(mongo_uri, database=conn.database, document_models=[Member])
    idx = by_name(await Member.list_indexes())
    assert set(idx) == {"_id_", "status_1", "status_1_score_-1", "email_unique"}
    assert idx["status_1_score_-1"]["key"] == {"status": 1, "score": -1}
    assert idx["email_unique"]["unique"] is True
    await Member(email="x@y").insert()
    with pytest.raises(DuplicateKeyError):
        await Member(email="x@y").insert()


async def test_init_accepts_dotted_model_names(conn, mongo_uri):
    await init(mongo_uri, database=conn.database, document_models=["test_indexes.Member"])
    assert "email_unique" in by_name(await Member.list_indexes())


async def test_allow_index_dropping_removes_undeclared(conn, mongo_uri):
    await Member.create_index("score", name="stale")
    await init(mongo_uri, database=conn.database, document_models=[Member], allow_index_dropping=True)
    assert "stale" not in by_name(await Member.list_indexes())


async def test_create_list_drop(conn):
    name = await Product.create_index("name", unique=True)
    assert name == "name_1"
    compound = await Product.create_index([("category", 1), ("price", DESCENDING)])
    assert compound == "category_1_price_-1"
    named = await Product.create_index("stock", name="stock_idx", sparse=True)
    assert named == "stock_idx"
    idx = by_name(await Product.list_indexes())
    assert idx["stock_idx"]["sparse"] is True
    await Product.drop_index("name_1")
    assert "name_1" not in by_name(await Product.list_indexes())


async def test_ttl_index(conn):
    name = await Product.create_index("created_at", expire_after_seconds=3600)
    assert by_name(await Product.list_indexes())[name]["expireAfterSeconds"] == 3600


async def test_2dsphere_index_and_geo_within(conn):
    class Place(Document):
        name: str
        location: dict

        class Settings:
            name = "places"

    await Place.create_index([("location", GEOSPHERE)])
    await Place.insert_many(
        [
            Place(name="in", location={"type": "Point", "coordinates": [-73.98, 40.735]}),
            Place(name="out", location={"type": "Point", "coordinates": [2.35, 48.85]}),
        ]
    )
    poly = Place.location.geo_within_polygon([[-74.0, 40.7], [-73.9, 40.7], [-73.9, 40.8], [-74.0, 40.8]])
    assert [p.name for p in await Place.find(poly).to_list()] == ["in"]
    box = Place.location.geo_within_box(bottom_left=[-74.0, 40.5], top_right=[-73.5, 41.0])
    assert [p.name for p in await Place.find(box).to_list()] == ["in"]
    near = Place.location.near(longitude=-73.98, latitude=40.735, max_distance=10_000)
    assert [p.name for p in await Place.find(near).to_list()] == ["in"]


async def test_unique_violation_on_insert_many_reports_what_was_written(conn):
    from ouroboros.mongodb import BulkWriteError

    await Product.create_index("name", unique=True)
    batch = [
        Product(name="a", price=1),
        Product(name="b", price=1),
        Product(name="a", price=2),
        Product(name="c", price=1),
    ]
    with pytest.raises(BulkWriteError) as info:
        await Product.insert_many(batch)
    err = info.value
    assert err.details["writeErrors"][0]["index"] == 2
    assert err.details["writeErrors"][0]["code"] == 11000
    assert err.inserted_ids == [batch[0].id, batch[1].id]
    assert sorted(p.name for p in await Product.find_all().to_list()) == ["a", "b"]


async def test_unordered_insert_many_writes_the_rest(conn):
    from ouroboros.mongodb import BulkWriteError

    await Product.create_index("name", unique=True)
    batch = [Product(name="a", price=1), Product(name="a", price=2), Product(name="c", price=1)]
    with pytest.raises(BulkWriteError) as info:
        await Product.insert_many(batch, ordered=False)
    assert info.value.inserted_ids == [batch[0].id, batch[2].id]
    assert sorted(p.name for p in await Product.find_all().to_list()) == ["a", "c"]


@pytest.fixture
def small_insert_commands():
    """insert_many bounded to 4 documents per command (the real bound is 10,000),
    so the several-command path runs with a few documents."""
    from ouroboros.mongodb import _mongodb

    previous = _mongodb._set_insert_batch_docs(4)
    assert previous == 10_000
    yield
    _mongodb._set_insert_batch_docs(previous)


async def test_insert_batch_bound_is_checked():
    from ouroboros.mongodb import _mongodb

    for bad in (0, 10_001):
        with pytest.raises(InvalidArgumentError, match="1 to 10000"):
            _mongodb._set_insert_batch_docs(bad)
    with pytest.raises(OverflowError):
        _mongodb._set_insert_batch_docs(-1)


async def test_insert_many_over_several_commands_reports_global_indexes(conn, small_insert_commands):
    # Commands of 4 documents: 0-3, 4-7, 8-10. Duplicates in the second and
    # third commands are reported at their index in the whole batch, and
    # unordered the rest of every command is written.
    from ouroboros.mongodb import BulkWriteError

    coll = conn.collection("chunked")
    await coll.create_index({"k": 1}, {"unique": True})
    docs = [{"k": i} for i in range(11)]
    docs[6] = {"k": 1}
    docs[9] = {"k": 2}
    with pytest.raises(BulkWriteError) as info:
        await coll.insert_many(docs, ordered=False)
    err = info.value
    assert [(e["index"], e["code"]) for e in err.details["writeErrors"]] == [(6, 11000), (9, 11000)]
    assert err.details["nInserted"] == 9
    stored = {d["k"]: d["_id"] for d in await coll.find_to_list({})}
    assert sorted(stored) == [0, 1, 2, 3, 4, 5, 7, 8, 10]
    assert err.inserted_ids == [stored[k] for k in [0, 1, 2, 3, 4, 5, 7, 8, 10]]
    # Ordered: nothing after the failure is sent (the third command neither).
    await coll.delete_many({})
    with pytest.raises(BulkWriteError) as info:
        await coll.insert_many(docs, ordered=True)
    assert [e["index"] for e in info.value.details["writeErrors"]] == [6]
    stored = {d["k"]: d["_id"] for d in await coll.find_to_list({})}
    assert sorted(stored) == [0, 1, 2, 3, 4, 5]
    assert info.value.inserted_ids == [stored[k] for k in range(6)]


async def test_insert_many_documents_of_mixed_sizes_round_trip(conn):
    # Small, large (over 64 KiB) and many documents in one command are
    # stored as given.
    coll = conn.collection("sizes")
    sizes = [1, 3_000, 70_000, 10, 65_000, 200_000, 5] + [i * 37 % 5_000 for i in range(300)]
    docs = [{"i": i, "pad": "x" * n, "nested": {"n": n, "list": list(range(i % 5))}} for i, n in enumerate(sizes)]
    ids = await coll.insert_many(docs)
    assert len(ids) == len(docs) == len(set(ids))
    stored = await coll.find_to_list({}, sort={"i": 1})
    assert [d["_id"] for d in stored] == ids
    assert [(d["i"], d["pad"], d["nested"]) for d in stored] == [(d["i"], d["pad"], d["nested"]) for d in docs]


async def test_insert_many_over_8_mib_opens_a_second_command(conn):
    # Commands hold at most 8 MiB of documents: the ninth document of 1 MiB
    # opens a second command, written after the first; a duplicate there is
    # reported at its index in the whole batch. A generator (no length)
    # is read the same way.
    from ouroboros.mongodb import BulkWriteError

    coll = conn.collection("bytes")
    await coll.create_index({"k": 1}, {"unique": True})
    pad = "y" * (1024 * 1024)
    docs = [{"k": i, "pad": pad} for i in range(11)]
    ids = await coll.insert_many(iter(docs))
    assert len(ids) == len(set(ids)) == 11
    stored = await coll.find_to_list({}, sort={"k": 1}, projection={"pad": 0})
    assert [(d["_id"], d["k"]) for d in stored] == list(zip(ids, range(11), strict=True))
    await coll.delete_many({})
    docs[9] = {"k": 0, "pad": pad}
    with pytest.raises(BulkWriteError) as info:
        await coll.insert_many(docs, ordered=True)
    assert [(e["index"], e["code"]) for e in info.value.details["writeErrors"]] == [(9, 11000)]
    assert len(info.value.inserted_ids) == 9
    assert await coll.count_documents({}) == 9


async def test_insert_many_refuses_a_document_over_16_mib_and_writes_nothing(conn):
    from ouroboros.mongodb._errors import InvalidDocument

    coll = conn.collection("huge")
    with pytest.raises(InvalidDocument, match="document 1 is"):
        await coll.insert_many([{"a": 1}, {"pad": "x" * (16 * 1024 * 1024 + 1)}])
    assert await coll.count_documents({}) == 0


@pytest.mark.parametrize(
    "keys",
    [[], [("a", 2)], [("a", True)], 5, [("a", "sideways")]],
)
async def test_bad_index_keys(keys):
    with pytest.raises(InvalidArgumentError):
        IndexModel(keys)


async def test_index_model_document():
    m = IndexModel([("a", 1), ("b", "text")], unique=True, expire_after_seconds=5, default_language="fr")
    assert m.document == {
        "key": {"a": 1, "b": "text"},
        "unique": True,
        "expireAfterSeconds": 5,
        "default_language": "fr",
        "name": "a_1_b_text",
    }
    with pytest.raises(InvalidArgumentError):
        IndexModel("a", expire_after_seconds=-1)
