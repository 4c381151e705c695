"""fetch_links=True as one ``$lookup`` aggregation, filters on linked fields, and the batched fallback.

SecantusDB cannot follow a path into a DBRef (``author.$id`` matches nothing,
in queries and in ``$lookup``) nor a ``$lookup`` localField through an array
of subdocuments; the connection detects the first and uses the batched fetch.
The ``$lookup`` pipeline itself still runs on this server in
``test_lookup_pipeline_runs_on_server_*``: there the references are stored as
plain ``{"$id": ...}`` subdocuments, which the server can join on, and the
same pipeline joins DBRefs on a real mongod.
"""

from __future__ import annotations

import pytest
import pytest_asyncio

from ouroboros.core import InvalidArgumentError
from ouroboros.mongodb import BackLink, DBRef, Document, Link, ObjectId, init
from ouroboros.mongodb._lookup import (
    joins_dbrefs,
    lookup_stages,
    merge_joined,
    rewrite_filter,
    rewrite_sort,
    touches_links,
)
from ouroboros.validation import Field

pytestmark = pytest.mark.asyncio


class Publisher(Document):
    name: str

    class Settings:
        name = "lk_publishers"


class Author(Document):
    name: str
    publisher: Link[Publisher] | None = None
    posts: list[BackLink[Post]] = Field(json_schema_extra={"original_field": "author"})

    class Settings:
        name = "lk_authors"


class Tag(Document):
    label: str

    class Settings:
        name = "lk_tags"


class Post(Document):
    title: str
    author: Link[Author]
    tags: list[Link[Tag]] = []

    class Settings:
        name = "lk_posts"


MODELS = [Publisher, Author, Tag, Post]


@pytest_asyncio.fixture
async def lk(conn, mongo_uri):
    return await init(mongo_uri, database=conn.database, document_models=MODELS)


async def seed():
    p1, p2 = Publisher(name="P1"), Publisher(name="P2")
    await Publisher.insert_many([p1, p2])
    ann, bob = Author(name="ann", publisher=p1), Author(name="bob", publisher=p2)
    await ann.insert()
    await bob.insert()
    x, y = Tag(label="x"), Tag(label="y")
    await Tag.insert_many([x, y])
    await Post(title="p1", author=ann, tags=[y, x]).insert()
    await Post(title="p2", author=ann, tags=[y]).insert()
    await Post(title="p3", author=bob).insert()
    return ann, bob, x, y


# ---------------------------------------------------------------- the query documents
async def test_lookup_stages_one_level():
    assert lookup_stages(Post, 1) == [
        {"$lookup": {"from": "lk_authors", "as": "_link_author", "localField": "author.$id", "foreignField": "_id"}},
        {"$lookup": {"from": "lk_tags", "as": "_link_tags", "localField": "tags.$id", "foreignField": "_id"}},
    ]
    assert lookup_stages(Post, 0) == []


async def test_lookup_stages_nested_and_back_links():
    (author, _tags) = lookup_stages(Post, 2)
    assert author["$lookup"]["pipeline"] == [
        {
            "$lookup": {
                "from": "lk_publishers",
                "as": "_link_publisher",
                "localField": "publisher.$id",
                "foreignField": "_id",
            }
        },
        {"$lookup": {"from": "lk_posts", "as": "_link_posts", "localField": "_id", "foreignField": "author.$id"}},
    ]
    # depth 3: the back link's posts join their own author again
    deep = lookup_stages(Post, 3)[0]["$lookup"]["pipeline"][1]["$lookup"]["pipeline"]
    assert [s["$lookup"]["as"] for s in deep] == ["_link_author", "_link_tags"]


async def test_filters_on_linked_fields_are_rewritten():
    assert rewrite_filter(Post, Post.find(Post.author.name == "ann").filter, 1) == {"_link_author.name": "ann"}
    nested = {"author.publisher.name": "P1"}
    assert rewrite_filter(Post, nested, 2) == {"_link_author._link_publisher.name": "P1"}
    assert rewrite_filter(Post, nested, 1) == {"_link_author.publisher.name": "P1"}
    oid = ObjectId()
    by_id = Post.find(Post.author.id == oid).filter
    assert rewrite_filter(Post, by_id, 3) == {"author.$id": oid}
    either = {"$or": [{"tags.label": "x"}, {"title": "p3"}]}
    assert rewrite_filter(Post, either, 1) == {"$or": [{"_link_tags.label": "x"}, {"title": "p3"}]}
    assert touches_links(Post, either) and not touches_links(Post, {"title": "x"})
    assert not touches_links(Post, by_id)
    assert rewrite_sort(Post, {"author.name": -1, "title": 1}, 1) == {"_link_author.name": -1, "title": 1}


