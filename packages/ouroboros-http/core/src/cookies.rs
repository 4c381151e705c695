//! The cookie jar: RFC 6265 matching from `cookie_store`, listable and
//! editable from Python (reqwest's own jar can only be written to).

use std::sync::{Mutex, MutexGuard, PoisonError};

use reqwest::header::HeaderValue;
use reqwest::Url;

/// A cookie as the jar lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CookieInfo {
    pub name: String,
    pub value: String,
    /// Empty for cookies set by hand without a domain: those go to every host.
    pub domain: String,
    pub path: String,
}

/// Thread-safe cookie storage shared by the client and reqwest's connector.
#[derive(Debug, Default)]
pub struct CookieJar {
    store: Mutex<cookie_store::CookieStore>,
    /// Cookies set without a domain, sent to every host (httpx's `Cookies.set(name, value)`).
    anywhere: Mutex<Vec<(String, String)>>,
    /// Most cookies kept from servers (`None`: no limit).
    max_cookies: Option<usize>,
    /// Longest `Set-Cookie` header stored, in bytes (`None`: no limit).
    max_cookie_size: Option<usize>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl CookieJar {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// A jar that keeps at most `max_cookies` cookies from servers and ignores
    /// `Set-Cookie` headers longer than `max_cookie_size` bytes.
    #[must_use]
    pub fn with_limits(max_cookies: Option<usize>, max_cookie_size: Option<usize>) -> Self {
        Self {
            max_cookies,
            max_cookie_size,
            ..Self::default()
        }
    }

    /// Store a cookie. With an empty `domain` it is sent to every host.
    pub fn set(&self, name: &str, value: &str, domain: &str, path: &str) -> Result<(), String> {
        if name.is_empty() || name.contains(['=', ';', ' ']) {
            return Err(format!("invalid cookie name {name:?}"));
        }
        if value.contains([';', '\r', '\n']) {
            return Err(format!("invalid cookie value for {name:?}"));
        }
        if domain.is_empty() {
            let mut any = lock(&self.anywhere);
            any.retain(|(n, _)| n != name);
            any.push((name.to_owned(), value.to_owned()));
            return Ok(());
        }
        let host = domain.trim_start_matches('.');
        let url = Url::parse(&format!("http://{host}{path}"))
            .map_err(|e| format!("invalid cookie domain {domain:?}: {e}"))?;
        let text = format!("{name}={value}; Path={path}");
        lock(&self.store)
            .parse(&text, &url)
            .map_err(|e| format!("cookie {name:?} rejected: {e}"))?;
        Ok(())
    }

    /// Every unexpired cookie.
    #[must_use]
    pub fn list(&self) -> Vec<CookieInfo> {
        let mut out: Vec<CookieInfo> = lock(&self.anywhere)
            .iter()
            .map(|(n, v)| CookieInfo {
                name: n.clone(),
                value: v.clone(),
                domain: String::new(),
                path: "/".into(),
            })
            .collect();
        for c in lock(&self.store).iter_unexpired() {
            out.push(CookieInfo {
                name: c.name().to_owned(),
                value: c.value().to_owned(),
                domain: c
                    .domain
                    .as_cow()
                    .map(std::borrow::Cow::into_owned)
                    .unwrap_or_default(),
                path: c.path.to_string(),
            });
        }
        out
    }

    /// Remove cookies called `name` (only in `domain` when it is given);
    /// returns how many were removed.
    pub fn delete(&self, name: &str, domain: Option<&str>) -> usize {
        let mut removed = 0;
        if domain.is_none_or(str::is_empty) {
            let mut any = lock(&self.anywhere);
            let before = any.len();
            any.retain(|(n, _)| n != name);
            removed += before - any.len();
        }
        let mut store = lock(&self.store);
        let doomed: Vec<(String, String)> = store
            .iter_any()
            .filter(|c| c.name() == name)
            .filter_map(|c| {
                let d = c.domain.as_cow()?.into_owned();
                domain
                    .is_none_or(|want| want.is_empty() || want.trim_start_matches('.') == d)
                    .then(|| (d, c.path.to_string()))
            })
            .collect();
        for (d, p) in doomed {
            if store.remove(&d, &p, name).is_some() {
                removed += 1;
            }
        }
        removed
    }

    pub fn clear(&self) {
        lock(&self.store).clear();
        lock(&self.anywhere).clear();
    }

    /// The `Cookie` header value for a request to `url`, if any cookie applies.
    #[must_use]
    pub fn header_for(&self, url: &Url) -> Option<String> {
        let mut pairs: Vec<String> = lock(&self.anywhere)
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect();
        pairs.extend(
            lock(&self.store)
                .get_request_values(url)
                .map(|(n, v)| format!("{n}={v}")),
        );
        (!pairs.is_empty()).then(|| pairs.join("; "))
    }
}

impl CookieJar {
    /// Keep the cookies of a response's `Set-Cookie` values, received from
    /// `url`, by RFC 6265's rules (domain, path, expiry: an expired cookie
    /// removes the one it names) and within the jar's limits.
    pub fn store_response<'a>(&self, values: impl Iterator<Item = &'a str>, url: &Url) {
        let max_size = self.max_cookie_size.unwrap_or(usize::MAX);
        let parsed: Vec<_> = values
            .filter(|v| v.len() <= max_size)
            .filter_map(|s| cookie_store::RawCookie::parse(s.to_owned()).ok())
            .collect();
        let mut store = lock(&self.store);
        let Some(max) = self.max_cookies else {
            store.store_response_cookies(parsed.into_iter(), url);
            return;
        };
        for cookie in parsed {
            let known = store.iter_any().any(|c| c.name() == cookie.name());
            if known || store.iter_any().count() < max {
                store.store_response_cookies(std::iter::once(cookie), url);
            }
        }
    }
}

