//! Server-side cursors read in bounded batches.
//!
//! The driver's cursor holds at most one server batch (`batch_size`
//! documents); `next_batch(n)` moves at most `n` documents out of it per
//! call, and the next `getMore` is sent only when Python asks for more. A slow
//! consumer therefore never makes the client buffer the whole result: memory
//! is bounded by about two batches whatever the result size.

use std::sync::Arc;

use bson::{Document, RawDocumentBuf};
use futures::TryStreamExt;
use pyo3::prelude::*;
use tokio::sync::Mutex;

use crate::bson_py::DecodeOpts;
use crate::codec::{Codec, DocList};
use crate::collection::FindSpec;
use crate::errors;
use crate::session::{self, Shared};

type DriverCursor = mongodb::Cursor<RawDocumentBuf>;
type DriverSessionCursor = mongodb::SessionCursor<RawDocumentBuf>;

/// What opens the cursor on first read.
pub enum CursorSource {
    Find(mongodb::Collection<RawDocumentBuf>, Box<FindSpec>),
    Aggregate(
        mongodb::Collection<RawDocumentBuf>,
        Vec<Document>,
        Option<u32>,
    ),
}

enum State {
    Pending(CursorSource),
    Open(Box<DriverCursor>),
    /// A cursor of a session: each batch is read with the session locked.
    OpenInSession(Box<DriverSessionCursor>),
    Exhausted,
}

#[pyclass(module = "ouroboros.mongodb._mongodb", frozen)]
pub struct Cursor {
    state: Arc<Mutex<State>>,
    codec: Option<Py<Codec>>,
    opts: DecodeOpts,
    what: String,
    session: Option<Shared>,
}

/// The driver's `find` with the spec's options (await it, or add a session first).
pub fn find_action(
    coll: &mongodb::Collection<RawDocumentBuf>,
    spec: FindSpec,
) -> mongodb::action::Find<'_, RawDocumentBuf> {
    use mongodb::action::Action;
    coll.find(spec.filter)
        .optional(spec.sort, mongodb::action::Find::sort)
        .optional(spec.projection, mongodb::action::Find::projection)
        .optional(spec.skip, mongodb::action::Find::skip)
        .optional(spec.limit, mongodb::action::Find::limit)
        .optional(spec.batch_size, mongodb::action::Find::batch_size)
}

pub async fn open_find(
    coll: &mongodb::Collection<RawDocumentBuf>,
    spec: FindSpec,
) -> mongodb::error::Result<DriverCursor> {
    find_action(coll, spec).await
}

/// The driver's `aggregate` returning raw documents.
pub fn aggregate_action(
    coll: &mongodb::Collection<RawDocumentBuf>,
    stages: Vec<Document>,
    batch_size: Option<u32>,
) -> mongodb::action::Aggregate<'_, mongodb::action::ImplicitSession, RawDocumentBuf> {
    use mongodb::action::Action;
    coll.aggregate(stages)
        .with_type::<RawDocumentBuf>()
        .optional(batch_size, mongodb::action::Aggregate::batch_size)
}

pub async fn open_aggregate(
    coll: &mongodb::Collection<RawDocumentBuf>,
    stages: Vec<Document>,
    batch_size: Option<u32>,
) -> mongodb::error::Result<DriverCursor> {
    aggregate_action(coll, stages, batch_size).await
}

/// Open the cursor of `source` in a session.
async fn open_in_session(
    source: CursorSource,
    s: &mut mongodb::ClientSession,
) -> mongodb::error::Result<DriverSessionCursor> {
    match source {
        CursorSource::Find(coll, spec) => find_action(&coll, *spec).session(s).await,
        CursorSource::Aggregate(coll, stages, batch) => {
            aggregate_action(&coll, stages, batch).session(s).await
        }
    }
}

