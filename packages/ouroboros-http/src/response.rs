//! `Response`: status, headers, body, and the body's decoders.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use ouroboros_http_core::header::{
    HeaderMap, HeaderValue, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, LOCATION,
    TRANSFER_ENCODING,
};
use ouroboros_http_core::{Completed, HistoryEntry, Opened, StatusCode, Version};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDelta, PyDict, PyList, PyString};
use tokio::sync::Mutex;

use crate::body::{AsyncBodyIterator, BodyIterator, BodyState, IterState, Mode, SharedBody};
use crate::errors::{class, new_err};
use crate::headers::{merge_into, Headers};

#[pyclass(module = "ouroboros.http._http")]
pub struct Response {
    status: u16,
    version: Version,
    headers_map: HeaderMap,
    headers_py: Option<Py<Headers>>,
    url: String,
    method: String,
    body: Option<Bytes>,
    content_py: Option<Py<PyBytes>>,
    stream: Option<SharedBody>,
    history_raw: Vec<HistoryEntry>,
    history_py: Option<Py<PyList>>,
    elapsed: Duration,
    request: Option<Py<PyAny>>,
    encoding: Option<String>,
    /// A body given to `Response(...)` as a Python (async) iterator or byte
    /// stream; `ouroboros.http._response_helpers` reads it.
    py_stream: Option<Py<PyAny>>,
    /// `default_encoding=`: a codec name or a callable `bytes -> name`.
    default_encoding: Option<Py<PyAny>>,
    extensions: Option<Py<PyDict>>,
    next_request: Option<Py<PyAny>>,
    /// `text` was read: the encoding can no longer change.
    text_read: bool,
    /// The Python stream was taken for reading (a second read is an error).
    py_taken: bool,
    py_closed: bool,
    /// Bytes of the body received so far (`num_bytes_downloaded`), shared with
    /// an open stream's state.
    downloaded: Arc<AtomicU64>,
    /// What `Response.stream` gives for a body given as a Python stream (the
    /// same object every time, so that a second read of it is refused).
    stream_obj: Option<Py<PyAny>>,
}

/// A function of `ouroboros.http._response_helpers` (the Python side of
/// responses whose body is a Python stream, and of trio callers).
fn helper<'py>(py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
    static MODULE: pyo3::sync::PyOnceLock<Py<PyModule>> = pyo3::sync::PyOnceLock::new();
    let m = MODULE.get_or_try_init(py, || -> PyResult<_> {
        Ok(py.import("ouroboros.http._response_helpers")?.unbind())
    })?;
    m.bind(py).getattr(name)
}

/// Whether an asyncio event loop runs in this thread (else the caller is
/// trio or another loop, served by the Python helpers through a thread).
fn lookup_codec(py: Python<'_>, name: &str) -> bool {
    if name.eq_ignore_ascii_case("utf-8") || name.eq_ignore_ascii_case("utf8") {
        return true;
    }
    py.import("codecs")
        .and_then(|m| m.call_method1("lookup", (name,)))
        .is_ok()
}

fn asyncio_running(py: Python<'_>) -> bool {
    static GET_LOOP: pyo3::sync::PyOnceLock<Py<PyAny>> = pyo3::sync::PyOnceLock::new();
    GET_LOOP
        .get_or_try_init(py, || -> PyResult<_> {
            Ok(py.import("asyncio")?.getattr("_get_running_loop")?.unbind())
        })
        .and_then(|f| f.bind(py).call0())
        .is_ok_and(|l| !l.is_none())
}

fn version_text(v: Version) -> &'static str {
    match v {
        Version::HTTP_09 => "HTTP/0.9",
        Version::HTTP_10 => "HTTP/1.0",
        Version::HTTP_2 => "HTTP/2",
        Version::HTTP_3 => "HTTP/3",
        _ => "HTTP/1.1",
    }
}

impl Response {
    pub fn from_completed(c: Completed) -> Self {
        let mut r = Self::bare(
            c.head.status.as_u16(),
            c.head.version,
            c.head.headers,
            c.head.url.to_string(),
            c.head.method.to_string(),
            c.elapsed,
        );
        r.downloaded.store(c.body.len() as u64, Ordering::Relaxed);
        r.body = Some(c.body);
        r.history_raw = c.history;
        r
    }

    pub fn from_opened(o: Opened) -> Self {
        let method = o.head.method.to_string();
        let url = o.head.url.to_string();
        let mut r = Self::bare(
            o.head.status.as_u16(),
            o.head.version,
            o.head.headers.clone(),
            url.clone(),
            method.clone(),
            o.elapsed,
        );
        r.history_raw = o.history;
        let (opened, consumed) = (
            Some(Opened {
                history: Vec::new(),
                ..o
            }),
            false,
        );
        r.stream = Some(Arc::new(Mutex::new(BodyState {
            opened,
            consumed,
            closed: false,
            method,
            url,
            downloaded: r.downloaded.clone(),
        })));
        r
    }

