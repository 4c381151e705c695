//! Futures polled on the asyncio event loop's own thread, and sockets whose
//! readiness comes from that loop's selector (`loop.add_reader`).
//!
//! [`crate::bridge`] completes awaitables of futures that run on the tokio
//! runtime: each one costs a wake-up of a tokio worker and a wake-up of the
//! loop when it ends. A client whose work is mostly socket I/O (a database
//! connection) can instead be driven entirely on the loop's thread, as asyncpg
//! is. Here each event loop gets a small executor ([`spawn`] and
//! [`run_in_background`] put futures on it):
//!
//! - a call's future is polled as soon as it is made, so its request is
//!   written to the socket before the call returns its awaitable;
//! - a socket wrapped by [`wrap_socket`] is a [`LoopSocket`], registered with
//!   `loop.add_reader` (or `add_writer`) while a future waits on it; when it
//!   is ready, asyncio calls back, the waiting future is polled, and a call
//!   that finishes sets its asyncio future, all in that one callback;
//! - wake-ups from other threads (tokio timers, a pool, file reads) go through
//!   a socket pair the loop watches.
//!
//! The GIL is held while tasks are polled (the loop's thread holds it anyway);
//! tokio threads never take it. Cancelling the asyncio future drops the task.
//! A socket and its background future belong to the loop that last used them:
//! [`Background::ensure_here`] moves them to the caller's loop once their old
//! loop is closed or stopped.

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::io::{ErrorKind, Read, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Wake, Waker};

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::{bridge, panic, runtime, Error};

pub use bridge::Deliver;

type Work = Pin<Box<dyn Future<Output = Option<Deliver>> + Send>>;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

thread_local! {
    /// The executor whose tasks this thread is polling right now.
    static CURRENT: RefCell<Option<Arc<Shared>>> = const { RefCell::new(None) };
}

fn current() -> Option<Arc<Shared>> {
    CURRENT.with(|c| c.borrow().clone())
}

/// A socket to take off the loop's selector, then close (by dropping it).
struct Closing {
    io: Arc<Io>,
    socket: Box<dyn Send>,
}

/// A call in flight: its asyncio future, its task, and the done-callback
/// added to the future (taken off again when the call completes).
type Call = (Py<PyAny>, Arc<Task>, Py<PyAny>);

/// The part of a loop's executor other threads may touch.
struct Shared {
    ready: Mutex<Vec<Arc<Task>>>,
    /// Sockets that asked to be watched (read or write).
    watch: Mutex<Vec<Arc<Io>>>,
    closing: Mutex<Vec<Closing>>,
    /// Calls in flight: the asyncio future and the task, by the future's address.
    calls: Mutex<HashMap<usize, Call>>,
    signalled: AtomicBool,
    wake: UnixStream,
    event_loop: Py<PyAny>,
    /// The loop's driver is gone: nothing will drain the queues any more.
    gone: AtomicBool,
}

impl Shared {
    fn here(self: &Arc<Self>) -> bool {
        CURRENT.with(|c| c.borrow().as_ref().is_some_and(|s| Arc::ptr_eq(s, self)))
    }

    /// Make sure the loop runs [`run`] soon.
    fn signal(self: &Arc<Self>) {
        if !self.here() && !self.signalled.swap(true, Ordering::AcqRel) {
            // A full socket buffer means a wake-up is already pending.
            let _ = (&self.wake).write(&[1]);
        }
    }

    fn schedule(self: &Arc<Self>, task: Arc<Task>) {
        lock(&self.ready).push(task);
        self.signal();
    }
}

/// One future polled on a loop's thread: a call or a connection's I/O.
struct Task {
    work: Mutex<Option<Work>>,
    shared: Mutex<Arc<Shared>>,
    queued: AtomicBool,
    aborted: AtomicBool,
    /// The asyncio future's address (0: a connection's I/O).
    key: usize,
}

impl Task {
    fn new(work: Work, shared: Arc<Shared>, key: usize) -> Arc<Task> {
        Arc::new(Task {
            work: Mutex::new(Some(work)),
            shared: Mutex::new(shared),
            queued: AtomicBool::new(false),
            aborted: AtomicBool::new(false),
            key,
        })
    }

