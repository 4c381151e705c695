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

type DriverCursor = mongodb::Cursor<RawDocumentBuf>;

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
    Exhausted,
}

#[pyclass(module = "ouroboros.mongodb._mongodb", frozen)]
pub struct Cursor {
    state: Arc<Mutex<State>>,
    codec: Option<Py<Codec>>,
    opts: DecodeOpts,
    what: String,
}

pub async fn open_find(
    coll: &mongodb::Collection<RawDocumentBuf>,
    spec: FindSpec,
) -> mongodb::error::Result<DriverCursor> {
    use mongodb::action::Action;
    coll.find(spec.filter)
        .optional(spec.sort, mongodb::action::Find::sort)
        .optional(spec.projection, mongodb::action::Find::projection)
        .optional(spec.skip, mongodb::action::Find::skip)
        .optional(spec.limit, mongodb::action::Find::limit)
        .optional(spec.batch_size, mongodb::action::Find::batch_size)
        .await
}

pub async fn open_aggregate(
    coll: &mongodb::Collection<RawDocumentBuf>,
    stages: Vec<Document>,
    batch_size: Option<u32>,
) -> mongodb::error::Result<DriverCursor> {
    use mongodb::action::Action;
    coll.aggregate(stages)
        .with_type::<RawDocumentBuf>()
        .optional(batch_size, mongodb::action::Aggregate::batch_size)
        .await
}

impl Cursor {
    pub fn new(
        source: CursorSource,
        codec: Option<Py<Codec>>,
        opts: DecodeOpts,
        what: String,
    ) -> Self {
        Self {
            state: Arc::new(Mutex::new(State::Pending(source))),
            codec,
            opts,
            what,
        }
    }
}

#[pymethods]
impl Cursor {
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
            Ok(DocList { docs, codec, opts })
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
