"""Relations between Documents: ``Link[T]``, ``BackLink[T]`` and their rules.

A ``Link[T]`` field is stored as a DBRef document ``{"$ref": collection,
"$id": id}``, as Beanie stores it. Read back, it is a :class:`Link` until it is
fetched (``fetch_links=True``, ``fetch_all_links()``, ``fetch_link(field)`` or
``await link.fetch()``); then the field holds the linked document itself.
A ``BackLink[T]`` field is never stored: fetching fills it with the documents
of ``T`` whose ``original_field`` links here.

Fetching runs one ``{"_id": {"$in": [...]}}`` query per link field for a whole
batch of documents (and, for back links, one ``{field: {"$in": [refs]}}``
query), so the linked documents are decoded by their own compiled codecs and
the queries work on servers that cannot join on ``field.$id`` paths.
"""

from __future__ import annotations

import enum
import weakref
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar, Generic, TypeVar

from ouroboros.core import InvalidArgumentError
from ouroboros.mongodb import _mongodb
from ouroboros.mongodb._errors import DocumentWasNotSaved
from ouroboros.mongodb._expressions import FieldPath

__all__ = [
    "BackLink",
    "DBRef",
    "DeleteRules",
    "Link",
    "LinkField",
    "LinkFieldPath",
    "WriteRules",
    "fetch_links_of",
    "link_fields",
    "register_document",
]

T = TypeVar("T")

#: How deep ``fetch_links=True`` follows links of linked documents (Beanie's default).
DEFAULT_NESTING_DEPTH = 3

#: Weak, so a Document class made at run time is freed once unused.
_registry: weakref.WeakValueDictionary[str, type] = weakref.WeakValueDictionary()


def register_document(cls: type) -> None:
    """Remember a Document class by name, for ``Link["Name"]`` forward references."""
    _registry[cls.__name__] = cls
    _registry[f"{cls.__module__}.{cls.__qualname__}"] = cls


def _resolve(target: Any) -> type:
    if isinstance(target, type):
        return target
    name = getattr(target, "__forward_arg__", target)
    if isinstance(name, str):
        found = _registry.get(name)
        if found is not None:
            return found
    raise InvalidArgumentError(f"Link target {name!r} is not a Document class defined so far")


class WriteRules(enum.StrEnum):
    """``link_rule=`` of insert/save/replace: write linked documents too, or not."""

    DO_NOTHING = "DO_NOTHING"
    WRITE = "WRITE"


class DeleteRules(enum.StrEnum):
    """``link_rule=`` of delete: delete fetched linked documents too, or not."""

    DO_NOTHING = "DO_NOTHING"
    DELETE_LINKS = "DELETE_LINKS"


class DBRef(Mapping[str, Any]):
    """A reference to a document of another collection (``$ref``/``$id``).

    It is a mapping of those two keys, so it is stored and matched as the
    DBRef document MongoDB drivers write.
    """

    __slots__ = ("collection", "database", "id")

    def __init__(self, collection: str, id: Any, database: str | None = None) -> None:
        if not isinstance(collection, str) or not collection:
            raise InvalidArgumentError(f"DBRef collection must be a non-empty string, got {collection!r}")
        self.collection = collection
        self.id = id
        self.database = database

    def _doc(self) -> dict[str, Any]:
        doc = {"$ref": self.collection, "$id": self.id}
        if self.database is not None:
            doc["$db"] = self.database
        return doc

    def __getitem__(self, key: str) -> Any:
        return self._doc()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._doc())

    def __len__(self) -> int:
        return 2 if self.database is None else 3

    def __eq__(self, other: object) -> bool:
        if isinstance(other, DBRef):
            return (self.collection, self.id, self.database) == (other.collection, other.id, other.database)
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.collection, self.id, self.database))

    def __repr__(self) -> str:
        db = f", {self.database!r}" if self.database is not None else ""
        return f"DBRef({self.collection!r}, {self.id!r}{db})"

    def as_doc(self) -> dict[str, Any]:
        return self._doc()


def _as_dbref(value: Any) -> DBRef | None:
    """A DBRef from our DBRef, a stored ``{"$ref", "$id"}`` dict, or PyMongo's ``bson.DBRef``."""
    if isinstance(value, DBRef):
        return value
    if isinstance(value, Mapping) and "$ref" in value and "$id" in value:
        return DBRef(value["$ref"], value["$id"], value.get("$db"))
    if type(value).__name__ == "DBRef" and hasattr(value, "collection") and hasattr(value, "id"):
        return DBRef(value.collection, value.id, getattr(value, "database", None))
    return None