    /// Drop the future now if no one is polling it, else when next polled.
    fn stop(self: &Arc<Self>) {
        self.aborted.store(true, Ordering::Release);
        let taken = match self.work.try_lock() {
            Ok(mut slot) => slot.take(),
            Err(_) => None,
        };
        if taken.is_none() {
            self.wake_by_ref();
        }
        drop(taken);
    }
}

impl Wake for Task {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if self.queued.swap(true, Ordering::AcqRel) {
            return;
        }
        let shared = lock(&self.shared).clone();
        shared.schedule(Arc::clone(self));
    }
}

/// Poll every ready task, then update the selector; until nothing is left.
fn run(py: Python<'_>, shared: &Arc<Shared>) {
    run_after(py, shared, || {});
}

/// [`run`], with `first` called inside it (its wake-ups need no signal).
fn run_after(py: Python<'_>, shared: &Arc<Shared>, first: impl FnOnce()) {
    let Ok(rt) = runtime::runtime() else { return };
    let _enter = rt.enter();
    let previous = CURRENT.with(|c| c.replace(Some(Arc::clone(shared))));
    first();
    loop {
        let batch = std::mem::take(&mut *lock(&shared.ready));
        let watch = std::mem::take(&mut *lock(&shared.watch));
        let closing = std::mem::take(&mut *lock(&shared.closing));
        if batch.is_empty() && watch.is_empty() && closing.is_empty() {
            break;
        }
        for task in batch {
            task.queued.store(false, Ordering::Release);
            if let Some(deliver) = poll_task(&task) {
                complete(py, shared, task.key, deliver);
            }
        }
        for io in watch {
            io.register(py, shared);
        }
        for c in closing {
            c.io.unregister(py, &shared.event_loop);
            drop(c.socket);
        }
    }
    CURRENT.with(|c| c.replace(previous));
}

/// Poll a task once; its outcome if it finished with one.
fn poll_task(task: &Arc<Task>) -> Option<Deliver> {
    let mut slot = task.work.try_lock().ok()?;
    if task.aborted.load(Ordering::Acquire) {
        let work = slot.take();
        drop(slot);
        drop(work);
        return None;
    }
    let work = slot.as_mut()?;
    let waker = Waker::from(Arc::clone(task));
    let mut cx = Context::from_waker(&waker);
    match work.as_mut().poll(&mut cx) {
        Poll::Pending => None,
        Poll::Ready(out) => {
            let work = slot.take();
            drop(slot);
            drop(work);
            out
        }
    }
}

/// Set a call's asyncio future (unless it was cancelled meanwhile).
///
/// The done-callback (there to hear of a cancellation) is removed first: a
/// finished call needs it no more, and left on, setting the result would
/// schedule one more loop callback per call.
fn complete(py: Python<'_>, shared: &Shared, key: usize, deliver: Deliver) {
    let Some((future, _task, on_done)) = lock(&shared.calls).remove(&key) else {
        return;
    };
    let future = future.bind(py);
    let _ = future.call_method1(
        pyo3::intern!(py, "remove_done_callback"),
        (on_done.bind(py),),
    );
    bridge::settle(py, future, deliver);
}

/// The executor of one event loop.
#[pyclass(module = "ouroboros.core", frozen)]
pub struct LoopDriver {
    shared: Arc<Shared>,
    woken: UnixStream,
    create_future: Py<PyAny>,
    on_done: PyOnceLock<Py<PyAny>>,
}

#[pymethods]
impl LoopDriver {
    /// The wake-up socket is readable: run what other threads woke.
    fn _drain(&self, py: Python<'_>) {
        bridge::drain_wake_socket(&self.woken);
        self.shared.signalled.store(false, Ordering::Release);
        run(py, &self.shared);
    }

    /// Done-callback of every call's future: a cancelled call stops its task.
    fn _on_done(&self, py: Python<'_>, future: &Bound<'_, PyAny>) {
        let entry = lock(&self.shared.calls).remove(&(future.as_ptr() as usize));
        if let Some((_future, task, _on_done)) = entry {
            run_after(py, &self.shared, || task.stop());
        }
    }
}

impl Drop for LoopDriver {
    fn drop(&mut self) {
        self.shared.gone.store(true, Ordering::Release);
        // The loop is closed: its selector went with it; close the sockets.
        drop(std::mem::take(&mut *lock(&self.shared.closing)));
    }
}