impl Cursor {
    pub fn new(
        source: CursorSource,
        codec: Option<Py<Codec>>,
        opts: DecodeOpts,
        what: String,
        session: Option<Shared>,
    ) -> Self {
        Self {
            state: Arc::new(Mutex::new(State::Pending(source))),
            codec,
            opts,
            what,
            session,
        }
    }
}

#[pymethods]
impl Cursor {
    /// Its codec (and so the model class), for the garbage collector.
    fn __traverse__(&self, visit: pyo3::PyVisit<'_>) -> Result<(), pyo3::PyTraverseError> {
        visit.call(self.codec.as_ref())
    }

    /// Up to `max_items` documents (instances through the codec, else dicts);
    /// an empty list once the cursor is exhausted.
    fn next_batch<'py>(&self, py: Python<'py>, max_items: usize) -> PyResult<Bound<'py, PyAny>> {
        if max_items == 0 {
            return Err(ouroboros_common::Error::invalid_argument(
                "max_items",
                "must be at least 1",
            )
            .into());
        }
        let state = Arc::clone(&self.state);
        let codec = self.codec.as_ref().map(|c| c.clone_ref(py));
        let opts = self.opts;
        let what = self.what.clone();
        if let Some(shared) = self.session.clone() {
            return crate::bridge::future_into_py(py, async move {
                let mut guard = state.lock().await;
                let mut session_guard = shared.lock().await;
                let Some(s) = session_guard.session.as_mut() else {
                    return Err(session::ended());
                };
                if matches!(*guard, State::Pending(_)) {
                    let State::Pending(source) = std::mem::replace(&mut *guard, State::Exhausted)
                    else {
                        unreachable!()
                    };
                    let opened = open_in_session(source, s)
                        .await
                        .map_err(|e| errors::to_pyerr_attached(&e, &what))?;
                    *guard = State::OpenInSession(Box::new(opened));
                }
                let mut docs = Vec::new();
                if let State::OpenInSession(cursor) = &mut *guard {
                    while docs.len() < max_items {
                        match cursor.next(s).await {
                            Some(Ok(doc)) => docs.push(doc),
                            None => {
                                *guard = State::Exhausted;
                                break;
                            }
                            Some(Err(e)) => {
                                *guard = State::Exhausted;
                                return Err(errors::to_pyerr_attached(&e, &what));
                            }
                        }
                    }
                }
                Ok(DocList {
                    docs,
                    replies: Vec::new(),
                    codec,
                    opts,
                })
            });
        }
        crate::bridge::future_into_py(py, async move {
            let mut guard = state.lock().await;
            if matches!(*guard, State::Pending(_)) {
                let State::Pending(source) = std::mem::replace(&mut *guard, State::Exhausted)
                else {
                    unreachable!()
                };
                let opened = match source {
                    CursorSource::Find(coll, spec) => open_find(&coll, *spec).await,
                    CursorSource::Aggregate(coll, stages, batch) => {
                        open_aggregate(&coll, stages, batch).await
                    }
                };
                *guard = State::Open(Box::new(
                    opened.map_err(|e| errors::to_pyerr_attached(&e, &what))?,
                ));
            }
            let mut docs = Vec::new();
            if let State::Open(cursor) = &mut *guard {
                while docs.len() < max_items {
                    match cursor.try_next().await {
                        Ok(Some(doc)) => docs.push(doc),
                        Ok(None) => {
                            *guard = State::Exhausted;
                            break;
                        }
                        Err(e) => {
                            *guard = State::Exhausted;
                            return Err(errors::to_pyerr_attached(&e, &what));
                        }
                    }
                }
            }
            Ok(DocList {
                docs,
                replies: Vec::new(),
                codec,
                opts,
            })
        })
    }

    /// Whether every document has been read.
    #[getter]
    fn exhausted(&self) -> bool {
        self.state
            .try_lock()
            .is_ok_and(|s| matches!(*s, State::Exhausted))
    }

    /// Release the server-side cursor now (it is also released when dropped).
    fn close(&self) {
        if let Ok(mut s) = self.state.try_lock() {
            *s = State::Exhausted;
        }
    }
}
