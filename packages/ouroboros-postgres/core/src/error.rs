//! Errors of the engine. Server errors keep every field the server sent
//! (SQLSTATE, message, detail, hint, constraint...) so the binding can raise
//! the exception class that matches the SQLSTATE with the server's own words.

use std::time::Duration;

/// The fields of an `ErrorResponse` from the server.
#[derive(Debug, Clone, Default)]
pub struct DbErrorFields {
    pub sqlstate: String,
    pub severity: String,
    pub message: String,
    pub detail: Option<String>,
    pub hint: Option<String>,
    pub schema: Option<String>,
    pub table: Option<String>,
    pub column: Option<String>,
    pub datatype: Option<String>,
    pub constraint: Option<String>,
    pub position: Option<u32>,
    /// The argument list of an `executemany` the error belongs to (0-based).
    pub row: Option<usize>,
}

/// Failures of the engine.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PgError {
    /// The server answered with an error.
    #[error("{} (SQLSTATE {})", .0.message, .0.sqlstate)]
    Db(Box<DbErrorFields>),

    /// The connection could not be made, or was lost.
    #[error("{0}")]
    Connection(String),

    /// The connection was closed (by us or by the server) before the call.
    #[error("the connection is closed{}", .0.as_deref().map(|r| format!(": {r}")).unwrap_or_default())]
    Closed(Option<String>),

    /// A query argument could not be encoded for the type the server expects.
    #[error("invalid input for query argument ${position}: {message}")]
    Argument { position: usize, message: String },

    /// A result value could not be decoded.
    #[error("cannot decode column {column:?} of type {type_name}: {message}")]
    Decode {
        column: String,
        type_name: String,
        message: String,
    },

    /// The caller used the API wrongly (wrong number of arguments, released connection...).
    #[error("{0}")]
    Interface(String),

    /// A statement did not finish within its timeout; it was cancelled on the server.
    #[error("the query did not finish within {0:?} and was cancelled")]
    Timeout(Duration),

    /// The pool is closed or could not be built.
    #[error("{0}")]
    Pool(String),

    /// No pooled connection became free within the acquire timeout.
    #[error("{0}")]
    PoolTimeout(String),
}

/// `Result` with [`PgError`].
pub type Result<T, E = PgError> = std::result::Result<T, E>;

impl PgError {
    /// The SQLSTATE of a server error.
    #[must_use]
    pub fn sqlstate(&self) -> Option<&str> {
        match self {
            PgError::Db(f) => Some(&f.sqlstate),
            _ => None,
        }
    }

    /// The same error, tagged with the `executemany` argument list it came from.
    #[must_use]
    pub fn in_row(self, row: usize) -> Self {
        match self {
            PgError::Db(mut f) => {
                f.row = Some(row);
                PgError::Db(f)
            }
            PgError::Argument { position, message } => PgError::Argument {
                position,
                message: format!("{message} (row {row})"),
            },
            other => other,
        }
    }

    /// Convert a driver error, naming why the connection went away when it did.
    pub(crate) fn from_driver(err: &tokio_postgres::Error, closed_reason: Option<String>) -> Self {
        if let Some(db) = err.as_db_error() {
            return PgError::Db(Box::new(DbErrorFields {
                sqlstate: db.code().code().to_owned(),
                severity: db.severity().to_owned(),
                message: db.message().to_owned(),
                detail: db.detail().map(str::to_owned),
                hint: db.hint().map(str::to_owned),
                schema: db.schema().map(str::to_owned),
                table: db.table().map(str::to_owned),
                column: db.column().map(str::to_owned),
                datatype: db.datatype().map(str::to_owned),
                constraint: db.constraint().map(str::to_owned),
                position: match db.position() {
                    Some(tokio_postgres::error::ErrorPosition::Original(p)) => Some(*p),
                    _ => None,
                },
                row: None,
            }));
        }
        // An argument that failed to encode: tokio-postgres wraps our error.
        let mut source = std::error::Error::source(err);
        while let Some(s) = source {
            if let Some(arg) = s.downcast_ref::<crate::param::EncodeError>() {
                // tokio-postgres says "error serializing parameter {index}".
                let index = err
                    .to_string()
                    .rsplit(' ')
                    .next()
                    .and_then(|n| n.parse::<usize>().ok())
                    .unwrap_or(0);
                return PgError::Argument {
                    position: index + 1,
                    message: arg.0.clone(),
                };
            }
            source = s.source();
        }
        if err.is_closed() {
            return PgError::Closed(closed_reason);
        }
        let text = err.to_string();
        if text.starts_with("error communicating with the server")
            || text.starts_with("error connecting")
        {
            return PgError::Connection(match closed_reason {
                Some(r) => format!("{text}: {r}"),
                None => text,
            });
        }
        if let Some(rest) = text.strip_prefix("expected ") {
            // "expected N parameters but got M"
            return PgError::Interface(format!("the server expects {rest}"));
        }
        PgError::Interface(text)
    }
}
