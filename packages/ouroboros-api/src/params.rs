//! Request parameters: where each one comes from, how its text is coerced, and
//! the FastAPI-shaped validation errors when it cannot be.
//!
//! Everything here runs on the I/O thread without the GIL: a request whose
//! parameters are wrong gets its 422 answer without Python ever seeing it.

use std::borrow::Cow;

use hyper::header::{HeaderMap, COOKIE};
use regex::Regex;
use serde_json::{json, Map, Value};

/// Where a parameter's raw value is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Path,
    Query,
    Header,
    Cookie,
    /// The whole JSON body is this parameter.
    Body,
    /// One key of a JSON object body (several body parameters, or `Body(embed=True)`).
    BodyField,
    /// One field of an `application/x-www-form-urlencoded` or multipart body.
    Form,
    /// An uploaded file of a multipart body.
    File,
    /// Not parsed: Python receives the request object at this position.
    Request,
}

impl Source {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "path" => Self::Path,
            "query" => Self::Query,
            "header" => Self::Header,
            "cookie" => Self::Cookie,
            "body" => Self::Body,
            "body_field" => Self::BodyField,
            "form" => Self::Form,
            "file" => Self::File,
            "request" => Self::Request,
            _ => return None,
        })
    }

    /// The first element of an error's `loc`, as FastAPI names it.
    fn loc_name(self) -> &'static str {
        match self {
            Self::Path => "path",
            Self::Query => "query",
            Self::Header => "header",
            Self::Cookie => "cookie",
            Self::Body | Self::BodyField | Self::Form | Self::File | Self::Request => "body",
        }
    }
}

/// The scalar type a parameter is coerced to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Str,
    Int,
    Float,
    Bool,
    /// Any JSON value (bodies validated later), or the raw string.
    Any,
}

impl Kind {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "str" => Self::Str,
            "int" => Self::Int,
            "float" => Self::Float,
            "bool" => Self::Bool,
            "any" => Self::Any,
            _ => return None,
        })
    }
}

/// A numeric bound, remembering whether the user wrote an int so messages
/// say `1` and not `1.0`, as FastAPI does.
#[derive(Debug, Clone, Copy)]
pub struct Bound {
    pub value: f64,
    pub is_int: bool,
}

impl Bound {
    fn to_json(self) -> Value {
        #[allow(clippy::cast_possible_truncation)]
        let as_int = self.value as i64;
        if self.is_int {
            json!(as_int)
        } else {
            json!(self.value)
        }
    }

    fn text(self) -> String {
        self.to_json().to_string()
    }
}

/// Declared constraints (`Query(ge=1, max_length=10, pattern=...)`).
#[derive(Debug, Clone, Default)]
pub struct Constraints {
    pub gt: Option<Bound>,
    pub ge: Option<Bound>,
    pub lt: Option<Bound>,
    pub le: Option<Bound>,
    pub min_length: Option<usize>,
    pub max_length: Option<usize>,
    pub pattern: Option<(Regex, String)>,
}

/// One parameter of a route plan, compiled once at startup.
#[derive(Debug, Clone)]
pub struct ParamSpec {
    /// The Python name, used in error locations for body fields.
    pub name: String,
    /// The key looked up in the request (query key, header name, cookie name).
    pub alias: String,
    pub source: Source,
    pub kind: Kind,
    /// `list[int]` query/header parameters collect every occurrence.
    pub list: bool,
    pub required: bool,
    pub constraints: Constraints,
    /// The whole body is validated later by a compiled schema straight from
    /// its bytes, so it is not parsed here.
    pub raw_json: bool,
}

/// A parsed argument, still Rust data; turned into a Python object on the
/// loop thread.
#[derive(Debug, Clone)]
pub enum ArgValue {
    /// Not sent: Python substitutes the declared default.
    Missing,
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    List(Vec<ArgValue>),
    Json(Value),
    /// An uploaded file.
    File(Box<crate::multipart::UploadedFile>),
    /// The raw JSON body, for a compiled schema to validate.
    RawJson(bytes::Bytes),
    /// The request object goes here.
    Request,
}

