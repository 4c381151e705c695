//! The HTTP side: hyper 1.x connections on a tokio runtime of their own,
//! routing and parameter parsing, then a hand-off to Python through the
//! [`Queue`]. Nothing here takes the GIL.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::FutureExt;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Body as _, Frame, Incoming};
use hyper::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::sync::{oneshot, watch};

use crate::flow::WindowGuard;
use crate::multipart::{self, BodyError, FormError, FormParts};
use crate::params::errors_body;
use crate::queue::{
    fill_body, AccessRecord, Job, Msg, PendingBody, Queue, Reply, RequestParts, RouterAnswer,
    Unread, JSON,
};
use crate::router::{
    extract, form_error, form_limit_refusal, is_json, Lookup, RoutePlan, RouteTable,
};

pub type Body = BoxBody<Bytes, Infallible>;

/// Limits and timeouts of one server.
#[derive(Debug, Clone)]
pub struct Config {
    pub max_body_size: usize,
    /// The limit of a multipart body a route parses while it arrives (files
    /// past 1 MiB go to disk); `None`: no limit. A route's own
    /// `max_body_size` wins.
    pub max_upload_size: Option<usize>,
    pub max_header_size: usize,
    pub header_read_timeout: Duration,
    /// How long reading a request body may take (slow clients get 408).
    pub body_read_timeout: Duration,
    pub graceful_timeout: Duration,
    pub keep_alive: bool,
    /// Report every request to Python's `ouroboros.api.access` logger.
    pub access_log: bool,
    pub middleware: crate::native_middleware::NativeMiddleware,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            max_body_size: 1024 * 1024,
            max_upload_size: Some(DEFAULT_MAX_UPLOAD),
            max_header_size: 16 * 1024,
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(30),
            graceful_timeout: Duration::from_secs(10),
            keep_alive: true,
            access_log: false,
            middleware: crate::native_middleware::NativeMiddleware::default(),
        }
    }
}

/// `serve(max_upload_size=)`'s default: 1 GiB.
pub const DEFAULT_MAX_UPLOAD: usize = 1 << 30;

/// Files of a streamed multipart body stay in memory up to this size
/// (Starlette's `SpooledTemporaryFile` threshold), then go to disk.
pub const SPOOL_AFTER: usize = 1024 * 1024;

/// Everything the I/O thread needs, shared by every connection.
pub struct Core {
    pub table: RouteTable,
    pub plans: Vec<RoutePlan>,
    pub config: Config,
    pub queue: Arc<Queue>,
    /// When set, every route receives the request object (Python middleware).
    pub always_request: bool,
    /// Send parameter errors to Python's exception handlers instead of
    /// answering them here.
    pub forward_validation_errors: bool,
    /// Send the router's own answers (404, 405, redirects, 413, 408, 422)
    /// through Python, so its middleware and exception handlers see them.
    pub forward_router_answers: bool,
}

