"""``QueryBuilder`` (Beanie's ``FindMany``): chainable find, read lazily.

Filters, sort and projection are plain data until the query runs; then the
whole query goes to Rust in one call. ``to_list`` reads every document on
the runtime and decodes them at once; ``async for`` reads one bounded batch at
a time from a server-side cursor.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Generator, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ouroboros.core import InvalidArgumentError
from ouroboros.mongodb._expressions import FieldPath, and_
from ouroboros.mongodb._session import native_session

if TYPE_CHECKING:
    from ouroboros.mongodb._document import Document

__all__ = ["DEFAULT_BATCH_SIZE", "FindMany", "FindOne", "QueryBuilder", "build_filter", "sort_spec"]

T = TypeVar("T")
#: Documents per server batch and per ``next_batch`` call when iterating.
DEFAULT_BATCH_SIZE = 1000


def build_filter(args: tuple[Any, ...]) -> dict[str, Any]:
    """Combine positional filters (expressions or raw dicts) with ``$and``."""
    parts = []
    for arg in args:
        if arg is None:
            continue
        if isinstance(arg, bool):
            raise InvalidArgumentError(
                "a filter is a document or an expression; got a bool (did you compare a field "
                "of an instance instead of the class, e.g. user.age == 1 instead of User.age == 1?)"
            )
        if not isinstance(arg, Mapping):
            raise InvalidArgumentError(f"a filter is a document or an expression, got {type(arg).__name__}")
        if arg:
            parts.append(arg)
    if not parts:
        return {}
    return dict(and_(*parts)) if len(parts) > 1 else dict(parts[0])


def _direction(value: Any, field: str) -> Any:
    if isinstance(value, Mapping):
        return dict(value)  # {"$meta": "textScore"}
    if value in (1, -1) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, str) and value.lower() in ("asc", "ascending", "desc", "descending"):
        return 1 if value.lower().startswith("asc") else -1
    raise InvalidArgumentError(f"sort direction of {field!r} must be 1 or -1 (ASCENDING/DESCENDING), got {value!r}")


def sort_spec(*items: Any) -> dict[str, Any]:
    """``"-age"``, ``"name"``, ``-User.age``, ``("age", -1)``, lists of those, or a dict."""
    out: dict[str, Any] = {}
    for item in items:
        if item is None:
            continue
        if isinstance(item, str):
            for part in item.split(","):
                part = part.strip()
                if not part:
                    continue
                if part[0] in "+-":
                    out[part[1:]] = -1 if part[0] == "-" else 1
                else:
                    out[part] = 1
        elif isinstance(item, FieldPath):
            out[str(item)] = 1
        elif isinstance(item, tuple) and len(item) == 2:
            out[str(item[0])] = _direction(item[1], str(item[0]))
        elif isinstance(item, Mapping):
            for k, v in item.items():
                out[str(k)] = _direction(v, str(k))
        elif isinstance(item, list):
            out.update(sort_spec(*item))
        else:
            raise InvalidArgumentError(
                f"cannot sort by {item!r}: use 'field', '-field', ('field', -1) or a list of those"
            )
    return out


def _count(value: Any, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidArgumentError(f"{name} must be a non-negative int, got {value!r}")
    return value


def projection_of(model: Any) -> dict[str, Any]:
    """The projection that reads exactly ``model``'s fields."""
    settings = model.__dict__.get("Settings")
    explicit = getattr(settings, "projection", None)
    if explicit:
        return dict(explicit)
    out: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        out[info.alias or name] = 1
    if "_id" not in out:
        out["_id"] = 0
    return out


