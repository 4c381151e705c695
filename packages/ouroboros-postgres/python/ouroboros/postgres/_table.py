"""``Table``: an ouroboros.validation model stored in a PostgreSQL table.

Rows read from the server become validated instances in Rust, through the
model's compiled schema (``_postgres.ModelCodec``); instances are dumped for
writing by the same compiled serializer. Class attributes that name fields are
columns for the query builder (``User.age >= 18``).

```python
class User(Table):
    id: int | None = None
    email: str
    age: int = 0

    class Settings:
        table_name = "users"
        primary_key = "id"          # an `int | None` key is an identity column
        indexes = ["age"]
        unique = [("email",)]
```
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar, TypeVar

from ouroboros.core import InvalidArgumentError
from ouroboros.postgres import _database
from ouroboros.postgres._ddl import ColumnSpec, column_spec, default_literal, index_name
from ouroboros.postgres._errors import PostgresBaseError
from ouroboros.postgres._expressions import Column, Condition, Params, quote_ident
from ouroboros.postgres._postgres import ModelCodec
from ouroboros.postgres._query import Query, _count_of
from ouroboros.validation import BaseModel
from ouroboros.validation._model import ModelMetaclass

__all__ = ["Alias", "ForeignKey", "Index", "Table", "TableNotFound"]

T = TypeVar("T", bound="Table")

# PostgreSQL's limit on bound parameters per statement.
_MAX_PARAMS = 65535
# Rows per INSERT ... SELECT FROM unnest(...) statement (bounds the arguments held at once).
_UNNEST_BATCH = 10_000


class TableNotFound(PostgresBaseError, LookupError):
    """``refresh()`` found no row with the instance's primary key."""


class Index:
    """An index of ``Settings.indexes``: ``Index("name", "age", unique=True)``."""

    def __init__(self, *columns: str, unique: bool = False, name: str | None = None) -> None:
        if not columns:
            raise InvalidArgumentError("Index() needs at least one column")
        self.columns = tuple(columns)
        self.unique = unique
        self.name = name

    def __repr__(self) -> str:
        return f"Index({', '.join(map(repr, self.columns))}, unique={self.unique})"


class ForeignKey:
    """A reference of ``Settings.foreign_keys``: ``{"author_id": ForeignKey(User, on_delete="cascade")}``.

    A bare Table class means the same with the target's primary key. Several
    columns reference a composite key together: ``{("shop", "sku"): Product}``
    (or ``ForeignKey(Product, column=("shop", "sku"))`` to name the target's columns).
    """

    _ACTIONS: ClassVar[dict[str, str]] = {
        "cascade": "CASCADE",
        "restrict": "RESTRICT",
        "set null": "SET NULL",
        "no action": "NO ACTION",
    }

    def __init__(
        self, target: type[Table], column: str | tuple[str, ...] | None = None, *, on_delete: str | None = None
    ) -> None:
        if on_delete is not None and on_delete.lower() not in self._ACTIONS:
            raise InvalidArgumentError(f"on_delete must be one of {sorted(self._ACTIONS)}, got {on_delete!r}")
        self.target = target
        self.column = column
        self.on_delete = on_delete


