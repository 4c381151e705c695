//! Awaitables for engine futures.
//!
//! The bridge itself is ouroboros-common's ([`ouroboros_common::bridge`]):
//! finished tasks are delivered in batches on the event loop's thread, tokio
//! threads never take the GIL, and cancelling the asyncio future aborts the
//! task, which drops the query future and sends the server a cancel request
//! (see the engine's `CancelGuard`). This module adds the engine's results
//! and errors.

use std::future::Future;

use pyo3::prelude::*;

pub use ouroboros_common::bridge::{spawn, Deliver, LoopBridge};

/// [`spawn`] for an engine future: its value becomes the future's result, its
/// error the matching `ouroboros.postgres` exception (both built on the loop thread).
pub fn spawn_result<F, T>(py: Python<'_>, work: F) -> PyResult<Bound<'_, PyAny>>
where
    F: Future<Output = Result<T, ouroboros_postgres_core::PgError>> + Send + 'static,
    T: for<'py> IntoPyObject<'py> + Send + 'static,
{
    spawn(py, async move {
        let outcome = work.await;
        Box::new(move |py: Python<'_>| match outcome {
            Ok(value) => pyo3::IntoPyObjectExt::into_py_any(value, py),
            Err(e) => Err(crate::errors::to_pyerr(py, &e)),
        }) as Deliver
    })
}
