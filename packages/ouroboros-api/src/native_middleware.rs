//! CORS, GZip, timing and trusted-host middleware, run in Rust around every
//! request (including 404/405/422 answers and CORS preflights, which never
//! reach Python).

use std::io::Write;
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Body as _;
use hyper::header::{
    HeaderMap, HeaderName, HeaderValue, ACCEPT_ENCODING, ACCESS_CONTROL_ALLOW_CREDENTIALS,
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE, ACCESS_CONTROL_REQUEST_METHOD,
    CONTENT_ENCODING, CONTENT_LENGTH, HOST, ORIGIN, VARY,
};
use hyper::{Method, Response, StatusCode};

use crate::server::{full, Body};

#[derive(Debug, Clone, Default)]
pub struct Cors {
    pub allow_origins: Vec<String>,
    pub allow_methods: Vec<String>,
    pub allow_headers: Vec<String>,
    pub allow_credentials: bool,
    pub expose_headers: Vec<String>,
    pub max_age: u32,
}

#[derive(Debug, Clone, Default)]
pub struct NativeMiddleware {
    pub cors: Option<Cors>,
    /// Compress bodies of at least this many bytes.
    pub gzip_min_size: Option<usize>,
    pub gzip_level: u32,
    /// Header that reports the seconds spent (`x-process-time`).
    pub timing_header: Option<HeaderName>,
    pub trusted_hosts: Option<Vec<String>>,
}

impl NativeMiddleware {
    pub fn is_empty(&self) -> bool {
        self.cors.is_none()
            && self.gzip_min_size.is_none()
            && self.timing_header.is_none()
            && self.trusted_hosts.is_none()
    }
}

fn host_allowed(patterns: &[String], host: &str) -> bool {
    let host = host.split(':').next().unwrap_or("");
    patterns.iter().any(|p| {
        p == "*"
            || p == host
            || p.strip_prefix("*.")
                .is_some_and(|suffix| host.ends_with(&format!(".{suffix}")))
    })
}

impl Cors {
    fn allows(&self, origin: &str) -> bool {
        self.allow_origins.iter().any(|o| o == "*" || o == origin)
    }

    fn allow_origin_value(&self, origin: &str) -> String {
        if self.allow_origins.iter().any(|o| o == "*") && !self.allow_credentials {
            "*".to_owned()
        } else {
            origin.to_owned()
        }
    }

    /// Answer a preflight request, or `None` when it is not one.
    fn preflight(&self, method: &Method, headers: &HeaderMap) -> Option<Response<Body>> {
        if method != Method::OPTIONS || !headers.contains_key(ACCESS_CONTROL_REQUEST_METHOD) {
            return None;
        }
        let origin = headers.get(ORIGIN)?.to_str().ok()?;
        let requested = headers
            .get(ACCESS_CONTROL_REQUEST_METHOD)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let method_ok = self
            .allow_methods
            .iter()
            .any(|m| m == "*" || m.eq_ignore_ascii_case(requested));
        if !self.allows(origin) || !method_ok {
            return Some(full(
                StatusCode::BAD_REQUEST,
                "text/plain; charset=utf-8",
                "Disallowed CORS request",
            ));
        }
        let mut r = full(StatusCode::OK, "text/plain; charset=utf-8", "OK");
        let h = r.headers_mut();
        insert(
            h,
            ACCESS_CONTROL_ALLOW_ORIGIN,
            &self.allow_origin_value(origin),
        );
        insert(
            h,
            ACCESS_CONTROL_ALLOW_METHODS,
            &self.allow_methods.join(", "),
        );
        let allow_headers = if self.allow_headers.iter().any(|x| x == "*") {
            headers
                .get(hyper::header::ACCESS_CONTROL_REQUEST_HEADERS)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned()
        } else {
            self.allow_headers.join(", ")
        };
        if !allow_headers.is_empty() {
            insert(h, ACCESS_CONTROL_ALLOW_HEADERS, &allow_headers);
        }
        insert(h, ACCESS_CONTROL_MAX_AGE, &self.max_age.to_string());
        if self.allow_credentials {
            insert(h, ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
        }
        insert(h, VARY, "Origin");
        Some(r)
    }

    fn decorate(&self, origin: &str, h: &mut HeaderMap) {
        if !self.allows(origin) {
            return;
        }
        let value = self.allow_origin_value(origin);
        if value != "*" {
            h.append(VARY, HeaderValue::from_static("Origin"));
        }
        insert(h, ACCESS_CONTROL_ALLOW_ORIGIN, &value);
        if self.allow_credentials {
            insert(h, ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
        }
        if !self.expose_headers.is_empty() {
            insert(
                h,
                ACCESS_CONTROL_EXPOSE_HEADERS,
                &self.expose_headers.join(", "),
            );
        }
    }
}

fn insert(h: &mut HeaderMap, name: HeaderName, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        h.insert(name, v);
    }
}

/// What a request carries that the middleware needs after the handler ran.
pub struct Before {
    started: Instant,
    origin: Option<String>,
    accepts_gzip: bool,
}

impl NativeMiddleware {
    /// Checks before routing: an early response (bad host, preflight) or the
    /// state `after` needs.
    pub fn before(&self, method: &Method, headers: &HeaderMap) -> Result<Before, Response<Body>> {
        if let Some(hosts) = &self.trusted_hosts {
            let host = headers
                .get(HOST)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !host_allowed(hosts, host) {
                return Err(full(
                    StatusCode::BAD_REQUEST,
                    "text/plain; charset=utf-8",
                    "Invalid host header",
                ));
            }
        }
        if let Some(cors) = &self.cors {
            if let Some(r) = cors.preflight(method, headers) {
                return Err(r);
            }
        }
        Ok(Before {
            started: Instant::now(),
            origin: headers
                .get(ORIGIN)
                .and_then(|v| v.to_str().ok())
                .map(ToOwned::to_owned),
            accepts_gzip: headers
                .get(ACCEPT_ENCODING)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("gzip")),
        })
    }