class _Settings:
    """Resolved ``class Settings`` of a Table."""

    def __init__(self, cls: type[Table]) -> None:
        raw = getattr(cls, "Settings", None)
        fields = list(cls.model_fields)
        self.table_name: str = getattr(raw, "table_name", None) or getattr(raw, "name", None) or cls.__name__.lower()
        if not isinstance(self.table_name, str):
            raise InvalidArgumentError(f"{cls.__name__}.Settings.table_name must be a str")
        declared = getattr(raw, "primary_key", "id")
        keys = (declared,) if isinstance(declared, str) else tuple(declared)
        if not keys or len(set(keys)) != len(keys):
            raise InvalidArgumentError(
                f"{cls.__name__}.Settings.primary_key must name one field or several distinct ones, got {declared!r}"
            )
        for key in keys:
            if key not in fields:
                raise InvalidArgumentError(
                    f"{cls.__name__}.Settings.primary_key names {key!r}, which is not a field "
                    f"(fields: {', '.join(fields)})"
                )
        #: Every primary key column (several for a composite key).
        self.primary_keys: tuple[str, ...] = keys
        #: The first key column (the only one unless the key is composite).
        self.primary_key: str = keys[0]
        self.composite = len(keys) > 1
        overrides = dict(getattr(raw, "column_types", None) or {})
        for name in overrides:
            if name not in fields:
                raise InvalidArgumentError(f"{cls.__name__}.Settings.column_types names {name!r}, not a field")
        described = {f["name"]: f for f in cls.__ouroboros_schema__["fields"]}
        self.columns: list[ColumnSpec] = []
        for name in fields:
            schema = described[name]["schema"]
            pk_auto = not self.composite and name == self.primary_key and _is_optional_int(schema)
            pk_auto = pk_auto and name not in overrides
            self.columns.append(column_spec(name, schema, override=overrides.get(name), identity=pk_auto))
        self.names = frozenset(fields)
        self.auto_pk = any(c.identity for c in self.columns)

        def cols(spec: Any, what: str) -> tuple[str, ...]:
            items = (spec,) if isinstance(spec, str) else tuple(spec)
            for c in items:
                if c not in self.names:
                    raise InvalidArgumentError(f"{cls.__name__}.Settings.{what} names {c!r}, not a field")
            return items

        self.indexes: list[Index] = []
        for spec in getattr(raw, "indexes", None) or []:
            index = spec if isinstance(spec, Index) else Index(*cols(spec, "indexes"))
            cols(index.columns, "indexes")
            self.indexes.append(index)
        self.unique: list[tuple[str, ...]] = [cols(u, "unique") for u in getattr(raw, "unique", None) or []]
        #: Referencing columns (one, or several for a composite key) -> reference.
        self.foreign_keys: dict[tuple[str, ...], ForeignKey] = {}
        for name, ref in dict(getattr(raw, "foreign_keys", None) or {}).items():
            columns = cols(name, "foreign_keys")
            if not columns or len(set(columns)) != len(columns):
                raise InvalidArgumentError(
                    f"{cls.__name__}.Settings.foreign_keys: {name!r} must be a field or a tuple of distinct fields"
                )
            self.foreign_keys[columns] = ref if isinstance(ref, ForeignKey) else ForeignKey(ref)


def _is_optional_int(schema: dict[str, Any]) -> bool:
    return schema.get("type") == "nullable" and schema.get("schema", {}).get("type") == "int"


class TableMeta(ModelMetaclass):
    """Makes ``User.age`` a :class:`Column` (fields are not class attributes)."""

    def __getattr__(cls, name: str) -> Any:
        if not name.startswith("_"):
            fields = cls.__dict__.get("__ouroboros_fields__")
            if fields is None:
                for klass in cls.__mro__:
                    fields = klass.__dict__.get("__ouroboros_fields__")
                    if fields is not None:
                        break
            if fields and name in fields:
                return Column(cls, name)  # type: ignore[arg-type]
        raise AttributeError(f"type object {cls.__name__!r} has no attribute {name!r}")


