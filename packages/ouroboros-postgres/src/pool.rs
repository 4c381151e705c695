//! `Pool`: asyncpg's pool API over the engine's deadpool-based pool.
//!
//! Subclassed in Python (`_pool.py`) for the parts that are pure protocol:
//! `await create_pool(...)`, `async with pool.acquire() as conn`.

use std::sync::Arc;
use std::time::Duration;

use ouroboros_postgres_core::{ConnectOptions, PgError, Pool as CorePool, PoolOptions};
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use tokio::sync::OnceCell;

use crate::connection::Connection;
use crate::convert;
use crate::errors::interface_error;
use crate::model::Shape;
use crate::query::{spawn, timeout, Fetched};

/// A pool of connections; `await` it (or `async with` it) to open it.
#[pyclass(module = "ouroboros.postgres._postgres", frozen, subclass, weakref)]
pub struct Pool {
    dsn: String,
    options: PoolOptions,
    inner: Arc<OnceCell<Arc<CorePool>>>,
}

pub fn connect_options(
    statement_cache_size: usize,
    command_timeout: Option<f64>,
    connect_timeout: f64,
) -> PyResult<ConnectOptions> {
    let connect_timeout = timeout(Some(connect_timeout))?.unwrap_or(Duration::from_secs(60));
    Ok(ConnectOptions {
        statement_cache_size,
        command_timeout: timeout(command_timeout)?,
        connect_timeout,
        transport: Some(crate::bridge::transport()),
        ..ConnectOptions::default()
    })
}

impl Pool {
    fn core(&self, py: Python<'_>) -> PyResult<Arc<CorePool>> {
        self.inner.get().cloned().ok_or_else(|| {
            interface_error(
                py,
                "the pool is not open yet: `await` it (or use `async with create_pool(...)`)"
                    .into(),
            )
        })
    }
}

/// Run `f` on a connection taken from the pool for the call, then give it back.
macro_rules! pooled_call {
    ($self:ident, $py:ident, $conn:ident => $body:expr) => {{
        let pool = $self.core($py)?;
        spawn($py, async move {
            let $conn = pool.acquire(None).await?;
            let out = $body;
            pool.release($conn);
            out
        })
    }};
}

