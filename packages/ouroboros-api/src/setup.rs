//! Building a [`Server`] from the route plans Python compiled, binding the
//! socket and starting the I/O thread.

use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hyper::Method;
use ouroboros_common::python::guard;
use ouroboros_common::Error;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};
use socket2::{Domain, Protocol, Socket, Type};
use tokio::sync::watch;

use ouroboros_schema::python::{SchemaValidator, SerOptions};

use crate::bridge::{Helpers, Passthrough, PyRoute, ResponseModel, Server};
use crate::json::Filter;
use crate::multipart::FormLimits;
use crate::native_middleware::{Cors, NativeMiddleware};
use crate::params::{Constraints, Kind, ParamSpec, Source};
use crate::queue::{Msg, Queue};
use crate::router::{RoutePlan, RouteTable};
use crate::server::{self, Config, Core};
use ouroboros_schema::constraints::{FloatConstraints, IntConstraints, StrConstraints};

fn invalid(name: &str, reason: impl Into<String>) -> PyErr {
    Error::invalid_argument(name, reason).into()
}

fn get<'py>(d: &Bound<'py, PyDict>, key: &str) -> PyResult<Bound<'py, PyAny>> {
    d.get_item(key)?
        .ok_or_else(|| invalid(key, "missing from the compiled route plan"))
}

/// The declared bounds and `multiple_of`, as ouroboros-schema's constraints
/// for the parameter's kind.
fn numeric_constraints(d: &Bound<'_, PyDict>, kind: Kind, c: &mut Constraints) -> PyResult<()> {
    let mut whole = true;
    let mut floats: [Option<f64>; 5] = [None; 5];
    let mut ints: [Option<i64>; 5] = [None; 5];
    for (i, key) in ["gt", "ge", "lt", "le", "multiple_of"].iter().enumerate() {
        if let Some(v) = d.get_item(*key)?.filter(|v| !v.is_none()) {
            let is_int = v.is_instance_of::<pyo3::types::PyInt>()
                && !v.is_instance_of::<pyo3::types::PyBool>();
            floats[i] = Some(v.extract::<f64>().map_err(|_| {
                invalid(
                    key,
                    format!(
                        "must be a number, got {}",
                        v.repr().map_or_else(|_| "?".into(), |r| r.to_string())
                    ),
                )
            })?);
            if is_int {
                ints[i] = v.extract::<i64>().ok();
            }
            // Messages print bounds written as ints without `.0`; a
            // fractional `multiple_of` is printed as written anyway.
            if i < 4 {
                whole &= is_int && ints[i].is_some();
            }
        }
    }
    c.float = FloatConstraints {
        gt: floats[0],
        ge: floats[1],
        lt: floats[2],
        le: floats[3],
        multiple_of: floats[4],
        allow_inf_nan: match d.get_item("allow_inf_nan")? {
            Some(v) if !v.is_none() => v.extract()?,
            _ => true,
        },
        whole_bounds: whole,
    };
    if kind == Kind::Int {
        c.int_as_float = !whole;
        c.int = IntConstraints {
            gt: ints[0],
            ge: ints[1],
            lt: ints[2],
            le: ints[3],
            multiple_of: ints[4],
        };
    }
    Ok(())
}

fn opt_usize(d: &Bound<'_, PyDict>, key: &str) -> PyResult<Option<usize>> {
    match d.get_item(key)? {
        Some(v) if !v.is_none() => Ok(Some(v.extract()?)),
        _ => Ok(None),
    }
}

fn opt_bool(d: &Bound<'_, PyDict>, key: &str) -> PyResult<Option<bool>> {
    match d.get_item(key)? {
        Some(v) if !v.is_none() => Ok(Some(v.extract()?)),
        _ => Ok(None),
    }
}

fn opt_object(d: &Bound<'_, PyDict>, key: &str) -> PyResult<Option<Py<PyAny>>> {
    Ok(d.get_item(key)?.filter(|v| !v.is_none()).map(Bound::unbind))
}