static DRIVERS: Mutex<Vec<Py<LoopDriver>>> = Mutex::new(Vec::new());

fn new_driver<'py>(
    py: Python<'py>,
    running: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, LoopDriver>> {
    let (woken, wake) = bridge::wake_pair()?;
    let fd = woken.as_raw_fd();
    let created = Bound::new(
        py,
        LoopDriver {
            shared: Arc::new(Shared {
                ready: Mutex::new(Vec::new()),
                watch: Mutex::new(Vec::new()),
                closing: Mutex::new(Vec::new()),
                calls: Mutex::new(HashMap::new()),
                signalled: AtomicBool::new(false),
                wake,
                event_loop: running.clone().unbind(),
                gone: AtomicBool::new(false),
            }),
            woken,
            create_future: running.getattr("create_future")?.unbind(),
            on_done: PyOnceLock::new(),
        },
    )?;
    let on_done = created.getattr("_on_done")?.unbind();
    let _ = created.get().on_done.set(py, on_done);
    running.call_method1("add_reader", (fd, created.getattr("_drain")?))?;
    Ok(created)
}

/// The driver of the running loop, made on first use.
fn driver(py: Python<'_>) -> PyResult<Bound<'_, LoopDriver>> {
    let running = bridge::running_loop(py)?;
    {
        let list = lock(&DRIVERS);
        if let Some(d) = list
            .iter()
            .find(|d| d.get().shared.event_loop.bind(py).is(&running))
        {
            return Ok(d.bind(py).clone());
        }
    }
    let created = new_driver(py, &running)?;
    // Drivers of closed loops go (a decref may run Python code: outside the lock).
    let stale: Vec<Py<LoopDriver>> = {
        let all: Vec<Py<LoopDriver>> = lock(&DRIVERS).drain(..).collect();
        let (closed, open): (Vec<_>, Vec<_>) = all
            .into_iter()
            .partition(|d| loop_closed(py, &d.get().shared.event_loop));
        let mut list = lock(&DRIVERS);
        list.extend(open);
        list.push(created.clone().unbind());
        closed
    };
    for d in &stale {
        d.get().shared.gone.store(true, Ordering::Release);
        drop(std::mem::take(&mut *lock(&d.get().shared.closing)));
    }
    drop(stale);
    Ok(created)
}

fn loop_closed(py: Python<'_>, event_loop: &Py<PyAny>) -> bool {
    event_loop
        .bind(py)
        .call_method0("is_closed")
        .and_then(|v| v.is_truthy())
        .unwrap_or(true)
}

/// Run `work` on the running loop's thread; an asyncio future of its outcome.
///
/// `work` is polled at once (its request is written before this returns) and
/// then whenever it is woken; the [`Deliver`] it returns builds the result.
/// A panic in `work` arrives as `ouroboros.core.InternalError`.
///
/// # Errors
/// When no event loop is running in this thread.
pub fn spawn<F>(py: Python<'_>, work: F) -> PyResult<Bound<'_, PyAny>>
where
    F: Future<Output = Deliver> + Send + 'static,
{
    let d = driver(py)?;
    let d = d.get();
    let future = d.create_future.bind(py).call0()?;
    let on_done = d
        .on_done
        .get(py)
        .ok_or_else(|| {
            pyo3::exceptions::PyRuntimeError::new_err("the loop driver has no done-callback")
        })?
        .clone_ref(py);
    future.call_method1(pyo3::intern!(py, "add_done_callback"), (on_done.bind(py),))?;
    let key = future.as_ptr() as usize;
    let work: Work = Box::pin(async move {
        Some(
            match panic::catch_future(async { Ok::<_, Error>(work.await) }).await {
                Ok(deliver) => deliver,
                Err(e) => Box::new(move |_py: Python<'_>| Err(e.into())) as Deliver,
            },
        )
    });
    let task = Task::new(work, Arc::clone(&d.shared), key);
    lock(&d.shared.calls).insert(key, (future.clone().unbind(), Arc::clone(&task), on_done));
    task.queued.store(true, Ordering::Release);
    lock(&d.shared.ready).push(task);
    run(py, &d.shared);
    Ok(future)
}

/// Registration of one socket with its loop's selector.
#[derive(Default)]
struct Watched {
    reading: bool,
    writing: bool,
    closed: bool,
}

/// Readiness of one connection's socket.
struct Io {
    fd: RawFd,
    read_waker: Mutex<Option<Waker>>,
    write_waker: Mutex<Option<Waker>>,
    want_read: AtomicBool,
    want_write: AtomicBool,
    /// The selector reported the socket readable since the last read.
    readable: AtomicBool,
    watched: Mutex<Watched>,
    shared: Mutex<Arc<Shared>>,
}

impl Io {
    fn request(self: &Arc<Self>, write: bool) {
        let flag = if write {
            &self.want_write
        } else {
            &self.want_read
        };
        if flag.swap(true, Ordering::AcqRel) {
            return;
        }
        let shared = lock(&self.shared).clone();
        lock(&shared.watch).push(Arc::clone(self));
        shared.signal();
    }

    /// Add the requested selector callbacks (on `shared`'s loop thread).
    fn register(self: &Arc<Self>, py: Python<'_>, shared: &Arc<Shared>) {
        if !Arc::ptr_eq(&lock(&self.shared), shared) {
            return; // moved to another loop meanwhile
        }
        let mut w = lock(&self.watched);
        if w.closed {
            return;
        }
        let event_loop = shared.event_loop.bind(py);
        for write in [false, true] {
            let (flag, on) = if write {
                (&self.want_write, &mut w.writing)
            } else {
                (&self.want_read, &mut w.reading)
            };
            if !flag.swap(false, Ordering::AcqRel) || *on {
                continue;
            }
            let callback = Readiness {
                io: Arc::clone(self),
                write,
            };
            let method = if write { "add_writer" } else { "add_reader" };
            if event_loop.call_method1(method, (self.fd, callback)).is_ok() {
                *on = true;
            } else if let Some(waker) = self.waker(write).take() {
                // The loop refused (closing): let the socket find out by itself.
                waker.wake();
            }
        }
    }

    fn unregister(&self, py: Python<'_>, event_loop: &Py<PyAny>) {
        let mut w = lock(&self.watched);
        w.closed = true;
        let event_loop = event_loop.bind(py);
        if std::mem::take(&mut w.reading) {
            let _ = event_loop.call_method1("remove_reader", (self.fd,));
        }
        if std::mem::take(&mut w.writing) {
            let _ = event_loop.call_method1("remove_writer", (self.fd,));
        }
    }

    fn waker(&self, write: bool) -> MutexGuard<'_, Option<Waker>> {
        lock(if write {
            &self.write_waker
        } else {
            &self.read_waker
        })
    }
}

/// The selector callback of one socket and direction.
#[pyclass(module = "ouroboros.core", frozen)]
pub struct Readiness {
    io: Arc<Io>,
    write: bool,
}

#[pymethods]
impl Readiness {
    fn __call__(&self, py: Python<'_>) {
        let shared = lock(&self.io.shared).clone();
        if !self.write {
            self.io.readable.store(true, Ordering::Release);
        }
        let waker = self.io.waker(self.write).take();
        // A writer is watched once per blocked write; a reader stays while
        // the connection keeps reading (level-triggered: an unread socket
        // with no one waiting would call back forever, so it is dropped).
        if self.write || waker.is_none() {
            let mut w = lock(&self.io.watched);
            let (on, method) = if self.write {
                (&mut w.writing, "remove_writer")
            } else {
                (&mut w.reading, "remove_reader")
            };
            if std::mem::take(on) {
                let _ = shared
                    .event_loop
                    .bind(py)
                    .call_method1(method, (self.io.fd,));
            }
        }
        run_after(py, &shared, || {
            if let Some(waker) = waker {
                waker.wake();
            }
        });
    }
}

/// `read(2)` from `fd` into possibly uninitialised memory; the bytes read.
fn read_uninit(fd: RawFd, into: &mut [std::mem::MaybeUninit<u8>]) -> std::io::Result<usize> {
    // SAFETY: the pointer and length describe `into`, which outlives the
    // call; the kernel writes at most `len` bytes there and reads none.
    let n = unsafe { libc::read(fd, into.as_mut_ptr().cast(), into.len()) };
    usize::try_from(n).map_err(|_| std::io::Error::last_os_error())
}

/// A non-blocking socket a [`LoopSocket`] can wrap.
pub trait RawSocket: Read + Write + AsRawFd + Send + Unpin + 'static {
    /// Switch the socket to non-blocking mode.
    ///
    /// # Errors
    /// As the system call fails.
    fn set_nonblocking(&self, on: bool) -> std::io::Result<()>;
    /// Shut the writing half down.
    ///
    /// # Errors
    /// As the system call fails.
    fn shutdown_write(&self) -> std::io::Result<()>;
}

impl RawSocket for std::net::TcpStream {
    fn set_nonblocking(&self, on: bool) -> std::io::Result<()> {
        std::net::TcpStream::set_nonblocking(self, on)
    }

    fn shutdown_write(&self) -> std::io::Result<()> {
        self.shutdown(std::net::Shutdown::Write)
    }
}

impl RawSocket for UnixStream {
    fn set_nonblocking(&self, on: bool) -> std::io::Result<()> {
        UnixStream::set_nonblocking(self, on)
    }

    fn shutdown_write(&self) -> std::io::Result<()> {
        self.shutdown(std::net::Shutdown::Write)
    }
}

/// A socket read and written on its loop's thread (tokio's `AsyncRead` and
/// `AsyncWrite`, readiness from the loop's selector).
pub struct LoopSocket<S: RawSocket> {
    socket: Option<S>,
    io: Arc<Io>,
    /// The last read did not fill its buffer: the socket is most likely
    /// empty, so reads wait for the selector to report it readable instead of
    /// asking the kernel first (the reader is level-triggered: data that did
    /// arrive meanwhile is reported at once).
    drained: bool,
}

impl<S: RawSocket> LoopSocket<S> {
    fn io_result<T>(
        &mut self,
        cx: &Context<'_>,
        write: bool,
        mut op: impl FnMut(&mut S) -> std::io::Result<T>,
    ) -> Poll<std::io::Result<T>> {
        let Some(socket) = self.socket.as_mut() else {
            return Poll::Ready(Err(ErrorKind::NotConnected.into()));
        };
        loop {
            match op(socket) {
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    *self.io.waker(write) = Some(cx.waker().clone());
                    self.io.request(write);
                    return Poll::Pending;
                }
                other => return Poll::Ready(other),
            }
        }
    }
}

