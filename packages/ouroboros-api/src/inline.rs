//! Running the queued requests on the I/O thread while the asyncio loop
//! waits.
//!
//! The usual path hands each batch to the loop's thread: an eventfd write,
//! a context switch to that thread, its `epoll_wait`, the replies sent back
//! through a channel and a switch back. When the loop's thread is blocked in
//! its selector with nothing to do, that round trip is pure overhead: the
//! I/O thread takes the GIL and runs the batch itself (`drain`'s very code),
//! with the app's loop set as the running loop and the same
//! `contextvars.Context` the loop's `drain` uses, and answers directly.
//!
//! asyncio code relies on nothing else running between two of its awaits,
//! so the I/O thread may run Python only while the loop's thread runs none:
//! a [`Gate`] the loop's selector (`_serve.GatedSelector`) opens just before
//! it blocks and closes when it wakes; waking waits for a batch the I/O
//! thread is running. Anything the batch leaves for the loop (a handler that
//! awaits, so its Task; a callback or timer scheduled; a future resolved)
//! wakes the loop through its self-pipe, as `call_soon_threadsafe` would.
//!
//! Loops other than asyncio's selector loops (uvloop...) and loops in debug
//! mode (which check the calling thread) keep the usual path.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Condvar, Mutex};

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyList;

use crate::bridge::{ReplyBatch, Server};
use crate::queue::Queue;

/// The loop's thread runs Python (or is about to).
const BUSY: u8 = 0;
/// The loop's thread is blocked in its selector.
const IDLE: u8 = 1;
/// The I/O thread runs a batch.
const IO: u8 = 2;
/// Detached: the I/O thread never runs Python again.
const CLOSED: u8 = 3;

/// Who may run Python for one server: the loop's thread or the I/O thread.
pub struct Gate {
    state: AtomicU8,
    /// Whether the loop's thread waits in `shut_to` for a batch to end
    /// (`leave` then wakes it; with nobody waiting, it makes no system call).
    lock: Mutex<bool>,
    done: Condvar,
}

impl Default for Gate {
    fn default() -> Self {
        Self::new()
    }
}

impl Gate {
    pub fn new() -> Self {
        Self {
            state: AtomicU8::new(BUSY),
            lock: Mutex::new(false),
            done: Condvar::new(),
        }
    }

    /// The loop's thread is about to block in its selector.
    pub fn open(&self) {
        let _ = self
            .state
            .compare_exchange(BUSY, IDLE, Ordering::AcqRel, Ordering::Acquire);
    }

    /// The loop's thread woke up: wait (GIL released) for a batch the I/O
    /// thread is running, then keep the I/O thread out.
    pub fn shut(&self, py: Python<'_>) {
        self.shut_to(py, BUSY);
    }

    /// For good: the I/O thread never runs Python again.
    pub fn close(&self, py: Python<'_>) {
        self.shut_to(py, CLOSED);
    }

    fn shut_to(&self, py: Python<'_>, to: u8) {
        loop {
            let Err(seen) =
                self.state
                    .compare_exchange(IDLE, to, Ordering::AcqRel, Ordering::Acquire)
            else {
                return;
            };
            match seen {
                IO => py.detach(|| {
                    let mut guard = self
                        .lock
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    while self.state.load(Ordering::Acquire) == IO {
                        *guard = true;
                        guard = self
                            .done
                            .wait(guard)
                            .unwrap_or_else(std::sync::PoisonError::into_inner);
                    }
                }),
                BUSY if to == CLOSED => {
                    if self
                        .state
                        .compare_exchange(BUSY, CLOSED, Ordering::AcqRel, Ordering::Acquire)
                        .is_ok()
                    {
                        return;
                    }
                }
                _ => return,
            }
        }
    }

