//! Retries with exponential backoff, jitter and `Retry-After`.

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::Method;

/// When and how often a request is sent again.
///
/// Connection failures (the server never saw the request) are retried for
/// every method. Failures after the request was sent, and responses whose
/// status is in `status_codes`, are retried only for `methods` (the
/// idempotent ones by default), because repeating a POST may repeat its effect.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Extra attempts after the first; 0 turns retries off.
    pub retries: u32,
    /// First delay; attempt `n` waits `backoff_factor * 2^n`.
    pub backoff_factor: Duration,
    /// No single wait is longer than this (also caps `Retry-After`).
    pub max_backoff: Duration,
    /// Fraction of the delay added at random (0.0 to 1.0), so that many
    /// clients do not retry in lockstep.
    pub jitter: f64,
    pub status_codes: Vec<u16>,
    pub methods: Vec<Method>,
    pub respect_retry_after: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            retries: 0,
            backoff_factor: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            jitter: 0.1,
            status_codes: vec![429, 502, 503, 504],
            methods: ["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"]
                .iter()
                .filter_map(|m| Method::from_bytes(m.as_bytes()).ok())
                .collect(),
            respect_retry_after: true,
        }
    }
}

impl RetryPolicy {
    #[must_use]
    pub fn allows_method(&self, method: &Method) -> bool {
        self.methods.iter().any(|m| m == method)
    }

    #[must_use]
    pub fn retries_status(&self, status: u16) -> bool {
        self.status_codes.contains(&status)
    }

    /// The wait before retry number `attempt` (0-based), jitter included.
    #[must_use]
    pub fn backoff(&self, attempt: u32) -> Duration {
        let base = self.backoff_factor.as_secs_f64()
            * 2f64.powi(i32::try_from(attempt.min(30)).unwrap_or(30));
        let jittered = base * (1.0 + self.jitter.clamp(0.0, 1.0) * fastrand::f64());
        Duration::from_secs_f64(jittered.min(self.max_backoff.as_secs_f64()))
    }

    /// The wait before the next attempt after a response with `headers`.
    #[must_use]
    pub fn delay_after_response(&self, attempt: u32, headers: &HeaderMap) -> Duration {
        if self.respect_retry_after {
            if let Some(wait) = headers
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(parse_retry_after)
            {
                return wait.min(self.max_backoff);
            }
        }
        self.backoff(attempt)
    }
}

/// `Retry-After` is either delay-seconds or an HTTP date (RFC 9110 10.2.3).
#[must_use]
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_seconds_and_dates() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after(" 0 "), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon"), None);
        let past = httpdate::fmt_http_date(SystemTime::now() - Duration::from_secs(60));
        assert_eq!(parse_retry_after(&past), Some(Duration::ZERO));
        let future = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(120));
        let wait = parse_retry_after(&future).expect("a date parses");
        assert!(
            wait > Duration::from_secs(100) && wait <= Duration::from_secs(120),
            "{wait:?}"
        );
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy {
            backoff_factor: Duration::from_millis(100),
            max_backoff: Duration::from_secs(1),
            jitter: 0.0,
            ..RetryPolicy::default()
        };
        assert_eq!(p.backoff(0), Duration::from_millis(100));
        assert_eq!(p.backoff(1), Duration::from_millis(200));
        assert_eq!(p.backoff(3), Duration::from_millis(800));
        assert_eq!(p.backoff(10), Duration::from_secs(1));
        let j = RetryPolicy { jitter: 0.5, ..p };
        for _ in 0..50 {
            let d = j.backoff(1);
            assert!(
                d >= Duration::from_millis(200) && d <= Duration::from_millis(300),
                "{d:?}"
            );
        }
    }

    #[test]
    fn methods_and_statuses() {
        let p = RetryPolicy::default();
        assert!(p.allows_method(&Method::GET));
        assert!(!p.allows_method(&Method::POST));
        assert!(p.retries_status(503));
        assert!(!p.retries_status(500));
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, "2".parse().expect("valid header"));
        assert_eq!(p.delay_after_response(0, &h), Duration::from_secs(2));
        h.insert(RETRY_AFTER, "3600".parse().expect("valid header"));
        assert_eq!(p.delay_after_response(0, &h), Duration::from_secs(30));
    }
}
