//! The app as an ASGI 3 application: the same route table, parameter parsing
//! and response rendering, driven by an ASGI server (uvicorn, granian,
//! httpx's `ASGITransport`) instead of the built-in hyper server.

use bytes::Bytes;
use hyper::header::{HeaderMap, HeaderName, HeaderValue, ALLOW, CONTENT_TYPE, LOCATION};
use hyper::Method;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyTuple};

use crate::bridge::{Mode, Server};
use crate::handles::RequestData;
use crate::multipart::{BodyError, FormError, FormParts};
use crate::params::errors_body;
use crate::queue::{Reply, RequestParts};
use crate::router::{extract, form_error, form_limit_refusal, Lookup};

type RawHeaders = Vec<(Vec<u8>, Vec<u8>)>;

fn response<'py>(
    py: Python<'py>,
    status: u16,
    headers: RawHeaders,
    body: &[u8],
) -> PyResult<Bound<'py, PyTuple>> {
    PyTuple::new(
        py,
        [
            "response".into_pyobject(py)?.into_any(),
            status.into_pyobject(py)?.into_any(),
            headers.into_pyobject(py)?.into_any(),
            PyBytes::new(py, body).into_any(),
        ],
    )
}

fn json_detail(text: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({ "detail": text })).unwrap_or_default()
}

const JSON: &[u8] = b"application/json";

/// A `multipart/form-data` body fed chunk by chunk from ASGI `receive()`
/// (`asgi_form_feed`): parsed as it arrives, files past 1 MiB spooled to
/// disk, as the built-in server does (and Starlette's parser).
#[pyclass(module = "ouroboros.api._api")]
pub struct FormFeed(crate::multipart::FormFeed);

#[pymethods]
impl FormFeed {
    /// Parse the next chunk (off the GIL: it may write to a spool file).
    fn feed(&mut self, py: Python<'_>, chunk: &[u8]) {
        let chunk = Bytes::copy_from_slice(chunk);
        let inner = &mut self.0;
        py.detach(|| inner.feed(chunk));
    }

    /// The body ended (`disconnected`: the client left before its end).
    #[pyo3(signature = (disconnected = false))]
    fn finish(&mut self, py: Python<'_>, disconnected: bool) {
        let inner = &mut self.0;
        py.detach(|| inner.finish(disconnected.then_some(BodyError::Unreadable)));
    }

    /// The parse is over (ended or refused): no more chunks are needed.
    #[getter]
    fn done(&self) -> bool {
        self.0.done()
    }

    /// Past the spool threshold: feeding may write to disk, so the caller
    /// runs it off the event loop.
    #[getter]
    fn spooling(&self) -> bool {
        self.0.received() > crate::server::SPOOL_AFTER
    }
}

/// A `FormFeed` for this request when its route parses a multipart body
/// (`File`/`Form` parameters, no raw `Request`), else `None`: the caller
/// then reads the body whole, within its limit.
#[pyfunction]
pub fn asgi_form_feed(
    server: &Bound<'_, Server>,
    method: &str,
    path: &str,
    headers: RawHeaders,
) -> Option<FormFeed> {
    let this = server.get();
    let mut map = HeaderMap::new();
    let mut declared = None;
    for (k, v) in &headers {
        if k.eq_ignore_ascii_case(b"content-type") {
            if let Ok(v) = HeaderValue::from_bytes(v) {
                map.insert(CONTENT_TYPE, v);
            }
        } else if k.eq_ignore_ascii_case(b"content-length") {
            declared = std::str::from_utf8(v)
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok());
        }
    }
    let boundary = crate::multipart::boundary(&map)?;
    let method = Method::from_bytes(method.as_bytes()).ok()?;
    let Lookup::Found { route, .. } = this.core.table.lookup(&method, path) else {
        return None;
    };
    let plan = &this.core.plans[route];
    if !plan.reads_form || plan.wants_request {
        return None;
    }
    let limit = plan.max_body_size.or(this.core.config.max_upload_size);
    Some(FormFeed(crate::multipart::FormFeed::new(
        &boundary,
        plan.form_limits,
        crate::server::SPOOL_AFTER,
        limit,
        declared,
    )))
}

