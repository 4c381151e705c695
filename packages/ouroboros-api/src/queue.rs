//! The hand-off from the I/O thread to the thread running the asyncio loop.
//!
//! Work is pushed into a plain vector; only the push that finds the queue idle
//! writes to an eventfd, which the asyncio loop watches with `add_reader`. So
//! under load one wake-up carries a whole batch of requests, and the loop
//! thread takes the GIL once per batch (it already holds it: it runs Python).
//! The I/O thread never touches the GIL.

use std::net::SocketAddr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use bytes::Bytes;
use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use hyper::Method;
use tokio::sync::{mpsc, oneshot};

use crate::params::ArgValue;

/// The request as Python's `Request` object sees it (built only for routes
/// that ask for it).
pub struct RequestParts {
    pub method: Method,
    pub path: String,
    pub query: String,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub client: Option<SocketAddr>,
    pub path_params: Vec<(String, String)>,
}

/// The `content-type` of a [`Reply::Json`].
pub const JSON: HeaderValue = HeaderValue::from_static("application/json");

/// What Python answers.
pub enum Reply {
    /// Not an answer: the job's [`PendingBody`] had not all arrived when the
    /// batch was about to run. The connection reads the rest and queues the
    /// job again.
    Unread(Box<Unread>),
    Full {
        status: u16,
        headers: Vec<(HeaderName, HeaderValue)>,
        body: Bytes,
    },
    /// A JSON body (`content-type: application/json` and nothing else):
    /// the usual handler result, with no header list to allocate.
    Json { status: u16, body: Bytes },
    Stream {
        status: u16,
        headers: Vec<(HeaderName, HeaderValue)>,
        chunks: mpsc::UnboundedReceiver<Bytes>,
        /// Bytes in `chunks` not yet written; closed when the body is dropped.
        window: std::sync::Arc<crate::flow::Window>,
    },
}

/// The Rust end of one WebSocket connection.
pub struct WsLink {
    pub id: u64,
    pub outgoing: mpsc::UnboundedSender<tokio_tungstenite::tungstenite::Message>,
    /// Bytes in `outgoing` not yet written to the client.
    pub window: std::sync::Arc<crate::flow::Window>,
    /// Bytes received that the handler has not taken yet.
    pub credit: std::sync::Arc<crate::flow::Credit>,
    /// Answers the upgrade once the handler accepts or closes.
    pub handshake: tokio::sync::oneshot::Sender<crate::websocket::Handshake>,
}

/// A finished request, as the access log reports it.
pub struct AccessRecord {
    pub method: Method,
    pub target: String,
    pub status: u16,
    pub elapsed: std::time::Duration,
    pub client: Option<SocketAddr>,
}

/// What a WebSocket client did.
pub enum WsEvent {
    Text(String),
    Binary(Bytes),
    Close(u16, String),
}

/// One request for a Python handler, with its parameters already parsed.
pub struct Job {
    pub route: usize,
    pub args: Vec<ArgValue>,
    /// Boxed: most routes do not want it, and it is the bulk of a job.
    pub request: Option<Box<RequestParts>>,
    pub reply: oneshot::Sender<Reply>,
    /// Set for WebSocket routes: Python gets a connection, not a request.
    /// (Boxed, like `answer`: rare, and a job is moved whole on every hop.)
    pub ws: Option<Box<WsLink>>,
    /// Set when the parameters were invalid: the 422 body, for the app's own
    /// `RequestValidationError` handler.
    pub errors: Option<Bytes>,
    /// Set when the router answered itself (404, 405, redirect, 413, 422)
    /// and the app has Python middleware or exception handlers, which must
    /// see that answer; `route` is then meaningless.
    pub answer: Option<Box<RouterAnswer>>,
    /// A JSON body left in hyper's channel until the batch is about to run.
    pub body: Option<PendingBody>,
}

/// A small JSON body that hyper already holds, for a route whose one body
/// parameter is a model (its argument is an `ArgValue::RawJson` to fill).
///
/// Taking a body chunk from hyper wakes the connection's task (hyper's side
/// of the channel waits for room), which is then polled once for nothing
/// before the batch runs, and once more for the reply. Taken by
/// [`Queue::park`] just before the batch runs (inside the runtime), that
/// wake-up and the reply's make one poll.
pub struct PendingBody {
    pub incoming: hyper::body::Incoming,
    /// The index of the argument the bytes go to.
    pub arg: usize,
}