/// A route's `form_limits` dict (`max_fields`, `max_files`, `max_part_size`;
/// a key left out keeps Starlette's default).
fn form_limits(r: &Bound<'_, PyDict>) -> PyResult<FormLimits> {
    let mut limits = FormLimits::default();
    if let Some(d) = r.get_item("form_limits")? {
        if let Ok(d) = d.cast::<PyDict>() {
            if let Some(v) = opt_usize(d, "max_fields")? {
                limits.max_fields = v;
            }
            if let Some(v) = opt_usize(d, "max_files")? {
                limits.max_files = v;
            }
            if let Some(v) = opt_usize(d, "max_part_size")? {
                limits.max_part_size = v;
            }
        }
    }
    Ok(limits)
}

fn param_spec(d: &Bound<'_, PyDict>) -> PyResult<ParamSpec> {
    let name: String = get(d, "name")?.extract()?;
    let source: String = get(d, "source")?.extract()?;
    let kind: String = get(d, "kind")?.extract()?;
    let kind =
        Kind::parse(&kind).ok_or_else(|| invalid(&name, format!("unknown kind {kind:?}")))?;
    let mut constraints = Constraints::default();
    numeric_constraints(d, kind, &mut constraints)?;
    if let Some(p) = d.get_item("pattern")?.filter(|p| !p.is_none()) {
        let text: String = p.extract()?;
        let re = StrConstraints::compile_pattern(&text).map_err(|e| invalid(&name, e))?;
        constraints.str.pattern = Some(re);
        constraints.str.pattern_text = Some(text.into());
    }
    constraints.str.min_length = opt_usize(d, "min_length")?;
    constraints.str.max_length = opt_usize(d, "max_length")?;
    Ok(ParamSpec {
        alias: get(d, "alias")?.extract()?,
        other_aliases: match d.get_item("other_aliases")? {
            Some(v) if !v.is_none() => v.extract()?,
            _ => Vec::new(),
        },
        source: Source::parse(&source)
            .ok_or_else(|| invalid(&name, format!("unknown source {source:?}")))?,
        kind,
        list: get(d, "list")?.extract()?,
        required: get(d, "required")?.extract()?,
        constraints,
        raw_json: false,
        raw_body: matches!(d.get_item("raw_body")?, Some(v) if v.is_truthy()?),
        keep_empty: matches!(d.get_item("keep_empty")?, Some(v) if v.is_truthy()?),
        whole: matches!(d.get_item("whole")?, Some(v) if v.is_truthy()?),
        name,
    })
}

/// The route's compiled `response_model` (`None` when it has none).
fn response_model(d: &Bound<'_, PyAny>) -> PyResult<Option<ResponseModel>> {
    if d.is_none() {
        return Ok(None);
    }
    let d = d.cast::<PyDict>()?;
    let flag = |key: &str| -> PyResult<bool> { get(d, key)?.extract() };
    let optional = |key: &str| -> PyResult<Option<Py<PyAny>>> {
        Ok(d.get_item(key)?.filter(|v| !v.is_none()).map(Bound::unbind))
    };
    let schema = get(d, "schema")?;
    Ok(Some(ResponseModel {
        validator: SchemaValidator::compile(d.py(), &schema)?,
        passthrough: Passthrough::of(&schema)?,
        opts: SerOptions {
            json: true,
            by_alias: flag("by_alias")?,
            exclude_unset: flag("exclude_unset")?,
            exclude_defaults: flag("exclude_defaults")?,
            exclude_none: flag("exclude_none")?,
        },
        include: optional("include")?,
        exclude: optional("exclude")?,
        invalid: get(d, "invalid")?.unbind(),
    }))
}

/// A route's compiled `response_model` for the Python response paths
/// (Python middleware, a `response: Response` parameter): the server's own
/// validation (an instance of a subclass of the model is read again as the
/// model, so the subclass's fields are not sent) and JSON writer.
#[pyclass(module = "ouroboros.api._api", frozen)]
pub struct ResponseWriter {
    model: ResponseModel,
}

