//! Streamed bodies: the shared state of an open response and the iterators
//! over it (bytes, text, lines; async and sync).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use ouroboros_common::python::InvalidArgumentError;
use ouroboros_http_core::{BodySender, ErrorKind, HttpError, Opened, SendRefused, StreamBody};
use pyo3::exceptions::{PyStopAsyncIteration, PyStopIteration};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};
use tokio::sync::Mutex;

use crate::client::bytes_of;
use crate::errors::to_pyerr;

/// An open response body; shared by the response and its iterators.
#[derive(Debug, Default)]
pub struct BodyState {
    pub opened: Option<Opened>,
    pub consumed: bool,
    pub closed: bool,
    pub method: String,
    pub url: String,
    /// Bytes of the body handed out so far (`Response.num_bytes_downloaded`);
    /// the response holds the same counter.
    pub downloaded: Arc<AtomicU64>,
}

pub type SharedBody = Arc<Mutex<BodyState>>;

impl BodyState {
    fn err(&self, kind: ErrorKind, msg: &str) -> HttpError {
        HttpError::new(kind, self.method.as_str(), self.url.as_str(), msg)
    }

    pub async fn next_chunk(&mut self) -> Result<Option<Bytes>, HttpError> {
        if self.closed {
            return Err(self.err(
                ErrorKind::StreamClosed,
                "the response was closed before its body was read",
            ));
        }
        let Some(opened) = self.opened.as_mut() else {
            return Ok(None);
        };
        match opened.chunk().await {
            Ok(Some(b)) => {
                self.downloaded.fetch_add(b.len() as u64, Ordering::Relaxed);
                Ok(Some(b))
            }
            Ok(None) => {
                self.opened = None;
                self.consumed = true;
                Ok(None)
            }
            Err(e) => {
                self.opened = None;
                self.consumed = true;
                Err(e)
            }
        }
    }

    /// Read what is left of the body.
    pub async fn read_rest(&mut self) -> Result<Bytes, HttpError> {
        if self.consumed && self.opened.is_none() {
            return Err(self.err(
                ErrorKind::StreamConsumed,
                "the body of this streamed response was already read",
            ));
        }
        let mut buf: Vec<u8> = Vec::new();
        while let Some(b) = self.next_chunk().await? {
            buf.extend_from_slice(&b);
        }
        Ok(Bytes::from(buf))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Bytes,
    Text,
    Lines,
}

enum Item {
    Bytes(Bytes),
    Text(String),
}

/// Iteration state: either a body already in memory or an open stream.
pub struct IterState {
    body: Option<SharedBody>,
    prefetched: Option<Bytes>,
    mode: Mode,
    carry: Vec<u8>,
    done: bool,
}

impl IterState {
    pub fn new(body: Option<SharedBody>, prefetched: Option<Bytes>, mode: Mode) -> Self {
        Self {
            body,
            prefetched,
            mode,
            carry: Vec::new(),
            done: false,
        }
    }

    async fn raw_chunk(&mut self) -> Result<Option<Bytes>, HttpError> {
        if let Some(b) = self.prefetched.take() {
            return Ok(Some(b));
        }
        match &self.body {
            Some(body) => body.lock().await.next_chunk().await,
            None => Ok(None),
        }
    }