/// The answer to a fed form that ended in an error the route never sees
/// (the body too large or unreadable, a spool file that could not be
/// written), else the parts or the parse errors for `extract`.
type FedForm = Result<Option<Result<FormParts, Vec<crate::params::FieldError>>>, (u16, Vec<u8>)>;

fn fed_form(form: Option<&Bound<'_, FormFeed>>) -> FedForm {
    let Some(form) = form else {
        return Ok(None);
    };
    match form.borrow_mut().0.take() {
        Some(Ok(parts)) => Ok(Some(Ok(parts))),
        Some(Err(FormError::Body(e))) => Err((
            if e == BodyError::TooLarge { 413 } else { 400 },
            json_detail(&e.to_string()),
        )),
        Some(Err(FormError::Storage(e))) => Err((
            500,
            json_detail(&format!("Could not store the upload: {e}")),
        )),
        Some(Err(e)) => Ok(Some(Err(form_error(e)))),
        None => Err((400, json_detail(&BodyError::Unreadable.to_string()))),
    }
}

/// A route number and its path parameters.
type Routed = (usize, Vec<(String, String)>);

/// The route of a request and its path parameters, or the router's own
/// answer (405 with `Allow`, the trailing-slash 307, 404).
fn route_of<'py>(
    py: Python<'py>,
    this: &Server,
    method: &Method,
    path: &str,
    query: &str,
) -> PyResult<Result<Routed, Bound<'py, PyTuple>>> {
    let json_ct = (CONTENT_TYPE.as_str().as_bytes().to_vec(), JSON.to_vec());
    let answer = match this.core.table.lookup(method, path) {
        Lookup::Found { route, params } => {
            let params = params.iter().map(|(k, v)| (k.to_owned(), v.to_owned()));
            return Ok(Ok((route, params.collect())));
        }
        Lookup::MethodNotAllowed(allow) => {
            let h = vec![
                json_ct,
                (ALLOW.as_str().as_bytes().to_vec(), allow.into_bytes()),
            ];
            response(py, 405, h, &json_detail("Method Not Allowed"))
        }
        Lookup::Redirect(mut to) => {
            if !query.is_empty() {
                to.push('?');
                to.push_str(query);
            }
            let location = (LOCATION.as_str().as_bytes().to_vec(), to.into_bytes());
            response(py, 307, vec![location], b"")
        }
        Lookup::NotFound => response(py, 404, vec![json_ct], &json_detail("Not Found")),
    };
    answer.map(Err)
}