#[pymethods]
impl ResponseWriter {
    /// From the description `ResponsePlan.for_rust()` gives.
    #[new]
    fn new(description: &Bound<'_, PyAny>) -> PyResult<Self> {
        response_model(description)?
            .map(|model| Self { model })
            .ok_or_else(|| {
                invalid(
                    "description",
                    "a response model description is needed, got None",
                )
            })
    }

    /// The JSON body of `value`.
    ///
    /// Raises the `ResponseValidationError` of the route when `value` does
    /// not fit the model.
    fn write<'py>(
        &self,
        py: Python<'py>,
        value: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        Ok(PyBytes::new(py, &self.model.write(value)?))
    }
}

fn config_from(d: &Bound<'_, PyDict>) -> PyResult<Config> {
    let mut c = Config::default();
    let secs = |key: &str| -> PyResult<Option<Duration>> {
        match d.get_item(key)? {
            Some(v) if !v.is_none() => {
                let s: f64 = v.extract()?;
                if !(s.is_finite() && s > 0.0) {
                    return Err(invalid(
                        key,
                        format!("must be a positive number of seconds, got {s}"),
                    ));
                }
                Ok(Some(Duration::from_secs_f64(s)))
            }
            _ => Ok(None),
        }
    };
    if let Some(v) = opt_usize(d, "max_body_size")? {
        c.max_body_size = v;
    }
    if let Some(v) = d.get_item("max_upload_size")? {
        c.max_upload_size = if v.is_none() {
            None
        } else {
            Some(v.extract()?)
        };
    }
    if let Some(v) = opt_usize(d, "max_header_size")? {
        c.max_header_size = v;
    }
    if let Some(v) = secs("header_read_timeout")? {
        c.header_read_timeout = v;
    }
    if let Some(v) = secs("body_read_timeout")? {
        c.body_read_timeout = v;
    }
    if let Some(v) = secs("graceful_timeout")? {
        c.graceful_timeout = v;
    }
    if let Some(v) = d.get_item("keep_alive")? {
        c.keep_alive = v.extract()?;
    }
    if let Some(v) = d.get_item("access_log")? {
        c.access_log = v.extract()?;
    }
    if let Some(m) = d.get_item("middleware")? {
        c.middleware = native_middleware_from(m.cast::<PyDict>()?)?;
    }
    Ok(c)
}

/// The Rust middleware described by the Python classes' `native_config()`.
fn native_middleware_from(d: &Bound<'_, PyDict>) -> PyResult<NativeMiddleware> {
    let mut m = NativeMiddleware::default();
    if let Some(c) = d.get_item("cors")? {
        let c = c.cast::<PyDict>()?;
        m.cors = Some(Cors {
            allow_origins: get(c, "allow_origins")?.extract()?,
            allow_methods: get(c, "allow_methods")?.extract()?,
            allow_headers: get(c, "allow_headers")?.extract()?,
            allow_credentials: get(c, "allow_credentials")?.extract()?,
            expose_headers: get(c, "expose_headers")?.extract()?,
            max_age: get(c, "max_age")?.extract()?,
        });
    }
    if let Some(g) = d.get_item("gzip")? {
        let g = g.cast::<PyDict>()?;
        m.gzip_min_size = Some(get(g, "minimum_size")?.extract()?);
        m.gzip_level = get(g, "compresslevel")?.extract()?;
    }
    if let Some(t) = d.get_item("timing")? {
        let name: String = t.extract()?;
        m.timing_header = Some(
            hyper::header::HeaderName::from_bytes(name.to_ascii_lowercase().as_bytes())
                .map_err(|_| invalid("header", format!("{name:?} is not a valid header name")))?,
        );
    }
    if let Some(h) = d.get_item("trusted_hosts")? {
        m.trusted_hosts = Some(h.extract()?);
    }
    Ok(m)
}

/// Whether a route reads its body at all, and whether as a form.
fn body_sources(params: &[ParamSpec]) -> (bool, bool) {
    let any = |f: fn(Source) -> bool| params.iter().any(|p| f(p.source));
    (
        any(|s| {
            matches!(
                s,
                Source::Body | Source::BodyField | Source::Form | Source::File
            )
        }),
        any(|s| matches!(s, Source::Form | Source::File)),
    )
}