/// One entry of FastAPI's 422 `detail` list.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    pub kind: &'static str,
    pub loc: Vec<Value>,
    pub msg: String,
    pub input: Value,
    pub ctx: Option<Value>,
}

impl FieldError {
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("type".into(), json!(self.kind));
        m.insert("loc".into(), Value::Array(self.loc.clone()));
        m.insert("msg".into(), json!(self.msg));
        m.insert("input".into(), self.input.clone());
        if let Some(ctx) = &self.ctx {
            m.insert("ctx".into(), ctx.clone());
        }
        Value::Object(m)
    }
}

/// The body of a 422 response: `{"detail": [...]}`.
pub fn errors_body(errors: &[FieldError]) -> Vec<u8> {
    let detail: Vec<Value> = errors.iter().map(FieldError::to_json).collect();
    serde_json::to_vec(&json!({ "detail": detail })).unwrap_or_default()
}

fn error(
    spec: &ParamSpec,
    kind: &'static str,
    msg: String,
    input: Value,
    ctx: Option<Value>,
) -> FieldError {
    let mut loc = vec![json!(spec.source.loc_name())];
    if spec.source != Source::Body {
        loc.push(json!(spec.alias));
    }
    FieldError {
        kind,
        loc,
        msg,
        input,
        ctx,
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// One bound check: the bound, the error type, its wording, the ctx key and
/// the test the value must pass.
type BoundCheck = (
    Option<Bound>,
    &'static str,
    &'static str,
    &'static str,
    fn(f64, f64) -> bool,
);

/// Check numeric bounds of an already coerced number.
fn check_number(spec: &ParamSpec, v: f64, input: &Value) -> Result<(), FieldError> {
    let c = &spec.constraints;
    let checks: [BoundCheck; 4] = [
        (c.gt, "greater_than", "greater than", "gt", |v, b| v > b),
        (
            c.ge,
            "greater_than_equal",
            "greater than or equal to",
            "ge",
            |v, b| v >= b,
        ),
        (c.lt, "less_than", "less than", "lt", |v, b| v < b),
        (
            c.le,
            "less_than_equal",
            "less than or equal to",
            "le",
            |v, b| v <= b,
        ),
    ];
    for (bound, kind, words, key, ok) in checks {
        if let Some(b) = bound {
            if !ok(v, b.value) {
                return Err(error(
                    spec,
                    kind,
                    format!("Input should be {words} {}", b.text()),
                    input.clone(),
                    Some(json!({ key: b.to_json() })),
                ));
            }
        }
    }
    Ok(())
}

fn check_string(spec: &ParamSpec, s: &str, input: &Value) -> Result<(), FieldError> {
    let c = &spec.constraints;
    if c.min_length.is_some() || c.max_length.is_some() {
        let n = s.chars().count();
        if let Some(min) = c.min_length {
            if n < min {
                return Err(error(
                    spec,
                    "string_too_short",
                    format!("String should have at least {}", plural(min, "character")),
                    input.clone(),
                    Some(json!({ "min_length": min })),
                ));
            }
        }
        if let Some(max) = c.max_length {
            if n > max {
                return Err(error(
                    spec,
                    "string_too_long",
                    format!("String should have at most {}", plural(max, "character")),
                    input.clone(),
                    Some(json!({ "max_length": max })),
                ));
            }
        }
    }
    if let Some((re, text)) = &c.pattern {
        if !re.is_match(s) {
            return Err(error(
                spec,
                "string_pattern_mismatch",
                format!("String should match pattern '{text}'"),
                input.clone(),
                Some(json!({ "pattern": text })),
            ));
        }
    }
    Ok(())
}

/// Booleans accept what pydantic's lax mode accepts.
fn parse_bool(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "1" | "on" | "t" | "true" | "y" | "yes" => Some(true),
        "0" | "off" | "f" | "false" | "n" | "no" => Some(false),
        _ => None,
    }
}

/// Coerce one piece of request text (path, query, header, cookie, form).
pub fn coerce_text(spec: &ParamSpec, raw: &str) -> Result<ArgValue, FieldError> {
    let input = || json!(raw);
    match spec.kind {
        Kind::Str | Kind::Any => {
            check_string(spec, raw, &input())?;
            Ok(ArgValue::Str(raw.to_owned()))
        }
        Kind::Int => match raw.trim().parse::<i64>() {
            Ok(v) => {
                #[allow(clippy::cast_precision_loss)]
                check_number(spec, v as f64, &input())?;
                Ok(ArgValue::Int(v))
            }
            Err(_) => Err(error(
                spec,
                "int_parsing",
                "Input should be a valid integer, unable to parse string as an integer".into(),
                input(),
                None,
            )),
        },
        Kind::Float => match raw.trim().parse::<f64>() {
            Ok(v) => {
                check_number(spec, v, &input())?;
                Ok(ArgValue::Float(v))
            }
            Err(_) => Err(error(
                spec,
                "float_parsing",
                "Input should be a valid number, unable to parse string as a number".into(),
                input(),
                None,
            )),
        },
        Kind::Bool => parse_bool(raw).map(ArgValue::Bool).ok_or_else(|| {
            error(
                spec,
                "bool_parsing",
                "Input should be a valid boolean, unable to interpret input".into(),
                input(),
                None,
            )
        }),
    }
}

/// Coerce a JSON body value (lax mode: numeric strings become numbers).
pub fn coerce_json(spec: &ParamSpec, value: Value) -> Result<ArgValue, FieldError> {
    match (spec.kind, &value) {
        (Kind::Any, _) => Ok(ArgValue::Json(value)),
        (_, Value::String(s)) if spec.kind != Kind::Str => coerce_text(spec, s),
        (Kind::Str, Value::String(s)) => {
            check_string(spec, s, &value)?;
            Ok(ArgValue::Json(value))
        }
        (Kind::Int, Value::Number(n)) => {
            let as_int = n.as_i64().or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                    .map(
                        #[allow(clippy::cast_possible_truncation)]
                        |f| f as i64,
                    )
            });
            match as_int {
                Some(i) => {
                    #[allow(clippy::cast_precision_loss)]
                    check_number(spec, i as f64, &value)?;
                    Ok(ArgValue::Int(i))
                }
                None => Err(error(
                    spec,
                    "int_from_float",
                    "Input should be a valid integer, got a number with a fractional part".into(),
                    value.clone(),
                    None,
                )),
            }
        }
        (Kind::Float, Value::Number(n)) => {
            let f = n.as_f64().unwrap_or(f64::NAN);
            check_number(spec, f, &value)?;
            Ok(ArgValue::Float(f))
        }
        (Kind::Bool, Value::Bool(b)) => Ok(ArgValue::Bool(*b)),
        (Kind::Bool, Value::Number(n)) if n.as_i64() == Some(0) || n.as_i64() == Some(1) => {
            Ok(ArgValue::Bool(n.as_i64() == Some(1)))
        }
        (kind, _) => {
            let (t, what) = match kind {
                Kind::Str => ("string_type", "a valid string"),
                Kind::Int => ("int_type", "a valid integer"),
                Kind::Float => ("float_type", "a valid number"),
                _ => ("bool_type", "a valid boolean"),
            };
            Err(error(
                spec,
                t,
                format!("Input should be {what}"),
                value.clone(),
                None,
            ))
        }
    }
}

