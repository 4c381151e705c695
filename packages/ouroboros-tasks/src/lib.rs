//! The Rust extension module `ouroboros.tasks._tasks`.

use pyo3::prelude::*;

#[pymodule]
fn _tasks(m: &Bound<'_, PyModule>) -> PyResult<()> {
    ouroboros_common::python::init_module(m, env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
