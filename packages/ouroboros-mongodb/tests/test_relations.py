"""Link / BackLink, fetch_links, link rules; inheritance (is_root); Indexed fields."""

from __future__ import annotations

import json
from typing import Annotated

import pytest
import pytest_asyncio

from ouroboros.core import InvalidArgumentError
from ouroboros.mongodb import (
    DESCENDING,
    BackLink,
    DBRef,
    DeleteRules,
    Document,
    DocumentWasNotSaved,
    DuplicateKeyError,
    Indexed,
    Link,
    ObjectId,
    WriteRules,
    init,
)
from ouroboros.validation import Field, ValidationError

pytestmark = pytest.mark.asyncio


class Writer(Document):
    name: str
    books: list[BackLink[Book]] = Field(json_schema_extra={"original_field": "writer"})
    favourite: BackLink[Book] | None = Field(default=None, json_schema_extra={"original_field": "fans"})

    class Settings:
        name = "rel_writers"


class Shelf(Document):
    label: str

    class Settings:
        name = "rel_shelves"


class Book(Document):
    title: str
    writer: Link[Writer]
    shelves: list[Link[Shelf]] = []
    fans: list[Link[Writer]] = []
    editor: Link[Writer] | None = None

    class Settings:
        name = "rel_books"


MODELS = [Writer, Shelf, Book]


@pytest_asyncio.fixture
async def rel(conn, mongo_uri):
    await init(mongo_uri, database=conn.database, document_models=MODELS)
    return conn


async def raw(conn, name, flt=None):
    return await conn.client.collection(conn.database, name).find_to_list(flt or {}, sort={"_id": 1})


# ---------------------------------------------------------------- storing links
async def test_link_is_stored_as_dbref(rel):
    w = await Writer(name="ann").insert()
    b = await Book(title="t", writer=w).insert()
    (stored,) = await raw(rel, "rel_books")
    assert stored["writer"] == {"$ref": "rel_writers", "$id": w.id}
    assert list(stored["writer"]) == ["$ref", "$id"]
    assert stored["shelves"] == [] and stored["editor"] is None
    assert "books" not in (await raw(rel, "rel_writers"))[0]
    assert b.writer is w


async def test_unsaved_linked_document_needs_write_rule(rel):
    with pytest.raises(DocumentWasNotSaved, match=r"WriteRules\.WRITE"):
        await Book(title="t", writer=Writer(name="new")).insert()
    assert await Book.count() == 0


async def test_write_rule_inserts_linked_documents(rel):
    b = Book(title="t", writer=Writer(name="w"), shelves=[Shelf(label="a"), Shelf(label="b")])
    await b.insert(link_rule=WriteRules.WRITE)
    assert isinstance(b.writer.id, ObjectId)
    assert [s.label for s in await Shelf.find_all().sort("label").to_list()] == ["a", "b"]
    (stored,) = await raw(rel, "rel_books")
    assert [r["$id"] for r in stored["shelves"]] == [s.id for s in b.shelves]


async def test_write_rule_on_save_updates_linked_documents(rel):
    b = Book(title="t", writer=Writer(name="w"))
    await b.save(link_rule=WriteRules.WRITE)
    b.writer.name = "w2"
    await b.save()
    assert (await Writer.get(b.writer.id)).name == "w"
    await b.save(link_rule="WRITE")
    assert (await Writer.get(b.writer.id)).name == "w2"
    with pytest.raises(ValueError):
        await b.save(link_rule="SOMETIMES")


async def test_loaded_link_is_a_link(rel):
    w = await Writer(name="ann").insert()
    await Book(title="t", writer=w).insert()
    b = await Book.find_one()
    assert isinstance(b.writer, Link)
    assert b.writer.ref == DBRef("rel_writers", w.id)
    assert b.writer.ref.id == w.id and b.writer.ref.collection == "rel_writers"
    assert b.writer.document_class is Writer
    assert b.writer.to_dict() == {"id": str(w.id), "collection": "rel_writers"}
    assert json.loads(b.model_dump_json())["writer"] == {"id": str(w.id), "collection": "rel_writers"}
    assert (await b.writer.fetch()).name == "ann"


async def test_link_accepts_ids_dbrefs_and_dicts(rel):
    w = await Writer(name="ann").insert()
    for value in (w.id, str(w.id), DBRef("rel_writers", w.id), {"$ref": "rel_writers", "$id": w.id}):
        b = Book(title="t", writer=value)
        assert isinstance(b.writer, Link) and b.writer.ref.id == w.id
    b = Book(title="t", writer={"id": str(w.id), "collection": "rel_writers"})
    assert b.writer.ref.id == w.id
    b = Book(title="t", writer={"name": "inline"})
    assert isinstance(b.writer, Writer) and b.writer.name == "inline"
    with pytest.raises(ValidationError):
        Book(title="t", writer={"nom": "no name"})


