//! The Rust extension module `ouroboros.api._api`.
//!
//! - [`server`]: hyper connections, limits, graceful shutdown (no GIL);
//! - [`router`] and [`params`]: routing and parameter parsing (no GIL);
//! - [`queue`]: the batched hand-off to the asyncio loop's thread;
//! - [`inline`]: batches the I/O thread runs itself while the loop waits;
//! - [`bridge`]: calling handlers and rendering their results (GIL held);
//! - [`json`]: JSON out of and into Python objects.

// A `FieldError` is returned only on the 422 path; boxing it would add an
// allocation there and change nothing on the hot path.
#![allow(clippy::result_large_err)]
// Constructors and lookups whose results are obviously used; the lint fires on
// every small helper.
#![allow(clippy::must_use_candidate)]

pub mod asgi;
pub mod bridge;
pub mod flow;
pub mod handles;
pub mod inline;
pub mod json;
pub mod multipart;
pub mod native_middleware;
pub mod params;
pub mod queue;
pub mod router;
pub mod server;
mod setup;
pub mod websocket;

use pyo3::prelude::*;

#[pymodule]
fn _api(m: &Bound<'_, PyModule>) -> PyResult<()> {
    ouroboros_common::python::init_module(m, env!("CARGO_PKG_VERSION"))?;
    m.add_class::<bridge::Server>()?;
    m.add_class::<bridge::Responder>()?;
    m.add_class::<handles::BodySink>()?;
    m.add_class::<handles::RequestData>()?;
    m.add_class::<handles::WsConnection>()?;
    m.add_class::<handles::UploadData>()?;
    m.add_class::<setup::ResponseWriter>()?;
    m.add_function(wrap_pyfunction!(setup::build_server, m)?)?;
    m.add_function(wrap_pyfunction!(asgi::asgi_dispatch, m)?)?;
    m.add_function(wrap_pyfunction!(asgi::asgi_render, m)?)?;
    m.add_function(wrap_pyfunction!(setup::serve_bare, m)?)?;
    m.add_function(wrap_pyfunction!(handles::parse_form, m)?)?;
    m.add_function(wrap_pyfunction!(setup::dumps, m)?)?;
    m.add_function(wrap_pyfunction!(setup::loads, m)?)?;
    Ok(())
}
