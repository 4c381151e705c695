//! `Connection`: asyncpg's connection API over one engine connection.
//!
//! Every query method converts its arguments here (GIL held, on the event
//! loop thread), then runs on the wheel's tokio runtime without the GIL; rows
//! come back as binary buffers and are decoded into Python objects once, when
//! the awaitable completes. Transactions, cursors and listeners are small
//! Python classes (`_transaction.py`, `_cursor.py`, `_listen.py`) over these
//! methods.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use ouroboros_postgres_core::pool::Pooled;
use ouroboros_postgres_core::{quote_ident, ConnectOptions, CopySource, PgError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString, PyTuple};

use crate::convert;
use crate::errors::interface_error;
use crate::model::Shape;
use crate::query::{spawn, timeout, Conn, Fetched};

/// A connection to PostgreSQL (from `connect()` or `Pool.acquire()`).
#[pyclass(module = "ouroboros.postgres._postgres", frozen, dict, weakref)]
pub struct Connection {
    conn: Conn,
    /// The pool's handle while this connection is checked out of a pool.
    pooled: Mutex<Option<Pooled>>,
    pool: Option<Arc<ouroboros_postgres_core::Pool>>,
    released: AtomicBool,
}

impl Connection {
    pub fn direct(conn: ouroboros_postgres_core::Connection) -> Connection {
        Connection {
            conn: Arc::new(conn),
            pooled: Mutex::new(None),
            pool: None,
            released: AtomicBool::new(false),
        }
    }

    pub fn pooled(obj: Pooled, pool: Arc<ouroboros_postgres_core::Pool>) -> Connection {
        Connection {
            conn: Arc::clone(&obj),
            pooled: Mutex::new(Some(obj)),
            pool: Some(pool),
            released: AtomicBool::new(false),
        }
    }

    fn inner(&self, py: Python<'_>) -> PyResult<Conn> {
        if self.released.load(Ordering::Relaxed) {
            return Err(interface_error(
                py,
                "this connection was released to its pool; acquire another one".into(),
            ));
        }
        Ok(self.conn.clone())
    }

    /// Whether this connection was acquired from `pool`.
    pub fn belongs_to(&self, pool: &Arc<ouroboros_postgres_core::Pool>) -> bool {
        self.pool.as_ref().is_some_and(|p| Arc::ptr_eq(p, pool))
    }

    /// Give the pooled connection back (no-op for a direct one).
    pub fn release_to_pool(&self) -> bool {
        let obj = self
            .pooled
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        match (obj, &self.pool) {
            (Some(obj), Some(pool)) => {
                self.released.store(true, Ordering::Relaxed);
                pool.release(obj);
                true
            }
            _ => false,
        }
    }
}

fn qualified_table(table: &str, schema: Option<&str>) -> String {
    match schema {
        Some(s) => format!("{}.{}", quote_ident(s), quote_ident(table)),
        None => quote_ident(table),
    }
}

/// The `(FORMAT ..., DELIMITER ...)` options of a COPY; values are quoted literals.
fn copy_options(
    format: Option<&str>,
    delimiter: Option<&str>,
    null: Option<&str>,
    header: Option<bool>,
) -> PyResult<String> {
    let lit = |s: &str| format!("'{}'", s.replace('\'', "''"));
    let mut opts = Vec::new();
    if let Some(f) = format {
        if !matches!(f, "text" | "csv" | "binary") {
            return Err(ouroboros_common::Error::invalid_argument(
                "format",
                format!("must be 'text', 'csv' or 'binary', got {f:?}"),
            )
            .into());
        }
        opts.push(format!("FORMAT {f}"));
    }
    if let Some(d) = delimiter {
        opts.push(format!("DELIMITER {}", lit(d)));
    }
    if let Some(n) = null {
        opts.push(format!("NULL {}", lit(n)));
    }
    if let Some(h) = header {
        opts.push(format!("HEADER {h}"));
    }
    Ok(if opts.is_empty() {
        String::new()
    } else {
        format!(" ({})", opts.join(", "))
    })
}