pub fn full(
    status: StatusCode,
    content_type: &'static str,
    body: impl Into<Bytes>,
) -> Response<Body> {
    let mut r = Response::new(Full::new(body.into()).boxed());
    *r.status_mut() = status;
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

fn detail(status: StatusCode, text: &str) -> Response<Body> {
    let body = serde_json::to_vec(&serde_json::json!({ "detail": text })).unwrap_or_default();
    full(status, "application/json", body)
}

/// Turn Python's reply into a hyper response.
pub fn reply_to_response(reply: Reply) -> Response<Body> {
    let (status, headers, body) = match reply {
        Reply::Full {
            status,
            headers,
            body,
        } => (status, headers, Full::new(body).boxed()),
        // Handled by `route_request`; never sent for another job.
        Reply::Unread(_) => {
            return detail(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error")
        }
        Reply::Json { status, body } => {
            let mut r = Response::new(Full::new(body).boxed());
            *r.status_mut() =
                StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            r.headers_mut().insert(CONTENT_TYPE, JSON);
            return r;
        }
        Reply::Stream {
            status,
            headers,
            mut chunks,
            window,
        } => {
            // hyper polls the body only when it can write, so a client that
            // does not read leaves chunks in the window and parks Python.
            let guard = WindowGuard(window);
            let stream = futures::stream::poll_fn(move |cx| {
                chunks.poll_recv(cx).map(|c| {
                    c.map(|b| {
                        guard.0.sub(b.len());
                        Ok::<_, Infallible>(Frame::data(b))
                    })
                })
            });
            (status, headers, BodyExt::boxed(StreamBody::new(stream)))
        }
    };
    let mut r = Response::new(body);
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let h = r.headers_mut();
    for (name, value) in headers {
        h.append(name, value);
    }
    r
}

/// How much of an oversized body is still read (and dropped) before the 413
/// is sent: closing a socket with unread data makes the kernel reset the
/// connection, and the client would lose the answer.
const DRAIN_AFTER_LIMIT: usize = 4 * 1024 * 1024;

async fn read_body(
    core: &Core,
    mut body: Incoming,
    declared: Option<u64>,
    route_limit: Option<usize>,
) -> Result<Bytes, Response<Body>> {
    let limit = route_limit.unwrap_or(core.config.max_body_size);
    let too_large = || detail(StatusCode::PAYLOAD_TOO_LARGE, "Request body is too large");
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    // Fast path: a body that arrived with its head (the usual small JSON
    // body) is taken as it is: no timer, no copy.
    let mut first = None;
    loop {
        match body.frame().now_or_never() {
            Some(Some(Ok(frame))) => match frame.into_data() {
                // All of the declared length came with the head: done, without
                // polling the body again for its end.
                Ok(data) if first.is_none() && data.len() <= limit && body.is_end_stream() => {
                    return Ok(data)
                }
                Ok(data) if first.is_none() && data.len() <= limit => first = Some(data),
                Ok(data) => {
                    let mut rest = bytes::BytesMut::from(first.take().unwrap_or_default());
                    rest.extend_from_slice(&data);
                    first = Some(rest.freeze());
                    break;
                }
                Err(_) => {}
            },
            Some(Some(Err(_))) => {
                return Err(detail(
                    StatusCode::BAD_REQUEST,
                    "Could not read the request body",
                ))
            }
            Some(None) => return Ok(first.unwrap_or_default()),
            None => break,
        }
    }
    // Boxed: the timer and the read loop would otherwise size every
    // request's future, which hyper moves whole.
    Box::pin(read_rest(core, body, first, limit)).await
}

/// The rest of a body that did not arrive with its head, within the
/// body read timeout.
async fn read_rest(
    core: &Core,
    mut body: Incoming,
    first: Option<Bytes>,
    limit: usize,
) -> Result<Bytes, Response<Body>> {
    let too_large = || detail(StatusCode::PAYLOAD_TOO_LARGE, "Request body is too large");
    let read = async {
        let mut buf = bytes::BytesMut::from(first.unwrap_or_default());
        let mut seen = buf.len();
        while let Some(frame) = body.frame().await {
            let Ok(frame) = frame else {
                return Err(detail(
                    StatusCode::BAD_REQUEST,
                    "Could not read the request body",
                ));
            };
            let Ok(data) = frame.into_data() else {
                continue;
            };
            seen = seen.saturating_add(data.len());
            if seen > limit {
                if seen > limit.saturating_add(DRAIN_AFTER_LIMIT) {
                    return Err(too_large());
                }
                continue;
            }
            buf.extend_from_slice(&data);
        }
        if seen > limit {
            return Err(too_large());
        }
        Ok(buf.freeze())
    };
    match tokio::time::timeout(core.config.body_read_timeout, read).await {
        Ok(result) => result,
        Err(_) => Err(detail(
            StatusCode::REQUEST_TIMEOUT,
            "Timed out reading the request body",
        )),
    }
}

/// The request body as a stream of chunks for the multipart parser: each
/// chunk must arrive within `idle` (the whole upload may take longer), and
/// past `limit` bytes the stream fails with `TooLarge` (after reading up to
/// `DRAIN_AFTER_LIMIT` more, so the client can read the 413).
fn body_stream(
    body: Incoming,
    limit: Option<usize>,
    idle: Duration,
) -> impl futures::Stream<Item = Result<Bytes, BodyError>> + Send + 'static {
    futures::stream::unfold(Some((body, 0usize)), move |state| async move {
        let (mut body, mut seen) = state?;
        loop {
            let frame = match tokio::time::timeout(idle, body.frame()).await {
                Err(_) => return Some((Err(BodyError::TimedOut), None)),
                Ok(None) => return None,
                Ok(Some(Err(_))) => return Some((Err(BodyError::Unreadable), None)),
                Ok(Some(Ok(frame))) => frame,
            };
            let Ok(data) = frame.into_data() else {
                continue;
            };
            seen = seen.saturating_add(data.len());
            if let Some(limit) = limit.filter(|l| seen > *l) {
                while seen <= limit.saturating_add(DRAIN_AFTER_LIMIT) {
                    match tokio::time::timeout(idle, body.frame()).await {
                        Ok(Some(Ok(frame))) => {
                            seen = seen.saturating_add(frame.data_ref().map_or(0, Bytes::len));
                        }
                        _ => break,
                    }
                }
                return Some((Err(BodyError::TooLarge), None));
            }
            return Some((Ok(data), Some((body, seen))));
        }
    })
}

/// Parse a multipart body while it arrives, files past `SPOOL_AFTER`
/// spooled to disk. The limit is the route's `max_body_size` or, without
/// one, the server's `max_upload_size`.
async fn read_form(
    core: &Core,
    plan: &RoutePlan,
    body: Incoming,
    declared: Option<u64>,
    boundary: &str,
) -> Result<FormParts, FormError> {
    let limit = plan.max_body_size.or(core.config.max_upload_size);
    if let (Some(limit), Some(n)) = (limit, declared) {
        if n > limit as u64 {
            return Err(FormError::Body(BodyError::TooLarge));
        }
    }
    let stream = body_stream(body, limit, core.config.body_read_timeout);
    multipart::parse_stream(stream, boundary, plan.form_limits, Some(SPOOL_AFTER)).await
}

/// The answer to a body that could not be read.
fn body_error_response(e: BodyError) -> Response<Body> {
    let status = match e {
        BodyError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        BodyError::TimedOut => StatusCode::REQUEST_TIMEOUT,
        BodyError::Unreadable => StatusCode::BAD_REQUEST,
    };
    detail(status, &e.to_string())
}

/// Serve one request, reporting it to the access log when enabled.
pub fn handle(
    core: Arc<Core>,
    req: Request<Incoming>,
    peer: Option<SocketAddr>,
) -> impl std::future::Future<Output = Result<Response<Body>, Infallible>> {
    // The usual request is `route_request`'s future itself: no enclosing
    // state machine, which copied the inner future on every poll.
    if core.config.middleware.is_empty() && !core.config.access_log {
        // The usual request (a route found, no body to wait for, valid
        // parameters) is queued here, before any future exists: hyper then
        // holds only the small future that waits for the reply. Any other
        // goes the whole way, boxed.
        match queue_now(&core, req) {
            Ok(rx) => futures::future::Either::Left(futures::future::Either::Left(await_reply(
                core, rx.0, rx.1,
            ))),
            Err(req) => futures::future::Either::Left(futures::future::Either::Right(Box::pin(
                route_request(core, req, peer),
            ))),
        }
    } else {
        // Boxed, like every rare branch below: a request's future is moved
        // whole into hyper's connection, so its size is copied per request.
        futures::future::Either::Right(Box::pin(logged(core, req, peer)))
    }
}

/// `handle` with Rust middleware or the access log.
async fn logged(
    core: Arc<Core>,
    req: Request<Incoming>,
    peer: Option<SocketAddr>,
) -> Result<Response<Body>, Infallible> {
    if !core.config.middleware.is_empty() {
        return with_middleware(core, req, peer).await;
    }
    let started = std::time::Instant::now();
    let method = req.method().clone();
    let target = req
        .uri()
        .path_and_query()
        .map_or_else(|| "/".to_owned(), ToString::to_string);
    let queue = core.queue.clone();
    let response = route_request(core, req, peer).await;
    if let Ok(r) = &response {
        queue.push(Msg::Access(Box::new(AccessRecord {
            method,
            target,
            status: r.status().as_u16(),
            elapsed: started.elapsed(),
            client: peer,
        })));
    }
    response
}

/// `handle` with the Rust middleware (CORS, GZip, timing, trusted hosts).
async fn with_middleware(
    core: Arc<Core>,
    req: Request<Incoming>,
    peer: Option<SocketAddr>,
) -> Result<Response<Body>, Infallible> {
    let started = std::time::Instant::now();
    let method = req.method().clone();
    let target = req
        .uri()
        .path_and_query()
        .map_or_else(|| "/".to_owned(), ToString::to_string);
    let response = match core.config.middleware.before(&method, req.headers()) {
        Err(early) => early,
        Ok(before) => {
            let Ok(r) = route_request(core.clone(), req, peer).await;
            core.config.middleware.after(before, r).await
        }
    };
    if core.config.access_log {
        core.queue.push(Msg::Access(Box::new(AccessRecord {
            method,
            target,
            status: response.status().as_u16(),
            elapsed: started.elapsed(),
            client: peer,
        })));
    }
    Ok(response)
}

/// A request body as the route reads it: the bytes, or (empty bytes and)
/// a multipart body parsed while it arrived, or why that one is refused
/// (malformed, over its `form_limits`).
type ReadBody = (
    Bytes,
    Option<Result<FormParts, Vec<crate::params::FieldError>>>,
);

/// Read what the route needs of the body; `Err` is the refusal to send
/// (413, 408, 400, or 500 when a spool file cannot be written).
async fn read_request_body(
    core: &Core,
    plan: &RoutePlan,
    headers: &hyper::HeaderMap,
    incoming: Incoming,
    wants_request: bool,
) -> Result<ReadBody, Response<Body>> {
    // The declared length, as hyper parsed it from `content-length` (no
    // second header lookup): `None` for a chunked body.
    let declared = incoming.size_hint().exact();
    // A multipart body is parsed as it arrives (unless the handler asked
    // for the raw request): its files never sit whole in memory.
    let boundary = (plan.reads_form && !plan.wants_request)
        .then(|| multipart::boundary(headers))
        .flatten();
    if let Some(boundary) = boundary {
        return match Box::pin(read_form(core, plan, incoming, declared, &boundary)).await {
            Ok(parsed) => Ok((Bytes::new(), Some(Ok(parsed)))),
            Err(FormError::Body(e)) => Err(body_error_response(e)),
            Err(FormError::Storage(e)) => Err(detail(
                StatusCode::INTERNAL_SERVER_ERROR,
                &format!("Could not store the upload: {e}"),
            )),
            Err(e) => Ok((Bytes::new(), Some(Err(form_error(e))))),
        };
    }
    if plan.reads_body || wants_request {
        return read_body(core, incoming, declared, plan.max_body_size)
            .await
            .map(|body| (body, None));
    }
    Ok((Bytes::new(), None))
}

/// A request queued by [`queue_now`]: its route and the reply to wait for.
type Queued = (usize, oneshot::Receiver<Reply>);

/// Queue the request's job at once when nothing before it needs to wait:
/// the route is found, its body is either not read or left in hyper's
/// channel for the batch (`defers_body`), and its parameters are valid.
/// Anything else hands the request back, untouched, for [`route_request`].
fn queue_now(core: &Arc<Core>, req: Request<Incoming>) -> Result<Queued, Request<Incoming>> {
    if crate::websocket::is_upgrade(&req) {
        return Err(req);
    }
    let (parts, incoming) = req.into_parts();
    let Lookup::Found {
        route,
        params: path_params,
    } = core.table.lookup(&parts.method, parts.uri.path())
    else {
        return Err(Request::from_parts(parts, incoming));
    };
    let plan = &core.plans[route];
    let wants_request = plan.wants_request || core.always_request;
    let deferred = plan
        .json_body_arg
        .filter(|_| defers_body(core, plan, wants_request, &parts.headers, &incoming));
    // The body `read_request_body` would read (or parse as a form) is
    // awaited: the whole way.
    if deferred.is_none() && (plan.reads_body || plan.reads_form || wants_request) {
        drop(path_params);
        return Err(Request::from_parts(parts, incoming));
    }
    let body = if deferred.is_some() {
        Bytes::from_static(b"{}")
    } else {
        Bytes::new()
    };
    let Ok(args) = extract(
        plan,
        &path_params,
        parts.uri.query(),
        &parts.headers,
        &body,
        None,
        deferred.map(|_| true),
    ) else {
        // Refused parameters: answered the whole way (rare).
        drop(path_params);
        return Err(Request::from_parts(parts, incoming));
    };
    drop(path_params);
    // (A route that takes the request itself went the whole way: it reads
    // the body, and `defers_body` refuses it.)
    let pending = deferred.map(|arg| PendingBody { incoming, arg });
    Ok((route, push_job(core, route, args, None, None, pending)))
}

/// Queue a route's job; the receiver gets its reply.
fn push_job(
    core: &Core,
    route: usize,
    args: Vec<crate::params::ArgValue>,
    request: Option<Box<RequestParts>>,
    errors: Option<Bytes>,
    body: Option<PendingBody>,
) -> oneshot::Receiver<Reply> {
    let (tx, rx) = oneshot::channel();
    core.queue.push(Msg::Job(Job {
        route,
        args,
        request,
        reply: tx,
        ws: None,
        errors,
        answer: None,
        body,
    }));
    rx
}

/// Wait for a queued job's reply and make it the response.
async fn await_reply(
    core: Arc<Core>,
    route: usize,
    rx: oneshot::Receiver<Reply>,
) -> Result<Response<Body>, Infallible> {
    Ok(match rx.await {
        Ok(Reply::Unread(unread)) => Box::pin(read_unread(&core, route, *unread)).await,
        Ok(reply) => reply_to_response(reply),
        Err(_) => shutting_down(),
    })
}

/// Route one request and produce its response.
// One request's steps in order (route, body, parameters, the job): split
// up, the early answers of each step would need a result type of their own.
#[allow(clippy::too_many_lines)]
async fn route_request(
    core: Arc<Core>,
    req: Request<Incoming>,
    peer: Option<SocketAddr>,
) -> Result<Response<Body>, Infallible> {
    if crate::websocket::is_upgrade(&req) {
        return Ok(Box::pin(crate::websocket::upgrade(&core, req, peer)).await);
    }
    let (parts, incoming) = req.into_parts();
    let path = parts.uri.path();
    let (route, path_params) = match core.table.lookup(&parts.method, path) {
        Lookup::Found { route, params } => (route, params),
        Lookup::MethodNotAllowed(allow) => {
            let answer = RouterAnswer::new(405, "Method Not Allowed", Some(("Allow", allow)));
            return Ok(Box::pin(router_answer(&core, &parts, peer, answer, None)).await);
        }
        Lookup::Redirect(mut location) => {
            if let Some(q) = parts.uri.query() {
                location.push('?');
                location.push_str(q);
            }
            let answer = RouterAnswer::new(307, "", Some(("Location", location)));
            return Ok(Box::pin(router_answer(&core, &parts, peer, answer, None)).await);
        }
        Lookup::NotFound => {
            let answer = RouterAnswer::new(404, "Not Found", None);
            return Ok(Box::pin(router_answer(&core, &parts, peer, answer, None)).await);
        }
    };
    let plan = &core.plans[route];
    let wants_request = plan.wants_request || core.always_request;
    // A small JSON body of a route whose one body parameter is a model stays
    // in hyper's channel until the batch runs (see `PendingBody`); `extract`
    // sees a stand-in, which gives that parameter its `RawJson` argument.
    let deferred = plan
        .json_body_arg
        .filter(|_| defers_body(&core, plan, wants_request, &parts.headers, &incoming));
    let (body, form, mut pending) = match deferred {
        Some(arg) => (
            Bytes::from_static(b"{}"),
            None,
            Some(PendingBody { incoming, arg }),
        ),
        None => {
            match read_request_body(&core, plan, &parts.headers, incoming, wants_request).await {
                Ok((body, form)) => (body, form, None),
                Err(resp) => return Ok(Box::pin(body_refused(&core, &parts, peer, resp)).await),
            }
        }
    };
    let (query, headers) = (parts.uri.query(), &parts.headers);
    let mut extracted = match form {
        Some(Err(errors)) => Err((errors, Vec::new())),
        form => extract(
            plan,
            &path_params,
            query,
            headers,
            &body,
            form.as_ref().and_then(|f| f.as_ref().ok()),
            // A deferred body was found to be JSON by `defers_body`.
            deferred.map(|_| true),
        ),
    };
    // Refused parameters: the body is read first, as it is without the
    // stand-in (its own refusal comes first, and dependencies see it).
    if let Err((_, partial)) = &mut extracted {
        if let Some(p) = pending.take() {
            match Box::pin(read_body(&core, p.incoming, None, plan.max_body_size)).await {
                Ok(data) => {
                    if let Some(arg) = partial.get_mut(p.arg) {
                        fill_body(arg, data);
                    }
                }
                Err(resp) => return Ok(resp),
            }
        }
    }
    let (args, errors) = match extracted {
        Ok(args) => (args, None),
        // A form over its `form_limits`: 400 with the reason, as Starlette's parser answers.
        Err((errors, _)) if form_limit_refusal(&errors).is_some() => {
            let detail = form_limit_refusal(&errors).unwrap_or_default();
            return Ok(full(StatusCode::BAD_REQUEST, "application/json", detail));
        }
        // Dependencies whose parameters are valid still run first (Python;
        // never with Python middleware, which `forward_router_answers` serves).
        Err((errors, partial)) if plan.deps_first && !partial.is_empty() => {
            (partial, Some(Bytes::from(errors_body(&errors))))
        }
        // The app has its own RequestValidationError handler: let Python
        // answer (slow path, only for invalid requests).
        Err((errors, _)) if core.forward_router_answers => {
            let answer = RouterAnswer {
                route: Some(route),
                ..RouterAnswer::new(422, "", None)
            };
            let errors = Bytes::from(errors_body(&errors));
            let answered = router_answer(&core, &parts, peer, answer, Some((errors, body)));
            return Ok(Box::pin(answered).await);
        }
        Err((errors, _)) if core.forward_validation_errors => {
            (Vec::new(), Some(Bytes::from(errors_body(&errors))))
        }
        Err((errors, _)) => {
            return Ok(full(
                StatusCode::UNPROCESSABLE_ENTITY,
                "application/json",
                errors_body(&errors),
            ))
        }
    };
    let request = wants_request.then(|| {
        Box::new(RequestParts {
            method: parts.method.clone(),
            path: path.to_owned(),
            query: parts.uri.query().unwrap_or("").to_owned(),
            path_params: path_params
                .iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
            headers: parts.headers.clone(),
            body,
            client: peer,
        })
    });
    let rx = push_job(&core, route, args, request, errors, pending);
    drop(parts);
    await_reply(core, route, rx).await
}

/// The largest body left in hyper's channel for the batch to take: one
/// that arrives with its head (hyper's first read is 8 KiB).
const DEFER_BODY_MAX: u64 = 4096;

/// Whether a body for the route's model parameter (`json_body_arg`) may wait
/// in hyper's channel: JSON with a declared length up to `DEFER_BODY_MAX`
/// and the route's limit, and nobody before the handler (the request object,
/// Python's router answers) needs its bytes.
fn defers_body(
    core: &Core,
    plan: &RoutePlan,
    wants_request: bool,
    headers: &hyper::HeaderMap,
    incoming: &Incoming,
) -> bool {
    let limit = plan.max_body_size.unwrap_or(core.config.max_body_size) as u64;
    !wants_request
        && !core.forward_router_answers
        && incoming
            .size_hint()
            .exact()
            .is_some_and(|n| n > 0 && n <= limit.min(DEFER_BODY_MAX))
        && is_json(headers, plan.lax_content_type)
}

fn shutting_down() -> Response<Body> {
    detail(
        StatusCode::SERVICE_UNAVAILABLE,
        "The server is shutting down",
    )
}

/// A job whose body had not all arrived when its batch ran: read the rest
/// (within the body read timeout and limit) and queue it again.
async fn read_unread(core: &Core, route: usize, unread: Unread) -> Response<Body> {
    let Unread {
        mut args,
        body: PendingBody { incoming, arg },
        first,
    } = unread;
    let limit = core.plans[route]
        .max_body_size
        .unwrap_or(core.config.max_body_size);
    match read_rest(core, incoming, first, limit).await {
        Ok(data) => {
            if let Some(a) = args.get_mut(arg) {
                fill_body(a, data);
            }
        }
        Err(resp) => return resp,
    }
    let (tx, rx) = oneshot::channel();
    core.queue.push(Msg::Job(Job {
        route,
        args,
        request: None,
        reply: tx,
        ws: None,
        errors: None,
        answer: None,
        body: None,
    }));
    match rx.await {
        Ok(reply) => reply_to_response(reply),
        Err(_) => shutting_down(),
    }
}

/// Send a body refusal, through Python when the app wants to see the
/// router's answers (not the 500 of a failed spool file).
async fn body_refused(
    core: &Arc<Core>,
    parts: &hyper::http::request::Parts,
    peer: Option<SocketAddr>,
    resp: Response<Body>,
) -> Response<Body> {
    if !core.forward_router_answers || resp.status() == StatusCode::INTERNAL_SERVER_ERROR {
        return resp;
    }
    let answer = RouterAnswer::new(resp.status().as_u16(), body_refusal(&resp), None);
    router_answer(core, parts, peer, answer, None).await
}

/// The detail of a body `read_body` refused (413, 408 or 400).
fn body_refusal(resp: &Response<Body>) -> &'static str {
    match resp.status() {
        StatusCode::PAYLOAD_TOO_LARGE => "Request body is too large",
        StatusCode::BAD_REQUEST => "Could not read the request body",
        _ => "Timed out reading the request body",
    }
}