/// A job whose [`PendingBody`] had not all arrived, handed back to its
/// connection with the bytes taken so far.
pub struct Unread {
    pub args: Vec<ArgValue>,
    pub body: PendingBody,
    pub first: Option<Bytes>,
}

/// Put a body's bytes in the `RawJson` argument that waits for them.
pub fn fill_body(arg: &mut ArgValue, data: Bytes) {
    match arg {
        ArgValue::RawJson(b) => *b = data,
        ArgValue::Aliased(inner, _) => fill_body(inner, data),
        _ => {}
    }
}

/// Take the bodies the queued jobs wait for ([`PendingBody`]). A body not
/// all there sends its job back to the connection (`Reply::Unread`), one
/// that failed gets the 400 `read_body` answers.
fn settle(items: &mut Vec<Msg>) {
    use futures::FutureExt;
    use http_body_util::BodyExt;
    use hyper::body::Body as _;
    let mut i = 0;
    while i < items.len() {
        let Msg::Job(Job {
            body: Some(pending),
            ..
        }) = &mut items[i]
        else {
            i += 1;
            continue;
        };
        let taken = match pending.incoming.frame().now_or_never() {
            Some(Some(Ok(frame))) => match frame.into_data() {
                Ok(data) if pending.incoming.is_end_stream() => Ok(data),
                Ok(data) => Err(Some(Some(data))),
                Err(_) => Err(Some(None)),
            },
            Some(Some(Err(_))) => Err(None),
            Some(None) | None => Err(Some(None)),
        };
        match taken {
            Ok(data) => {
                if let Msg::Job(job) = &mut items[i] {
                    if let Some(pending) = job.body.take() {
                        fill_body(&mut job.args[pending.arg], data);
                    }
                }
                i += 1;
            }
            Err(first) => {
                if let Msg::Job(mut job) = items.remove(i) {
                    let reply = match (first, job.body.take()) {
                        (Some(first), Some(body)) => Reply::Unread(Box::new(Unread {
                            args: std::mem::take(&mut job.args),
                            body,
                            first,
                        })),
                        _ => Reply::Json {
                            status: 400,
                            body: Bytes::from_static(
                                b"{\"detail\":\"Could not read the request body\"}",
                            ),
                        },
                    };
                    let _ = job.reply.send(reply);
                }
            }
        }
    }
}

/// An answer the router made without a handler.
pub struct RouterAnswer {
    pub status: u16,
    pub detail: &'static str,
    pub headers: Vec<(String, String)>,
    /// The route whose parameters were refused (a 422), for the error's
    /// endpoint context.
    pub route: Option<usize>,
}

impl RouterAnswer {
    pub fn new(status: u16, detail: &'static str, header: Option<(&str, String)>) -> Self {
        Self {
            status,
            detail,
            headers: header
                .map(|(name, value)| (name.to_owned(), value))
                .into_iter()
                .collect(),
            route: None,
        }
    }
}

pub enum Msg {
    Job(Job),
    /// A frame (or the close) from a WebSocket client.
    WsEvent {
        id: u64,
        event: WsEvent,
    },
    /// One finished request, for the access log.
    Access(Box<AccessRecord>),
    /// A producer's asyncio future to resolve: its client made room (or left).
    Wake(pyo3::Py<pyo3::PyAny>),
    /// The server stopped (with the error that stopped it, if any).
    Stopped(Option<String>),
}

/// Wake Python without waiting for the park hook once this many messages
/// wait (bounds latency when the I/O thread never runs out of work).
const SIGNAL_AT: usize = 256;

pub struct Queue {
    items: Mutex<Vec<Msg>>,
    /// A queued job holds a [`PendingBody`] (written and read with `items`
    /// locked): batches without one skip [`settle`].
    bodies: AtomicBool,
    /// The eventfd was written and the Python thread has not taken yet.
    pending: AtomicBool,
    /// Messages were pushed since the last `signal`.
    unsignaled: AtomicBool,
    wake: OwnedFd,
    /// Set while the app's loop lets the I/O thread run batches itself.
    pub inline: Mutex<Option<crate::inline::Inline>>,
    /// Makes the I/O thread's `block_on` return to run a batch.
    pub leave_runtime: tokio::sync::Notify,
}