def _id_of(document_class: type, value: Any) -> Any:
    if isinstance(value, (str, bytes)) or type(value).__name__ == "ObjectId":
        return _mongodb.ObjectId(value)
    return value


class Link(Mapping[str, Any], Generic[T]):
    """A not yet fetched reference to a ``T`` document (``link.ref.id``).

    ``await link.fetch()`` reads the document. Stored as ``{"$ref", "$id"}``.
    """

    __slots__ = ("document_class", "ref")
    __ouroboros_link_target__: ClassVar[Any] = None

    def __init__(self, ref: Any, document_class: type[T]) -> None:
        dbref = _as_dbref(ref)
        if dbref is None:
            raise InvalidArgumentError(f"Link needs a DBRef, got {type(ref).__name__}")
        self.ref = dbref
        self.document_class = document_class

    def __class_getitem__(cls, item: Any) -> Any:
        return _parametrize(cls, item)

    # -- the stored form
    def __getitem__(self, key: str) -> Any:
        return self.ref[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.ref)

    def __len__(self) -> int:
        return len(self.ref)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Link):
            return self.ref == other.ref
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.ref)

    def __repr__(self) -> str:
        return f"Link(ref={self.ref!r}, document_class={getattr(self.document_class, '__name__', '?')})"

    def to_ref(self) -> DBRef:
        return self.ref

    def to_dict(self) -> dict[str, str]:
        """The JSON form Beanie gives a link: ``{"id": "...", "collection": "..."}``."""
        return {"id": str(self.ref.id), "collection": self.ref.collection}

    def __ouroboros_json__(self) -> dict[str, str]:
        return self.to_dict()

    async def fetch(self, fetch_links: bool = False) -> Any:
        """The linked document, or this link when the document is gone."""
        found = await self.document_class.get(self.ref.id, fetch_links=fetch_links)  # type: ignore[attr-defined]
        return self if found is None else found

    @classmethod
    async def fetch_list(cls, links: list[Any], fetch_links: bool = False) -> list[Any]:
        """Links (and documents) -> documents, in order, with one query."""
        document_class = None
        ids = []
        for link in links:
            if isinstance(link, Link):
                if document_class is not None and document_class is not link.document_class:
                    raise InvalidArgumentError("all the links must point to the same Document class")
                document_class = link.document_class
                ids.append(link.ref.id)
        if document_class is None:
            return list(links)
        found = await document_class.find({"_id": {"$in": ids}}, fetch_links=fetch_links).to_list()  # type: ignore[attr-defined]
        by_id = {doc.id: doc for doc in found}
        return [by_id.get(link.ref.id, link) if isinstance(link, Link) else link for link in links]


class BackLink(Generic[T]):
    """The other side of a ``Link``: documents of ``T`` whose ``original_field`` links here.

    Declare with ``Field(json_schema_extra={"original_field": "owner"})``; never stored.
    """

    __slots__ = ("document_class",)
    __ouroboros_link_target__: ClassVar[Any] = None

    def __init__(self, document_class: type[T]) -> None:
        self.document_class = document_class

    def __class_getitem__(cls, item: Any) -> Any:
        return _parametrize(cls, item)

    def __repr__(self) -> str:
        return f"BackLink(document_class={getattr(self.document_class, '__name__', '?')})"

    def to_dict(self) -> dict[str, str]:
        return {"collection": _resolve(self.document_class).get_collection_name()}  # type: ignore[attr-defined]

    def __ouroboros_json__(self) -> dict[str, str]:
        return self.to_dict()


_parametrized: dict[tuple[type, Any], type] = {}


def _parametrize(base: type, item: Any) -> type:
    """``Link[Author]``: a subclass that knows its target and validates field values."""
    key = (base, item)
    cached = _parametrized.get(key)
    if cached is not None:
        return cached
    name = getattr(item, "__name__", getattr(item, "__forward_arg__", item))
    sub = type(f"{base.__name__}[{name}]", (base,), {"__slots__": (), "__ouroboros_link_target__": item})
    validate = _link_validator(sub) if base is Link else _back_link_validator(sub)
    validate.__ouroboros_link__ = sub  # type: ignore[attr-defined]
    sub.__ouroboros_type_schema__ = {"type": "function", "mode": "plain", "func": validate}  # type: ignore[attr-defined]
    _parametrized[key] = sub
    return sub


