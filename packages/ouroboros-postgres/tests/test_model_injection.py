"""SQL injection through every entry point of the model layer is refused or inert.

Values are always bound parameters (so hostile text is stored and matched as
data); identifiers come only from declared fields and Settings, always quoted,
and a name that is not declared is refused before any SQL is sent.
"""

from __future__ import annotations

import pytest
import pytest_asyncio
from pg_models import Author, Book

from ouroboros import postgres
from ouroboros.core import InvalidArgumentError
from ouroboros.postgres import Count, Table

pytestmark = pytest.mark.asyncio

HOSTILE = [
    "'; DROP TABLE m_authors; --",
    "x' OR '1'='1",
    "\\'; SELECT pg_sleep(5); --",
    '"; DROP TABLE m_authors; --',
    "$1",
    "%' OR 1=1 --",
    "name) VALUES ('x'); --",
]

HOSTILE_NAMES = [
    "name; DROP TABLE m_authors",
    'name" = name OR "1"="1',
    "age DESC, (SELECT pg_sleep(5))",
    "1=1 --",
    "m_authors.name; --",
    "-age; DROP TABLE m_authors",
    "",
    "pg_sleep(5)",
]


@pytest_asyncio.fixture
async def seeded(db):
    await Author.insert_many([Author(email=f"u{i}@x", name=f"user{i}", age=i) for i in range(3)])


async def intact() -> None:
    """The table is still there with its three rows."""
    assert await Author.count() == 3


@pytest.mark.parametrize("value", HOSTILE)
async def test_filter_values_are_data(seeded, value):
    assert await Author.find(Author.name == value).to_list() == []
    assert await Author.find(name=value).count() == 0
    assert await Author.find(Author.name.in_([value, "user1"])).count() == 1
    assert await Author.find(Author.name.not_in([value])).count() == 3
    assert await Author.find(Author.name.like(value)).count() == 0
    assert await Author.find(Author.name.ilike(value)).count() == 0
    assert await Author.find(Author.name.startswith(value)).count() == 0
    assert await Author.find(Author.name.contains(value)).count() == 0
    assert await Author.find(Author.name.between(value, value)).count() == 0
    assert await Author.find((Author.name == value) | (Author.email == value)).count() == 0
    await intact()


@pytest.mark.parametrize("value", HOSTILE)
async def test_written_values_are_stored_verbatim(seeded, value):
    a = await Author(email=value, name=value, tags=[value]).insert()
    got = await Author.get(a.id)
    assert (got.email, got.name, got.tags) == (value, value, [value])
    a.name = value + "!"
    await a.save()
    await a.update(email=value + "?")
    got = await Author.get(a.id)
    assert (got.name, got.email) == (value + "!", value + "?")
    assert await Author.find(Author.id == a.id).update(name=value) == 1
    assert (await Author.find_one(Author.name == value)).id == a.id
    await Author.insert_many([Author(email=value + "#", name=value)])
    assert await Author.count(Author.name == value) == 2
    assert await Author.find(Author.name == value).delete() == 2
    await intact()


@pytest.mark.parametrize("value", HOSTILE)
async def test_json_values_are_data(seeded, value):
    a = await Author(email="j@x", name="j", address={"city": value, "zip": value}).insert()
    assert (await Author.get(a.id)).address.city == value
    await Author.find(Author.id == a.id).update(address={"city": value})
    assert (await Author.get(a.id)).address.city == value


@pytest.mark.parametrize("name", HOSTILE_NAMES)
async def test_undeclared_identifiers_are_refused(seeded, name):
    with pytest.raises(InvalidArgumentError):
        Author.find(**{name: 1})
    with pytest.raises(InvalidArgumentError):
        Author.find_all().where(**{name: 1})
    with pytest.raises(InvalidArgumentError):
        Author.find_all().order_by(name)
    with pytest.raises(InvalidArgumentError):
        Author.find_all().order_by((name, 1))
    with pytest.raises(InvalidArgumentError):
        Author.find_all().group_by(name)
    with pytest.raises(InvalidArgumentError):
        await Author.find_all().values(name)
    with pytest.raises(InvalidArgumentError):
        await Author.find_all().sum(name)
    with pytest.raises(InvalidArgumentError):
        await Author.find_all().update(**{name: "x"})
    a = await Author.find_one()
    with pytest.raises(InvalidArgumentError):
        await a.update(**{name: "x"})
    await intact()


@pytest.mark.parametrize("direction", ["desc; DROP TABLE m_authors", 2, "DESC"])
async def test_order_direction_is_checked(seeded, direction):
    with pytest.raises(InvalidArgumentError, match="sort direction"):
        Author.find_all().order_by(("age", direction))


@pytest.mark.parametrize("bad", ["1; DROP TABLE m_authors", 1.5, None.__class__, [1]])
async def test_limit_and_offset_take_ints_only(seeded, bad):
    with pytest.raises(InvalidArgumentError):
        Author.find_all().limit(bad)
    with pytest.raises(InvalidArgumentError):
        Author.find_all().offset(bad)


async def test_nulls_and_join_kind_are_checked(seeded):
    with pytest.raises(InvalidArgumentError, match="nulls"):
        Author.age.asc(nulls="last; DROP TABLE m_authors")
    with pytest.raises(InvalidArgumentError, match="join kind"):
        Author.find_all().join(Book, kind="cross")


async def test_raw_conditions_are_refused(seeded):
    with pytest.raises(InvalidArgumentError, match="expected a condition"):
        Author.find("1=1; DROP TABLE m_authors")
    with pytest.raises(InvalidArgumentError, match="condition"):
        Author.find_all().having("count(*) > 0")
    with pytest.raises(InvalidArgumentError, match="on="):
        Author.find_all().join(Book, on="true; DROP TABLE m_authors")
    await intact()


@pytest.mark.parametrize("alias", ["n; DROP TABLE m_authors", 'n" FROM m_authors; --'])
async def test_aggregate_names_are_quoted(seeded, alias):
    record = await Author.find_all().aggregate(**{alias: Count()})
    assert record[alias] == 3
    await intact()


async def test_settings_identifiers_are_quoted(db):
    class Odd(Table):
        id: int | None = None
        name: str

        class Settings:
            table_name = 'odd"; DROP TABLE m_authors; --'
            indexes = ["name"]

    await Odd.create_table()
    try:
        await Odd(name="x").insert()
        assert (await Odd.find_one(Odd.name == "x")).name == "x"
        assert await Author.count() == 0  # m_authors is still there
    finally:
        await Odd.drop_table()


async def test_quote_ident_refuses_nul():
    from ouroboros.postgres._expressions import quote_ident

    with pytest.raises(InvalidArgumentError):
        quote_ident("a\x00b")
    assert quote_ident('a"b') == '"a""b"'


async def test_connection_still_serves_after_refusals(seeded, dsn):
    conn = await postgres.connect(dsn)
    try:
        assert await conn.fetchval("SELECT count(*) FROM m_authors") == 3
    finally:
        await conn.close()