/// Route and parse one ASGI request.
///
/// Returns `("response", status, headers, body)` when the router or the
/// parameters already decide the answer, else `("call", route, args)` with the
/// handler's ready arguments. Model-body validation errors are raised as
/// `RequestValidationError`. `form` is the request's `FormFeed`, fed to
/// its end, when `asgi_form_feed` gave one.
#[pyfunction]
#[pyo3(signature = (server, method, path, query, headers, body, client = None, make_request = None, form = None))]
#[allow(clippy::too_many_arguments)]
pub fn asgi_dispatch<'py>(
    server: &Bound<'py, Server>,
    method: &str,
    path: &str,
    query: &str,
    headers: RawHeaders,
    body: Vec<u8>,
    client: Option<(String, u16)>,
    make_request: Option<Bound<'py, PyAny>>,
    form: Option<Bound<'py, FormFeed>>,
) -> PyResult<Bound<'py, PyTuple>> {
    let py = server.py();
    let this = server.get();
    let Ok(method) = Method::from_bytes(method.as_bytes()) else {
        return response(py, 400, vec![], b"Invalid method");
    };
    let mut map = HeaderMap::new();
    for (k, v) in &headers {
        if let (Ok(k), Ok(v)) = (HeaderName::from_bytes(k), HeaderValue::from_bytes(v)) {
            map.append(k, v);
        }
    }
    let json_ct = (CONTENT_TYPE.as_str().as_bytes().to_vec(), JSON.to_vec());
    let (route, path_params) = match route_of(py, this, &method, path, query)? {
        Ok(found) => found,
        Err(answer) => return Ok(answer),
    };
    let body = Bytes::from(body);
    let query_opt = (!query.is_empty()).then_some(query);
    let form = match fed_form(form.as_ref()) {
        Ok(form) => form,
        Err((status, detail)) => return response(py, status, vec![json_ct], &detail),
    };
    let extracted = match form {
        Some(Err(errors)) => Err((errors, Vec::new())),
        form => extract(
            &this.core.plans[route],
            &path_params,
            query_opt,
            &map,
            &body,
            form.as_ref().and_then(|f| f.as_ref().ok()),
            None,
        ),
    };
    // Refused parameters of a route with dependencies: the dependencies
    // their valid values allow still run first (`before_errors`).
    let deps_first = this.core.plans[route].deps_first && make_request.is_none();
    let (values, refused) = match extracted {
        Ok(v) => (v, None),
        Err((errors, _)) if form_limit_refusal(&errors).is_some() => {
            let detail = form_limit_refusal(&errors).unwrap_or_default();
            return response(py, 400, vec![json_ct], &detail);
        }
        Err((errors, partial)) if deps_first && !partial.is_empty() => (partial, Some(errors)),
        Err((errors, _)) => return response(py, 422, vec![json_ct], &errors_body(&errors)),
    };
    let request = if this.core.plans[route].wants_request {
        let data = RequestData::from(RequestParts {
            method,
            path: path.to_owned(),
            query: query.to_owned(),
            headers: map,
            body,
            client: client.and_then(|(host, port)| format!("{host}:{port}").parse().ok()),
            path_params,
        });
        // A WebSocket route passes its own maker (the `WebSocket` object).
        let make = make_request.unwrap_or_else(|| this.helpers.make_request.bind(py).clone());
        Some(make.call1((data,))?)
    } else {
        None
    };
    let args = match (
        Server::build_args(server, route, values, request.as_ref()),
        &refused,
    ) {
        (Ok(args), _) => args,
        // The other values fail too: the parameters' 422, as the server answers.
        (Err(_), Some(errors)) => {
            return response(py, 422, vec![json_ct], &errors_body(errors));
        }
        (Err(e), None) => return Err(e),
    };
    if let Some(errors) = refused {
        // `("errors", route, args, errors)`: call `before_errors(*args, error=)`.
        return PyTuple::new(
            py,
            [
                "errors".into_pyobject(py)?.into_any(),
                route.into_pyobject(py)?.into_any(),
                args.into_any(),
                PyBytes::new(py, &errors_body(&errors)).into_any(),
            ],
        );
    }
    PyTuple::new(
        py,
        [
            "call".into_pyobject(py)?.into_any(),
            route.into_pyobject(py)?.into_any(),
            args.into_any(),
        ],
    )
}

/// Render a handler's return value (or an error handler's response) the way
/// the built-in server does: `("full", status, headers, body)`, or
/// `("stream", response)` for a streaming response.
#[pyfunction]
#[pyo3(signature = (server, route, value))]
pub fn asgi_render<'py>(
    server: &Bound<'py, Server>,
    route: Option<usize>,
    value: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyTuple>> {
    let py = server.py();
    let mode = match route {
        Some(i) if i < server.get().routes.len() => Mode::Route(i),
        _ => Mode::Error,
    };
    match Server::render(server, value, mode)? {
        Some(Reply::Full {
            status,
            headers,
            body,
        }) => {
            let list = PyList::empty(py);
            for (k, v) in headers {
                list.append((
                    PyBytes::new(py, k.as_str().as_bytes()),
                    PyBytes::new(py, v.as_bytes()),
                ))?;
            }
            PyTuple::new(
                py,
                [
                    "full".into_pyobject(py)?.into_any(),
                    status.into_pyobject(py)?.into_any(),
                    list.into_any(),
                    PyBytes::new(py, &body).into_any(),
                ],
            )
        }
        Some(Reply::Json { status, body }) => {
            let header = (
                PyBytes::new(py, CONTENT_TYPE.as_str().as_bytes()),
                PyBytes::new(py, JSON),
            );
            PyTuple::new(
                py,
                [
                    "full".into_pyobject(py)?.into_any(),
                    status.into_pyobject(py)?.into_any(),
                    PyList::new(py, [header])?.into_any(),
                    PyBytes::new(py, &body).into_any(),
                ],
            )
        }
        _ => PyTuple::new(py, ["stream".into_pyobject(py)?.into_any(), value.clone()]),
    }
}
