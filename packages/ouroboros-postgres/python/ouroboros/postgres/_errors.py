"""The exception hierarchy of ouroboros.postgres (asyncpg's names and shape).

Errors the server sends are :class:`PostgresError` subclasses chosen by their
SQLSTATE (``23505`` -> :class:`UniqueViolationError`); each carries the
server's ``sqlstate``, ``message``, ``detail``, ``hint``, ``constraint_name``
and so on, and names the SQLSTATE in its text. Errors of the client side
(a lost connection, a bad argument, a timeout) are :class:`InterfaceError`
subclasses. Everything derives from :class:`ouroboros.core.OuroborosError` and
from the fitting builtin (``ConnectionError``, ``ValueError``,
``TimeoutError``).
"""

from __future__ import annotations

from typing import Any

from ouroboros.core import OuroborosError, OuroborosTimeoutError


class PostgresBaseError(OuroborosError):
    """Base of every error raised by ouroboros.postgres."""


class PostgresError(PostgresBaseError):
    """The server answered with an error; ``sqlstate`` says which."""

    sqlstate: str | None = None

    def __init__(
        self,
        message: str,
        *,
        sqlstate: str | None = None,
        severity: str | None = None,
        detail: str | None = None,
        hint: str | None = None,
        schema_name: str | None = None,
        table_name: str | None = None,
        column_name: str | None = None,
        data_type_name: str | None = None,
        constraint_name: str | None = None,
        position: int | None = None,
        row: int | None = None,
    ) -> None:
        text = message if sqlstate is None else f"{message} (SQLSTATE {sqlstate})"
        if row is not None:
            text += f" in executemany row {row}"
        if detail:
            text += f"\nDETAIL: {detail}"
        if hint:
            text += f"\nHINT: {hint}"
        super().__init__(text)
        self.message = message
        if sqlstate is not None:
            self.sqlstate = sqlstate
        self.severity = severity
        self.detail = detail
        self.hint = hint
        self.schema_name = schema_name
        self.table_name = table_name
        self.column_name = column_name
        self.data_type_name = data_type_name
        self.constraint_name = constraint_name
        self.position = position
        #: The executemany argument list (0-based) the error came from.
        self.row = row

    def as_dict(self) -> dict[str, Any]:
        """The server's fields (those it sent)."""
        keys = ("sqlstate", "severity", "message", "detail", "hint", "schema_name", "table_name")
        keys += ("column_name", "data_type_name", "constraint_name", "position", "row")
        return {k: getattr(self, k) for k in keys if getattr(self, k) is not None}


class InterfaceError(PostgresBaseError):
    """The API was used wrongly, or the client side failed."""


class PostgresConnectionError(InterfaceError, ConnectionError):
    """The connection could not be established."""


class ConnectionDoesNotExistError(PostgresConnectionError):
    """The connection was closed or lost (the message says why when the server said)."""


class DataError(InterfaceError, ValueError):
    """A query argument cannot be sent as the type the server expects, or a
    result value cannot be represented in Python. Server-side data errors
    (SQLSTATE class 22) are :class:`InvalidDataError`."""


class QueryTimeoutError(InterfaceError, OuroborosTimeoutError):
    """A call did not finish within its timeout; it was cancelled on the server."""


class PoolError(InterfaceError):
    """The pool is closed or cannot be used."""


class PoolTimeoutError(PoolError, OuroborosTimeoutError):
    """No pooled connection became free within the acquire timeout."""


def _server_class(name: str, sqlstate: str, base: type[PostgresError], doc: str) -> type[PostgresError]:
    cls = type(name, (base,), {"sqlstate": sqlstate, "__doc__": doc, "__module__": __name__})
    _BY_SQLSTATE[sqlstate] = cls
    return cls


_BY_SQLSTATE: dict[str, type[PostgresError]] = {}

