"""A migration from model changes: the models' tables diffed against the live schema.

Compares each Table class with what the server reports (``pg_attribute``,
``pg_indexes``) and writes the statements that make the database match the
models (new tables, added/dropped/retyped columns, columns that became
nullable or NOT NULL, added/dropped indexes and unique constraints), with the
statements that undo them as the down section.
Only the tables of the models given are looked at.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ouroboros.postgres._ddl import ColumnSpec, default_literal, index_name
from ouroboros.postgres._expressions import quote_ident
from ouroboros.postgres._migrations import write_migration
from ouroboros.postgres._postgres import Connection

if TYPE_CHECKING:
    from ouroboros.postgres._table import Table

__all__ = ["Diff", "autogenerate", "diff_models"]

# Our DDL spelling -> format_type()'s, to tell a changed type from the same one.
_CANONICAL = {
    "BIGINT": "bigint",
    "INTEGER": "integer",
    "SMALLINT": "smallint",
    "TEXT": "text",
    "BOOLEAN": "boolean",
    "DOUBLE PRECISION": "double precision",
    "REAL": "real",
    "BYTEA": "bytea",
    "UUID": "uuid",
    "DATE": "date",
    "TIME": "time without time zone",
    "TIMESTAMP": "timestamp without time zone",
    "TIMESTAMPTZ": "timestamp with time zone",
    "INTERVAL": "interval",
    "JSONB": "jsonb",
    "JSON": "json",
    "NUMERIC": "numeric",
}


def canonical_type(sql: str) -> str:
    """``VARCHAR(50)`` -> ``character varying(50)``, ``TEXT[]`` -> ``text[]``."""
    text = sql.strip().upper()
    array = ""
    while text.endswith("[]"):
        text, array = text[:-2].strip(), array + "[]"
    if m := re.fullmatch(r"VARCHAR\s*\((\d+)\)", text):
        return f"character varying({m.group(1)}){array}"
    if m := re.fullmatch(r"NUMERIC\s*\((\d+)\s*,\s*(\d+)\)", text):
        return f"numeric({m.group(1)},{m.group(2)}){array}"
    return _CANONICAL.get(text, text.lower()) + array


@dataclass
class Diff:
    """The statements of a migration; empty when the models match the database."""

    up: list[str] = field(default_factory=list)
    down: list[str] = field(default_factory=list)
    #: What reverting cannot restore (written as comments in the migration's down section).
    notes: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.up)


def _literal(value: Any, spec: ColumnSpec) -> str | None:
    return default_literal(value, spec)


def _default_value(text: str | None) -> Any:
    """A column default as a comparable value: ``'abc'::text`` -> ``"abc"``,
    ``'0'::double precision`` and ``0.0`` -> ``0.0``, ``TRUE`` -> ``"true"``."""
    if text is None:
        return None
    t = text.strip()
    if t.startswith("'"):
        i, out = 1, []
        while i < len(t):
            if t[i] == "'":
                if t[i + 1 : i + 2] == "'":
                    out.append("'")
                    i += 2
                    continue
                break
            out.append(t[i])
            i += 1
        t = "".join(out)
    else:
        t = t.split("::", 1)[0].strip()
        if t.startswith("(") and t.endswith(")"):
            t = t[1:-1]
    try:
        return float(t)
    except ValueError:
        return t.lower() if t.lower() in ("true", "false") else t


Schema = dict[str, dict[str, str]]
_LiveForeignKey = tuple[tuple[str, ...], str, tuple[str, ...], str, str]


@dataclass
class _Live:
    """What the server reports about the models' tables."""

    columns: Schema
    not_null: dict[str, set[str]]
    indexes: Schema
    #: table -> column -> default expression (``pg_get_expr``)
    defaults: Schema
    #: table -> constraint name -> (columns, target table, target columns, ON DELETE code, definition)
    foreign_keys: dict[str, dict[str, _LiveForeignKey]]


# The names of a constraint's columns, in the constraint's order.
_KEY_NAMES = (
    "ARRAY(SELECT a.attname::text FROM unnest(con.{key}) WITH ORDINALITY AS k(num, i) "
    "JOIN pg_attribute a ON a.attrelid = con.{rel} AND a.attnum = k.num ORDER BY k.i)"
)