async def test_link_query_paths(rel):
    oid = ObjectId()
    assert Book.find(Book.writer.id == oid).filter == {"writer.$id": oid}
    assert Book.find(Book.shelves.id == oid).filter == {"shelves.$id": oid}
    assert str(Book.writer.name) == "writer.name"
    # A whole link compares as the stored DBRef document.
    w = await Writer(name="ann").insert()
    await Book(title="t", writer=w).insert()
    assert await Book.find(Book.writer == w.to_ref()).count() == 1
    assert await Book.find({"writer": Writer.link_from_id(w.id)}).count() == 1


# ---------------------------------------------------------------- fetching
async def seed():
    ann, bob = Writer(name="ann"), Writer(name="bob")
    await ann.insert()
    await bob.insert()
    s1, s2 = Shelf(label="s1"), Shelf(label="s2")
    await Shelf.insert_many([s1, s2])
    await Book(title="a", writer=ann, shelves=[s1, s2], fans=[bob]).insert()
    await Book(title="b", writer=ann, shelves=[s2], editor=bob).insert()
    await Book(title="c", writer=bob).insert()
    return ann, bob, s1, s2


async def test_fetch_links_on_find(rel):
    await seed()
    books = await Book.find(fetch_links=True).sort("title").to_list()
    assert [b.writer.name for b in books] == ["ann", "ann", "bob"]
    assert [[s.label for s in b.shelves] for b in books] == [["s1", "s2"], ["s2"], []]
    assert books[1].editor.name == "bob" and books[0].editor is None
    # one instance per linked document in a batch
    assert books[0].writer is books[1].writer


async def test_fetch_links_on_get_find_one_and_async_for(rel):
    await seed()
    a = await Book.find_one(Book.title == "a", fetch_links=True)
    assert a.writer.name == "ann"
    got = await Book.get(a.id, fetch_links=True)
    assert [s.label for s in got.shelves] == ["s1", "s2"]
    titles = []
    async for b in Book.find(fetch_links=True).sort("title").batch_size(2):
        titles.append((b.title, b.writer.name))
    assert titles == [("a", "ann"), ("b", "ann"), ("c", "bob")]
    plain = await Book.get(a.id)
    assert isinstance(plain.writer, Link)


async def test_back_links(rel):
    ann, bob, _, _ = await seed()
    w = await Writer.find_one(Writer.name == "ann", fetch_links=True)
    assert sorted(b.title for b in w.books) == ["a", "b"]
    assert w.favourite is None
    b = await Writer.get(bob.id, fetch_links=True)
    assert [x.title for x in b.books] == ["c"]
    assert b.favourite.title == "a"
    # not fetched: placeholders, never stored
    plain = await Writer.get(ann.id)
    assert len(plain.books) == 1 and isinstance(plain.books[0], BackLink)
    assert plain.books[0].document_class is Book
    await plain.save()
    assert "books" not in (await raw(rel, "rel_writers", {"_id": ann.id}))[0]


async def test_fetch_link_and_fetch_all_links(rel):
    ann, *_ = await seed()
    b = await Book.find_one(Book.title == "b")
    await b.fetch_link(Book.editor)
    assert b.editor.name == "bob" and isinstance(b.writer, Link)
    await b.fetch_all_links()
    assert b.writer.name == "ann" and [s.label for s in b.shelves] == ["s2"]
    w = await Writer.get(ann.id)
    await w.fetch_link("books")
    assert sorted(x.title for x in w.books) == ["a", "b"]
    with pytest.raises(InvalidArgumentError, match="not a Link"):
        await b.fetch_link("title")


async def test_nesting_depth(rel):
    await seed()
    deep = await Book.find_one(Book.title == "c", fetch_links=True)
    assert deep.writer.name == "bob"
    assert [x.title for x in deep.writer.books] == ["c"]  # followed one level further
    shallow = await Book.find_one(Book.title == "c", fetch_links=True, nesting_depth=1)
    assert shallow.writer.name == "bob"
    assert isinstance(shallow.writer.books[0], BackLink)
    with pytest.raises(InvalidArgumentError):
        Book.find(fetch_links=True, nesting_depth=-1)


