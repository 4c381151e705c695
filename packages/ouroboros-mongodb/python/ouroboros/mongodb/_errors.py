"""Exceptions of ouroboros.mongodb, all under ``ouroboros.core.OuroborosError``.

Names follow PyMongo and Beanie so ``except DuplicateKeyError`` keeps working
after changing imports; each class also subclasses the fitting builtin.
Server errors carry ``code``, ``code_name`` and ``details``.
"""

from __future__ import annotations

from typing import Any

from ouroboros.core import OuroborosError

__all__ = [
    "AutoReconnect",
    "BulkWriteError",
    "CollectionWasNotInitialized",
    "ConnectionFailure",
    "DocumentNotFound",
    "DocumentWasNotSaved",
    "DuplicateKeyError",
    "ExecutionTimeout",
    "InvalidBSON",
    "InvalidDocument",
    "InvalidId",
    "MongoError",
    "NetworkTimeout",
    "NotSupported",
    "OperationFailure",
    "RevisionIdWasChanged",
    "ServerSelectionTimeoutError",
    "StateNotSaved",
    "WriteConcernError",
    "WriteError",
]


class MongoError(OuroborosError):
    """Base of every ouroboros.mongodb error.

    ``error_labels`` holds the labels the server or the driver put on the error
    (``TransientTransactionError``, ``UnknownTransactionCommitResult``, ...).
    """

    error_labels: frozenset[str] = frozenset()

    def has_error_label(self, label: str) -> bool:
        """Whether the error carries ``label`` (PyMongo's method)."""
        return label in self.error_labels


class ConnectionFailure(MongoError, ConnectionError):
    """The server cannot be reached."""


class AutoReconnect(ConnectionFailure):
    """A connection broke during an operation; retrying may succeed."""


class ServerSelectionTimeoutError(ConnectionFailure, TimeoutError):
    """No server answered within the server selection timeout."""


class NetworkTimeout(AutoReconnect, TimeoutError):
    """A socket read or write timed out."""


class OperationFailure(MongoError):
    """The server refused an operation; ``code`` and ``details`` say why."""

    code: int | None = None
    code_name: str = ""
    details: dict[str, Any]

    def __init__(self, message: str = "", code: int | None = None, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        self.details = details or {}


class ExecutionTimeout(OperationFailure, TimeoutError):
    """The server stopped an operation at its time limit (code 50)."""


class WriteError(OperationFailure):
    """One write failed."""


class WriteConcernError(OperationFailure):
    """The write concern could not be satisfied."""


class DuplicateKeyError(WriteError):
    """A unique index already holds the value (code 11000)."""


class BulkWriteError(OperationFailure):
    """Some writes of a batch failed.

    ``details["writeErrors"]`` lists them (index, code, errmsg);
    ``inserted_ids`` lists the ids that were written before or around them.
    """

    inserted_ids: list[Any]

    def __init__(self, message: str = "", code: int | None = None, details: dict[str, Any] | None = None) -> None:
        super().__init__(message, code, details)
        self.inserted_ids = []


class InvalidDocument(MongoError, ValueError):
    """A Python value cannot be stored as BSON."""


class InvalidBSON(MongoError, ValueError):
    """The server sent bytes that are not valid BSON."""


class InvalidId(InvalidDocument):
    """A value cannot be an ObjectId."""


class NotSupported(MongoError, NotImplementedError):
    """The operation is not available for this model or server."""


class DocumentNotFound(MongoError, LookupError):
    """The document to replace or update is not in the collection."""


class DocumentWasNotSaved(MongoError):
    """The operation needs a saved document (one with an id)."""


class RevisionIdWasChanged(MongoError):
    """Another writer saved the document since it was read (use_revision)."""


class StateNotSaved(MongoError):
    """save_changes needs ``use_state_management = True`` in Settings."""


class CollectionWasNotInitialized(MongoError, RuntimeError):
    """The model is used before ``init``/``init_beanie``."""