    fn from_history(h: &HistoryEntry) -> Self {
        let mut r = Self::bare(
            h.head.status.as_u16(),
            h.head.version,
            h.head.headers.clone(),
            h.head.url.to_string(),
            h.head.method.to_string(),
            h.elapsed,
        );
        r.downloaded.store(h.body.len() as u64, Ordering::Relaxed);
        r.body = Some(h.body.clone());
        r
    }

    fn bare(
        status: u16,
        version: Version,
        headers: HeaderMap,
        url: String,
        method: String,
        elapsed: Duration,
    ) -> Self {
        Self {
            status,
            version,
            headers_map: headers,
            headers_py: None,
            url,
            method,
            body: None,
            content_py: None,
            stream: None,
            history_raw: Vec::new(),
            history_py: None,
            elapsed,
            request: None,
            encoding: None,
            py_stream: None,
            default_encoding: None,
            extensions: None,
            next_request: None,
            text_read: false,
            py_taken: false,
            py_closed: false,
            downloaded: Arc::new(AtomicU64::new(0)),
            stream_obj: None,
        }
    }

    /// The body still lives in a Python stream (not read yet).
    fn python_body(&self) -> bool {
        self.body.is_none() && (self.py_stream.is_some() || self.py_taken || self.py_closed)
    }

    fn text_encoding(&self, py: Python<'_>) -> PyResult<String> {
        if let Some(c) = self.charset(py) {
            if lookup_codec(py, &c) {
                return Ok(c);
            }
        }
        match &self.default_encoding {
            None => Ok("utf-8".to_owned()),
            Some(d) => {
                let d = d.bind(py);
                if let Ok(name) = d.extract::<String>() {
                    return Ok(name);
                }
                match &self.body {
                    Some(b) => {
                        let guess = d.call1((PyBytes::new(py, b),))?;
                        Ok(guess
                            .extract::<Option<String>>()?
                            .unwrap_or_else(|| "utf-8".to_owned()))
                    }
                    None => Ok("utf-8".to_owned()),
                }
            }
        }
    }

    fn header(
        &self,
        py: Python<'_>,
        name: &ouroboros_http_core::header::HeaderName,
    ) -> Option<String> {
        let v = match &self.headers_py {
            Some(h) => h.borrow(py).map.get(name).cloned(),
            None => self.headers_map.get(name).cloned(),
        }?;
        v.to_str().ok().map(str::to_owned)
    }

    fn body_or_err(&self, py: Python<'_>) -> PyResult<&Bytes> {
        self.body.as_ref().ok_or_else(|| {
            new_err(py, "ResponseNotRead", format!("{} {}: the body of this streamed response was not read; call read() or aread() first", self.method, self.url))
        })
    }

    fn charset(&self, py: Python<'_>) -> Option<String> {
        let ct = self.header(py, &CONTENT_TYPE)?;
        ct.split(';').skip(1).find_map(|p| {
            let (k, v) = p.split_once('=')?;
            k.trim()
                .eq_ignore_ascii_case("charset")
                .then(|| v.trim().trim_matches('"').to_ascii_lowercase())
        })
    }

    fn iter_state(&self, py: Python<'_>, mode: Mode) -> PyResult<IterState> {
        if let Some(b) = &self.body {
            return Ok(IterState::new(None, Some(b.clone()), mode));
        }
        let stream = self.stream.clone().ok_or_else(|| {
            new_err(
                py,
                "StreamConsumed",
                format!(
                    "{} {}: the response has no body to iterate",
                    self.method, self.url
                ),
            )
        })?;
        {
            let state = stream.try_lock().map_err(|_| {
                new_err(
                    py,
                    "StreamError",
                    format!(
                        "{} {}: the body is being read elsewhere",
                        self.method, self.url
                    ),
                )
            })?;
            if state.consumed {
                return Err(new_err(
                    py,
                    "StreamConsumed",
                    format!(
                        "{} {}: the body of this streamed response was already read",
                        self.method, self.url
                    ),
                ));
            }
            if state.closed {
                return Err(new_err(
                    py,
                    "StreamClosed",
                    format!(
                        "{} {}: the response was closed before its body was read",
                        self.method, self.url
                    ),
                ));
            }
        }
        Ok(IterState::new(Some(stream), None, mode))
    }