/// The `missing` error, or the `Missing` marker when a default exists.
pub fn absent(spec: &ParamSpec) -> Result<ArgValue, FieldError> {
    if spec.required {
        Err(error(
            spec,
            "missing",
            "Field required".into(),
            Value::Null,
            None,
        ))
    } else {
        Ok(ArgValue::Missing)
    }
}

/// Look up every value of `key` in decoded pairs and coerce them.
pub fn from_pairs(
    spec: &ParamSpec,
    pairs: &[(Cow<'_, str>, Cow<'_, str>)],
) -> Result<ArgValue, FieldError> {
    if spec.list {
        let items: Vec<ArgValue> = pairs
            .iter()
            .filter(|(k, _)| k == &spec.alias)
            .map(|(_, v)| coerce_text(spec, v))
            .collect::<Result<_, _>>()?;
        if items.is_empty() {
            return absent(spec);
        }
        return Ok(ArgValue::List(items));
    }
    match pairs.iter().rev().find(|(k, _)| k == &spec.alias) {
        Some((_, v)) => coerce_text(spec, v),
        None => absent(spec),
    }
}

/// Header lookups are case-insensitive; `spec.alias` is already lowercase.
pub fn from_headers(spec: &ParamSpec, headers: &HeaderMap) -> Result<ArgValue, FieldError> {
    let mut values = headers
        .get_all(spec.alias.as_str())
        .iter()
        .map(|v| String::from_utf8_lossy(v.as_bytes()));
    if spec.list {
        let items: Vec<ArgValue> = values
            .map(|v| coerce_text(spec, &v))
            .collect::<Result<_, _>>()?;
        if items.is_empty() {
            return absent(spec);
        }
        return Ok(ArgValue::List(items));
    }
    match values.next() {
        Some(v) => coerce_text(spec, &v),
        None => absent(spec),
    }
}