/// Answer a request the router handled itself: here, or, when the app has
/// Python middleware or exception handlers, through Python so they see it.
async fn router_answer(
    core: &Arc<Core>,
    parts: &hyper::http::request::Parts,
    peer: Option<SocketAddr>,
    answer: RouterAnswer,
    errors: Option<(Bytes, Bytes)>,
) -> Response<Body> {
    if !core.forward_router_answers {
        let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::NOT_FOUND);
        let mut r = match &errors {
            Some((errors, _)) => full(status, "application/json", errors.clone()),
            None if status.is_redirection() => full(status, "text/plain", Bytes::new()),
            None => detail(status, answer.detail),
        };
        for (name, value) in answer.headers {
            if let (Ok(n), Ok(v)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(&value),
            ) {
                r.headers_mut().insert(n, v);
            }
        }
        return r;
    }
    let request = Box::new(RequestParts {
        method: parts.method.clone(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().unwrap_or("").to_owned(),
        path_params: Vec::new(),
        headers: parts.headers.clone(),
        body: errors
            .as_ref()
            .map(|(_, body)| body.clone())
            .unwrap_or_default(),
        client: peer,
    });
    let (tx, rx) = oneshot::channel();
    core.queue.push(Msg::Job(Job {
        route: 0,
        args: Vec::new(),
        request: Some(request),
        reply: tx,
        ws: None,
        errors: errors.map(|(errors, _)| errors),
        answer: Some(Box::new(answer)),
        body: None,
    }));
    match rx.await {
        Ok(reply) => reply_to_response(reply),
        Err(_) => detail(
            StatusCode::SERVICE_UNAVAILABLE,
            "The server is shutting down",
        ),
    }
}