async def _live_schema(conn: Connection, tables: list[str]) -> _Live:
    """Column types, NOT NULL columns, defaults, indexes and foreign keys of ``tables``."""
    rows = await conn.fetch(
        "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, "
        "pg_get_expr(d.adbin, d.adrelid) "
        "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
        "WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relname = ANY($1) "
        "AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
        tables,
    )
    columns: Schema = {}
    not_null: dict[str, set[str]] = {}
    defaults: Schema = {}
    for table, column, type_, required, default in rows:
        columns.setdefault(table, {})[column] = type_
        if required:
            not_null.setdefault(table, set()).add(column)
        if default is not None:
            defaults.setdefault(table, {})[column] = default
    rows = await conn.fetch(
        "SELECT tablename, indexname, indexdef FROM pg_indexes "
        "WHERE schemaname = current_schema() AND tablename = ANY($1)",
        tables,
    )
    indexes: Schema = {}
    for table, name, definition in rows:
        indexes.setdefault(table, {})[name] = definition
    rows = await conn.fetch(
        "SELECT cl.relname, con.conname, "
        + _KEY_NAMES.format(key="conkey", rel="conrelid")
        + ", tcl.relname, "
        + _KEY_NAMES.format(key="confkey", rel="confrelid")
        + ", con.confdeltype::text, pg_get_constraintdef(con.oid) "
        "FROM pg_constraint con JOIN pg_class cl ON cl.oid = con.conrelid "
        "JOIN pg_namespace n ON n.oid = cl.relnamespace "
        "JOIN pg_class tcl ON tcl.oid = con.confrelid "
        "WHERE con.contype = 'f' AND n.nspname = current_schema() AND cl.relname = ANY($1)",
        tables,
    )
    foreign_keys: dict[str, dict[str, _LiveForeignKey]] = {}
    for table, name, key_columns, target, target_columns, on_delete, definition in rows:
        foreign_keys.setdefault(table, {})[name] = (
            tuple(key_columns),
            target,
            tuple(target_columns),
            on_delete,
            definition,
        )
    return _Live(columns, not_null, indexes, defaults, foreign_keys)


# ForeignKey(on_delete=...) -> pg_constraint.confdeltype
_ON_DELETE_CODE = {None: "a", "no action": "a", "restrict": "r", "cascade": "c", "set null": "n"}


def _index_columns(definition: str) -> str:
    """The ``(...)`` column list at the end of an index definition."""
    start = definition.rfind("(")
    return definition[start:] if start >= 0 else ""