impl<S: RawSocket> AsyncRead for LoopSocket<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        if self.drained && !self.io.readable.swap(false, Ordering::AcqRel) {
            *self.io.waker(false) = Some(cx.waker().clone());
            self.io.request(false);
            return Poll::Pending;
        }
        self.drained = false;
        self.io.readable.store(false, Ordering::Release);
        // Read into the unfilled part as it is: the reader's buffer is often
        // large (a codec's whole spare capacity), and zeroing it first, as
        // `initialize_unfilled` would, cost more than the read of a short answer.
        // SAFETY: only `read(2)` writes into it, and `assume_init` then
        // covers exactly the bytes it wrote.
        let into = unsafe { buf.unfilled_mut() };
        let wanted = into.len();
        let n = match self.io_result(cx, false, |s| read_uninit(s.as_raw_fd(), into)) {
            Poll::Ready(Ok(n)) => n,
            Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
            Poll::Pending => return Poll::Pending,
        };
        // SAFETY: `read(2)` initialised the first `n` bytes of the unfilled part.
        unsafe { buf.assume_init(n) };
        self.drained = n > 0 && n < wanted;
        buf.advance(n);
        Poll::Ready(Ok(()))
    }
}

impl<S: RawSocket> AsyncWrite for LoopSocket<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.io_result(cx, true, |s| s.write(buf))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let r = match &self.socket {
            Some(s) => s.shutdown_write(),
            None => Ok(()),
        };
        Poll::Ready(match r {
            Err(e) if e.kind() == ErrorKind::NotConnected => Ok(()),
            other => other,
        })
    }
}

