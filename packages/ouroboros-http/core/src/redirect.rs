//! The redirect rules (httpx's, which follow browsers and RFC 9110 15.4).

use reqwest::header::{
    HeaderMap, AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, COOKIE, LOCATION, TRANSFER_ENCODING,
};
use reqwest::{Method, StatusCode, Url};

use crate::error::{ErrorKind, HttpError};

/// Whether `status` is a redirect that carries a `Location` to follow.
#[must_use]
pub fn is_redirect(status: StatusCode, headers: &HeaderMap) -> bool {
    matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308) && headers.contains_key(LOCATION)
}

/// The next URL, resolved against the current one.
pub fn next_url(current: &Url, headers: &HeaderMap, method: &Method) -> Result<Url, HttpError> {
    let fail = |kind, msg: String| HttpError::new(kind, method.as_str(), current.as_str(), msg);
    let raw = headers.get(LOCATION).ok_or_else(|| {
        fail(
            ErrorKind::RemoteProtocolError,
            "redirect without a Location header".into(),
        )
    })?;
    let text = raw.to_str().map_err(|_| {
        fail(
            ErrorKind::RemoteProtocolError,
            "redirect Location is not valid text".into(),
        )
    })?;
    let mut next = current.join(text).map_err(|e| {
        fail(
            ErrorKind::RemoteProtocolError,
            format!("invalid redirect Location {text:?}: {e}"),
        )
    })?;
    if !matches!(next.scheme(), "http" | "https") {
        return Err(fail(
            ErrorKind::UnsupportedProtocol,
            format!(
                "redirect to {next} uses the unsupported scheme {:?}",
                next.scheme()
            ),
        ));
    }
    // A fragment on the original URL carries over when the Location has none.
    if next.fragment().is_none() {
        next.set_fragment(current.fragment());
    }
    Ok(next)
}

/// The method of the next hop.
#[must_use]
pub fn next_method(status: StatusCode, method: &Method) -> Method {
    match status.as_u16() {
        302 | 303 if *method != Method::HEAD => Method::GET,
        301 if *method == Method::POST => Method::GET,
        _ => method.clone(),
    }
}

fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

/// Adjust the headers for the next hop: drop the body headers when the body
/// is dropped, and credentials when the origin changes.
pub fn next_headers(headers: &mut HeaderMap, from: &Url, to: &Url, body_dropped: bool) {
    if body_dropped {
        headers.remove(CONTENT_TYPE);
        headers.remove(CONTENT_LENGTH);
        headers.remove(TRANSFER_ENCODING);
    }
    if !same_origin(from, to) {
        headers.remove(AUTHORIZATION);
        headers.remove(COOKIE);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).expect("test URL")
    }

    #[test]
    fn methods_follow_browser_rules() {
        let s = |c| StatusCode::from_u16(c).expect("status");
        assert_eq!(next_method(s(303), &Method::POST), Method::GET);
        assert_eq!(next_method(s(303), &Method::HEAD), Method::HEAD);
        assert_eq!(next_method(s(302), &Method::PUT), Method::GET);
        assert_eq!(next_method(s(301), &Method::POST), Method::GET);
        assert_eq!(next_method(s(301), &Method::PUT), Method::PUT);
        assert_eq!(next_method(s(307), &Method::POST), Method::POST);
        assert_eq!(next_method(s(308), &Method::DELETE), Method::DELETE);
    }

    #[test]
    fn locations_resolve_and_schemes_are_checked() {
        let mut h = HeaderMap::new();
        h.insert(LOCATION, "../b?x=1".parse().expect("header"));
        let next = next_url(&url("http://h/a/c#frag"), &h, &Method::GET).expect("resolves");
        assert_eq!(next.as_str(), "http://h/b?x=1#frag");
        h.insert(LOCATION, "ftp://h/file".parse().expect("header"));
        let err = next_url(&url("http://h/"), &h, &Method::GET).expect_err("ftp is refused");
        assert_eq!(err.kind, ErrorKind::UnsupportedProtocol);
        assert!(
            err.to_string()
                .starts_with("GET http://h/: redirect to ftp://h/file"),
            "{err}"
        );
    }

    #[test]
    fn credentials_do_not_cross_origins() {
        let mut h = HeaderMap::new();
        h.insert(AUTHORIZATION, "Bearer t".parse().expect("header"));
        h.insert(CONTENT_TYPE, "application/json".parse().expect("header"));
        next_headers(&mut h, &url("http://a:80/"), &url("http://a/x"), false);
        assert!(h.contains_key(AUTHORIZATION));
        next_headers(&mut h, &url("https://a/"), &url("http://a/"), true);
        assert!(!h.contains_key(AUTHORIZATION));
        assert!(!h.contains_key(CONTENT_TYPE));
    }
}
