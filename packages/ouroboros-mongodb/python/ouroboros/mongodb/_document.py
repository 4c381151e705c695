"""``Document``: an ouroboros.validation model stored in a MongoDB collection.

Documents read from the server become validated instances in Rust (the
model's compiled schema, see ``_mongodb.Codec``); instances are dumped for
writing by the same compiled serializer. Class attributes that name fields
are query expressions (``User.age >= 18``).
"""

import uuid
from collections.abc import Iterable, Mapping
from itertools import repeat
from typing import Annotated, Any, ClassVar, TypeVar

from ouroboros.core import InvalidArgumentError
from ouroboros.mongodb import _mongodb
from ouroboros.mongodb._connection import get_connection
from ouroboros.mongodb._errors import (
    BulkWriteError,
    DocumentNotFound,
    DocumentWasNotSaved,
    DuplicateKeyError,
    RevisionIdWasChanged,
    StateNotSaved,
)
from ouroboros.mongodb._expressions import FieldPath
from ouroboros.mongodb._hooks import After, Before, EventTypes, collect_hooks, run_hooks
from ouroboros.mongodb._indexes import IndexModel, index_model, indexed_fields
from ouroboros.mongodb._links import (
    DeleteRules,
    Link,
    LinkFieldPath,
    WriteRules,
    fetch_links_of,
    link_fields,
    linked_documents,
    ref_of,
    register_document,
)
from ouroboros.mongodb._query import FindMany, FindOne, _merge_updates, build_filter
from ouroboros.mongodb._session import native_session
from ouroboros.validation import BaseModel, ConfigDict, Field, field_serializer
from ouroboros.validation._model import ModelMetaclass

__all__ = ["Document", "PydanticObjectId", "codec_of"]

ObjectId = _mongodb.ObjectId
D = TypeVar("D", bound="Document")


def _coerce_object_id(value: Any, _data: Any = None, _context: Any = None) -> Any:
    return ObjectId(value)


class PydanticObjectId:
    """Annotation for ObjectId fields that also accepts 24-hex strings.

    Values are :class:`ObjectId` instances; ``PydanticObjectId("...")`` makes one.
    """

    __ouroboros_type_schema__: ClassVar[dict[str, Any]] = {
        "type": "union",
        "mode": "left_to_right",
        "choices": [
            {"type": "is_instance", "cls": ObjectId},
            {"type": "function", "mode": "plain", "func": _coerce_object_id},
        ],
    }

    def __new__(cls, oid: Any = None) -> Any:  # type: ignore[misc]
        return ObjectId(oid)


def _object_getattr_or_none(obj: Any, name: str) -> Any:
    try:
        return object.__getattribute__(obj, name)
    except AttributeError:
        return None


def codec_of(model: type) -> _mongodb.Codec:
    """The compiled codec of a model class (compiled once, kept on the class)."""
    codec = model.__dict__.get("__ouroboros_codec__")
    if codec is None:
        codec = _mongodb.Codec(model)
        type.__setattr__(model, "__ouroboros_codec__", codec)
    return codec


class _Settings:
    """Resolved ``class Settings`` of a Document."""

    def __init__(self, cls: type) -> None:
        raw = getattr(cls, "Settings", None)
        self.name: str = getattr(raw, "name", None) or cls.__name__
        self.indexes: list[Any] = list(getattr(raw, "indexes", None) or [])
        self.use_revision: bool = bool(getattr(raw, "use_revision", False))
        self.use_state_management: bool = bool(getattr(raw, "use_state_management", False))
        self.validate_on_save: bool = bool(getattr(raw, "validate_on_save", False))
        self.keep_nulls: bool = bool(getattr(raw, "keep_nulls", True))
        self.is_root: bool = bool(getattr(raw, "is_root", False))
        self.class_id: str = getattr(raw, "class_id", None) or "_class_id"
        self.max_nesting_depth: int = int(getattr(raw, "max_nesting_depth", None) or 3)
        # Inheritance: the topmost ancestor whose own Settings say is_root=True
        # names the collection; every class from it down stores "_class_id"
        # ("Vehicle", "Vehicle.Car", ... as Beanie writes it).
        self.root: type | None = None
        self.class_id_value: str | None = None
        for klass in reversed(cls.__mro__):
            own = klass.__dict__.get("Settings")
            if own is not None and getattr(own, "is_root", False):
                self.root = klass
                break
        if self.root is not None:
            root = self.root
            path = [k.__name__ for k in reversed(cls.__mro__) if isinstance(k, type) and issubclass(k, root)]
            own = cls.__dict__.get("Settings")
            self.class_id_value = getattr(own, "class_id_value", None) or ".".join(path)
            if root is not cls:
                self.name = root._ob_settings().name  # type: ignore[attr-defined]
        if not isinstance(self.name, str) or not self.name:
            raise InvalidArgumentError(f"{cls.__name__}.Settings.name must be a non-empty string")


