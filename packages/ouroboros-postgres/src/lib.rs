//! The Rust extension module `ouroboros.postgres._postgres`.

use pyo3::prelude::*;

#[pymodule]
fn _postgres(m: &Bound<'_, PyModule>) -> PyResult<()> {
    ouroboros_common::python::init_module(m, env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