/// One builder for both protocols: hyper-util's auto builder reads the
/// connection's first bytes and serves HTTP/1.1 or, for the HTTP/2
/// preface, HTTP/2 (h2c with prior knowledge).
fn http_builder(config: &Config) -> auto::Builder<TokioExecutor> {
    let mut b = auto::Builder::new(TokioExecutor::new());
    b.http1()
        .timer(TokioTimer::new())
        .keep_alive(config.keep_alive)
        .header_read_timeout(config.header_read_timeout)
        // While a request waits for its handler, hyper would otherwise try a
        // read on every poll to notice a client that left (two reads per
        // request, a tenth of its CPU). The handler runs to its end either
        // way (it is queued); a client that left is found at the write.
        .half_close(true)
        // No `pipeline_flush`: with it hyper takes body chunks without limit
        // (its write buffer never reports full), so a client that does not
        // read made a streamed body pile up in memory.
        .max_buf_size(config.max_header_size.max(8192));
    // HTTP/2 flow control bounds what a stream and a connection may have
    // in flight; the send buffer bounds what waits for a slow reader.
    b.http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(H2_MAX_STREAMS)
        .max_header_list_size(u32::try_from(config.max_header_size).unwrap_or(u32::MAX))
        .max_send_buf_size(H2_SEND_BUFFER)
        .keep_alive_interval(Duration::from_secs(30));
    b
}

