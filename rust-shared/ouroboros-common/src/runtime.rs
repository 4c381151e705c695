//! The tokio runtime of one wheel, created on first use.
//!
//! The machines this project targets have two cores, so the runtime is small by
//! default: two workers, or one when the process may run on one CPU only
//! (`taskset`, a cgroup quota): a second worker there only adds context
//! switches. `OUROBOROS_WORKER_THREADS` overrides it (for example in a server
//! process that owns a bigger machine).

use std::sync::OnceLock;

use tokio::runtime::{Builder, Runtime};

use crate::{Error, Result};

static RUNTIME: OnceLock<std::result::Result<Runtime, String>> = OnceLock::new();

/// Most worker threads used when `OUROBOROS_WORKER_THREADS` is not set.
pub const DEFAULT_WORKER_THREADS: usize = 2;

/// Workers when `OUROBOROS_WORKER_THREADS` is not set: [`DEFAULT_WORKER_THREADS`],
/// but no more than the CPUs this process may run on.
#[must_use]
pub fn default_worker_threads() -> usize {
    std::thread::available_parallelism().map_or(DEFAULT_WORKER_THREADS, |n| {
        n.get().min(DEFAULT_WORKER_THREADS)
    })
}

/// How many worker threads the runtime starts with.
///
/// A value that does not parse as a positive integer is reported rather than
/// ignored, so a typo in deployment configuration is visible.
pub fn worker_threads() -> Result<usize> {
    match std::env::var("OUROBOROS_WORKER_THREADS") {
        Err(_) => Ok(default_worker_threads()),
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

    #[test]
    fn default_is_two_workers_at_most_and_never_more_than_the_cpus() {
        let n = default_worker_threads();
        let cpus = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        assert!((1..=DEFAULT_WORKER_THREADS).contains(&n));
        assert_eq!(n, cpus.min(DEFAULT_WORKER_THREADS));
    }
}