impl<S: RawSocket> Drop for LoopSocket<S> {
    fn drop(&mut self) {
        let Some(socket) = self.socket.take() else {
            return;
        };
        let shared = lock(&self.io.shared).clone();
        if shared.gone.load(Ordering::Acquire) {
            return; // the loop is closed: its selector is gone
        }
        lock(&shared.closing).push(Closing {
            io: Arc::clone(&self.io),
            socket: Box::new(socket),
        });
        shared.signal();
    }
}

/// The readiness handle of a wrapped socket, for [`run_in_background`].
#[derive(Clone)]
pub struct LoopIo(Arc<Io>);

/// Make `socket` non-blocking and wrap it for the running loop's selector.
/// Call from inside a future run by [`spawn`] (on the loop's thread).
///
/// # Errors
/// Outside such a future, or when the socket cannot be made non-blocking.
pub fn wrap_socket<S: RawSocket>(socket: S) -> std::io::Result<(LoopSocket<S>, LoopIo)> {
    let Some(shared) = current() else {
        return Err(std::io::Error::other(
            "a connection must be opened from an asyncio event loop",
        ));
    };
    socket.set_nonblocking(true)?;
    let io = Arc::new(Io {
        fd: socket.as_raw_fd(),
        read_waker: Mutex::new(None),
        write_waker: Mutex::new(None),
        want_read: AtomicBool::new(false),
        want_write: AtomicBool::new(false),
        readable: AtomicBool::new(false),
        watched: Mutex::new(Watched::default()),
        shared: Mutex::new(shared),
    });
    let wrapped = LoopSocket {
        socket: Some(socket),
        io: Arc::clone(&io),
        drained: false,
    };
    Ok((wrapped, LoopIo(io)))
}

