//! The Rust extension module `ouroboros.validation._validation`.

use pyo3::prelude::*;

#[pymodule]
fn _validation(m: &Bound<'_, PyModule>) -> PyResult<()> {
    ouroboros_common::python::init_module(m, env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