async def diff_models(conn: Connection, models: Iterable[type[Table]]) -> Diff:
    """What would bring the database in line with ``models``."""
    models = list(models)
    live = await _live_schema(conn, [m.get_table_name() for m in models])
    live_columns, live_not_null, live_indexes = live.columns, live.not_null, live.indexes
    out = Diff()
    # Foreign keys are dropped before and added after every other change
    # (a dropped column takes its constraint along; a new one may point at a
    # table created by this same migration). (up, down) pairs.
    fk_drops: list[tuple[str, str]] = []
    fk_adds: list[tuple[str, str]] = []
    for model in models:
        table = model.get_table_name()
        qtable = quote_ident(table)
        s = model._ob_settings()
        if table not in live_columns:
            out.up.extend(model.create_table_sql(if_not_exists=False))
            out.down.insert(0, f"DROP TABLE {qtable}")
            continue
        live_cols = live_columns[table]
        live_defaults = live.defaults.get(table, {})
        fields = {c.name: c for c in s.columns}
        for name, spec in fields.items():
            if name not in live_cols:
                out.up.append(f"ALTER TABLE {qtable} ADD COLUMN {model._ob_column_sql(spec)}")
                out.down.insert(0, f"ALTER TABLE {qtable} DROP COLUMN {quote_ident(name)}")
            elif not spec.identity:
                col = quote_ident(name)
                alter = f"ALTER TABLE {qtable} ALTER COLUMN {col}"
                if canonical_type(spec.sql_type) != live_cols[name]:
                    out.up.append(f"{alter} TYPE {spec.sql_type} USING {col}::{spec.sql_type}")
                    out.down.insert(0, f"{alter} TYPE {live_cols[name]} USING {col}::{live_cols[name]}")
                wanted = _literal(model.model_fields[name].default, spec)
                current = live_defaults.get(name)
                if current is not None and current.startswith("nextval("):
                    current = None  # a serial's sequence is not a default this module manages
                if _default_value(wanted) != _default_value(current):
                    restore = f"{alter} SET DEFAULT {current}" if current is not None else f"{alter} DROP DEFAULT"
                    out.up.append(f"{alter} SET DEFAULT {wanted}" if wanted is not None else f"{alter} DROP DEFAULT")
                    out.down.insert(0, restore)
                required = name in live_not_null.get(table, set())
                if name not in s.primary_keys and required == spec.nullable:
                    drop, set_ = f"{alter} DROP NOT NULL", f"{alter} SET NOT NULL"
                    out.up.append(drop if spec.nullable else set_)
                    out.down.insert(0, set_ if spec.nullable else drop)
        for name, type_ in live_cols.items():
            if name not in fields:
                out.up.append(f"ALTER TABLE {qtable} DROP COLUMN {quote_ident(name)}")
                # The column comes back with its type, default and NOT NULL (when
                # a default fills the existing rows), but not with its data.
                restored = f"{quote_ident(name)} {type_}"
                if name in live_defaults:
                    restored += f" DEFAULT {live_defaults[name]}"
                    if name in live_not_null.get(table, set()):
                        restored += " NOT NULL"
                out.down.insert(0, f"ALTER TABLE {qtable} ADD COLUMN {restored}")
                out.notes.append(f"reverting drops no data back: column {table}.{name} returns empty")
        wanted_fks = {index_name("fk", table, cols): cols for cols in s.foreign_keys}
        existing_fks = live.foreign_keys.get(table, {})
        declared_fks = model._ob_foreign_keys()
        for name, cols in wanted_fks.items():
            target, target_cols = declared_fks[cols]
            on_delete = s.foreign_keys[cols].on_delete
            shape = (cols, target.get_table_name(), target_cols, _ON_DELETE_CODE[on_delete and on_delete.lower()])
            add = f"ALTER TABLE {qtable} ADD CONSTRAINT {quote_ident(name)} {model._ob_foreign_key_sql(cols)}"
            drop = f"ALTER TABLE {qtable} DROP CONSTRAINT {quote_ident(name)}"
            if name not in existing_fks:
                fk_adds.append((add, drop))
            elif existing_fks[name][:4] != shape:
                fk_drops.append(
                    (drop, f"ALTER TABLE {qtable} ADD CONSTRAINT {quote_ident(name)} {existing_fks[name][4]}")
                )
                fk_adds.append((add, drop))
        # Only constraints named the way this module names them are ours to drop.
        for name, (*_, definition) in existing_fks.items():
            if name.startswith("fk_") and name not in wanted_fks:
                fk_drops.append(
                    (
                        f"ALTER TABLE {qtable} DROP CONSTRAINT {quote_ident(name)}",
                        f"ALTER TABLE {qtable} ADD CONSTRAINT {quote_ident(name)} {definition}",
                    )
                )
        existing = live_indexes.get(table, {})
        wanted_indexes = {(i.name or index_name("ix", table, i.columns)): i for i in s.indexes}
        wanted_unique = {index_name("uq", table, cols): cols for cols in s.unique}
        for name, index in wanted_indexes.items():
            if name not in existing:
                out.up.append(model._index_sql(index, if_not_exists=False))
                out.down.insert(0, f"DROP INDEX {quote_ident(name)}")
        for name, cols in wanted_unique.items():
            if name not in existing:
                columns = ", ".join(map(quote_ident, cols))
                out.up.append(f"ALTER TABLE {qtable} ADD CONSTRAINT {quote_ident(name)} UNIQUE ({columns})")
                out.down.insert(0, f"ALTER TABLE {qtable} DROP CONSTRAINT {quote_ident(name)}")
        # Only indexes named the way this module names them are ours to drop.
        for name, definition in existing.items():
            if name.startswith("ix_") and name not in wanted_indexes:
                out.up.append(f"DROP INDEX {quote_ident(name)}")
                out.down.insert(0, definition)
            elif name.startswith("uq_") and name not in wanted_unique:
                out.up.append(f"ALTER TABLE {qtable} DROP CONSTRAINT {quote_ident(name)}")
                out.down.insert(
                    0, f"ALTER TABLE {qtable} ADD CONSTRAINT {quote_ident(name)} UNIQUE {_index_columns(definition)}"
                )
    out.up = [up for up, _ in fk_drops] + out.up + [up for up, _ in fk_adds]
    out.down = [down for _, down in reversed(fk_adds)] + out.down + [down for _, down in reversed(fk_drops)]
    return out


async def autogenerate(
    conn: Connection, models: Iterable[type[Table]], directory: str | Path, name: str
) -> Path | None:
    """Write the next migration file for the models' changes; None when there are none."""
    diff = await diff_models(conn, models)
    if not diff:
        return None
    up = ";\n".join(diff.up) + ";"
    down = "".join(f"-- note: {n}\n" for n in diff.notes) + ";\n".join(diff.down) + ";"
    return write_migration(directory, name, up, down)