#[pymethods]
impl Pool {
    #[new]
    #[pyo3(signature = (dsn, *, min_size = 10, max_size = 10, statement_cache_size = 100, command_timeout = None, timeout = 60.0, acquire_timeout = None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        dsn: String,
        min_size: usize,
        max_size: usize,
        statement_cache_size: usize,
        command_timeout: Option<f64>,
        timeout: f64,
        acquire_timeout: Option<f64>,
    ) -> PyResult<Self> {
        if max_size == 0 || min_size > max_size {
            return Err(ouroboros_common::Error::invalid_argument(
                "max_size",
                format!("pool sizes must satisfy 0 <= min_size <= max_size and max_size >= 1, got min_size={min_size}, max_size={max_size}"),
            )
            .into());
        }
        Ok(Pool {
            dsn,
            options: PoolOptions {
                min_size,
                max_size,
                acquire_timeout: self::timeout(acquire_timeout)?,
                connect: connect_options(statement_cache_size, command_timeout, timeout)?,
            },
            inner: Arc::new(OnceCell::new()),
        })
    }

    /// Open the pool (idempotent): connects `min_size` connections.
    fn _open<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let me = slf.get();
        let (cell, dsn, options) = (me.inner.clone(), me.dsn.clone(), me.options.clone());
        let this = slf.clone().unbind();
        crate::bridge::spawn_result(py, async move {
            cell.get_or_try_init(|| async { CorePool::connect(&dsn, options).await.map(Arc::new) })
                .await?;
            Ok(this)
        })
    }

    /// A connection for the caller alone until `release` (see `acquire()`).
    #[pyo3(signature = (*, timeout = None))]
    fn _acquire<'py>(&self, py: Python<'py>, timeout: Option<f64>) -> PyResult<Bound<'py, PyAny>> {
        let pool = self.core(py)?;
        let t = self::timeout(timeout)?;
        crate::bridge::spawn_result(py, async move {
            let obj = pool.acquire(t).await?;
            Ok(Connection::pooled(obj, pool))
        })
    }

    /// Give a connection back to the pool (one inside a transaction is closed instead).
    fn _release(&self, connection: &Bound<'_, Connection>) -> PyResult<()> {
        let conn = connection.get();
        if let Some(pool) = self.inner.get() {
            if !conn.belongs_to(pool) {
                return Err(interface_error(
                    connection.py(),
                    "the connection was not acquired from this pool".into(),
                ));
            }
        }
        conn.release_to_pool();
        Ok(())
    }

    #[pyo3(signature = (query, *args, timeout = None))]
    fn execute<'py>(
        &self,
        py: Python<'py>,
        query: String,
        args: &Bound<'py, PyTuple>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let params = convert::params(py, args)?;
        let t = self::timeout(timeout)?;
        pooled_call!(self, py, conn => conn.execute(&query, &params, t).await.map(Fetched::Status))
    }

    #[pyo3(signature = (command, args, *, timeout = None))]
    fn executemany<'py>(
        &self,
        py: Python<'py>,
        command: String,
        args: &Bound<'py, PyAny>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let rows = convert::param_rows(py, args)?;
        let t = self::timeout(timeout)?;
        pooled_call!(self, py, conn => conn.executemany(&command, &rows, t).await.map(|_| Fetched::Nothing))
    }

    #[pyo3(signature = (query, *args, timeout = None))]
    fn fetch<'py>(
        &self,
        py: Python<'py>,
        query: String,
        args: &Bound<'py, PyTuple>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let params = convert::params(py, args)?;
        let t = self::timeout(timeout)?;
        pooled_call!(self, py, conn => conn.query(&query, &params, t).await.map(Fetched::Records))
    }

    #[pyo3(signature = (query, *args, timeout = None))]
    fn fetchrow<'py>(
        &self,
        py: Python<'py>,
        query: String,
        args: &Bound<'py, PyTuple>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let params = convert::params(py, args)?;
        let t = self::timeout(timeout)?;
        pooled_call!(self, py, conn => conn.query_first(&query, &params, t).await.map(|(s, r)| Fetched::Record(s, r)))
    }

    #[pyo3(signature = (query, *args, column = 0, timeout = None))]
    fn fetchval<'py>(
        &self,
        py: Python<'py>,
        query: String,
        args: &Bound<'py, PyTuple>,
        column: usize,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let params = convert::params(py, args)?;
        let t = self::timeout(timeout)?;
        pooled_call!(self, py, conn => conn.query_first(&query, &params, t).await.map(|(_, r)| Fetched::Value(r, column)))
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
        let params = convert::params(py, args)?;
        let shape = Shape::extract(shape)?;
        let t = self::timeout(timeout)?;
        pooled_call!(self, py, conn => conn.query(&query, &params, t).await.map(|r| Fetched::Models(r, shape)))
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
        let params = convert::params(py, args)?;
        let shape = Shape::extract(shape)?;
        let t = self::timeout(timeout)?;
        pooled_call!(self, py, conn => conn.query_first(&query, &params, t).await.map(|(_, r)| Fetched::Model(r, shape)))
    }

    /// Close the pool: idle connections close, later acquires fail.
    fn close<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        if let Some(p) = self.inner.get() {
            p.close();
        }
        spawn(py, async move { Ok::<_, PgError>(Fetched::Nothing) })
    }

    /// Close the pool at once.
    fn terminate(&self) {
        if let Some(p) = self.inner.get() {
            p.close();
        }
    }

    fn is_closing(&self) -> bool {
        self.inner.get().is_some_and(|p| p.is_closed())
    }

    /// Connections open now (idle and in use).
    fn get_size(&self) -> usize {
        self.inner.get().map_or(0, |p| p.status().0)
    }

    /// Connections open and idle.
    fn get_idle_size(&self) -> usize {
        self.inner.get().map_or(0, |p| p.status().1)
    }

    fn get_min_size(&self) -> usize {
        self.options.min_size
    }

    fn get_max_size(&self) -> usize {
        self.options.max_size
    }
}
