//! The Rust extension module `ouroboros.test._test`.

use pyo3::prelude::*;

#[pymodule]
fn _test(m: &Bound<'_, PyModule>) -> PyResult<()> {
    ouroboros_common::python::init_module(m, env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