/// The HTTP/2 connection preface (RFC 9113, section 3.4).
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// Wait until the client has sent enough to tell HTTP/1.1 from HTTP/2;
/// `false` if it closed first. hyper-util's version sniffing has no timeout
/// of its own (hyper's header timeout starts after it), so the caller
/// bounds this wait.
async fn first_bytes(stream: &tokio::net::TcpStream) -> bool {
    let mut buf = [0u8; 24];
    loop {
        match stream.peek(&mut buf).await {
            Ok(n) if n >= H2_PREFACE.len() || (n > 0 && buf[..n] != H2_PREFACE[..n]) => {
                return true
            }
            Ok(0) | Err(_) => return false,
            // Part of the HTTP/2 preface: wait for the rest (peek does not
            // consume, so poll again shortly).
            Ok(_) => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
}

/// Streams one HTTP/2 connection may run at once.
const H2_MAX_STREAMS: u32 = 128;
/// Bytes of response data one HTTP/2 stream may buffer for its client.
const H2_SEND_BUFFER: usize = 256 * 1024;

/// The stop signal as the connection tasks wait for it. A `watch::Receiver`'s
/// `changed()` takes the channel's lock and registers the task's waker on
/// every poll, and a keep-alive connection's task is polled three times per
/// request; a [`StopWait`] registers its task's waker once and then costs one
/// atomic load per poll.
#[derive(Default)]
struct StopSignal {
    stopped: std::sync::atomic::AtomicBool,
    /// The wakers of the waiting connections, by key (and the last key given).
    waiters: std::sync::Mutex<(u64, rustc_hash::FxHashMap<u64, std::task::Waker>)>,
}

impl StopSignal {
    fn waiters(
        &self,
    ) -> std::sync::MutexGuard<'_, (u64, rustc_hash::FxHashMap<u64, std::task::Waker>)> {
        self.waiters
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn stop(&self) {
        self.stopped
            .store(true, std::sync::atomic::Ordering::Release);
        let wakers: Vec<std::task::Waker> = self.waiters().1.drain().map(|(_, w)| w).collect();
        for waker in wakers {
            waker.wake();
        }
    }

    fn is_stopped(&self) -> bool {
        self.stopped.load(std::sync::atomic::Ordering::Acquire)
    }

    fn wait(self: &Arc<Self>) -> StopWait {
        StopWait {
            signal: self.clone(),
            key: None,
            waker: None,
        }
    }
}

/// Stops the connections when dropped.
struct StopOnDrop(Arc<StopSignal>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.stop();
    }
}

/// Ready once the server stops (see [`StopSignal`]).
struct StopWait {
    signal: Arc<StopSignal>,
    key: Option<u64>,
    waker: Option<std::task::Waker>,
}

impl std::future::Future for StopWait {
    type Output = ();

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        if self.signal.is_stopped() {
            return std::task::Poll::Ready(());
        }
        if !self.waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
            let mut waiters = self.signal.waiters();
            let key = self.key.unwrap_or_else(|| {
                waiters.0 += 1;
                waiters.0
            });
            waiters.1.insert(key, cx.waker().clone());
            drop(waiters);
            self.key = Some(key);
            self.waker = Some(cx.waker().clone());
            // `stop` may have taken the wakers just before this one went in.
            if self.signal.is_stopped() {
                return std::task::Poll::Ready(());
            }
        }
        std::task::Poll::Pending
    }
}