    /// Decorate (and maybe compress) the response.
    pub async fn after(&self, before: Before, response: Response<Body>) -> Response<Body> {
        let mut response = response;
        if let (Some(cors), Some(origin)) = (&self.cors, &before.origin) {
            cors.decorate(origin, response.headers_mut());
        }
        if let Some(min) = self.gzip_min_size {
            if before.accepts_gzip {
                response = self.gzip(response, min).await;
            }
        }
        if let Some(name) = &self.timing_header {
            let secs = format!("{:.6}", before.started.elapsed().as_secs_f64());
            insert(response.headers_mut(), name.clone(), &secs);
        }
        response
    }

    async fn gzip(&self, response: Response<Body>, min: usize) -> Response<Body> {
        let exact = response.body().size_hint().exact();
        let small = exact.is_none_or(|n| n < min as u64);
        if small || response.headers().contains_key(CONTENT_ENCODING) {
            return response;
        }
        let (mut parts, body) = response.into_parts();
        // A body with an exact size is a complete one: collecting it does not wait.
        let Ok(collected) = body.collect().await;
        let data = collected.to_bytes();
        let mut encoder = flate2::write::GzEncoder::new(
            Vec::with_capacity(data.len() / 2),
            flate2::Compression::new(self.gzip_level),
        );
        let compressed = encoder.write_all(&data).and_then(|()| encoder.finish());
        let body = match compressed {
            Ok(c) => {
                parts
                    .headers
                    .insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
                parts
                    .headers
                    .append(VARY, HeaderValue::from_static("Accept-Encoding"));
                parts.headers.remove(CONTENT_LENGTH);
                Bytes::from(c)
            }
            Err(_) => data,
        };
        Response::from_parts(parts, Full::new(body).boxed())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_patterns() {
        let p = vec!["api.example.com".to_owned(), "*.example.org".to_owned()];
        assert!(host_allowed(&p, "api.example.com:8000"));
        assert!(host_allowed(&p, "a.example.org"));
        assert!(!host_allowed(&p, "example.org"));
        assert!(!host_allowed(&p, "evil.com"));
    }

    #[test]
    fn preflight_answers_allowed_origins_only() {
        let cors = Cors {
            allow_origins: vec!["http://a".into()],
            allow_methods: vec!["GET".into(), "POST".into()],
            allow_headers: vec!["authorization".into()],
            max_age: 60,
            ..Cors::default()
        };
        let mut h = HeaderMap::new();
        h.insert(ORIGIN, HeaderValue::from_static("http://a"));
        h.insert(
            ACCESS_CONTROL_REQUEST_METHOD,
            HeaderValue::from_static("POST"),
        );
        let r = cors.preflight(&Method::OPTIONS, &h).unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()[ACCESS_CONTROL_ALLOW_ORIGIN], "http://a");
        assert_eq!(r.headers()[ACCESS_CONTROL_ALLOW_METHODS], "GET, POST");
        h.insert(ORIGIN, HeaderValue::from_static("http://b"));
        assert_eq!(
            cors.preflight(&Method::OPTIONS, &h).unwrap().status(),
            StatusCode::BAD_REQUEST
        );
        assert!(cors.preflight(&Method::GET, &h).is_none());
    }
}
