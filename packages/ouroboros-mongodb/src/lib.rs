//! The Rust extension module `ouroboros.mongodb._mongodb`.

use pyo3::prelude::*;

#[pymodule]
fn _mongodb(m: &Bound<'_, PyModule>) -> PyResult<()> {
    ouroboros_common::python::init_module(m, env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