    async fn next_item(&mut self) -> Result<Option<Item>, HttpError> {
        if self.done {
            return Ok(None);
        }
        loop {
            match self.mode {
                Mode::Bytes => {
                    let c = self.raw_chunk().await?;
                    match c {
                        Some(b) if b.is_empty() => {}
                        Some(b) => return Ok(Some(Item::Bytes(b))),
                        None => {
                            self.done = true;
                            return Ok(None);
                        }
                    }
                }
                Mode::Text => {
                    if let Some(b) = self.raw_chunk().await? {
                        self.carry.extend_from_slice(&b);
                        // Keep an incomplete UTF-8 sequence for the next chunk.
                        let cut = match std::str::from_utf8(&self.carry) {
                            Err(e) if e.error_len().is_none() => e.valid_up_to(),
                            _ => self.carry.len(),
                        };
                        let rest = self.carry.split_off(cut);
                        let text = String::from_utf8_lossy(&self.carry).into_owned();
                        self.carry = rest;
                        if !text.is_empty() {
                            return Ok(Some(Item::Text(text)));
                        }
                    } else {
                        self.done = true;
                        if self.carry.is_empty() {
                            return Ok(None);
                        }
                        let text =
                            String::from_utf8_lossy(&std::mem::take(&mut self.carry)).into_owned();
                        return Ok(Some(Item::Text(text)));
                    }
                }
                Mode::Lines => {
                    if let Some(pos) = self.carry.iter().position(|&b| b == b'\n') {
                        let mut line: Vec<u8> = self.carry.drain(..=pos).collect();
                        line.pop();
                        if line.last() == Some(&b'\r') {
                            line.pop();
                        }
                        return Ok(Some(Item::Text(
                            String::from_utf8_lossy(&line).into_owned(),
                        )));
                    }
                    if let Some(b) = self.raw_chunk().await? {
                        self.carry.extend_from_slice(&b);
                    } else {
                        self.done = true;
                        if self.carry.is_empty() {
                            return Ok(None);
                        }
                        let mut line = std::mem::take(&mut self.carry);
                        if line.last() == Some(&b'\r') {
                            line.pop();
                        }
                        return Ok(Some(Item::Text(
                            String::from_utf8_lossy(&line).into_owned(),
                        )));
                    }
                }
            }
        }
    }
}

fn item_to_py(py: Python<'_>, item: Item) -> Py<PyAny> {
    match item {
        Item::Bytes(b) => PyBytes::new(py, &b).into_any().unbind(),
        Item::Text(s) => PyString::new(py, &s).into_any().unbind(),
    }
}

/// `async for` over a response body.
#[pyclass(module = "ouroboros.http._http")]
pub struct AsyncBodyIterator {
    pub state: Arc<Mutex<IterState>>,
    /// Items handed out since the iterator last gave the loop a turn.
    pub since_turn: std::sync::atomic::AtomicU32,
}

/// Every this many items, an item that is already there is still delivered
/// through the loop, so other tasks run during a long, fast body.
const ITEMS_PER_TURN: u32 = 8;

#[pymethods]
impl AsyncBodyIterator {
    fn __aiter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __anext__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let state = Arc::clone(&self.state);
        // The item becomes a Python object on the loop thread, never on a
        // runtime thread (one inside Python at interpreter exit aborts).
        // Polled once here first: hyper reads the next chunk ahead while
        // Python works on this one, so it is often there already and the
        // awaitable comes back done without waking any thread.
        let n = self
            .since_turn
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let give_turn = n + 1 >= ITEMS_PER_TURN;
        if give_turn {
            self.since_turn
                .store(0, std::sync::atomic::Ordering::Relaxed);
        }
        ouroboros_common::python::spawn_eager(
            py,
            async move {
                let item = state.lock().await.next_item().await;
                Box::new(move |py: Python<'_>| match item {
                    Ok(Some(i)) => Ok(item_to_py(py, i)),
                    Ok(None) => Err(PyStopAsyncIteration::new_err(())),
                    Err(e) => Err(to_pyerr(py, &e)),
                }) as ouroboros_common::python::Deliver
            },
            give_turn,
        )
    }
}

/// `for` over a response body (sync client); waits with the GIL released.
#[pyclass(module = "ouroboros.http._http")]
pub struct BodyIterator {
    pub state: Arc<Mutex<IterState>>,
}