class DocumentMeta(ModelMetaclass):
    """Makes ``User.age`` a :class:`FieldPath` (fields are not class attributes)."""

    def __getattr__(cls, name: str) -> Any:
        if not name.startswith("__"):
            fields = cls.__dict__.get("__ouroboros_fields__")
            if fields is None:
                for klass in cls.__mro__:
                    fields = klass.__dict__.get("__ouroboros_fields__")
                    if fields is not None:
                        break
            if fields and name in fields:
                info = fields[name]
                if "Link" in str(info.annotation) and _is_link_field(cls, name):
                    return LinkFieldPath(info.alias or name)
                return FieldPath(info.alias or name)
        raise AttributeError(f"type object {cls.__name__!r} has no attribute {name!r}")


class Document(BaseModel, metaclass=DocumentMeta):
    """A model stored in a collection; ``class Settings`` configures it.

    Settings: ``name`` (collection, default the class name), ``indexes``,
    ``use_state_management`` (``save_changes`` writes only changed fields),
    ``validate_on_save``, ``keep_nulls``.
    """

    model_config = ConfigDict(populate_by_name=True)

    # Annotated and evaluated (this module has no `from __future__ import
    # annotations`): ouroboros.validation's FieldInfo.merge reads a None default
    # as "not set", which would make `id` required.
    id: Annotated[PydanticObjectId | None, Field(alias="_id")] = None
    # Written only when Settings.use_revision is on (optimistic concurrency);
    # read back from the stored document either way.
    revision_id: Annotated[uuid.UUID | None, Field(exclude=True)] = None

    # `_saved_state` is a property over the private-attribute slot, not a
    # PrivateAttr: a model with private attributes runs a Python post-init hook
    # for every instance built, which would cost every document read from the
    # database more than building it does.
    @property
    def _saved_state(self) -> dict[str, Any] | None:
        private = _object_getattr_or_none(self, "__ouroboros_private__")
        return None if private is None else private.get("_saved_state")

    @_saved_state.setter
    def _saved_state(self, value: dict[str, Any] | None) -> None:
        private = _object_getattr_or_none(self, "__ouroboros_private__")
        if private is None:
            private = {}
            object.__setattr__(self, "__ouroboros_private__", private)
        private["_saved_state"] = value

    @field_serializer("id", when_used="json")
    def _id_as_str(self, value: Any) -> Any:
        return None if value is None else str(value)

    # ------------------------------------------------------------ class set-up
    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        register_document(cls)

    @classmethod
    def _ob_settings(cls) -> _Settings:
        settings = cls.__dict__.get("__ouroboros_settings__")
        if settings is None:
            settings = _Settings(cls)
            type.__setattr__(cls, "__ouroboros_settings__", settings)
        return settings

    @classmethod
    def _ob_codec(cls) -> _mongodb.Codec:
        return codec_of(cls)

    @classmethod
    def _ob_hooks(cls) -> dict[Any, list[str]]:
        hooks = cls.__dict__.get("__ouroboros_hook_table__")
        if hooks is None:
            hooks = collect_hooks(cls)
            type.__setattr__(cls, "__ouroboros_hook_table__", hooks)
        return hooks

    @classmethod
    async def _ob_init(cls, *, allow_index_dropping: bool = False) -> None:
        """Create the indexes declared in Settings and by ``Indexed`` fields (called by ``init``)."""
        link_fields(cls)
        models = [*indexed_fields(cls), *(index_model(spec) for spec in cls._ob_settings().indexes)]
        if allow_index_dropping:
            wanted = {m.name for m in models}
            for existing in await cls.list_indexes():
                if existing["name"] != "_id_" and existing["name"] not in wanted:
                    await cls.drop_index(existing["name"])
        for model in models:
            await cls.get_collection().create_index(model.keys, model.options)

    @classmethod
    def get_collection_name(cls) -> str:
        return cls._ob_settings().name

    @classmethod
    def get_settings(cls) -> _Settings:
        return cls._ob_settings()

    @classmethod
    def get_collection(cls) -> _mongodb.Collection:
        """The collection handle on the current connection."""
        conn = get_connection()
        cached = cls.__dict__.get("__ouroboros_collection__")
        if cached is not None and cached[0] is conn:
            return cached[1]
        coll = conn.collection(cls._ob_settings().name)
        type.__setattr__(cls, "__ouroboros_collection__", (conn, coll))
        return coll

    get_motor_collection = get_collection
    get_pymongo_collection = get_collection

    @classmethod
    def _ob_forward_links(cls) -> list[Any]:
        cached = cls.__dict__.get("__ouroboros_forward_links__")
        if cached is None:
            cached = [lf for lf in link_fields(cls).values() if not lf.back]
            type.__setattr__(cls, "__ouroboros_forward_links__", cached)
        return cached

    @classmethod
    def _ob_plain(cls) -> bool:
        """Whether instances are stored exactly as the codec dumps them (the fast path)."""
        cached = cls.__dict__.get("__ouroboros_plain__")
        if cached is None:
            settings = cls._ob_settings()
            cached = not (settings.use_revision or settings.root is not None or cls._ob_forward_links())
            type.__setattr__(cls, "__ouroboros_plain__", cached)
        return cached

    @classmethod
    def _ob_children(cls) -> dict[str, type]:
        """``_class_id`` value -> class, for this class and every subclass in its hierarchy."""
        out: dict[str, type] = {}
        todo: list[type] = [cls]
        while todo:
            klass = todo.pop()
            value = klass._ob_settings().class_id_value  # type: ignore[attr-defined]
            if value is not None:
                out[value] = klass
            todo.extend(klass.__subclasses__())
        return out

    @classmethod
    def _ob_class_filter(cls, with_children: bool) -> dict[str, Any] | None:
        """The ``_class_id`` condition of a class in an ``is_root`` hierarchy (else None)."""
        settings = cls._ob_settings()
        if settings.root is None:
            return None
        if with_children:
            return {settings.class_id: {"$in": list(cls._ob_children())}}
        return {settings.class_id: settings.class_id_value}

    @classmethod
    def _ob_loaded(cls, docs: Iterable[Any]) -> None:
        if cls._ob_settings().use_state_management:
            for doc in docs:
                if isinstance(doc, Document):
                    doc._save_state()

    # ------------------------------------------------------------ reading
    @classmethod
    def find(cls: type[D], *args: Any, projection_model: Any = None, **kwargs: Any) -> FindMany[D]:
        """Documents matching the filters (expressions or raw dicts), lazily."""
        return FindMany(cls, args, projection_model=projection_model, **kwargs)

    find_many = find

    @classmethod
    def find_all(cls: type[D], **kwargs: Any) -> FindMany[D]:
        return FindMany(cls, (), **kwargs)

    all = find_all

    @classmethod
    def find_one(cls: type[D], *args: Any, projection_model: Any = None, **kwargs: Any) -> FindOne[D]:
        """The first match or None (await it)."""
        return FindOne(cls, args, projection_model=projection_model, **kwargs)

    @classmethod
    async def get(
        cls: type[D],
        document_id: Any,
        *,
        fetch_links: bool = False,
        with_children: bool = False,
        nesting_depth: int | None = None,
        session: Any = None,
        **_: Any,
    ) -> D | None:
        """The document with this id (ObjectId or 24-hex string), or None."""
        return await cls.find_one(
            {"_id": _id_value(document_id)},
            fetch_links=fetch_links,
            with_children=with_children,
            nesting_depth=nesting_depth,
            session=session,
        )

    @classmethod
    async def count(cls, *args: Any, with_children: bool = False, session: Any = None, **_: Any) -> int:
        return await cls.find(*args, with_children=with_children, session=session).count()

    @classmethod
    def link_from_id(cls, id: Any) -> Link[Any]:
        """A Link to the document of this class with this id."""
        return Link[cls]({"$ref": cls.get_collection_name(), "$id": _id_value(id)}, cls)  # type: ignore[valid-type]

    @classmethod
    async def distinct(cls, key: Any, *args: Any, session: Any = None, **_: Any) -> list[Any]:
        return await cls.get_collection().distinct(str(key), build_filter(args), session=native_session(session))

    @classmethod
    def aggregate(
        cls,
        pipeline: list[Any] | None = None,
        projection_model: Any = None,
        session: Any = None,
        with_children: bool = False,
        **_: Any,
    ) -> Any:
        """An AggregationBuilder over this class's documents (its ``_class_id`` in a hierarchy)."""
        return cls.find_all(session=session, with_children=with_children).aggregate(
            pipeline, projection_model=projection_model
        )

    # ------------------------------------------------------------ class writes
    @classmethod
    async def insert_one(cls: type[D], document: D, *, session: Any = None, link_rule: Any = None, **_: Any) -> D:
        """Insert one document (runs its Insert hooks); returns it with its id."""
        if not isinstance(document, cls):
            raise InvalidArgumentError(f"insert_one takes a {cls.__name__} instance, got {type(document).__name__}")
        return await document.insert(session=session, link_rule=link_rule)

    @classmethod
    async def insert_many(
        cls: type[D], documents: Iterable[D], *, ordered: bool = True, session: Any = None, **_: Any
    ) -> "InsertManyResult":
        """Insert a batch in one round trip; every document gets its id (no event hooks, as in Beanie)."""
        docs = list(documents)
        validate = cls._ob_settings().validate_on_save
        plain = cls._ob_plain()
        # Instances written as they are: the native call checks their class
        # (the same error, before anything is encoded).
        native_check = plain and not validate
        if not native_check and not all(map(isinstance, docs, repeat(cls))):
            bad = next(d for d in docs if not isinstance(d, cls))
            raise InvalidArgumentError(f"insert_many takes {cls.__name__} instances, got {type(bad).__name__}")
        # As in Beanie, insert_many runs no event hooks; validate_on_save still applies.
        if validate:
            for doc in docs:
                doc._validate_on_save()
        payloads: list[Any] = docs
        if not plain:
            payloads = [doc._with_new_revision()[0] for doc in docs]
        try:
            # Instances written as they are get their ids set natively; dumped
            # payloads (revisions, links, hierarchies) get them below.
            ids = await cls.get_collection().insert_many(
                payloads,
                codec=cls._ob_codec(),
                ordered=ordered,
                session=native_session(session),
                id_attribute="id" if payloads is docs else None,
                model=cls if native_check else None,
            )
        except BulkWriteError as exc:
            # Give the documents that were written their ids.
            failed = {e["index"] for e in exc.details.get("writeErrors", [])}
            written = [d for i, d in enumerate(docs) if i not in failed]
            for doc, oid in zip(written, exc.inserted_ids, strict=False):
                doc.__dict__["id"] = oid
            raise
        if payloads is not docs:
            for doc, oid in zip(docs, ids, strict=True):
                doc.__dict__["id"] = oid
        cls._ob_loaded(docs)
        return InsertManyResult(ids)

    @classmethod
    async def update_one(
        cls, filter: Any, update: Mapping[str, Any], *, upsert: bool = False, session: Any = None, **_: Any
    ) -> dict[str, Any]:
        return await cls.get_collection().update_one(
            build_filter((filter,)), _merge_updates((update,)), upsert=upsert, session=native_session(session)
        )

    @classmethod
    async def update_many(
        cls, filter: Any, update: Mapping[str, Any], *, upsert: bool = False, session: Any = None, **_: Any
    ) -> dict[str, Any]:
        return await cls.get_collection().update_many(
            build_filter((filter,)), _merge_updates((update,)), upsert=upsert, session=native_session(session)
        )

    @classmethod
    async def delete_one(cls, *filters: Any, session: Any = None, **_: Any) -> int:
        return await cls.get_collection().delete_one(build_filter(filters), session=native_session(session))

    @classmethod
    async def delete_many(cls, *filters: Any, session: Any = None, **_: Any) -> int:
        return await cls.get_collection().delete_many(build_filter(filters), session=native_session(session))

    @classmethod
    async def delete_all(cls, *, session: Any = None, with_children: bool = False, **_: Any) -> int:
        """Delete every document of this class (of its subclasses too with ``with_children``)."""
        return await cls.find_all(session=session, with_children=with_children).delete()

    # ------------------------------------------------------------ indexes
    @classmethod
    async def create_index(cls, keys: Any, **options: Any) -> str:
        """Create an index: ``"email"``, ``[("a", 1), ("b", -1)]``, ``("bio", "text")``..."""
        model = IndexModel(keys, **options)
        return await cls.get_collection().create_index(model.keys, model.options)

    @classmethod
    async def list_indexes(cls) -> list[dict[str, Any]]:
        return await cls.get_collection().list_indexes()

    @classmethod
    async def drop_index(cls, name: str) -> None:
        await cls.get_collection().drop_index(name)

    # ------------------------------------------------------------ instance writes
    def _validate_on_save(self) -> None:
        if type(self)._ob_settings().validate_on_save:
            data = self.model_dump()
            type(self).model_validate(data)

    def _save_state(self) -> None:
        self._saved_state = self._ob_dump()

    def _ob_dump(self) -> dict[str, Any]:
        """The stored form: the codec's dump, links as DBRefs, ``_class_id`` first in a hierarchy."""
        cls = type(self)
        data = cls._ob_codec().dump(self)
        for lf in cls._ob_forward_links():
            if lf.alias in data:
                data[lf.alias] = ref_of(self.__dict__.get(lf.name))
        settings = cls._ob_settings()
        if settings.class_id_value is not None:
            data = {settings.class_id: settings.class_id_value, **data}
        return data

    def _with_new_revision(self) -> tuple[Any, Any]:
        """(what to write, the revision it replaces): with use_revision a fresh
        ``revision_id`` (also set on the instance) is written. Plain classes
        are written as the instance itself (encoded in Rust), others as a dict."""
        cls = type(self)
        if cls._ob_plain():
            return self, None
        if not cls._ob_settings().use_revision:
            return self._ob_dump(), None
        old = self.revision_id
        self.__dict__["revision_id"] = uuid.uuid4()
        return {**self._ob_dump(), "revision_id": self.revision_id}, old

    async def _write_links(self, link_rule: Any, session: Any) -> None:
        """``link_rule=WriteRules.WRITE``: save the documents held in link fields first."""
        if link_rule is None or WriteRules(link_rule) is WriteRules.DO_NOTHING:
            return
        for doc in linked_documents(self, include_back=False):
            await doc.save(link_rule=WriteRules.WRITE, session=session)

    # ------------------------------------------------------------ links
    def to_ref(self) -> Any:
        """The DBRef that links to this document."""
        from ouroboros.mongodb._links import DBRef

        return DBRef(type(self).get_collection_name(), self._require_id("to_ref"))

    async def fetch_link(self, field: Any) -> None:
        """Fetch one Link/BackLink field (a name or ``Model.field``) in place."""
        name = str(field)
        table = link_fields(type(self))
        match = table.get(name) or next((lf for lf in table.values() if lf.alias == name), None)
        if match is None:
            raise InvalidArgumentError(f"{type(self).__name__}.{name} is not a Link or BackLink field")
        await fetch_links_of([self], depth=1, only=match.name)

    async def fetch_all_links(self) -> None:
        """Fetch every Link/BackLink field of this document in place (one level)."""
        await fetch_links_of([self], depth=1)

    def _revision_filter(self, old: Any) -> dict[str, Any]:
        flt: dict[str, Any] = {"_id": self.id}
        if type(self)._ob_settings().use_revision and old is not None:
            flt["revision_id"] = old
        return flt

    async def _missing_or_changed(self, old: Any, session: Any = None) -> Exception:
        cls = type(self)
        if old is not None and await cls.get_collection().count_documents(
            {"_id": self.id}, limit=1, session=native_session(session)
        ):
            self.__dict__["revision_id"] = old
            return RevisionIdWasChanged(
                f"{cls.__name__} {self.id} was saved by someone else since it was read (revision {old})"
            )
        return DocumentNotFound(f"{cls.__name__} with id {self.id} is not in {cls.get_collection_name()}")

    def _require_id(self, what: str) -> Any:
        if self.id is None:
            raise DocumentWasNotSaved(f"{what} needs a saved {type(self).__name__} (its id is None)")
        return self.id

    async def insert(self: D, *, link_rule: Any = None, session: Any = None, **_: Any) -> D:
        """Insert this document; it gets an id (runs Insert hooks).

        ``link_rule=WriteRules.WRITE`` saves the documents in its link fields first.
        """
        await self._write_links(link_rule, session)
        await run_hooks(self, Before, EventTypes.INSERT)
        await self._run_validate_on_save()
        cls = type(self)
        payload, _ = self._with_new_revision()
        (oid,) = await cls.get_collection().insert_one(payload, codec=cls._ob_codec(), session=native_session(session))
        self.__dict__["id"] = oid
        cls._ob_loaded([self])
        await run_hooks(self, After, EventTypes.INSERT)
        return self

    create = insert

    async def _run_validate_on_save(self) -> None:
        if type(self)._ob_settings().validate_on_save:
            await run_hooks(self, Before, EventTypes.VALIDATE_ON_SAVE)
            self._validate_on_save()
            await run_hooks(self, After, EventTypes.VALIDATE_ON_SAVE)

    async def save(self: D, *, link_rule: Any = None, session: Any = None, **_: Any) -> D:
        """Insert or fully replace this document (upsert by id; Save hooks)."""
        await self._write_links(link_rule, session)
        await run_hooks(self, Before, EventTypes.SAVE)
        await self._run_validate_on_save()
        cls = type(self)
        if self.id is None:
            self.__dict__["id"] = ObjectId()
        payload, old = self._with_new_revision()
        try:
            await cls.get_collection().replace_one(
                self._revision_filter(old), payload, upsert=True, codec=cls._ob_codec(), session=native_session(session)
            )
        except DuplicateKeyError:
            # The upsert found no document with the old revision and the id is taken.
            if old is None:
                raise
            self.__dict__["revision_id"] = old
            raise RevisionIdWasChanged(
                f"{cls.__name__} {self.id} was saved by someone else since it was read (revision {old})"
            ) from None
        cls._ob_loaded([self])
        await run_hooks(self, After, EventTypes.SAVE)
        return self

    async def replace(self: D, *, link_rule: Any = None, session: Any = None, **_: Any) -> D:
        """Replace the stored document; DocumentNotFound if it is gone."""
        self._require_id("replace")
        await self._write_links(link_rule, session)
        await run_hooks(self, Before, EventTypes.REPLACE)
        await self._run_validate_on_save()
        cls = type(self)
        payload, old = self._with_new_revision()
        result = await cls.get_collection().replace_one(
            self._revision_filter(old), payload, codec=cls._ob_codec(), session=native_session(session)
        )
        if result["matched_count"] == 0:
            raise await self._missing_or_changed(old, session)
        cls._ob_loaded([self])
        await run_hooks(self, After, EventTypes.REPLACE)
        return self

    async def delete(self, *, link_rule: Any = None, session: Any = None, **_: Any) -> int:
        """Delete this document; returns 1, or 0 when it was already gone.

        ``link_rule=DeleteRules.DELETE_LINKS`` also deletes the fetched
        documents in its Link and BackLink fields (and theirs).
        """
        oid = self._require_id("delete")
        if link_rule is not None and DeleteRules(link_rule) is DeleteRules.DELETE_LINKS:
            for doc in linked_documents(self, include_back=True):
                if doc.id is not None:
                    await doc.delete(link_rule=DeleteRules.DELETE_LINKS, session=session)
        await run_hooks(self, Before, EventTypes.DELETE)
        deleted = await type(self).get_collection().delete_one({"_id": oid}, session=native_session(session))
        await run_hooks(self, After, EventTypes.DELETE)
        return deleted

    async def update(self: D, *updates: Mapping[str, Any], upsert: bool = False, session: Any = None, **_: Any) -> D:
        """Apply update documents to this document, then read the result back into it."""
        oid = self._require_id("update")
        await run_hooks(self, Before, EventTypes.UPDATE)
        cls = type(self)
        fresh = await cls.get_collection().find_one_and_update(
            {"_id": oid}, _merge_updates(updates), upsert=upsert, codec=cls._ob_codec(), session=native_session(session)
        )
        if fresh is None:
            raise DocumentNotFound(f"{cls.__name__} with id {oid} is not in {cls.get_collection_name()}")
        self._take_over(fresh)
        await run_hooks(self, After, EventTypes.UPDATE)
        return self

    def _take_over(self, fresh: "Document") -> None:
        self.__dict__.update(fresh.__dict__)
        type(self)._ob_loaded([self])

    async def set(self: D, values: Mapping[str, Any], **kwargs: Any) -> D:
        """``$set`` these fields (``{"age": 26}`` or ``{User.age: 26}``)."""
        return await self.update({"$set": {str(k): v for k, v in values.items()}}, **kwargs)

    async def inc(self: D, values: Mapping[str, Any], **kwargs: Any) -> D:
        """``$inc`` these fields."""
        return await self.update({"$inc": {str(k): v for k, v in values.items()}}, **kwargs)

    async def sync(self, *, session: Any = None) -> None:
        """Reload this document from the server."""
        oid = self._require_id("sync")
        fresh = await type(self).find_one({"_id": oid}, session=session)
        if fresh is None:
            raise DocumentNotFound(f"{type(self).__name__} with id {oid} is gone")
        self._take_over(fresh)

    # ------------------------------------------------------------ state management
    @property
    def is_changed(self) -> bool:
        """Whether fields differ from the last saved/loaded state."""
        return bool(self.get_changes())

    def get_saved_state(self) -> dict[str, Any] | None:
        return self._saved_state

    def get_changes(self) -> dict[str, Any]:
        """Stored names -> new values of the fields changed since the last load/save."""
        cls = type(self)
        if not cls._ob_settings().use_state_management:
            raise StateNotSaved(f"{cls.__name__}.Settings.use_state_management is not True")
        saved = self._saved_state
        current = self._ob_dump()
        if saved is None:
            return current
        return {k: v for k, v in current.items() if k not in saved or saved[k] != v}

    async def save_changes(self: D, *, session: Any = None, **_: Any) -> D | None:
        """``$set`` only the fields changed since the document was read."""
        changes = self.get_changes()
        if self.id is None:
            return await self.save(session=session)
        if not changes:
            return None
        await run_hooks(self, Before, EventTypes.SAVE_CHANGES)
        await self._run_validate_on_save()
        changes.pop("_id", None)
        old = self.revision_id
        if type(self)._ob_settings().use_revision:
            self.__dict__["revision_id"] = uuid.uuid4()
            changes["revision_id"] = self.revision_id
        result = (
            await type(self)
            .get_collection()
            .update_one(self._revision_filter(old), {"$set": changes}, session=native_session(session))
        )
        if result["matched_count"] == 0:
            raise await self._missing_or_changed(old, session)
        self._save_state()
        await run_hooks(self, After, EventTypes.SAVE_CHANGES)
        return self


class InsertManyResult:
    """What ``insert_many`` wrote: ``inserted_ids`` in input order."""

    __slots__ = ("inserted_ids",)

    def __init__(self, inserted_ids: list[Any]) -> None:
        self.inserted_ids = inserted_ids

    def __repr__(self) -> str:
        return f"InsertManyResult({len(self.inserted_ids)} ids)"


def _is_link_field(cls: Any, name: str) -> bool:
    try:
        return name in link_fields(cls)
    except Exception:  # noqa: BLE001 - a class not buildable yet: its paths stay plain
        return False


def _id_value(value: Any) -> Any:
    if isinstance(value, ObjectId):
        return value
    if isinstance(value, (str, bytes)) or type(value).__name__ == "ObjectId":
        return ObjectId(value)
    return value