async def test_merge_keeps_list_order_and_missing_references():
    t1, t2, ghost = ObjectId(), ObjectId(), ObjectId()
    row = {
        "_id": ObjectId(),
        "title": "t",
        "author": {"$ref": "lk_authors", "$id": ghost},
        "tags": [{"$ref": "lk_tags", "$id": t2}, {"$ref": "lk_tags", "$id": t1}, {"$ref": "lk_tags", "$id": ghost}],
        "_link_author": [],
        "_link_tags": [{"_id": t1, "label": "a"}, {"_id": t2, "label": "b"}],
    }
    merged = merge_joined(Post, row, 1)
    assert "_link_tags" not in merged and "_link_author" not in merged
    assert merged["tags"] == [{"_id": t2, "label": "b"}, {"_id": t1, "label": "a"}, {"$ref": "lk_tags", "$id": ghost}]
    assert merged["author"] == {"$ref": "lk_authors", "$id": ghost}
    post = Post._ob_codec().validate(merged)
    assert [t.label for t in post.tags[:2]] == ["b", "a"] and post.tags[0].id == t2
    assert isinstance(post.tags[2], Link) and isinstance(post.author, Link)
    # a reference without "$ref" links to the field's own collection
    assert Post(title="t", author={"$id": t1}).author.ref == DBRef("lk_authors", t1)


async def test_find_pipeline_joins_after_narrowing(lk):
    lk.joins_dbrefs = True
    plain = await Post.find(Post.title == "p1", fetch_links=True).sort("-title").skip(1)._lookup_pipeline(5)
    assert plain[:4] == [{"$match": {"title": "p1"}}, {"$sort": {"title": -1}}, {"$skip": 1}, {"$limit": 5}]
    assert [s["$lookup"]["as"] for s in plain[4:]] == ["_link_author", "_link_tags"]
    linked = await Post.find(Post.author.name == "ann", fetch_links=True).sort("author.name")._lookup_pipeline(None)
    assert [next(iter(s)) for s in linked] == ["$lookup", "$lookup", "$match", "$sort"]
    assert linked[2] == {"$match": {"_link_author.name": "ann"}}
    assert linked[3] == {"$sort": {"_link_author.name": 1}}
    # without fetch_links, or with a projection, there is no join
    assert await Post.find(Post.title == "p1")._lookup_pipeline(None) is None
    assert await Post.find(fetch_links=True).project({"title": 1})._lookup_pipeline(None) is None


def join(coll: str, alias: str, local: str, foreign: str = "_id", inner: list | None = None) -> dict:
    spec = {"from": coll, "as": alias, "localField": local, "foreignField": foreign}
    if inner is not None:
        spec["pipeline"] = inner
    return {"$lookup": spec}


async def test_pipelines_of_the_queries_only_a_real_mongod_joins(lk):
    """The whole aggregation each query of the `lookup` tests below sends (those
    tests are skipped where the server cannot join on DBRef `$id` paths)."""
    lk.joins_dbrefs = True

    # Post -> author (-> publisher, -> posts (-> author, -> tags)), tags: depth 3 by default.
    def author_join(posts_inner: list | None) -> dict:
        return join(
            "lk_authors",
            "_link_author",
            "author.$id",
            inner=[
                join("lk_publishers", "_link_publisher", "publisher.$id"),
                join("lk_posts", "_link_posts", "_id", "author.$id", inner=posts_inner),
            ],
        )

    tags_join = join("lk_tags", "_link_tags", "tags.$id")
    post_joins = [author_join([join("lk_authors", "_link_author", "author.$id"), tags_join]), tags_join]
    by_author = Post.find(Post.author.name == "ann", fetch_links=True).sort("title")
    assert await by_author._lookup_pipeline(None) == [
        *post_joins,
        {"$match": {"_link_author.name": "ann"}},
        {"$sort": {"title": 1}},
    ]
    by_tag = Post.find(Post.tags.label == "x", fetch_links=True)
    assert await by_tag._lookup_pipeline(None) == [*post_joins, {"$match": {"_link_tags.label": "x"}}]
    newest = Post.find(fetch_links=True).sort("-title").limit(2)
    assert await newest._lookup_pipeline(2) == [{"$sort": {"title": -1}}, {"$limit": 2}, *post_joins]
    back = Author.find(Author.posts.title == "p3", fetch_links=True)
    assert await back._lookup_pipeline(None) == [
        join("lk_publishers", "_link_publisher", "publisher.$id"),
        join("lk_posts", "_link_posts", "_id", "author.$id", inner=[author_join(None), tags_join]),
        {"$match": {"_link_posts.title": "p3"}},
    ]