/// The index of the one body parameter, when it is a model read from raw
/// JSON and nothing else reads the body (`RoutePlan::json_body_arg`).
fn json_body_arg(params: &[ParamSpec]) -> Option<usize> {
    let mut body = params.iter().enumerate().filter(|(_, p)| {
        matches!(
            p.source,
            Source::Body | Source::BodyField | Source::Form | Source::File
        )
    });
    let (i, p) = body.next()?;
    (body.next().is_none() && p.source == Source::Body && p.raw_json && !p.raw_body).then_some(i)
}

/// Build the server of an app from its compiled routes (see
/// `ouroboros.api._plan`). Nothing is bound yet.
#[pyfunction]
#[pyo3(signature = (routes, config, helpers, always_request, forward_validation_errors = false, forward_router_answers = false))]
// One pass over the route dicts, reading each key once.
#[allow(clippy::too_many_lines)]
pub fn build_server(
    routes: &Bound<'_, PyList>,
    config: &Bound<'_, PyDict>,
    helpers: &Bound<'_, PyDict>,
    always_request: bool,
    forward_validation_errors: bool,
    forward_router_answers: bool,
) -> PyResult<Server> {
    guard(|| {
        let mut table = RouteTable::default();
        table.no_slash_redirects = opt_bool(config, "redirect_slashes")? == Some(false);
        let mut plans = Vec::new();
        let mut py_routes = Vec::new();
        for (i, r) in routes.iter().enumerate() {
            let r = r.cast::<PyDict>()?;
            let path: String = get(r, "path")?.extract()?;
            for m in get(r, "methods")?.try_iter()? {
                let m: String = m?.extract()?;
                let method = Method::from_bytes(m.to_ascii_uppercase().as_bytes())
                    .map_err(|_| invalid("methods", format!("{m:?} is not an HTTP method")))?;
                table
                    .insert(&method, &path, i)
                    .map_err(|e| invalid("path", e))?;
            }
            let mut params = Vec::new();
            let mut defaults = Vec::new();
            let mut call_default = Vec::new();
            let mut converters = Vec::new();
            let mut validators = Vec::new();
            for p in get(r, "params")?.try_iter()? {
                let p = p?;
                let p = p.cast::<PyDict>()?;
                let mut spec = param_spec(p)?;
                let validator = match p.get_item("validator")? {
                    Some(model) if !model.is_none() => Some((
                        SchemaValidator::compile(model.py(), &model)?,
                        get(p, "loc")?.unbind(),
                    )),
                    _ => None,
                };
                spec.raw_json = validator.is_some() && spec.source == Source::Body;
                validators.push(validator);
                params.push(spec);
                defaults.push(get(p, "default")?.unbind());
                call_default.push(opt_bool(p, "call_default")? == Some(true));
                let conv = get(p, "converter")?;
                converters.push((!conv.is_none()).then(|| conv.unbind()));
            }
            let (reads_body, reads_form) = body_sources(&params);
            let body_arg = json_body_arg(&params);
            let wants_request = get(r, "wants_request")?.extract()?;
            let max_body_size = opt_usize(r, "max_body_size")?;
            plans.push(RoutePlan {
                params,
                reads_body,
                reads_form,
                wants_request,
                max_body_size,
                lax_content_type: opt_bool(r, "strict_content_type")? == Some(false),
                form_limits: form_limits(r)?,
                deps_first: opt_bool(r, "deps_first")? == Some(true),
                json_body_arg: body_arg,
            });
            py_routes.push(PyRoute {
                invoke: get(r, "invoke")?.unbind(),
                is_async: get(r, "is_async")?.extract()?,
                status: get(r, "status_code")?.extract()?,
                filter: Filter::from_py(&get(r, "filter")?)?,
                response: response_model(&get(r, "response")?)?,
                defaults,
                call_default,
                converters,
                validators,
                before_errors: opt_object(r, "before_errors")?,
            });
        }
        table.finish();
        let queue = Queue::new().map_err(|e| Error::io("create the request queue (eventfd)", e))?;
        let (shutdown, _) = watch::channel(false);
        Ok(Server {
            core: Arc::new(Core {
                table,
                plans,
                config: config_from(config)?,
                queue: Arc::new(queue),
                always_request,
                forward_validation_errors,
                forward_router_answers,
            }),
            routes: py_routes,
            helpers: Helpers {
                make_websocket: get(helpers, "make_websocket")?.unbind(),
                access_log: get(helpers, "access_log")?.unbind(),
                body_error: get(helpers, "body_error")?.unbind(),
                validation_error: get(helpers, "validation_error")?.unbind(),
                ws_deliver: get(helpers, "ws_deliver")?.unbind(),
                schedule: get(helpers, "schedule")?.unbind(),
                fallback: get(helpers, "fallback")?.unbind(),
                on_error: get(helpers, "on_error")?.unbind(),
                make_request: get(helpers, "make_request")?.unbind(),
                router_answer: get(helpers, "router_answer")?.unbind(),
                response_class: get(helpers, "response_class")?.unbind(),
                stream: get(helpers, "stream")?.unbind(),
                background: get(helpers, "background")?.unbind(),
                unhandled: get(helpers, "unhandled")?.unbind(),
            },
            on_stopped: Mutex::new(None),
            replies: Mutex::new(None),
            batch: Mutex::new(None),
            shutdown,
            thread: Mutex::new(None),
            gate: Mutex::new(None),
        })
    })
}

