//! The Python side of the server: runs on the thread of the asyncio loop.
//!
//! `Server.drain` is registered with `loop.add_reader` on the queue's eventfd.
//! Each call takes a batch of parsed requests and, holding the GIL it already
//! has, for each: builds the arguments, calls the route's handler, and steps
//! the coroutine once by hand. A handler that finishes without awaiting
//! anything (the common case) is answered right there, with no asyncio Task
//! and no trip through the loop. Only a coroutine that really waits is handed
//! to `schedule`, which resumes it inside a Task and calls a [`Responder`]
//! when it is done.

use std::os::fd::RawFd;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use bytes::Bytes;
use hyper::header::{HeaderName, HeaderValue};
use pyo3::exceptions::PyValueError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString, PyTuple};
use tokio::sync::{mpsc, oneshot, watch};

use ouroboros_schema::python::{ResponseError, SchemaValidator, SerOptions};
use pyo3::{PyTraverseError, PyVisit};

use crate::flow::{Window, SEND_WINDOW};
use crate::handles::{BodySink, RequestData, WsConnection};
use crate::json::{self, Filter};
use crate::params::ArgValue;
use crate::queue::{Msg, Reply, RouterAnswer, WsEvent};
use crate::server::Core;

/// Per route, what only Python can hold.
pub struct PyRoute {
    pub invoke: Py<PyAny>,
    pub is_async: bool,
    pub status: u16,
    pub filter: Filter,
    pub defaults: Vec<Py<PyAny>>,
    /// The default is a function called per request (a `default_factory`,
    /// or a default that `validate_default` checks each time).
    pub call_default: Vec<bool>,
    pub converters: Vec<Option<Py<PyAny>>>,
    /// Compiled `ouroboros.validation` schemas of model-typed body parameters.
    /// With the error location prefix (`["body"]` or `["body", name]`).
    pub validators: Vec<Option<(SchemaValidator, Py<PyAny>)>>,
    /// The compiled `response_model`: return values are validated and
    /// written by it (`filter` is then unused).
    pub response: Option<ResponseModel>,
    /// `before_errors(*values, error=)`: for a route with dependencies whose
    /// parameters were refused, calls the dependencies whose own parameters
    /// are valid (as FastAPI solves them) and raises `error` (`deps_first`).
    pub before_errors: Option<Py<PyAny>>,
}

/// A route's `response_model`, compiled once: validation of the returned
/// value (`from_attributes`, as FastAPI) and its JSON by the schema crate's
/// serializer (aliases, field serializers, exclude rules).
pub struct ResponseModel {
    pub validator: SchemaValidator,
    pub opts: SerOptions,
    pub include: Option<Py<PyAny>>,
    pub exclude: Option<Py<PyAny>>,
    /// `invalid(validation_error, value)`: the `ResponseValidationError` to raise.
    pub invalid: Py<PyAny>,
    /// Values the model's validation returns unchanged (or as an equal
    /// copy), which are written without it.
    pub passthrough: Passthrough,
}

/// Response models whose validation cannot change what is written for some
/// values: `Any` (every value), a bare `dict` (an exact `dict`), a bare
/// `list` (an exact `list`). Validation would copy the container and keep
/// every item as it is, so the JSON of the copy is the JSON of the value.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Passthrough {
    None,
    Any,
    Dict,
    List,
}

impl Passthrough {
    /// For a compiled description: `{"type": "any"}`, `{"type": "dict"}`
    /// (keys and values absent or `any`) or `{"type": "list"}` (items
    /// absent or `any`), with no other key (no constraint, no strictness).
    pub fn of(schema: &Bound<'_, PyAny>) -> PyResult<Self> {
        let Ok(d) = schema.cast::<pyo3::types::PyDict>() else {
            return Ok(Self::None);
        };
        let is_any = |v: &Bound<'_, PyAny>| -> PyResult<bool> {
            let Ok(sub) = v.cast::<pyo3::types::PyDict>() else {
                return Ok(false);
            };
            Ok(sub.len() == 1
                && sub
                    .get_item("type")?
                    .is_some_and(|t| t.extract::<String>().is_ok_and(|t| t == "any")))
        };
        let Some(kind) = d.get_item("type")? else {
            return Ok(Self::None);
        };
        let (kind, parts): (Self, &[&str]) = match kind.extract::<String>().as_deref() {
            Ok("any") => (Self::Any, &[]),
            Ok("dict") => (Self::Dict, &["keys", "values"]),
            Ok("list") => (Self::List, &["items"]),
            _ => return Ok(Self::None),
        };
        for (key, value) in d.iter() {
            let key: String = key.extract()?;
            if key == "type" {
                continue;
            }
            if !parts.contains(&key.as_str()) || !is_any(&value)? {
                return Ok(Self::None);
            }
        }
        Ok(kind)
    }

    fn applies(self, value: &Bound<'_, PyAny>) -> bool {
        match self {
            Self::None => false,
            Self::Any => true,
            Self::Dict => value.is_exact_instance_of::<pyo3::types::PyDict>(),
            Self::List => value.is_exact_instance_of::<PyList>(),
        }
    }
}