class FindMany(Generic[T]):
    """A find over one Document class; chain, then await / ``to_list`` / iterate."""

    def __init__(
        self,
        model: type[Document],
        filters: tuple[Any, ...] = (),
        *,
        projection_model: Any = None,
        skip: int | None = None,
        limit: int | None = None,
        sort: Any = None,
        session: Any = None,
        batch_size: int | None = None,
        fetch_links: bool = False,
        with_children: bool = False,
        nesting_depth: int | None = None,
        **_: Any,
    ) -> None:
        self.model = model
        class_filter = model._ob_class_filter(with_children)
        self._filter = build_filter((*filters, class_filter) if class_filter else filters)
        # A class with subclasses in its is_root hierarchy reads dicts and
        # builds each document as the class its "_class_id" names.
        self._poly = bool(with_children and class_filter and len(model._ob_children()) > 1)
        self._nesting_depth = _count(nesting_depth, "nesting_depth")
        self._sort: dict[str, Any] = sort_spec(sort) if sort is not None else {}
        self._skip = _count(skip, "skip")
        self._limit = _count(limit, "limit")
        self._projection: dict[str, Any] | None = None
        self._projection_model: Any = None
        self._batch_size = _count(batch_size, "batch_size")
        self.session = session
        self._session = native_session(session)
        self.fetch_links = fetch_links
        if projection_model is not None:
            self.project(projection_model)

    # -- chaining
    def find(self, *args: Any, **kwargs: Any) -> FindMany[T]:
        """Narrow the query with more filters."""
        self._filter = build_filter((self._filter, *args))
        return self

    def sort(self, *keys: Any) -> FindMany[T]:
        """Sort by ``"-age"``, ``[("a", 1), ("b", -1)]``, ``-User.age``..."""
        self._sort.update(sort_spec(*keys))
        return self

    def skip(self, n: int | None) -> FindMany[T]:
        self._skip = _count(n, "skip")
        return self

    def limit(self, n: int | None) -> FindMany[T]:
        self._limit = _count(n, "limit")
        return self

    def batch_size(self, n: int) -> FindMany[T]:
        """Documents per server batch when iterating (bounded client memory)."""
        if _count(n, "batch_size") == 0:
            raise InvalidArgumentError("batch_size must be at least 1")
        self._batch_size = n
        return self

    def project(self, projection: Any) -> FindMany[Any]:
        """Read only some fields: a model class (instances of it are returned) or a dict (dicts are returned)."""
        if isinstance(projection, Mapping):
            self._projection = {str(k): v for k, v in projection.items()}
            self._projection_model = dict
        elif isinstance(projection, type) and hasattr(projection, "model_fields"):
            self._projection = projection_of(projection)
            self._projection_model = projection
        else:
            raise InvalidArgumentError(f"project takes a model class or a projection dict, got {projection!r}")
        return self

    @property
    def filter(self) -> dict[str, Any]:
        """The filter document this query sends."""
        return self._filter

    def get_filter_query(self) -> dict[str, Any]:
        return self._filter

    def _codec(self) -> Any:
        if self._projection_model is dict or (self._poly and self._projection_model is None):
            return None
        if self._projection_model is not None:
            from ouroboros.mongodb._document import codec_of

            return codec_of(self._projection_model)
        return self.model._ob_codec()

    def _find_kwargs(self) -> dict[str, Any]:
        return {
            "sort": self._sort or None,
            "projection": self._projection,
            "skip": self._skip,
            "limit": self._limit,
            "codec": self._codec(),
            "session": self._session,
        }

    def _after_load(self, docs: list[Any]) -> list[Any]:
        if self._projection_model is None:
            if self._poly:
                docs = self._build_children(docs)
            self.model._ob_loaded(docs)
        return docs

    def _build_children(self, rows: list[Any]) -> list[Any]:
        children = self.model._ob_children()
        key = self.model._ob_settings().class_id
        model = self.model
        return [children.get(row.get(key), model)._ob_codec().validate(row) for row in rows]  # type: ignore[attr-defined]

    def _fetching(self) -> bool:
        return bool(self.fetch_links) and self._projection_model is None

    def _depth(self) -> int:
        depth = self._nesting_depth
        if depth is None:
            depth = self.model._ob_settings().max_nesting_depth
        return depth

    async def _loaded(self, docs: list[Any]) -> list[Any]:
        docs = self._after_load(docs)
        if self._fetching() and docs:
            from ouroboros.mongodb._links import fetch_links_of

            await fetch_links_of(docs, self._depth())
        return docs

    # -- fetch_links: one aggregation with $lookup, or batched queries
    async def _lookup_pipeline(self, limit: int | None = None) -> list[dict[str, Any]] | None:
        """The ``$lookup`` pipeline of a ``fetch_links`` find (None: use find plus batched fetches)."""
        if not self._fetching():
            return None
        from ouroboros.mongodb._connection import get_connection
        from ouroboros.mongodb._lookup import joins_dbrefs, lookup_stages, rewrite_filter, rewrite_sort, touches_links

        depth = max(self._depth(), 1)
        lookups = lookup_stages(self.model, depth)
        if not lookups or not await joins_dbrefs(get_connection()):
            return None
        linked = touches_links(self.model, self._filter, depth) or touches_links(self.model, self._sort, depth)
        head: list[dict[str, Any]] = []
        flt = rewrite_filter(self.model, self._filter, depth) if linked else self._filter
        if flt:
            head.append({"$match": flt})
        if self._sort:
            head.append({"$sort": rewrite_sort(self.model, self._sort, depth) if linked else self._sort})
        if self._skip:
            head.append({"$skip": self._skip})
        if limit is not None:
            head.append({"$limit": limit})
        # Join after narrowing, unless the filter or the sort reads the joined documents.
        return [*lookups, *head] if linked else [*head, *lookups]

    def _filters_links(self) -> bool:
        """Whether this fetch_links find filters on fields of linked documents."""
        if not self._fetching():
            return False
        from ouroboros.mongodb._lookup import touches_links

        return touches_links(self.model, self._filter, max(self._depth(), 1))

    async def _resolved_filter(self) -> dict[str, Any]:
        """The filter for a server without DBRef joins: linked-field conditions resolved to references."""
        if not self._fetching():
            return self._filter
        from ouroboros.mongodb._lookup import resolve_linked_filter, touches_links

        if self._sort and touches_links(self.model, self._sort):
            raise InvalidArgumentError(
                "sorting by a field of a linked document needs a server that joins on DBRef paths "
                "(field.$id); this one does not, so sort by the document's own fields"
            )
        if not touches_links(self.model, self._filter):
            return self._filter
        return await resolve_linked_filter(self.model, self._filter, self.session)

    async def _joined(self, rows: list[Any]) -> list[Any]:
        """Rows of a ``$lookup`` pipeline -> documents with their links in place."""
        from ouroboros.mongodb._lookup import complete_links, loaded_tree, merge_joined

        depth = max(self._depth(), 1)
        rows = [merge_joined(self.model, row, depth) for row in rows]
        if self._poly:
            docs = self._build_children(rows)
        else:
            codec = self.model._ob_codec()
            docs = [codec.validate(row) for row in rows]
        self.model._ob_loaded(docs)
        loaded_tree(docs, depth)
        await complete_links(docs, depth)
        return docs

    def _limit_for(self, length: int | None) -> int | None:
        if length is None:
            return self._limit
        length = _count(length, "length")
        return min(length, self._limit or length) if length else self._limit

    # -- running
    async def to_list(self, length: int | None = None) -> list[T]:
        """Every matching document (at most ``length``)."""
        limit = self._limit_for(length)
        coll = self.model.get_collection()
        pipeline = await self._lookup_pipeline(limit)
        if pipeline is not None:
            rows = await coll.aggregate_to_list(pipeline, codec=None, session=self._session)
            return await self._joined(rows)
        kwargs = self._find_kwargs()
        kwargs["limit"] = limit
        docs = await coll.find_to_list(await self._resolved_filter(), batch_size=self._batch_size, **kwargs)
        return await self._loaded(docs)

    def __await__(self) -> Generator[Any, None, list[T]]:
        return self.to_list().__await__()

    async def __aiter__(self) -> AsyncIterator[T]:
        size = self._batch_size or DEFAULT_BATCH_SIZE
        coll = self.model.get_collection()
        pipeline = await self._lookup_pipeline(self._limit)
        if pipeline is not None:
            cursor = coll.aggregate(pipeline, codec=None, batch_size=size, session=self._session)
            convert = self._joined
        else:
            cursor = coll.find(await self._resolved_filter(), batch_size=size, **self._find_kwargs())
            convert = self._loaded
        try:
            while True:
                batch = await cursor.next_batch(size)
                if not batch:
                    return
                for doc in await convert(batch):
                    yield doc
        finally:
            cursor.close()

    async def first_or_none(self) -> T | None:
        """The first match (in sort order) or None."""
        pipeline = await self._lookup_pipeline(1)
        if pipeline is not None:
            rows = await self.model.get_collection().aggregate_to_list(pipeline, codec=None, session=self._session)
            docs = await self._joined(rows)
            return docs[0] if docs else None
        kwargs = self._find_kwargs()
        kwargs.pop("limit")
        return await self._one(kwargs)

    first = first_or_none

    async def _one(self, kwargs: dict[str, Any]) -> Any:
        doc = await self.model.get_collection().find_one(await self._resolved_filter(), **kwargs)
        if doc is not None:
            (doc,) = await self._loaded([doc])
        return doc

    async def count(self) -> int:
        """How many documents match (skip and limit applied)."""
        coll = self.model.get_collection()
        pipeline = await self._lookup_pipeline(self._limit) if self._filters_links() else None
        if pipeline is not None:
            rows = await coll.aggregate_to_list([*pipeline, {"$count": "n"}], session=self._session)
            return int(rows[0]["n"]) if rows else 0
        return await coll.count_documents(
            await self._resolved_filter(), skip=self._skip, limit=self._limit, session=self._session
        )

    async def exists(self) -> bool:
        if self._filters_links():
            return await self.first_or_none() is not None
        return await self.model.get_collection().count_documents(self._filter, limit=1, session=self._session) > 0

    async def delete(self) -> int:
        """Delete every match; returns how many were deleted."""
        return await self.model.get_collection().delete_many(self._filter, session=self._session)

    delete_many = delete

    async def update(self, *updates: Mapping[str, Any], upsert: bool = False, **_: Any) -> dict[str, Any]:
        """Apply update documents (``{"$set": ...}``) to every match."""
        return await self.model.get_collection().update_many(
            self._filter, _merge_updates(updates), upsert=upsert, session=self._session
        )

    update_many = update

    async def set(self, values: Mapping[str, Any], **kwargs: Any) -> dict[str, Any]:
        return await self.update({"$set": dict(values)}, **kwargs)

    async def inc(self, values: Mapping[str, Any], **kwargs: Any) -> dict[str, Any]:
        return await self.update({"$inc": dict(values)}, **kwargs)

    async def distinct(self, key: Any) -> list[Any]:
        return await self.model.get_collection().distinct(str(key), self._filter, session=self._session)

    def aggregate(self, pipeline: list[Any] | None = None, projection_model: Any = None, **_: Any) -> Any:
        """An AggregationBuilder starting with this query's ``$match``/``$sort``/``$skip``/``$limit``."""
        from ouroboros.mongodb._aggregation import AggregationBuilder

        agg = AggregationBuilder(self.model, projection_model=projection_model, session=self.session)
        if self._filter:
            agg.match(self._filter)
        if self._sort:
            agg.sort(self._sort)
        if self._skip:
            agg.skip(self._skip)
        if self._limit:
            agg.limit(self._limit)
        for stage in pipeline or ():
            agg.stage(stage)
        return agg

    def __repr__(self) -> str:
        return f"FindMany({self.model.__name__}, filter={self._filter!r}, sort={self._sort!r})"


