//! What a query call returns, converted to Python once its future completes
//! (on the asyncio side, with the GIL): records, one record, one value or a
//! status string. Rows travel from the runtime as undecoded binary buffers.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use ouroboros_postgres_core::connection::QueryResult;
use ouroboros_postgres_core::{PgError, Row};
use pyo3::prelude::*;
use pyo3::types::PyList;

use crate::convert;
use crate::model::Shape;
use crate::record::{Record, RecordDesc};

/// The result of one call, before conversion.
pub enum Fetched {
    Records(QueryResult),
    Record(ouroboros_postgres_core::Statement, Option<Row>),
    Value(Option<Row>, usize),
    Status(String),
    Bytes(Vec<u8>),
    /// A statement's parameter and column types (`prepare()`).
    Described(ouroboros_postgres_core::Statement),
    /// Rows built into model instances (`Table` queries).
    Models(QueryResult, Shape),
    /// The first row as a model instance, or None.
    Model(Option<Row>, Shape),
    Nothing,
}

fn type_info<'py>(
    py: Python<'py>,
    ty: &ouroboros_postgres_core::Type,
) -> PyResult<Bound<'py, pyo3::types::PyTuple>> {
    use ouroboros_postgres_core::Kind;
    let kind = match ty.kind() {
        Kind::Array(_) => "array",
        Kind::Domain(_) => "domain",
        Kind::Composite(_) => "composite",
        Kind::Range(_) | Kind::Multirange(_) => "range",
        _ => "scalar",
    };
    (ty.oid(), ty.name(), kind, ty.schema()).into_pyobject(py)
}

impl<'py> IntoPyObject<'py> for Fetched {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self {
            Fetched::Records(result) => {
                let desc = RecordDesc::of(py, &result.statement);
                let records = result
                    .rows
                    .iter()
                    .map(|row| Bound::new(py, Record::from_row(py, row, &desc)?))
                    .collect::<PyResult<Vec<_>>>()?;
                Ok(PyList::new(py, records)?.into_any())
            }
            Fetched::Record(stmt, row) => match row {
                None => Ok(py.None().into_bound(py)),
                Some(row) => {
                    let desc = RecordDesc::of(py, &stmt);
                    Ok(Bound::new(py, Record::from_row(py, &row, &desc)?)?.into_any())
                }
            },
            Fetched::Value(row, column) => match row {
                None => Ok(py.None().into_bound(py)),
                Some(row) if column >= row.len() => {
                    Err(pyo3::exceptions::PyIndexError::new_err(format!(
                        "column {column} does not exist: the query returns {} column(s)",
                        row.len()
                    )))
                }
                Some(row) => convert::cell(py, &row, column),
            },
            Fetched::Status(s) => Ok(s.into_pyobject(py)?.into_any()),
            Fetched::Bytes(b) => Ok(pyo3::types::PyBytes::new(py, &b).into_any()),
            Fetched::Described(stmt) => {
                let params = stmt
                    .params()
                    .iter()
                    .map(|t| type_info(py, t))
                    .collect::<PyResult<Vec<_>>>()?;
                let columns = stmt
                    .columns()
                    .iter()
                    .map(|c| Ok((c.name(), type_info(py, c.type_())?)))
                    .collect::<PyResult<Vec<_>>>()?;
                Ok((params, columns).into_pyobject(py)?.into_any())
            }
            Fetched::Models(result, shape) => {
                let _pause = GcPause::new(result.rows.len() >= GC_PAUSE_MIN_ROWS);
                let items = result
                    .rows
                    .iter()
                    .map(|row| shape.build(py, row))
                    .collect::<PyResult<Vec<_>>>()?;
                Ok(PyList::new(py, items)?.into_any())
            }
            Fetched::Model(row, shape) => match row {
                None => Ok(py.None().into_bound(py)),
                Some(row) => shape.build(py, &row),
            },
            Fetched::Nothing => Ok(py.None().into_bound(py)),
        }
    }
}

/// Results smaller than this build their instances with the GC running as usual.
const GC_PAUSE_MIN_ROWS: usize = 256;

/// Turns Python's cyclic GC off for its lifetime (when it was on). Building
/// many instances allocates a dict, a set and an object per row, none of them
/// in a cycle; each few hundred allocations would otherwise start a collection
/// that scans the growing list (measured: 100,000 four-column rows took about
/// twice as long with the collector running).
struct GcPause {
    was_enabled: bool,
}

impl GcPause {
    fn new(active: bool) -> GcPause {
        // SAFETY: called with the GIL held (from `into_pyobject`); the call only
        // flips the collector's flag and returns the previous state.
        let was_enabled = active && unsafe { pyo3::ffi::PyGC_Disable() } != 0;
        GcPause { was_enabled }
    }
}

impl Drop for GcPause {
    fn drop(&mut self) {
        if self.was_enabled {
            // SAFETY: dropped in the same GIL-holding scope that created it.
            unsafe {
                pyo3::ffi::PyGC_Enable();
            }
        }
    }
}

/// Run an engine future as an asyncio awaitable; the rows are converted on
/// the event loop's thread when the future is delivered (see `bridge`).
pub fn spawn<F>(py: Python<'_>, fut: F) -> PyResult<Bound<'_, PyAny>>
where
    F: Future<Output = Result<Fetched, PgError>> + Send + 'static,
{
    crate::bridge::spawn_result(py, fut)
}

/// A call's `timeout=` argument: positive seconds or None.
pub fn timeout(value: Option<f64>) -> PyResult<Option<Duration>> {
    match value {
        None => Ok(None),
        Some(t) if t.is_finite() && t > 0.0 && t < 1e9 => Ok(Some(Duration::from_secs_f64(t))),
        Some(t) => Err(ouroboros_common::Error::invalid_argument(
            "timeout",
            format!("must be a positive number of seconds, got {t}"),
        )
        .into()),
    }
}

/// A shared engine connection, as both connection and pool calls use it.
pub type Conn = Arc<ouroboros_postgres_core::Connection>;