/// Bind a listening socket (`SO_REUSEPORT` lets worker processes share it).
fn bind(
    host: &str,
    port: u16,
    reuse_port: bool,
    backlog: i32,
) -> Result<std::net::TcpListener, Error> {
    let addr: SocketAddr = (host, port)
        .to_socket_addrs()
        .map_err(|e| Error::io(format!("resolve {host}:{port}"), e))?
        .next()
        .ok_or_else(|| {
            Error::invalid_argument("host", format!("{host:?} resolves to no address"))
        })?;
    let ctx = |what: &str| format!("{what} {addr}");
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))
        .map_err(|e| Error::io(ctx("create a socket for"), e))?;
    socket
        .set_reuse_address(true)
        .map_err(|e| Error::io(ctx("set SO_REUSEADDR on"), e))?;
    if reuse_port {
        socket
            .set_reuse_port(true)
            .map_err(|e| Error::io(ctx("set SO_REUSEPORT on"), e))?;
    }
    socket
        .set_nonblocking(true)
        .map_err(|e| Error::io(ctx("make non-blocking"), e))?;
    socket
        .bind(&addr.into())
        .map_err(|e| Error::io(ctx("bind"), e))?;
    socket
        .listen(backlog)
        .map_err(|e| Error::io(ctx("listen on"), e))?;
    Ok(socket.into())
}

/// Run `fut` on a fresh single-threaded runtime in a thread of its own.
///
/// One I/O thread per server process: on the two-core machines we target the
/// other core belongs to Python (or to the next worker process); more
/// processes (`workers=N`) scale further.
fn spawn_io_thread<F>(
    queue: Option<Arc<Queue>>,
    name: &str,
    fut: F,
    done: impl FnOnce(Option<String>) + Send + 'static,
) -> Result<std::thread::JoinHandle<()>, Error>
where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || {
            let outcome = ouroboros_common::panic::catch(|| {
                let mut builder = tokio::runtime::Builder::new_current_thread();
                if let Some(queue) = queue.clone() {
                    builder.on_thread_park(move || queue.park());
                }
                let rt = builder
                    .enable_all()
                    .build()
                    .map_err(|e| Error::Runtime(format!("cannot start the server runtime: {e}")))?;
                match queue {
                    Some(queue) => crate::inline::drive(&rt, &queue, fut),
                    None => rt.block_on(fut),
                }
                Ok::<_, Error>(())
            });
            done(outcome.err().map(|e| e.to_string()));
        })
        .map_err(|e| Error::io("start the server thread", e))
}