impl ResponseModel {
    /// The JSON body of `value`, or the `ResponseValidationError` it causes.
    pub fn write(&self, value: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
        let py = value.py();
        let include = || self.include.as_ref().map(|i| i.bind(py).clone());
        let exclude = || self.exclude.as_ref().map(|e| e.bind(py).clone());
        if self.passthrough.applies(value) {
            return self
                .validator
                .to_json(value, self.opts, include(), exclude());
        }
        self.validator
            .response_json(py, value, self.opts, include(), exclude())
            .map_err(|e| match e {
                ResponseError::Invalid(e) => {
                    match self.invalid.bind(py).call1((e.value(py), value)) {
                        Ok(exc) => PyErr::from_value(exc),
                        Err(e) => e,
                    }
                }
                ResponseError::Write(e) => e,
            })
    }
}

/// The Python callables the server uses (see `ouroboros.api._serve`).
pub struct Helpers {
    pub make_websocket: Py<PyAny>,
    pub access_log: Py<PyAny>,
    /// `body_error([(exc, loc), ...], route_index, request)`: schema
    /// `ValidationError`s as one 422 error.
    pub body_error: Py<PyAny>,
    /// `validation_error(errors, route_index, request)`: a `RequestValidationError`
    /// from a 422 body (the request's own body as its `.body`).
    pub validation_error: Py<PyAny>,
    pub ws_deliver: Py<PyAny>,
    pub schedule: Py<PyAny>,
    pub fallback: Py<PyAny>,
    pub on_error: Py<PyAny>,
    pub make_request: Py<PyAny>,
    pub response_class: Py<PyAny>,
    pub stream: Py<PyAny>,
    /// `router_answer(request, status, detail, headers, errors, route_index)`: a
    /// coroutine answering a 404/405/redirect/413/422 through the app.
    pub router_answer: Py<PyAny>,
    /// `background(task)`: runs a full response's `background` once it is sent.
    pub background: Py<PyAny>,
    /// `unhandled(exc)`: logs an error no handler answered and keeps it for
    /// the app's TestClient.
    pub unhandled: Py<PyAny>,
}

/// How a finished value becomes a reply.
#[derive(Clone, Copy)]
pub(crate) enum Mode {
    Route(usize),
    /// The value came from the error handler: a response, or JSON with 500.
    Error,
}

/// A running (or not yet started) server of one app.
#[pyclass(module = "ouroboros.api._api", frozen)]
pub struct Server {
    pub core: Arc<Core>,
    pub routes: Vec<PyRoute>,
    pub helpers: Helpers,
    pub on_stopped: Mutex<Option<Py<PyAny>>>,
    /// Replies go to the I/O thread in batches through this channel: one
    /// cross-thread wake-up per batch instead of one per response.
    pub replies: Mutex<Option<mpsc::UnboundedSender<ReplyBatch>>>,
    /// While `drain` runs: the replies collected so far.
    pub batch: Mutex<Option<ReplyBatch>>,
    pub shutdown: watch::Sender<bool>,
    pub thread: Mutex<Option<JoinHandle<()>>>,
    /// The gate of `attach_loop` (the loop's thread side of it).
    pub gate: Mutex<Option<Arc<crate::inline::Gate>>>,
}

pub type ReplyBatch = Vec<(oneshot::Sender<Reply>, Reply)>;

/// On the I/O thread: hand each batched reply to its connection task
/// (local wake-ups, no system calls).
pub async fn dispatch_replies(mut batches: mpsc::UnboundedReceiver<ReplyBatch>) {
    while let Some(batch) = batches.recv().await {
        for (tx, reply) in batch {
            let _ = tx.send(reply);
        }
    }
}

fn internal_error_reply() -> Reply {
    Reply::Json {
        status: 500,
        body: Bytes::from_static(b"{\"detail\":\"Internal Server Error\"}"),
    }
}