/// Parse `Cookie:` headers into name/value pairs.
pub fn cookie_pairs(headers: &HeaderMap) -> Vec<(Cow<'_, str>, Cow<'_, str>)> {
    let mut out = Vec::new();
    for value in headers.get_all(COOKIE) {
        let Ok(text) = value.to_str() else { continue };
        for part in text.split(';') {
            let part = part.trim();
            if let Some((k, v)) = part.split_once('=') {
                let v = v.trim().trim_matches('"');
                out.push((Cow::Borrowed(k.trim()), Cow::Borrowed(v)));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(kind: Kind, source: Source) -> ParamSpec {
        ParamSpec {
            name: "limit".into(),
            alias: "limit".into(),
            source,
            kind,
            list: false,
            required: true,
            constraints: Constraints::default(),
            raw_json: false,
        }
    }

    #[test]
    fn ints_coerce_and_report_fastapi_errors() {
        let s = spec(Kind::Int, Source::Query);
        assert!(matches!(coerce_text(&s, "42"), Ok(ArgValue::Int(42))));
        let e = coerce_text(&s, "x1").unwrap_err();
        assert_eq!(e.kind, "int_parsing");
        assert_eq!(e.loc, vec![json!("query"), json!("limit")]);
        assert_eq!(e.input, json!("x1"));
    }

    #[test]
    fn bounds_name_the_limit() {
        let mut s = spec(Kind::Int, Source::Query);
        s.constraints.ge = Some(Bound {
            value: 1.0,
            is_int: true,
        });
        let e = coerce_text(&s, "0").unwrap_err();
        assert_eq!(e.msg, "Input should be greater than or equal to 1");
        assert_eq!(e.ctx, Some(json!({"ge": 1})));
    }

    #[test]
    fn strings_check_length_and_pattern() {
        let mut s = spec(Kind::Str, Source::Header);
        s.constraints.max_length = Some(1);
        let e = coerce_text(&s, "ab").unwrap_err();
        assert_eq!(e.msg, "String should have at most 1 character");
        s.constraints.max_length = None;
        s.constraints.pattern = Some((Regex::new("^a").unwrap(), "^a".into()));
        assert_eq!(
            coerce_text(&s, "ba").unwrap_err().kind,
            "string_pattern_mismatch"
        );
    }

    #[test]
    fn body_errors_locate_the_body() {
        let s = spec(Kind::Int, Source::Body);
        let e = coerce_json(&s, json!(true)).unwrap_err();
        assert_eq!(e.loc, vec![json!("body")]);
        assert_eq!(e.kind, "int_type");
        assert!(matches!(coerce_json(&s, json!("7")), Ok(ArgValue::Int(7))));
    }

    #[test]
    fn cookies_are_split() {
        let mut h = HeaderMap::new();
        h.insert(COOKIE, "a=1; b=\"two\"".parse().unwrap());
        let pairs = cookie_pairs(&h);
        assert_eq!(pairs.len(), 2);
        assert_eq!(pairs[1].1, "two");
    }
}
