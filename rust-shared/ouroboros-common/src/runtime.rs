//! The tokio runtime of one wheel, created on first use.
//!
//! The machines this project targets have two cores, so the runtime is small by
//! default; `OUROBOROS_WORKER_THREADS` overrides it (for example in a server
//! process that owns a bigger machine).

use std::sync::OnceLock;

use tokio::runtime::{Builder, Runtime};

use crate::{Error, Result};

static RUNTIME: OnceLock<std::result::Result<Runtime, String>> = OnceLock::new();

/// Worker threads used when `OUROBOROS_WORKER_THREADS` is not set.
pub const DEFAULT_WORKER_THREADS: usize = 2;

/// How many worker threads the runtime starts with.
///
/// A value that does not parse as a positive integer is reported rather than
/// ignored, so a typo in deployment configuration is visible.
pub fn worker_threads() -> Result<usize> {
    match std::env::var("OUROBOROS_WORKER_THREADS") {
        Err(_) => Ok(DEFAULT_WORKER_THREADS),
        Ok(raw) => match raw.trim().parse::<usize>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(Error::invalid_argument(
                "OUROBOROS_WORKER_THREADS",
                format!("expected a positive integer, got {raw:?}"),
            )),
        },
    }
}

/// The wheel's runtime, built on first call.
pub fn runtime() -> Result<&'static Runtime> {
    let slot = RUNTIME.get_or_init(|| {
        let threads = worker_threads().map_err(|e| e.to_string())?;
        Builder::new_multi_thread()
            .worker_threads(threads)
            .thread_name("ouroboros-rt")
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start tokio: {e}"))
    });
    slot.as_ref().map_err(|msg| Error::Runtime(msg.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtime_is_created_once_and_runs_tasks() {
        let a = runtime().unwrap();
        let b = runtime().unwrap();
        assert!(std::ptr::eq(a, b));
        let v = a.block_on(async { tokio::spawn(async { 40 + 2 }).await.unwrap() });
        assert_eq!(v, 42);
        assert_eq!(a.metrics().num_workers(), worker_threads().unwrap());
    }
}