def _link_validator(sub: type) -> Any:
    def validate(value: Any, _data: Any = None, _context: Any = None) -> Any:
        if isinstance(value, Link):
            return value
        target = _resolve(sub.__ouroboros_link_target__)
        if isinstance(value, target):
            return value
        dbref = _as_dbref(value)
        if dbref is not None:
            return sub(dbref, target)
        if isinstance(value, Mapping) and set(value) == {"id", "collection"}:
            return sub(DBRef(str(value["collection"]), _id_of(target, value["id"])), target)
        if isinstance(value, Mapping) and set(value) == {"$id"}:
            # A reference without "$ref" names the link's own collection.
            return sub(DBRef(target.get_collection_name(), value["$id"]), target)  # type: ignore[attr-defined]
        if isinstance(value, Mapping) or _is_model(value):
            return target.model_validate(value)  # type: ignore[attr-defined]
        return sub(DBRef(target.get_collection_name(), _id_of(target, value)), target)  # type: ignore[attr-defined]

    return validate


def _back_link_validator(sub: type) -> Any:
    def validate(value: Any, _data: Any = None, _context: Any = None) -> Any:
        if isinstance(value, BackLink):
            return value
        target = _resolve(sub.__ouroboros_link_target__)
        if isinstance(value, target):
            return value
        if isinstance(value, Mapping) or _is_model(value):
            return target.model_validate(value)  # type: ignore[attr-defined]
        return sub(target)

    return validate


def _is_model(value: Any) -> bool:
    return hasattr(type(value), "__ouroboros_fields__")


class LinkFieldPath(FieldPath):
    """``Post.author``: ``Post.author.id`` is the stored ``author.$id``."""

    __slots__ = ()

    def __getattr__(self, name: str) -> FieldPath:
        if name == "id":
            return FieldPath(f"{self}.$id")
        return super().__getattr__(name)


# ------------------------------------------------------------------ field table
class LinkField:
    """One link field of a Document class."""

    __slots__ = ("alias", "back", "is_list", "link_class", "name", "original_field")

    def __init__(self, name: str, alias: str, link_class: type, is_list: bool, original_field: str | None) -> None:
        self.name = name
        self.alias = alias
        self.link_class = link_class
        self.is_list = is_list
        self.back = issubclass(link_class, BackLink)
        self.original_field = original_field

    @property
    def document_class(self) -> Any:
        return _resolve(self.link_class.__ouroboros_link_target__)


def _link_of_schema(schema: Any) -> tuple[type, bool] | None:
    """(Link/BackLink subclass, is_list) when a field's type schema is a link."""
    if not isinstance(schema, dict):
        return None
    kind = schema.get("type")
    if kind == "function":
        sub = getattr(schema.get("func"), "__ouroboros_link__", None)
        return (sub, False) if sub is not None else None
    if kind == "nullable":
        return _link_of_schema(schema.get("schema"))
    if kind == "union":
        for choice in schema.get("choices", ()):
            found = _link_of_schema(choice)
            if found is not None:
                return found
        return None
    if kind in ("list", "tuple", "set"):
        found = _link_of_schema(schema.get("items") if kind != "tuple" else schema.get("variadic"))
        return (found[0], True) if found is not None else None
    return None


def _original_field(info: Any) -> str | None:
    extra = getattr(info, "json_schema_extra", None)
    if isinstance(extra, Mapping) and extra.get("original_field"):
        return str(extra["original_field"])
    found = getattr(info, "constraints", {}).get("original_field")
    return str(found) if found else None


def link_fields(cls: Any) -> dict[str, LinkField]:
    """Field name -> LinkField for the Link/BackLink fields of ``cls`` (computed once).

    BackLink fields are made optional and left out of what is stored.
    """
    cached = cls.__dict__.get("__ouroboros_link_fields__")
    if cached is not None:
        return cached
    description = cls.__ouroboros_schema__
    infos = cls.__ouroboros_fields__
    table: dict[str, LinkField] = {}
    for field in description.get("fields", ()):
        found = _link_of_schema(field.get("schema"))
        if found is None:
            continue
        name = field["name"]
        info = infos.get(name)
        link_class, is_list = found
        table[name] = LinkField(name, field.get("alias") or name, link_class, is_list, _original_field(info))
    changed = False
    for lf in table.values():
        if not lf.back:
            continue
        if lf.original_field is None:
            raise InvalidArgumentError(
                f"{cls.__name__}.{lf.name} is a BackLink: name the linking field with "
                'Field(json_schema_extra={"original_field": "<field of the other document>"})'
            )
        info = infos[lf.name]
        if not info.exclude:
            info.exclude = True
            changed = True
        if info.is_required():
            # As in Beanie: not fetched, a BackLink field holds placeholders.
            info.default_factory = _placeholder_factory(lf.link_class, lf.is_list)
            changed = True
    if changed:
        cls._ouroboros_build(raise_errors=True)
        type.__setattr__(cls, "__ouroboros_codec__", None)
    type.__setattr__(cls, "__ouroboros_link_fields__", table)
    return table


