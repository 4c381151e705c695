//! `NativeClient`: one pooled engine per Python client; turns call arguments
//! into a `RequestSpec` and results into `Response`s.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use ouroboros_common::python::Deliver;
use ouroboros_common::python::{guard, InvalidArgumentError};
use ouroboros_http_core::header::{HeaderMap, HeaderValue, CONTENT_TYPE, COOKIE};
use ouroboros_http_core::{
    ClientConfig, Engine, ErrorKind, FormPart, HttpError, Limits, Method, RequestBody, RequestSpec,
    RetryPolicy, Timeouts, Url,
};
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

use crate::body::RequestStream;
use crate::cookies::Cookies;
use crate::errors::to_pyerr;
use crate::headers::{merge_into, Headers};
use crate::response::Response;

/// bytes, bytearray, memoryview or str as owned bytes; `bytes` is not copied.
pub fn bytes_of(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Bytes> {
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Bytes::from(s.to_str()?.as_bytes().to_vec()));
    }
    if let Ok(b) = obj.extract::<PyBackedBytes>() {
        return Ok(Bytes::from_owner(b));
    }
    if let Ok(v) = obj.extract::<Vec<u8>>() {
        return Ok(Bytes::from(v));
    }
    Err(InvalidArgumentError::new_err(format!(
        "{what}= expects bytes or str, got {}",
        obj.get_type().name()?
    )))
}

/// Longest duration accepted anywhere (about 31 years): beyond it a deadline
/// `now + d` overflows the clock, which would end in a panic deep in tokio.
const MAX_SECONDS: f64 = 1e9;

fn secs(v: Option<f64>, what: &str) -> PyResult<Option<Duration>> {
    match v {
        None => Ok(None),
        Some(s) if (0.0..=MAX_SECONDS).contains(&s) => Ok(Some(Duration::from_secs_f64(s))),
        Some(s) => Err(InvalidArgumentError::new_err(format!(
            "{what} must be a number of seconds between 0 and {MAX_SECONDS:e}, got {s}"
        ))),
    }
}

/// Query values as httpx writes them: True -> "true", None -> "".
fn param_text(v: &Bound<'_, PyAny>) -> PyResult<String> {
    if v.is_none() {
        Ok(String::new())
    } else if let Ok(b) = v.cast::<PyBool>() {
        Ok(if b.is_true() { "true" } else { "false" }.to_owned())
    } else if let Ok(s) = v.cast::<PyString>() {
        Ok(s.to_str()?.to_owned())
    } else if v.is_instance_of::<PyInt>() || v.is_instance_of::<PyFloat>() {
        Ok(v.str()?.to_str()?.to_owned())
    } else {
        Err(InvalidArgumentError::new_err(format!(
            "query parameter values must be str, int, float, bool or None, got {}",
            v.get_type().name()?
        )))
    }
}

/// Flatten dict / list of pairs / str into `(key, value)` pairs; list values repeat the key.
pub fn pairs(obj: &Bound<'_, PyAny>, out: &mut Vec<(String, String)>) -> PyResult<()> {
    if let Ok(s) = obj.cast::<PyString>() {
        out.extend(
            url::form_urlencoded::parse(s.to_str()?.trim_start_matches('?').as_bytes())
                .into_owned(),
        );
        return Ok(());
    }
    let items: Vec<(Bound<'_, PyAny>, Bound<'_, PyAny>)> = if let Ok(d) = obj.cast::<PyDict>() {
        d.iter().collect()
    } else {
        obj.try_iter()?
            .map(|i| i?.extract())
            .collect::<PyResult<_>>()?
    };
    for (k, v) in items {
        let key = k
            .extract::<String>()
            .map_err(|_| InvalidArgumentError::new_err("parameter names must be str"))?;
        if v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>() {
            for item in v.try_iter()? {
                out.push((key.clone(), param_text(&item?)?));
            }
        } else {
            out.push((key, param_text(&v)?));
        }
    }
    Ok(())
}

#[pyclass(module = "ouroboros.http._http")]
pub struct NativeClient {
    engine: Arc<Engine>,
    base: Option<String>,
    headers: Py<Headers>,
    params: Vec<(String, String)>,
}

