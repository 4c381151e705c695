//! Completing asyncio futures from tokio without taking the GIL on tokio threads.
//!
//! `pyo3-async-runtimes` completes each future by taking the GIL on a tokio
//! worker and calling `loop.call_soon_threadsafe`; under load the workers then
//! queue for the GIL that the event loop holds, and each completion costs
//! several Python calls. Measured here (benchmarks/bench_http.py, 1 KB GETs at
//! concurrency 100): about 6.9k req/s that way. Instead, each event loop gets
//! one `Completer`: a tokio task pushes its outcome onto a queue and writes one
//! byte to a socket pair only when the queue was empty; the loop watches the
//! other end (`loop.add_reader`) and completes every queued future in one
//! batch, on its own thread, where the GIL is already held.
//!
//! Cancelling the asyncio future aborts the tokio task (a done-callback looks
//! the task up by the future's address), which drops the request and frees its
//! connection.

use std::collections::HashMap;
use std::future::Future;
use std::io::{ErrorKind as IoKind, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use ouroboros_http_core::{Completed, HttpError, Opened};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use tokio::task::AbortHandle;

use crate::errors::to_pyerr;
use crate::response::Response;

/// What a finished request hands back to the loop thread.
pub enum Outcome {
    Completed(Completed),
    Opened(Opened),
    Failed(HttpError),
    Panicked(ouroboros_common::Error),
}

struct Done {
    fut: Py<PyAny>,
    key: usize,
    outcome: Outcome,
}

struct Shared {
    queue: Mutex<Vec<Done>>,
    pending: Mutex<HashMap<usize, AbortHandle>>,
    writer: UnixStream,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    fn push(&self, done: Done) {
        let was_empty = {
            let mut q = lock(&self.queue);
            let empty = q.is_empty();
            q.push(done);
            empty
        };
        if was_empty {
            // A full socket buffer means a wake-up is already pending: fine to drop.
            let _ = (&self.writer).write(&[1]);
        }
    }
}

/// The per-event-loop end of the bridge.
#[pyclass(module = "ouroboros.http._http")]
pub struct Completer {
    shared: Arc<Shared>,
    reader: UnixStream,
    event_loop: Py<PyAny>,
    create_future: Py<PyAny>,
    on_done: Option<Py<PyAny>>,
}

#[pymethods]
impl Completer {
    /// Called by the event loop when the socket is readable: complete every queued future.
    fn _drain(&self, py: Python<'_>) {
        let mut buf = [0u8; 512];
        loop {
            match (&self.reader).read(&mut buf) {
                Ok(n) if n == buf.len() => {}
                Err(e) if e.kind() == IoKind::Interrupted => {}
                _ => break,
            }
        }
        let items = std::mem::take(&mut *lock(&self.shared.queue));
        if items.is_empty() {
            return;
        }
        {
            let mut pending = lock(&self.shared.pending);
            for d in &items {
                pending.remove(&d.key);
            }
        }
        // One failing item must not strand the rest of the batch: errors are
        // delivered to the future they belong to, never raised into the loop.
        for d in items {
            let fut = d.fut.bind(py);
            if fut
                .call_method0(pyo3::intern!(py, "done"))
                .and_then(|v| v.is_truthy())
                .unwrap_or(true)
            {
                continue; // cancelled meanwhile
            }
            let result = match d.outcome {
                Outcome::Completed(c) => Py::new(py, Response::from_completed(c)).map(Py::into_any),
                Outcome::Opened(o) => Py::new(py, Response::from_opened(o)).map(Py::into_any),
                Outcome::Failed(e) => Err(to_pyerr(py, &e)),
                Outcome::Panicked(e) => Err(e.into()),
            };
            let delivered = match result {
                Ok(v) => fut.call_method1(pyo3::intern!(py, "set_result"), (v,)),
                Err(e) => fut.call_method1(pyo3::intern!(py, "set_exception"), (e.into_value(py),)),
            };
            if let Err(e) = delivered {
                let _ = fut.call_method1(pyo3::intern!(py, "set_exception"), (e.into_value(py),));
            }
        }
    }

    /// Done-callback of every future: abort the request if it is still running.
    fn _on_done(&self, fut: &Bound<'_, PyAny>) {
        if let Some(h) = lock(&self.shared.pending).remove(&(fut.as_ptr() as usize)) {
            h.abort();
        }
    }
}

static GET_RUNNING_LOOP: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// The completers of the loops a client is used on (usually one).
///
/// The mutex is never held across a Python call (which could switch threads
/// and deadlock against the GIL): it only guards the list of `Py` handles.
/// Completers of closed loops are dropped when a new loop shows up, so a
/// client shared by threads with their own loops keeps one per live loop.
#[derive(Default)]
pub struct LoopSlot {
    completers: Mutex<Vec<Py<Completer>>>,
}

impl LoopSlot {
    fn completer<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, Completer>> {
        let get_loop = GET_RUNNING_LOOP.get_or_try_init(py, || -> PyResult<_> {
            Ok(py.import("asyncio")?.getattr("get_running_loop")?.unbind())
        })?;
        let running = get_loop.bind(py).call0()?;
        {
            // Hot path: a pointer comparison per known loop, no Python call under the lock.
            let list = lock(&self.completers);
            if let Some(c) = list
                .iter()
                .find(|c| c.borrow(py).event_loop.bind(py).is(&running))
            {
                return Ok(c.bind(py).clone());
            }
        }
        let known: Vec<Py<Completer>> = lock(&self.completers)
            .iter()
            .map(|c| c.clone_ref(py))
            .collect();
        let mut closed: Vec<usize> = Vec::new();
        for c in &known {
            if c.borrow(py)
                .event_loop
                .bind(py)
                .call_method0("is_closed")
                .and_then(|v| v.is_truthy())
                .unwrap_or(true)
            {
                closed.push(c.as_ptr() as usize);
            }
        }
        let (reader, writer) = UnixStream::pair().map_err(|e| {
            ouroboros_common::Error::io("cannot create the asyncio wake-up socket pair", e)
        })?;
        reader
            .set_nonblocking(true)
            .map_err(|e| ouroboros_common::Error::io("set_nonblocking", e))?;
        writer
            .set_nonblocking(true)
            .map_err(|e| ouroboros_common::Error::io("set_nonblocking", e))?;
        let fd = reader.as_raw_fd();
        let completer = Bound::new(
            py,
            Completer {
                shared: Arc::new(Shared {
                    queue: Mutex::new(Vec::new()),
                    pending: Mutex::new(HashMap::new()),
                    writer,
                }),
                reader,
                create_future: running.getattr("create_future")?.unbind(),
                event_loop: running.clone().unbind(),
                on_done: None,
            },
        )?;
        let on_done = completer.getattr("_on_done")?.unbind();
        completer.borrow_mut().on_done = Some(on_done);
        running.call_method1("add_reader", (fd, completer.getattr("_drain")?))?;
        let removed: Vec<Py<Completer>> = {
            let mut list = lock(&self.completers);
            let (gone, keep): (Vec<_>, Vec<_>) = list
                .drain(..)
                .partition(|c| closed.contains(&(c.as_ptr() as usize)));
            *list = keep;
            list.push(completer.clone().unbind());
            gone
        };
        drop(removed); // outside the lock: a decref may run Python code
        Ok(completer)
    }

    /// Run `work` on the runtime; return an asyncio future of its outcome.
    ///
    /// `work` comes boxed: a request future is several kilobytes, and every
    /// move of an unboxed one on the way into the task is a memcpy of all of
    /// it (perf showed memmove as the top symbol of the loop thread).
    pub fn spawn<'py>(
        &self,
        py: Python<'py>,
        work: Pin<Box<dyn Future<Output = Outcome> + Send>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let completer = self.completer(py)?;
        let c = completer.borrow();
        let fut = c.create_future.bind(py).call0()?;
        if let Some(cb) = &c.on_done {
            fut.call_method1(pyo3::intern!(py, "add_done_callback"), (cb.bind(py),))?;
        }
        let key = fut.as_ptr() as usize;
        let shared = Arc::clone(&c.shared);
        let fut_ref = fut.clone().unbind();
        let rt = ouroboros_common::runtime::runtime()?;
        let handle = rt.spawn(async move {
            let outcome = match ouroboros_common::panic::catch_future(async {
                Ok::<_, ouroboros_common::Error>(work.await)
            })
            .await
            {
                Ok(o) => o,
                Err(e) => Outcome::Panicked(e),
            };
            shared.push(Done {
                fut: fut_ref,
                key,
                outcome,
            });
        });
        lock(&c.shared.pending).insert(key, handle.abort_handle());
        Ok(fut)
    }
}
