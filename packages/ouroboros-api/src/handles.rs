//! Small Python-visible handles the bridge gives to Python code: the raw
//! request, a streaming body's sink and a WebSocket connection.

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;

use crate::flow::{self, Credit, Window};
use crate::queue::RequestParts;
use crate::websocket::Handshake;

/// Where a streaming response writes its chunks.
#[pyclass(module = "ouroboros.api._api", frozen)]
pub struct BodySink {
    pub(crate) tx: Mutex<Option<mpsc::UnboundedSender<Bytes>>>,
    pub(crate) window: Arc<Window>,
}

#[pymethods]
impl BodySink {
    /// Queue a chunk: 1 sent, 2 sent but the client is behind (`park` a
    /// future before the next chunk), 0 the client has gone away.
    fn send(&self, chunk: &[u8]) -> u8 {
        let sent = match self.tx.lock().ok().as_ref().and_then(|g| g.as_ref()) {
            Some(tx) => tx.send(Bytes::copy_from_slice(chunk)).is_ok(),
            None => false,
        };
        if sent {
            self.window.add(chunk.len())
        } else {
            flow::GONE
        }
    }

    /// Resolve `future` once the client has read enough; `False` when there
    /// is room already (nothing to wait for).
    fn park(&self, future: Py<PyAny>) -> bool {
        self.window.park(future)
    }

    /// End the body.
    fn close(&self) {
        if let Ok(mut g) = self.tx.lock() {
            g.take();
        }
    }
}

/// The raw request, as `ouroboros.api.Request` wraps it.
#[pyclass(module = "ouroboros.api._api", frozen)]
pub struct RequestData {
    parts: RequestParts,
}

impl From<RequestParts> for RequestData {
    fn from(parts: RequestParts) -> Self {
        Self { parts }
    }
}

#[pymethods]
impl RequestData {
    #[getter]
    fn method(&self) -> &str {
        self.parts.method.as_str()
    }
    #[getter]
    fn path(&self) -> &str {
        &self.parts.path
    }
    #[getter]
    fn query_string(&self) -> &str {
        &self.parts.query
    }
    #[getter]
    fn headers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for (k, v) in &self.parts.headers {
            list.append((k.as_str(), String::from_utf8_lossy(v.as_bytes())))?;
        }
        Ok(list)
    }
    #[getter]
    fn body<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.parts.body)
    }
    #[getter]
    fn client(&self) -> Option<(String, u16)> {
        self.parts.client.map(|a| (a.ip().to_string(), a.port()))
    }
    #[getter]
    fn path_params<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (k, v) in &self.parts.path_params {
            d.set_item(k, v)?;
        }
        Ok(d)
    }
}

/// Python's handle on one WebSocket connection: sends go straight to the
/// connection's writer task; received frames arrive through `drain`.
#[pyclass(module = "ouroboros.api._api", frozen)]
pub struct WsConnection {
    pub(crate) id: u64,
    pub(crate) outgoing: mpsc::UnboundedSender<Message>,
    pub(crate) window: Arc<Window>,
    pub(crate) credit: Arc<Credit>,
    /// Taken by the first `accept` or `close`: the upgrade is answered then.
    pub(crate) handshake: Mutex<Option<oneshot::Sender<Handshake>>>,
}

impl WsConnection {
    fn answer(&self, handshake: Handshake) -> bool {
        let sender = self.handshake.lock().ok().and_then(|mut g| g.take());
        sender.is_some_and(|s| s.send(handshake).is_ok())
    }

    fn queue(&self, msg: Message) -> u8 {
        let n = msg.len();
        if self.outgoing.send(msg).is_ok() {
            self.window.add(n)
        } else {
            flow::GONE
        }
    }
}

#[pymethods]
impl WsConnection {
    #[getter]
    fn id(&self) -> u64 {
        self.id
    }

    /// Queue a text frame: 1 sent, 2 sent but the client is behind (`park`
    /// a future before the next one), 0 the connection is gone.
    fn send_text(&self, text: String) -> u8 {
        self.queue(Message::text(text))
    }

    /// Queue a binary frame (same answers as `send_text`).
    fn send_bytes(&self, data: Vec<u8>) -> u8 {
        self.queue(Message::binary(data))
    }

    /// Resolve `future` once the client has read enough; `False` when there
    /// is room already.
    fn park(&self, future: Py<PyAny>) -> bool {
        self.window.park(future)
    }

    /// The handler took a received frame of `size` bytes (lets the server
    /// read more from the client).
    fn taken(&self, size: usize) {
        self.credit.taken(size);
    }

    /// Answer the handshake with 101 (and `subprotocol`, `headers`); frames
    /// sent before it wait until then. `False` when it was answered already
    /// or the client is gone.
    #[pyo3(signature = (subprotocol = None, headers = None))]
    fn accept(&self, subprotocol: Option<String>, headers: Option<Vec<(String, String)>>) -> bool {
        self.answer(Handshake::Accept {
            subprotocol,
            headers: headers.unwrap_or_default(),
        })
    }

    /// Send a close frame and stop writing; before `accept`, the handshake
    /// is refused with 403 instead (as Starlette's servers do).
    #[pyo3(signature = (code = 1000, reason = String::new()))]
    fn close(&self, code: u16, reason: String) {
        if self.answer(Handshake::Reject) {
            return;
        }
        let frame = CloseFrame {
            code: CloseCode::from(code),
            reason: reason.into(),
        };
        let _ = self.outgoing.send(Message::Close(Some(frame)));
    }
}

/// An uploaded file as Python's `UploadFile` wraps it.
#[pyclass(module = "ouroboros.api._api", frozen)]
pub struct UploadData {
    file: crate::multipart::UploadedFile,
}

impl From<crate::multipart::UploadedFile> for UploadData {
    fn from(file: crate::multipart::UploadedFile) -> Self {
        Self { file }
    }
}

#[pymethods]
impl UploadData {
    #[getter]
    fn filename(&self) -> &str {
        &self.file.filename
    }
    #[getter]
    fn content_type(&self) -> &str {
        &self.file.content_type
    }
    #[getter]
    fn data<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.file.data)
    }
}