fn column_list(columns: Option<Vec<String>>) -> String {
    match columns {
        Some(cols) if !cols.is_empty() => format!(
            " ({})",
            cols.iter()
                .map(|c| quote_ident(c))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        _ => String::new(),
    }
}

/// Rows written by `COPY ... TO` in text or CSV format: one line each.
fn copied_rows(data_len: u64, lines: u64, header: Option<bool>) -> u64 {
    if data_len == 0 {
        return 0;
    }
    lines.saturating_sub(u64::from(header.unwrap_or(false)))
}

#[pymethods]
impl Connection {
    /// Run a command (several `;`-separated statements when there are no
    /// arguments); returns the status of the last one, e.g. `"INSERT 0 1"`.
    #[pyo3(signature = (query, *args, timeout = None))]
    fn execute<'py>(
        &self,
        py: Python<'py>,
        query: String,
        args: &Bound<'py, PyTuple>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let conn = self.inner(py)?;
        let params = convert::params(py, args)?;
        let t = self::timeout(timeout)?;
        spawn(py, async move {
            conn.execute(&query, &params, t).await.map(Fetched::Status)
        })
    }

    /// Run a command once per argument list (pipelined; atomic outside a transaction).
    #[pyo3(signature = (command, args, *, timeout = None))]
    fn executemany<'py>(
        &self,
        py: Python<'py>,
        command: String,
        args: &Bound<'py, PyAny>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let conn = self.inner(py)?;
        let rows = convert::param_rows(py, args)?;
        let t = self::timeout(timeout)?;
        spawn(py, async move {
            conn.executemany(&command, &rows, t)
                .await
                .map(|_| Fetched::Nothing)
        })
    }

    /// Every row of a query, as a list of `Record`.
    #[pyo3(signature = (query, *args, timeout = None))]
    fn fetch<'py>(
        &self,
        py: Python<'py>,
        query: String,
        args: &Bound<'py, PyTuple>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let conn = self.inner(py)?;
        let params = convert::params(py, args)?;
        let t = self::timeout(timeout)?;
        spawn(py, async move {
            conn.query(&query, &params, t).await.map(Fetched::Records)
        })
    }

    /// The first row of a query, or None.
    #[pyo3(signature = (query, *args, timeout = None))]
    fn fetchrow<'py>(
        &self,
        py: Python<'py>,
        query: String,
        args: &Bound<'py, PyTuple>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let conn = self.inner(py)?;
        let params = convert::params(py, args)?;
        let t = self::timeout(timeout)?;
        spawn(py, async move {
            conn.query_first(&query, &params, t)
                .await
                .map(|(s, r)| Fetched::Record(s, r))
        })
    }

    /// One value of the first row (column `column`), or None when there is no row.
    #[pyo3(signature = (query, *args, column = 0, timeout = None))]
    fn fetchval<'py>(
        &self,
        py: Python<'py>,
        query: String,
        args: &Bound<'py, PyTuple>,
        column: usize,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let conn = self.inner(py)?;
        let params = convert::params(py, args)?;
        let t = self::timeout(timeout)?;
        spawn(py, async move {
            conn.query_first(&query, &params, t)
                .await
                .map(|(_, r)| Fetched::Value(r, column))
        })
    }

    /// Every row of a query built into model instances (see `ModelCodec`).
    #[pyo3(signature = (query, args, shape, *, timeout = None))]
    fn _fetch_models<'py>(
        &self,
        py: Python<'py>,
        query: String,
        args: &Bound<'py, PyTuple>,
        shape: &Bound<'py, PyAny>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let conn = self.inner(py)?;
        let params = convert::params(py, args)?;
        let shape = Shape::extract(shape)?;
        let t = self::timeout(timeout)?;
        spawn(py, async move {
            conn.query(&query, &params, t)
                .await
                .map(|r| Fetched::Models(r, shape))
        })
    }

    /// The first row of a query as a model instance, or None.
    #[pyo3(signature = (query, args, shape, *, timeout = None))]
    fn _fetchrow_model<'py>(
        &self,
        py: Python<'py>,
        query: String,
        args: &Bound<'py, PyTuple>,
        shape: &Bound<'py, PyAny>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let conn = self.inner(py)?;
        let params = convert::params(py, args)?;
        let shape = Shape::extract(shape)?;
        let t = self::timeout(timeout)?;
        spawn(py, async move {
            conn.query_first(&query, &params, t)
                .await
                .map(|(_, r)| Fetched::Model(r, shape))
        })
    }

    /// Copy records into a table with binary COPY; returns `"COPY n"`.
    #[pyo3(signature = (table_name, *, records, columns = None, schema_name = None, timeout = None))]
    fn copy_records_to_table<'py>(
        &self,
        py: Python<'py>,
        table_name: &str,
        records: &Bound<'py, PyAny>,
        columns: Option<Vec<String>>,
        schema_name: Option<&str>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let conn = self.inner(py)?;
        let rows = convert::param_rows(py, records)?;
        let table = qualified_table(table_name, schema_name);
        let t = self::timeout(timeout)?;
        let columns = columns.unwrap_or_default();
        spawn(py, async move {
            conn.copy_rows_in(&table, &columns, &rows, t)
                .await
                .map(|n| Fetched::Status(format!("COPY {n}")))
        })
    }

    /// `COPY table FROM STDIN` fed from `source` (bytes, or a file path read in chunks).
    #[pyo3(signature = (table_name, *, source, columns = None, schema_name = None, timeout = None, format = None, delimiter = None, null = None, header = None))]
    #[allow(clippy::too_many_arguments)]
    fn copy_to_table<'py>(
        &self,
        py: Python<'py>,
        table_name: &str,
        source: &Bound<'py, PyAny>,
        columns: Option<Vec<String>>,
        schema_name: Option<&str>,
        timeout: Option<f64>,
        format: Option<&str>,
        delimiter: Option<&str>,
        null: Option<&str>,
        header: Option<bool>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let conn = self.inner(py)?;
        let source = if let Ok(b) = source.cast::<PyBytes>() {
            CopySource::Bytes(b.as_bytes().to_vec())
        } else {
            let path = py.import("os")?.getattr("fspath")?.call1((source,))?;
            CopySource::Path(path.cast::<PyString>()?.to_str()?.to_owned())
        };
        let sql = format!(
            "COPY {}{} FROM STDIN{}",
            qualified_table(table_name, schema_name),
            column_list(columns),
            copy_options(format, delimiter, null, header)?
        );
        let t = self::timeout(timeout)?;
        spawn(py, async move {
            conn.copy_in_source(&sql, source, t)
                .await
                .map(|n| Fetched::Status(format!("COPY {n}")))
        })
    }

    /// `COPY table TO STDOUT`: into `output` (a path) and return `"COPY n"`,
    /// or return the data as bytes when `output` is None.
    #[pyo3(signature = (table_name, *, output = None, columns = None, schema_name = None, timeout = None, format = None, delimiter = None, null = None, header = None))]
    #[allow(clippy::too_many_arguments)]
    fn copy_from_table<'py>(
        &self,
        py: Python<'py>,
        table_name: &str,
        output: Option<&Bound<'py, PyAny>>,
        columns: Option<Vec<String>>,
        schema_name: Option<&str>,
        timeout: Option<f64>,
        format: Option<&str>,
        delimiter: Option<&str>,
        null: Option<&str>,
        header: Option<bool>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let sql = format!(
            "COPY {}{} TO STDOUT{}",
            qualified_table(table_name, schema_name),
            column_list(columns),
            copy_options(format, delimiter, null, header)?
        );
        self.copy_out(py, sql, output, timeout, header)
    }

    /// `COPY (query) TO STDOUT`, like `copy_from_table`.
    #[pyo3(signature = (query, *, output = None, timeout = None, format = None, delimiter = None, null = None, header = None))]
    #[allow(clippy::too_many_arguments)]
    fn copy_from_query<'py>(
        &self,
        py: Python<'py>,
        query: &str,
        output: Option<&Bound<'py, PyAny>>,
        timeout: Option<f64>,
        format: Option<&str>,
        delimiter: Option<&str>,
        null: Option<&str>,
        header: Option<bool>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let sql = format!(
            "COPY ({query}) TO STDOUT{}",
            copy_options(format, delimiter, null, header)?
        );
        self.copy_out(py, sql, output, timeout, header)
    }

    /// Close the connection.
    #[pyo3(signature = (*, timeout = None))]
    fn close<'py>(&self, py: Python<'py>, timeout: Option<f64>) -> PyResult<Bound<'py, PyAny>> {
        let _ = self::timeout(timeout)?;
        if !self.release_to_pool() {
            self.conn.close();
        }
        spawn(py, async move { Ok(Fetched::Nothing) })
    }

    /// Close the connection at once, without waiting.
    fn terminate(&self) {
        if !self.release_to_pool() {
            self.conn.close();
        }
    }

    fn is_closed(&self) -> bool {
        self.released.load(Ordering::Relaxed) || self.conn.is_closed()
    }

    /// The process id of the server backend serving this connection.
    fn get_server_pid(&self) -> i32 {
        self.conn.pid()
    }

    /// The server's `server_version_num` (e.g. 150004 for 15.4).
    fn get_server_version_num(&self) -> u32 {
        self.conn.server_version()
    }

    /// Whether the application has a transaction block open on this connection.
    fn is_in_transaction(&self) -> bool {
        self.conn.tx_depth() > 0
    }

    /// Prepare a statement: `stmt = await conn.prepare(query)`; see `PreparedStatement`.
    #[pyo3(signature = (query, *, timeout = None))]
    fn prepare<'py>(
        slf: &Bound<'py, Self>,
        query: &str,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        py.import("ouroboros.postgres._prepared")?
            .getattr("prepare")?
            .call1((slf, query, timeout))
    }

    /// A transaction block: `async with conn.transaction(): ...` (a savepoint when nested).
    #[pyo3(signature = (*, isolation = None, readonly = false, deferrable = false))]
    fn transaction<'py>(
        slf: &Bound<'py, Self>,
        isolation: Option<&str>,
        readonly: bool,
        deferrable: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        py.import("ouroboros.postgres._transaction")?
            .getattr("Transaction")?
            .call1((slf, isolation, readonly, deferrable))
    }

    /// A server-side cursor over a query (inside a transaction):
    /// `async for r in conn.cursor(q, *args)` or `cur = await conn.cursor(...)`.
    #[pyo3(signature = (query, *args, prefetch = None, timeout = None))]
    fn cursor<'py>(
        slf: &Bound<'py, Self>,
        query: &str,
        args: &Bound<'py, PyTuple>,
        prefetch: Option<usize>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        py.import("ouroboros.postgres._cursor")?
            .getattr("CursorFactory")?
            .call1((slf, query, args, prefetch, timeout))
    }

    /// `LISTEN channel` and call `callback(connection, pid, channel, payload)` per notification.
    fn add_listener<'py>(
        slf: &Bound<'py, Self>,
        channel: &str,
        callback: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        py.import("ouroboros.postgres._listen")?
            .getattr("add_listener")?
            .call1((slf, channel, callback))
    }

    /// Stop calling `callback` for `channel` (`UNLISTEN` when it was the last one).
    fn remove_listener<'py>(
        slf: &Bound<'py, Self>,
        channel: &str,
        callback: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        py.import("ouroboros.postgres._listen")?
            .getattr("remove_listener")?
            .call1((slf, channel, callback))
    }

    /// The next `(pid, channel, payload)` received, or None once the connection is closed.
    fn _next_notification<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let conn = self.conn.clone();
        crate::bridge::spawn_result(py, async move {
            Ok(conn
                .next_notification()
                .await
                .map(|n| (n.pid, n.channel, n.payload)))
        })
    }

    /// Prepare (and cache) a statement; returns its parameter and column types.
    #[pyo3(signature = (query, timeout = None))]
    fn _describe<'py>(
        &self,
        py: Python<'py>,
        query: String,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let conn = self.inner(py)?;
        let t = self::timeout(timeout)?;
        spawn(py, async move {
            conn.prepare_within(&query, t).await.map(Fetched::Described)
        })
    }

    /// Run a statement without caching it (cursor declarations).
    #[pyo3(signature = (query, args, timeout = None))]
    fn _execute_uncached<'py>(
        &self,
        py: Python<'py>,
        query: String,
        args: &Bound<'py, PyTuple>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let conn = self.inner(py)?;
        let params = convert::params(py, args)?;
        let t = self::timeout(timeout)?;
        spawn(py, async move {
            conn.execute_uncached(&query, &params, t)
                .await
                .map(|_| Fetched::Nothing)
        })
    }

    #[getter]
    fn _tx_depth(&self) -> u32 {
        self.conn.tx_depth()
    }

    #[setter(_tx_depth)]
    fn set_tx_depth(&self, depth: u32) {
        self.conn.set_tx_depth(depth);
    }

    /// Prepared statements cached on this connection.
    #[getter]
    fn _cached_statements(&self) -> usize {
        self.conn.cached_statements()
    }

    /// `executemany` batches sent, each under one Sync.
    #[getter]
    fn _pipelined_batches(&self) -> u64 {
        self.conn.pipelined_batches()
    }

    /// Notifications dropped because the bounded queue was full.
    #[getter]
    fn _dropped_notifications(&self) -> u64 {
        self.conn.dropped_notifications()
    }

    fn __repr__(&self) -> String {
        format!(
            "<ouroboros.postgres.Connection pid={}{}>",
            self.conn.pid(),
            if self.is_closed() { " closed" } else { "" }
        )
    }
}

impl Connection {
    fn copy_out<'py>(
        &self,
        py: Python<'py>,
        sql: String,
        output: Option<&Bound<'py, PyAny>>,
        timeout: Option<f64>,
        header: Option<bool>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let conn = self.inner(py)?;
        let path = match output {
            Some(o) => Some(
                py.import("os")?
                    .getattr("fspath")?
                    .call1((o,))?
                    .cast::<PyString>()?
                    .to_str()?
                    .to_owned(),
            ),
            None => None,
        };
        let t = self::timeout(timeout)?;
        spawn(py, async move {
            let (total, lines, data) = conn.copy_out(&sql, path.as_deref(), t).await?;
            Ok(if path.is_some() {
                Fetched::Status(format!("COPY {}", copied_rows(total, lines, header)))
            } else {
                Fetched::Bytes(data)
            })
        })
    }
}

/// Open a connection.
pub async fn open(dsn: String, options: ConnectOptions) -> Result<Connection, PgError> {
    ouroboros_postgres_core::Connection::connect(&dsn, options)
        .await
        .map(Connection::direct)
}
