"""The query builder: operators, order, limit/offset, joins, aggregates, group by."""

from __future__ import annotations

import decimal

import pytest
import pytest_asyncio
from pg_models import Author, Book, Role, Tag

from ouroboros import postgres
from ouroboros.core import InvalidArgumentError
from ouroboros.postgres import Avg, Count, Max, Min, Sum

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture
async def people(db):
    """Five authors (ages 20..60 step 10) and books for the first three."""
    authors = await Author.insert_many(
        [
            Author(email="ann@x.org", name="Ann", age=20, role=Role.ADMIN, tags=["a"]),
            Author(email="bob@x.org", name="Bob", age=30, tags=["b", "a"]),
            Author(email="cy@y.org", name="Cy", age=40),
            Author(email="di@y.org", name="Di", age=50),
            Author(email="ed@z.org", name="Ed_%", age=60),
        ]
    )
    ann, bob, cy = authors[:3]
    await Book.insert_many(
        [
            Book(author_id=ann.id, title="A1", price=decimal.Decimal("10.00"), pages=100),
            Book(author_id=ann.id, title="A2", price=decimal.Decimal("20.00"), pages=200),
            Book(author_id=bob.id, title="B1", price=decimal.Decimal("5.50")),
            Book(author_id=cy.id, title="C1", price=decimal.Decimal("7.25"), pages=50),
        ]
    )
    return {a.name: a for a in authors}


async def names(query) -> list[str]:
    return [a.name for a in await query.to_list()]


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (lambda: Author.age == 30, ["Bob"]),
        (lambda: Author.age != 30, ["Ann", "Cy", "Di", "Ed_%"]),
        (lambda: Author.age > 40, ["Di", "Ed_%"]),
        (lambda: Author.age >= 40, ["Cy", "Di", "Ed_%"]),
        (lambda: Author.age < 30, ["Ann"]),
        (lambda: Author.age <= 30, ["Ann", "Bob"]),
        (lambda: Author.name.in_(["Ann", "Di", "nobody"]), ["Ann", "Di"]),
        (lambda: Author.name.in_([]), []),
        (lambda: Author.name.not_in(["Ann", "Di"]), ["Bob", "Cy", "Ed_%"]),
        (lambda: Author.email.like("%@y.org"), ["Cy", "Di"]),
        (lambda: Author.name.ilike("b%"), ["Bob"]),
        (lambda: Author.email.not_like("%@x.org"), ["Cy", "Di", "Ed_%"]),
        (lambda: Author.name.startswith("Ed_"), ["Ed_%"]),
        (lambda: Author.name.contains("_%"), ["Ed_%"]),
        (lambda: Author.name.endswith("%"), ["Ed_%"]),
        (lambda: Author.name.startswith("E%"), []),
        (lambda: Author.address.is_null(), ["Ann", "Bob", "Cy", "Di", "Ed_%"]),
        (lambda: Author.address.is_not_null(), []),
        (lambda: Author.joined == None, ["Ann", "Bob", "Cy", "Di", "Ed_%"]),  # noqa: E711 - builds IS NULL
        (lambda: Author.joined != None, []),  # noqa: E711 - builds IS NOT NULL
        (lambda: Author.age.between(30, 50), ["Bob", "Cy", "Di"]),
        (lambda: (Author.age >= 30) & (Author.age < 50), ["Bob", "Cy"]),
        (lambda: (Author.age == 20) | (Author.age == 60), ["Ann", "Ed_%"]),
        (lambda: ~(Author.age > 20), ["Ann"]),
        (lambda: ((Author.age < 30) | (Author.age > 50)) & Author.email.like("%x.org"), ["Ann"]),
        (lambda: Author.role == Role.ADMIN, ["Ann"]),
        (lambda: Author.age + 5 == 35, ["Bob"]),
        (lambda: Author.age * 2 > 100, ["Ed_%"]),
    ],
)
async def test_operators(people, condition, expected):
    assert await names(Author.find(condition()).order_by("name")) == expected


async def test_keyword_equality_and_where_chaining(people):
    assert await names(Author.find(name="Cy")) == ["Cy"]
    q = Author.find(Author.age > 20).where(Author.age < 60).where(email="di@y.org")
    assert await names(q) == ["Di"]


async def test_a_condition_has_no_truth_value():
    with pytest.raises(TypeError, match="no truth value"):
        bool(Author.age == 3)


async def test_order_by_forms(people):
    assert await names(Author.find_all().order_by("-age")) == ["Ed_%", "Di", "Cy", "Bob", "Ann"]
    assert await names(Author.find_all().order_by(Author.age.desc())) == ["Ed_%", "Di", "Cy", "Bob", "Ann"]
    assert await names(Author.find_all().order_by(("age", -1))) == ["Ed_%", "Di", "Cy", "Bob", "Ann"]
    assert await names(Author.find_all().order_by("+name")) == ["Ann", "Bob", "Cy", "Di", "Ed_%"]
    assert await names(Author.find_all().sort([("email", 1)])) == ["Ann", "Bob", "Cy", "Di", "Ed_%"]
    assert await names(Author.find_all().order_by("m_authors.age")) == ["Ann", "Bob", "Cy", "Di", "Ed_%"]


