//! Request parameters: where each one comes from, how its text is coerced, and
//! the FastAPI-shaped validation errors when it cannot be.
//!
//! Everything here runs on the I/O thread without the GIL: a request whose
//! parameters are wrong gets its 422 answer without Python ever seeing it.

use std::borrow::Cow;

use hyper::header::{HeaderMap, COOKIE};
use ouroboros_schema::coerce::{self, ParsedInt};
use ouroboros_schema::constraints::{FloatConstraints, IntConstraints, StrConstraints};
use ouroboros_schema::errors::{CtxValue, ErrorType};
use serde_json::{json, Value};

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

/// Declared constraints (`Query(ge=1, max_length=10, multiple_of=2, ...)`),
/// held in ouroboros-schema's own types so they are checked by the same code,
/// in the same order and with the same errors as a model field's.
#[derive(Debug, Clone, Default)]
pub struct Constraints {
    /// Bounds of an `int` parameter written as integers.
    pub int: IntConstraints,
    /// Bounds of a `float` parameter, or of an `int` one with a fractional bound.
    pub float: FloatConstraints,
    /// Whether `float` (rather than `int`) holds an `int` parameter's bounds.
    pub int_as_float: bool,
    pub str: StrConstraints,
}

/// One parameter of a route plan, compiled once at startup.
// Independent per-parameter flags read on the hot path; an enum would not
// make them clearer.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Clone)]
pub struct ParamSpec {
    /// The Python name, used in error locations for body fields.
    pub name: String,
    /// The key looked up in the request (query key, header name, cookie name).
    pub alias: String,
    /// Further keys tried in order when `alias` is absent
    /// (`validation_alias=AliasChoices(...)`); errors name the key found.
    pub other_aliases: Vec<String>,
    pub source: Source,
    pub kind: Kind,
    /// `list[int]` query/header parameters collect every occurrence.
    pub list: bool,
    pub required: bool,
    pub constraints: Constraints,
    /// The whole body is validated later by a compiled schema straight from
    /// its bytes, so it is not parsed here.
    pub raw_json: bool,
    /// A `bytes`/`str` body: a body not declared JSON is passed as its bytes
    /// (FastAPI reads it raw) instead of being reported missing.
    pub raw_body: bool,
    /// A field of a form model: an empty form value is passed on (the model
    /// decides; it still counts as sent), not read as no value.
    pub keep_empty: bool,
    /// Every pair of the source, in request order (a parameter model or a
    /// union of form models: Python picks the fields and the model validates).
    pub whole: bool,
}

/// A parsed argument, still Rust data; turned into a Python object on the
/// loop thread.
#[derive(Debug, Clone)]
pub enum ArgValue {
    /// Not sent: Python substitutes the declared default.
    Missing,
    Str(String),
    Int(i64),
    /// An integer past `i64`, as its decimal digits.
    BigInt(String),
    Float(f64),
    Bool(bool),
    List(Vec<ArgValue>),
    Json(Value),
    /// An uploaded file.
    File(Box<crate::multipart::UploadedFile>),
    /// The raw JSON body, for a compiled schema to validate.
    RawJson(bytes::Bytes),
    /// A body that is not JSON, as its bytes.
    Bytes(bytes::Bytes),
    /// The request object goes here.
    Request,
    /// Every `(key, value)` of a source (`ParamSpec::whole`).
    Pairs(Vec<(String, ArgValue)>),
    /// A value found under another of the parameter's alias choices than the
    /// first: schema errors name that key.
    Aliased(Box<ArgValue>, String),
}

/// One entry of FastAPI's 422 `detail` list.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    pub kind: Cow<'static, str>,
    pub loc: Vec<Value>,
    pub msg: String,
    pub input: Value,
    /// Context values, in the order Pydantic lists them.
    pub ctx: Option<Vec<(Cow<'static, str>, Value)>>,
}

impl FieldError {
    /// Append this entry as JSON with FastAPI's key order: type, loc, msg,
    /// input, ctx (the same order as the body errors Python builds).
    fn write_json(&self, out: &mut Vec<u8>) -> serde_json::Result<()> {
        out.extend_from_slice(b"{\"type\":");
        serde_json::to_writer(&mut *out, &self.kind)?;
        out.extend_from_slice(b",\"loc\":");
        serde_json::to_writer(&mut *out, &self.loc)?;
        out.extend_from_slice(b",\"msg\":");
        serde_json::to_writer(&mut *out, &self.msg)?;
        out.extend_from_slice(b",\"input\":");
        serde_json::to_writer(&mut *out, &self.input)?;
        if let Some(ctx) = &self.ctx {
            out.extend_from_slice(b",\"ctx\":{");
            for (i, (k, v)) in ctx.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                serde_json::to_writer(&mut *out, k)?;
                out.push(b':');
                serde_json::to_writer(&mut *out, v)?;
            }
            out.push(b'}');
        }
        out.push(b'}');
        Ok(())
    }
}

