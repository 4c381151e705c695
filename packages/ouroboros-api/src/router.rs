//! The route table: one radix tree (matchit) per method, and per route the
//! parameter plan compiled once at startup.

use std::borrow::Cow;
use std::collections::HashMap;

use bytes::Bytes;
use hyper::header::{HeaderMap, CONTENT_TYPE};
use hyper::Method;
use serde_json::{json, Value};

use crate::multipart;
use crate::params::{self, ArgValue, FieldError, ParamSpec, Source};

/// What a route needs from a request, in the order Python receives it.
// Named flags read once per request; a bit set would only hide the names.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Clone, Default)]
pub struct RoutePlan {
    pub params: Vec<ParamSpec>,
    /// Whether the body must be read at all (any body/form parameter).
    pub reads_body: bool,
    /// Whether any parameter is a form field or file (a multipart body is
    /// then parsed while it arrives).
    pub reads_form: bool,
    /// Whether Python wants the request object (headers, raw body...).
    pub wants_request: bool,
    /// The route's own body limit (`max_body_size=` on the route, its
    /// routers or the app); `None` keeps the server's.
    pub max_body_size: Option<usize>,
    /// The route has dependencies: when parameters are refused, Python still
    /// calls the dependencies whose own parameters are valid, in FastAPI's
    /// order (one may answer first, e.g. a 400 of a header check), before
    /// the 422.
    pub deps_first: bool,
    /// FastAPI's `strict_content_type=False`: a body without a Content-Type
    /// is read as JSON (by default it is not).
    pub lax_content_type: bool,
    /// `form_limits=` (route, routers, app, key by key over Starlette's defaults).
    pub form_limits: multipart::FormLimits,
    /// The index of the route's one body parameter when it is a model read
    /// from raw JSON (no other body, form or file parameter): a small body
    /// for it may wait in hyper's channel (`queue::PendingBody`).
    pub json_body_arg: Option<usize>,
}

/// The error kind that stands for a form over its `form_limits`: answered
/// 400 with the message as `detail`, as Starlette's parser does.
pub const FORM_LIMIT: &str = "form_limit";

/// The 400 answer's body when `errors` is a `form_limits` refusal.
pub fn form_limit_refusal(errors: &[FieldError]) -> Option<Vec<u8>> {
    let first = errors.first().filter(|e| e.kind == FORM_LIMIT)?;
    Some(json!({ "detail": first.msg }).to_string().into_bytes())
}

pub fn form_error(e: multipart::FormError) -> Vec<FieldError> {
    match e {
        multipart::FormError::Limit(msg) => vec![FieldError {
            kind: FORM_LIMIT.into(),
            loc: vec![json!("body")],
            msg,
            input: Value::Null,
            ctx: None,
        }],
        // Only a streamed body fails these ways (the server answers them).
        multipart::FormError::Body(e) => form_error(multipart::FormError::Invalid(e.to_string())),
        multipart::FormError::Storage(e) => form_error(multipart::FormError::Invalid(e)),
        multipart::FormError::Invalid(e) => vec![FieldError {
            kind: "multipart_invalid".into(),
            loc: vec![json!("body")],
            msg: "Invalid multipart body".into(),
            input: Value::Null,
            ctx: Some(vec![("error".into(), json!(e))]),
        }],
    }
}

/// The result of looking up a method and path.
pub enum Lookup<'t, 'p> {
    Found {
        route: usize,
        params: matchit::Params<'t, 'p>,
    },
    /// The path exists for other methods; the value is the `Allow` header.
    MethodNotAllowed(String),
    /// The path exists with (or without) a trailing slash: redirect there.
    Redirect(String),
    NotFound,
}

/// All routes of an app.
#[derive(Default)]
pub struct RouteTable {
    /// Looked up once per request: Fx hashing (a method hashes as a small
    /// tag) instead of SipHash.
    by_method: HashMap<Method, matchit::Router<usize>, rustc_hash::FxBuildHasher>,
    /// The methods of the first route at each path template, for 405's
    /// `Allow` (Starlette answers 405 from the first route whose path
    /// matches, with that route's methods).
    methods_of: matchit::Router<Vec<Method>>,
    templates: HashMap<String, usize>,
    /// Per template: the first route registered there, and its methods.
    method_lists: Vec<(usize, Vec<Method>)>,
    /// `App(redirect_slashes=False)`: a path that only matches with (or
    /// without) its trailing slash is 404, not a 307 to the other form.
    pub no_slash_redirects: bool,
}

