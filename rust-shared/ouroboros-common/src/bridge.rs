//! Awaitables for Rust futures: finished on the event loop's own thread.
//!
//! The obvious bridge (`pyo3-async-runtimes`) completes each asyncio future
//! from a tokio worker: the worker takes the GIL and calls
//! `loop.call_soon_threadsafe`. That costs a GIL hand-off per future, and it
//! is unsafe at exit: if the main thread finalizes the interpreter while a
//! worker is inside Python, CPython ends the worker with `pthread_exit`, which
//! cannot unwind Rust frames, and the process aborts (seen in ~40% of runs of
//! a script whose last line awaits a Rust future).
//!
//! Here a tokio task never touches Python. When its future finishes it pushes
//! a [`Deliver`] closure onto the queue of the loop that awaited it and, if
//! the queue was empty, writes one byte to a socket pair. The loop watches the
//! other end (`loop.add_reader`) and runs every queued closure in one batch on
//! its own thread, where it already holds the GIL: conversion of results to
//! Python objects happens there too.
//!
//! Cancelling the asyncio future aborts the tokio task (a done-callback finds
//! it by the future's address), so the Rust future is dropped.

use std::collections::HashMap;
use std::future::Future;
use std::io::{ErrorKind, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::IntoPyObjectExt;
use tokio::task::AbortHandle;

use crate::{panic, runtime, Error};

/// Turns a task's outcome into the future's result; runs on the loop thread.
pub type Deliver = Box<dyn FnOnce(Python<'_>) -> PyResult<Py<PyAny>> + Send>;

struct Finished {
    future: Py<PyAny>,
    key: usize,
    deliver: Deliver,
}

struct Queue {
    finished: Mutex<Vec<Finished>>,
    running: Mutex<HashMap<usize, AbortHandle>>,
    wake: UnixStream,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Queue {
    fn push(&self, item: Finished) {
        let first = {
            let mut q = lock(&self.finished);
            q.push(item);
            q.len() == 1
        };
        if first {
            // A full socket buffer means a wake-up is already pending.
            let _ = (&self.wake).write(&[1]);
        }
    }
}

/// The bridge end owned by one event loop.
#[pyclass(module = "ouroboros.core")]
pub struct LoopBridge {
    queue: Arc<Queue>,
    woken: UnixStream,
    event_loop: Py<PyAny>,
    create_future: Py<PyAny>,
    on_done: Option<Py<PyAny>>,
    /// `self._resolve`, bound once.
    resolve: Option<Py<PyAny>>,
}

#[pymethods]
impl LoopBridge {
    /// The wake-up socket is readable: deliver every finished task.
    fn _drain(&self, py: Python<'_>) {
        drain_wake_socket(&self.woken);
        let batch = std::mem::take(&mut *lock(&self.queue.finished));
        {
            let mut running = lock(&self.queue.running);
            for f in &batch {
                running.remove(&f.key);
            }
        }
        // Each outcome goes to its own future; nothing is raised into the loop.
        for f in batch {
            settle(py, f.future.bind(py), f.deliver);
        }
    }

    /// Done-callback of every future: stop its task if it is still running.
    fn _on_done(&self, future: &Bound<'_, PyAny>) {
        if let Some(task) = lock(&self.queue.running).remove(&(future.as_ptr() as usize)) {
            task.abort();
        }
    }

    /// `loop.call_soon` target of [`spawn_eager`]: the value, unless
    /// the awaiting task was cancelled meanwhile.
    #[staticmethod]
    fn _resolve(future: &Bound<'_, PyAny>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = future.py();
        if !future
            .call_method0(pyo3::intern!(py, "done"))?
            .is_truthy()?
        {
            future.call_method1(pyo3::intern!(py, "set_result"), (value,))?;
        }
        Ok(())
    }
}

/// Tasks spawned by [`spawn`] whose future is not yet dropped (finished or aborted).
static ALIVE: AtomicUsize = AtomicUsize::new(0);

/// Counts one task while its future exists; moved into the future, so an
/// aborted task (even one never polled) drops it.
struct Alive;

impl Alive {
    fn new() -> Self {
        ALIVE.fetch_add(1, Ordering::Relaxed);
        Self
    }
}

impl Drop for Alive {
    fn drop(&mut self) {
        ALIVE.fetch_sub(1, Ordering::Relaxed);
    }
}

/// How many bridge tasks of this wheel are running or waiting to run.
#[must_use]
pub fn alive_tasks() -> usize {
    ALIVE.load(Ordering::Relaxed)
}

static GET_RUNNING_LOOP: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// `asyncio.get_running_loop()`.
pub(crate) fn running_loop(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    let get_loop = GET_RUNNING_LOOP.get_or_try_init(py, || -> PyResult<_> {
        Ok(py.import("asyncio")?.getattr("get_running_loop")?.unbind())
    })?;
    get_loop.bind(py).call0()
}

/// A connected pair of non-blocking sockets: the loop watches the first, other
/// threads write a byte to the second to wake it.
pub(crate) fn wake_pair() -> PyResult<(UnixStream, UnixStream)> {
    let (woken, wake) = UnixStream::pair()
        .map_err(|e| Error::io("cannot create the asyncio wake-up socket pair", e))?;
    for s in [&woken, &wake] {
        s.set_nonblocking(true)
            .map_err(|e| Error::io("cannot make the asyncio wake-up socket non-blocking", e))?;
    }
    Ok((woken, wake))
}

/// Read every pending wake-up byte.
pub(crate) fn drain_wake_socket(woken: &UnixStream) {
    let mut scratch = [0u8; 256];
    loop {
        match (&*woken).read(&mut scratch) {
            Ok(n) if n == scratch.len() => {}
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            _ => break,
        }
    }
}

/// Set `future` from `deliver` unless it is done already (cancelled meanwhile).
pub(crate) fn settle(py: Python<'_>, future: &Bound<'_, PyAny>, deliver: Deliver) {
    let done = future
        .call_method0(pyo3::intern!(py, "done"))
        .and_then(|v| v.is_truthy())
        .unwrap_or(true);
    if done {
        return;
    }
    let delivered = match deliver(py) {
        Ok(value) => future.call_method1(pyo3::intern!(py, "set_result"), (value,)),
        Err(e) => future.call_method1(pyo3::intern!(py, "set_exception"), (e.into_value(py),)),
    };
    if let Err(e) = delivered {
        let _ = future.call_method1(pyo3::intern!(py, "set_exception"), (e.into_value(py),));
    }
}

static BRIDGES: Mutex<Vec<Py<LoopBridge>>> = Mutex::new(Vec::new());

fn new_bridge<'py>(
    py: Python<'py>,
    running: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, LoopBridge>> {
    let (woken, wake) = wake_pair()?;
    let fd = woken.as_raw_fd();
    let created = Bound::new(
        py,
        LoopBridge {
            queue: Arc::new(Queue {
                finished: Mutex::new(Vec::new()),
                running: Mutex::new(HashMap::new()),
                wake,
            }),
            woken,
            create_future: running.getattr("create_future")?.unbind(),
            event_loop: running.clone().unbind(),
            on_done: None,
            resolve: None,
        },
    )?;
    let on_done = created.getattr("_on_done")?.unbind();
    created.borrow_mut().on_done = Some(on_done);
    let resolve = created.getattr("_resolve")?.unbind();
    created.borrow_mut().resolve = Some(resolve);
    running.call_method1("add_reader", (fd, created.getattr("_drain")?))?;
    Ok(created)
}

/// The bridge of the running loop, made on first use.
fn bridge(py: Python<'_>) -> PyResult<Bound<'_, LoopBridge>> {
    let running = running_loop(py)?;
    {
        let list = lock(&BRIDGES);
        if let Some(b) = list
            .iter()
            .find(|b| b.borrow(py).event_loop.bind(py).is(&running))
        {
            return Ok(b.bind(py).clone());
        }
    }
    let created = new_bridge(py, &running)?;
    // Bridges of closed loops go (a decref may run Python code: outside the lock).
    let stale: Vec<Py<LoopBridge>> = {
        let all: Vec<Py<LoopBridge>> = lock(&BRIDGES).drain(..).collect();
        let (closed, open): (Vec<_>, Vec<_>) = all.into_iter().partition(|b| {
            b.borrow(py)
                .event_loop
                .bind(py)
                .call_method0("is_closed")
                .and_then(|v| v.is_truthy())
                .unwrap_or(true)
        });
        let mut list = lock(&BRIDGES);
        list.extend(open);
        list.push(created.clone().unbind());
        closed
    };
    drop(stale);
    Ok(created)
}

/// Run `work` on the wheel's runtime; an asyncio future of its outcome.
///
/// `work` runs without the GIL and must not take it; the [`Deliver`] it
/// returns runs later on the loop thread and builds the result (or raises).
/// A panic in `work` arrives as `ouroboros.core.InternalError`.
pub fn spawn<F>(py: Python<'_>, work: F) -> PyResult<Bound<'_, PyAny>>
where
    F: Future<Output = Deliver> + Send + 'static,
{
    let b = bridge(py)?;
    let b = b.borrow();
    let future = b.create_future.bind(py).call0()?;
    if let Some(cb) = &b.on_done {
        future.call_method1(pyo3::intern!(py, "add_done_callback"), (cb.bind(py),))?;
    }
    let key = future.as_ptr() as usize;
    let queue = Arc::clone(&b.queue);
    let target = future.clone().unbind();
    let rt = runtime::runtime()?;
    // Registered before the task can finish, so `_drain` always finds it.
    let mut running = lock(&b.queue.running);
    let alive = Alive::new();
    let task = rt.spawn(async move {
        let _alive = alive;
        let deliver = match panic::catch_future(async { Ok::<_, Error>(work.await) }).await {
            Ok(d) => d,
            Err(e) => Box::new(move |_py: Python<'_>| Err(e.into())) as Deliver,
        };
        queue.push(Finished {
            future: target,
            key,
            deliver,
        });
    });
    running.insert(key, task.abort_handle());
    drop(running);
    Ok(future)
}

/// [`spawn`] for a future of a Python-convertible value: the value (converted
/// on the loop thread) becomes the result, an error is raised from `await`.
pub fn future_into_py<'py, F, T>(py: Python<'py>, fut: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = PyResult<T>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    spawn(py, async move {
        let outcome = fut.await;
        Box::new(move |py: Python<'_>| outcome.and_then(|v| v.into_py_any(py))) as Deliver
    })
}

/// [`spawn`], but `work` is polled once on the calling (loop) thread first.
///
/// When that first poll finishes it (the value was already there: a body
/// chunk hyper read ahead, a cached entry), the awaitable comes back already
/// done and no thread is woken in either direction; otherwise the polled
/// future moves to the runtime as [`spawn`] would run it. Only for work whose
/// first poll is cheap and never blocks: it runs with the GIL held.
///
/// With `give_turn`, a value that is ready at once is set through
/// `loop.call_soon`, so the awaiting task lets the loop's other tasks run
/// once before it goes on. A consumer whose awaitables are always done (a
/// fast download read chunk by chunk) would otherwise never give up the
/// loop; asking for a turn every few items keeps the others running.
pub fn spawn_eager<F>(py: Python<'_>, work: F, give_turn: bool) -> PyResult<Bound<'_, PyAny>>
where
    F: Future<Output = Deliver> + Send + 'static,
{
    let rt = runtime::runtime()?;
    let mut work = Box::pin(work);
    let first = {
        let _context = rt.enter();
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        panic::catch(|| Ok::<_, Error>(work.as_mut().poll(&mut cx)))
    };
    let outcome = match first {
        Ok(std::task::Poll::Pending) => return spawn(py, work),
        Ok(std::task::Poll::Ready(deliver)) => deliver(py),
        Err(e) => Err(e.into()),
    };
    let b = bridge(py)?;
    let b = b.borrow();
    let future = b.create_future.bind(py).call0()?;
    match outcome {
        Ok(value) if give_turn => match &b.resolve {
            Some(resolve) => b.event_loop.bind(py).call_method1(
                pyo3::intern!(py, "call_soon"),
                (resolve.bind(py), &future, value),
            )?,
            None => future.call_method1(pyo3::intern!(py, "set_result"), (value,))?,
        },
        Ok(value) => future.call_method1(pyo3::intern!(py, "set_result"), (value,))?,
        Err(e) => future.call_method1(pyo3::intern!(py, "set_exception"), (e.into_value(py),))?,
    };
    Ok(future)
}
