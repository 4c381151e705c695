//! The error model shared by the Rust side of every package.
//!
//! Module crates define their own `thiserror` enums for their own failures and
//! convert the common cases into this one; the `python` feature maps each
//! variant onto one exception class of `ouroboros.core`.

use std::time::Duration;

/// Failures that any module can report.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The caller passed a value that cannot be used; the message names it.
    #[error("invalid argument `{name}`: {reason}")]
    InvalidArgument { name: String, reason: String },

    /// An operation did not finish within its bound.
    #[error("{operation} timed out after {elapsed:?}")]
    Timeout {
        operation: String,
        elapsed: Duration,
    },

    /// An operating-system level failure (file, socket, process).
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },

    /// Rust code panicked. This is always a bug in ouroboros; the process
    /// keeps running and the caller gets an exception instead of an abort.
    #[error("internal error (a Rust panic): {0}. This is a bug in ouroboros; please report it")]
    Panic(String),

    /// The shared async runtime could not be created or has shut down.
    #[error("the ouroboros async runtime is unavailable: {0}")]
    Runtime(String),
}

/// `Result` with the shared [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Shortcut for [`Error::InvalidArgument`].
    pub fn invalid_argument(name: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::InvalidArgument {
            name: name.into(),
            reason: reason.into(),
        }
    }

    /// Wrap an I/O error with what was being attempted.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Self::Io {
            context: context.into(),
            source,
        }
    }
}

/// Shorten a user-supplied value for an error message, on a char boundary.
///
/// Errors carry the offending value so users can act on them, but a 10 MB
/// payload must not become a 10 MB message.
#[must_use]
pub fn truncate_for_message(value: &str, max_chars: usize) -> String {
    match value.char_indices().nth(max_chars) {
        None => value.to_owned(),
        Some((cut, _)) => format!("{}...", &value[..cut]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_what_failed() {
        let e = Error::invalid_argument("timeout", "must be positive, got -1");
        assert_eq!(
            e.to_string(),
            "invalid argument `timeout`: must be positive, got -1"
        );
        let e = Error::Timeout {
            operation: "connect to 127.0.0.1:1".into(),
            elapsed: Duration::from_millis(250),
        };
        assert_eq!(
            e.to_string(),
            "connect to 127.0.0.1:1 timed out after 250ms"
        );
        let e = Error::io(
            "open /nope",
            std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        );
        assert_eq!(e.to_string(), "open /nope: no such file");
    }

    #[test]
    fn truncation_respects_char_boundaries() {
        assert_eq!(truncate_for_message("short", 10), "short");
        assert_eq!(truncate_for_message("ééééé", 2), "éé...");
        assert_eq!(truncate_for_message("abc", 3), "abc");
    }
}
