//! One pooled client and the exchange loop: limiter, redirects, retries,
//! overall deadline.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderValue, CONTENT_LENGTH, COOKIE, TRANSFER_ENCODING};
use reqwest::{Method, StatusCode, Url, Version};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::config::{ClientConfig, Timeouts};
use crate::cookies::CookieJar;
use crate::error::{classify, ErrorKind, HttpError, Phase};
use crate::redirect;
use crate::stream_body::StreamBody;
use crate::write_watch;

/// One field of a multipart body. Kept as data (not a reqwest `Form`) so the
/// body can be sent again on a retry or a 307/308 redirect.
#[derive(Debug, Clone)]
pub struct FormPart {
    pub name: String,
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub data: Bytes,
}

/// A request body. All but `Stream` can be replayed (retries, 307/308).
#[derive(Debug, Clone, Default)]
pub enum RequestBody {
    #[default]
    Empty,
    Bytes(Bytes),
    Multipart(Arc<Vec<FormPart>>),
    /// Chunks from a producer through a bounded channel; sent once, chunked
    /// unless the headers give a `Content-Length`.
    Stream(Arc<StreamBody>),
}

/// One request as the binding hands it over.
#[derive(Debug, Clone)]
pub struct RequestSpec {
    pub method: Method,
    pub url: Url,
    pub headers: HeaderMap,
    pub body: RequestBody,
    /// Overrides every phase of the client's timeouts for this request.
    pub timeouts: Option<Timeouts>,
    /// Overrides the client's redirect setting for this request.
    pub follow_redirects: Option<bool>,
}

/// Status line and headers of a response.
#[derive(Debug, Clone)]
pub struct ResponseHead {
    pub status: StatusCode,
    pub version: Version,
    pub headers: HeaderMap,
    pub url: Url,
    pub method: Method,
}

/// A redirect response that was followed.
#[derive(Debug, Clone)]
pub struct HistoryEntry {
    pub head: ResponseHead,
    pub body: Bytes,
    pub elapsed: Duration,
}

/// A finished exchange with the body read.
#[derive(Debug)]
pub struct Completed {
    pub head: ResponseHead,
    pub body: Bytes,
    pub history: Vec<HistoryEntry>,
    pub elapsed: Duration,
}

/// A response whose body has not been read yet (`stream`).
#[derive(Debug)]
pub struct Opened {
    pub head: ResponseHead,
    pub history: Vec<HistoryEntry>,
    pub elapsed: Duration,
    pub response: reqwest::Response,
    /// Holds the connection slot until the body is finished or dropped.
    pub permit: Option<OwnedSemaphorePermit>,
    /// The client's `max_body_size`, and the bytes handed out so far.
    pub max_body: Option<u64>,
    pub received: u64,
}

impl Opened {
    /// The next piece of the body, `None` at the end.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, HttpError> {
        match self.response.chunk().await {
            Ok(Some(b)) => {
                self.received += b.len() as u64;
                if let Some(max) = self.max_body {
                    if self.received > max {
                        self.permit = None;
                        return Err(too_large(&self.head, max));
                    }
                }
                Ok(Some(b))
            }
            Ok(None) => {
                self.permit = None;
                Ok(None)
            }
            Err(e) => {
                self.permit = None;
                Err(classify(
                    &e,
                    Phase::ReadBody,
                    self.head.method.as_str(),
                    self.head.url.as_str(),
                ))
            }
        }
    }
}

fn too_large(head: &ResponseHead, max: u64) -> HttpError {
    HttpError::new(
        ErrorKind::ResponseTooLarge,
        head.method.as_str(),
        head.url.as_str(),
        format!("the response body passed max_response_size={max} bytes; the rest was not read"),
    )
}

/// A whole body, failing once it passes `max` bytes (a body that fails to
/// arrive is read as empty, as for redirect hops before).
async fn read_capped(
    mut response: reqwest::Response,
    max: Option<u64>,
    head: &ResponseHead,
) -> Result<Bytes, HttpError> {
    let Some(max) = max else {
        return Ok(response.bytes().await.unwrap_or_default());
    };
    let mut buf = bytes::BytesMut::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        buf.extend_from_slice(&chunk);
        if buf.len() as u64 > max {
            return Err(too_large(head, max));
        }
    }
    Ok(buf.freeze())
}

