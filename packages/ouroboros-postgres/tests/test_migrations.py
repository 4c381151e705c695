"""Migrations against the real server: files, up/down/status, the advisory lock,
autogeneration from model changes, and the `ob postgres migrate` commands."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest
import pytest_asyncio

from ouroboros import postgres
from ouroboros.postgres import ForeignKey, MigrationError, Migrator, Table, diff_models, load_migrations
from ouroboros.postgres._migrations import write_migration

pytestmark = pytest.mark.asyncio


def write(folder: Path, name: str, up: str, down: str = "") -> Path:
    path = folder / name
    text = f"-- migrate:up\n{up}\n"
    if down:
        text += f"-- migrate:down\n{down}\n"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def names() -> dict[str, str]:
    """Unique table names for this test (the database is shared by the run)."""
    tag = uuid.uuid4().hex[:8]
    return {"t1": f"mig_a_{tag}", "t2": f"mig_b_{tag}", "table": f"mig_log_{tag}"}


@pytest.fixture
def folder(tmp_path: Path, names: dict[str, str]) -> Path:
    write(tmp_path, "0001_first.sql", f"CREATE TABLE {names['t1']} (id int PRIMARY KEY);", f"DROP TABLE {names['t1']};")
    write(
        tmp_path,
        "0002_second.sql",
        f"CREATE TABLE {names['t2']} (id int);\nINSERT INTO {names['t2']} VALUES (1), (2);",
        f"DROP TABLE {names['t2']};",
    )
    t1 = names["t1"]
    write(tmp_path, "0003_third.sql", f"ALTER TABLE {t1} ADD COLUMN note text;", f"ALTER TABLE {t1} DROP COLUMN note;")
    (tmp_path / "README.txt").write_text("ignored")
    return tmp_path


@pytest_asyncio.fixture
async def migrator(conn, folder, names):
    return Migrator(conn, folder, table=names["table"])


async def exists(conn, table: str) -> bool:
    return await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", table)


# ------------------------------------------------------------------ files
async def test_load_orders_by_version_and_parses_sections(folder):
    migrations = load_migrations(folder)
    assert [(m.version, m.name) for m in migrations] == [(1, "first"), (2, "second"), (3, "third")]
    assert migrations[1].up.startswith("CREATE TABLE") and migrations[1].down.startswith("DROP TABLE")


async def test_bad_files_are_named(tmp_path):
    write(tmp_path, "0001_a.sql", "SELECT 1;")
    write(tmp_path, "01_b.sql", "SELECT 1;")
    with pytest.raises(MigrationError, match=r"version 1 is used twice: 0001_a\.sql and 01_b\.sql"):
        load_migrations(tmp_path)
    (tmp_path / "01_b.sql").unlink()
    (tmp_path / "notes.sql").write_text("-- migrate:up\nSELECT 1;")
    with pytest.raises(MigrationError, match=r"notes\.sql: a migration file is named"):
        load_migrations(tmp_path)
    (tmp_path / "notes.sql").unlink()
    (tmp_path / "0002_x.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match="no '-- migrate:up' line"):
        load_migrations(tmp_path)
    (tmp_path / "0002_x.sql").write_text("-- migrate:up\n\n-- migrate:down\nSELECT 1;")
    with pytest.raises(MigrationError, match="the up section is empty"):
        load_migrations(tmp_path)
    with pytest.raises(MigrationError, match="does not exist"):
        load_migrations(tmp_path / "missing")


async def test_write_migration_numbers_the_next_file(tmp_path):
    write(tmp_path, "0007_old.sql", "SELECT 1;")
    path = write_migration(tmp_path, "Add user age!", "ALTER TABLE u ADD COLUMN age int;", "ALTER TABLE u DROP age;")
    assert path.name == "0008_add_user_age.sql"
    m = load_migrations(tmp_path)[-1]
    assert (m.version, m.up, m.down) == (8, "ALTER TABLE u ADD COLUMN age int;", "ALTER TABLE u DROP age;")


# ------------------------------------------------------------------ up / down / status
async def test_up_applies_in_order_and_records(conn, migrator, names):
    done = await migrator.up()
    assert [m.version for m in done] == [1, 2, 3]
    assert await conn.fetchval(f"SELECT count(*) FROM {names['t2']}") == 2
    rows = await conn.fetch(f"SELECT version, name FROM {names['table']} ORDER BY version")
    assert [tuple(r) for r in rows] == [(1, "first"), (2, "second"), (3, "third")]
    assert await migrator.up() == []


async def test_up_to_and_status(migrator):
    assert [m.version for m in await migrator.up(to=2)] == [1, 2]
    states = await migrator.status()
    assert [(s.version, s.state) for s in states] == [(1, "applied"), (2, "applied"), (3, "pending")]
    assert states[0].applied_at is not None and states[2].applied_at is None


async def test_down_reverts_the_last_and_to(conn, migrator, names):
    await migrator.up()
    assert [m.version for m in await migrator.down()] == [3]
    cols = await conn.fetch("SELECT column_name FROM information_schema.columns WHERE table_name = $1", names["t1"])
    assert [r[0] for r in cols] == ["id"]
    assert [m.version for m in await migrator.down(to=0)] == [2, 1]
    assert not await exists(conn, names["t1"])
    assert not await exists(conn, names["t2"])
    assert await migrator.down() == []


async def test_a_failing_migration_leaves_nothing_half_applied(conn, folder, migrator, names):
    write(folder, "0004_broken.sql", f"CREATE TABLE {names['t1']}_x (id int);\nSELECT * FROM no_such_table;")
    with pytest.raises(postgres.UndefinedTableError):
        await migrator.up()
    assert not await exists(conn, names["t1"] + "_x")
    assert [(s.version, s.state) for s in await migrator.status()][-1] == (4, "pending")
    # The first three were committed one by one before the failure.
    assert await exists(conn, names["t1"])


async def test_changed_and_missing_files_show_in_status(folder, migrator):
    await migrator.up()
    third = folder / "0003_third.sql"
    third.write_text(third.read_text().replace("note text", "note varchar(10)"))
    (folder / "0002_second.sql").unlink()
    states = {s.version: s.state for s in await migrator.status()}
    assert states == {1: "applied", 2: "missing", 3: "changed"}
    with pytest.raises(MigrationError, match="migration 2 is applied but its file is gone"):
        await migrator.down(steps=2)


async def test_down_without_a_down_section_is_refused(tmp_path, conn, names):
    write(tmp_path, "0001_only_up.sql", f"CREATE TABLE {names['t1']} (id int);")
    m = Migrator(conn, tmp_path, table=names["table"])
    await m.up()
    with pytest.raises(MigrationError, match="has no '-- migrate:down' section"):
        await m.down()
    with pytest.raises(MigrationError, match="steps must be a non-negative int"):
        await m.down(steps=-1)


async def test_two_runs_at_once_apply_each_migration_once(dsn, folder, names):
    slow = f"CREATE TABLE {names['t1']}_slow (id int);\nSELECT pg_sleep(0.3);"
    write(folder, "0004_slow.sql", slow, f"DROP TABLE {names['t1']}_slow;")
    a, b = await postgres.connect(dsn), await postgres.connect(dsn)
    try:
        results = await asyncio.gather(
            Migrator(a, folder, table=names["table"]).up(), Migrator(b, folder, table=names["table"]).up()
        )
        assert sorted(len(r) for r in results) == [0, 4]
        assert await a.fetchval(f"SELECT count(*) FROM {names['table']}") == 4
    finally:
        await a.close()
        await b.close()


async def test_lock_timeout_names_the_cause(dsn, conn, folder, names):
    from ouroboros.postgres._migrations import LOCK_KEY

    holder = await postgres.connect(dsn)
    try:
        assert await holder.fetchval("SELECT pg_try_advisory_lock($1)", LOCK_KEY)
        m = Migrator(conn, folder, table=names["table"], lock_timeout=0.2)
        with pytest.raises(MigrationError, match="held the migration lock"):
            await m.up()
    finally:
        await holder.close()
    assert len(await Migrator(conn, folder, table=names["table"]).up()) == 3


# ------------------------------------------------------------------ autogenerate
def model_v1(table: str) -> type[Table]:
    class Item(Table):
        id: int | None = None
        name: str
        price: float = 0.0

        class Settings:
            table_name = table
            indexes = ["name"]

    return Item


def model_v2(table: str) -> type[Table]:
    class Item(Table):
        id: int | None = None
        name: str
        stock: int = 5
        tags: list[str] = []

        class Settings:
            table_name = table
            indexes = ["stock"]
            unique = [("name",)]

    return Item


async def test_autogenerate_creates_the_table_then_diffs(conn, tmp_path, names):
    v1 = model_v1(names["t1"])
    path = await postgres.autogenerate(conn, [v1], tmp_path, "create items")
    assert path is not None and path.name == "0001_create_items.sql"
    m = Migrator(conn, tmp_path, table=names["table"])
    await m.up()
    assert await postgres.autogenerate(conn, [v1], tmp_path, "nothing") is None

    v2 = model_v2(names["t1"])
    diff = await diff_models(conn, [v2])
    t = names["t1"]
    assert diff.up == [
        f'ALTER TABLE "{t}" ADD COLUMN "stock" BIGINT NOT NULL DEFAULT 5',
        f'ALTER TABLE "{t}" ADD COLUMN "tags" TEXT[] NOT NULL DEFAULT \'{{}}\'',
        f'ALTER TABLE "{t}" DROP COLUMN "price"',
        f'CREATE INDEX "ix_{t}_stock" ON "{t}" ("stock")',
        f'ALTER TABLE "{t}" ADD CONSTRAINT "uq_{t}_name" UNIQUE ("name")',
        f'DROP INDEX "ix_{t}_name"',
    ]
    assert diff.down[0] == f"CREATE INDEX ix_{t}_name ON public.{t} USING btree (name)"
    # The dropped column comes back with its type, default and NOT NULL (its data is gone).
    assert f'ALTER TABLE "{t}" ADD COLUMN "price" double precision DEFAULT 0.0 NOT NULL' in diff.down
    assert diff.notes == [f"reverting drops no data back: column {t}.price returns empty"]
    # Apply it, then revert it: the table is as v1 made it.
    await conn.execute(f"INSERT INTO {t} (name, price) VALUES ('old', 1.5)")
    path = await postgres.autogenerate(conn, [v2], tmp_path, "v2")
    assert path.name == "0002_v2.sql"
    await m.up()
    rows = await conn.fetch(f"SELECT name, stock, tags FROM {t}")
    assert [tuple(r) for r in rows] == [("old", 5, [])]
    assert await diff_models(conn, [v2]) == postgres.Diff()
    assert "-- note: reverting drops no data back" in path.read_text()
    await m.down()
    # The reverted drop re-adds `price` as v1 declares it, filled with its default (not its old data).
    assert await diff_models(conn, [v1]) == postgres.Diff()
    assert [tuple(r) for r in await conn.fetch(f"SELECT name, price FROM {t}")] == [("old", 0.0)]


async def test_autogenerate_changes_a_column_type(conn, tmp_path, names):
    class Note(Table):
        id: int | None = None
        body: str

        class Settings:
            table_name = names["t2"]

    await conn.execute(
        f'CREATE TABLE "{names["t2"]}" (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, body int)'
    )
    diff = await diff_models(conn, [Note])
    alter = f'ALTER TABLE "{names["t2"]}" ALTER COLUMN "body"'
    assert diff.up == [f'{alter} TYPE TEXT USING "body"::TEXT', f"{alter} SET NOT NULL"]
    assert diff.down == [f"{alter} DROP NOT NULL", f'{alter} TYPE integer USING "body"::integer']


async def test_autogenerate_sees_nullability_changes(conn, names):
    t = names["t2"]

    class Person(Table):
        id: int | None = None
        nick: str | None = None
        email: str

        class Settings:
            table_name = t

    await conn.execute(
        f'CREATE TABLE "{t}" (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, nick text NOT NULL, email text)'
    )
    diff = await diff_models(conn, [Person])
    assert diff.up == [
        f'ALTER TABLE "{t}" ALTER COLUMN "nick" DROP NOT NULL',
        f'ALTER TABLE "{t}" ALTER COLUMN "email" SET NOT NULL',
    ]
    assert diff.down == [
        f'ALTER TABLE "{t}" ALTER COLUMN "email" DROP NOT NULL',
        f'ALTER TABLE "{t}" ALTER COLUMN "nick" SET NOT NULL',
    ]
    for statement in diff.up:
        await conn.execute(statement)
    assert await diff_models(conn, [Person]) == postgres.Diff()


async def test_autogenerate_sees_default_changes(conn, names):
    t = names["t2"]

    class Setting(Table):
        id: int | None = None
        level: int = 3
        label: str = "it's"
        ratio: float = 1.0
        flags: list[str] = []
        note: str | None = None

        class Settings:
            table_name = t

    create = Setting.create_table_sql()[0]
    assert '"level" BIGINT NOT NULL DEFAULT 3' in create
    assert "\"label\" TEXT NOT NULL DEFAULT 'it''s'" in create
    for statement in Setting.create_table_sql():
        await conn.execute(statement)
    # What create_table made is what the model says: no changes, even though
    # the server spells the defaults its own way ('1'::double precision).
    assert await diff_models(conn, [Setting]) == postgres.Diff()
    # Rows inserted by plain SQL get the model's defaults.
    await conn.execute(f'INSERT INTO "{t}" DEFAULT VALUES')
    row = await conn.fetchrow(f'SELECT level, label, ratio, flags, note FROM "{t}"')
    assert tuple(row) == (3, "it's", 1.0, [], None)

    class Setting2(Table):
        id: int | None = None
        level: int = 5
        label: str
        ratio: float = 1.0
        flags: list[str] = []
        note: str | None = "n/a"

        class Settings:
            table_name = t

    diff = await diff_models(conn, [Setting2])
    alter = f'ALTER TABLE "{t}" ALTER COLUMN'
    assert diff.up == [
        f'{alter} "level" SET DEFAULT 5',
        f'{alter} "label" DROP DEFAULT',
        f"{alter} \"note\" SET DEFAULT 'n/a'",
    ]
    assert diff.down == [
        f'{alter} "note" DROP DEFAULT',
        f"{alter} \"label\" SET DEFAULT 'it''s'::text",
        f'{alter} "level" SET DEFAULT 3',
    ]
    for statement in diff.up:
        await conn.execute(statement)
    assert await diff_models(conn, [Setting2]) == postgres.Diff()
    for statement in diff.down:
        await conn.execute(statement)
    assert await diff_models(conn, [Setting]) == postgres.Diff()


async def test_autogenerate_sees_foreign_key_changes(conn, names):
    parent, child = names["t1"], names["t2"]

    class Parent(Table):
        id: int | None = None

        class Settings:
            table_name = parent

    class Child(Table):
        id: int | None = None
        parent_id: int | None = None

        class Settings:
            table_name = child

    for model in (Parent, Child):
        for statement in model.create_table_sql():
            await conn.execute(statement)

    class Child2(Table):
        id: int | None = None
        parent_id: int | None = None

        class Settings:
            table_name = child
            foreign_keys = {"parent_id": ForeignKey(Parent, on_delete="cascade")}

    fk = f"fk_{child}_parent_id"
    diff = await diff_models(conn, [Parent, Child2])
    add = (
        f'ALTER TABLE "{child}" ADD CONSTRAINT "{fk}" FOREIGN KEY ("parent_id") '
        f'REFERENCES "{parent}" ("id") ON DELETE CASCADE'
    )
    assert diff.up == [add]
    assert diff.down == [f'ALTER TABLE "{child}" DROP CONSTRAINT "{fk}"']
    await conn.execute(add)
    assert await diff_models(conn, [Parent, Child2]) == postgres.Diff()

    # Another ON DELETE: the constraint is replaced; down restores the server's own definition.
    class Child3(Table):
        id: int | None = None
        parent_id: int | None = None

        class Settings:
            table_name = child
            foreign_keys = {"parent_id": ForeignKey(Parent, on_delete="set null")}

    diff = await diff_models(conn, [Parent, Child3])
    assert diff.up == [
        f'ALTER TABLE "{child}" DROP CONSTRAINT "{fk}"',
        add.replace("CASCADE", "SET NULL"),
    ]
    assert diff.down[-1].endswith(f"REFERENCES {parent}(id) ON DELETE CASCADE")
    for statement in diff.up:
        await conn.execute(statement)
    assert await diff_models(conn, [Parent, Child3]) == postgres.Diff()
    for statement in diff.down:
        await conn.execute(statement)
    assert await diff_models(conn, [Parent, Child2]) == postgres.Diff()

    # Removing the declaration drops the constraint (before any column change).
    diff = await diff_models(conn, [Parent, Child])
    assert diff.up == [f'ALTER TABLE "{child}" DROP CONSTRAINT "{fk}"']
    assert diff.down == [
        f'ALTER TABLE "{child}" ADD CONSTRAINT "{fk}" FOREIGN KEY (parent_id) REFERENCES {parent}(id) ON DELETE CASCADE'
    ]

    # Dropping the column and its constraint: the constraint goes first, comes back last.
    class Child4(Table):
        id: int | None = None

        class Settings:
            table_name = child

    diff = await diff_models(conn, [Parent, Child4])
    assert diff.up == [
        f'ALTER TABLE "{child}" DROP CONSTRAINT "{fk}"',
        f'ALTER TABLE "{child}" DROP COLUMN "parent_id"',
    ]
    assert diff.down == [
        f'ALTER TABLE "{child}" ADD COLUMN "parent_id" bigint',
        f'ALTER TABLE "{child}" ADD CONSTRAINT "{fk}" FOREIGN KEY (parent_id) REFERENCES {parent}(id) ON DELETE CASCADE',
    ]
    assert diff.notes == [f"reverting drops no data back: column {child}.parent_id returns empty"]
    for statement in diff.up + diff.down:
        await conn.execute(statement)
    assert await diff_models(conn, [Parent, Child2]) == postgres.Diff()


async def test_autogenerate_and_joins_follow_composite_foreign_keys(conn, names):
    product, line = names["t1"], names["t2"]

    class Product(Table):
        shop: str
        sku: str
        title: str = ""

        class Settings:
            table_name = product
            primary_key = ("shop", "sku")

    class Line(Table):
        id: int | None = None
        shop: str
        sku: str
        qty: int = 1

        class Settings:
            table_name = line

    class LineWithKey(Line):
        class Settings:
            table_name = line
            foreign_keys = {("shop", "sku"): ForeignKey(Product, on_delete="cascade")}

    for model in (Product, Line):
        for statement in model.create_table_sql():
            await conn.execute(statement)
    fk = f"fk_{line}_shop_sku"
    add = (
        f'ALTER TABLE "{line}" ADD CONSTRAINT "{fk}" FOREIGN KEY ("shop", "sku") '
        f'REFERENCES "{product}" ("shop", "sku") ON DELETE CASCADE'
    )
    diff = await diff_models(conn, [Product, LineWithKey])
    assert diff.up == [add]
    assert diff.down == [f'ALTER TABLE "{line}" DROP CONSTRAINT "{fk}"']
    await conn.execute(add)
    assert await diff_models(conn, [Product, LineWithKey]) == postgres.Diff()
    # The constraint works on both columns together.
    await conn.execute(f"INSERT INTO \"{product}\" VALUES ('a', 'x', 'pen')")
    await conn.execute(f"INSERT INTO \"{line}\" (shop, sku) VALUES ('a', 'x')")
    with pytest.raises(postgres.ForeignKeyViolationError):
        await conn.execute(f"INSERT INTO \"{line}\" (shop, sku) VALUES ('b', 'x')")

    # Naming the target's columns in another order is another constraint: replaced.
    class LineSwapped(Line):
        class Settings:
            table_name = line
            foreign_keys = {("sku", "shop"): ForeignKey(Product, column=("sku", "shop"), on_delete="cascade")}

    diff = await diff_models(conn, [Product, LineSwapped])
    swapped = f"fk_{line}_sku_shop"
    assert diff.up == [
        f'ALTER TABLE "{line}" DROP CONSTRAINT "{fk}"',
        f'ALTER TABLE "{line}" ADD CONSTRAINT "{swapped}" FOREIGN KEY ("sku", "shop") '
        f'REFERENCES "{product}" ("sku", "shop") ON DELETE CASCADE',
    ]
    assert diff.down == [
        f'ALTER TABLE "{line}" DROP CONSTRAINT "{swapped}"',
        f'ALTER TABLE "{line}" ADD CONSTRAINT "{fk}" FOREIGN KEY (shop, sku) '
        f"REFERENCES {product}(shop, sku) ON DELETE CASCADE",
    ]
    for statement in diff.up:
        await conn.execute(statement)
    assert await diff_models(conn, [Product, LineSwapped]) == postgres.Diff()
    for statement in diff.down:
        await conn.execute(statement)

    # Removing the declaration drops it.
    diff = await diff_models(conn, [Product, Line])
    assert diff.up == [f'ALTER TABLE "{line}" DROP CONSTRAINT "{fk}"']

    # create_table() writes the composite constraint; join() follows it on both columns.
    assert (
        f'CONSTRAINT "{fk}" FOREIGN KEY ("shop", "sku") REFERENCES "{product}" ("shop", "sku")'
        in (LineWithKey.create_table_sql()[0])
    )
    sql, _ = LineWithKey.find_all().join(Product).sql()
    assert f'"{line}"."shop" = "{product}"."shop" AND "{line}"."sku" = "{product}"."sku"' in sql

    class Wrong(Table):
        id: int | None = None
        shop: str
        sku: str

        class Settings:
            table_name = line
            foreign_keys = {("shop", "sku"): ForeignKey(Product, column="shop")}

    from ouroboros.core import InvalidArgumentError

    with pytest.raises(InvalidArgumentError, match=r"2 column\(s\) cannot reference Product's 1 \('shop',\)"):
        Wrong.create_table_sql()
