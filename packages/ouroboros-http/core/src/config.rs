//! Client settings, validated once when the client is built.

use std::time::Duration;

use crate::retry::RetryPolicy;

/// Time bounds per phase of an exchange. `None` means no bound.
///
/// `connect` bounds the TCP+TLS handshake, `read` each wait for data from the
/// server, `pool` the wait for a free connection slot when `max_connections`
/// is set, and `total` the whole exchange (redirects and retries included).
/// `write` bounds each wait while sending a request body larger than 64 KB
/// (smaller ones fit in the socket buffer; see `write_watch`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Timeouts {
    pub connect: Option<Duration>,
    pub read: Option<Duration>,
    pub write: Option<Duration>,
    pub pool: Option<Duration>,
    pub total: Option<Duration>,
}

/// Connection-pool limits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Requests in flight at once; further ones wait up to `Timeouts::pool`.
    pub max_connections: Option<usize>,
    /// Idle connections kept per host.
    pub max_keepalive_connections: Option<usize>,
    /// How long an idle connection is kept.
    pub keepalive_expiry: Option<Duration>,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_connections: Some(100),
            max_keepalive_connections: Some(20),
            keepalive_expiry: Some(Duration::from_secs(5)),
        }
    }
}

/// Everything needed to build an [`crate::Engine`].
#[derive(Debug, Clone)]
#[allow(clippy::struct_excessive_bools)] // independent switches, as in httpx
pub struct ClientConfig {
    pub timeouts: Timeouts,
    pub limits: Limits,
    /// Offer HTTP/2 through ALPN on TLS connections.
    pub http2: bool,
    /// Speak HTTP/2 from the first byte, also on plain TCP (h2c).
    pub http2_prior_knowledge: bool,
    /// Check server certificates (on by default).
    pub verify: bool,
    /// Extra trusted CA certificates, PEM (one or more).
    pub ca_pem: Option<Vec<u8>>,
    /// Whether the bundled Mozilla roots are trusted as well as `ca_pem`.
    pub builtin_roots: bool,
    /// Client certificate and private key, PEM, for mutual TLS.
    pub client_identity_pem: Option<Vec<u8>>,
    /// A proxy URL for every request (http://, https://, socks5://).
    pub proxy: Option<String>,
    /// Read `HTTP_PROXY`/`HTTPS_PROXY`/`NO_PROXY` from the environment.
    pub trust_env: bool,
    pub follow_redirects: bool,
    pub max_redirects: usize,
    /// Decode gzip, deflate, brotli and zstd bodies.
    pub decompress: bool,
    /// Keep cookies that servers set and send them back.
    pub cookies: bool,
    pub user_agent: String,
    pub retry: RetryPolicy,
    /// Most bytes of one response body, as handed to the caller (after
    /// decompression, so a small compressed body that inflates past it stops
    /// there). `None`: no limit, as httpx.
    pub max_body_size: Option<u64>,
    /// Most cookies the jar keeps; cookies beyond it are not stored.
    pub max_cookies: Option<usize>,
    /// Longest `Set-Cookie` value stored, in bytes; longer ones are ignored.
    pub max_cookie_size: Option<usize>,
}

impl Default for ClientConfig {
    fn default() -> Self {
        let five = Some(Duration::from_secs(5));
        Self {
            timeouts: Timeouts {
                connect: five,
                read: five,
                write: five,
                pool: five,
                total: None,
            },
            limits: Limits::default(),
            http2: false,
            http2_prior_knowledge: false,
            verify: true,
            ca_pem: None,
            builtin_roots: true,
            client_identity_pem: None,
            proxy: None,
            trust_env: true,
            follow_redirects: false,
            max_redirects: 20,
            decompress: true,
            cookies: true,
            user_agent: concat!("ouroboros-http/", env!("CARGO_PKG_VERSION")).to_owned(),
            retry: RetryPolicy::default(),
            max_body_size: None,
            max_cookies: None,
            max_cookie_size: None,
        }
    }
}