/// Connect and read bounds of a reqwest client (set when it is built).
type PhaseKey = (Option<Duration>, Option<Duration>);

/// Extra time on the read timer when the connect bound is at least as long.
const READ_MARGIN: Duration = Duration::from_millis(25);

/// Clients kept for per-request connect/read timeouts that differ from the
/// client's own; beyond this many distinct pairs the oldest is dropped.
const MAX_VARIANTS: usize = 8;

/// The pooled client. Cheap to share: wrap it in an `Arc`.
#[derive(Debug)]
pub struct Engine {
    client: reqwest::Client,
    config: ClientConfig,
    limiter: Option<Arc<Semaphore>>,
    jar: Option<Arc<CookieJar>>,
    /// reqwest sets connect and read timeouts per client, not per request: a
    /// request whose own bounds differ goes through a client built with them
    /// (same settings and cookie jar, its own pool).
    variants: std::sync::Mutex<Vec<(PhaseKey, reqwest::Client)>>,
}

fn build_error(what: &str, detail: impl std::fmt::Display) -> HttpError {
    HttpError::argument(format!("{what}: {detail}"))
}

impl Engine {
    /// Build the client; TLS material and the proxy URL are checked here.
    pub fn new(config: ClientConfig) -> Result<Self, HttpError> {
        let jar = config.cookies.then(|| {
            Arc::new(CookieJar::with_limits(
                config.max_cookies,
                config.max_cookie_size,
            ))
        });
        let t = &config.timeouts;
        let client = build_client(&config, (t.connect, t.read), jar.as_ref())?;
        let limiter = config
            .limits
            .max_connections
            .map(|n| Arc::new(Semaphore::new(n.max(1))));
        Ok(Self {
            client,
            config,
            limiter,
            jar,
            variants: std::sync::Mutex::new(Vec::new()),
        })
    }

    /// The reqwest client that applies `t`'s connect and read bounds.
    fn client_for(&self, t: &Timeouts) -> Result<reqwest::Client, HttpError> {
        let key = (t.connect, t.read);
        let own = &self.config.timeouts;
        if key == (own.connect, own.read) {
            return Ok(self.client.clone());
        }
        let mut variants = self
            .variants
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((_, c)) = variants.iter().find(|(k, _)| *k == key) {
            return Ok(c.clone());
        }
        let built = build_client(&self.config, key, self.jar.as_ref())?;
        if variants.len() >= MAX_VARIANTS {
            variants.remove(0);
        }
        variants.push((key, built.clone()));
        Ok(built)
    }
}

fn build_client(
    config: &ClientConfig,
    (connect, read): PhaseKey,
    jar: Option<&Arc<CookieJar>>,
) -> Result<reqwest::Client, HttpError> {
    {
        let mut b = reqwest::Client::builder()
            .use_rustls_tls()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(config.user_agent.clone())
            .gzip(config.decompress)
            .brotli(config.decompress)
            .zstd(config.decompress)
            .deflate(config.decompress)
            .tls_built_in_root_certs(config.builtin_roots)
            .tcp_nodelay(true);
        if let Some(d) = connect {
            b = b.connect_timeout(d);
        }
        if let Some(d) = read {
            // reqwest's read timer starts with the request, connecting included:
            // with equal bounds (`Timeout(5)`) a stalled connect must still end
            // in ConnectTimeout, so the read timer gets a small head start.
            let margin = if connect.is_some_and(|c| c >= d) {
                READ_MARGIN
            } else {
                Duration::ZERO
            };
            b = b.read_timeout(d + margin);
        }
        if let Some(n) = config.limits.max_keepalive_connections {
            b = b.pool_max_idle_per_host(n);
        }
        b = b.pool_idle_timeout(config.limits.keepalive_expiry);
        if config.http2_prior_knowledge {
            b = b.http2_prior_knowledge();
        } else if !config.http2 {
            b = b.http1_only();
        }
        if !config.verify {
            b = b.danger_accept_invalid_certs(true);
        }
        if let Some(pem) = &config.ca_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| build_error("invalid CA bundle (expected PEM certificates)", e))?;
            if certs.is_empty() {
                return Err(HttpError::argument(
                    "invalid CA bundle: no PEM certificate found",
                ));
            }
            for c in certs {
                b = b.add_root_certificate(c);
            }
        }
        if let Some(pem) = &config.client_identity_pem {
            let id = reqwest::Identity::from_pem(pem).map_err(|e| {
                build_error(
                    "invalid client certificate (expected PEM certificate and private key)",
                    e,
                )
            })?;
            b = b.identity(id);
        }
        if let Some(p) = &config.proxy {
            let proxy = reqwest::Proxy::all(p.as_str())
                .map_err(|e| build_error(&format!("invalid proxy URL {p:?}"), e))?;
            b = b.proxy(proxy);
        } else if !config.trust_env {
            b = b.no_proxy();
        }
        if let Some(j) = jar {
            b = b.cookie_provider(Arc::clone(j));
        }
        b.build()
            .map_err(|e| build_error("cannot build the HTTP client", e))
    }
}

