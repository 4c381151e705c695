//! The Rust extension module `ouroboros.kv._kv`.

use pyo3::prelude::*;

#[pymodule]
fn _kv(m: &Bound<'_, PyModule>) -> PyResult<()> {
    ouroboros_common::python::init_module(m, env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