async def test_server_join_capability_is_probed_once(lk):
    from conftest import real_mongod

    lk.joins_dbrefs = None
    assert await joins_dbrefs(lk) is real_mongod()
    assert lk.joins_dbrefs is real_mongod()


# ---------------------------------------------------------------- both paths against the server
@pytest_asyncio.fixture(params=["batched", "lookup"])
async def mode(request, lk):
    if request.param == "lookup":
        if not await joins_dbrefs(lk):
            pytest.skip("this server cannot join on DBRef paths (field.$id): the $lookup path runs on a real mongod")
    else:
        lk.joins_dbrefs = False
    return request.param


async def test_fetch_links_filter_on_linked_field(mode):
    await seed()
    posts = await Post.find(Post.author.name == "ann", fetch_links=True).sort("title").to_list()
    assert [(p.title, p.author.name) for p in posts] == [("p1", "ann"), ("p2", "ann")]
    assert [t.label for t in posts[0].tags] == ["y", "x"]
    assert posts[0].author.publisher.name == "P1"
    assert await Post.find(Post.author.name == "bob", fetch_links=True).count() == 1
    assert await Post.find(Post.author.name == "nobody", fetch_links=True).to_list() == []
    assert await Post.find(Post.author.name == "nobody", fetch_links=True).exists() is False


async def test_fetch_links_filter_nested_list_and_back(mode):
    await seed()
    got = await Post.find({"author.publisher.name": "P2"}, fetch_links=True).to_list()
    assert [p.title for p in got] == ["p3"]
    tagged = await Post.find(Post.tags.label == "x", fetch_links=True).to_list()
    assert [p.title for p in tagged] == ["p1"]
    either = await Post.find({"$or": [{"tags.label": "x"}, {"title": "p3"}]}, fetch_links=True).sort("title")
    assert [p.title for p in either] == ["p1", "p3"]
    authors = await Author.find(Author.posts.title == "p3", fetch_links=True).to_list()
    assert [a.name for a in authors] == ["bob"]
    assert [p.title for p in authors[0].posts] == ["p3"]
    one = await Post.find_one(Post.author.name == "bob", fetch_links=True)
    assert one.title == "p3" and one.author.name == "bob"
    seen = [p.title async for p in Post.find(Post.author.name == "ann", fetch_links=True).sort("title").batch_size(1)]
    assert seen == ["p1", "p2"]


async def test_fetch_links_without_linked_filter(mode):
    ann, bob, _, _ = await seed()
    posts = await Post.find(fetch_links=True).sort("-title").limit(2).to_list()
    assert [(p.title, p.author.name) for p in posts] == [("p3", "bob"), ("p2", "ann")]
    got = await Post.get((await Post.find_one(Post.title == "p1")).id, fetch_links=True)
    assert got.author.id == ann.id and [t.label for t in got.tags] == ["y", "x"]
    a = await Author.get(bob.id, fetch_links=True)
    assert [p.title for p in a.posts] == ["p3"] and a.publisher.name == "P2"


async def test_batched_path_refuses_sort_by_linked_field(lk):
    lk.joins_dbrefs = False
    await seed()
    with pytest.raises(InvalidArgumentError, match="sorting by a field of a linked document"):
        await Post.find(fetch_links=True).sort("author.name").to_list()