class Table(BaseModel, metaclass=TableMeta):
    """A model stored in a table; ``class Settings`` configures it.

    Settings: ``table_name`` (default: the class name in lower case),
    ``primary_key`` (default ``"id"``), ``indexes`` (column names, tuples or
    :class:`Index`), ``unique`` (tuples of columns), ``foreign_keys``
    (``{"column": Table or ForeignKey(...)}``), ``column_types``
    (``{"field": "SQL TYPE"}`` where the derived type is not wanted).
    """

    # ------------------------------------------------------------ class set-up
    @classmethod
    def _ob_settings(cls) -> _Settings:
        settings = cls.__dict__.get("__ouroboros_table__")
        if settings is None:
            settings = _Settings(cls)
            type.__setattr__(cls, "__ouroboros_table__", settings)
        return settings

    @classmethod
    def _ob_codec(cls) -> ModelCodec:
        codec = cls.__dict__.get("__ouroboros_codec__")
        if codec is None:
            columns = [(c.name, c.schema, c.json) for c in cls._ob_settings().columns]
            codec = ModelCodec(cls, columns)
            type.__setattr__(cls, "__ouroboros_codec__", codec)
        return codec

    @classmethod
    def _ob_columns(cls) -> frozenset[str]:
        return cls._ob_settings().names

    @classmethod
    def _ob_check_column(cls, name: str) -> str:
        if not isinstance(name, str) or name not in cls._ob_settings().names:
            raise InvalidArgumentError(
                f"{name!r} is not a column of {cls.__name__} (columns: {', '.join(cls.model_fields)})"
            )
        return name

    @classmethod
    def _ob_primary_key(cls) -> str:
        return cls._ob_settings().primary_key

    @classmethod
    def _ob_select_list(cls) -> str:
        cached = cls.__dict__.get("__ouroboros_select__")
        if cached is None:
            table = quote_ident(cls.get_table_name())
            cached = ", ".join(f"{table}.{quote_ident(c.name)}" for c in cls._ob_settings().columns)
            type.__setattr__(cls, "__ouroboros_select__", cached)
        return cached

    @classmethod
    def _ob_primary_keys(cls) -> tuple[str, ...]:
        return cls._ob_settings().primary_keys

    @classmethod
    def _ob_foreign_keys(cls) -> dict[tuple[str, ...], tuple[type[Table], tuple[str, ...]]]:
        """Referencing columns -> (target table, the target's columns, in the same order)."""
        return {
            columns: (ref.target, _referenced_columns(cls, columns, ref))
            for columns, ref in cls._ob_settings().foreign_keys.items()
        }

    @classmethod
    def _ob_key_condition(cls, key: Any) -> Condition:
        """``pk == key`` (a tuple of values, in key order, for a composite key)."""
        keys = cls._ob_primary_keys()
        if len(keys) == 1:
            return Column(cls, keys[0]) == key
        if not isinstance(key, tuple | list) or len(key) != len(keys):
            raise InvalidArgumentError(
                f"{cls.__name__} has a composite primary key ({', '.join(keys)}): "
                f"give a tuple of {len(keys)} values, got {key!r}"
            )
        condition = Column(cls, keys[0]) == key[0]
        for name, value in zip(keys[1:], key[1:], strict=True):
            condition = condition & (Column(cls, name) == value)
        return condition

    @classmethod
    def alias(cls, name: str) -> Alias:
        """The table under another name in one query, for self-joins:
        ``Boss = Employee.alias("boss")`` then ``Employee.find().join(Boss)``."""
        return Alias(cls, name)

    @classmethod
    def _ob_conditions(cls, conditions: Iterable[Any], equals: Mapping[str, Any]) -> list[Condition]:
        out: list[Condition] = []
        for c in conditions:
            if not isinstance(c, Condition):
                raise InvalidArgumentError(f"expected a condition such as {cls.__name__}.x == 1, got {c!r}")
            out.append(c)
        for name, value in equals.items():
            out.append(Column(cls, cls._ob_check_column(name)) == value)
        return out

    @classmethod
    def get_table_name(cls) -> str:
        return cls._ob_settings().table_name

    @classmethod
    def column_specs(cls) -> list[ColumnSpec]:
        """How each field is stored (name, SQL type, nullability)."""
        return list(cls._ob_settings().columns)

    # ------------------------------------------------------------ DDL
    @classmethod
    def create_table_sql(cls, *, if_not_exists: bool = True) -> list[str]:
        """The statements ``create_table()`` runs: CREATE TABLE, then its indexes."""
        s = cls._ob_settings()
        table = cls.get_table_name()
        parts = [cls._ob_column_sql(c) for c in s.columns]
        parts.append(f"PRIMARY KEY ({', '.join(map(quote_ident, s.primary_keys))})")
        for cols in s.unique:
            name = index_name("uq", table, cols)
            parts.append(f"CONSTRAINT {quote_ident(name)} UNIQUE ({', '.join(map(quote_ident, cols))})")
        for columns in s.foreign_keys:
            parts.append(
                f"CONSTRAINT {quote_ident(index_name('fk', table, columns))} {cls._ob_foreign_key_sql(columns)}"
            )
        exists = "IF NOT EXISTS " if if_not_exists else ""
        body = ",\n    ".join(parts)
        statements = [f"CREATE TABLE {exists}{quote_ident(table)} (\n    {body}\n)"]
        statements += [cls._index_sql(i, if_not_exists=if_not_exists) for i in s.indexes]
        return statements

    @classmethod
    def _ob_column_sql(cls, spec: ColumnSpec) -> str:
        """A column's text in CREATE TABLE / ADD COLUMN, with the field's default as DEFAULT."""
        literal = default_literal(cls.model_fields[spec.name].default, spec)
        return spec.definition() + (f" DEFAULT {literal}" if literal is not None else "")

    @classmethod
    def _ob_foreign_key_sql(cls, columns: tuple[str, ...]) -> str:
        """``FOREIGN KEY (...) REFERENCES ...`` of a declared foreign key."""
        ref = cls._ob_settings().foreign_keys[columns]
        targets = _referenced_columns(cls, columns, ref)
        fk = (
            f"FOREIGN KEY ({', '.join(map(quote_ident, columns))}) "
            f"REFERENCES {quote_ident(ref.target.get_table_name())} ({', '.join(map(quote_ident, targets))})"
        )
        if ref.on_delete:
            fk += f" ON DELETE {ForeignKey._ACTIONS[ref.on_delete.lower()]}"
        return fk

    @classmethod
    def _index_sql(cls, index: Index, *, if_not_exists: bool = True) -> str:
        table = cls.get_table_name()
        name = index.name or index_name("ix", table, index.columns)
        return (
            f"CREATE {'UNIQUE ' if index.unique else ''}INDEX {'IF NOT EXISTS ' if if_not_exists else ''}"
            f"{quote_ident(name)} ON {quote_ident(table)} ({', '.join(map(quote_ident, index.columns))})"
        )

    @classmethod
    async def create_table(cls, *, if_not_exists: bool = True) -> None:
        """Create the table, its constraints and indexes (left alone when they exist)."""
        async with _database.transaction() as conn:
            for statement in cls.create_table_sql(if_not_exists=if_not_exists):
                await conn.execute(statement)

    @classmethod
    async def drop_table(cls, *, if_exists: bool = True, cascade: bool = False) -> None:
        sql = f"DROP TABLE {'IF EXISTS ' if if_exists else ''}{quote_ident(cls.get_table_name())}"
        await _database.executor().execute(sql + (" CASCADE" if cascade else ""))

    # ------------------------------------------------------------ reading
    @classmethod
    def find(cls: type[T], *conditions: Condition, **equals: Any) -> Query[T]:
        """Rows matching every condition (``User.age >= 18``, ``name="Ann"``), lazily."""
        return Query(cls, cls._ob_conditions(conditions, equals))

    @classmethod
    def find_all(cls: type[T]) -> Query[T]:
        return Query(cls, [])

    @classmethod
    async def find_one(cls: type[T], *conditions: Condition, **equals: Any) -> T | None:
        """The first row matching the conditions, or None."""
        return await cls.find(*conditions, **equals).first()

    @classmethod
    async def get(cls: type[T], key: Any) -> T | None:
        """The row whose primary key is ``key`` (a tuple for a composite key), or None."""
        keys = cls._ob_primary_keys()
        sql = cls.__dict__.get("__ouroboros_get_sql__")
        if sql is None:
            table = quote_ident(cls.get_table_name())
            where = " AND ".join(f"{table}.{quote_ident(k)} = ${i + 1}" for i, k in enumerate(keys))
            sql = f"SELECT {cls._ob_select_list()} FROM {table} WHERE {where}"
            type.__setattr__(cls, "__ouroboros_get_sql__", sql)
        if len(keys) > 1:
            cls._ob_key_condition(key)  # checks the tuple's shape
            args = tuple(key)
        else:
            args = (key,)
        return await _database.executor()._fetchrow_model(sql, args, cls._ob_codec())

    @classmethod
    async def count(cls, *conditions: Condition, **equals: Any) -> int:
        return await cls.find(*conditions, **equals).count()

    # ------------------------------------------------------------ writing
    def _ob_insert_sql(self, columns: Sequence[str], rows: int) -> str:
        cls = type(self)
        cache = cls.__dict__.get("__ouroboros_insert_sql__")
        if cache is None:
            cache = {}
            type.__setattr__(cls, "__ouroboros_insert_sql__", cache)
        key = (tuple(columns), rows)
        sql = cache.get(key)
        if sql is None:
            width = len(columns)
            groups = ", ".join(
                "(" + ", ".join(f"${r * width + i + 1}" for i in range(width)) + ")" for r in range(rows)
            )
            cols = ", ".join(map(quote_ident, columns))
            pk = quote_ident(cls._ob_primary_key())
            sql = f"INSERT INTO {quote_ident(cls.get_table_name())} ({cols}) VALUES {groups} RETURNING {pk}"
            if len(cache) < 64:
                cache[key] = sql
        return sql

    def _ob_row(self) -> tuple[list[str], list[Any]]:
        """The columns and values this instance writes (an unset identity key is left to the server)."""
        cls = type(self)
        s = cls._ob_settings()
        values = cls._ob_codec().values(self)
        columns = [c.name for c in s.columns]
        if s.auto_pk and getattr(self, s.primary_key) is None:
            i = columns.index(s.primary_key)
            del columns[i]
            del values[i]
        return columns, values

    def _ob_set_key(self, key: Any) -> None:
        cls = type(self)
        if cls._ob_settings().auto_pk and key is not None and getattr(self, cls._ob_primary_key()) != key:
            cls._ob_codec().assign(self, cls._ob_primary_key(), key)

    async def insert(self: T) -> T:
        """INSERT this instance; an identity primary key left None is filled in."""
        columns, values = self._ob_row()
        key = await _database.executor().fetchval(self._ob_insert_sql(columns, 1), *values)
        self._ob_set_key(key)
        return self

    @classmethod
    async def insert_many(cls: type[T], instances: Iterable[T]) -> list[T]:
        """INSERT many instances in as few statements as the parameter limit allows."""
        items = list(instances)
        if not items:
            return items
        s = cls._ob_settings()
        all_columns = [c.name for c in s.columns]
        # Instances with and without a key go in separate statements (different column lists).
        groups: dict[bool, list[T]] = {}
        pk = s.primary_key
        for item in items:
            if not isinstance(item, cls):
                raise TypeError(f"insert_many() takes {cls.__name__} instances, got {type(item).__name__}")
            groups.setdefault(s.auto_pk and item.__dict__[pk] is None, []).append(item)
        codec = cls._ob_codec()
        executor = _database.executor()
        # Without array columns, each column travels as one array parameter
        # (INSERT ... SELECT FROM unnest(...)): one short statement whatever the
        # row count, measured 3-4x faster than a VALUES list of 1,000 rows.
        # unnest would flatten array columns, so those tables use VALUES lists.
        by_column = not any(c.sql_type.endswith("]") for c in s.columns)
        width = len(all_columns)
        for omit, group in groups.items():
            columns = [c for c in all_columns if not (omit and c == s.primary_key)]
            per_batch = _UNNEST_BATCH if by_column else max(1, _MAX_PARAMS // len(columns))
            for start in range(0, len(group), per_batch):
                batch = group[start : start + per_batch]
                if by_column:
                    args = codec.column_arrays(batch, pk if omit else None)
                    sql = cls._ob_unnest_sql(columns)
                else:
                    args = codec.values_many(batch)
                    if omit:
                        i = all_columns.index(s.primary_key)
                        args = [v for n, v in enumerate(args) if n % width != i]
                    sql = batch[0]._ob_insert_sql(columns, len(batch))
                if omit:
                    # The generated keys come back as one array (in the order
                    # the rows were inserted, as RETURNING gives them), not
                    # as a row each.
                    keys = await executor.fetchval(cls._ob_keys_sql(sql), *args)
                    codec.assign_returned(batch, pk, keys)
                else:
                    await executor.execute(sql, *args)
        return items

    @classmethod
    def _ob_unnest_sql(cls, columns: list[str]) -> str:
        types = {c.name: c.sql_type for c in cls._ob_settings().columns}
        arrays = ", ".join(f"${i + 1}::{types[c]}[]" for i, c in enumerate(columns))
        return (
            f"INSERT INTO {quote_ident(cls.get_table_name())} ({', '.join(map(quote_ident, columns))}) "
            f"SELECT * FROM unnest({arrays}) RETURNING {quote_ident(cls._ob_primary_key())}"
        )

    @classmethod
    def _ob_keys_sql(cls, insert: str) -> str:
        """``insert`` (an INSERT ... RETURNING the key) giving its keys as one array."""
        key = quote_ident(cls._ob_primary_key())
        return f"WITH inserted AS ({insert}) SELECT array_agg({key}) FROM inserted"

    async def save(self: T) -> T:
        """INSERT, or UPDATE every column of the row with this primary key (an upsert)."""
        cls = type(self)
        s = cls._ob_settings()
        if s.auto_pk and getattr(self, s.primary_key) is None:
            return await self.insert()
        keys = s.primary_keys
        columns, values = self._ob_row()
        updates = ", ".join(f"{quote_ident(c)} = EXCLUDED.{quote_ident(c)}" for c in columns if c not in keys)
        sql = self._ob_insert_sql(columns, 1)
        returning = sql.rindex(" RETURNING ")
        target = ", ".join(map(quote_ident, keys))
        conflict = f" ON CONFLICT ({target}) " + (f"DO UPDATE SET {updates}" if updates else "DO NOTHING")
        sql = sql[:returning] + conflict + sql[returning:]
        await _database.executor().fetchval(sql, *values)
        return self

    async def update(self: T, values: Mapping[str, Any] | None = None, /, **kwargs: Any) -> T:
        """Validate and set some fields, then UPDATE only those columns of this row."""
        cls = type(self)
        changes = {**(values or {}), **kwargs}
        codec = cls._ob_codec()
        for name, value in changes.items():
            cls._ob_check_column(name)
            codec.assign(self, name, value)
        if changes:
            await cls.find(cls._ob_key_condition(self._ob_key())).update(
                {name: getattr(self, name) for name in changes}
            )
        return self

    def _ob_key(self) -> Any:
        """The primary key value (a tuple for a composite key)."""
        keys = type(self)._ob_primary_keys()
        values = tuple(getattr(self, k) for k in keys)
        if any(v is None for v in values):
            raise InvalidArgumentError(f"this {type(self).__name__} has no primary key value: insert() it first")
        return values[0] if len(values) == 1 else values

    async def delete(self) -> bool:
        """DELETE this row; True if it existed."""
        cls = type(self)
        params = Params()
        condition = cls._ob_key_condition(self._ob_key())
        sql = f"DELETE FROM {quote_ident(cls.get_table_name())} WHERE {condition.sql(params)}"
        return _count_of(await _database.executor().execute(sql, *params.values)) > 0

    async def refresh(self: T) -> T:
        """Reload every field from the row (``TableNotFound`` if it is gone)."""
        cls = type(self)
        fresh = await cls.get(self._ob_key())
        if fresh is None:
            keys = ", ".join(cls._ob_primary_keys())
            raise TableNotFound(f"{cls.__name__} with ({keys})={self._ob_key()!r} no longer exists")
        codec = cls._ob_codec()
        for name in cls.model_fields:
            codec.assign(self, name, getattr(fresh, name))
        return self


def _referenced_columns(model: type[Table], columns: tuple[str, ...], ref: ForeignKey) -> tuple[str, ...]:
    """The columns a foreign key points at: the ones given, or the target's primary key."""
    key = columns[0] if len(columns) == 1 else columns
    if ref.column is not None:
        targets = (ref.column,) if isinstance(ref.column, str) else tuple(ref.column)
        for target in targets:
            ref.target._ob_check_column(target)
    else:
        targets = ref.target._ob_primary_keys()
    if len(targets) != len(columns):
        where = f"{model.__name__}.Settings.foreign_keys[{key!r}]"
        if ref.column is None and len(columns) == 1:
            raise InvalidArgumentError(
                f"{where}: {ref.target.__name__} has a composite primary key; "
                f"name the referenced column: ForeignKey({ref.target.__name__}, column=...)"
            )
        raise InvalidArgumentError(
            f"{where}: {len(columns)} column(s) cannot reference {ref.target.__name__}'s {len(targets)} {targets!r}"
        )
    return targets


class Alias:
    """A table under another name within one query (``Employee.alias("boss")``).

    Its columns are read like the model's (``Boss.name``) and render as
    ``"boss"."name"``; its rows become instances of the model. Used for
    self-joins: ``Employee.find().left_join(Boss)`` joins each employee to the
    row its foreign key to ``Employee`` points at.
    """

    __slots__ = ("__name__", "_ob_alias", "_ob_model")

    def __init__(self, model: type[Table], name: str) -> None:
        if not isinstance(name, str) or not name:
            raise InvalidArgumentError(f"alias() takes a non-empty name, got {name!r}")
        if name == model.get_table_name():
            raise InvalidArgumentError(f"alias {name!r} is the table's own name")
        self._ob_model = model
        self._ob_alias = name
        self.__name__ = name

    def get_table_name(self) -> str:
        return self._ob_alias

    def _ob_from(self) -> str:
        return f"{quote_ident(self._ob_model.get_table_name())} AS {quote_ident(self._ob_alias)}"

    def _ob_columns(self) -> frozenset[str]:
        return self._ob_model._ob_columns()

    def _ob_codec(self) -> ModelCodec:
        return self._ob_model._ob_codec()

    def _ob_check_column(self, name: str) -> str:
        return self._ob_model._ob_check_column(name)

    def _ob_foreign_keys(self) -> dict[str, tuple[type[Table], str]]:
        return self._ob_model._ob_foreign_keys()

    def _ob_select_list(self) -> str:
        table = quote_ident(self._ob_alias)
        return ", ".join(f"{table}.{quote_ident(c.name)}" for c in self._ob_model._ob_settings().columns)

    def __getattr__(self, name: str) -> Any:
        if not name.startswith("_") and name in self._ob_model._ob_columns():
            return Column(self, name)  # type: ignore[arg-type]
        raise AttributeError(f"alias {self._ob_alias!r} of {self._ob_model.__name__} has no column {name!r}")

    def __repr__(self) -> str:
        return f"{self._ob_model.__name__}.alias({self._ob_alias!r})"