    fn mark_stream_closed(&self) {
        if let Some(s) = &self.stream {
            if let Ok(mut state) = s.try_lock() {
                if state.opened.take().is_some() {
                    state.closed = true;
                }
            }
        }
    }
}

#[pymethods]
impl Response {
    #[new]
    #[pyo3(signature = (status_code, *, headers = None, content = None, text = None, html = None, json = None, stream = None, request = None, extensions = None, default_encoding = None, url = String::new(), method = String::from("GET")))]
    #[allow(clippy::too_many_arguments)]
    fn py_new(
        py: Python<'_>,
        status_code: u16,
        headers: Option<&Bound<'_, PyAny>>,
        content: Option<&Bound<'_, PyAny>>,
        text: Option<&str>,
        html: Option<&str>,
        json: Option<&Bound<'_, PyAny>>,
        stream: Option<Py<PyAny>>,
        request: Option<Py<PyAny>>,
        extensions: Option<Py<PyDict>>,
        default_encoding: Option<Py<PyAny>>,
        url: String,
        method: String,
    ) -> PyResult<Self> {
        let mut map = HeaderMap::new();
        let mut body = Some(Bytes::new());
        let mut py_stream = stream;
        let mut ctype: Option<&str> = None;
        if let Some(c) = content {
            match crate::client::bytes_of(c, "content") {
                Ok(b) => body = Some(b),
                Err(_) if c.hasattr("__aiter__")? || c.hasattr("__iter__")? => {
                    body = None;
                    py_stream = Some(c.clone().unbind());
                }
                Err(_) => {
                    return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                        "content= expects bytes, str, or a (async) iterator of bytes, got {}",
                        c.get_type().name()?
                    )))
                }
            }
        } else if let Some(t) = text {
            body = Some(Bytes::from(t.as_bytes().to_vec()));
            ctype = Some("text/plain; charset=utf-8");
        } else if let Some(t) = html {
            body = Some(Bytes::from(t.as_bytes().to_vec()));
            ctype = Some("text/html; charset=utf-8");
        } else if let Some(j) = json {
            body = Some(Bytes::from(crate::json_encode::to_json(j)?));
            ctype = Some("application/json");
        }
        let mut stream_obj = None;
        if let Some(given) = py_stream.take() {
            // One stream object for the whole life of the response: reading it
            // (through the response or `response.stream`) marks it used.
            let wrapped = helper(py, "wrap_stream")?.call1((given,))?.unbind();
            stream_obj = Some(wrapped.clone_ref(py));
            py_stream = Some(wrapped);
            body = None;
        }
        if let Some(h) = headers {
            merge_into(&mut map, h)?;
        }
        if let Some(b) = &body {
            let codings: Vec<String> = map
                .get_all(CONTENT_ENCODING)
                .iter()
                .filter_map(|v| v.to_str().ok().map(str::to_owned))
                .collect();
            if !b.is_empty() && !codings.is_empty() {
                let decoded = helper(py, "decode_body")?.call1((codings, PyBytes::new(py, b)))?;
                body = Some(crate::client::bytes_of(&decoded, "body")?);
            }
        }
        let given = content.is_some() || text.is_some() || html.is_some() || json.is_some();
        if let Some(t) = ctype {
            if !map.contains_key(CONTENT_TYPE) {
                map.insert(CONTENT_TYPE, HeaderValue::from_static(t));
            }
        }
        match &body {
            Some(b) if given && !b.is_empty() && !map.contains_key(CONTENT_LENGTH) => {
                map.insert(CONTENT_LENGTH, HeaderValue::from(b.len()));
            }
            None if content.is_some()
                && !map.contains_key(CONTENT_LENGTH)
                && !map.contains_key(TRANSFER_ENCODING) =>
            {
                map.insert(TRANSFER_ENCODING, HeaderValue::from_static("chunked"));
            }
            _ => {}
        }
        let (mut url, mut method) = (url, method);
        if let Some(req) = &request {
            if url.is_empty() {
                let req = req.bind(py);
                req.getattr("url")?.str()?.to_str()?.clone_into(&mut url);
                method = req.getattr("method")?.extract()?;
            }
        }
        let mut r = Self::bare(
            status_code,
            Version::HTTP_11,
            map,
            url,
            method.to_ascii_uppercase(),
            Duration::ZERO,
        );
        r.body = body;
        r.py_stream = py_stream;
        r.stream_obj = stream_obj;
        r.request = request;
        r.extensions = extensions;
        r.default_encoding = default_encoding;
        Ok(r)
    }

    /// The body's bytes, set by the Python helpers once they read a Python stream.
    fn _set_body(&mut self, data: &Bound<'_, PyAny>) -> PyResult<()> {
        self.body = Some(crate::client::bytes_of(data, "body")?);
        self.content_py = None;
        self.py_stream = None;
        Ok(())
    }

    /// The helpers took the Python stream to read it: it cannot be read again.
    fn _py_stream_taken(&mut self, py: Python<'_>) -> PyResult<()> {
        if self.py_taken {
            return Err(new_err(
                py,
                "StreamConsumed",
                format!(
                    "{} {}: the body of this response was already read",
                    self.method, self.url
                ),
            ));
        }
        if self.py_closed {
            return Err(new_err(
                py,
                "StreamClosed",
                format!(
                    "{} {}: the response was closed before its body was read",
                    self.method, self.url
                ),
            ));
        }
        self.py_taken = true;
        self.py_stream = None;
        Ok(())
    }

    /// Close a Python-stream body without reading it (after its async close,
    /// or once it was read to its end).
    fn _mark_closed(&mut self) {
        self.py_closed = true;
        self.py_stream = None;
    }

    /// Count `n` more bytes of a Python-stream body as received.
    fn _add_downloaded(&self, n: u64) {
        self.downloaded.fetch_add(n, Ordering::Relaxed);
    }

    /// Bytes of the body received so far, before any content decoding of a
    /// body given as a Python stream (bodies read by the client arrive decoded).
    #[getter]
    fn num_bytes_downloaded(&self) -> u64 {
        self.downloaded.load(Ordering::Relaxed)
    }

    /// The body as a byte stream: iterable (sync, async or both, as the body
    /// allows) like httpx's `Response.stream`.
    #[getter]
    fn stream<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        if let Some(o) = &slf.borrow().stream_obj {
            return Ok(o.bind(py).clone());
        }
        helper(py, "stream_of")?.call1((slf,))
    }

    /// Whether the body is (or was) a Python stream not read into memory.
    #[getter]
    fn _python_body(&self) -> bool {
        self.python_body()
    }

    /// The Python stream behind a `Response(content=<iterator>)`, if not read yet.
    #[getter]
    fn _py_stream(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        self.py_stream.as_ref().map(|s| s.clone_ref(py))
    }

    /// The charset named by the `Content-Type` header, if any.
    #[getter]
    fn charset_encoding(&self, py: Python<'_>) -> Option<String> {
        self.charset(py)
    }

    #[getter]
    fn get_default_encoding(&self, py: Python<'_>) -> Py<PyAny> {
        match &self.default_encoding {
            Some(d) => d.clone_ref(py),
            None => PyString::new(py, "utf-8").into_any().unbind(),
        }
    }

    /// Data about the exchange: `http_version` and `reason_phrase` (as bytes) for
    /// responses from the network, whatever was given to `Response(extensions=)`.
    #[getter]
    fn extensions(&mut self, py: Python<'_>) -> PyResult<Py<PyDict>> {
        if self.extensions.is_none() {
            let d = PyDict::new(py);
            if self.stream.is_some() || !self.url.is_empty() {
                d.set_item(
                    "http_version",
                    PyBytes::new(py, version_text(self.version).as_bytes()),
                )?;
                d.set_item(
                    "reason_phrase",
                    PyBytes::new(py, self.reason_phrase().as_bytes()),
                )?;
            }
            self.extensions = Some(d.unbind());
        }
        Ok(self.extensions.as_ref().expect("set above").clone_ref(py))
    }

    /// The request to send to follow this redirect, when redirects were not followed.
    #[getter]
    fn get_next_request(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        self.next_request.as_ref().map(|r| r.clone_ref(py))
    }

    #[setter]
    fn set_next_request(&mut self, value: Option<Py<PyAny>>) {
        self.next_request = value;
    }

    /// The `Link` header parsed, keyed by `rel` (or by URL when there is none).
    #[getter]
    fn links<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        helper(slf.py(), "links")?.call1((slf,))
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        helper(py, "reduce")?.call1((slf,))
    }

    #[getter]
    fn status_code(&self) -> u16 {
        self.status
    }

    #[getter]
    fn reason_phrase(&self) -> &'static str {
        StatusCode::from_u16(self.status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("")
    }

    #[getter]
    fn http_version(&self) -> &'static str {
        version_text(self.version)
    }

    #[getter]
    fn headers(&mut self, py: Python<'_>) -> PyResult<Py<Headers>> {
        if self.headers_py.is_none() {
            let map = std::mem::take(&mut self.headers_map);
            self.headers_py = Some(Py::new(py, Headers::from_map(map))?);
        }
        Ok(self
            .headers_py
            .as_ref()
            .map(|h| h.clone_ref(py))
            .expect("set above"))
    }

    #[getter]
    fn url<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        static URL_TYPE: pyo3::sync::PyOnceLock<Py<PyAny>> = pyo3::sync::PyOnceLock::new();
        let cls = URL_TYPE.get_or_try_init(py, || -> PyResult<_> {
            Ok(py
                .import("ouroboros.http._models")?
                .getattr("URL")?
                .unbind())
        })?;
        cls.bind(py).call1((self.url.as_str(),))
    }

    /// The body as bytes (a streamed response must be read first).
    #[getter]
    fn content(&mut self, py: Python<'_>) -> PyResult<Py<PyBytes>> {
        if let Some(c) = &self.content_py {
            return Ok(c.clone_ref(py));
        }
        let c = PyBytes::new(py, self.body_or_err(py)?).unbind();
        self.content_py = Some(c.clone_ref(py));
        Ok(c)
    }

    /// The codec `text` uses: set by hand, else the `Content-Type` charset,
    /// else `default_encoding` (UTF-8 unless given).
    #[getter]
    fn get_encoding(&self, py: Python<'_>) -> PyResult<String> {
        match &self.encoding {
            Some(e) => Ok(e.clone()),
            None => self.text_encoding(py),
        }
    }

    #[setter]
    fn set_encoding(&mut self, value: Option<String>) -> PyResult<()> {
        if self.text_read {
            return Err(pyo3::exceptions::PyValueError::new_err(
                "Setting encoding after `text` has been accessed is not allowed.",
            ));
        }
        self.encoding = value;
        Ok(())
    }

    /// The body decoded with the response's charset (UTF-8 when none is given).
    #[getter]
    fn text<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.text_read = true;
        let body = self.body_or_err(py)?;
        let codec = match &self.encoding {
            Some(e) => e.clone(),
            None => self.text_encoding(py)?,
        };
        match codec.to_ascii_lowercase().as_str() {
            "utf-8" | "utf8" => Ok(PyString::new(py, &String::from_utf8_lossy(body)).into_any()),
            other => PyBytes::new(py, body)
                .call_method1("decode", (other, "replace"))
                .map_err(|e| {
                    new_err(
                        py,
                        "DecodingError",
                        format!(
                            "{} {}: cannot decode the body as {other:?}: {e}",
                            self.method, self.url
                        ),
                    )
                }),
        }
    }

    /// The cookies this response sets (`Set-Cookie`), name to value.
    #[getter]
    fn cookies<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let out = PyDict::new(py);
        let name = ouroboros_http_core::header::SET_COOKIE;
        let values: Vec<String> = match &self.headers_py {
            Some(h) => h
                .borrow(py)
                .map
                .get_all(&name)
                .iter()
                .filter_map(|v| v.to_str().ok().map(str::to_owned))
                .collect(),
            None => self
                .headers_map
                .get_all(&name)
                .iter()
                .filter_map(|v| v.to_str().ok().map(str::to_owned))
                .collect(),
        };
        for v in values {
            let pair = v.split(';').next().unwrap_or_default();
            if let Some((k, val)) = pair.split_once('=') {
                out.set_item(k.trim(), val.trim().trim_matches('"'))?;
            }
        }
        Ok(out)
    }

    #[getter]
    fn elapsed<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDelta>> {
        if !self.is_closed() {
            return Err(pyo3::exceptions::PyRuntimeError::new_err(
                "'.elapsed' is known once the response has been read or closed",
            ));
        }
        let secs = i32::try_from(self.elapsed.as_secs()).unwrap_or(i32::MAX);
        PyDelta::new(
            py,
            0,
            secs,
            i32::try_from(self.elapsed.subsec_micros()).unwrap_or(0),
            true,
        )
    }

    #[setter]
    fn set_history(&mut self, value: &Bound<'_, PyAny>) -> PyResult<()> {
        self.history_py = Some(
            PyList::new(value.py(), value.try_iter()?.collect::<PyResult<Vec<_>>>()?)?.unbind(),
        );
        Ok(())
    }

    /// The redirect responses that led here, oldest first.
    #[getter]
    fn get_history(&mut self, py: Python<'_>) -> PyResult<Py<PyList>> {
        if self.history_py.is_none() {
            let items = self
                .history_raw
                .iter()
                .map(|h| Py::new(py, Self::from_history(h)))
                .collect::<PyResult<Vec<_>>>()?;
            self.history_py = Some(PyList::new(py, items)?.unbind());
        }
        Ok(self
            .history_py
            .as_ref()
            .map(|h| h.clone_ref(py))
            .expect("set above"))
    }

    /// The request that produced this response.
    #[getter]
    fn get_request(&mut self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        if let Some(r) = &self.request {
            return Ok(r.clone_ref(py));
        }
        if self.url.is_empty() {
            return Err(pyo3::exceptions::PyRuntimeError::new_err(
                "The request instance has not been set on this response.",
            ));
        }
        let cls = py.import("ouroboros.http._models")?.getattr("Request")?;
        let r = cls
            .call1((self.method.as_str(), self.url.as_str()))?
            .unbind();
        self.request = Some(r.clone_ref(py));
        Ok(r)
    }

    #[setter]
    fn set_request(&mut self, py: Python<'_>, value: Py<PyAny>) -> PyResult<()> {
        if self.url.is_empty() {
            let req = value.bind(py);
            req.getattr("url")?
                .str()?
                .to_str()?
                .clone_into(&mut self.url);
            self.method = req.getattr("method")?.extract()?;
        }
        self.request = Some(value);
        Ok(())
    }

    #[getter]
    fn is_informational(&self) -> bool {
        (100..200).contains(&self.status)
    }
    #[getter]
    fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
    #[getter]
    fn is_redirect(&self, py: Python<'_>) -> bool {
        // Any Location value counts, even one that is not ASCII: following it
        // is what reports it as invalid.
        matches!(self.status, 301 | 302 | 303 | 307 | 308)
            && match &self.headers_py {
                Some(h) => h.borrow(py).map.contains_key(LOCATION),
                None => self.headers_map.contains_key(LOCATION),
            }
    }
    #[getter]
    fn is_client_error(&self) -> bool {
        (400..500).contains(&self.status)
    }
    #[getter]
    fn is_server_error(&self) -> bool {
        (500..600).contains(&self.status)
    }
    #[getter]
    fn is_error(&self) -> bool {
        (400..600).contains(&self.status)
    }
    #[getter]
    fn is_stream_consumed(&self) -> bool {
        if self.py_taken || self.body.is_some() {
            return true;
        }
        self.stream
            .as_ref()
            .is_some_and(|s| s.try_lock().is_ok_and(|st| st.consumed))
    }
    #[getter]
    fn is_closed(&self) -> bool {
        if self.python_body() {
            return self.py_closed;
        }
        self.stream
            .as_ref()
            .is_none_or(|s| s.try_lock().is_ok_and(|st| st.opened.is_none()))
    }

    /// Parse the body as JSON in Rust. With `model`, validate into that model
    /// class (an ouroboros.validation or pydantic `BaseModel`): its
    /// `model_validate_json` gets the raw bytes, so no dict is built in between.
    #[pyo3(signature = (*, model = None, **kwargs))]
    fn json<'py>(
        &self,
        py: Python<'py>,
        model: Option<&Bound<'py, PyAny>>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let body = self.body_or_err(py)?;
        let wide = body.starts_with(&[0xEF, 0xBB, 0xBF])
            || body.iter().take(4).any(|&b| b == 0)
            || body.starts_with(&[0xFF, 0xFE])
            || body.starts_with(&[0xFE, 0xFF]);
        if model.is_none() && (wide || kwargs.is_some_and(|k| !k.is_empty())) {
            // UTF-16/32 or a BOM (detected as the JSON RFC says), or json.loads options.
            return py
                .import("json")?
                .call_method("loads", (PyBytes::new(py, body),), kwargs);
        }
        if let Some(m) = model {
            if m.hasattr("model_validate_json")? {
                return m.call_method1("model_validate_json", (PyBytes::new(py, body),));
            }
            let data = self.json(py, None, None)?;
            return m.call_method1("model_validate", (data,));
        }
        let parser = jiter::PythonParse {
            cache_mode: jiter::StringCacheMode::Keys,
            ..jiter::PythonParse::default()
        };
        parser.python_parse(py, body).map_err(|e| {
            let pos = e.get_position(body);
            new_err(
                py,
                "DecodingError",
                format!(
                    "{} {}: the body is not valid JSON: {} at line {} column {}",
                    self.method, self.url, e.error_type, pos.line, pos.column
                ),
            )
        })
    }

    /// Raise `HTTPStatusError` unless the status is 2xx; return the response.
    fn raise_for_status(slf: Bound<'_, Self>) -> PyResult<Bound<'_, Self>> {
        let py = slf.py();
        let (status, kind, reason, method, url, location) = {
            let r = slf.borrow();
            if r.request.is_none() && r.url.is_empty() {
                return Err(pyo3::exceptions::PyRuntimeError::new_err(
                    "Cannot call `raise_for_status` as the request instance has not been set on this response.",
                ));
            }
            let kind = match r.status {
                100..=199 => "Informational response",
                200..=299 => return Ok(slf.clone()),
                300..=399 => "Redirect response",
                400..=499 => "Client error",
                500..=599 => "Server error",
                _ => "Invalid status code",
            };
            let location = matches!(r.status, 301 | 302 | 303 | 307 | 308)
                .then(|| r.header(py, &LOCATION))
                .flatten();
            (
                r.status,
                kind,
                r.reason_phrase(),
                r.method.clone(),
                r.url.clone(),
                location,
            )
        };
        let redirect = location
            .map(|l| format!("Redirect location: '{l}'\n"))
            .unwrap_or_default();
        let msg = format!(
            "{kind} '{status} {reason}' for url '{url}'\n{redirect}For more information check: \
             https://developer.mozilla.org/en-US/docs/Web/HTTP/Status/{status}"
        );
        let kwargs = PyDict::new(py);
        kwargs.set_item("method", &method)?;
        kwargs.set_item("url", &url)?;
        kwargs.set_item("response", &slf)?;
        let exc = class(py, "HTTPStatusError")?.call((msg,), Some(&kwargs))?;
        Err(PyErr::from_value(exc))
    }

    /// Read the rest of a streamed body (sync client).
    fn read(slf: &Bound<'_, Self>) -> PyResult<Py<PyBytes>> {
        let py = slf.py();
        if slf.borrow().python_body() {
            return Ok(helper(py, "read")?
                .call1((slf,))?
                .cast_into::<PyBytes>()?
                .unbind());
        }
        slf.borrow_mut().read_native(py)
    }

    /// Read the rest of a streamed body (async client).
    fn aread<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        if slf.borrow().python_body() || !asyncio_running(py) {
            return helper(py, "aread")?.call1((slf,));
        }
        Self::aread_native(slf.clone())
    }

    /// Give the connection back without reading the rest of the body.
    fn close(&mut self, py: Python<'_>) -> PyResult<()> {
        if self.python_body() && !self.py_closed {
            if let Some(s) = &self.stream_obj {
                let s = s.bind(py);
                if !s.hasattr("__iter__")? {
                    return Err(pyo3::exceptions::PyRuntimeError::new_err(
                        "Attempted to call a sync close on an async stream.",
                    ));
                }
                if let Ok(close) = s.getattr("close") {
                    close.call0()?;
                }
            }
            self.py_closed = true;
        }
        self.mark_stream_closed();
        self.py_stream = None;
        Ok(())
    }

    fn aclose<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        if slf.borrow().python_body() || !asyncio_running(py) {
            return helper(py, "aclose")?.call1((slf,));
        }
        slf.borrow().aclose_native(py)
    }

    /// The body in raw chunks (as received, after content decoding by the transport).
    #[pyo3(signature = (chunk_size = None))]
    fn iter_raw<'py>(
        slf: &Bound<'py, Self>,
        chunk_size: Option<usize>,
    ) -> PyResult<Bound<'py, PyAny>> {
        Self::iter_via(slf, "iter_raw", chunk_size, Mode::Bytes)
    }
    #[pyo3(signature = (chunk_size = None))]
    fn iter_bytes<'py>(
        slf: &Bound<'py, Self>,
        chunk_size: Option<usize>,
    ) -> PyResult<Bound<'py, PyAny>> {
        Self::iter_via(slf, "iter_bytes", chunk_size, Mode::Bytes)
    }
    #[pyo3(signature = (chunk_size = None))]
    fn iter_text<'py>(
        slf: &Bound<'py, Self>,
        chunk_size: Option<usize>,
    ) -> PyResult<Bound<'py, PyAny>> {
        Self::iter_via(slf, "iter_text", chunk_size, Mode::Text)
    }
    fn iter_lines<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        Self::iter_via(slf, "iter_lines", None, Mode::Lines)
    }
    #[pyo3(signature = (chunk_size = None))]
    fn aiter_raw<'py>(
        slf: &Bound<'py, Self>,
        chunk_size: Option<usize>,
    ) -> PyResult<Bound<'py, PyAny>> {
        Self::aiter_via(slf, "aiter_raw", chunk_size, Mode::Bytes)
    }
    #[pyo3(signature = (chunk_size = None))]
    fn aiter_bytes<'py>(
        slf: &Bound<'py, Self>,
        chunk_size: Option<usize>,
    ) -> PyResult<Bound<'py, PyAny>> {
        Self::aiter_via(slf, "aiter_bytes", chunk_size, Mode::Bytes)
    }
    #[pyo3(signature = (chunk_size = None))]
    fn aiter_text<'py>(
        slf: &Bound<'py, Self>,
        chunk_size: Option<usize>,
    ) -> PyResult<Bound<'py, PyAny>> {
        Self::aiter_via(slf, "aiter_text", chunk_size, Mode::Text)
    }
    fn aiter_lines<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        Self::aiter_via(slf, "aiter_lines", None, Mode::Lines)
    }

    /// The native iterators, without the Python detours (used by the helpers).
    fn _native_iter(&self, py: Python<'_>, text: bool) -> PyResult<BodyIterator> {
        let mode = if text { Mode::Text } else { Mode::Bytes };
        Ok(BodyIterator {
            state: Arc::new(Mutex::new(self.iter_state(py, mode)?)),
        })
    }
    fn _native_aiter(&self, py: Python<'_>, text: bool) -> PyResult<AsyncBodyIterator> {
        let mode = if text { Mode::Text } else { Mode::Bytes };
        Ok(AsyncBodyIterator {
            state: Arc::new(Mutex::new(self.iter_state(py, mode)?)),
            since_turn: std::sync::atomic::AtomicU32::new(0),
        })
    }

    fn __repr__(&self) -> String {
        format!("<Response [{} {}]>", self.status, self.reason_phrase())
    }
}