/// A future run on a socket's loop with no awaitable of its own (a
/// connection's I/O), started by [`run_in_background`].
pub struct Background {
    task: Arc<Task>,
    io: Arc<Io>,
}

/// Poll `work` on the loop of `io`'s socket until it ends or is stopped; a
/// panic inside it ends it.
#[must_use]
pub fn run_in_background(
    work: Pin<Box<dyn Future<Output = ()> + Send + 'static>>,
    io: &LoopIo,
) -> Background {
    let shared = lock(&io.0.shared).clone();
    let work: Work = Box::pin(async move {
        let _ = panic::catch_future(async {
            work.await;
            Ok::<_, Error>(())
        })
        .await;
        None
    });
    let task = Task::new(work, shared, 0);
    task.wake_by_ref();
    Background {
        task,
        io: Arc::clone(&io.0),
    }
}

impl Background {
    /// Drop the future (its socket is closed once the future is dropped).
    pub fn stop(&self) {
        self.task.stop();
    }

    /// Called by each call on the socket, from the thread polling the call:
    /// moves the socket and the future to the caller's loop when their old
    /// loop cannot be running them any more.
    ///
    /// # Errors
    /// The old loop is still running in another thread (the message says so).
    pub fn ensure_here(&self) -> Result<(), String> {
        let Some(here) = current() else {
            return Ok(());
        };
        let old = lock(&self.io.shared).clone();
        if Arc::ptr_eq(&old, &here) {
            return Ok(());
        }
        // Used from another loop: move there if the old loop cannot be
        // running it any more.
        Python::attach(|py| {
            let old_loop = old.event_loop.bind(py);
            let closed = loop_closed(py, &old.event_loop);
            let running = !closed
                && !old.gone.load(Ordering::Acquire)
                && old_loop
                    .call_method0("is_running")
                    .and_then(|v| v.is_truthy())
                    .unwrap_or(false);
            if running {
                return Err(
                    "this connection is in use by an event loop running in another thread; \
                     open a connection (or a pool) per event loop"
                        .to_owned(),
                );
            }
            let mut w = lock(&self.io.watched);
            let reading = std::mem::take(&mut w.reading);
            let writing = std::mem::take(&mut w.writing);
            if !closed {
                if reading {
                    let _ = old_loop.call_method1("remove_reader", (self.io.fd,));
                }
                if writing {
                    let _ = old_loop.call_method1("remove_writer", (self.io.fd,));
                }
            }
            Ok(())
        })?;
        *lock(&self.io.shared) = Arc::clone(&here);
        *lock(&self.task.shared) = Arc::clone(&here);
        // Whatever the socket was waiting for, it is asked again on this loop.
        self.io.want_read.store(false, Ordering::Release);
        self.io.want_write.store(false, Ordering::Release);
        self.io.readable.store(true, Ordering::Release);
        for write in [false, true] {
            if let Some(w) = self.io.waker(write).take() {
                w.wake();
            }
        }
        self.task.queued.store(false, Ordering::Release);
        self.task.wake_by_ref();
        Ok(())
    }
}
