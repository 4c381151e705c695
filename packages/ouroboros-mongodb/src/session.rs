//! Client sessions and multi-document transactions.
//!
//! A `Session` owns one driver `ClientSession` behind an async mutex: an
//! operation given `session=` locks it for the length of its round trip (a
//! cursor for each batch it reads), so operations of one session run one at a
//! time, as the server requires. The driver adds the session id, the
//! transaction number and `autocommit` to each command.

use std::sync::Arc;

use mongodb::ClientSession;
use pyo3::prelude::*;
use tokio::sync::Mutex;

use crate::errors;

/// The session and whether a transaction was started on it (the driver does
/// not expose its transaction state).
pub struct State {
    pub session: Option<ClientSession>,
    pub in_transaction: bool,
}

pub type Shared = Arc<Mutex<State>>;

#[pyclass(module = "ouroboros.mongodb._mongodb", frozen)]
pub struct Session {
    state: Shared,
}

impl Session {
    pub fn new(session: ClientSession) -> Self {
        Self {
            state: Arc::new(Mutex::new(State {
                session: Some(session),
                in_transaction: false,
            })),
        }
    }
}

/// The shared state of an optional `session=` argument.
pub fn shared(session: Option<&Py<Session>>) -> Option<Shared> {
    session.map(|s| Arc::clone(&s.get().state))
}

/// The error for a session used after `end_session()`.
pub fn ended() -> PyErr {
    ouroboros_common::Error::invalid_argument(
        "session",
        "this session has ended (end_session() was called); start a new one",
    )
    .into()
}

/// Run `$action` (a driver action builder) with the session when there is one.
/// Must be used in an async block returning `PyResult`.
macro_rules! with_session {
    ($session:expr, $action:expr) => {
        match $session {
            Some(shared) => {
                let mut guard = shared.lock().await;
                let Some(s) = guard.session.as_mut() else {
                    return Err($crate::session::ended());
                };
                $action.session(&mut *s).await
            }
            None => $action.await,
        }
    };
}
pub(crate) use with_session;

#[pymethods]
impl Session {
    /// Start a transaction; the next operations given this session belong to it.
    #[pyo3(signature = (*, max_commit_time_ms = None))]
    fn start_transaction<'py>(
        &self,
        py: Python<'py>,
        max_commit_time_ms: Option<u64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        if max_commit_time_ms == Some(0) {
            return Err(ouroboros_common::Error::invalid_argument(
                "max_commit_time_ms",
                "must be a positive number of milliseconds",
            )
            .into());
        }
        let state = Arc::clone(&self.state);
        crate::bridge::future_into_py(py, async move {
            let mut guard = state.lock().await;
            let Some(s) = guard.session.as_mut() else {
                return Err(ended());
            };
            let mut action = s.start_transaction();
            if let Some(ms) = max_commit_time_ms {
                action = action.max_commit_time(std::time::Duration::from_millis(ms));
            }
            action
                .await
                .map_err(|e| errors::to_pyerr_attached(&e, "start transaction"))?;
            guard.in_transaction = true;
            Ok(())
        })
    }

    /// Commit the transaction: its writes become visible together.
    fn commit_transaction<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let state = Arc::clone(&self.state);
        crate::bridge::future_into_py(py, async move {
            let mut guard = state.lock().await;
            let Some(s) = guard.session.as_mut() else {
                return Err(ended());
            };
            let result = s.commit_transaction().await;
            guard.in_transaction = false;
            result.map_err(|e| errors::to_pyerr_attached(&e, "commit transaction"))?;
            Ok(())
        })
    }

    /// Abort the transaction: none of its writes are kept.
    fn abort_transaction<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let state = Arc::clone(&self.state);
        crate::bridge::future_into_py(py, async move {
            let mut guard = state.lock().await;
            let Some(s) = guard.session.as_mut() else {
                return Err(ended());
            };
            let result = s.abort_transaction().await;
            guard.in_transaction = false;
            result.map_err(|e| errors::to_pyerr_attached(&e, "abort transaction"))?;
            Ok(())
        })
    }

    /// End the session (an open transaction is aborted by the driver).
    fn end_session<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let state = Arc::clone(&self.state);
        crate::bridge::future_into_py(py, async move {
            let mut guard = state.lock().await;
            guard.session = None;
            guard.in_transaction = false;
            Ok(())
        })
    }

    /// Whether a transaction is open (false while an operation holds the session).
    #[getter]
    fn in_transaction(&self) -> bool {
        self.state.try_lock().is_ok_and(|s| s.in_transaction)
    }

    /// Whether `end_session()` was called.
    #[getter]
    fn has_ended(&self) -> bool {
        self.state.try_lock().is_ok_and(|s| s.session.is_none())
    }

    /// The server's id of this session (`{"id": UUID}`), None once ended.
    #[getter]
    fn session_id<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<Option<Bound<'py, pyo3::types::PyDict>>> {
        let Ok(guard) = self.state.try_lock() else {
            return Ok(None);
        };
        match guard.session.as_ref() {
            Some(s) => Ok(Some(crate::bson_py::document_to_py(py, s.id())?)),
            None => Ok(None),
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        // The driver's session returns itself to the pool (or aborts an open
        // transaction) from its own Drop by spawning a task: let that happen
        // on the runtime, not on the Python thread that dropped this object.
        if let Ok(mut guard) = self.state.try_lock() {
            if let Some(session) = guard.session.take() {
                if let Ok(rt) = ouroboros_common::runtime::runtime() {
                    rt.spawn(async move { drop(session) });
                }
            }
        }
    }
}
