//! The Rust extension module `ouroboros.kv._kv`: a thin binding over the
//! `ouroboros-kv-core` engine.
//!
//! - `store.rs` — `KVBase` (the methods of `KV` and `SyncKV`), where each
//!   call runs and which ones hold the GIL (see its header).
//! - `codec.rs` — Python values <-> stored bytes; JSON and models through
//!   ouroboros-schema (holds the GIL).

mod codec;
mod store;

use pyo3::prelude::*;

#[pymodule]
fn _kv(m: &Bound<'_, PyModule>) -> PyResult<()> {
    ouroboros_common::python::init_module(m, env!("CARGO_PKG_VERSION"))?;
    m.add_class::<store::KVBase>()?;
    m.add_class::<store::Ready>()?;
    Ok(())
}