impl Response {
    /// Whether text iteration can stay native (UTF-8 bodies).
    fn native_text(&self, py: Python<'_>) -> bool {
        let codec = match &self.encoding {
            Some(e) => Some(e.clone()),
            None => self.text_encoding(py).ok(),
        };
        codec.is_some_and(|c| matches!(c.to_ascii_lowercase().as_str(), "utf-8" | "utf8"))
    }

    fn iter_via<'py>(
        slf: &Bound<'py, Self>,
        name: &str,
        chunk_size: Option<usize>,
        mode: Mode,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let r = slf.borrow();
        let text_ok = !matches!(mode, Mode::Text | Mode::Lines) || r.native_text(py);
        if r.python_body() || chunk_size.is_some() || !text_ok {
            drop(r);
            return helper(py, name)?.call1((slf, chunk_size));
        }
        let it = BodyIterator {
            state: Arc::new(Mutex::new(r.iter_state(py, mode)?)),
        };
        Ok(Py::new(py, it)?.into_bound(py).into_any())
    }

    fn aiter_via<'py>(
        slf: &Bound<'py, Self>,
        name: &str,
        chunk_size: Option<usize>,
        mode: Mode,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let r = slf.borrow();
        let text_ok = !matches!(mode, Mode::Text | Mode::Lines) || r.native_text(py);
        if r.python_body() || chunk_size.is_some() || !text_ok || !asyncio_running(py) {
            drop(r);
            return helper(py, name)?.call1((slf, chunk_size));
        }
        let it = AsyncBodyIterator {
            state: Arc::new(Mutex::new(r.iter_state(py, mode)?)),
            since_turn: std::sync::atomic::AtomicU32::new(0),
        };
        Ok(Py::new(py, it)?.into_bound(py).into_any())
    }

    fn read_native(&mut self, py: Python<'_>) -> PyResult<Py<PyBytes>> {
        if self.body.is_none() {
            if let Some(stream) = self.stream.clone() {
                let bytes =
                    crate::block_on(py, async move { stream.lock().await.read_rest().await })?;
                self.body = Some(bytes);
            }
        }
        self.content(py)
    }

    fn aclose_native<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let stream = self.stream.clone();
        ouroboros_common::python::future_into_py(py, async move {
            if let Some(s) = stream {
                let mut state = s.lock().await;
                if state.opened.take().is_some() {
                    state.closed = true;
                }
            }
            Ok(())
        })
    }

    fn aread_native(slf: Bound<'_, Self>) -> PyResult<Bound<'_, PyAny>> {
        let py = slf.py();
        let (stream, done) = {
            let r = slf.borrow();
            (r.stream.clone(), r.body.is_some())
        };
        let this: Py<Self> = slf.unbind();
        // Read without the GIL; store and convert on the loop thread.
        ouroboros_common::python::spawn(py, async move {
            let read = match stream {
                Some(stream) if !done => stream.lock().await.read_rest().await.map(Some),
                _ => Ok(None),
            };
            Box::new(move |py: Python<'_>| {
                match read {
                    Ok(Some(bytes)) => this.borrow_mut(py).body = Some(bytes),
                    Ok(None) => {}
                    Err(e) => return Err(crate::errors::to_pyerr(py, &e)),
                }
                Ok(this.borrow_mut(py).content(py)?.into_any())
            }) as ouroboros_common::python::Deliver
        })
    }
}