/// The body of a 422 response: `{"detail": [...]}`.
pub fn errors_body(errors: &[FieldError]) -> Vec<u8> {
    let mut out = b"{\"detail\":[".to_vec();
    for (i, e) in errors.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        // Writing into a Vec only fails for non-string map keys, which there are none of.
        let _ = e.write_json(&mut out);
    }
    out.extend_from_slice(b"]}");
    out
}

fn error(
    spec: &ParamSpec,
    kind: Cow<'static, str>,
    msg: String,
    input: Value,
    ctx: Option<Vec<(Cow<'static, str>, Value)>>,
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

fn ctx_json(v: &CtxValue) -> Value {
    match v {
        CtxValue::Int(i) => json!(i),
        CtxValue::Float(f) | CtxValue::WholeFloat(f) => json!(f),
        CtxValue::Str(s) => json!(s),
        CtxValue::Null => Value::Null,
    }
}

/// A FastAPI `detail` entry for one of ouroboros-schema's errors.
fn schema_error(spec: &ParamSpec, err: &ErrorType, input: Value) -> FieldError {
    let ctx = err.context();
    let ctx = (!ctx.is_empty()).then(|| {
        ctx.iter()
            .map(|(k, v)| (Cow::Borrowed(*k), ctx_json(v)))
            .collect()
    });
    error(
        spec,
        Cow::Owned(err.name().to_owned()),
        err.message(),
        input,
        ctx,
    )
}

impl Constraints {
    fn check_int(&self, v: &ParsedInt) -> Result<(), ErrorType> {
        match v {
            ParsedInt::Small(i) if !self.int_as_float => self.int.check(*i),
            #[allow(clippy::cast_precision_loss)]
            ParsedInt::Small(i) => self.float.check(*i as f64),
            // Past i64: the bounds (at most i64) are compared approximately.
            ParsedInt::Big(digits) => match digits.parse::<f64>() {
                Ok(f) if self.int_as_float => self.float.check(f),
                Ok(f) => {
                    #[allow(clippy::cast_precision_loss)]
                    let as_float = FloatConstraints {
                        gt: self.int.gt.map(|b| b as f64),
                        ge: self.int.ge.map(|b| b as f64),
                        lt: self.int.lt.map(|b| b as f64),
                        le: self.int.le.map(|b| b as f64),
                        whole_bounds: true,
                        ..FloatConstraints::default()
                    };
                    as_float.check(f)
                }
                Err(_) => Ok(()),
            },
        }
    }
}

fn int_value(spec: &ParamSpec, parsed: ParsedInt, input: &Value) -> Result<ArgValue, FieldError> {
    spec.constraints
        .check_int(&parsed)
        .map_err(|e| schema_error(spec, &e, input.clone()))?;
    Ok(match parsed {
        ParsedInt::Small(i) => ArgValue::Int(i),
        ParsedInt::Big(digits) => ArgValue::BigInt(digits),
    })
}

fn float_value(spec: &ParamSpec, v: f64, input: &Value) -> Result<ArgValue, FieldError> {
    spec.constraints
        .float
        .check(v)
        .map_err(|e| schema_error(spec, &e, input.clone()))?;
    Ok(ArgValue::Float(v))
}

fn str_value(spec: &ParamSpec, s: &str, input: &Value) -> Result<ArgValue, FieldError> {
    match spec.constraints.str.apply(s) {
        Ok(Some(changed)) => Ok(ArgValue::Str(changed)),
        Ok(None) => Ok(ArgValue::Str(s.to_owned())),
        Err(e) => Err(schema_error(spec, &e, input.clone())),
    }
}

/// Coerce one piece of request text (path, query, header, cookie, form) with
/// ouroboros-schema's lax rules: `"1_000"` and `"1.0"` are the int 1000 and 1,
/// as for a model field.
pub fn coerce_text(spec: &ParamSpec, raw: &str) -> Result<ArgValue, FieldError> {
    let input = || json!(raw);
    let failed = |e: ErrorType| schema_error(spec, &e, input());
    match spec.kind {
        Kind::Str | Kind::Any => str_value(spec, raw, &input()),
        Kind::Int => int_value(spec, coerce::str_to_int(raw).map_err(failed)?, &input()),
        Kind::Float => float_value(spec, coerce::str_to_float(raw).map_err(failed)?, &input()),
        Kind::Bool => coerce::str_to_bool(raw).map(ArgValue::Bool).map_err(failed),
    }
}

/// Coerce a JSON body value (lax mode: numeric strings become numbers), with
/// the same rules as a model field reading JSON.
pub fn coerce_json(spec: &ParamSpec, value: Value) -> Result<ArgValue, FieldError> {
    let failed = |e: ErrorType, v: &Value| schema_error(spec, &e, v.clone());
    match (spec.kind, &value) {
        (Kind::Any, _) => Ok(ArgValue::Json(value)),
        (Kind::Str, Value::String(s)) => str_value(spec, s, &value),
        (Kind::Int | Kind::Float | Kind::Bool, Value::String(s)) => {
            coerce_text(spec, s).map_err(|mut e| {
                e.input = value.clone();
                e
            })
        }
        (Kind::Int, Value::Number(n)) => {
            let parsed = match n.as_i64() {
                Some(i) => ParsedInt::Small(i),
                None => coerce::float_to_int(n.as_f64().unwrap_or(f64::NAN))
                    .map_err(|e| failed(e, &value))?,
            };
            int_value(spec, parsed, &value)
        }
        (Kind::Float, Value::Number(n)) => {
            float_value(spec, n.as_f64().unwrap_or(f64::NAN), &value)
        }
        (Kind::Bool, Value::Bool(b)) => Ok(ArgValue::Bool(*b)),
        (Kind::Bool, Value::Number(n)) => match n.as_i64() {
            Some(i) => coerce::int_to_bool(i),
            None => coerce::float_to_bool(n.as_f64().unwrap_or(f64::NAN)),
        }
        .map(ArgValue::Bool)
        .map_err(|e| failed(e, &value)),
        (kind, _) => {
            let e = match kind {
                Kind::Str => ErrorType::StringType,
                Kind::Int => ErrorType::IntType,
                Kind::Float => ErrorType::FloatType,
                _ => ErrorType::BoolType,
            };
            Err(failed(e, &value))
        }
    }
}

/// The `missing` error, or the `Missing` marker when a default exists.
pub fn absent(spec: &ParamSpec) -> Result<ArgValue, FieldError> {
    if spec.required {
        Err(error(
            spec,
            Cow::Borrowed("missing"),
            "Field required".into(),
            Value::Null,
            None,
        ))
    } else {
        Ok(ArgValue::Missing)
    }
}

/// Coerce every value of a list parameter; each failing item is reported
/// with its index (`["query", "ids", 1]`), all of them at once.
fn coerce_list<'a>(
    spec: &ParamSpec,
    values: impl Iterator<Item = Cow<'a, str>>,
) -> Result<ArgValue, Vec<FieldError>> {
    let mut items = Vec::new();
    let mut errors = Vec::new();
    for (i, v) in values.enumerate() {
        match coerce_text(spec, &v) {
            Ok(item) => items.push(item),
            Err(mut e) => {
                e.loc.push(json!(i));
                errors.push(e);
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if items.is_empty() {
        return absent(spec).map_err(|e| vec![e]);
    }
    Ok(ArgValue::List(items))
}

/// The spec to read with: itself, or (for a parameter with alias choices)
/// a copy naming the first key the request carries. With none present the
/// first alias stays, so a missing value is reported under it.
pub fn choose_alias(spec: &ParamSpec, present: impl Fn(&str) -> bool) -> Cow<'_, ParamSpec> {
    if spec.other_aliases.is_empty() || present(&spec.alias) {
        return Cow::Borrowed(spec);
    }
    match spec.other_aliases.iter().find(|a| present(a)) {
        Some(found) => Cow::Owned(ParamSpec {
            alias: found.clone(),
            ..spec.clone()
        }),
        None => Cow::Borrowed(spec),
    }
}

/// Look up every value of `key` in decoded pairs and coerce them.
pub fn from_pairs(
    spec: &ParamSpec,
    pairs: &[(Cow<'_, str>, Cow<'_, str>)],
) -> Result<ArgValue, Vec<FieldError>> {
    // FastAPI's form rule: an alias whose (last) value is empty is skipped
    // for the next one, as it would be no value.
    let skips_empty = spec.source == Source::Form && !spec.keep_empty && !spec.list;
    let chosen = choose_alias(spec, |key| {
        match pairs.iter().rev().find(|(k, _)| k == key) {
            Some((_, v)) => !(skips_empty && v.is_empty()),
            None => false,
        }
    });
    let spec = chosen.as_ref();
    if spec.list {
        let values = pairs
            .iter()
            .filter(|(k, _)| k == &spec.alias)
            .map(|(_, v)| Cow::Borrowed(v.as_ref()));
        return coerce_list(spec, values);
    }
    match pairs.iter().rev().find(|(k, _)| k == &spec.alias) {
        // FastAPI's form rule: an empty form value is no value (the default applies).
        Some((_, v)) if v.is_empty() && spec.source == Source::Form && !spec.keep_empty => {
            absent(spec)
        }
        Some((_, v)) => coerce_text(spec, v),
        None => absent(spec),
    }
    .map_err(|e| vec![e])
}

/// Header lookups are case-insensitive; `spec.alias` is already lowercase.
pub fn from_headers(spec: &ParamSpec, headers: &HeaderMap) -> Result<ArgValue, Vec<FieldError>> {
    let chosen = choose_alias(spec, |key| headers.contains_key(key));
    let spec = chosen.as_ref();
    let mut values = headers
        .get_all(spec.alias.as_str())
        .iter()
        .map(|v| String::from_utf8_lossy(v.as_bytes()));
    if spec.list {
        return coerce_list(spec, values);
    }
    match values.next() {
        Some(v) => coerce_text(spec, &v),
        None => absent(spec),
    }
    .map_err(|e| vec![e])
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
            other_aliases: Vec::new(),
            source,
            kind,
            list: false,
            required: true,
            constraints: Constraints::default(),
            raw_json: false,
            raw_body: false,
            keep_empty: false,
            whole: false,
        }
    }

    #[test]
    fn ints_coerce_like_a_model_field() {
        let s = spec(Kind::Int, Source::Query);
        assert!(matches!(coerce_text(&s, "42"), Ok(ArgValue::Int(42))));
        assert!(matches!(coerce_text(&s, "1_000"), Ok(ArgValue::Int(1000))));
        assert!(matches!(coerce_text(&s, "1.0"), Ok(ArgValue::Int(1))));
        let e = coerce_text(&s, "x1").unwrap_err();
        assert_eq!(e.kind, "int_parsing");
        assert_eq!(e.loc, vec![json!("query"), json!("limit")]);
        assert_eq!(e.input, json!("x1"));
        assert!(matches!(
            coerce_text(&s, "123456789012345678901234"),
            Ok(ArgValue::BigInt(d)) if d == "123456789012345678901234"
        ));
    }

    #[test]
    fn bounds_and_multiple_of_name_the_limit() {
        let mut s = spec(Kind::Int, Source::Query);
        s.constraints.int.ge = Some(1);
        let e = coerce_text(&s, "0").unwrap_err();
        assert_eq!(e.msg, "Input should be greater than or equal to 1");
        assert_eq!(e.ctx, Some(vec![("ge".into(), json!(1))]));
        s.constraints.int.multiple_of = Some(5);
        let e = coerce_text(&s, "7").unwrap_err();
        assert_eq!(e.kind, "multiple_of");
        assert_eq!(e.msg, "Input should be a multiple of 5");
        assert_eq!(e.ctx, Some(vec![("multiple_of".into(), json!(5))]));
        assert_eq!(
            String::from_utf8(errors_body(&[e])).unwrap(),
            r#"{"detail":[{"type":"multiple_of","loc":["query","limit"],"msg":"Input should be a multiple of 5","input":"7","ctx":{"multiple_of":5}}]}"#
        );
    }

    #[test]
    fn an_empty_form_value_is_no_value() {
        let pairs = vec![(Cow::Borrowed("limit"), Cow::Borrowed(""))];
        let form = spec(Kind::Int, Source::Form);
        let e = from_pairs(&form, &pairs).unwrap_err();
        assert_eq!(e[0].kind, "missing");
        let mut optional = spec(Kind::Int, Source::Form);
        optional.required = false;
        assert!(matches!(
            from_pairs(&optional, &pairs),
            Ok(ArgValue::Missing)
        ));
        // With alias choices, an empty value goes on to the next alias.
        let mut choices = spec(Kind::Int, Source::Form);
        choices.other_aliases = vec!["second".into()];
        let both = vec![
            (Cow::Borrowed("limit"), Cow::Borrowed("")),
            (Cow::Borrowed("second"), Cow::Borrowed("5")),
        ];
        assert!(matches!(from_pairs(&choices, &both), Ok(ArgValue::Int(5))));
        let e = from_pairs(&choices, &pairs).unwrap_err();
        assert_eq!(e[0].kind, "missing");
        assert_eq!(e[0].loc.last(), Some(&json!("limit")));
        // Only forms: an empty query value is still a value.
        let query = spec(Kind::Str, Source::Query);
        assert!(matches!(from_pairs(&query, &pairs), Ok(ArgValue::Str(s)) if s.is_empty()));
    }

    #[test]
    fn strings_check_length_and_pattern() {
        let mut s = spec(Kind::Str, Source::Header);
        s.constraints.str.max_length = Some(1);
        let e = coerce_text(&s, "ab").unwrap_err();
        assert_eq!(e.msg, "String should have at most 1 character");
        s.constraints.str.max_length = None;
        s.constraints.str.pattern = Some(regex::Regex::new("^a").unwrap());
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
        let e = coerce_json(&s, json!(1.5)).unwrap_err();
        assert_eq!(e.kind, "int_from_float");
        assert_eq!(e.input, json!(1.5));
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
