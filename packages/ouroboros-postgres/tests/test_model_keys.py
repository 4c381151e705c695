"""Composite primary keys and self-joins (aliases) in the model layer."""

from __future__ import annotations

import pytest
import pytest_asyncio

from ouroboros import postgres
from ouroboros.core import InvalidArgumentError
from ouroboros.postgres import ForeignKey, Table

pytestmark = pytest.mark.asyncio


class Employee(Table):
    id: int | None = None
    name: str
    boss_id: int | None = None

    class Settings:
        table_name = "k_employees"


# A foreign key to the class itself is declared once the class exists.
Employee.Settings.foreign_keys = {"boss_id": ForeignKey(Employee, on_delete="set null")}


class Shop(Table):
    id: int
    name: str

    class Settings:
        table_name = "k_shops"


class Line(Table):
    """Two columns make the key."""

    shop_id: int
    number: int
    item: str
    qty: int = 1

    class Settings:
        table_name = "k_lines"
        primary_key = ("shop_id", "number")
        foreign_keys = {"shop_id": Shop}


class Note(Table):
    """Points at a Line through one of its key columns, named explicitly."""

    id: int | None = None
    line_number: int

    class Settings:
        table_name = "k_notes"
        foreign_keys = {"line_number": ForeignKey(Line, column="number")}


MODELS = [Employee, Shop, Line]


@pytest_asyncio.fixture
async def keys_db(dsn):
    pool = await postgres.init(dsn, min_size=1, max_size=2)
    try:
        for model in reversed(MODELS):
            await model.drop_table(cascade=True)
        for model in MODELS:
            await model.create_table()
        yield pool
    finally:
        for model in reversed(MODELS):
            await model.drop_table(cascade=True)
        await postgres.close()


async def test_composite_key_ddl_and_crud(keys_db):
    create = Line.create_table_sql()[0]
    assert 'PRIMARY KEY ("shop_id", "number")' in create
    assert not any(c.identity for c in Line.column_specs())
    await Shop(id=1, name="north").insert()
    await Shop(id=2, name="south").insert()
    a = await Line(shop_id=1, number=1, item="nail", qty=5).insert()
    await Line.insert_many([Line(shop_id=1, number=2, item="screw"), Line(shop_id=2, number=1, item="bolt")])
    # get() takes the key as a tuple in key order.
    got = await Line.get((1, 2))
    assert (got.shop_id, got.number, got.item, got.qty) == (1, 2, "screw", 1)
    assert (await Line.get((2, 1))).item == "bolt"
    assert await Line.get((2, 2)) is None
    # update() and delete() touch only the row with both key values.
    await a.update(qty=9)
    assert [(r.shop_id, r.number, r.qty) for r in await Line.find_all().order_by("shop_id", "number")] == [
        (1, 1, 9), (1, 2, 1), (2, 1, 1),
    ]  # fmt: skip
    # save() upserts on the whole key.
    await Line(shop_id=2, number=1, item="bolt", qty=7).save()
    await Line(shop_id=2, number=2, item="washer").save()
    assert {(r.shop_id, r.number): r.qty for r in await Line.find_all()} == {(1, 1): 9, (1, 2): 1, (2, 1): 7, (2, 2): 1}
    assert await (await Line.get((1, 2))).delete() is True
    assert await Line.count() == 3
    # refresh() reloads by the whole key.
    stale = await Line.get((2, 1))
    await Line.find(Line.shop_id == 2, Line.number == 1).update(qty=1)
    assert (await stale.refresh()).qty == 1
    # A bulk update with limit goes through the whole key.
    assert await Line.find(Line.shop_id == 2).order_by("number").limit(1).update(qty=3) == 1
    assert {(r.number, r.qty) for r in await Line.find(Line.shop_id == 2)} == {(1, 3), (2, 1)}
    # Duplicate keys are the server's unique violation.
    with pytest.raises(postgres.UniqueViolationError):
        await Line(shop_id=1, number=1, item="again").insert()


async def test_composite_key_arguments_are_checked(keys_db):
    with pytest.raises(InvalidArgumentError, match=r"composite primary key \(shop_id, number\): give a tuple of 2"):
        await Line.get(1)
    with pytest.raises(InvalidArgumentError, match="give a tuple of 2 values"):
        await Line.get((1, 2, 3))

    class LooseNote(Table):
        id: int | None = None
        line: int

        class Settings:
            table_name = "k_notes2"
            foreign_keys = {"line": Line}

    with pytest.raises(InvalidArgumentError, match="Line has a composite primary key; name the referenced column"):
        LooseNote.create_table_sql()
    # An explicit column of the composite key is accepted.
    assert 'REFERENCES "k_lines" ("number")' in Note.create_table_sql()[0]

    class BadKey(Table):
        a: int

        class Settings:
            table_name = "k_bad"
            primary_key = ("a", "a")

    with pytest.raises(InvalidArgumentError, match="several distinct ones"):
        BadKey.create_table_sql()


async def test_self_join_through_an_alias(keys_db):
    ann = await Employee(name="Ann").insert()
    bob = await Employee(name="Bob", boss_id=ann.id).insert()
    await Employee(name="Cy", boss_id=bob.id).insert()
    await Employee(name="Di", boss_id=ann.id).insert()
    Boss = Employee.alias("boss")
    # Each employee with the row its boss_id points at (None for the top).
    pairs = await Employee.find_all().left_join(Boss).order_by(Employee.name).to_list()
    assert [(e.name, b.name if b else None) for e, b in pairs] == [
        ("Ann", None), ("Bob", "Ann"), ("Cy", "Bob"), ("Di", "Ann"),
    ]  # fmt: skip
    assert all(isinstance(b, Employee) for _, b in pairs if b is not None)
    # Conditions and ordering on the alias's columns.
    under_ann = await Employee.find(Boss.name == "Ann").join(Boss).order_by("-name").to_list()
    assert [e.name for e, _ in under_ann] == ["Di", "Bob"]
    sql, args = Employee.find(Boss.name == "Ann").join(Boss).sql()
    assert 'INNER JOIN "k_employees" AS "boss" ON "k_employees"."boss_id" = "boss"."id"' in sql
    assert args == ["Ann"]
    # The other direction (each boss with their reports) with on=.
    Report = Employee.alias("report")
    rows = await Employee.find_all().join(Report, on=Report.boss_id == Employee.id).order_by(Report.name).to_list()
    assert sorted((b.name, r.name) for b, r in rows) == [("Ann", "Bob"), ("Ann", "Di"), ("Bob", "Cy")]
    # Counting reports per boss name through the alias.
    counts = await Employee.find_all().join(Boss).group_by(Boss.name).aggregate(n=postgres.Count())
    assert sorted((r["name"], r["n"]) for r in counts) == [("Ann", 2), ("Bob", 1)]


async def test_self_join_needs_an_alias_and_names_are_quoted(keys_db):
    with pytest.raises(InvalidArgumentError, match=r"join an alias for a self-join \(Employee.alias"):
        Employee.find_all().join(Employee)
    with pytest.raises(InvalidArgumentError, match="the table's own name"):
        Employee.alias("k_employees")
    with pytest.raises(AttributeError, match="has no column 'salary'"):
        _ = Employee.alias("x").salary
    # A hostile alias is an identifier, quoted, never SQL.
    evil = Employee.alias('b"; DROP TABLE k_employees; --')
    await Employee(name="Ann").insert()
    rows = await Employee.find_all().left_join(evil).to_list()
    assert [(e.name, b) for e, b in rows] == [("Ann", None)]
    assert await Employee.count() == 1