/// See `Server.listen`.
pub fn listen(
    server: &Server,
    host: &str,
    port: u16,
    on_stopped: Py<PyAny>,
    reuse_port: bool,
    backlog: i32,
) -> PyResult<(String, u16)> {
    guard(|| {
        let std_listener = bind(host, port, reuse_port, backlog)?;
        let local = std_listener
            .local_addr()
            .map_err(|e| Error::io("read the bound address", e))?;
        if let Ok(mut g) = server.on_stopped.lock() {
            *g = Some(on_stopped);
        }
        let core = server.core.clone();
        let queue = server.core.queue.clone();
        let config = core.config.clone();
        let shutdown = server.shutdown.subscribe();
        let (replies_tx, replies_rx) = tokio::sync::mpsc::unbounded_channel();
        if let Ok(mut g) = server.replies.lock() {
            *g = Some(replies_tx);
        }
        let fut = async move {
            tokio::spawn(crate::bridge::dispatch_replies(replies_rx));
            tokio::spawn(server::timer_heartbeat(server::heartbeat_period(
                config.header_read_timeout.min(config.body_read_timeout),
            )));
            match tokio::net::TcpListener::from_std(std_listener) {
                Ok(listener) => {
                    server::accept_loop(listener, config, shutdown, move |req, peer| {
                        server::handle(core.clone(), req, peer)
                    })
                    .await;
                }
                Err(e) => {
                    core.queue
                        .push_now(Msg::Stopped(Some(format!("cannot serve on {local}: {e}"))));
                }
            }
        };
        let handle = spawn_io_thread(
            Some(server.core.queue.clone()),
            "ouroboros-api-io",
            fut,
            move |err| {
                queue.push_now(Msg::Stopped(err));
            },
        )?;
        if let Ok(mut g) = server.thread.lock() {
            *g = Some(handle);
        }
        Ok((local.ip().to_string(), local.port()))
    })
}

/// The benchmark's bare hyper server (`crate::bare`): the same hyper stack
/// and no Python, until SIGINT/SIGTERM.
#[pyfunction]
#[pyo3(signature = (host, port))]
pub fn serve_bare(py: Python<'_>, host: String, port: u16) -> PyResult<()> {
    py.detach(move || {
        let listener = bind(&host, port, false, 1024)?;
        let (tx, rx) = watch::channel(false);
        let fut = async move {
            let Ok(listener) = tokio::net::TcpListener::from_std(listener) else { return };
            tokio::spawn(async move {
                let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    () = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending().await } } => {}
                }
                let _ = tx.send(true);
            });
            server::accept_loop(listener, Config::default(), rx, crate::bare::service).await;
        };
        let handle = spawn_io_thread(None, "ouroboros-api-bare", fut, |_| {})?;
        let _ = handle.join();
        Ok::<_, Error>(())
    })
    .map_err(PyErr::from)
}

/// Serialize `obj` to JSON bytes the way responses are (used by
/// `JSONResponse`). `filter` is a compiled field tree description or None.
#[pyfunction]
#[pyo3(signature = (obj, fallback, filter = None))]
pub fn dumps<'py>(
    py: Python<'py>,
    obj: &Bound<'py, PyAny>,
    fallback: &Bound<'py, PyAny>,
    filter: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, pyo3::types::PyBytes>> {
    let filter = match filter {
        Some(f) => Filter::from_py(f)?,
        None => Filter::All,
    };
    let mut out = Vec::with_capacity(128);
    crate::json::write_value(&mut out, obj, &filter, fallback, 0)?;
    Ok(pyo3::types::PyBytes::new(py, &out))
}

/// Parse JSON bytes into Python objects (used by `Request.json()`).
#[pyfunction]
pub fn loads<'py>(py: Python<'py>, data: &[u8]) -> PyResult<Bound<'py, PyAny>> {
    let value: serde_json::Value = serde_json::from_slice(data)
        .map_err(|e| pyo3::exceptions::PyValueError::new_err(format!("invalid JSON: {e}")))?;
    crate::json::value_to_py(py, &value)
}