struct CallArgs<'a, 'py> {
    method: &'a str,
    url: &'a str,
    params: Option<&'a Bound<'py, PyAny>>,
    headers: Option<&'a Bound<'py, PyAny>>,
    cookies: Option<&'a Bound<'py, PyAny>>,
    content: Option<&'a Bound<'py, PyAny>>,
    data: Option<&'a Bound<'py, PyAny>>,
    files: Option<&'a Bound<'py, PyAny>>,
    json: Option<&'a Bound<'py, PyAny>>,
    /// `None`: the client's timeouts; else (connect, read, write, pool, total).
    timeout: Option<TimeoutTuple>,
    follow_redirects: Option<bool>,
    /// A streamed body (`content=` an iterator, generator or file).
    stream: Option<&'a Bound<'py, RequestStream>>,
}

impl NativeClient {
    fn invalid_url(py: Python<'_>, method: &str, url: &str, why: &str) -> PyErr {
        to_pyerr(
            py,
            &HttpError::new(
                ErrorKind::InvalidUrl,
                method,
                url,
                format!("invalid URL: {why}"),
            ),
        )
    }

    /// An `InvalidURL` of a more precise class (`MissingScheme`, `MissingHost`:
    /// also httpx's `UnsupportedProtocol` / `LocalProtocolError`).
    fn url_error(py: Python<'_>, class_name: &str, method: &str, url: &str, why: &str) -> PyErr {
        let build = || -> PyResult<PyErr> {
            let kwargs = PyDict::new(py);
            kwargs.set_item("method", method)?;
            kwargs.set_item("url", url)?;
            let exc = crate::errors::class(py, class_name)?.call(
                (format!("{method} {url}: invalid URL: {why}"),),
                Some(&kwargs),
            )?;
            Ok(PyErr::from_value(exc))
        };
        build().unwrap_or_else(|e| e)
    }

    fn parse_base(py: Python<'_>, base_url: Option<&str>) -> PyResult<Option<String>> {
        match base_url {
            None | Some("") => Ok(None),
            Some(b) => {
                let u = Url::parse(b).map_err(|e| Self::invalid_url(py, "", b, &e.to_string()))?;
                if !matches!(u.scheme(), "http" | "https") {
                    return Err(Self::invalid_url(
                        py,
                        "",
                        b,
                        "base_url must be http:// or https://",
                    ));
                }
                Ok(Some(u.as_str().trim_end_matches('/').to_owned()))
            }
        }
    }