impl reqwest::cookie::CookieStore for CookieJar {
    fn set_cookies(&self, headers: &mut dyn Iterator<Item = &HeaderValue>, url: &Url) {
        self.store_response(headers.filter_map(|v| v.to_str().ok()), url);
    }

    fn cookies(&self, url: &Url) -> Option<HeaderValue> {
        self.header_for(url)
            .and_then(|s| HeaderValue::from_str(&s).ok())
    }
}

#[cfg(test)]
mod tests {
    use reqwest::cookie::CookieStore as _;

    use super::*;

    #[test]
    fn limits_drop_long_and_extra_cookies() {
        let jar = CookieJar::with_limits(Some(2), Some(64));
        let url = Url::parse("http://example.com/").unwrap();
        let long = HeaderValue::from_str(&format!("big={}", "x".repeat(100))).unwrap();
        let values = [
            long,
            HeaderValue::from_static("a=1"),
            HeaderValue::from_static("b=2"),
            HeaderValue::from_static("c=3"),
        ];
        jar.set_cookies(&mut values.iter(), &url);
        let names: Vec<String> = jar.list().into_iter().map(|c| c.name).collect();
        assert_eq!(names.len(), 2);
        assert!(!names.contains(&"big".to_owned()) && !names.contains(&"c".to_owned()));
        // A cookie already kept can still be updated at the cap.
        jar.set_cookies(&mut [HeaderValue::from_static("a=9")].iter(), &url);
        let mut sent: Vec<String> = jar
            .header_for(&url)
            .unwrap()
            .split("; ")
            .map(str::to_owned)
            .collect();
        sent.sort();
        assert_eq!(sent, ["a=9", "b=2"]);
    }

    #[test]
    fn server_cookies_are_stored_and_matched() {
        let jar = CookieJar::new();
        let url = Url::parse("http://example.test/app/login").expect("url");
        let set = [
            HeaderValue::from_static("sid=abc; Path=/app"),
            HeaderValue::from_static("theme=dark"),
        ];
        jar.set_cookies(&mut set.iter(), &url);
        let other = Url::parse("http://example.test/other").expect("url");
        let header = jar
            .header_for(&Url::parse("http://example.test/app/x").expect("url"))
            .expect("cookies apply");
        assert!(
            header.contains("sid=abc") && header.contains("theme=dark"),
            "{header}"
        );
        assert!(jar.header_for(&other).is_none_or(|h| !h.contains("sid=")));
        assert!(jar
            .header_for(&Url::parse("http://elsewhere.test/app/").expect("url"))
            .is_none());
        assert_eq!(jar.list().len(), 2);
        assert_eq!(jar.delete("sid", None), 1);
        assert_eq!(jar.list().len(), 1);
    }

    #[test]
    fn hand_set_cookies() {
        let jar = CookieJar::new();
        jar.set("a", "1", "", "/").expect("set");
        jar.set("b", "2", "api.test", "/").expect("set");
        assert!(jar.set("bad name", "x", "", "/").is_err());
        assert_eq!(
            jar.header_for(&Url::parse("http://x.test/").expect("url"))
                .as_deref(),
            Some("a=1")
        );
        assert_eq!(
            jar.header_for(&Url::parse("http://api.test/v").expect("url"))
                .as_deref(),
            Some("a=1; b=2")
        );
        jar.clear();
        assert!(jar.list().is_empty());
    }
}