async def test_order_nulls(people):
    books = await Book.find_all().order_by(Book.pages.asc(nulls="first")).to_list()
    assert [b.title for b in books] == ["B1", "C1", "A1", "A2"]
    books = await Book.find_all().order_by(Book.pages.desc(nulls="last")).to_list()
    assert [b.title for b in books] == ["A2", "A1", "C1", "B1"]


async def test_limit_offset_first(people):
    q = Author.find_all().order_by("age")
    assert await names(q.limit(2)) == ["Ann", "Bob"]
    assert await names(q.offset(3)) == ["Di", "Ed_%"]
    assert await names(q.skip(1).limit(2)) == ["Bob", "Cy"]
    assert (await q.offset(4).first()).name == "Ed_%"
    assert await q.offset(5).first() is None
    assert await q.limit(0).to_list() == []


async def test_queries_are_immutable(people):
    base = Author.find(Author.age >= 30)
    limited = base.limit(1)
    assert len(await base.to_list()) == 4
    assert len(await limited.to_list()) == 1


async def test_find_one_await_and_async_for(people):
    assert (await Author.find_one(Author.name == "Bob")).age == 30
    assert await Author.find_one(Author.name == "nobody") is None
    assert len(await Author.find(Author.age > 40)) == 2
    seen = [a.name async for a in Author.find(Author.age > 40).order_by("age")]
    assert seen == ["Di", "Ed_%"]


async def test_count_exists(people):
    assert await Author.count() == 5
    assert await Author.count(Author.age > 30) == 3
    assert await Author.find(Author.age > 30).limit(2).count() == 2
    assert await Author.find(Author.age > 30).exists() is True
    assert await Author.find(Author.age > 300).exists() is False


async def test_single_aggregates(people):
    q = Author.find_all()
    assert await q.sum(Author.age) == 200
    assert await q.avg("age") == decimal.Decimal(40)
    assert await q.min(Author.age) == 20
    assert await q.max("age") == 60
    assert await Author.find(Author.age > 100).max("age") is None
    assert await Book.find_all().sum(Book.price) == decimal.Decimal("42.75")


async def test_aggregate_returns_one_record(people):
    r = await Author.find(Author.age >= 30).aggregate(n=Count(), oldest=Max(Author.age), youngest=Min(Author.age))
    assert (r["n"], r["oldest"], r["youngest"]) == (4, 60, 30)
    r = await Book.find_all().aggregate(
        with_pages=Count(Book.pages), distinct_authors=Count(Book.author_id, distinct=True)
    )
    assert (r["with_pages"], r["distinct_authors"]) == (3, 3)


async def test_group_by_having_order(people):
    rows = await (
        Book.find_all()
        .group_by(Book.author_id)
        .having(Count() >= 1)
        .order_by(Count().desc(), Book.author_id.asc())
        .aggregate(n=Count(), total=Sum(Book.price), mean=Avg(Book.price))
    )
    ann, bob, cy = people["Ann"].id, people["Bob"].id, people["Cy"].id
    assert [(r["author_id"], r["n"], r["total"]) for r in rows] == [
        (ann, 2, decimal.Decimal("30.00")),
        (bob, 1, decimal.Decimal("5.50")),
        (cy, 1, decimal.Decimal("7.25")),
    ]
    rows = await Book.find_all().group_by("author_id").having(Count() > 1).aggregate(n=Count())
    assert [(r["author_id"], r["n"]) for r in rows] == [(ann, 2)]


async def test_grouped_query_needs_aggregate(people):
    with pytest.raises(InvalidArgumentError, match="grouped query"):
        await Book.find_all().group_by(Book.author_id).to_list()
    with pytest.raises(InvalidArgumentError, match="at least one"):
        await Book.find_all().aggregate()


async def test_join_on_the_declared_foreign_key(people):
    rows = await Book.find(Book.price > 6).join(Author).order_by(Book.title).to_list()
    assert [(b.title, a.name) for b, a in rows] == [("A1", "Ann"), ("A2", "Ann"), ("C1", "Cy")]
    assert all(isinstance(b, Book) and isinstance(a, Author) for b, a in rows)


async def test_join_from_the_referenced_side_and_filter_on_both(people):
    rows = await Author.find(Author.age < 35).join(Book).where(Book.pages > 150).to_list()
    assert [(a.name, b.title) for a, b in rows] == [("Ann", "A2")]


async def test_left_join_gives_none_for_missing_rows(people):
    rows = await Author.find(Author.age >= 40).left_join(Book).order_by("age").to_list()
    assert [(a.name, b.title if b else None) for a, b in rows] == [("Cy", "C1"), ("Di", None), ("Ed_%", None)]


