//! Errors of the HTTP engine: one struct that names the request and a kind
//! that the binding maps onto the Python exception hierarchy (httpx's names).

use std::error::Error as _;
use std::fmt;

/// What failed, in the vocabulary of httpx's exception classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    ConnectError,
    ConnectTimeout,
    ReadTimeout,
    WriteTimeout,
    PoolTimeout,
    ReadError,
    WriteError,
    RemoteProtocolError,
    LocalProtocolError,
    ProxyError,
    UnsupportedProtocol,
    DecodingError,
    TooManyRedirects,
    InvalidUrl,
    InvalidArgument,
    StreamConsumed,
    StreamClosed,
    /// The body passed the client's `max_response_size`.
    ResponseTooLarge,
}

impl ErrorKind {
    /// The Python class name this kind becomes.
    #[must_use]
    pub fn class_name(self) -> &'static str {
        match self {
            Self::ConnectError => "ConnectError",
            Self::ConnectTimeout => "ConnectTimeout",
            Self::ReadTimeout => "ReadTimeout",
            Self::WriteTimeout => "WriteTimeout",
            Self::PoolTimeout => "PoolTimeout",
            Self::ReadError => "ReadError",
            Self::WriteError => "WriteError",
            Self::RemoteProtocolError => "RemoteProtocolError",
            Self::LocalProtocolError => "LocalProtocolError",
            Self::ProxyError => "ProxyError",
            Self::UnsupportedProtocol => "UnsupportedProtocol",
            Self::DecodingError => "DecodingError",
            Self::TooManyRedirects => "TooManyRedirects",
            Self::InvalidUrl => "InvalidURL",
            Self::InvalidArgument => "InvalidArgumentError",
            Self::StreamConsumed => "StreamConsumed",
            Self::StreamClosed => "StreamClosed",
            Self::ResponseTooLarge => "ResponseTooLarge",
        }
    }

    /// Failures after which the request may have reached the server.
    #[must_use]
    pub fn is_transport(self) -> bool {
        matches!(
            self,
            Self::ReadError
                | Self::WriteError
                | Self::RemoteProtocolError
                | Self::ReadTimeout
                | Self::WriteTimeout
        )
    }

    /// Failures where the server never saw the request, safe to retry for any method.
    #[must_use]
    pub fn is_connect(self) -> bool {
        matches!(self, Self::ConnectError | Self::ConnectTimeout)
    }
}

/// A failed request: what failed, for which method and URL.
#[derive(Debug, Clone)]
pub struct HttpError {
    pub kind: ErrorKind,
    pub method: String,
    pub url: String,
    pub message: String,
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.url.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{} {}: {}", self.method, self.url, self.message)
        }
    }
}

impl std::error::Error for HttpError {}

impl HttpError {
    pub fn new(
        kind: ErrorKind,
        method: impl Into<String>,
        url: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            kind,
            method: method.into(),
            url: url.into(),
            message: message.into(),
        }
    }

    /// An error that is about an argument rather than a request.
    pub fn argument(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidArgument, "", "", message)
    }
}

/// Where in the exchange a reqwest error happened; decides read vs write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Send,
    ReadBody,
}

/// The causes below reqwest's own message, joined, without repeats.
fn cause_text(err: &reqwest::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut source = err.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    if parts.is_empty() {
        // reqwest's own Display names the URL again; keep only its kind text.
        let text = err.to_string();
        return text.split(" for url (").next().unwrap_or(&text).to_owned();
    }
    parts.join(": ")
}

fn find_io(err: &reqwest::Error) -> Option<std::io::ErrorKind> {
    let mut source = err.source();
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            return Some(io.kind());
        }
        source = s.source();
    }
    None
}

fn find_hyper(err: &reqwest::Error) -> Option<&hyper::Error> {
    let mut source = err.source();
    while let Some(s) = source {
        if let Some(h) = s.downcast_ref::<hyper::Error>() {
            return Some(h);
        }
        source = s.source();
    }
    None
}

/// Map a reqwest error onto a kind and a message that says what failed.
#[must_use]
pub fn classify(err: &reqwest::Error, phase: Phase, method: &str, url: &str) -> HttpError {
    let cause = cause_text(err);
    let lower = cause.to_ascii_lowercase();
    let (kind, what) = if err.is_timeout() {
        if err.is_connect() {
            (ErrorKind::ConnectTimeout, "timed out while connecting")
        } else {
            (ErrorKind::ReadTimeout, "timed out waiting for the server")
        }
    } else if err.is_connect() {
        if lower.contains("proxy") || lower.contains("socks") {
            (ErrorKind::ProxyError, "cannot connect through the proxy")
        } else {
            (ErrorKind::ConnectError, "cannot connect")
        }
    } else if find_io(err) == Some(std::io::ErrorKind::UnexpectedEof) {
        (
            ErrorKind::RemoteProtocolError,
            "server closed the connection before the body was complete",
        )
    } else if matches!(
        find_io(err),
        Some(
            std::io::ErrorKind::ConnectionReset
                | std::io::ErrorKind::ConnectionAborted
                | std::io::ErrorKind::BrokenPipe
        )
    ) && phase == Phase::ReadBody
    {
        (
            ErrorKind::ReadError,
            "connection failed while reading the body",
        )
    } else if err.is_decode() {
        (ErrorKind::DecodingError, "cannot decode the response body")
    } else if err.is_builder() {
        if lower.contains("scheme") {
            (ErrorKind::UnsupportedProtocol, "unsupported URL scheme")
        } else {
            (ErrorKind::LocalProtocolError, "cannot build the request")
        }
    } else if let Some(h) = find_hyper(err).filter(|h| h.is_incomplete_message()) {
        let _ = h;
        match phase {
            Phase::Send => (
                ErrorKind::RemoteProtocolError,
                "server disconnected without sending a response",
            ),
            Phase::ReadBody => (
                ErrorKind::RemoteProtocolError,
                "server closed the connection before the body was complete",
            ),
        }
    } else if find_hyper(err).is_some_and(hyper::Error::is_parse) {
        (
            ErrorKind::RemoteProtocolError,
            "the server sent a malformed response",
        )
    } else if lower.contains("decompress")
        || lower.contains("decoder")
        || lower.contains("gzip")
        || lower.contains("brotli")
    {
        (ErrorKind::DecodingError, "cannot decode the response body")
    } else {
        match (phase, find_io(err)) {
            (Phase::Send, Some(std::io::ErrorKind::BrokenPipe)) => {
                (ErrorKind::WriteError, "cannot send the request")
            }
            (Phase::Send, _) if lower.contains("protocol") || lower.contains("frame") => {
                (ErrorKind::RemoteProtocolError, "HTTP protocol error")
            }
            (Phase::Send, _) => (
                ErrorKind::ReadError,
                "connection failed while waiting for the response",
            ),
            (Phase::ReadBody, _) => (
                ErrorKind::ReadError,
                "connection failed while reading the body",
            ),
        }
    };
    HttpError::new(kind, method, url, format!("{what} ({cause})"))
}
