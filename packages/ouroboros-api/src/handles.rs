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

use crate::flow::{Credit, Window};
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
        self.window.add_then(chunk.len(), || {
            match self.tx.lock().ok().as_ref().and_then(|g| g.as_ref()) {
                Some(tx) => tx.send(Bytes::copy_from_slice(chunk)).is_ok(),
                None => false,
            }
        })
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
        self.window
            .add_then(msg.len(), || self.outgoing.send(msg).is_ok())
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

    /// Answer the handshake with an HTTP response instead of the upgrade
    /// (Starlette's `send_denial_response`). `False` when it was answered
    /// already or the client is gone.
    #[pyo3(signature = (status, headers, body))]
    fn deny(&self, status: u16, headers: Vec<(String, String)>, body: Vec<u8>) -> PyResult<bool> {
        if !(100..=999).contains(&status) {
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "a denial response needs an HTTP status between 100 and 999, got {status}"
            )));
        }
        Ok(self.answer(Handshake::Deny {
            status,
            headers,
            body,
        }))
    }

    /// Send a close frame and stop writing; before `accept`, the handshake
    /// is refused with 403 instead (as Starlette's servers do), naming the
    /// code in the `x-websocket-close-code` header and the reason in the body.
    #[pyo3(signature = (code = 1000, reason = String::new()))]
    fn close(&self, code: u16, reason: String) {
        if self.answer(Handshake::Reject {
            code,
            reason: reason.clone(),
        }) {
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
    /// The part's headers, lower-case names.
    #[getter]
    fn headers(&self) -> Vec<(String, String)> {
        self.file.headers.clone()
    }
    #[getter]
    fn size(&self) -> u64 {
        self.file.size
    }
    /// The whole content (read back from disk when it was spooled).
    #[getter]
    fn data<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = py
            .detach(|| self.file.bytes())
            .map_err(|e| pyo3::exceptions::PyOSError::new_err(e.to_string()))?;
        Ok(PyBytes::new(py, &bytes))
    }
    /// The Python object wrapping this part, made by `make(self)` the first
    /// time and shared by every parameter reading it in this request.
    fn shared(slf: &Bound<'_, Self>, make: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        let slot = &slf.get().file.python;
        if let Some(obj) = slot.get() {
            return Ok(obj.clone_ref(py));
        }
        let obj = make.call1((slf,))?.unbind();
        Ok(slot.get_or_init(|| obj).clone_ref(py))
    }
    /// The descriptor of the temporary file holding the content when it was
    /// spooled to disk (`None`: the content is in memory, see `data`). It
    /// stays open while this object lives: duplicate it to keep it.
    fn fileno(&self) -> Option<i32> {
        use std::os::fd::AsRawFd;
        match &self.file.content {
            crate::multipart::FileContent::Disk(file) => Some(file.as_raw_fd()),
            crate::multipart::FileContent::Memory(_) => None,
        }
    }
}

/// Parse a form body (`multipart/form-data` or urlencoded) held in memory,
/// for `Request.form()`: the text fields and the files (as `UploadData`), in
/// the order sent. Over a limit or malformed: `ValueError` with the reason
/// (Starlette's wording for the limits).
#[pyfunction]
#[pyo3(signature = (body, content_type, max_fields, max_files, max_part_size))]
#[allow(clippy::type_complexity)]
pub fn parse_form(
    py: Python<'_>,
    body: &[u8],
    content_type: &str,
    max_fields: usize,
    max_files: usize,
    max_part_size: usize,
) -> PyResult<(Vec<(String, String)>, Vec<(String, UploadData)>)> {
    use crate::multipart::{check_urlencoded, parse, FormError, FormLimits};
    let limits = FormLimits {
        max_fields,
        max_files,
        max_part_size,
    };
    let refused = |e: FormError| {
        let msg = match e {
            FormError::Limit(m) | FormError::Invalid(m) | FormError::Storage(m) => m,
            FormError::Body(b) => b.to_string(),
        };
        pyo3::exceptions::PyValueError::new_err(msg)
    };
    let body = bytes::Bytes::copy_from_slice(body);
    if let Ok(boundary) = multer::parse_boundary(content_type) {
        let parts = py
            .detach(|| parse(body, &boundary, limits))
            .map_err(refused)?;
        let files = parts
            .files
            .into_iter()
            .map(|f| (f.field.clone(), UploadData::from(f)))
            .collect();
        return Ok((parts.fields, files));
    }
    let pairs: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    check_urlencoded(&pairs, limits).map_err(refused)?;
    Ok((pairs, Vec::new()))
}