#[pymethods]
impl BodyIterator {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let state = Arc::clone(&self.state);
        let rt = ouroboros_common::runtime::runtime()?;
        let item = py.detach(|| rt.block_on(async move { state.lock().await.next_item().await }));
        match item.map_err(|e| to_pyerr(py, &e))? {
            Some(i) => Ok(item_to_py(py, i)),
            None => Err(PyStopIteration::new_err(())),
        }
    }
}

/// The producing end of a streamed request body (`content=` an iterator,
/// generator or file): Python pushes chunks, the connection takes them.
///
/// The channel holds at most `capacity` chunks, so an upload of any size
/// keeps at most that many chunks in memory; a producer faster than the
/// network waits in `send` / `send_sync`.
#[pyclass(module = "ouroboros.http._http", frozen)]
pub struct RequestStream {
    sender: std::sync::Mutex<Option<BodySender>>,
    body: Arc<StreamBody>,
    capacity: usize,
}

/// Most chunks a request body channel may hold.
const MAX_CAPACITY: usize = 1024;

impl RequestStream {
    pub fn body(&self) -> &Arc<StreamBody> {
        &self.body
    }

    fn sender(&self) -> Option<BodySender> {
        self.sender
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn close(&self) -> Option<BodySender> {
        self.sender
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
    }
}

#[pymethods]
impl RequestStream {
    #[new]
    #[pyo3(signature = (capacity = 4))]
    fn new(capacity: usize) -> PyResult<Self> {
        if !(1..=MAX_CAPACITY).contains(&capacity) {
            return Err(InvalidArgumentError::new_err(format!(
                "capacity must be between 1 and {MAX_CAPACITY} chunks, got {capacity}"
            )));
        }
        let (sender, body) = StreamBody::channel(capacity);
        Ok(Self {
            sender: std::sync::Mutex::new(Some(sender)),
            body,
            capacity,
        })
    }

    /// Queue a chunk without waiting: True if taken, False if the channel is
    /// full (await `wait_room`), None once the request is over (stop producing).
    fn try_send(&self, chunk: &Bound<'_, PyAny>) -> PyResult<Option<bool>> {
        let data = bytes_of(chunk, "content")?;
        let Some(sender) = self.sender() else {
            return Ok(None);
        };
        Ok(match sender.try_send(data) {
            Ok(()) => Some(true),
            Err(SendRefused::Full) => Some(false),
            Err(SendRefused::Closed) => None,
        })
    }

    /// Wait until half the channel is free (so the next chunks go in with
    /// `try_send`, one wait for several); the awaitable gives False once the
    /// request is over.
    fn wait_room<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let sender = self.sender();
        let half = (self.capacity / 2).max(1);
        ouroboros_common::python::future_into_py(py, async move {
            Ok(match sender {
                Some(s) => s.wait_room(half).await.is_ok(),
                None => false,
            })
        })
    }

    /// Queue a chunk from a producer thread, waiting (GIL released) for room;
    /// False once the request is over.
    fn send_sync(&self, py: Python<'_>, chunk: &Bound<'_, PyAny>) -> PyResult<bool> {
        let data = bytes_of(chunk, "content")?;
        let Some(sender) = self.sender() else {
            return Ok(false);
        };
        let rt = ouroboros_common::runtime::runtime()?;
        Ok(py.detach(move || rt.block_on(sender.send(data))).is_ok())
    }

    /// The request is over: release a producer waiting for room and refuse
    /// every later chunk.
    fn abandon(&self) {
        drop(self.close());
        self.body.abandon();
    }

    /// The body is complete: it ends once the queued chunks are sent.
    fn finish(&self) {
        if let Some(s) = self.close() {
            s.finish();
        }
    }

    /// The producer failed: the request ends with an error, never with a
    /// body cut short as if it were whole.
    fn fail(&self, message: String) {
        if let Some(s) = self.close() {
            s.fail(message);
        }
    }

    /// Bytes of the body handed to the connection so far.
    #[getter]
    fn sent(&self) -> u64 {
        self.body.sent()
    }
}