    fn resolve(&self, py: Python<'_>, method: &str, raw: &str) -> PyResult<Url> {
        let parsed =
            match Url::parse(raw) {
                Ok(u) => u,
                Err(url::ParseError::RelativeUrlWithoutBase) => match &self.base {
                    Some(base) => {
                        let joined = if raw.is_empty() {
                            base.clone()
                        } else {
                            format!("{base}/{}", raw.trim_start_matches('/'))
                        };
                        Url::parse(&joined)
                            .map_err(|e| Self::invalid_url(py, method, &joined, &e.to_string()))?
                    }
                    None => return Err(Self::url_error(
                        py,
                        "MissingScheme",
                        method,
                        raw,
                        "no http:// or https:// scheme; a relative URL needs the client's base_url",
                    )),
                },
                Err(url::ParseError::EmptyHost) => {
                    return Err(Self::url_error(py, "MissingHost", method, raw, "no host"))
                }
                Err(e) => return Err(Self::invalid_url(py, method, raw, &e.to_string())),
            };
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(to_pyerr(
                py,
                &HttpError::new(
                    ErrorKind::UnsupportedProtocol,
                    method,
                    raw,
                    format!(
                        "unsupported protocol {:?}; only http and https are supported",
                        parsed.scheme()
                    ),
                ),
            ));
        }
        if parsed.host_str().is_none_or(str::is_empty) {
            return Err(Self::url_error(py, "MissingHost", method, raw, "no host"));
        }
        Ok(parsed)
    }

    fn build(&self, py: Python<'_>, a: &CallArgs<'_, '_>) -> PyResult<RequestSpec> {
        let method =
            Method::from_bytes(a.method.to_ascii_uppercase().as_bytes()).map_err(|_| {
                InvalidArgumentError::new_err(format!("invalid HTTP method {:?}", a.method))
            })?;
        let mut url = self.resolve(py, a.method, a.url)?;
        if !self.params.is_empty() || a.params.is_some() {
            let mut all = self.params.clone();
            if let Some(p) = a.params {
                pairs(p, &mut all)?;
            }
            if !all.is_empty() {
                url.query_pairs_mut().extend_pairs(all.iter());
            }
        }
        let mut headers: HeaderMap = self.headers.borrow(py).map.clone();
        if let Some(h) = a.headers {
            merge_into(&mut headers, h)?;
        }
        if let Some(c) = a.cookies {
            let mut list = Vec::new();
            pairs(c, &mut list)?;
            let text: Vec<String> = list.iter().map(|(k, v)| format!("{k}={v}")).collect();
            if !text.is_empty() {
                let v = HeaderValue::from_str(&text.join("; ")).map_err(|_| {
                    InvalidArgumentError::new_err(
                        "cookies contain characters not allowed in a header",
                    )
                })?;
                headers.insert(COOKIE, v);
            }
        }
        let body = Self::body(a, &mut headers)?;
        Ok(RequestSpec {
            method,
            url,
            headers,
            body,
            timeouts: a.timeout.map(phase_timeouts).transpose()?,
            follow_redirects: a.follow_redirects,
        })
    }

    fn body(a: &CallArgs<'_, '_>, headers: &mut HeaderMap) -> PyResult<RequestBody> {
        if let Some(s) = a.stream {
            if a.content.is_some() || a.json.is_some() || a.data.is_some() || a.files.is_some() {
                return Err(InvalidArgumentError::new_err(
                    "a streamed body cannot be combined with content=, json=, data= or files=",
                ));
            }
            return Ok(RequestBody::Stream(Arc::clone(s.get().body())));
        }
        let given = [
            a.content.is_some(),
            a.json.is_some(),
            a.data.is_some() || a.files.is_some(),
        ]
        .iter()
        .filter(|g| **g)
        .count();
        if given > 1 {
            return Err(InvalidArgumentError::new_err(
                "give at most one of content=, json= and data=/files=",
            ));
        }
        let mut set_type = |ct: &'static str| {
            if !headers.contains_key(CONTENT_TYPE) {
                headers.insert(CONTENT_TYPE, HeaderValue::from_static(ct));
            }
        };
        if let Some(c) = a.content {
            return Ok(RequestBody::Bytes(bytes_of(c, "content")?));
        }
        if let Some(j) = a.json {
            let bytes = crate::json_encode::to_json(j)?;
            set_type("application/json");
            return Ok(RequestBody::Bytes(Bytes::from(bytes)));
        }
        if let Some(files) = a.files {
            let mut parts = Vec::new();
            if let Some(d) = a.data {
                let mut fields = Vec::new();
                pairs(d, &mut fields)?;
                parts.extend(fields.into_iter().map(|(name, v)| FormPart {
                    name,
                    filename: None,
                    content_type: None,
                    data: Bytes::from(v.into_bytes()),
                }));
            }
            for item in files.try_iter()? {
                let (name, filename, data, content_type): (
                    String,
                    Option<String>,
                    Bound<'_, PyAny>,
                    Option<String>,
                ) = item?.extract()?;
                parts.push(FormPart {
                    name,
                    filename,
                    content_type,
                    data: bytes_of(&data, "files")?,
                });
            }
            return Ok(RequestBody::Multipart(Arc::new(parts)));
        }
        if let Some(d) = a.data {
            if d.is_instance_of::<PyString>() || d.extract::<PyBackedBytes>().is_ok() {
                return Ok(RequestBody::Bytes(bytes_of(d, "data")?));
            }
            let mut fields = Vec::new();
            pairs(d, &mut fields)?;
            let encoded = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(fields.iter())
                .finish();
            set_type("application/x-www-form-urlencoded");
            return Ok(RequestBody::Bytes(Bytes::from(encoded.into_bytes())));
        }
        Ok(RequestBody::Empty)
    }
}

type TimeoutTuple = (
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<f64>,
);
type LimitsTuple = (Option<usize>, Option<usize>, Option<f64>);

/// A `Timeout`'s phases, each checked (a per-request `timeout=1e300` is a
/// `ValueError` naming the phase, never an overflow in the runtime).
fn phase_timeouts(t: TimeoutTuple) -> PyResult<Timeouts> {
    Ok(Timeouts {
        connect: secs(t.0, "connect timeout")?,
        read: secs(t.1, "read timeout")?,
        write: secs(t.2, "write timeout")?,
        pool: secs(t.3, "pool timeout")?,
        total: secs(t.4, "total timeout")?,
    })
}

/// The awaitable's result: the engine's outcome made a `Response` (or raised)
/// on the event loop's thread.
fn deliver<T: Send + 'static>(result: Result<T, HttpError>, make: fn(T) -> Response) -> Deliver {
    Box::new(move |py: Python<'_>| match result {
        Ok(v) => Ok(Py::new(py, make(v))?.into_any()),
        Err(e) => Err(to_pyerr(py, &e)),
    })
}