fn arg_to_py<'py>(
    py: Python<'py>,
    v: ArgValue,
    default: &Py<PyAny>,
    request: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        ArgValue::Missing => default.bind(py).clone(),
        ArgValue::Str(s) => PyString::new(py, &s).into_any(),
        ArgValue::Int(i) => i.into_pyobject(py)?.into_any(),
        ArgValue::BigInt(digits) => py.get_type::<pyo3::types::PyInt>().call1((digits,))?,
        ArgValue::Float(f) => f.into_pyobject(py)?.into_any(),
        ArgValue::Bool(b) => pyo3::types::PyBool::new(py, b).to_owned().into_any(),
        ArgValue::List(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(arg_to_py(py, item, default, request)?)?;
            }
            list.into_any()
        }
        ArgValue::Json(value) => json::value_to_py(py, &value)?,
        ArgValue::RawJson(bytes) => crate::setup::loads(py, &bytes)?,
        ArgValue::Bytes(bytes) => PyBytes::new(py, &bytes).into_any(),
        ArgValue::File(file) => Bound::new(py, crate::handles::UploadData::from(*file))?.into_any(),
        ArgValue::Request => match request {
            Some(r) => r.clone(),
            None => py.None().into_bound(py),
        },
        ArgValue::Aliased(value, _) => arg_to_py(py, *value, default, request)?,
        ArgValue::Pairs(pairs) => {
            let list = PyList::empty(py);
            for (key, value) in pairs {
                let value = arg_to_py(py, value, default, request)?;
                list.append((PyString::new(py, &key), value))?;
            }
            list.into_any()
        }
    })
}

/// `callable(*args)` by vectorcall: no argument tuple is built (and freed)
/// per request, and a Python function reuses the slot before the arguments.
fn call_with<'py>(
    callable: &Bound<'py, PyAny>,
    args: &[Bound<'py, PyAny>],
) -> PyResult<Bound<'py, PyAny>> {
    const ON_STACK: usize = 8;
    let mut stack = [std::ptr::null_mut::<ffi::PyObject>(); ON_STACK + 1];
    let mut heap = Vec::new();
    let slots: &mut [*mut ffi::PyObject] = if args.len() <= ON_STACK {
        &mut stack[..=args.len()]
    } else {
        heap.resize(args.len() + 1, std::ptr::null_mut());
        &mut heap
    };
    for (slot, arg) in slots[1..].iter_mut().zip(args) {
        *slot = arg.as_ptr();
    }
    // SAFETY: `slots[1..]` holds `args.len()` borrowed pointers to live
    // objects (kept alive by `args` for the call) and `slots[0]` is the
    // writable slot PY_VECTORCALL_ARGUMENTS_OFFSET lets the callee use; the
    // GIL is held (we have a `Bound`). The result is a new reference or
    // NULL with an exception set.
    unsafe {
        let out = ffi::PyObject_Vectorcall(
            callable.as_ptr(),
            slots.as_ptr().add(1),
            args.len() | ffi::PY_VECTORCALL_ARGUMENTS_OFFSET,
            std::ptr::null_mut(),
        );
        Bound::from_owned_ptr_or_err(callable.py(), out)
    }
}

/// An error of a coroutine function's plain twin as the coroutine reports
/// it: a `StopIteration` escaping a coroutine becomes a `RuntimeError`
/// caused by it (CPython's `gen_send_ex2`); anything else is kept.
fn as_coroutine_error(py: Python<'_>, e: PyErr) -> PyErr {
    if !e.is_instance_of::<pyo3::exceptions::PyStopIteration>(py) {
        return e;
    }
    let err = pyo3::exceptions::PyRuntimeError::new_err("coroutine raised StopIteration");
    let cause = e.into_value(py);
    let value = err.value(py);
    // SAFETY: both are live exception instances; SetContext steals a reference.
    unsafe {
        ffi::PyException_SetContext(value.as_ptr(), cause.clone_ref(py).into_ptr());
    }
    err.set_cause(py, Some(PyErr::from_value(cause.into_bound(py).into_any())));
    err
}

/// Read `raw_headers` (a list of `(bytes, bytes)`) from a Python response.
fn headers_of(resp: &Bound<'_, PyAny>) -> PyResult<Vec<(HeaderName, HeaderValue)>> {
    let mut out = Vec::new();
    for item in resp.getattr("raw_headers")?.try_iter()? {
        let (name, value): (Vec<u8>, Vec<u8>) = item?.extract()?;
        let name = HeaderName::from_bytes(&name)
            .map_err(|e| PyValueError::new_err(format!("invalid header name {name:?}: {e}")))?;
        let value = HeaderValue::from_bytes(&value)
            .map_err(|e| PyValueError::new_err(format!("invalid value for header {name}: {e}")))?;
        out.push((name, value));
    }
    Ok(out)
}

impl Server {
    /// Send a reply: batched while `drain` runs, directly otherwise (from a
    /// Task's done-callback).
    fn deliver(slf: &Bound<'_, Self>, tx: oneshot::Sender<Reply>, reply: Reply) {
        let this = slf.get();
        if let Ok(mut batch) = this.batch.lock() {
            if let Some(batch) = batch.as_mut() {
                batch.push((tx, reply));
                return;
            }
        }
        let _ = tx.send(reply);
    }

    /// Run `f` collecting the replies it makes instead of sending them.
    pub(crate) fn collect_replies(&self, f: impl FnOnce()) -> ReplyBatch {
        if let Ok(mut batch) = self.batch.lock() {
            *batch = Some(Vec::new());
        }
        f();
        self.batch
            .lock()
            .ok()
            .and_then(|mut g| g.take())
            .unwrap_or_default()
    }