QueryBuilder = FindMany


class FindOne(Generic[T]):
    """``Document.find_one(...)``: awaitable, or updated/deleted in place."""

    def __init__(
        self, model: type[Document], filters: tuple[Any, ...], projection_model: Any = None, **kwargs: Any
    ) -> None:
        self._many: FindMany[T] = FindMany(model, filters, projection_model=projection_model, **kwargs)

    @property
    def filter(self) -> dict[str, Any]:
        return self._many.filter

    def __await__(self) -> Generator[Any, None, T | None]:
        return self._many.first_or_none().__await__()

    async def update(self, *updates: Mapping[str, Any], upsert: bool = False, **_: Any) -> dict[str, Any]:
        return await self._many.model.get_collection().update_one(
            self._many.filter, _merge_updates(updates), upsert=upsert, session=self._many._session
        )

    update_one = update

    async def set(self, values: Mapping[str, Any], **kwargs: Any) -> dict[str, Any]:
        return await self.update({"$set": dict(values)}, **kwargs)

    async def inc(self, values: Mapping[str, Any], **kwargs: Any) -> dict[str, Any]:
        return await self.update({"$inc": dict(values)}, **kwargs)

    async def delete(self) -> int:
        return await self._many.model.get_collection().delete_one(self._many.filter, session=self._many._session)

    delete_one = delete


def _merge_updates(updates: tuple[Any, ...]) -> Any:
    """One update document from several (their operators merged), or a pipeline (a list) as is."""
    if not updates:
        raise InvalidArgumentError("pass at least one update document, e.g. {'$set': {'age': 31}}")
    if len(updates) == 1 and isinstance(updates[0], list):
        return updates[0]
    merged: dict[str, Any] = {}
    for update in updates:
        if not isinstance(update, Mapping):
            raise InvalidArgumentError(
                f"an update is a document such as {{'$set': {{...}}}}, got {type(update).__name__}"
            )
        for op, fields in update.items():
            op = str(op)
            if op in merged and isinstance(merged[op], dict) and isinstance(fields, Mapping):
                merged[op].update({str(k): v for k, v in fields.items()})
            else:
                merged[op] = {str(k): v for k, v in fields.items()} if isinstance(fields, Mapping) else fields
    return merged