async def test_missing_linked_document_stays_a_link(rel):
    ghost = ObjectId()
    await Book(title="g", writer=ghost).insert()
    b = await Book.find_one(fetch_links=True)
    assert isinstance(b.writer, Link) and b.writer.ref.id == ghost
    assert await b.writer.fetch() is b.writer


async def test_fetch_list(rel):
    await seed()
    b = await Book.find_one(Book.title == "a")
    fetched = await Link.fetch_list(b.shelves)
    assert [s.label for s in fetched] == ["s1", "s2"]


async def test_fetched_link_is_written_back_as_a_link(rel):
    ann, *_ = await seed()
    b = await Book.find_one(Book.title == "b", fetch_links=True)
    b.title = "b2"
    await b.save()
    (stored,) = await raw(rel, "rel_books", {"_id": b.id})
    assert stored["writer"] == {"$ref": "rel_writers", "$id": ann.id}
    assert [r["$ref"] for r in stored["shelves"]] == ["rel_shelves"]


async def test_delete_links_rule(rel):
    await seed()
    a = await Book.find_one(Book.title == "a", fetch_links=True, nesting_depth=1)
    await a.delete(link_rule=DeleteRules.DELETE_LINKS)
    assert await Book.find(Book.title == "a").count() == 0
    assert await Shelf.count() == 0
    assert sorted(w.name for w in await Writer.find_all().to_list()) == []
    # without the rule the linked documents stay
    await Writer(name="z").insert()
    c = await Book(title="x", writer=await Writer.find_one()).insert()
    await (await Book.get(c.id, fetch_links=True)).delete()
    assert await Writer.count() == 1


async def test_backlink_needs_original_field(conn, mongo_uri):
    class Orphan(Document):
        books: list[BackLink[Book]] = []

        class Settings:
            name = "rel_orphans"

    with pytest.raises(InvalidArgumentError, match="original_field"):
        await init(mongo_uri, database=conn.database, document_models=[Orphan])


async def test_dbref_value_checks():
    with pytest.raises(InvalidArgumentError):
        DBRef("", ObjectId())
    ref = DBRef("c", 1, "db")
    assert dict(ref) == {"$ref": "c", "$id": 1, "$db": "db"}
    assert ref == DBRef("c", 1, "db") and ref != DBRef("c", 2, "db")
    with pytest.raises(InvalidArgumentError):
        Link(42, Writer)


# ---------------------------------------------------------------- inheritance
class Vehicle(Document):
    color: str

    class Settings:
        name = "rel_vehicles"
        is_root = True


class Car(Vehicle):
    doors: int = 4


class Sports(Car):
    top_speed: int = 300


class Bike(Vehicle):
    gears: int = 21

    class Settings:
        class_id_value = "bicycle"


HIERARCHY = [Vehicle, Car, Sports, Bike]


@pytest_asyncio.fixture
async def fleet(conn, mongo_uri):
    await init(mongo_uri, database=conn.database, document_models=HIERARCHY)
    await Vehicle(color="white").insert()
    await Car(color="blue", doors=2).insert()
    await Sports(color="red").insert()
    await Bike.insert_many([Bike(color="green"), Bike(color="black", gears=3)])
    return conn


async def test_children_share_the_root_collection(fleet):
    assert {m.get_collection_name() for m in HIERARCHY} == {"rel_vehicles"}
    stored = await raw(fleet, "rel_vehicles")
    assert [d["_class_id"] for d in stored] == ["Vehicle", "Vehicle.Car", "Vehicle.Car.Sports", "bicycle", "bicycle"]
    assert list(stored[2])[:2] == ["_id", "_class_id"]
    assert stored[2]["top_speed"] == 300


async def test_querying_a_parent_returns_child_instances(fleet):
    everything = await Vehicle.find_all(with_children=True).sort("color").to_list()
    assert [(type(v).__name__, v.color) for v in everything] == [
        ("Bike", "black"),
        ("Car", "blue"),
        ("Bike", "green"),
        ("Sports", "red"),
        ("Vehicle", "white"),
    ]
    assert [type(v) for v in await Vehicle.find_all().to_list()] == [Vehicle]
    assert sorted(type(v).__name__ for v in await Car.find(with_children=True).to_list()) == ["Car", "Sports"]
    first = await Vehicle.find_one(Vehicle.color == "red", with_children=True)
    assert type(first) is Sports and first.top_speed == 300
    got = await Vehicle.get(first.id, with_children=True)
    assert type(got) is Sports
    assert await Vehicle.get(first.id) is None
    seen = [type(v).__name__ async for v in Vehicle.find(with_children=True).sort("color").batch_size(2)]
    assert seen == ["Bike", "Car", "Bike", "Sports", "Vehicle"]


