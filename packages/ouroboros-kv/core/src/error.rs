//! The failures of the key-value engine.
//!
//! Each variant maps onto one Python exception in the binding crate; the
//! messages name the store (path or URL, without a password) and the key or
//! argument so the user can act on them.

/// What went wrong in a key-value operation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KvError {
    /// The caller passed a value that cannot be used (a TTL out of range, an
    /// unknown URL scheme...). Raised as `InvalidArgumentError` (a `ValueError`).
    #[error("invalid argument `{name}`: {reason}")]
    InvalidArgument { name: String, reason: String },

    /// Another process holds the embedded store open; redb allows one.
    #[error(
        "the store {path} is already open in another process; an embedded store has one owner \
         process (threads and tasks of that process share it). Use a Redis URL to share data \
         between processes"
    )]
    StoreLocked { path: String },

    /// The embedded store could not be opened, read or written.
    #[error("store {path}: {message}")]
    Storage { path: String, message: String },

    /// Redis could not be reached (connect, I/O, timeout).
    #[error("Redis at {url}: {message}")]
    Connection { url: String, message: String },

    /// Redis answered with an error.
    #[error("Redis at {url}: {message}")]
    Command { url: String, message: String },

    /// `incr`/`decr` on a value that is not an integer, or an overflow.
    #[error("{0}")]
    NotAnInteger(String),

    /// The store was closed by `close()`.
    #[error("the store {0} is closed")]
    Closed(String),
}

/// `Result` of the engine.
pub type Result<T, E = KvError> = std::result::Result<T, E>;

impl KvError {
    /// Shortcut for [`KvError::InvalidArgument`].
    pub fn invalid(name: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::InvalidArgument {
            name: name.into(),
            reason: reason.into(),
        }
    }
}
