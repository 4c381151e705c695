"""A migration from model changes: the models' tables diffed against the live schema.

Compares each Table class with what the server reports (``pg_attribute``,
``pg_indexes``) and writes the statements that make the database match the
models (new tables, added/dropped/retyped columns, columns that became
nullable or NOT NULL, added/dropped indexes and unique constraints), with the
statements that undo them as the down section.
Only the tables of the models given are looked at.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ouroboros.postgres._ddl import ColumnSpec, index_name
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

    def __bool__(self) -> bool:
        return bool(self.up)


def _literal(value: Any, spec: ColumnSpec) -> str | None:
    """A field's default as a SQL literal, so a NOT NULL column can be added to
    a table that has rows (scalars, JSON values, empty arrays; else None)."""
    if spec.json and isinstance(value, dict | list):
        return _literal(json.dumps(value), spec)
    if isinstance(value, list | set | frozenset | tuple) and spec.sql_type.endswith("[]") and not value:
        return "'{}'"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return None


Schema = dict[str, dict[str, str]]


async def _live_schema(conn: Connection, tables: list[str]) -> tuple[Schema, dict[str, set[str]], Schema]:
    """Column types, NOT NULL columns and indexes of ``tables``, by table."""
    rows = await conn.fetch(
        "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull "
        "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relname = ANY($1) "
        "AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
        tables,
    )
    columns: Schema = {}
    not_null: dict[str, set[str]] = {}
    for table, column, type_, required in rows:
        columns.setdefault(table, {})[column] = type_
        if required:
            not_null.setdefault(table, set()).add(column)
    rows = await conn.fetch(
        "SELECT tablename, indexname, indexdef FROM pg_indexes "
        "WHERE schemaname = current_schema() AND tablename = ANY($1)",
        tables,
    )
    indexes: Schema = {}
    for table, name, definition in rows:
        indexes.setdefault(table, {})[name] = definition
    return columns, not_null, indexes


def _index_columns(definition: str) -> str:
    """The ``(...)`` column list at the end of an index definition."""
    start = definition.rfind("(")
    return definition[start:] if start >= 0 else ""


async def diff_models(conn: Connection, models: Iterable[type[Table]]) -> Diff:
    """What would bring the database in line with ``models``."""
    models = list(models)
    live_columns, live_not_null, live_indexes = await _live_schema(conn, [m.get_table_name() for m in models])
    out = Diff()
    for model in models:
        table = model.get_table_name()
        qtable = quote_ident(table)
        s = model._ob_settings()
        if table not in live_columns:
            out.up.extend(model.create_table_sql(if_not_exists=False))
            out.down.insert(0, f"DROP TABLE {qtable}")
            continue
        live = live_columns[table]
        fields = {c.name: c for c in s.columns}
        for name, spec in fields.items():
            if name not in live:
                definition = spec.definition()
                default = model.model_fields[name].default
                literal = _literal(default, spec) if not spec.identity else None
                if literal is not None:
                    definition += f" DEFAULT {literal}"
                out.up.append(f"ALTER TABLE {qtable} ADD COLUMN {definition}")
                out.down.insert(0, f"ALTER TABLE {qtable} DROP COLUMN {quote_ident(name)}")
            elif not spec.identity:
                col = quote_ident(name)
                alter = f"ALTER TABLE {qtable} ALTER COLUMN {col}"
                if canonical_type(spec.sql_type) != live[name]:
                    out.up.append(f"{alter} TYPE {spec.sql_type} USING {col}::{spec.sql_type}")
                    out.down.insert(0, f"{alter} TYPE {live[name]} USING {col}::{live[name]}")
                required = name in live_not_null.get(table, set())
                if name != s.primary_key and required == spec.nullable:
                    drop, set_ = f"{alter} DROP NOT NULL", f"{alter} SET NOT NULL"
                    out.up.append(drop if spec.nullable else set_)
                    out.down.insert(0, set_ if spec.nullable else drop)
        for name, type_ in live.items():
            if name not in fields:
                out.up.append(f"ALTER TABLE {qtable} DROP COLUMN {quote_ident(name)}")
                out.down.insert(0, f"ALTER TABLE {qtable} ADD COLUMN {quote_ident(name)} {type_}")
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
    return out


async def autogenerate(
    conn: Connection, models: Iterable[type[Table]], directory: str | Path, name: str
) -> Path | None:
    """Write the next migration file for the models' changes; None when there are none."""
    diff = await diff_models(conn, models)
    if not diff:
        return None
    up = ";\n".join(diff.up) + ";"
    down = ";\n".join(diff.down) + ";"
    return write_migration(directory, name, up, down)