impl Queue {
    pub fn new() -> std::io::Result<Self> {
        // SAFETY: eventfd has no memory-safety preconditions; the result is
        // checked before it is wrapped.
        let fd = unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) };
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(Self {
            items: Mutex::new(Vec::with_capacity(256)),
            bodies: AtomicBool::new(false),
            pending: AtomicBool::new(false),
            unsignaled: AtomicBool::new(false),
            // SAFETY: `fd` is a fresh descriptor owned by nobody else.
            wake: unsafe { OwnedFd::from_raw_fd(fd) },
            inline: Mutex::new(None),
            leave_runtime: tokio::sync::Notify::new(),
        })
    }

    pub fn fd(&self) -> RawFd {
        self.wake.as_raw_fd()
    }

    /// Queue a message. The Python thread is not woken here: `signal` does
    /// that once the I/O thread runs out of work (tokio's park hook), so the
    /// loop gets one batch per wake-up. Waking it on every push made the
    /// kernel switch to the Python thread at once (both threads share a core
    /// in the benchmark) and cut batches down to one request.
    pub fn push(&self, msg: Msg) {
        let mut items = self.items();
        if matches!(&msg, Msg::Job(Job { body: Some(_), .. })) {
            self.bodies.store(true, Ordering::Relaxed);
        }
        items.push(msg);
        let len = items.len();
        if len >= SIGNAL_AT {
            self.settle(&mut items);
        }
        drop(items);
        self.unsignaled.store(true, Ordering::Release);
        if len >= SIGNAL_AT {
            self.signal();
        }
    }

    /// [`settle`] the queued jobs if one holds a body (`items` is locked).
    fn settle(&self, items: &mut Vec<Msg>) {
        if self.bodies.swap(false, Ordering::Relaxed) {
            settle(items);
        }
    }

    fn items(&self) -> std::sync::MutexGuard<'_, Vec<Msg>> {
        self.items
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Queue a message and wake the Python thread now (from outside the I/O
    /// runtime, which will not park again).
    pub fn push_now(&self, msg: Msg) {
        self.push(msg);
        self.signal();
    }

    /// tokio's park hook: the I/O thread ran out of work. If the loop's
    /// thread is idle, leave the runtime to run what is queued on this
    /// thread (see [`crate::inline`]); else wake the loop's thread.
    pub fn park(&self) {
        if !self.has_work() {
            return;
        }
        // Inside the runtime: the connections woken by taking their bodies
        // are scheduled here, to be polled once, after the batch.
        self.settle(&mut self.items());
        let idle = match self.inline.lock() {
            Ok(inline) => inline.as_ref().is_some_and(crate::inline::Inline::idle),
            Err(_) => false,
        };
        if idle {
            self.leave_runtime.notify_one();
        } else {
            self.signal();
        }
    }

    /// Messages were pushed that no batch took yet.
    pub fn has_work(&self) -> bool {
        self.unsignaled.load(Ordering::Acquire)
    }

    /// Everything queued, for a batch the I/O thread runs itself: the
    /// Python thread is not woken for these.
    pub fn take_inline(&self) -> Vec<Msg> {
        self.unsignaled.store(false, Ordering::Release);
        let mut items = self.items();
        self.settle(&mut items);
        std::mem::take(&mut *items)
    }

    /// Wake the Python thread if messages arrived since it was last woken.
    pub fn signal(&self) {
        if self.unsignaled.swap(false, Ordering::AcqRel)
            && !self.pending.swap(true, Ordering::AcqRel)
        {
            let one: u64 = 1;
            // SAFETY: writes 8 bytes from a valid u64 to our own eventfd. A
            // failure (counter overflow) still leaves the fd readable.
            unsafe {
                libc::write(self.fd(), std::ptr::from_ref(&one).cast(), 8);
            }
        }
    }

    /// Everything queued so far; re-arms the wake-up first so nothing pushed
    /// after this call is missed. `reset` empties the eventfd even when no
    /// wake-up is pending (the first take after the loop saw it readable:
    /// a write may land after an earlier take re-armed); otherwise it is read
    /// only when a wake-up was sent since, which saves a system call per
    /// round of `drain`.
    pub fn take(&self, reset: bool) -> Vec<Msg> {
        if self.pending.swap(false, Ordering::AcqRel) || reset {
            let mut counter: u64 = 0;
            // SAFETY: reads at most 8 bytes into a valid u64; EAGAIN is fine.
            unsafe {
                libc::read(self.fd(), std::ptr::from_mut(&mut counter).cast(), 8);
            }
        }
        // Bodies are taken in the park hook; one queued since (this thread
        // raced the I/O thread) is taken here, waking its connection from
        // outside the runtime.
        let mut items = self.items();
        self.settle(&mut items);
        std::mem::take(&mut *items)
    }
}
