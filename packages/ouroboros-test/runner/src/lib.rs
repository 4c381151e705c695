//! The runner of ouroboros-test, free of PyO3.
//!
//! The coordinator (this crate, running with the GIL released inside the
//! caller's process) finds test files, starts worker processes (plain Python
//! interpreters running `ouroboros.test._worker`), asks them to collect files,
//! filters what was collected, and hands out units of work (a suite, or a slice
//! of a large one) on demand, longest first, so a fast worker takes more.
//! Workers answer with one JSON line per event on a pipe; the coordinator keeps
//! the progress display, the per-test timings, the reports and the cache of
//! failures and durations that `--last-failed` and the scheduler read.
//!
//! Module map:
//! - `config`: what a session is asked to do.
//! - `discovery`: test files under the given paths.
//! - `select`: `-k` and tag expressions.
//! - `protocol`: the JSON lines spoken with workers.
//! - `worker`: one worker process and the thread reading its pipe.
//! - `session`: collection, scheduling, timeouts, crashes, exit codes.
//! - `outcome`: results and the summary.
//! - `report`: JUnit XML and JSON reports.
//! - `progress`: the live terminal line and the plain CI output.
//! - `cache`: last failures and durations between runs.

pub mod cache;
pub mod config;
pub mod discovery;
pub mod outcome;
pub mod progress;
pub mod protocol;
pub mod report;
pub mod select;
pub mod session;
pub mod worker;

pub use config::Config;
pub use outcome::{ExitCode, Summary};
pub use session::run;

/// Errors of the runner itself (not of the tests it runs).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("{0}")]
    Usage(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    #[error("worker protocol: {0}")]
    Protocol(String),
}

impl Error {
    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}

pub type Result<T> = std::result::Result<T, Error>;
