//! The Rust extension module `ouroboros.http._http`: converts Python
//! arguments into `ouroboros_http_core` requests and results back.

mod body;
mod client;
mod cookies;
mod errors;
mod headers;
mod json_encode;
mod response;

use std::future::Future;

use ouroboros_http_core::HttpError;
use pyo3::prelude::*;

/// Run an engine future to completion for the sync client, with the GIL
/// released; a panic becomes `InternalError`, an `HttpError` its class.
///
/// The wait is cut into slices so that Python signal handlers run between
/// them: Ctrl-C interrupts a blocking request (and drops it, freeing its
/// connection) instead of waiting for a timeout.
pub(crate) fn block_on<T: Send>(
    py: Python<'_>,
    fut: impl Future<Output = Result<T, HttpError>> + Send,
) -> PyResult<T> {
    const SLICE: std::time::Duration = std::time::Duration::from_millis(50);
    let rt = ouroboros_common::runtime::runtime()?;
    let mut wrapped = Box::pin(ouroboros_common::panic::catch_future(async move {
        Ok::<_, ouroboros_common::Error>(fut.await)
    }));
    loop {
        let step =
            py.detach(|| rt.block_on(async { tokio::time::timeout(SLICE, &mut wrapped).await }));
        match step {
            Ok(Ok(Ok(v))) => return Ok(v),
            Ok(Ok(Err(e))) => return Err(errors::to_pyerr(py, &e)),
            Ok(Err(e)) => return Err(e.into()),
            Err(_) => py.check_signals()?,
        }
    }
}

/// Serialize a value as the `json=` argument would (for `Request` objects).
#[pyfunction]
fn _encode_json<'py>(
    py: Python<'py>,
    value: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, pyo3::types::PyBytes>> {
    Ok(pyo3::types::PyBytes::new(py, &json_encode::to_json(value)?))
}

#[pymodule]
fn _http(m: &Bound<'_, PyModule>) -> PyResult<()> {
    ouroboros_common::python::init_module(m, env!("CARGO_PKG_VERSION"))?;
    m.add_class::<client::NativeClient>()?;
    m.add_class::<response::Response>()?;
    m.add_class::<headers::Headers>()?;
    m.add_class::<cookies::Cookies>()?;
    m.add_class::<body::AsyncBodyIterator>()?;
    m.add_class::<body::BodyIterator>()?;
    m.add_class::<body::RequestStream>()?;
    m.add_function(wrap_pyfunction!(_encode_json, m)?)?;
    Ok(())
}
