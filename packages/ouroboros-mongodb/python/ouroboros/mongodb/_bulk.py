"""``BulkOperation``: many writes in few round trips.

Operations are grouped by kind into the server's insert/update/delete
commands (in order); ``execute`` returns a :class:`BulkWriteResult`. When a
write fails, ``BulkWriteError.details`` has the same counts and lists each
failed operation's index, so nothing written goes unreported.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ouroboros.core import InvalidArgumentError
from ouroboros.mongodb._query import build_filter

__all__ = [
    "BulkOperation",
    "BulkWriteResult",
    "DeleteMany",
    "DeleteOne",
    "InsertOne",
    "ReplaceOne",
    "UpdateMany",
    "UpdateOne",
]


def _filter(value: Any) -> dict[str, Any]:
    return build_filter((value,))


def _stored(document: Any) -> Any:
    """A Document with links or in an ``is_root`` hierarchy is written in its stored form
    (links as DBRefs, ``_class_id``); others go to the codec as they are."""
    plain = getattr(type(document), "_ob_plain", None)
    if plain is not None and not plain():
        return document._ob_dump()
    return document


class InsertOne:
    """Insert a document (a model instance or a dict)."""

    def __init__(self, document: Any) -> None:
        if not isinstance(document, Mapping) and not hasattr(document, "model_dump"):
            raise InvalidArgumentError(f"InsertOne takes a document or a dict, got {type(document).__name__}")
        self.document = document

    def _op(self) -> tuple[Any, ...]:
        return ("insert", _stored(self.document))


class _Update:
    multi = False

    def __init__(self, filter: Any, update: Any, upsert: bool = False) -> None:
        self.filter = _filter(filter)
        if not isinstance(update, (Mapping, list)):
            raise InvalidArgumentError(f"an update is a document such as {{'$set': ...}}, got {type(update).__name__}")
        self.update = update
        self.upsert = bool(upsert)

    def _op(self) -> tuple[Any, ...]:
        return ("update", self.filter, self.update, self.upsert, self.multi)


class UpdateOne(_Update):
    """Update the first match."""


class UpdateMany(_Update):
    """Update every match."""

    multi = True


class ReplaceOne:
    """Replace the first match with a whole document."""

    def __init__(self, filter: Any, replacement: Any, upsert: bool = False) -> None:
        self.filter = _filter(filter)
        self.replacement = replacement
        self.upsert = bool(upsert)

    def _op(self) -> tuple[Any, ...]:
        return ("replace", self.filter, _stored(self.replacement), self.upsert)


class DeleteOne:
    """Delete the first match."""

    multi = False

    def __init__(self, filter: Any) -> None:
        self.filter = _filter(filter)

    def _op(self) -> tuple[Any, ...]:
        return ("delete", self.filter, self.multi)


class DeleteMany(DeleteOne):
    """Delete every match."""

    multi = True


class BulkWriteResult:
    """Counts of a bulk write and the ids of upserted documents by operation index."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.inserted_count: int = raw["inserted_count"]
        self.matched_count: int = raw["matched_count"]
        self.modified_count: int = raw["modified_count"]
        self.deleted_count: int = raw["deleted_count"]
        self.upserted_count: int = raw["upserted_count"]
        self.upserted_ids: dict[int, Any] = dict(raw["upserted_ids"])

    def __repr__(self) -> str:
        return (
            f"BulkWriteResult(inserted={self.inserted_count}, matched={self.matched_count}, "
            f"modified={self.modified_count}, deleted={self.deleted_count}, upserted={self.upserted_count})"
        )


_OPS = (InsertOne, UpdateOne, UpdateMany, ReplaceOne, DeleteOne, DeleteMany)


class BulkOperation:
    """Collect operations on one Document class, then ``await execute()``."""

    def __init__(self, model: Any, ordered: bool = True, session: Any = None) -> None:
        from ouroboros.mongodb._session import native_session

        self.model = model
        self.ordered = ordered
        self.operations: list[Any] = []
        self._session = native_session(session)

    def add(self, operation: Any) -> BulkOperation:
        if not isinstance(operation, _OPS):
            raise InvalidArgumentError(
                f"add takes InsertOne, UpdateOne, UpdateMany, ReplaceOne, DeleteOne or DeleteMany, got {operation!r}"
            )
        self.operations.append(operation)
        return self

    def __len__(self) -> int:
        return len(self.operations)

    async def execute(self, ordered: bool | None = None) -> BulkWriteResult:
        """Send every operation; raises BulkWriteError (with what was written) on failure."""
        if not self.operations:
            raise InvalidArgumentError("the bulk operation is empty: add operations first")
        ordered = self.ordered if ordered is None else ordered
        raw = await self.model.get_collection().bulk_write(
            [op._op() for op in self.operations], ordered=ordered, codec=self.model._ob_codec(), session=self._session
        )
        self.operations = []
        return BulkWriteResult(raw)

    async def __aenter__(self) -> BulkOperation:
        return self

    async def __aexit__(self, exc_type: Any, *_: Any) -> None:
        if exc_type is None and self.operations:
            await self.execute()