/// The four ways to send a request (await or block; whole body or streamed)
/// share one Python signature and one argument extraction: each entry point
/// only says what to do with the built `RequestSpec`.
macro_rules! entry_points {
    (
        $(
            $(#[doc = $doc:literal])*
            fn $name:ident($this:ident, $py:ident, $spec:ident) $body:block
        )*
        ;
        $($rest:tt)*
    ) => {
        #[pymethods]
        impl NativeClient {
            $(
                $(#[doc = $doc])*
                #[pyo3(signature = (method, url, params = None, headers = None, cookies = None, content = None, data = None, files = None, json = None, timeout = None, follow_redirects = None, stream = None))]
                #[allow(clippy::too_many_arguments)]
                fn $name<'py>(
                    &$this,
                    $py: Python<'py>,
                    method: &str,
                    url: &str,
                    params: Option<&Bound<'py, PyAny>>,
                    headers: Option<&Bound<'py, PyAny>>,
                    cookies: Option<&Bound<'py, PyAny>>,
                    content: Option<&Bound<'py, PyAny>>,
                    data: Option<&Bound<'py, PyAny>>,
                    files: Option<&Bound<'py, PyAny>>,
                    json: Option<&Bound<'py, PyAny>>,
                    timeout: Option<TimeoutTuple>,
                    follow_redirects: Option<bool>,
                    stream: Option<&Bound<'py, RequestStream>>,
                ) -> PyResult<Py<PyAny>> {
                    let args = CallArgs {
                        method,
                        url,
                        params,
                        headers,
                        cookies,
                        content,
                        data,
                        files,
                        json,
                        timeout,
                        follow_redirects,
                        stream,
                    };
                    let $spec = guard(|| $this.build($py, &args))?;
                    $body
                }
            )*
            $($rest)*
        }
    };
}
type RetryTuple = (u32, f64, f64, f64, Vec<u16>, Vec<String>, bool);

entry_points! {
    /// Send a request and read the body; returns an awaitable `Response`.
    fn request(self, py, spec) {
        let engine = Arc::clone(&self.engine);
        let fut = Box::pin(async move { deliver(engine.execute(spec).await, Response::from_completed) });
        Ok(ouroboros_common::python::spawn(py, fut)?.unbind())
    }

    /// The blocking form of `request`, for the sync `Client`.
    fn request_sync(self, py, spec) {
        let engine = Arc::clone(&self.engine);
        let done = crate::block_on(py, async move { engine.execute(spec).await })?;
        Ok(Py::new(py, Response::from_completed(done))?.into_any())
    }

    /// Send a request and return once the headers are in; the body streams.
    fn stream(self, py, spec) {
        let engine = Arc::clone(&self.engine);
        let fut = Box::pin(async move { deliver(engine.open(spec).await, Response::from_opened) });
        Ok(ouroboros_common::python::spawn(py, fut)?.unbind())
    }

    /// The blocking form of `stream`.
    fn stream_sync(self, py, spec) {
        let engine = Arc::clone(&self.engine);
        let opened = crate::block_on(py, async move { engine.open(spec).await })?;
        Ok(Py::new(py, Response::from_opened(opened))?.into_any())
    }
    ;
    #[new]
    #[pyo3(signature = (*, base_url = None, headers = None, params = None, timeout = (Some(5.0), Some(5.0), Some(5.0), Some(5.0), None), limits = (Some(100), Some(20), Some(5.0)), http2 = false, http2_prior_knowledge = false, verify = true, ca_pem = None, builtin_roots = true, cert_pem = None, proxy = None, trust_env = true, follow_redirects = false, max_redirects = 20, decompress = true, cookies = true, user_agent = None, retry = None, max_response_size = None, max_cookies = None, max_cookie_size = None))]
    #[allow(clippy::too_many_arguments, clippy::fn_params_excessive_bools)]
    fn new(
        py: Python<'_>,
        base_url: Option<&str>,
        headers: Option<&Bound<'_, PyAny>>,
        params: Option<&Bound<'_, PyAny>>,
        timeout: TimeoutTuple,
        limits: LimitsTuple,
        http2: bool,
        http2_prior_knowledge: bool,
        verify: bool,
        ca_pem: Option<Vec<u8>>,
        builtin_roots: bool,
        cert_pem: Option<Vec<u8>>,
        proxy: Option<String>,
        trust_env: bool,
        follow_redirects: bool,
        max_redirects: usize,
        decompress: bool,
        cookies: bool,
        user_agent: Option<String>,
        retry: Option<RetryTuple>,
        max_response_size: Option<u64>,
        max_cookies: Option<usize>,
        max_cookie_size: Option<usize>,
    ) -> PyResult<Self> {
        guard(|| {
            let defaults = ClientConfig::default();
            let mut retry_policy = RetryPolicy::default();
            if let Some((retries, factor, max_backoff, jitter, statuses, methods, respect)) = retry
            {
                retry_policy = RetryPolicy {
                    retries,
                    backoff_factor: secs(Some(factor), "backoff_factor")?.unwrap_or_default(),
                    max_backoff: secs(Some(max_backoff), "max_backoff")?.unwrap_or_default(),
                    jitter,
                    status_codes: statuses,
                    methods: methods
                        .iter()
                        .map(|m| {
                            Method::from_bytes(m.to_ascii_uppercase().as_bytes()).map_err(|_| {
                                InvalidArgumentError::new_err(format!(
                                    "invalid HTTP method {m:?} in retry methods"
                                ))
                            })
                        })
                        .collect::<PyResult<_>>()?,
                    respect_retry_after: respect,
                };
            }
            let config = ClientConfig {
                timeouts: Timeouts {
                    connect: secs(timeout.0, "connect timeout")?,
                    read: secs(timeout.1, "read timeout")?,
                    write: secs(timeout.2, "write timeout")?,
                    pool: secs(timeout.3, "pool timeout")?,
                    total: secs(timeout.4, "total timeout")?,
                },
                limits: Limits {
                    max_connections: limits.0,
                    max_keepalive_connections: limits.1,
                    keepalive_expiry: secs(limits.2, "keepalive_expiry")?,
                },
                http2: http2 || http2_prior_knowledge,
                http2_prior_knowledge,
                verify,
                ca_pem,
                builtin_roots,
                client_identity_pem: cert_pem,
                proxy,
                trust_env,
                follow_redirects,
                max_redirects,
                decompress,
                cookies,
                user_agent: user_agent.unwrap_or(defaults.user_agent),
                retry: retry_policy,
                max_body_size: max_response_size,
                max_cookies,
                max_cookie_size,
            };
            let engine = Engine::new(config).map_err(|e| to_pyerr(py, &e))?;
            let base = Self::parse_base(py, base_url)?;
            let mut map = HeaderMap::new();
            if let Some(h) = headers {
                merge_into(&mut map, h)?;
            }
            let mut default_params = Vec::new();
            if let Some(p) = params {
                pairs(p, &mut default_params)?;
            }
            Ok(Self {
                engine: Arc::new(engine),
                base,
                headers: Py::new(py, Headers::from_map(map))?,
                params: default_params,
            })
        })
    }

    /// The default headers sent with every request (editable).
    #[getter]
    fn headers(&self, py: Python<'_>) -> Py<Headers> {
        self.headers.clone_ref(py)
    }

    #[setter]
    fn set_headers(&mut self, py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let mut map = HeaderMap::new();
        merge_into(&mut map, value)?;
        self.headers = Py::new(py, Headers::from_map(map))?;
        Ok(())
    }

    #[getter]
    fn get_base_url(&self) -> Option<String> {
        self.base.as_ref().map(|b| format!("{b}/"))
    }

    #[setter]
    fn set_base_url(&mut self, py: Python<'_>, value: Option<&str>) -> PyResult<()> {
        self.base = Self::parse_base(py, value)?;
        Ok(())
    }

    /// The cookie jar (`None` when the client was built with `cookies=False`).
    #[getter]
    fn cookies(&self) -> Option<Cookies> {
        self.engine.jar().map(|j| Cookies { jar: Arc::clone(j) })
    }

    /// The URL a request would go to (base_url and params applied).
    #[pyo3(signature = (method, url, params = None))]
    fn build_url(
        &self,
        py: Python<'_>,
        method: &str,
        url: &str,
        params: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<String> {
        let args = CallArgs {
            method,
            url,
            params,
            headers: None,
            cookies: None,
            content: None,
            data: None,
            files: None,
            json: None,
            timeout: None,
            follow_redirects: None,
            stream: None,
        };
        Ok(self.build(py, &args)?.url.to_string())
    }
}
