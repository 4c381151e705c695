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
use crate::params::errors_body;
use crate::queue::{Reply, RequestParts};
use crate::router::{extract, form_limit_refusal, Lookup};

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

/// Route and parse one ASGI request.
///
/// Returns `("response", status, headers, body)` when the router or the
/// parameters already decide the answer, else `("call", route, args)` with the
/// handler's ready arguments. Model-body validation errors are raised as
/// `RequestValidationError`.
#[pyfunction]
#[pyo3(signature = (server, method, path, query, headers, body, client = None, make_request = None))]
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
    let (route, path_params) = match this.core.table.lookup(&method, path) {
        Lookup::Found { route, params } => (
            route,
            params
                .iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect::<Vec<_>>(),
        ),
        Lookup::MethodNotAllowed(allow) => {
            let h = vec![
                json_ct,
                (ALLOW.as_str().as_bytes().to_vec(), allow.into_bytes()),
            ];
            return response(py, 405, h, &json_detail("Method Not Allowed"));
        }
        Lookup::Redirect(mut to) => {
            if !query.is_empty() {
                to.push('?');
                to.push_str(query);
            }
            return response(
                py,
                307,
                vec![(LOCATION.as_str().as_bytes().to_vec(), to.into_bytes())],
                b"",
            );
        }
        Lookup::NotFound => return response(py, 404, vec![json_ct], &json_detail("Not Found")),
    };
    let body = Bytes::from(body);
    let query_opt = (!query.is_empty()).then_some(query);
    let values = match extract(
        &this.core.plans[route],
        &path_params,
        query_opt,
        &map,
        &body,
        None,
    ) {
        Ok(v) => v,
        Err(errors) => {
            if let Some(detail) = form_limit_refusal(&errors) {
                return response(py, 400, vec![json_ct], &detail);
            }
            return response(py, 422, vec![json_ct], &errors_body(&errors));
        }
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
    let args = Server::build_args(server, route, values, request.as_ref())?;
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
        _ => PyTuple::new(py, ["stream".into_pyobject(py)?.into_any(), value.clone()]),
    }
}