impl Engine {
    #[must_use]
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// The cookie jar, unless cookies were turned off.
    #[must_use]
    pub fn jar(&self) -> Option<&Arc<CookieJar>> {
        self.jar.as_ref()
    }

    fn timeouts_of(&self, spec: &RequestSpec) -> Timeouts {
        spec.timeouts.unwrap_or(self.config.timeouts)
    }

    /// Send and read the whole body.
    pub async fn execute(&self, spec: RequestSpec) -> Result<Completed, HttpError> {
        let t = self.timeouts_of(&spec);
        let (method, url) = (spec.method.to_string(), spec.url.to_string());
        let work = async {
            let mut opened = self.open_inner(spec, &t).await?;
            let body = if opened.max_body.is_none() {
                opened.response.bytes().await.map_err(|e| {
                    classify(
                        &e,
                        Phase::ReadBody,
                        opened.head.method.as_str(),
                        opened.head.url.as_str(),
                    )
                })?
            } else {
                let mut buf = bytes::BytesMut::new();
                while let Some(chunk) = opened.chunk().await? {
                    buf.extend_from_slice(&chunk);
                }
                buf.freeze()
            };
            Ok(Completed {
                head: opened.head,
                body,
                history: opened.history,
                elapsed: opened.elapsed,
            })
        };
        with_deadline(t.total, &method, &url, work).await
    }

    /// Send and return once the headers are in; the body is read by the caller.
    pub async fn open(&self, spec: RequestSpec) -> Result<Opened, HttpError> {
        let t = self.timeouts_of(&spec);
        let (method, url) = (spec.method.to_string(), spec.url.to_string());
        with_deadline(t.total, &method, &url, self.open_inner(spec, &t)).await
    }

    async fn acquire(
        &self,
        method: &Method,
        url: &Url,
        pool: Option<Duration>,
    ) -> Result<Option<OwnedSemaphorePermit>, HttpError> {
        let Some(sem) = &self.limiter else {
            return Ok(None);
        };
        if let Ok(p) = Arc::clone(sem).try_acquire_owned() {
            return Ok(Some(p));
        }
        let wait = Arc::clone(sem).acquire_owned();
        let permit = match pool {
            Some(d) => tokio::time::timeout(d, wait).await.map_err(|_| {
                HttpError::new(
                    ErrorKind::PoolTimeout,
                    method.as_str(),
                    url.as_str(),
                    format!(
                        "no free connection within the pool timeout of {d:?} (max_connections={})",
                        self.config.limits.max_connections.unwrap_or_default()
                    ),
                )
            })?,
            None => wait.await,
        };
        permit.map(Some).map_err(|_| {
            HttpError::new(
                ErrorKind::PoolTimeout,
                method.as_str(),
                url.as_str(),
                "the client is closed",
            )
        })
    }