    /// Send the replies collected during `drain` in one message.
    fn flush_replies(&self) {
        let batch = self.batch.lock().ok().and_then(|mut g| g.take());
        let Some(batch) = batch else { return };
        if batch.is_empty() {
            return;
        }
        let sender = self.replies.lock().ok().and_then(|g| g.clone());
        match sender {
            Some(tx) => {
                if let Err(err) = tx.send(batch) {
                    for (tx, reply) in err.0 {
                        let _ = tx.send(reply);
                    }
                }
            }
            None => {
                for (tx, reply) in batch {
                    let _ = tx.send(reply);
                }
            }
        }
    }

    /// A failure already located (a `RequestValidationError` from Python),
    /// as `body_error` takes it.
    fn failure<'py>(py: Python<'py>, e: &PyErr) -> Bound<'py, PyAny> {
        PyTuple::new(
            py,
            [
                e.value(py).clone().into_any(),
                PyTuple::empty(py).into_any(),
            ],
        )
        .map_or_else(|_| py.None().into_bound(py), Bound::into_any)
    }

    /// Turn parsed values into the handler's arguments (as a tuple).
    pub(crate) fn build_args<'py>(
        slf: &Bound<'py, Self>,
        route_index: usize,
        values: Vec<ArgValue>,
        request: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(
            slf.py(),
            Self::arg_values(slf, route_index, values, request)?,
        )
    }

    /// Turn parsed values into the handler's arguments: defaults, converters
    /// and compiled-schema validation (model bodies).
    fn arg_values<'py>(
        slf: &Bound<'py, Self>,
        route_index: usize,
        values: Vec<ArgValue>,
        request: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Vec<Bound<'py, PyAny>>> {
        let py = slf.py();
        let this = slf.get();
        let route = &this.routes[route_index];
        let mut args = Vec::with_capacity(values.len());
        // Every parameter the schema refuses, reported together as FastAPI does.
        let mut failures: Vec<Bound<'py, PyAny>> = Vec::new();
        for (i, v) in values.into_iter().enumerate() {
            // Defaults are used as declared, like FastAPI: never converted.
            let convert = !matches!(v, ArgValue::Missing);
            if !convert && route.call_default[i] {
                let value = route.defaults[i].bind(py).call0().unwrap_or_else(|e| {
                    failures.push(Self::failure(py, &e));
                    py.None().into_bound(py)
                });
                args.push(value);
                continue;
            }
            let (v, chosen) = match v {
                ArgValue::Aliased(inner, key) => (*inner, Some(key)),
                v => (v, None),
            };
            let value = match (&route.validators[i], v) {
                (Some((validator, loc)), v) if convert => {
                    // Errors name the alias the request used.
                    let loc = match &chosen {
                        Some(key) => {
                            let mut items: Vec<Bound<'py, PyAny>> =
                                loc.bind(py).try_iter()?.collect::<PyResult<_>>()?;
                            items.pop();
                            items.push(PyString::new(py, key).into_any());
                            PyTuple::new(py, items)?.into_any().unbind()
                        }
                        None => loc.clone_ref(py),
                    };
                    let validated = match v {
                        ArgValue::RawJson(bytes) => validator.validate_json(py, &bytes, None),
                        other => arg_to_py(py, other, &route.defaults[i], request)
                            .and_then(|value| validator.validate_python(py, &value, None, None)),
                    };
                    match validated {
                        Ok(v) => v,
                        Err(e) => {
                            failures.push(
                                PyTuple::new(py, [e.value(py).as_any(), loc.bind(py).as_any()])?
                                    .into_any(),
                            );
                            py.None().into_bound(py)
                        }
                    }
                }
                (_, v) => {
                    let value = arg_to_py(py, v, &route.defaults[i], request)?;
                    match &route.converters[i] {
                        // A converter's `RequestValidationError` joins the others.
                        Some(conv) if convert => match conv.bind(py).call1((value,)) {
                            Ok(v) => v,
                            Err(e) => {
                                failures.push(Self::failure(py, &e));
                                py.None().into_bound(py)
                            }
                        },
                        _ => value,
                    }
                }
            };
            args.push(value);
        }
        if !failures.is_empty() {
            let exc = this
                .helpers
                .body_error
                .bind(py)
                .call1((failures, route_index, request))?;
            return Err(PyErr::from_value(exc));
        }
        Ok(args)
    }

    /// Run a batch of queued messages (on the loop's thread from `drain`,
    /// or on the I/O thread, see [`crate::inline`]).
    pub(crate) fn handle(slf: &Bound<'_, Self>, items: Vec<Msg>) {
        for item in items {
            match item {
                Msg::Job(job) => Self::run_job(slf, job),
                Msg::Access(record) => {
                    let py = slf.py();
                    let client = record.client.map(|a| (a.ip().to_string(), a.port()));
                    let args = (
                        record.method.as_str(),
                        record.target.as_str(),
                        record.status,
                        record.elapsed.as_secs_f64(),
                        client,
                    );
                    if let Err(e) = slf.get().helpers.access_log.bind(py).call1(args) {
                        e.write_unraisable(py, None);
                    }
                }
                Msg::WsEvent { id, event } => {
                    let py = slf.py();
                    let deliver = slf.get().helpers.ws_deliver.bind(py);
                    let result = match event {
                        WsEvent::Text(t) => deliver.call1((id, "text", t)),
                        WsEvent::Binary(b) => deliver.call1((id, "bytes", PyBytes::new(py, &b))),
                        WsEvent::Close(code, reason) => {
                            deliver.call1((id, "close", (code, reason)))
                        }
                    };
                    if let Err(e) = result {
                        e.write_unraisable(py, None);
                    }
                }
                Msg::Wake(fut) => {
                    let py = slf.py();
                    let fut = fut.bind(py);
                    let woke = fut.call_method0("done").and_then(|d| {
                        if d.is_truthy()? {
                            Ok(())
                        } else {
                            fut.call_method1("set_result", (py.None(),)).map(|_| ())
                        }
                    });
                    if let Err(e) = woke {
                        e.write_unraisable(py, None);
                    }
                }
                Msg::Stopped(error) => {
                    let py = slf.py();
                    let cb = slf.get().on_stopped.lock().ok().and_then(|mut g| g.take());
                    if let Some(cb) = cb {
                        if let Err(e) = cb.bind(py).call1((error,)) {
                            e.write_unraisable(py, None);
                        }
                    }
                }
            }
        }
    }

    /// A request the router answered itself, passed through the app's
    /// middleware and exception handlers (`router_answer` in Python).
    fn run_answer(slf: &Bound<'_, Self>, job: crate::queue::Job, answer: RouterAnswer) {
        let py = slf.py();
        let this = slf.get();
        let request = match job.request {
            Some(parts) => this
                .helpers
                .make_request
                .bind(py)
                .call1((RequestData::from(*parts),)),
            None => Ok(py.None().into_bound(py)),
        };
        let request = match request {
            Ok(r) => r,
            Err(e) => return Self::fail(slf, &e, None, job.reply, false),
        };
        let errors = job.errors.map(|b| PyBytes::new(py, &b));
        let called = this.helpers.router_answer.bind(py).call1((
            &request,
            answer.status,
            answer.detail,
            answer.headers,
            errors,
            answer.route,
        ));
        match called {
            Ok(coro) => Self::step(slf, &coro, Mode::Error, Some(&request), job.reply),
            Err(e) => Self::fail(slf, &e, Some(&request), job.reply, false),
        }
    }

    fn run_job(slf: &Bound<'_, Self>, mut job: crate::queue::Job) {
        if let Some(answer) = job.answer.take() {
            return Self::run_answer(slf, job, *answer);
        }
        let py = slf.py();
        let this = slf.get();
        let route = &this.routes[job.route];
        let made = match (job.request, job.ws) {
            (Some(parts), Some(link)) => {
                let link = *link;
                let conn = WsConnection {
                    id: link.id,
                    outgoing: link.outgoing,
                    window: link.window,
                    credit: link.credit,
                    handshake: std::sync::Mutex::new(Some(link.handshake)),
                };
                Some(
                    this.helpers
                        .make_websocket
                        .bind(py)
                        .call1((RequestData::from(*parts), conn)),
                )
            }
            (Some(parts), None) => Some(
                this.helpers
                    .make_request
                    .bind(py)
                    .call1((RequestData::from(*parts),)),
            ),
            (None, _) => None,
        };
        let request = match made {
            Some(made) => match made {
                Ok(r) => Some(r),
                Err(e) => return Self::fail(slf, &e, None, job.reply, false),
            },
            None => None,
        };
        if let Some(errors) = job.errors {
            let exc = this
                .helpers
                .validation_error
                .bind(py)
                .call1((PyBytes::new(py, &errors), job.route, request.as_ref()))
                .map_or_else(|e| e, PyErr::from_value);
            if let (Some(before), false) = (&route.before_errors, job.args.is_empty()) {
                // The values that were read (refused ones `Missing`): the
                // dependencies they allow run first, then `exc` is raised.
                // Should the others fail in Python too, plain `exc` it is.
                if let Ok(args) = Self::build_args(slf, job.route, job.args, request.as_ref()) {
                    let kwargs = pyo3::types::PyDict::new(py);
                    let called = kwargs
                        .set_item("error", exc.value(py))
                        .and_then(|()| before.bind(py).call(args, Some(&kwargs)));
                    return match called {
                        Ok(coro) => Self::step(
                            slf,
                            &coro,
                            Mode::Route(job.route),
                            request.as_ref(),
                            job.reply,
                        ),
                        Err(e) => Self::fail(slf, &e, request.as_ref(), job.reply, false),
                    };
                }
            }
            return Self::fail(slf, &exc, request.as_ref(), job.reply, false);
        }
        let args = match Self::arg_values(slf, job.route, job.args, request.as_ref()) {
            Ok(a) => a,
            Err(e) => return Self::fail(slf, &e, request.as_ref(), job.reply, false),
        };
        let called = call_with(route.invoke.bind(py), &args);
        // The arguments go now, as the call's own tuple would have.
        drop(args);
        match called {
            Ok(ret) if route.is_async => Self::step(
                slf,
                &ret,
                Mode::Route(job.route),
                request.as_ref(),
                job.reply,
            ),
            Ok(ret) => Self::finish(
                slf,
                &ret,
                Mode::Route(job.route),
                request.as_ref(),
                job.reply,
            ),
            Err(e) if route.is_async => Self::fail(slf, &e, request.as_ref(), job.reply, false),
            // A plain invoke is the twin of an `async def` (`_plan.sync_twin`):
            // its errors read as the coroutine's would.
            Err(e) => {
                let e = as_coroutine_error(py, e);
                Self::fail(slf, &e, request.as_ref(), job.reply, false);
            }
        }
    }

    /// Run a coroutine until it first suspends. Most handlers never do.
    fn step(
        slf: &Bound<'_, Self>,
        coro: &Bound<'_, PyAny>,
        mode: Mode,
        request: Option<&Bound<'_, PyAny>>,
        reply: oneshot::Sender<Reply>,
    ) {
        let py = slf.py();
        let mut out: *mut ffi::PyObject = std::ptr::null_mut();
        // SAFETY: `coro` is a live object and we hold the GIL; PyIter_Send
        // sets `out` to a new reference for both RETURN and NEXT.
        let status = unsafe { ffi::PyIter_Send(coro.as_ptr(), ffi::Py_None(), &raw mut out) };
        match status {
            ffi::PySendResult::PYGEN_RETURN => {
                // SAFETY: a new reference returned by PyIter_Send.
                let value = unsafe { Bound::from_owned_ptr(py, out) };
                Self::finish(slf, &value, mode, request, reply);
            }
            ffi::PySendResult::PYGEN_NEXT => {
                // SAFETY: as above.
                let yielded = unsafe { Bound::from_owned_ptr(py, out) };
                let responder = Responder {
                    server: slf.clone().unbind(),
                    mode,
                    request: request.map(|r| r.clone().unbind()),
                    reply: Mutex::new(Some(reply)),
                };
                let responder = match Bound::new(py, responder) {
                    Ok(r) => r,
                    Err(e) => {
                        e.write_unraisable(py, None);
                        return;
                    }
                };
                if let Err(e) = slf
                    .get()
                    .helpers
                    .schedule
                    .bind(py)
                    .call1((coro, yielded, &responder))
                {
                    let reply = responder.get().take();
                    if let Some(reply) = reply {
                        Self::fail(slf, &e, request, reply, matches!(mode, Mode::Error));
                    }
                }
            }
            ffi::PySendResult::PYGEN_ERROR => {
                let err = PyErr::fetch(py);
                Self::fail(slf, &err, request, reply, matches!(mode, Mode::Error));
            }
        }
    }

    fn finish(
        slf: &Bound<'_, Self>,
        value: &Bound<'_, PyAny>,
        mode: Mode,
        request: Option<&Bound<'_, PyAny>>,
        reply: oneshot::Sender<Reply>,
    ) {
        match Self::render(slf, value, mode) {
            Ok(Some(r)) => {
                Self::deliver(slf, reply, r);
            }
            Ok(None) => {
                let py = slf.py();
                let head = value
                    .getattr("status_code")
                    .and_then(|s| s.extract::<u16>())
                    .and_then(|status| Ok((status, headers_of(value)?)));
                let (status, headers) = match head {
                    Ok(h) => h,
                    Err(e) => {
                        return Self::fail(slf, &e, request, reply, matches!(mode, Mode::Error))
                    }
                };
                let (tx, rx) = mpsc::unbounded_channel();
                let window = Window::new(SEND_WINDOW, slf.get().core.queue.clone());
                Self::deliver(
                    slf,
                    reply,
                    Reply::Stream {
                        status,
                        headers,
                        chunks: rx,
                        window: window.clone(),
                    },
                );
                let started = Bound::new(
                    py,
                    BodySink {
                        tx: Mutex::new(Some(tx)),
                        window,
                    },
                )
                .and_then(|sink| slf.get().helpers.stream.bind(py).call1((value, sink)));
                if let Err(e) = started {
                    // The head is sent; all we can do is end the body and log.
                    e.write_unraisable(py, None);
                }
            }
            Err(e) => Self::fail(slf, &e, request, reply, matches!(mode, Mode::Error)),
        }
    }

    /// A full reply, or `None` for a streaming response (`finish` wires it).
    pub(crate) fn render(
        slf: &Bound<'_, Self>,
        value: &Bound<'_, PyAny>,
        mode: Mode,
    ) -> PyResult<Option<Reply>> {
        let py = slf.py();
        let this = slf.get();
        // A plain dict or list (most handlers' result) is no response: skip
        // the isinstance check, which walks the class's MRO.
        let plain = value.is_exact_instance_of::<pyo3::types::PyDict>()
            || value.is_exact_instance_of::<PyList>();
        if !plain && value.is_instance(this.helpers.response_class.bind(py))? {
            if !value.getattr("body_iterator")?.is_none() {
                return Ok(None);
            }
            // `Response(..., background=...)`: queued now, it runs once this
            // reply is handed to the connection (a failure to queue it is
            // logged; the response still goes out).
            let background = value.getattr(pyo3::intern!(py, "background"))?;
            if !background.is_none() {
                if let Err(e) = this.helpers.background.bind(py).call1((background,)) {
                    e.write_unraisable(py, Some(value));
                }
            }
            let status: u16 = value.getattr("status_code")?.extract()?;
            let body: Vec<u8> = value.getattr("body")?.extract()?;
            return Ok(Some(Reply::Full {
                status,
                headers: headers_of(value)?,
                body: Bytes::from(body),
            }));
        }
        let (filter, status, response) = match mode {
            Mode::Route(i) => (
                &this.routes[i].filter,
                this.routes[i].status,
                this.routes[i].response.as_ref(),
            ),
            Mode::Error => (&Filter::All, 500, None),
        };
        let out = if let Some(model) = response {
            model.write(value)?
        } else {
            let mut out = Vec::with_capacity(128);
            json::write_value(&mut out, value, filter, this.helpers.fallback.bind(py), 0)?;
            out
        };
        Ok(Some(Reply::Json {
            status,
            body: Bytes::from(out),
        }))
    }

    /// Turn an exception into a response through the app's exception
    /// handlers (Python), or a bare 500 if those fail too.
    fn fail(
        slf: &Bound<'_, Self>,
        err: &PyErr,
        request: Option<&Bound<'_, PyAny>>,
        reply: oneshot::Sender<Reply>,
        already_failing: bool,
    ) {
        let py = slf.py();
        if already_failing {
            // An exception handler (or the router's own answer) failed: 500,
            // and the error is logged and kept for a TestClient to raise, as
            // behind Starlette's ServerErrorMiddleware.
            let exc = err.clone_ref(py).into_value(py);
            if let Err(e) = slf.get().helpers.unhandled.bind(py).call1((exc,)) {
                e.write_unraisable(py, None);
            }
            Self::deliver(slf, reply, internal_error_reply());
            return;
        }
        // `into_value` attaches the traceback (`value` alone leaves it off on
        // Python 3.11 for an exception fetched after a coroutine step).
        let exc = err.clone_ref(py).into_value(py).into_bound(py);
        match slf.get().helpers.on_error.bind(py).call1((&exc, request)) {
            Ok(coro) => Self::step(slf, &coro, Mode::Error, request, reply),
            Err(e) => {
                e.write_unraisable(py, None);
                Self::deliver(slf, reply, internal_error_reply());
            }
        }
    }
}