# Class 08: connection exceptions (sent by the server when it drops us).
PostgresConnectionFailureError = _server_class(
    "PostgresConnectionFailureError", "08000", PostgresError, "SQLSTATE class 08: connection exception."
)
# Class 22: data exceptions.
InvalidDataError = _server_class("InvalidDataError", "22000", PostgresError, "SQLSTATE class 22: data exception.")
StringDataRightTruncationError = _server_class(
    "StringDataRightTruncationError", "22001", InvalidDataError, "A value is too long for its type (22001)."
)
NumericValueOutOfRangeError = _server_class(
    "NumericValueOutOfRangeError", "22003", InvalidDataError, "A number is out of range (22003)."
)
InvalidDatetimeFormatError = _server_class(
    "InvalidDatetimeFormatError", "22007", InvalidDataError, "A date/time text is malformed (22007)."
)
DatetimeFieldOverflowError = _server_class(
    "DatetimeFieldOverflowError", "22008", InvalidDataError, "A date/time field is out of range (22008)."
)
DivisionByZeroError = _server_class("DivisionByZeroError", "22012", InvalidDataError, "Division by zero (22012).")
InvalidTextRepresentationError = _server_class(
    "InvalidTextRepresentationError", "22P02", InvalidDataError, "Text cannot be read as the type (22P02)."
)
# Class 23: integrity constraint violations.
IntegrityConstraintViolationError = _server_class(
    "IntegrityConstraintViolationError", "23000", PostgresError, "SQLSTATE class 23: a constraint was violated."
)
NotNullViolationError = _server_class(
    "NotNullViolationError", "23502", IntegrityConstraintViolationError, "NULL in a NOT NULL column (23502)."
)
ForeignKeyViolationError = _server_class(
    "ForeignKeyViolationError", "23503", IntegrityConstraintViolationError, "A foreign key has no match (23503)."
)
UniqueViolationError = _server_class(
    "UniqueViolationError", "23505", IntegrityConstraintViolationError, "A unique key already exists (23505)."
)
CheckViolationError = _server_class(
    "CheckViolationError", "23514", IntegrityConstraintViolationError, "A CHECK constraint failed (23514)."
)
ExclusionViolationError = _server_class(
    "ExclusionViolationError", "23P01", IntegrityConstraintViolationError, "An exclusion constraint failed (23P01)."
)
# Class 25: invalid transaction state.
InvalidTransactionStateError = _server_class(
    "InvalidTransactionStateError", "25000", PostgresError, "SQLSTATE class 25: invalid transaction state."
)
ActiveSQLTransactionError = _server_class(
    "ActiveSQLTransactionError", "25001", InvalidTransactionStateError, "A transaction is already open (25001)."
)
NoActiveSQLTransactionError = _server_class(
    "NoActiveSQLTransactionError", "25P01", InvalidTransactionStateError, "No transaction is open (25P01)."
)
InFailedSQLTransactionError = _server_class(
    "InFailedSQLTransactionError",
    "25P02",
    InvalidTransactionStateError,
    "The transaction failed earlier; commands are ignored until it ends (25P02).",
)
ReadOnlySQLTransactionError = _server_class(
    "ReadOnlySQLTransactionError", "25006", InvalidTransactionStateError, "A write in a read-only transaction (25006)."
)
# Class 28 / 3D: authorization, unknown database.
InvalidAuthorizationSpecificationError = _server_class(
    "InvalidAuthorizationSpecificationError", "28000", PostgresError, "Authentication was refused (28000)."
)
InvalidPasswordError = _server_class(
    "InvalidPasswordError", "28P01", InvalidAuthorizationSpecificationError, "Wrong password (28P01)."
)
InvalidCatalogNameError = _server_class(
    "InvalidCatalogNameError", "3D000", PostgresError, "The database does not exist (3D000)."
)
# Class 40: transaction rollback.
TransactionRollbackError = _server_class(
    "TransactionRollbackError", "40000", PostgresError, "SQLSTATE class 40: the transaction was rolled back."
)
SerializationError = _server_class(
    "SerializationError", "40001", TransactionRollbackError, "A serialization failure; retry the transaction (40001)."
)
DeadlockDetectedError = _server_class(
    "DeadlockDetectedError", "40P01", TransactionRollbackError, "A deadlock was detected (40P01)."
)
# Class 42: syntax errors and access rule violations.
SyntaxOrAccessError = _server_class(
    "SyntaxOrAccessError", "42000", PostgresError, "SQLSTATE class 42: syntax error or access rule violation."
)
PostgresSyntaxError = _server_class("PostgresSyntaxError", "42601", SyntaxOrAccessError, "SQL syntax error (42601).")
InsufficientPrivilegeError = _server_class(
    "InsufficientPrivilegeError", "42501", SyntaxOrAccessError, "Permission denied (42501)."
)
UndefinedColumnError = _server_class(
    "UndefinedColumnError", "42703", SyntaxOrAccessError, "The column does not exist (42703)."
)
UndefinedFunctionError = _server_class(
    "UndefinedFunctionError", "42883", SyntaxOrAccessError, "The function does not exist (42883)."
)
UndefinedTableError = _server_class(
    "UndefinedTableError", "42P01", SyntaxOrAccessError, "The table does not exist (42P01)."
)
DuplicateTableError = _server_class(
    "DuplicateTableError", "42P07", SyntaxOrAccessError, "The table already exists (42P07)."
)
DuplicateObjectError = _server_class(
    "DuplicateObjectError", "42710", SyntaxOrAccessError, "The object already exists (42710)."
)
DatatypeMismatchError = _server_class(
    "DatatypeMismatchError", "42804", SyntaxOrAccessError, "A value has the wrong type (42804)."
)
# Class 57: operator intervention.
OperatorInterventionError = _server_class(
    "OperatorInterventionError", "57000", PostgresError, "SQLSTATE class 57: operator intervention."
)
QueryCanceledError = _server_class(
    "QueryCanceledError", "57014", OperatorInterventionError, "The query was cancelled (57014)."
)
AdminShutdownError = _server_class(
    "AdminShutdownError", "57P01", OperatorInterventionError, "The server ended the connection (57P01)."
)

# The names the issue and other libraries use.
UniqueViolation = UniqueViolationError
ForeignKeyViolation = ForeignKeyViolationError
NotNullViolation = NotNullViolationError
SerializationFailure = SerializationError


def class_for(sqlstate: str) -> type[PostgresError]:
    """The class of a SQLSTATE: its own, else its class's (``23xxx`` -> 23000), else PostgresError."""
    return _BY_SQLSTATE.get(sqlstate) or _BY_SQLSTATE.get(sqlstate[:2] + "000") or PostgresError


def from_server(sqlstate: str, message: str, **fields: Any) -> PostgresError:
    """Build the exception for an ErrorResponse (called by the Rust side)."""
    return class_for(sqlstate)(message, sqlstate=sqlstate, **fields)


__all__ = [
    name
    for name, value in list(globals().items())
    if isinstance(value, type) and issubclass(value, PostgresBaseError) and not name.startswith("_")
] + ["class_for", "from_server"]
