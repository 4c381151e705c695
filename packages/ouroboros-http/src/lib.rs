//! The Rust extension module `ouroboros.http._http`.

use pyo3::prelude::*;

#[pymodule]
fn _http(m: &Bound<'_, PyModule>) -> PyResult<()> {
    ouroboros_common::python::init_module(m, env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
