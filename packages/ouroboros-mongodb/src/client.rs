//! Connecting: one pooled `mongodb::Client` per `Client` object.
//!
//! `connect` parses the URI (replica sets, pool sizes, timeouts and TLS come
//! from its options, as with PyMongo), applies the keyword overrides and pings
//! the server once, so an unreachable server is reported at `init` time with
//! the address that was tried instead of at the first query.

use std::time::Duration;

use bson::doc;
use mongodb::options::ClientOptions;
use pyo3::prelude::*;

use crate::bson_py::{self, DecodeOpts};
use crate::codec::BsonDict;
use crate::collection::Collection;
use crate::errors;

#[pyclass(module = "ouroboros.mongodb._mongodb", frozen)]
pub struct Client {
    pub inner: mongodb::Client,
    default_database: Option<String>,
    pub opts: DecodeOpts,
    hosts: String,
}

fn millis(name: &str, value: Option<u64>) -> PyResult<Option<Duration>> {
    match value {
        Some(0) => Err(ouroboros_common::Error::invalid_argument(
            name,
            "must be a positive number of milliseconds",
        )
        .into()),
        Some(ms) => Ok(Some(Duration::from_millis(ms))),
        None => Ok(None),
    }
}

/// `connect(uri, ...)`: an awaitable `Client`, after one successful ping.
#[pyfunction]
#[pyo3(signature = (uri, *, tz_aware = false, server_selection_timeout_ms = None, connect_timeout_ms = None,
                    max_pool_size = None, min_pool_size = None, app_name = None, ping = true))]
#[allow(clippy::too_many_arguments)]
pub fn connect(
    py: Python<'_>,
    uri: String,
    tz_aware: bool,
    server_selection_timeout_ms: Option<u64>,
    connect_timeout_ms: Option<u64>,
    max_pool_size: Option<u32>,
    min_pool_size: Option<u32>,
    app_name: Option<String>,
    ping: bool,
) -> PyResult<Bound<'_, PyAny>> {
    let selection = millis("server_selection_timeout_ms", server_selection_timeout_ms)?;
    let connect_timeout = millis("connect_timeout_ms", connect_timeout_ms)?;
    if max_pool_size == Some(0) {
        return Err(ouroboros_common::Error::invalid_argument(
            "max_pool_size",
            "must be at least 1",
        )
        .into());
    }
    crate::bridge::future_into_py(py, async move {
        let mut options = ClientOptions::parse(&uri).await.map_err(|e| {
            if matches!(*e.kind, mongodb::error::ErrorKind::DnsResolve { .. }) {
                // A well-formed mongodb+srv URI whose SRV/TXT lookup failed.
                return errors::to_pyerr_attached(&e, "connect");
            }
            ouroboros_common::python::InvalidArgumentError::new_err(format!(
                "invalid MongoDB URI: {e}"
            ))
        })?;
        if selection.is_some() {
            options.server_selection_timeout = selection;
        }
        if connect_timeout.is_some() {
            options.connect_timeout = connect_timeout;
        }
        if max_pool_size.is_some() {
            options.max_pool_size = max_pool_size;
        }
        if min_pool_size.is_some() {
            options.min_pool_size = min_pool_size;
        }
        if app_name.is_some() {
            options.app_name = app_name;
        }
        let hosts = options
            .hosts
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let default_database = options.default_database.clone();
        let client = mongodb::Client::with_options(options)
            .map_err(|e| errors::to_pyerr_attached(&e, &format!("connect to {hosts}")))?;
        if ping {
            client
                .database("admin")
                .run_command(doc! {"ping": 1})
                .await
                .map_err(|e| errors::to_pyerr_attached(&e, &format!("connect to {hosts}")))?;
        }
        Ok(Client {
            inner: client,
            default_database,
            opts: DecodeOpts { tz_aware },
            hosts,
        })
    })
}

#[pymethods]
impl Client {
    /// The database named in the URI path, if any.
    #[getter]
    fn default_database(&self) -> Option<String> {
        self.default_database.clone()
    }

    /// `host:port` of every seed, comma separated (for messages).
    #[getter]
    fn hosts(&self) -> String {
        self.hosts.clone()
    }

    #[getter]
    fn tz_aware(&self) -> bool {
        self.opts.tz_aware
    }

    /// A handle on `database.name` (no I/O).
    fn collection(&self, database: &str, name: &str) -> PyResult<Collection> {
        if name.is_empty() || name.contains('\0') || name.starts_with('$') {
            return Err(ouroboros_common::Error::invalid_argument(
                "name",
                format!("{name:?} is not a valid collection name"),
            )
            .into());
        }
        validate_db_name(database)?;
        Ok(Collection::new(
            self.inner.database(database).collection(name),
            self.opts,
        ))
    }

    /// Run a database command, returning the server's reply as a dict.
    fn run_command<'py>(
        &self,
        py: Python<'py>,
        database: &str,
        command: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        validate_db_name(database)?;
        let cmd = bson_py::to_document(command)?;
        let db = self.inner.database(database);
        let what = format!(
            "command {} on {database}",
            cmd.keys().next().cloned().unwrap_or_default()
        );
        crate::bridge::future_into_py(py, async move {
            let reply = db
                .run_command(cmd)
                .await
                .map_err(|e| errors::to_pyerr_attached(&e, &what))?;
            Ok(BsonDict(reply))
        })
    }

    fn list_collection_names<'py>(
        &self,
        py: Python<'py>,
        database: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        validate_db_name(database)?;
        let db = self.inner.database(database);
        crate::bridge::future_into_py(py, async move {
            db.list_collection_names()
                .await
                .map_err(|e| errors::to_pyerr_attached(&e, "list collections"))
        })
    }

    fn drop_database<'py>(&self, py: Python<'py>, database: &str) -> PyResult<Bound<'py, PyAny>> {
        validate_db_name(database)?;
        let db = self.inner.database(database);
        let what = format!("drop database {database}");
        crate::bridge::future_into_py(py, async move {
            db.drop()
                .await
                .map_err(|e| errors::to_pyerr_attached(&e, &what))?;
            Ok(())
        })
    }

    /// Start a client session (an awaitable `Session`): pass it as `session=`
    /// to operations; `start_transaction()` groups them into a transaction.
    fn start_session<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let client = self.inner.clone();
        crate::bridge::future_into_py(py, async move {
            let session = client
                .start_session()
                .await
                .map_err(|e| errors::to_pyerr_attached(&e, "start session"))?;
            Ok(crate::session::Session::new(session))
        })
    }

    fn __repr__(&self) -> String {
        format!(
            "Client(hosts={:?}, default_database={:?})",
            self.hosts, self.default_database
        )
    }
}

fn validate_db_name(name: &str) -> PyResult<()> {
    if name.is_empty()
        || name.len() > 63
        || name
            .chars()
            .any(|c| matches!(c, '/' | '\\' | '.' | ' ' | '"' | '$' | '\0'))
    {
        return Err(ouroboros_common::Error::invalid_argument(
            "database",
            format!("{name:?} is not a valid database name"),
        )
        .into());
    }
    Ok(())
}