async def test_join_with_explicit_on_and_aggregate(people):
    rows = await (
        Author.find_all()
        .join(Book, on=Book.author_id == Author.id)
        .group_by(Author.name)
        .order_by(Author.name)
        .aggregate(books=Count(), pages=Sum(Book.pages))
    )
    assert [(r["name"], r["books"], r["pages"]) for r in rows] == [("Ann", 2, 300), ("Bob", 1, None), ("Cy", 1, 50)]


async def test_join_errors(people):
    with pytest.raises(InvalidArgumentError, match="no foreign key between Tag and Author"):
        Author.find_all().join(Tag)
    with pytest.raises(InvalidArgumentError, match="join an alias for a self-join"):
        Author.find_all().join(Author)
    with pytest.raises(InvalidArgumentError, match="takes a Table class"):
        Author.find_all().join("m_books")
    with pytest.raises(InvalidArgumentError, match="'inner' or 'left'"):
        Author.find_all().join(Book, kind="full; drop")
    with pytest.raises(InvalidArgumentError, match="already part of this query"):
        Author.find_all().join(Book).join(Book)


async def test_values_returns_records(people):
    rows = await Author.find(Author.age > 40).order_by("age").values("name", Author.age)
    assert [tuple(r) for r in rows] == [("Di", 50), ("Ed_%", 60)]
    assert list(rows[0].keys()) == ["name", "age"]


async def test_bulk_update(people):
    assert await Author.find(Author.age < 40).update(age=Author.age + 1) == 2
    assert await names(Author.find(Author.age.in_([21, 31])).order_by("age")) == ["Ann", "Bob"]
    assert await Author.find(Author.name == "Cy").update({"tags": ["x", "y"], "role": Role.ADMIN}) == 1
    cy = await Author.find_one(name="Cy")
    assert (cy.tags, cy.role) == (["x", "y"], Role.ADMIN)


async def test_bulk_update_with_order_and_limit_uses_the_key(people):
    assert await Author.find_all().order_by("-age").limit(2).update(name="old") == 2
    assert await names(Author.find(Author.name == "old").order_by("age")) == ["old", "old"]
    assert {a.age for a in await Author.find(name="old").to_list()} == {50, 60}


async def test_bulk_update_validates_values(people):
    with pytest.raises(Exception) as info:
        await Author.find_all().update(age="many")
    assert info.value.errors()[0]["loc"] == ("age",)
    assert await Author.find_all().sum("age") == 200


async def test_bulk_update_json_column(people):
    await Author.find(name="Ann").update(address={"city": "Rome"})
    ann = await Author.find_one(name="Ann")
    assert ann.address.city == "Rome"


async def test_bulk_delete(people):
    assert await Book.find(Book.pages.is_null()).delete() == 1
    assert await Book.find_all().order_by("title").limit(1).delete() == 1
    assert sorted(b.title for b in await Book.find_all().to_list()) == ["A2", "C1"]
    with pytest.raises(InvalidArgumentError, match="one table"):
        await Book.find_all().join(Author).delete()


async def test_limit_offset_validation():
    with pytest.raises(InvalidArgumentError, match="limit must be a non-negative int"):
        Author.find_all().limit(-1)
    with pytest.raises(InvalidArgumentError, match="offset must be a non-negative int"):
        Author.find_all().offset("1; DROP TABLE x")
    with pytest.raises(InvalidArgumentError, match="limit"):
        Author.find_all().limit(True)


async def test_sql_is_inspectable():
    sql, args = Author.find(Author.age > 3, name="x").order_by("-age").limit(2).offset(1).sql()
    assert sql.endswith(
        'FROM "m_authors" WHERE ("m_authors"."age" > $1 AND "m_authors"."name" = $2) '
        'ORDER BY "m_authors"."age" DESC LIMIT $3 OFFSET $4'
    )
    assert args == [3, "x", 2, 1]


async def test_async_for_streams_through_a_cursor(db):
    await Author.insert_many(
        [Author(email=f"s{i}@x", name=f"s{i}", age=i, address={"city": f"c{i}"}) for i in range(1200)]
    )
    seen = [a async for a in Author.find(Author.age >= 100).order_by("age").iterate(prefetch=64)]
    assert len(seen) == 1100
    assert seen[0].age == 100 and seen[-1].age == 1199
    assert all(isinstance(a, Author) for a in seen)
    assert seen[5].address.city == "c105"


async def test_async_for_with_joins_and_inside_a_transaction(people):
    async with postgres.transaction():
        rows = [r async for r in Author.find(Author.age >= 40).left_join(Book).order_by("age")]
        assert [(a.name, b.title if b else None) for a, b in rows] == [("Cy", "C1"), ("Di", None), ("Ed_%", None)]
    with pytest.raises(InvalidArgumentError, match="prefetch must be a positive int"):
        async for _ in Author.find_all().iterate(prefetch=0):
            pass