impl Drop for StopWait {
    fn drop(&mut self) {
        if let Some(key) = self.key {
            self.signal.waiters().1.remove(&key);
        }
    }
}

/// Connections are tracked with an mpsc channel whose senders live in the
/// connection tasks: when the last one is dropped, every connection is done.
/// (hyper-util's `GracefulShutdown` cannot watch connections with upgrades,
/// which WebSockets need.)
pub async fn accept_loop<S, F>(
    listener: tokio::net::TcpListener,
    config: Config,
    mut shutdown: watch::Receiver<bool>,
    service: S,
) where
    S: Fn(Request<Incoming>, Option<SocketAddr>) -> F + Clone + Send + 'static,
    F: std::future::Future<Output = Result<Response<Body>, Infallible>> + Send + 'static,
{
    let http = http_builder(&config);
    let (alive_tx, mut alive_rx) = tokio::sync::mpsc::channel::<()>(1);
    let signal = Arc::new(StopSignal::default());
    // Connections stop with the loop, however it ends (or is dropped).
    let _stopped = StopOnDrop(signal.clone());
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let _ = stream.set_nodelay(true);
                    let svc = service.clone();
                    let http = http.clone();
                    let first_wait = config.header_read_timeout;
                    let mut stop = signal.wait();
                    let alive = alive_tx.clone();
                    tokio::spawn(async move {
                        let _alive = alive;
                        // A client that sends nothing (or a slow HTTP/2
                        // preface) is dropped after the header timeout.
                        tokio::select! {
                            sent = tokio::time::timeout(first_wait, first_bytes(&stream)) => {
                                if !matches!(sent, Ok(true)) {
                                    return;
                                }
                            }
                            () = &mut stop => return,
                        }
                        let conn = http
                            .serve_connection_with_upgrades(
                                TokioIo::new(stream),
                                service_fn(move |req| svc(req, Some(peer))),
                            )
                            .into_owned();
                        tokio::pin!(conn);
                        // Errors here are the client's (reset, bad request
                        // line, timeout); hyper already answered what it could.
                        tokio::select! {
                            biased;
                            _ = conn.as_mut() => {}
                            () = &mut stop => {
                                conn.as_mut().graceful_shutdown();
                                let _ = conn.await;
                            }
                        }
                    });
                }
                Err(_) => {
                    // Out of file descriptors or similar: back off instead of
                    // spinning, and keep serving the connections we have.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            },
            _ = shutdown.changed() => break,
        }
    }
    signal.stop();
    drop(listener);
    drop(alive_tx);
    let _ = tokio::time::timeout(config.graceful_timeout, alive_rx.recv()).await;
}

/// Keeps one timer always due within `period` on the I/O runtime.
///
/// tokio's timer wheel wakes its own driver (an eventfd write, a system
/// call) whenever a timer is armed earlier than the wake-up it planned when
/// it last parked, and it plans none when it parks with no timer armed. Here
/// it parks with no timer whenever every connection waits for Python, so
/// each response (hyper then arms the next request's header timeout) cost
/// one extra write. With this timer the planned wake-up is never later than
/// `period`, which is shorter than the timeouts armed per request.
pub async fn timer_heartbeat(period: Duration) {
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
    }
}

/// The heartbeat period for a server whose shortest per-request timeout is
/// `shortest`: half of it, at most one second.
pub fn heartbeat_period(shortest: Duration) -> Duration {
    (shortest / 2).clamp(Duration::from_millis(1), Duration::from_secs(1))
}