    async fn open_inner(&self, spec: RequestSpec, t: &Timeouts) -> Result<Opened, HttpError> {
        let started = Instant::now();
        let RequestSpec {
            mut method,
            mut url,
            mut headers,
            mut body,
            follow_redirects,
            ..
        } = spec;
        let permit = self.acquire(&method, &url, t.pool).await?;
        let client = self.client_for(t)?;
        let follow = follow_redirects.unwrap_or(self.config.follow_redirects);
        let mut history = Vec::new();
        loop {
            let hop_started = Instant::now();
            let response = self
                .send_with_retries(&client, t.write, (&method, &url), &headers, &body)
                .await?;
            if response.status().as_u16() > 599 {
                return Err(HttpError::new(
                    ErrorKind::RemoteProtocolError,
                    method.as_str(),
                    url.as_str(),
                    format!(
                        "the server answered with status {}, outside the valid range 100-599",
                        response.status().as_u16()
                    ),
                ));
            }
            if let (Some(max), Some(len)) = (self.config.max_body_size, response.content_length()) {
                let encoded = response
                    .headers()
                    .contains_key(reqwest::header::CONTENT_ENCODING);
                if len > max && (!self.config.decompress || !encoded) {
                    return Err(HttpError::new(
                        ErrorKind::ResponseTooLarge,
                        method.as_str(),
                        url.as_str(),
                        format!(
                            "the response body is {len} bytes, more than max_response_size={max}"
                        ),
                    ));
                }
            }
            let head = ResponseHead {
                status: response.status(),
                version: response.version(),
                headers: response.headers().clone(),
                url: url.clone(),
                method: method.clone(),
            };
            if !(follow && redirect::is_redirect(head.status, &head.headers)) {
                return Ok(Opened {
                    head,
                    history,
                    elapsed: started.elapsed(),
                    response,
                    permit,
                    max_body: self.config.max_body_size,
                    received: 0,
                });
            }
            if history.len() >= self.config.max_redirects {
                return Err(HttpError::new(
                    ErrorKind::TooManyRedirects,
                    method.as_str(),
                    url.as_str(),
                    format!(
                        "exceeded the maximum of {} redirects",
                        self.config.max_redirects
                    ),
                ));
            }
            let next = redirect::next_url(&url, &head.headers, &method)?;
            let next_method = redirect::next_method(head.status, &method);
            let drop_body = next_method != method && next_method == Method::GET;
            // Redirect bodies are small; reading them frees the connection for the
            // next hop. A hostile one is read only up to max_body_size.
            let hop_body = read_capped(response, self.config.max_body_size, &head).await?;
            redirect::next_headers(&mut headers, &url, &next, drop_body);
            if drop_body {
                body = RequestBody::Empty;
            }
            history.push(HistoryEntry {
                head,
                body: hop_body,
                elapsed: hop_started.elapsed(),
            });
            url = next;
            method = next_method;
        }
    }

    async fn send_with_retries(
        &self,
        client: &reqwest::Client,
        write_limit: Option<Duration>,
        (method, url): (&Method, &Url),
        headers: &HeaderMap,
        body: &RequestBody,
    ) -> Result<reqwest::Response, HttpError> {
        let policy = &self.config.retry;
        let mut attempt = 0u32;
        loop {
            let result = self
                .send_once(client, write_limit, (method, url), headers, body)
                .await;
            let can_retry = attempt < policy.retries;
            match result {
                Ok(resp) => {
                    if can_retry
                        && policy.retries_status(resp.status().as_u16())
                        && policy.allows_method(method)
                    {
                        let wait = policy.delay_after_response(attempt, resp.headers());
                        drop(resp);
                        tokio::time::sleep(wait).await;
                        attempt += 1;
                        continue;
                    }
                    return Ok(resp);
                }
                Err(err) => {
                    let retryable = err.kind.is_connect()
                        || (err.kind.is_transport() && policy.allows_method(method));
                    if can_retry && retryable {
                        tokio::time::sleep(policy.backoff(attempt)).await;
                        attempt += 1;
                        continue;
                    }
                    if attempt > 0 {
                        let mut err = err;
                        err.message = format!("{} (after {} retries)", err.message, attempt);
                        return Err(err);
                    }
                    return Err(err);
                }
            }
        }
    }