    fn try_enter(&self) -> bool {
        self.state
            .compare_exchange(IDLE, IO, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    fn leave(&self) {
        let mut waiting = self
            .lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        self.state.store(IDLE, Ordering::Release);
        // `shut_to` sets the flag under this lock before it waits, so a
        // waiter is never missed; without one, no futex wake-up per batch.
        let wake = std::mem::replace(&mut *waiting, false);
        drop(waiting);
        if wake {
            self.done.notify_all();
        }
    }
}

/// What the I/O thread needs to run a batch: the server, the loop and the
/// parts of it a batch may leave work in.
pub struct Inline {
    gate: Arc<Gate>,
    server: Py<Server>,
    event_loop: Py<PyAny>,
    context: Py<PyAny>,
    /// `loop._ready` (a deque) and `loop._scheduled` (a heap in a list).
    ready: Py<PyAny>,
    scheduled: Py<PyList>,
    /// `loop._write_to_self`: wakes the loop's selector.
    wake_loop: Py<PyAny>,
    /// `asyncio.events._set_running_loop`.
    set_running_loop: Py<PyAny>,
}

impl Inline {
    pub fn new(
        py: Python<'_>,
        gate: Arc<Gate>,
        server: Py<Server>,
        event_loop: &Bound<'_, PyAny>,
        context: Py<PyAny>,
    ) -> PyResult<Self> {
        let scheduled = event_loop.getattr("_scheduled")?.cast_into::<PyList>()?;
        Ok(Self {
            gate,
            server,
            context,
            ready: event_loop.getattr("_ready")?.unbind(),
            scheduled: scheduled.unbind(),
            wake_loop: event_loop.getattr("_write_to_self")?.unbind(),
            set_running_loop: py
                .import("asyncio.events")?
                .getattr("_set_running_loop")?
                .unbind(),
            event_loop: event_loop.clone().unbind(),
        })
    }

    /// The loop's thread is blocked in its selector (a hint: `run` checks).
    pub fn idle(&self) -> bool {
        self.gate.state.load(Ordering::Acquire) == IDLE
    }

    /// Run what is queued, if the loop's thread is idle, and return the
    /// replies to send; `None` leaves the queue to the loop. Called by the
    /// I/O thread outside its runtime (a handler may start a runtime of its
    /// own), without the GIL.
    pub fn run(&self, queue: &Queue) -> Option<ReplyBatch> {
        if !self.gate.try_enter() {
            return None;
        }
        keep_thread_state();
        let replies = Python::attach(|py| {
            self.run_attached(py, queue).unwrap_or_else(|e| {
                e.write_unraisable(py, None);
                None
            })
        });
        self.gate.leave();
        replies
    }

    fn run_attached(&self, py: Python<'_>, queue: &Queue) -> PyResult<Option<ReplyBatch>> {
        let event_loop = self.event_loop.bind(py);
        // Debug mode checks that callbacks are scheduled from the loop's thread.
        // (`get_debug()` returns this attribute of asyncio's loops: read, not
        // called, once per batch.)
        if event_loop
            .getattr(pyo3::intern!(py, "_debug"))?
            .is_truthy()?
        {
            return Ok(None);
        }
        let scheduled = self.scheduled.bind(py);
        // The earliest timer, if any (no IndexError raised and dropped on an
        // empty heap, the usual case).
        let first_timer = |s: &Bound<'_, PyList>| {
            (!s.is_empty())
                .then(|| s.get_item(0).ok().map(|t| t.as_ptr()))
                .flatten()
        };
        let before = (scheduled.len(), first_timer(scheduled));
        let context = self.context.bind(py);
        // The loop stays this thread's running loop between batches (no
        // Python runs here outside them): set once, not twice per batch
        // (each call allocates a holder and writes the thread-state dict).
        if RUNNING_LOOP.get() != event_loop.as_ptr() as usize {
            self.set_running_loop.bind(py).call1((event_loop,))?;
            RUNNING_LOOP.set(event_loop.as_ptr() as usize);
        }
        // SAFETY: a live Context object and the GIL held; only this thread
        // runs Python against the loop now (the gate), so the context is not
        // entered anywhere else.
        let entered = unsafe { ffi::PyContext_Enter(context.as_ptr()) } == 0;
        let replies = if entered {
            let server = self.server.bind(py);
            let replies = server.get().collect_replies(|| {
                Server::handle(server, queue.take_inline());
            });
            // SAFETY: entered just above on this thread.
            if unsafe { ffi::PyContext_Exit(context.as_ptr()) } != 0 {
                PyErr::fetch(py).write_unraisable(py, None);
            }
            Some(replies)
        } else {
            PyErr::fetch(py).write_unraisable(py, None);
            None
        };
        // The replies are sent whatever happens from here on.
        let after = (|| {
            let left_work = self.ready.bind(py).len()? > 0
                || (scheduled.len(), first_timer(scheduled)) != before;
            if left_work {
                self.wake_loop.bind(py).call0()?;
            }
            Ok::<(), PyErr>(())
        })();
        if let Err(e) = after {
            e.write_unraisable(py, None);
        }
        Ok(replies)
    }
}

thread_local! {
    /// This thread holds one `PyGILState_Ensure` it never released.
    static KEPT: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// The loop last made this thread's running loop by a batch (its
    /// address; 0: none). The running-loop record holds a reference to it,
    /// so the address cannot be reused while it is set.
    static RUNNING_LOOP: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Give this thread a Python thread state that outlives each batch: without
/// it every `Python::attach` creates one and deletes it again (an allocation,
/// a fresh frame stack mapped and unmapped, page faults) per batch.
fn keep_thread_state() {
    KEPT.with(|kept| {
        if !kept.get() {
            // SAFETY: the GIL is not held here; Ensure creates this thread's
            // state and takes the GIL, SaveThread releases it and leaves the
            // state (and the count of 1) in place for later Ensure calls.
            unsafe {
                ffi::PyGILState_Ensure();
                ffi::PyEval_SaveThread();
            }
            kept.set(true);
        }
    });
}

/// Delete the thread state `keep_thread_state` made (the server stopped).
fn drop_thread_state() {
    KEPT.with(|kept| {
        if kept.replace(false) {
            Python::attach(|py| {
                if RUNNING_LOOP.replace(0) != 0 {
                    // The batches' running loop, cleared before the state goes.
                    let cleared = py
                        .import("asyncio.events")
                        .and_then(|m| m.getattr("_set_running_loop"))
                        .and_then(|set| set.call1((py.None(),)));
                    if let Err(e) = cleared {
                        e.write_unraisable(py, None);
                    }
                }
                // SAFETY: undoes the count `keep_thread_state` took; LOCKED
                // keeps the GIL, which `attach` releases as it deletes the
                // state (its own count is the last).
                unsafe { ffi::PyGILState_Release(ffi::PyGILState_STATE::PyGILState_LOCKED) };
            });
        }
    });
}

/// The I/O thread's life: `fut` (the server) runs on `rt`; whenever the park
/// hook finds work queued while the loop's thread is idle, `block_on`
/// returns, the batch runs here, outside the runtime, and its replies are
/// handed to their connections once back inside (waking them from inside
/// costs no system call).
pub fn drive<F: std::future::Future<Output = ()>>(
    rt: &tokio::runtime::Runtime,
    queue: &Queue,
    fut: F,
) {
    let mut fut = std::pin::pin!(fut);
    let mut replies = ReplyBatch::new();
    loop {
        let done = rt.block_on(async {
            for (tx, reply) in replies.drain(..) {
                let _ = tx.send(reply);
            }
            tokio::select! {
                biased;
                () = &mut fut => true,
                () = queue.leave_runtime.notified() => false,
            }
        });
        if done {
            drop_thread_state();
            return;
        }
        if !queue.has_work() {
            continue;
        }
        let ran = match queue.inline.lock() {
            Ok(inline) => inline.as_ref().and_then(|i| i.run(queue)),
            Err(_) => None,
        };
        match ran {
            Some(batch) => replies = batch,
            None => queue.signal(),
        }
    }
}