async def test_child_queries_filter_by_class(fleet):
    assert Car.find().filter == {"_class_id": "Vehicle.Car"}
    assert Car.find(with_children=True).filter == {"_class_id": {"$in": ["Vehicle.Car", "Vehicle.Car.Sports"]}}
    assert Bike.find(Bike.gears > 5).filter == {"$and": [{"gears": {"$gt": 5}}, {"_class_id": "bicycle"}]}
    assert [await Vehicle.count(), await Car.count(), await Bike.count(), await Sports.count()] == [1, 1, 2, 1]
    assert await Vehicle.find(with_children=True).count() == 5
    assert await Bike.find(Bike.gears > 5).count() == 1


async def test_child_update_save_and_delete(fleet):
    s = await Sports.find_one()
    s.top_speed = 320
    await s.save()
    assert (await Sports.find_one()).top_speed == 320
    stored = await raw(fleet, "rel_vehicles", {"_id": s.id})
    assert stored[0]["_class_id"] == "Vehicle.Car.Sports"
    await s.set({Sports.doors: 3})
    assert type(s) is Sports and s.doors == 3
    assert await Bike.find_all().delete() == 2
    assert await Vehicle.find(with_children=True).count() == 3


# ---------------------------------------------------------------- Indexed
class Account(Document):
    email: Indexed(str, unique=True)
    score: Annotated[int, Indexed(index_type=DESCENDING)] = 0
    nick: Indexed(str | None, name="nick_idx", sparse=True) = None

    class Settings:
        name = "rel_accounts"
        indexes = ["score"]


async def test_indexed_fields_create_indexes(conn, mongo_uri):
    await init(mongo_uri, database=conn.database, document_models=[Account])
    idx = {i["name"]: i for i in await Account.list_indexes()}
    assert set(idx) == {"_id_", "email_1", "score_-1", "nick_idx", "score_1"}
    assert idx["email_1"]["unique"] is True
    assert idx["score_-1"]["key"] == {"score": -1}
    assert idx["nick_idx"]["sparse"] is True
    await Account(email="a@x").insert()
    with pytest.raises(DuplicateKeyError):
        await Account(email="a@x").insert()
    a = Account(email="b@x", score="7")
    assert a.score == 7 and isinstance(a.email, str)


async def test_indexed_rejects_bad_index_type():
    with pytest.raises(InvalidArgumentError, match="index direction"):
        Indexed(str, index_type="sideways")


async def test_bulk_writes_links_and_class_ids_in_stored_form(rel, mongo_uri):
    from ouroboros.mongodb import BulkOperation, InsertOne, ReplaceOne

    await init(mongo_uri, database=rel.database, document_models=[*MODELS, *HIERARCHY])
    ann = await Writer(name="ann").insert()
    fetched = await Writer.get(ann.id)
    bulk = BulkOperation(Book)
    bulk.add(InsertOne(Book(title="bulk", writer=fetched)))
    await bulk.execute()
    (stored,) = await raw(rel, "rel_books")
    assert stored["writer"] == {"$ref": "rel_writers", "$id": ann.id}
    car = await Car(color="grey").insert()
    bulk = BulkOperation(Car)
    bulk.add(ReplaceOne({"_id": car.id}, Car(color="black", doors=5)))
    bulk.add(InsertOne(Sports(color="pink")))
    await bulk.execute()
    stored = {d["color"]: d["_class_id"] for d in await raw(rel, "rel_vehicles")}
    assert stored == {"black": "Vehicle.Car", "pink": "Vehicle.Car.Sports"}


async def test_aggregate_on_a_class_of_a_hierarchy(fleet):
    assert await Bike.aggregate([{"$group": {"_id": None, "n": {"$sum": 1}}}]).to_list() == [{"_id": None, "n": 2}]
    rows = await Car.aggregate([{"$project": {"_id": 0, "color": 1}}], with_children=True).to_list()
    assert sorted(r["color"] for r in rows) == ["blue", "red"]
    assert len(await Vehicle.aggregate([{"$project": {"_id": 1}}]).to_list()) == 1


async def test_only_link_fields_get_dollar_id_paths():
    from ouroboros.validation import BaseModel

    class LinkInfo(BaseModel):
        id: int
        url: str = ""

    class Page(Document):
        info: LinkInfo
        parent: Link[Writer] | None = None

        class Settings:
            name = "rel_pages"

    assert str(Page.info.id) == "info.id"
    assert str(Page.parent.id) == "parent.$id"