/// Translate FastAPI's `{name:path}` (and `{name:int}`-style converters) into
/// matchit syntax.
pub fn to_matchit(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let inner = &rest[open + 1..open + close];
        match inner.split_once(':') {
            Some((name, "path")) => {
                out.push_str("{*");
                out.push_str(name);
                out.push('}');
            }
            Some((name, _)) => {
                out.push('{');
                out.push_str(name);
                out.push('}');
            }
            None => {
                out.push('{');
                out.push_str(inner);
                out.push('}');
            }
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

impl RouteTable {
    /// Register route number `route` for `method` at `path` (FastAPI syntax).
    pub fn insert(&mut self, method: &Method, path: &str, route: usize) -> Result<(), String> {
        let template = to_matchit(path);
        if method == Method::HEAD {
            // Replace the HEAD route a GET registered implicitly.
            if let Some(r) = self.by_method.get_mut(&Method::HEAD) {
                r.remove(template.clone());
            }
        }
        self.by_method
            .entry(method.clone())
            .or_default()
            .insert(template.clone(), route)
            .map_err(|e| format!("cannot add route {method} {path}: {e}"))?;
        if method == Method::GET
            && self
                .by_method
                .get(&Method::HEAD)
                .is_none_or(|r| r.at(&template).is_err())
        {
            // Starlette answers HEAD on every GET route; an explicit HEAD
            // route registered later wins because it is inserted first there.
            let _ = self
                .by_method
                .entry(Method::HEAD)
                .or_default()
                .insert(template.clone(), route);
        }
        if method == *crate::websocket::WEBSOCKET {
            // Plain HTTP requests to a WebSocket path are 404, not 405.
            return Ok(());
        }
        let idx = if let Some(i) = self.templates.get(&template) {
            *i
        } else {
            let i = self.method_lists.len();
            self.method_lists.push((route, Vec::new()));
            self.templates.insert(template.clone(), i);
            self.methods_of
                .insert(template, Vec::new())
                .map_err(|e| format!("cannot add route {method} {path}: {e}"))?;
            i
        };
        let (first, list) = &mut self.method_lists[idx];
        if *first == route && !list.contains(method) {
            list.push(method.clone());
        }
        Ok(())
    }

    /// Copy the method lists into the tree once every route is in.
    pub fn finish(&mut self) {
        for (template, idx) in &self.templates {
            if let Ok(m) = self.methods_of.at_mut(template) {
                m.value.clone_from(&self.method_lists[*idx].1);
            }
        }
    }

    pub fn lookup<'t, 'p>(&'t self, method: &Method, path: &'p str) -> Lookup<'t, 'p> {
        if let Some(router) = self.by_method.get(method) {
            if let Ok(m) = router.at(path) {
                return Lookup::Found {
                    route: *m.value,
                    params: m.params,
                };
            }
        }
        if let Ok(m) = self.methods_of.at(path) {
            // The route's declared methods, as FastAPI lists them (the HEAD
            // a GET route also answers here is not among them).
            let allow: Vec<&str> = m.value.iter().map(Method::as_str).collect();
            return Lookup::MethodNotAllowed(allow.join(", "));
        }
        if self.no_slash_redirects {
            return Lookup::NotFound;
        }
        let alternative = match path.strip_suffix('/') {
            Some(stripped) if !stripped.is_empty() => stripped.to_owned(),
            Some(_) => return Lookup::NotFound,
            None => format!("{path}/"),
        };
        if let Some(router) = self.by_method.get(method) {
            if router.at(&alternative).is_ok() {
                return Lookup::Redirect(alternative);
            }
        }
        Lookup::NotFound
    }
}

/// How a body failed to parse, before any parameter is looked at.
fn json_invalid(err: &serde_json::Error) -> FieldError {
    FieldError {
        kind: "json_invalid".into(),
        loc: vec![json!("body"), json!(err.column())],
        msg: "JSON decode error".into(),
        input: json!({}),
        ctx: Some(vec![("error".into(), json!(err.to_string()))]),
    }
}

fn is_urlencoded(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|ct| ct.split(';').next())
        .is_some_and(|ct| {
            ct.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

pub fn is_json(headers: &HeaderMap, lax: bool) -> bool {
    let value = headers.get(CONTENT_TYPE);
    // The usual header, compared whole before any parsing.
    if value.is_some_and(|v| v.as_bytes() == b"application/json") {
        return true;
    }
    match value.and_then(|v| v.to_str().ok()) {
        None => lax,
        Some(ct) => {
            // Compared without case and without a lowercased copy.
            let ct = ct.split(';').next().unwrap_or("").trim().as_bytes();
            let (app, json) = (b"application/".len(), b"+json".len());
            ct.eq_ignore_ascii_case(b"application/json")
                || (ct.len() >= app + json
                    && ct[..app].eq_ignore_ascii_case(b"application/")
                    && ct[ct.len() - json..].eq_ignore_ascii_case(b"+json"))
        }
    }
}

/// Where path parameters are looked up: the router's match, or (for
/// WebSockets, whose match does not outlive the upgrade) an owned copy.
pub trait PathParams {
    fn lookup(&self, key: &str) -> Option<&str>;
}

impl PathParams for matchit::Params<'_, '_> {
    fn lookup(&self, key: &str) -> Option<&str> {
        self.get(key)
    }
}

impl PathParams for Vec<(String, String)> {
    fn lookup(&self, key: &str) -> Option<&str> {
        self.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

/// Extract every parameter of `plan`, collecting all errors like FastAPI does.
/// `form` is the multipart body when the server parsed it while it arrived
/// (`body` is then empty). A refusal also carries the values that were
/// read, each refused parameter `Missing` (none when the body itself was
/// refused: FastAPI reports that before any dependency runs).
pub fn extract(
    plan: &RoutePlan,
    path_params: &impl PathParams,
    query: Option<&str>,
    headers: &HeaderMap,
    body: &Bytes,
    form: Option<&multipart::FormParts>,
    known_json: Option<bool>,
) -> Result<Vec<ArgValue>, (Vec<FieldError>, Vec<ArgValue>)> {
    // Whether the body is declared JSON: the caller's answer, else read once when asked.
    let json_ct = known_json.map_or_else(std::cell::OnceCell::new, std::cell::OnceCell::from);
    let body_is_json = || *json_ct.get_or_init(|| is_json(headers, plan.lax_content_type));
    let mut out = Vec::with_capacity(plan.params.len());
    let mut errors = Vec::new();
    let query_pairs: Vec<(Cow<'_, str>, Cow<'_, str>)> = match query {
        Some(q) if plan.params.iter().any(|p| p.source == Source::Query) => {
            form_urlencoded::parse(q.as_bytes()).collect()
        }
        _ => Vec::new(),
    };
    let cookies = if plan.params.iter().any(|p| p.source == Source::Cookie) {
        params::cookie_pairs(headers)
    } else {
        Vec::new()
    };
    let needs_json = plan
        .params
        .iter()
        .any(|p| matches!(p.source, Source::Body | Source::BodyField) && !p.raw_json);
    let mut json_body: Option<Value> = None;
    // FastAPI ignores a body that is not declared JSON: JSON parameters are
    // then reported missing.
    if needs_json && !body.is_empty() && body_is_json() {
        match serde_json::from_slice::<Value>(body) {
            Ok(v) => json_body = Some(v),
            Err(e) => return Err((vec![json_invalid(&e)], Vec::new())),
        }
    }
    let wants_form = plan.reads_form;
    let parsed;
    let multipart = match form {
        Some(parts) => Some(parts),
        None if wants_form => {
            parsed =
                parse_multipart(headers, body, plan.form_limits).map_err(|e| (e, Vec::new()))?;
            parsed.as_ref()
        }
        None => None,
    };
    let form_pairs: Vec<(Cow<'_, str>, Cow<'_, str>)> = match multipart {
        Some(parts) => parts
            .fields
            .iter()
            .map(|(k, v)| (Cow::Borrowed(k.as_str()), Cow::Borrowed(v.as_str())))
            .collect(),
        // Like Starlette's `request.form()`, only a urlencoded body is read
        // as one; any other (JSON...) is an empty form.
        None if wants_form && is_urlencoded(headers) => {
            let pairs: Vec<_> = form_urlencoded::parse(body).collect();
            multipart::check_urlencoded(&pairs, plan.form_limits)
                .map_err(|e| (form_error(e), Vec::new()))?;
            pairs
        }
        None => Vec::new(),
    };
    for spec in &plan.params {
        if spec.whole {
            out.push(all_pairs(
                spec.source,
                &query_pairs,
                headers,
                &cookies,
                &form_pairs,
                multipart,
            ));
            continue;
        }
        let result = match spec.source {
            Source::Query => params::from_pairs(spec, &query_pairs),
            Source::Header => params::from_headers(spec, headers),
            Source::Cookie => params::from_pairs(spec, &cookies),
            Source::Form => params::from_pairs(spec, &form_pairs),
            _ => single_value(
                spec,
                path_params,
                multipart,
                body,
                json_body.as_ref(),
                &body_is_json,
            )
            .map_err(|e| vec![e]),
        };
        match result {
            Ok(v) if spec.other_aliases.is_empty() => out.push(v),
            Ok(v) => out.push(aliased(spec, v, |key: &str| match spec.source {
                Source::Query => query_pairs.iter().any(|(k, _)| k == key),
                Source::Cookie => cookies.iter().any(|(k, _)| k == key),
                Source::Form => form_pairs.iter().any(|(k, _)| k == key),
                Source::Header => headers.contains_key(key),
                Source::Path => path_params.lookup(key).is_some(),
                Source::BodyField => json_body.as_ref().is_some_and(|b| b.get(key).is_some()),
                _ => false,
            })),
            Err(e) => {
                errors.extend(e);
                out.push(ArgValue::Missing);
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err((errors, out))
    }
}

/// A value read under another of its alias choices than the first, marked
/// so that schema errors name the key the request used.
fn aliased(spec: &ParamSpec, value: ArgValue, present: impl Fn(&str) -> bool) -> ArgValue {
    let chosen = params::choose_alias(spec, present);
    if chosen.alias == spec.alias {
        value
    } else {
        ArgValue::Aliased(Box::new(value), chosen.alias.clone())
    }
}

/// Every pair of one source, for a parameter that reads them all
/// (`ParamSpec::whole`): a form's files come after its text fields.
fn all_pairs(
    source: Source,
    query: &[(Cow<'_, str>, Cow<'_, str>)],
    headers: &HeaderMap,
    cookies: &[(Cow<'_, str>, Cow<'_, str>)],
    form: &[(Cow<'_, str>, Cow<'_, str>)],
    multipart: Option<&multipart::FormParts>,
) -> ArgValue {
    let text = |pairs: &[(Cow<'_, str>, Cow<'_, str>)]| -> Vec<(String, ArgValue)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), ArgValue::Str(v.to_string())))
            .collect()
    };
    ArgValue::Pairs(match source {
        Source::Query => text(query),
        Source::Cookie => text(cookies),
        Source::Header => headers
            .iter()
            .map(|(k, v)| {
                let v = String::from_utf8_lossy(v.as_bytes()).into_owned();
                (k.as_str().to_owned(), ArgValue::Str(v))
            })
            .collect(),
        Source::Form | Source::File => {
            let mut out = text(form);
            out.extend(
                multipart
                    .iter()
                    .flat_map(|m| m.files.iter())
                    .map(|f| (f.field.clone(), ArgValue::File(Box::new(f.clone())))),
            );
            out
        }
        _ => Vec::new(),
    })
}

/// A parameter with one value (path, file, JSON body or body field).
fn single_value(
    spec: &ParamSpec,
    path_params: &impl PathParams,
    multipart: Option<&multipart::FormParts>,
    body: &Bytes,
    json_body: Option<&Value>,
    body_is_json: &impl Fn() -> bool,
) -> Result<ArgValue, FieldError> {
    match spec.source {
        Source::Path => match path_params.lookup(&spec.alias) {
            // `validation_alias=AliasChoices(...)`: the first name the route has.
            None if !spec.other_aliases.is_empty() => {
                let chosen = params::choose_alias(spec, |key| path_params.lookup(key).is_some());
                match path_params.lookup(&chosen.alias) {
                    Some(raw) => params::coerce_text(
                        &chosen,
                        &percent_decode(raw).unwrap_or_else(|| raw.to_owned()),
                    ),
                    None => params::absent(spec),
                }
            }
            Some(raw) => match percent_decode(raw) {
                Some(decoded) => params::coerce_text(spec, &decoded),
                None => params::coerce_text(spec, raw),
            },
            None => params::absent(spec),
        },
        Source::Query | Source::Header | Source::Cookie | Source::Form => params::absent(spec),
        Source::File => {
            let mut files = multipart
                .iter()
                .flat_map(|m| m.files.iter())
                // A file input left empty (no name, no bytes) is not sent.
                .filter(|f| f.field == spec.alias && !(f.filename.is_empty() && f.size == 0))
                .map(|f| ArgValue::File(Box::new(f.clone())));
            if spec.list {
                let all: Vec<ArgValue> = files.collect();
                if all.is_empty() {
                    params::absent(spec)
                } else {
                    Ok(ArgValue::List(all))
                }
            } else {
                files.next().map_or_else(|| params::absent(spec), Ok)
            }
        }
        Source::Body if spec.raw_json => {
            if body.is_empty() {
                params::absent(spec)
            } else if !body_is_json() {
                if spec.raw_body {
                    Ok(ArgValue::Bytes(body.clone()))
                } else {
                    params::absent(spec)
                }
            } else {
                Ok(ArgValue::RawJson(body.clone()))
            }
        }
        Source::Body => match json_body {
            Some(v) => params::coerce_json(spec, v.clone()),
            None => params::absent(spec),
        },
        // Embedded fields need an object: any other JSON body leaves each missing.
        Source::BodyField => match json_body {
            Some(b) if !b.is_object() => params::absent(&ParamSpec {
                required: true,
                ..spec.clone()
            }),
            Some(b) => {
                let chosen = params::choose_alias(spec, |key| b.get(key).is_some());
                match b.get(&chosen.alias) {
                    Some(v) => params::coerce_json(&chosen, v.clone()),
                    None => params::absent(spec),
                }
            }
            None => params::absent(spec),
        },
        Source::Request => Ok(ArgValue::Request),
    }
}

/// The parts of a multipart body, when it is one.
fn parse_multipart(
    headers: &HeaderMap,
    body: &Bytes,
    limits: multipart::FormLimits,
) -> Result<Option<multipart::FormParts>, Vec<FieldError>> {
    let Some(boundary) = multipart::boundary(headers) else {
        return Ok(None);
    };
    multipart::parse(body.clone(), &boundary, limits)
        .map(Some)
        .map_err(form_error)
}

/// Decode `%xx` in a path segment; `None` when there is nothing to decode.
fn percent_decode(raw: &str) -> Option<String> {
    if !raw.contains('%') {
        return None;
    }
    let bytes: Vec<u8> =
        form_urlencoded::parse(format!("x={}", raw.replace('+', "%2B")).as_bytes())
            .next()
            .map(|(_, v)| v.into_owned().into_bytes())?;
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_content_types_match_without_case() {
        let with = |ct: &str| {
            let mut h = HeaderMap::new();
            h.insert(CONTENT_TYPE, ct.parse().unwrap());
            is_json(&h, false)
        };
        assert!(with("application/json"));
        assert!(with("Application/JSON; charset=utf-8"));
        assert!(with(" application/vnd.api+JSON "));
        assert!(with("application/+json"));
        assert!(!with("application/jso"));
        assert!(!with("text/json"));
        assert!(!with("application/json-seq"));
        assert!(!with("application+json"));
        assert!(is_json(&HeaderMap::new(), true));
        assert!(!is_json(&HeaderMap::new(), false));
    }

    #[test]
    fn fastapi_paths_become_matchit_paths() {
        assert_eq!(to_matchit("/users/{id}"), "/users/{id}");
        assert_eq!(to_matchit("/files/{p:path}"), "/files/{*p}");
        assert_eq!(to_matchit("/n/{n:int}/x"), "/n/{n}/x");
    }

    #[test]
    fn lookup_distinguishes_404_405_and_redirects() {
        let mut t = RouteTable::default();
        t.insert(&Method::GET, "/items/{id}", 0).unwrap();
        t.insert(&Method::POST, "/items", 1).unwrap();
        t.insert(&Method::PUT, "/items", 1).unwrap();
        // A later route at the same path is not in the first one's `Allow`.
        t.insert(&Method::PATCH, "/items", 2).unwrap();
        t.finish();
        match t.lookup(&Method::DELETE, "/items") {
            Lookup::MethodNotAllowed(allow) => assert_eq!(allow, "POST, PUT"),
            _ => panic!("expected 405"),
        }
        assert!(matches!(
            t.lookup(&Method::GET, "/items/3"),
            Lookup::Found { route: 0, .. }
        ));
        assert!(matches!(
            t.lookup(&Method::HEAD, "/items/3"),
            Lookup::Found { route: 0, .. }
        ));
        match t.lookup(&Method::DELETE, "/items/3") {
            Lookup::MethodNotAllowed(allow) => assert_eq!(allow, "GET"),
            _ => panic!("expected 405"),
        }
        assert!(
            matches!(t.lookup(&Method::POST, "/items/"), Lookup::Redirect(ref p) if p == "/items")
        );
        assert!(matches!(t.lookup(&Method::GET, "/nope"), Lookup::NotFound));
        t.no_slash_redirects = true;
        assert!(matches!(
            t.lookup(&Method::POST, "/items/"),
            Lookup::NotFound
        ));
    }

    #[test]
    fn path_params_are_percent_decoded() {
        assert_eq!(percent_decode("a%20b"), Some("a b".into()));
        assert_eq!(percent_decode("a+b"), None);
        assert_eq!(percent_decode("a%2Bb+"), Some("a+b+".into()));
    }
}