async def test_batched_filter_resolution_queries(lk):
    lk.joins_dbrefs = False
    ann, bob, x, _ = await seed()
    from ouroboros.mongodb._lookup import resolve_linked_filter

    flt = await resolve_linked_filter(Post, {"author.name": "bob", "title": {"$ne": "z"}})
    assert flt == {"$and": [{"title": {"$ne": "z"}}, {"author": {"$in": [{"$ref": "lk_authors", "$id": bob.id}]}}]}
    flt = await resolve_linked_filter(Post, {"tags.label": "x"})
    assert flt == {"tags": {"$in": [{"$ref": "lk_tags", "$id": x.id}]}}
    flt = await resolve_linked_filter(Author, {"posts.title": {"$in": ["p1", "p2"]}})
    assert flt == {"_id": {"$in": [ann.id, ann.id]}}


# ---------------------------------------------------------------- the $lookup pipeline on this server
async def raw_seed(lk):
    """Posts and authors whose direct references are ``{"$id": ...}`` subdocuments (joinable here)."""
    db = lk.client
    pubs = db.collection(lk.database, "lk_publishers")
    authors = db.collection(lk.database, "lk_authors")
    posts = db.collection(lk.database, "lk_posts")
    tags = db.collection(lk.database, "lk_tags")
    p1, p2, ann, bob, x, ghost = (ObjectId() for _ in range(6))
    await pubs.insert_many([{"_id": p1, "name": "P1"}, {"_id": p2, "name": "P2"}])
    await authors.insert_many(
        [{"_id": ann, "name": "ann", "publisher": {"$id": p1}}, {"_id": bob, "name": "bob", "publisher": {"$id": p2}}]
    )
    await tags.insert_many([{"_id": x, "label": "x"}])
    await posts.insert_many(
        [
            {
                "title": "p1",
                "author": {"$id": ann},
                "tags": [{"$ref": "lk_tags", "$id": x}, {"$ref": "lk_tags", "$id": ghost}],
            },
            {"title": "p2", "author": {"$id": ann}, "tags": []},
            {"title": "p3", "author": {"$id": bob}, "tags": []},
        ]
    )
    lk.joins_dbrefs = True
    return ann, bob, x, ghost


async def test_lookup_pipeline_runs_on_server_nested_and_back(lk):
    ann, bob, x, ghost = await raw_seed(lk)
    posts = await Post.find(fetch_links=True).sort("title").to_list()
    assert [(p.title, p.author.name, p.author.id) for p in posts] == [
        ("p1", "ann", ann),
        ("p2", "ann", ann),
        ("p3", "bob", bob),
    ]
    # nested: the author's publisher, the author's back-linked posts and their authors
    assert posts[2].author.publisher.name == "P2"
    assert [p.title for p in posts[2].author.posts] == ["p3"]
    assert posts[2].author.posts[0].author.name == "bob"
    # a list link the join did not resolve is fetched; a missing document stays a Link
    assert posts[0].tags[0].label == "x" and posts[0].tags[0].id == x
    assert isinstance(posts[0].tags[1], Link) and posts[0].tags[1].ref == DBRef("lk_tags", ghost)
    shallow = await Post.find_one(Post.title == "p3", fetch_links=True, nesting_depth=1)
    assert shallow.author.name == "bob" and isinstance(shallow.author.publisher, Link)


async def test_lookup_pipeline_runs_on_server_linked_filter_and_sort(lk):
    await raw_seed(lk)
    got = await Post.find(Post.author.name == "ann", fetch_links=True).sort("-title").to_list()
    assert [p.title for p in got] == ["p2", "p1"]
    by_author = await Post.find(fetch_links=True).sort([("author.name", -1), ("title", 1)]).to_list()
    assert [p.title for p in by_author] == ["p3", "p1", "p2"]
    assert await Post.find({"author.publisher.name": "P1"}, fetch_links=True).count() == 2
    one = await Post.find_one(Post.author.name == "bob", fetch_links=True)
    assert one.title == "p3" and one.author.publisher.name == "P2"
    seen = [(p.title, p.author.name) async for p in Post.find(fetch_links=True).sort("title").batch_size(2)]
    assert seen == [("p1", "ann"), ("p2", "ann"), ("p3", "bob")]
    authors = await Author.find(Author.posts.title == "p2", fetch_links=True).to_list()
    assert [(a.name, sorted(p.title for p in a.posts)) for a in authors] == [("ann", ["p1", "p2"])]
    assert await Post.find(Post.author.name == "carl", fetch_links=True).first_or_none() is None
