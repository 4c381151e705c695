//! The Rust extension module `ouroboros.api._api`.

use pyo3::prelude::*;

#[pymodule]
fn _api(m: &Bound<'_, PyModule>) -> PyResult<()> {
    ouroboros_common::python::init_module(m, env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
