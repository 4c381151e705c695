"""``fetch_links=True`` as one aggregation: ``$lookup`` stages, as Beanie sends them.

A find with ``fetch_links=True`` becomes one pipeline: a ``$lookup`` per link
field (``localField: "<field>.$id"``, ``foreignField: "_id"``; back links the
other way round), nested ``$lookup`` stages inside each one's ``pipeline`` up to
the nesting depth, and the filter as a ``$match``. Filters and sorts on fields
of linked documents (``Post.author.name == "x"``) are sent against the joined
documents, so they run on the server.

The joined documents arrive as ``_link_<field>`` arrays next to the stored
references; :func:`merge_joined` puts them in place (keeping the stored order
of list links, and the reference itself when the linked document is gone)
before the row is validated by the model's compiled schema.

Servers that cannot follow a path into a DBRef (SecantusDB: ``field.$id``
matches nothing) are detected once per connection by :func:`joins_dbrefs`;
there the links are fetched with one ``$in`` query per link field and batch
(see ``_links``), and filters on linked fields are first resolved to the
matching references with a query on the linked collection
(:func:`resolve_linked_filter`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ouroboros.core import InvalidArgumentError, OuroborosError
from ouroboros.mongodb._links import Link, LinkField, _fetch_forward, link_fields

__all__ = [
    "complete_links",
    "joins_dbrefs",
    "lookup_stages",
    "merge_joined",
    "resolve_linked_filter",
    "rewrite_filter",
    "rewrite_sort",
    "touches_links",
]

_LOGICAL = ("$and", "$or", "$nor")
_REF_KEYS = ("$id", "$ref", "$db")


def _joined(alias: str) -> str:
    return f"_link_{alias}"


# ------------------------------------------------------------------ capability
_PROBE = [
    {"$documents": [{"r": {"$ref": "probe", "$id": 1}}]},
    {"$match": {"r.$id": 1}},
]


async def joins_dbrefs(conn: Any) -> bool:
    """Whether the server follows ``field.$id`` paths into DBRefs (asked once per connection).

    ``conn.joins_dbrefs`` may be set to True/False to decide without asking.
    """
    known = getattr(conn, "joins_dbrefs", None)
    if known is not None:
        return bool(known)
    try:
        reply = await conn.command({"aggregate": 1, "pipeline": _PROBE, "cursor": {}})
        found = len(reply.get("cursor", {}).get("firstBatch", ())) == 1
    except OuroborosError:
        # No $documents (MongoDB < 5.1) or another refusal: the batched fetch works everywhere.
        found = False
    conn.joins_dbrefs = found
    return found


# ------------------------------------------------------------------ the pipeline
def _class_match(target: Any) -> list[dict[str, Any]]:
    class_filter = target._ob_class_filter(True)
    return [{"$match": class_filter}] if class_filter else []


def lookup_stages(cls: Any, depth: int) -> list[dict[str, Any]]:
    """The ``$lookup`` stages that join ``cls``'s links, ``depth`` levels deep."""
    if depth < 1:
        return []
    stages = []
    for lf in link_fields(cls).values():
        target = lf.document_class
        spec: dict[str, Any] = {"from": target.get_collection_name(), "as": _joined(lf.alias)}
        if lf.back:
            original = _original(cls, lf)
            spec["localField"] = "_id"
            spec["foreignField"] = f"{original.alias}.$id"
        else:
            spec["localField"] = f"{lf.alias}.$id"
            spec["foreignField"] = "_id"
        inner = [*_class_match(target), *lookup_stages(target, depth - 1)]
        if inner:
            spec["pipeline"] = inner
        stages.append({"$lookup": spec})
    return stages


def _original(cls: Any, lf: LinkField) -> LinkField:
    original = link_fields(lf.document_class).get(lf.original_field or "")
    if original is None or original.back:
        raise InvalidArgumentError(
            f"BackLink {cls.__name__}.{lf.name}: {lf.document_class.__name__}.{lf.original_field} is not a Link field"
        )
    return original


def _by_alias(cls: Any) -> dict[str, LinkField]:
    return {lf.alias: lf for lf in link_fields(cls).values()}


def _rewrite_key(cls: Any, key: str, depth: int) -> str | None:
    """``author.name`` -> ``_link_author.name`` (None when the key is not into a linked document)."""
    head, dot, rest = key.partition(".")
    if not dot or depth < 1:
        return None
    lf = _by_alias(cls).get(head)
    if lf is None or rest.split(".")[0] in _REF_KEYS:
        return None
    inner = _rewrite_key(lf.document_class, rest, depth - 1)
    return f"{_joined(head)}.{inner or rest}"


def rewrite_filter(cls: Any, flt: Any, depth: int) -> Any:
    """The filter with keys into linked documents pointed at the joined ``_link_*`` arrays."""
    if isinstance(flt, list):
        return [rewrite_filter(cls, part, depth) for part in flt]
    if not isinstance(flt, Mapping):
        return flt
    out: dict[str, Any] = {}
    for key, value in flt.items():
        key = str(key)
        if key in _LOGICAL:
            out[key] = rewrite_filter(cls, value, depth)
        else:
            out[_rewrite_key(cls, key, depth) or key] = value
    return out


def rewrite_sort(cls: Any, sort: Mapping[str, Any], depth: int) -> dict[str, Any]:
    return {_rewrite_key(cls, k, depth) or k: v for k, v in sort.items()}