    async fn send_once(
        &self,
        client: &reqwest::Client,
        write_limit: Option<Duration>,
        (method, url): (&Method, &Url),
        headers: &HeaderMap,
        body: &RequestBody,
    ) -> Result<reqwest::Response, HttpError> {
        let mut headers = headers.clone();
        // reqwest leaves the jar out when a Cookie header is present: merge both.
        if let (Some(jar), Some(explicit)) = (&self.jar, headers.get(COOKIE)) {
            if let (Some(from_jar), Ok(explicit)) = (jar.header_for(url), explicit.to_str()) {
                if let Ok(v) = HeaderValue::from_str(&format!("{from_jar}; {explicit}")) {
                    headers.insert(COOKIE, v);
                }
            }
        }
        let empty = match body {
            RequestBody::Empty => true,
            RequestBody::Bytes(b) => b.is_empty(),
            RequestBody::Stream(_) | RequestBody::Multipart(_) => false,
        };
        if empty
            && matches!(*method, Method::POST | Method::PUT | Method::PATCH)
            && !headers.contains_key(CONTENT_LENGTH)
            && !headers.contains_key(TRANSFER_ENCODING)
        {
            // hyper sends no length for an empty body; servers may answer 411
            // Length Required to a POST without one (RFC 9110 8.6: send it).
            headers.insert(CONTENT_LENGTH, HeaderValue::from_static("0"));
        }
        let mut watch = None;
        if let (RequestBody::Bytes(b), Some(_)) = (body, write_limit) {
            if b.len() > write_watch::WATCH_ABOVE && !headers.contains_key(CONTENT_LENGTH) {
                // A streamed body would go out chunked; keep the known length.
                headers.insert(CONTENT_LENGTH, HeaderValue::from(b.len()));
            }
        }
        let mut rb = client.request(method.clone(), url.clone()).headers(headers);
        match body {
            RequestBody::Empty => {}
            RequestBody::Bytes(b)
                if write_limit.is_some() && b.len() > write_watch::WATCH_ABOVE =>
            {
                let progress = write_watch::Progress::new();
                rb = rb.body(write_watch::watched_body(b.clone(), Arc::clone(&progress)));
                watch = Some(progress);
            }
            RequestBody::Bytes(b) => rb = rb.body(b.clone()),
            RequestBody::Stream(stream) => {
                let progress = write_limit.map(|_| write_watch::Progress::new());
                let Some(streamed) = stream.take(progress.clone()) else {
                    return Err(HttpError::new(
                        ErrorKind::StreamConsumed,
                        method.as_str(),
                        url.as_str(),
                        "the request body is a stream that was already sent; it cannot be sent again \
                         (a retry or a 307/308 redirect needs a body given as bytes)",
                    ));
                };
                rb = rb.body(streamed);
                watch = progress;
            }
            RequestBody::Multipart(parts) => {
                rb = rb.multipart(build_form(parts).map_err(|m| {
                    HttpError::new(ErrorKind::InvalidArgument, method.as_str(), url.as_str(), m)
                })?);
            }
        }
        let send = rb.send();
        let result = match (watch, write_limit) {
            (Some(progress), Some(limit)) => tokio::select! {
                r = send => r,
                idle = write_watch::stalled(&progress, limit) => {
                    return Err(HttpError::new(
                        ErrorKind::WriteTimeout,
                        method.as_str(),
                        url.as_str(),
                        format!("timed out sending the request body: the server took nothing for {idle:?} (write timeout {limit:?})"),
                    ));
                }
            },
            _ => send.await,
        };
        result.map_err(|e| classify(&e, Phase::Send, method.as_str(), url.as_str()))
    }
}

fn build_form(parts: &[FormPart]) -> Result<reqwest::multipart::Form, String> {
    let mut form = reqwest::multipart::Form::new();
    for p in parts {
        let mut part = reqwest::multipart::Part::stream(reqwest::Body::from(p.data.clone()));
        if let Some(f) = &p.filename {
            part = part.file_name(f.clone());
        }
        if let Some(ct) = &p.content_type {
            part = part.mime_str(ct).map_err(|e| {
                format!(
                    "invalid content type {ct:?} for file field {:?}: {e}",
                    p.name
                )
            })?;
        }
        form = form.part(p.name.clone(), part);
    }
    Ok(form)
}

async fn with_deadline<T>(
    limit: Option<Duration>,
    method: &str,
    url: &str,
    fut: impl std::future::Future<Output = Result<T, HttpError>>,
) -> Result<T, HttpError> {
    match limit {
        None => fut.await,
        Some(d) => tokio::time::timeout(d, fut).await.unwrap_or_else(|_| {
            Err(HttpError::new(
                ErrorKind::ReadTimeout,
                method,
                url,
                format!("timed out: no complete response within the overall timeout of {d:?}"),
            ))
        }),
    }
}
