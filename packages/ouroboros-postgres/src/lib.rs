//! The Rust extension module `ouroboros.postgres._postgres`: converts Python
//! arguments into engine parameters and binary rows into Python objects; the
//! engine (`ouroboros-postgres-core`) does the rest without the GIL.
//!
//! | module | holds the GIL? | what |
//! |---|---|---|
//! | `connection` | yes, briefly | asyncpg's `Connection` methods; conversion, then a future |
//! | `pool` | yes, briefly | asyncpg's `Pool` methods |
//! | `query` | on completion | `Fetched` -> records / a record / a value / a status |
//! | `convert` | yes | Python values -> `Param`, binary cells -> Python values |
//! | `record` | yes | `Record` |
//! | `model` | yes | `ModelCodec`: rows -> model instances through ouroboros-schema |
//! | `errors` | yes | `PgError` -> `ouroboros.postgres._errors` classes |

mod bridge;
mod connection;
mod convert;
mod errors;
mod model;
mod pool;
mod query;
mod record;

use pyo3::prelude::*;

/// Open a connection (`await _connect(dsn, ...)`).
#[pyfunction]
#[pyo3(signature = (dsn, *, statement_cache_size = 100, command_timeout = None, timeout = 60.0))]
fn _connect(
    py: Python<'_>,
    dsn: String,
    statement_cache_size: usize,
    command_timeout: Option<f64>,
    timeout: f64,
) -> PyResult<Bound<'_, PyAny>> {
    let options = pool::connect_options(statement_cache_size, command_timeout, timeout)?;
    bridge::spawn_result(py, connection::open(dsn, options))
}

#[pymodule]
fn _postgres(m: &Bound<'_, PyModule>) -> PyResult<()> {
    ouroboros_common::python::init_module(m, env!("CARGO_PKG_VERSION"))?;
    m.add_class::<connection::Connection>()?;
    m.add_class::<pool::Pool>()?;
    m.add_class::<record::Record>()?;
    m.add_class::<model::ModelCodec>()?;
    m.add_function(wrap_pyfunction!(_connect, m)?)?;
    Ok(())
}