impl PyRoute {
    fn traverse(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        visit.call(&self.invoke)?;
        for d in &self.defaults {
            visit.call(d)?;
        }
        for c in &self.converters {
            visit.call(c)?;
        }
        for (validator, loc) in self.validators.iter().flatten() {
            validator.traverse(visit)?;
            visit.call(loc)?;
        }
        if let Some(r) = &self.response {
            r.validator.traverse(visit)?;
            visit.call(&r.include)?;
            visit.call(&r.exclude)?;
            visit.call(&r.invalid)?;
        }
        Ok(())
    }
}

impl Helpers {
    fn traverse(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        for f in [
            &self.make_websocket,
            &self.access_log,
            &self.body_error,
            &self.validation_error,
            &self.ws_deliver,
            &self.schedule,
            &self.fallback,
            &self.on_error,
            &self.make_request,
            &self.response_class,
            &self.stream,
            &self.router_answer,
            &self.background,
            &self.unhandled,
        ] {
            visit.call(f)?;
        }
        Ok(())
    }
}

#[pymethods]
impl Server {
    /// The route functions, their compiled models and the helpers, for the
    /// garbage collector: the app keeps its server and the server keeps
    /// functions (closures over the app) and model classes, a cycle freed
    /// once the app is unused.
    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        for route in &self.routes {
            route.traverse(visit)?;
        }
        self.helpers.traverse(visit)?;
        // Never block the collector: a callback being swapped right now is
        // simply not reported this round.
        if let Ok(g) = self.on_stopped.try_lock() {
            visit.call(g.as_ref())?;
        }
        Ok(())
    }

    /// The eventfd the asyncio loop watches (`loop.add_reader(fd, drain)`).
    fn wake_fd(&self) -> RawFd {
        self.core.queue.fd()
    }

    /// Handle everything queued. Called by the asyncio loop.
    fn drain(slf: &Bound<'_, Self>) {
        // A few rounds pick up requests that arrived while we worked, without
        // starving other asyncio tasks under sustained load.
        for round in 0..4 {
            let items = slf.get().core.queue.take(round == 0);
            if items.is_empty() {
                break;
            }
            if let Ok(mut batch) = slf.get().batch.lock() {
                *batch = Some(Vec::with_capacity(items.len()));
            }
            Self::handle(slf, items);
            slf.get().flush_replies();
        }
    }

    /// Let the server's I/O thread run batches itself while `event_loop`
    /// (an asyncio selector loop whose selector calls `loop_idle` and
    /// `loop_busy`) waits, in `context` (the one `drain` runs in).
    fn attach_loop(
        slf: &Bound<'_, Self>,
        event_loop: &Bound<'_, PyAny>,
        context: Py<PyAny>,
    ) -> PyResult<()> {
        let py = slf.py();
        Self::detach_loop(slf);
        let gate = Arc::new(crate::inline::Gate::new());
        let inline = crate::inline::Inline::new(
            py,
            gate.clone(),
            slf.clone().unbind(),
            event_loop,
            context,
        )?;
        let queue = &slf.get().core.queue;
        py.detach(|| {
            if let Ok(mut slot) = queue.inline.lock() {
                *slot = Some(inline);
            }
        });
        if let Ok(mut slot) = slf.get().gate.lock() {
            *slot = Some(gate);
        }
        Ok(())
    }

    /// Stop running batches on the I/O thread (waits for one running now).
    fn detach_loop(slf: &Bound<'_, Self>) {
        let py = slf.py();
        let this = slf.get();
        let gate = this.gate.lock().ok().and_then(|mut g| g.take());
        if let Some(gate) = gate {
            gate.close(py);
        }
        let queue = &this.core.queue;
        let old = py.detach(|| queue.inline.lock().ok().and_then(|mut slot| slot.take()));
        drop(old);
    }

    /// The loop's selector is about to wait.
    fn loop_idle(&self) {
        if let Some(gate) = self.gate.lock().ok().and_then(|g| g.clone()) {
            gate.open();
        }
    }

    /// The loop's selector returned: wait for a batch the I/O thread runs.
    fn loop_busy(&self, py: Python<'_>) {
        if let Some(gate) = self.gate.lock().ok().and_then(|g| g.clone()) {
            gate.shut(py);
        }
    }

    /// Stop accepting, finish in-flight requests (up to the graceful timeout),
    /// then call the `on_stopped` callback given to `start`.
    fn shutdown(&self) {
        let _ = self.shutdown.send(true);
    }

    /// Bind `host:port` and start serving; returns the bound address (useful
    /// with port 0). `on_stopped(error_or_None)` is called from `drain` once
    /// the server has stopped.
    #[pyo3(signature = (host, port, on_stopped, reuse_port = false, backlog = 1024))]
    fn listen(
        &self,
        host: &str,
        port: u16,
        on_stopped: Py<PyAny>,
        reuse_port: bool,
        backlog: i32,
    ) -> PyResult<(String, u16)> {
        crate::setup::listen(self, host, port, on_stopped, reuse_port, backlog)
    }

    /// Wait for the I/O thread to exit (after `on_stopped` was called).
    fn join(&self, py: Python<'_>) {
        let handle = self.thread.lock().ok().and_then(|mut g| g.take());
        if let Some(h) = handle {
            py.detach(|| {
                let _ = h.join();
            });
        }
    }
}

/// Completes one request whose coroutine had to wait: the done-callback of
/// the asyncio Task that resumed it.
#[pyclass(module = "ouroboros.api._api", frozen)]
pub struct Responder {
    server: Py<Server>,
    mode: Mode,
    request: Option<Py<PyAny>>,
    reply: Mutex<Option<oneshot::Sender<Reply>>>,
}

impl Responder {
    fn take(&self) -> Option<oneshot::Sender<Reply>> {
        self.reply.lock().ok().and_then(|mut g| g.take())
    }
}

#[pymethods]
impl Responder {
    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        visit.call(&self.server)?;
        visit.call(&self.request)
    }

    fn __call__(&self, py: Python<'_>, task: &Bound<'_, PyAny>) {
        let Some(reply) = self.take() else { return };
        let server = self.server.bind(py);
        let request = self.request.as_ref().map(|r| r.bind(py).clone());
        match task.call_method0("result") {
            Ok(value) => Server::finish(server, &value, self.mode, request.as_ref(), reply),
            Err(e) => Server::fail(
                server,
                &e,
                request.as_ref(),
                reply,
                matches!(self.mode, Mode::Error),
            ),
        }
    }
}