def _placeholder_factory(link_class: Any, is_list: bool) -> Any:
    def make() -> Any:
        one = link_class(_resolve(link_class.__ouroboros_link_target__))
        return [one] if is_list else one

    return make


# ------------------------------------------------------------------ writing
def ref_of(value: Any) -> Any:
    """What a link field stores: ``{"$ref", "$id"}`` for a Link or a saved document."""
    if value is None:
        return None
    if isinstance(value, Link):
        return value.ref.as_doc()
    if isinstance(value, (list, tuple)):
        return [ref_of(v) for v in value]
    if _is_model(value) and hasattr(type(value), "get_collection_name"):
        if value.id is None:
            raise DocumentWasNotSaved(
                f"cannot link to an unsaved {type(value).__name__}: insert it first or pass link_rule=WriteRules.WRITE"
            )
        return {"$ref": type(value).get_collection_name(), "$id": value.id}
    dbref = _as_dbref(value)
    return dbref.as_doc() if dbref is not None else value


def linked_documents(document: Any, *, include_back: bool) -> list[Any]:
    """The Document instances held in ``document``'s link fields (fetched or new)."""
    out = []
    for lf in link_fields(type(document)).values():
        if lf.back and not include_back:
            continue
        value = document.__dict__.get(lf.name)
        values = value if isinstance(value, list) else [value]
        out.extend(v for v in values if _is_model(v) and hasattr(type(v), "get_collection_name"))
    return out


# ------------------------------------------------------------------ fetching
async def fetch_links_of(docs: list[Any], depth: int | None = DEFAULT_NESTING_DEPTH, only: str | None = None) -> None:
    """Replace Links in ``docs`` by their documents and fill BackLinks, a field at a time.

    ``depth`` bounds how far links of fetched documents are followed
    (``None``: only the default depth; 0: these documents only).
    """
    if not docs:
        return
    depth = DEFAULT_NESTING_DEPTH if depth is None else depth
    by_class: dict[type, list[Any]] = {}
    for doc in docs:
        by_class.setdefault(type(doc), []).append(doc)
    for cls, group in by_class.items():
        for lf in link_fields(cls).values():
            if only is not None and lf.name != only:
                continue
            if lf.back:
                await _fetch_back(group, lf, depth)
            else:
                await _fetch_forward(group, lf, depth)


async def _fetch_forward(group: list[Any], lf: LinkField, depth: int) -> None:
    ids: list[Any] = []
    seen: set[Any] = set()
    for doc in group:
        value = doc.__dict__.get(lf.name)
        for v in value if isinstance(value, list) else [value]:
            if isinstance(v, Link) and v.ref.id not in seen:
                seen.add(v.ref.id)
                ids.append(v.ref.id)
    if not ids:
        return
    target = lf.document_class
    found = await target.find({"_id": {"$in": ids}}).to_list()
    if depth > 1:
        await fetch_links_of(found, depth - 1)
    by_id = {d.id: d for d in found}
    for doc in group:
        value = doc.__dict__.get(lf.name)
        if isinstance(value, list):
            doc.__dict__[lf.name] = [by_id.get(v.ref.id, v) if isinstance(v, Link) else v for v in value]
        elif isinstance(value, Link):
            doc.__dict__[lf.name] = by_id.get(value.ref.id, value)


async def _fetch_back(group: list[Any], lf: LinkField, depth: int) -> None:
    target = lf.document_class
    owners = [doc for doc in group if doc.id is not None]
    if not owners:
        return
    original = link_fields(target).get(lf.original_field or "")
    if original is None or original.back:
        raise InvalidArgumentError(
            f"BackLink {type(group[0]).__name__}.{lf.name}: {target.__name__}.{lf.original_field} is not a Link field"
        )
    collection = type(owners[0]).get_collection_name()
    refs = [{"$ref": collection, "$id": doc.id} for doc in owners]
    found = await target.find({original.alias: {"$in": refs}}).to_list()
    if depth > 1:
        # The links of the found documents that point back here are already known.
        await fetch_links_of(found, depth - 1)
    mine: dict[Any, list[Any]] = {doc.id: [] for doc in owners}
    for other in found:
        value = other.__dict__.get(original.name)
        for v in value if isinstance(value, list) else [value]:
            oid = v.ref.id if isinstance(v, Link) else getattr(v, "id", None)
            if oid in mine and (not mine[oid] or mine[oid][-1] is not other):
                mine[oid].append(other)
    for doc in owners:
        docs = mine[doc.id]
        doc.__dict__[lf.name] = docs if lf.is_list else (docs[0] if docs else None)
