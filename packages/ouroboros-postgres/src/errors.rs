//! `PgError` -> the classes of `ouroboros.postgres._errors`.
//!
//! Server errors are built by `_errors.from_server`, which picks the class of
//! the SQLSTATE (`23505` -> `UniqueViolationError`) and keeps every field the
//! server sent; the other kinds map onto one class each.

use ouroboros_postgres_core::PgError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyDict;

static MODULE: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

fn module(py: Python<'_>) -> PyResult<&Bound<'_, PyModule>> {
    MODULE
        .get_or_try_init(py, || {
            Ok::<_, PyErr>(py.import("ouroboros.postgres._errors")?.unbind())
        })
        .map(|m| m.bind(py))
}

/// Build the Python exception for an engine error.
pub fn to_pyerr(py: Python<'_>, err: &PgError) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let m = module(py)?;
        let value = match err {
            PgError::Db(f) => {
                let kw = PyDict::new(py);
                kw.set_item("severity", &f.severity)?;
                kw.set_item("detail", &f.detail)?;
                kw.set_item("hint", &f.hint)?;
                kw.set_item("schema_name", &f.schema)?;
                kw.set_item("table_name", &f.table)?;
                kw.set_item("column_name", &f.column)?;
                kw.set_item("data_type_name", &f.datatype)?;
                kw.set_item("constraint_name", &f.constraint)?;
                kw.set_item("position", f.position)?;
                if let Some(row) = f.row {
                    kw.set_item("row", row)?;
                }
                m.getattr("from_server")?
                    .call((&f.sqlstate, &f.message), Some(&kw))?
            }
            other => {
                let class = match other {
                    PgError::Connection(_) => "PostgresConnectionError",
                    PgError::Closed(_) => "ConnectionDoesNotExistError",
                    PgError::Argument { .. } | PgError::Decode { .. } => "DataError",
                    PgError::Timeout(_) => "QueryTimeoutError",
                    PgError::PoolTimeout(_) => "PoolTimeoutError",
                    PgError::Pool(_) => "PoolError",
                    _ => "InterfaceError",
                };
                m.getattr(class)?.call1((other.to_string(),))?
            }
        };
        Ok(PyErr::from_value(value))
    };
    build().unwrap_or_else(|e| e)
}

/// An `InterfaceError` (wrong use of the API) with a message.
pub fn interface_error(py: Python<'_>, message: String) -> PyErr {
    to_pyerr(py, &PgError::Interface(message))
}
