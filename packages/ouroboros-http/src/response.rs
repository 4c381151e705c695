//! `Response`: status, headers, body, and the body's decoders.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use ouroboros_http_core::header::{HeaderMap, CONTENT_TYPE, LOCATION};
use ouroboros_http_core::{Completed, HistoryEntry, Opened, StatusCode, Version};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDelta, PyDict, PyList, PyString};
use tokio::sync::Mutex;

use crate::body::{AsyncBodyIterator, BodyIterator, BodyState, IterState, Mode, SharedBody};
use crate::errors::{class, new_err, to_pyerr_attached};
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
        if let Some(e) = &self.encoding {
            return Some(e.clone());
        }
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
    #[pyo3(signature = (status_code, *, headers = None, content = None, text = None, json = None, url = String::new(), method = String::from("GET"), request = None))]
    #[allow(clippy::too_many_arguments)]
    fn py_new(
        status_code: u16,
        headers: Option<&Bound<'_, PyAny>>,
        content: Option<&Bound<'_, PyAny>>,
        text: Option<&str>,
        json: Option<&Bound<'_, PyAny>>,
        url: String,
        method: String,
        request: Option<Py<PyAny>>,
    ) -> PyResult<Self> {
        let mut map = HeaderMap::new();
        let mut body = Bytes::new();
        if let Some(c) = content {
            body = crate::client::bytes_of(c, "content")?;
        } else if let Some(t) = text {
            body = Bytes::from(t.as_bytes().to_vec());
            map.insert(
                CONTENT_TYPE,
                "text/plain; charset=utf-8".parse().expect("static header"),
            );
        } else if let Some(j) = json {
            body = Bytes::from(crate::json_encode::to_json(j)?);
            map.insert(
                CONTENT_TYPE,
                "application/json".parse().expect("static header"),
            );
        }
        if let Some(h) = headers {
            merge_into(&mut map, h)?;
        }
        let mut r = Self::bare(
            status_code,
            Version::HTTP_11,
            map,
            url,
            method.to_ascii_uppercase(),
            Duration::ZERO,
        );
        r.body = Some(body);
        r.request = request;
        Ok(r)
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

    /// The charset from `Content-Type` (or set by hand); `None` means UTF-8.
    #[getter]
    fn get_encoding(&self, py: Python<'_>) -> Option<String> {
        self.charset(py)
    }

    #[setter]
    fn set_encoding(&mut self, value: Option<String>) {
        self.encoding = value;
    }

    /// The body decoded with the response's charset (UTF-8 when none is given).
    #[getter]
    fn text<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let body = self.body_or_err(py)?;
        match self.charset(py).as_deref() {
            None | Some("utf-8" | "utf8") => {
                Ok(PyString::new(py, &String::from_utf8_lossy(body)).into_any())
            }
            Some(other) => PyBytes::new(py, body)
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
        let secs = i32::try_from(self.elapsed.as_secs()).unwrap_or(i32::MAX);
        PyDelta::new(
            py,
            0,
            secs,
            i32::try_from(self.elapsed.subsec_micros()).unwrap_or(0),
            true,
        )
    }

    /// The redirect responses that led here, oldest first.
    #[getter]
    fn history(&mut self, py: Python<'_>) -> PyResult<Py<PyList>> {
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
        let cls = py.import("ouroboros.http._models")?.getattr("Request")?;
        let r = cls
            .call1((self.method.as_str(), self.url.as_str()))?
            .unbind();
        self.request = Some(r.clone_ref(py));
        Ok(r)
    }

    #[setter]
    fn set_request(&mut self, value: Py<PyAny>) {
        self.request = Some(value);
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
        matches!(self.status, 301 | 302 | 303 | 307 | 308) && self.header(py, &LOCATION).is_some()
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
        self.stream
            .as_ref()
            .is_some_and(|s| s.try_lock().is_ok_and(|st| st.consumed))
    }
    #[getter]
    fn is_closed(&self) -> bool {
        self.stream
            .as_ref()
            .is_none_or(|s| s.try_lock().is_ok_and(|st| st.opened.is_none()))
    }

    /// Parse the body as JSON in Rust. With `model`, validate into that model
    /// class (an ouroboros.validation or pydantic `BaseModel`): its
    /// `model_validate_json` gets the raw bytes, so no dict is built in between.
    #[pyo3(signature = (*, model = None))]
    fn json<'py>(
        &self,
        py: Python<'py>,
        model: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let body = self.body_or_err(py)?;
        if let Some(m) = model {
            if m.hasattr("model_validate_json")? {
                return m.call_method1("model_validate_json", (PyBytes::new(py, body),));
            }
            let data = self.json(py, None)?;
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
        let (status, kind, reason, method, url) = {
            let r = slf.borrow();
            let kind = match r.status {
                100..=199 => "Informational response",
                200..=299 => return Ok(slf.clone()),
                300..=399 => "Redirect response",
                400..=499 => "Client error",
                500..=599 => "Server error",
                _ => "Invalid status code",
            };
            (
                r.status,
                kind,
                r.reason_phrase(),
                r.method.clone(),
                r.url.clone(),
            )
        };
        let msg = format!("{kind} '{status} {reason}' for {method} {url}");
        let kwargs = PyDict::new(py);
        kwargs.set_item("method", &method)?;
        kwargs.set_item("url", &url)?;
        kwargs.set_item("response", &slf)?;
        let exc = class(py, "HTTPStatusError")?.call((msg,), Some(&kwargs))?;
        Err(PyErr::from_value(exc))
    }

    /// Read the rest of a streamed body (sync client).
    fn read(&mut self, py: Python<'_>) -> PyResult<Py<PyBytes>> {
        if self.body.is_none() {
            if let Some(stream) = self.stream.clone() {
                let bytes =
                    crate::block_on(py, async move { stream.lock().await.read_rest().await })?;
                self.body = Some(bytes);
            }
        }
        self.content(py)
    }

    /// Read the rest of a streamed body (async client).
    fn aread(slf: Bound<'_, Self>) -> PyResult<Bound<'_, PyAny>> {
        let py = slf.py();
        let (stream, done) = {
            let r = slf.borrow();
            (r.stream.clone(), r.body.is_some())
        };
        let this: Py<Self> = slf.unbind();
        ouroboros_common::python::future_into_py(py, async move {
            if !done {
                if let Some(stream) = stream {
                    let bytes = stream
                        .lock()
                        .await
                        .read_rest()
                        .await
                        .map_err(|e| to_pyerr_attached(&e))?;
                    Python::attach(|py| this.borrow_mut(py).body = Some(bytes));
                }
            }
            Python::attach(|py| this.borrow_mut(py).content(py))
        })
    }

    /// Give the connection back without reading the rest of the body.
    fn close(&self) {
        self.mark_stream_closed();
    }

    fn aclose<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
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

    fn iter_bytes(&self, py: Python<'_>) -> PyResult<BodyIterator> {
        Ok(BodyIterator {
            state: Arc::new(Mutex::new(self.iter_state(py, Mode::Bytes)?)),
        })
    }
    fn iter_text(&self, py: Python<'_>) -> PyResult<BodyIterator> {
        Ok(BodyIterator {
            state: Arc::new(Mutex::new(self.iter_state(py, Mode::Text)?)),
        })
    }
    fn iter_lines(&self, py: Python<'_>) -> PyResult<BodyIterator> {
        Ok(BodyIterator {
            state: Arc::new(Mutex::new(self.iter_state(py, Mode::Lines)?)),
        })
    }
    fn aiter_bytes(&self, py: Python<'_>) -> PyResult<AsyncBodyIterator> {
        Ok(AsyncBodyIterator {
            state: Arc::new(Mutex::new(self.iter_state(py, Mode::Bytes)?)),
        })
    }
    fn aiter_text(&self, py: Python<'_>) -> PyResult<AsyncBodyIterator> {
        Ok(AsyncBodyIterator {
            state: Arc::new(Mutex::new(self.iter_state(py, Mode::Text)?)),
        })
    }
    fn aiter_lines(&self, py: Python<'_>) -> PyResult<AsyncBodyIterator> {
        Ok(AsyncBodyIterator {
            state: Arc::new(Mutex::new(self.iter_state(py, Mode::Lines)?)),
        })
    }

    fn __repr__(&self) -> String {
        format!("<Response [{} {}]>", self.status, self.reason_phrase())
    }
}