def touches_links(cls: Any, flt: Any, depth: int = 1) -> bool:
    """Whether a filter (or sort) names a field of a linked document."""
    if isinstance(flt, list):
        return any(touches_links(cls, part, depth) for part in flt)
    if not isinstance(flt, Mapping):
        return False
    for key, value in flt.items():
        key = str(key)
        if key in _LOGICAL:
            if touches_links(cls, value, depth):
                return True
        elif _rewrite_key(cls, key, max(depth, 1)) is not None:
            return True
    return False


# ------------------------------------------------------------------ the rows
def _ref_id(value: Any) -> Any:
    if isinstance(value, Link):
        return value.ref.id
    if isinstance(value, Mapping):
        return value.get("$id")
    return getattr(value, "id", None)


def merge_joined(cls: Any, row: dict[str, Any], depth: int) -> dict[str, Any]:
    """Put the joined ``_link_*`` documents of a row in place of its references."""
    if depth < 1:
        return row
    for lf in link_fields(cls).values():
        joined = row.pop(_joined(lf.alias), None)
        if joined is None:
            continue
        target = lf.document_class
        docs = [merge_joined(target, doc, depth - 1) for doc in joined]
        if lf.back:
            row[lf.alias] = docs if lf.is_list else (docs[0] if docs else None)
            continue
        value = row.get(lf.alias)
        by_id = {doc.get("_id"): doc for doc in docs}
        if isinstance(value, list):
            row[lf.alias] = [by_id.get(_ref_id(v), v) for v in value]
        elif value is not None:
            row[lf.alias] = by_id.get(_ref_id(value), value)
    return row


def loaded_tree(docs: list[Any], depth: int) -> None:
    """Mark fetched linked documents as loaded (saved state), ``depth`` levels down."""
    if depth < 1 or not docs:
        return
    by_class: dict[type, list[Any]] = {}
    for doc in docs:
        for lf in link_fields(type(doc)).values():
            value = doc.__dict__.get(lf.name)
            for v in value if isinstance(value, list) else [value]:
                if hasattr(type(v), "_ob_loaded"):
                    by_class.setdefault(type(v), []).append(v)
    for klass, found in by_class.items():
        klass._ob_loaded(found)
        loaded_tree(found, depth - 1)


# ------------------------------------------------------------------ without joins
async def resolve_linked_filter(cls: Any, flt: Any, session: Any = None) -> Any:
    """A filter on linked fields as a filter on references, for servers that cannot join.

    ``{"author.name": "x"}`` becomes ``{"author": {"$in": [refs of authors named x]}}``
    (one query on the linked collection per condition); a back link's
    condition becomes ``{"_id": {"$in": [ids linked from the matches]}}``.
    """
    if isinstance(flt, list):
        return [await resolve_linked_filter(cls, part, session) for part in flt]
    if not isinstance(flt, Mapping):
        return flt
    parts: list[dict[str, Any]] = []
    plain: dict[str, Any] = {}
    for key, value in flt.items():
        key = str(key)
        if key in _LOGICAL:
            plain[key] = await resolve_linked_filter(cls, value, session)
            continue
        head, dot, rest = key.partition(".")
        lf = _by_alias(cls).get(head) if dot else None
        if lf is None or rest.split(".")[0] in _REF_KEYS:
            plain[key] = value
            continue
        parts.append(await _resolve_condition(cls, lf, rest, value, session))
    if plain:
        parts.insert(0, plain)
    if not parts:
        return {}
    return parts[0] if len(parts) == 1 else {"$and": parts}


async def _resolve_condition(cls: Any, lf: LinkField, rest: str, value: Any, session: Any) -> dict[str, Any]:
    target = lf.document_class
    inner = await resolve_linked_filter(target, {rest: value}, session)
    if lf.back:
        original = _original(cls, lf)
        found = await target.find(inner, session=session).project({original.alias: 1, "_id": 0}).to_list()
        ids = []
        for row in found:
            stored = row.get(original.alias)
            for ref in stored if isinstance(stored, list) else [stored]:
                oid = _ref_id(ref)
                if oid is not None:
                    ids.append(oid)
        return {"_id": {"$in": ids}}
    found = await target.find(inner, session=session).project({"_id": 1}).to_list()
    collection = target.get_collection_name()
    return {lf.alias: {"$in": [{"$ref": collection, "$id": row["_id"]} for row in found]}}


async def complete_links(docs: list[Any], depth: int) -> None:
    """Fetch the links a join left unresolved (gone documents, or paths the server cannot join)."""
    if depth < 1 or not docs:
        return
    by_class: dict[type, list[Any]] = {}
    for doc in docs:
        by_class.setdefault(type(doc), []).append(doc)
    children: list[Any] = []
    for klass, group in by_class.items():
        for lf in link_fields(klass).values():
            if lf.back:
                continue
            unresolved = []
            for doc in group:
                value = doc.__dict__.get(lf.name)
                values = value if isinstance(value, list) else [value]
                if any(isinstance(v, Link) for v in values):
                    unresolved.append(doc)
                children.extend(v for v in values if hasattr(type(v), "_ob_loaded"))
            if unresolved:
                await _fetch_forward(unresolved, lf, depth)
    await complete_links(children, depth - 1)
