"""ouroboros.mongodb: a Beanie-compatible MongoDB ODM with BSON handled in Rust.

Change ``from beanie import ...`` to ``from ouroboros.mongodb import ...``:
``Document``, ``init``/``init_beanie``, query expressions, ``find``/
``find_one``/``to_list``, updates, aggregation, indexes and lifecycle hooks
keep Beanie's names. Documents are read from BSON into validated model
instances in Rust.
"""

from ouroboros.mongodb._aggregation import AggregationBuilder
from ouroboros.mongodb._bulk import (
    BulkOperation,
    BulkWriteResult,
    DeleteMany,
    DeleteOne,
    InsertOne,
    ReplaceOne,
    UpdateMany,
    UpdateOne,
)
from ouroboros.mongodb._connection import Connection, get_connection, init, init_beanie
from ouroboros.mongodb._document import Document, InsertManyResult, PydanticObjectId
from ouroboros.mongodb._errors import (
    AutoReconnect,
    BulkWriteError,
    CollectionWasNotInitialized,
    ConnectionFailure,
    DocumentNotFound,
    DocumentWasNotSaved,
    DuplicateKeyError,
    ExecutionTimeout,
    InvalidBSON,
    InvalidDocument,
    InvalidId,
    MongoError,
    NetworkTimeout,
    NotSupported,
    OperationFailure,
    RevisionIdWasChanged,
    ServerSelectionTimeoutError,
    StateNotSaved,
    WriteConcernError,
    WriteError,
)
from ouroboros.mongodb._expressions import Expr, FieldPath, text_search
from ouroboros.mongodb._hooks import (
    After,
    Before,
    Delete,
    EventTypes,
    Insert,
    Replace,
    Save,
    SaveChanges,
    Update,
    ValidateOnSave,
    after_event,
    before_event,
)
from ouroboros.mongodb._indexes import ASCENDING, DESCENDING, GEOSPHERE, HASHED, TEXT, IndexModel
from ouroboros.mongodb._mongodb import ObjectId, __version__, decode_document, encode_document
from ouroboros.mongodb._query import FindMany, FindOne, QueryBuilder

__all__ = [
    "ASCENDING",
    "DESCENDING",
    "GEOSPHERE",
    "HASHED",
    "TEXT",
    "After",
    "AggregationBuilder",
    "AutoReconnect",
    "Before",
    "BulkOperation",
    "BulkWriteError",
    "BulkWriteResult",
    "CollectionWasNotInitialized",
    "Connection",
    "ConnectionFailure",
    "Delete",
    "DeleteMany",
    "DeleteOne",
    "Document",
    "DocumentNotFound",
    "DocumentWasNotSaved",
    "DuplicateKeyError",
    "EventTypes",
    "ExecutionTimeout",
    "Expr",
    "FieldPath",
    "FindMany",
    "FindOne",
    "IndexModel",
    "Insert",
    "InsertManyResult",
    "InsertOne",
    "InvalidBSON",
    "InvalidDocument",
    "InvalidId",
    "MongoError",
    "NetworkTimeout",
    "NotSupported",
    "ObjectId",
    "OperationFailure",
    "PydanticObjectId",
    "QueryBuilder",
    "Replace",
    "ReplaceOne",
    "RevisionIdWasChanged",
    "Save",
    "SaveChanges",
    "ServerSelectionTimeoutError",
    "StateNotSaved",
    "Update",
    "UpdateMany",
    "UpdateOne",
    "ValidateOnSave",
    "WriteConcernError",
    "WriteError",
    "__version__",
    "after_event",
    "before_event",
    "decode_document",
    "encode_document",
    "get_connection",
    "init",
    "init_beanie",
    "text_search",
]
