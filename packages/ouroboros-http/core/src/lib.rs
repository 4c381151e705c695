//! The HTTP engine behind `ouroboros.http`, free of Python.
//!
//! One [`Engine`] owns one pooled `reqwest::Client` (rustls, HTTP/1.1 and
//! HTTP/2), an optional connection limiter that gives the pool timeout, a
//! cookie jar, and the redirect and retry loops. Redirects are followed here
//! rather than by reqwest so that every hop is recorded for
//! `Response.history`, credentials are dropped on a change of origin, and a
//! loop ends in a `TooManyRedirects` that names the URL.
//!
//! The Python binding (`ouroboros-http-py`) only converts arguments and
//! results; everything that can be tested without Python is tested here
//! (`cargo test -p ouroboros-http-core`).

pub mod config;
pub mod cookies;
pub mod engine;
pub mod error;
pub mod redirect;
pub mod retry;
pub mod stream_body;
pub mod write_watch;

pub use config::{ClientConfig, Limits, Timeouts};
pub use cookies::CookieJar;
pub use engine::{
    Completed, Engine, FormPart, HistoryEntry, Opened, RequestBody, RequestSpec, ResponseHead,
};
pub use error::{ErrorKind, HttpError};
pub use retry::RetryPolicy;
pub use stream_body::{BodySender, SendRefused, StreamBody};

/// Re-exported so the binding uses exactly the types the engine uses.
pub use reqwest::{header, Method, StatusCode, Url, Version};
