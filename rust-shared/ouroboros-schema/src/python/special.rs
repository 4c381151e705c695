//! Literal, Enum, Decimal, UUID, email and URL validators.

use jiter::JsonValue;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyBytes, PyFloat, PyInt, PyString, PyType};

use crate::errors::{join_expected, ErrorType};

use super::error::{ValError, ValResult};
use super::input::Inp;

static UUID_CLS: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static DECIMAL_CLS: PyOnceLock<Py<PyType>> = PyOnceLock::new();

pub fn uuid_cls(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    UUID_CLS.import(py, "uuid", "UUID")
}

pub fn decimal_cls(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    DECIMAL_CLS.import(py, "decimal", "Decimal")
}

/// `Literal[...]`: the input must equal one of the values, with the same
/// type (so `1` does not match `True` and `"1"` does not match `1`).
#[derive(Debug)]
pub struct LiteralValidator {
    pub expected: Vec<Py<PyAny>>,
    pub expected_repr: Vec<String>,
}

impl LiteralValidator {
    pub fn validate<'py>(
        &self,
        py: Python<'py>,
        inp: &Inp<'_, 'py>,
    ) -> ValResult<Bound<'py, PyAny>> {
        let obj = inp.to_py(py)?;
        for e in &self.expected {
            let e = e.bind(py);
            let same_type = obj.get_type().is(e.get_type())
                || (e.is_instance_of::<PyString>() && obj.is_instance_of::<PyString>())
                || (e.is_exact_instance_of::<PyInt>() && obj.is_exact_instance_of::<PyInt>());
            // Enum members in a Literal accept their value too.
            let by_value = !same_type
                && e.hasattr(pyo3::intern!(py, "_value_"))?
                && e.getattr(pyo3::intern!(py, "_value_"))?.eq(&obj)?
                && !obj.is_instance_of::<PyBool>();
            if (same_type && e.eq(&obj)?) || by_value {
                return Ok(e.clone());
            }
        }
        Err(ValError::new_py(
            ErrorType::LiteralError {
                expected: join_expected(&self.expected_repr),
            },
            &obj,
        ))
    }
}

/// A subclass of `enum.Enum`: members are accepted as they are; in lax mode
/// (and always from JSON) a member's value is accepted too.
#[derive(Debug)]
pub struct EnumValidator {
    pub cls: Py<PyType>,
    pub class_name: String,
    pub members: Vec<(Py<PyAny>, Py<PyAny>)>,
    pub expected_repr: Vec<String>,
    pub strict: bool,
    /// The class's own `_missing_(value)`, asked for a value no member has.
    pub missing: Option<Py<PyAny>>,
}

impl EnumValidator {
    /// The member whose value equals `obj` (a bool only matches a bool).
    fn lookup<'py>(
        &self,
        py: Python<'py>,
        obj: &Bound<'py, PyAny>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        for (value, member) in &self.members {
            let value = value.bind(py);
            let bool_mismatch = obj.is_instance_of::<PyBool>() != value.is_instance_of::<PyBool>();
            if !bool_mismatch && value.eq(obj)? {
                return Ok(Some(member.bind(py).clone()));
            }
        }
        Ok(None)
    }

    pub fn validate<'py>(
        &self,
        py: Python<'py>,
        inp: &Inp<'_, 'py>,
        strict: Option<bool>,
    ) -> ValResult<Bound<'py, PyAny>> {
        let obj = inp.to_py(py)?;
        if obj.is_instance(self.cls.bind(py))? {
            return Ok(obj);
        }
        let strict = strict.unwrap_or(self.strict) && matches!(inp, Inp::Py(_));
        if strict {
            // Strict Python input must be a member (Pydantic names the class by its qualname).
            return Err(ValError::new_py(
                ErrorType::IsInstanceOf {
                    class: self.cls.bind(py).qualname()?.to_string(),
                },
                &obj,
            ));
        }
        if let Some(member) = self.lookup(py, &obj)? {
            return Ok(member);
        }
        let cls = self.cls.bind(py);
        if let Ok(text) = obj.cast::<pyo3::types::PyString>() {
            // Lax: an IntEnum member from its number as text ("2"), as Pydantic does.
            if cls.is_subclass_of::<pyo3::types::PyInt>()? {
                if let Ok(n) = text.to_cow()?.trim().parse::<i64>() {
                    if let Some(member) =
                        self.lookup(py, &pyo3::types::PyInt::new(py, n).into_any())?
                    {
                        return Ok(member);
                    }
                }
            }
        }
        let error = || {
            ValError::new_py(
                ErrorType::Enum {
                    expected: join_expected(&self.expected_repr),
                },
                &obj,
            )
        };
        if let Some(missing) = &self.missing {
            // A ValueError from `_missing_` is the enum error (as in `Enum.__new__`); other
            // exceptions propagate.
            return match missing.bind(py).call1((&obj,)) {
                Ok(found) if found.is_instance(cls)? => Ok(found),
                Ok(_) => Err(error()),
                Err(e) if e.is_instance_of::<pyo3::exceptions::PyValueError>(py) => Err(error()),
                Err(e) => Err(e.into()),
            };
        }
        Err(error())
    }
}

/// `decimal.Decimal` with Pydantic's constraints (bounds compared in Python).
#[derive(Debug)]
pub struct DecimalValidator {
    pub strict: bool,
    pub bounds: Vec<(ErrorType, Py<PyAny>)>,
    pub max_digits: Option<usize>,
    pub decimal_places: Option<usize>,
    pub allow_inf_nan: bool,
}

impl DecimalValidator {
    pub fn validate<'py>(
        &self,
        py: Python<'py>,
        inp: &Inp<'_, 'py>,
        strict: Option<bool>,
    ) -> ValResult<Bound<'py, PyAny>> {
        let strict = strict.unwrap_or(self.strict);
        let cls = decimal_cls(py)?;
        let value = match inp {
            Inp::Py(o) => {
                if o.is_instance(cls)? {
                    o.clone()
                } else if strict {
                    // Strict Python input must already be a Decimal (Pydantic's wording).
                    return Err(ValError::new(
                        py,
                        ErrorType::IsInstanceOf {
                            class: "Decimal".into(),
                        },
                        inp,
                    ));
                } else if o.is_instance_of::<PyBool>() {
                    return Err(ValError::new(py, ErrorType::DecimalType, inp));
                } else if o.is_instance_of::<PyInt>() || o.is_instance_of::<PyString>() {
                    let text = o.str()?.to_string().trim().to_owned();
                    cls.call1((text,))
                        .map_err(|_| ValError::new(py, ErrorType::DecimalParsing, inp))?
                } else if o.is_instance_of::<PyFloat>() {
                    cls.call1((o.str()?,))
                        .map_err(|_| ValError::new(py, ErrorType::DecimalParsing, inp))?
                } else {
                    return Err(ValError::new(py, ErrorType::DecimalType, inp));
                }
            }
            Inp::Json(v) => {
                let text = match v {
                    JsonValue::Str(s) => s.trim().to_owned(),
                    JsonValue::Int(i) => i.to_string(),
                    JsonValue::BigInt(b) => b.to_string(),
                    JsonValue::Float(f) => f.to_string(),
                    _ => return Err(ValError::new(py, ErrorType::DecimalType, inp)),
                };
                cls.call1((text,))
                    .map_err(|_| ValError::new(py, ErrorType::DecimalParsing, inp))?
            }
        };
        let finite: bool = value
            .call_method0(pyo3::intern!(py, "is_finite"))?
            .extract()?;
        if !finite {
            if !self.allow_inf_nan {
                return Err(ValError::new(py, ErrorType::FiniteNumber, inp));
            }
            return Ok(value);
        }
        if self.max_digits.is_some() || self.decimal_places.is_some() {
            let (total, places) = decimal_digits(&value)?;
            if let Some(max_digits) = self.max_digits {
                if total > max_digits {
                    return Err(ValError::new(
                        py,
                        ErrorType::DecimalMaxDigits { max_digits },
                        inp,
                    ));
                }
            }
            if let Some(decimal_places) = self.decimal_places {
                if places > decimal_places {
                    return Err(ValError::new(
                        py,
                        ErrorType::DecimalMaxPlaces { decimal_places },
                        inp,
                    ));
                }
                if let Some(max_digits) = self.max_digits {
                    let whole_digits = max_digits.saturating_sub(decimal_places);
                    if total.saturating_sub(places) > whole_digits {
                        return Err(ValError::new(
                            py,
                            ErrorType::DecimalWholeDigits { whole_digits },
                            inp,
                        ));
                    }
                }
            }
        }
        check_bounds(py, &value, &self.bounds, inp, true)?;
        Ok(value)
    }
}

/// `(digits, decimal places)` of a finite Decimal, trailing zeros not counted and
/// nothing rounded (`normalize()` would round to the context's precision).
fn decimal_digits(value: &Bound<'_, PyAny>) -> PyResult<(usize, usize)> {
    let tuple = value.call_method0(pyo3::intern!(value.py(), "as_tuple"))?;
    let digits: Vec<u8> = tuple.getattr("digits")?.extract()?;
    let exponent: i64 = tuple.getattr("exponent")?.extract().unwrap_or(0);
    let significant = digits.iter().rposition(|d| *d != 0).map_or(0, |i| i + 1);
    if significant == 0 {
        // Zero: written with a fraction ("0.0", "0E-10") it has no whole digit, as Pydantic
        // counts it; "0" or "0E+5" has one.
        return Ok(if exponent < 0 { (0, 0) } else { (1, 0) });
    }
    let trailing = i64::try_from(digits.len() - significant).unwrap_or(0);
    let exponent = exponent + trailing;
    Ok(if exponent >= 0 {
        (significant + usize::try_from(exponent).unwrap_or(0), 0)
    } else {
        let places = usize::try_from(-exponent).unwrap_or(0);
        (significant.max(places), places)
    })
}

/// A validator followed by bounds compared with Python's rich comparison.
#[derive(Debug)]
pub struct BoundedValidator {
    pub inner: super::validator::Validator,
    pub bounds: Vec<(ErrorType, Py<PyAny>)>,
}

/// Compare a validated `value` with each bound, in the given order; the
/// first failing one is reported against the original input.
pub fn check_bounds<'py>(
    py: Python<'py>,
    value: &Bound<'py, PyAny>,
    bounds: &[(ErrorType, Py<PyAny>)],
    inp: &Inp<'_, 'py>,
    ctx_objects: bool,
) -> ValResult<()> {
    for (kind, bound) in bounds {
        let b = bound.bind(py);
        let ok = match kind {
            ErrorType::GreaterThan { .. } => value.gt(b)?,
            ErrorType::GreaterThanEqual { .. } => value.ge(b)?,
            ErrorType::LessThan { .. } => value.lt(b)?,
            ErrorType::LessThanEqual { .. } => value.le(b)?,
            ErrorType::MultipleOf { .. } => value.rem(b)?.is_truthy().map(|t| !t)?,
            _ => true,
        };
        if !ok {
            let mut err = ValError::new(py, kind.clone(), inp);
            if ctx_objects {
                // Pydantic reports the bound itself (a Decimal stays a Decimal).
                let key = match kind {
                    ErrorType::GreaterThan { .. } => "gt",
                    ErrorType::GreaterThanEqual { .. } => "ge",
                    ErrorType::LessThan { .. } => "lt",
                    ErrorType::LessThanEqual { .. } => "le",
                    _ => "multiple_of",
                };
                if let ValError::Lines(lines) = &mut err {
                    for line in lines {
                        line.ctx_py = Some((key, bound.clone_ref(py)));
                    }
                }
            }
            return Err(err);
        }
    }
    Ok(())
}

/// `uuid.UUID` from a UUID, a string (any form the `uuid` crate reads) or 16 bytes.
pub fn validate_uuid<'py>(
    py: Python<'py>,
    inp: &Inp<'_, 'py>,
    strict: bool,
) -> ValResult<Bound<'py, PyAny>> {
    let cls = uuid_cls(py)?;
    let parsed = match inp {
        Inp::Py(o) => {
            if o.is_instance(cls)? {
                return Ok(o.clone());
            }
            if strict {
                return Err(ValError::new(py, ErrorType::UuidType, inp));
            }
            if let Ok(s) = o.cast::<PyString>() {
                uuid::Uuid::parse_str(s.to_cow()?.trim())
            } else if let Ok(b) = o.cast::<PyBytes>() {
                let raw = b.as_bytes();
                if raw.len() == 16 {
                    uuid::Uuid::from_slice(raw)
                } else {
                    match std::str::from_utf8(raw) {
                        Ok(s) => uuid::Uuid::parse_str(s),
                        Err(_) => return Err(ValError::new(py, ErrorType::UuidType, inp)),
                    }
                }
            } else {
                return Err(ValError::new(py, ErrorType::UuidType, inp));
            }
        }
        Inp::Json(JsonValue::Str(s)) => uuid::Uuid::parse_str(s.trim()),
        Inp::Json(_) => return Err(ValError::new(py, ErrorType::UuidType, inp)),
    };
    match parsed {
        Ok(u) => Ok(cls.call1((u.hyphenated().to_string(),))?.into_any()),
        Err(e) => Err(ValError::new(
            py,
            ErrorType::UuidParsing {
                error: e.to_string(),
            },
            inp,
        )),
    }
}

static EMAIL_CHECK: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// `EmailStr`: the address checked and normalised by `email-validator`
/// (through `ouroboros.validation._email`), as Pydantic checks it; its
/// reasons become `value_error` lines ("value is not a valid email address: ...").
pub fn validate_email<'py>(py: Python<'py>, inp: &Inp<'_, 'py>) -> ValResult<Bound<'py, PyAny>> {
    let Some(s) = inp.as_str() else {
        return Err(ValError::new(py, ErrorType::StringType, inp));
    };
    let check = EMAIL_CHECK.import(py, "ouroboros.validation._email", "normalized_address")?;
    match check.call1((PyString::new(py, &s),)) {
        Ok(address) => Ok(address),
        Err(e) => Err(super::error::from_user_exception(py, e, &inp.to_py(py)?)),
    }
}

/// URLs (`AnyUrl`, `HttpUrl`): parsed and normalised, returned as the
/// normalised string; the Python side wraps it in its `Url` type.
#[derive(Debug)]
pub struct UrlValidator {
    pub allowed_schemes: Vec<String>,
    pub max_length: Option<usize>,
    pub host_required: bool,
    /// Filled in when the URL leaves them out (`redis://` -> `redis://localhost:6379/0`).
    pub defaults: UrlDefaults,
    pub wrap: Option<Py<PyAny>>,
    /// Instances of this class are already valid: they pass unchanged.
    pub cls: Option<Py<PyAny>>,
    /// `scheme://user@h1:p1,h2:p2/path` (DSNs): several hosts, each normalised.
    pub multi_host: bool,
    /// An input without a path keeps none (`http://a.com`, not `http://a.com/`).
    pub preserve_empty_path: bool,
}

/// `normalized` without the `/` path the URL standard gives a special scheme's URL, when the
/// input `text` had no path at all (`http://a.com?q` stays `http://a.com?q`).
fn without_added_path(text: &str, normalized: String) -> String {
    let input_path = text
        .split_once("://")
        .map(|(_, rest)| rest.find(['/', '?', '#']).map(|i| rest.as_bytes()[i]));
    if !matches!(input_path, Some(None | Some(b'?' | b'#'))) {
        return normalized;
    }
    let Some((scheme, rest)) = normalized.split_once("://") else {
        return normalized;
    };
    match rest.find(['/', '?', '#']) {
        Some(i)
            if rest.as_bytes()[i] == b'/'
                && matches!(rest.as_bytes().get(i + 1), None | Some(b'?' | b'#')) =>
        {
            format!("{scheme}://{}{}", &rest[..i], &rest[i + 1..])
        }
        _ => normalized,
    }
}

/// Host, port and path a URL type supplies when the input has none.
#[derive(Debug, Default)]
pub struct UrlDefaults {
    pub host: Option<String>,
    pub port: Option<u16>,
    pub path: Option<String>,
}

/// Parse and normalise a URL with the `url` crate (WHATWG rules: lower-cased
/// scheme and host, IDNA punycode, default port dropped, `/` path on special
/// schemes), or say what is wrong in the crate's words.
pub fn normalize_url(
    s: &str,
    host_required: bool,
    defaults: &UrlDefaults,
) -> Result<String, String> {
    let mut url = url::Url::parse(s).map_err(|e| e.to_string())?;
    if let Some(host) = &defaults.host {
        if url.host_str().is_none_or(str::is_empty) {
            url.set_host(Some(host)).map_err(|e| e.to_string())?;
        }
    }
    if let Some(port) = defaults.port {
        if url.port().is_none() && url.host_str().is_some_and(|h| !h.is_empty()) {
            // A port cannot be set on a URL without a host (file:, mailto:): left as it is.
            let _ = url.set_port(Some(port));
        }
    }
    if let Some(path) = &defaults.path {
        if matches!(url.path(), "" | "/") {
            url.set_path(path);
        }
    }
    if host_required && url.host_str().is_none_or(str::is_empty) {
        return Err("empty host".to_owned());
    }
    Ok(url.into())
}

/// `normalize_url` for a URL whose authority lists several hosts separated
/// by commas: each host is normalised on its own (the user info stays with
/// the first), the path, query and fragment with the first host.
pub fn normalize_multi_host_url(
    s: &str,
    host_required: bool,
    defaults: &UrlDefaults,
) -> Result<String, String> {
    let Some((scheme, rest)) = s.split_once("://") else {
        return normalize_url(s, host_required, defaults);
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    if !authority.contains(',') {
        return normalize_url(s, host_required, defaults);
    }
    let (userinfo, hosts) = match authority.rsplit_once('@') {
        Some((user, hosts)) => (format!("{user}@"), hosts),
        None => (String::new(), authority),
    };
    let mut normalised_hosts = Vec::new();
    let mut first = None;
    for (i, host) in hosts.split(',').enumerate() {
        let user = if i == 0 { userinfo.as_str() } else { "" };
        let one = normalize_url(
            &format!("{scheme}://{user}{host}{tail}"),
            host_required,
            defaults,
        )?;
        let after_scheme = one.split_once("://").map_or(one.as_str(), |(_, r)| r);
        let cut = after_scheme
            .find(['/', '?', '#'])
            .unwrap_or(after_scheme.len());
        normalised_hosts.push(after_scheme[..cut].to_owned());
        if i == 0 {
            first = Some((
                after_scheme[cut..].to_owned(),
                one.split("://").next().unwrap_or(scheme).to_owned(),
            ));
        }
    }
    let (tail, scheme) = first.unwrap_or_default();
    Ok(format!("{scheme}://{}{tail}", normalised_hosts.join(",")))
}

impl UrlValidator {
    pub fn validate<'py>(
        &self,
        py: Python<'py>,
        inp: &Inp<'_, 'py>,
    ) -> ValResult<Bound<'py, PyAny>> {
        if let (Some(cls), Inp::Py(o)) = (&self.cls, inp) {
            if o.is_instance(cls.bind(py))? {
                return Ok(o.clone());
            }
        }
        let text = match inp.as_str() {
            Some(s) => s.into_owned(),
            None => match inp {
                Inp::Py(o) if o.hasattr(pyo3::intern!(py, "__ouroboros_url__"))? => {
                    o.str()?.to_string()
                }
                // UTF-8 bytes are read as text, as Pydantic does.
                Inp::Py(o)
                    if o.cast::<pyo3::types::PyBytes>()
                        .is_ok_and(|b| std::str::from_utf8(b.as_bytes()).is_ok()) =>
                {
                    String::from_utf8_lossy(
                        o.cast::<pyo3::types::PyBytes>()
                            .map_err(PyErr::from)?
                            .as_bytes(),
                    )
                    .into_owned()
                }
                _ => return Err(ValError::new(py, ErrorType::UrlType, inp)),
            },
        };
        if text.is_empty() {
            return Err(ValError::new(
                py,
                ErrorType::UrlParsing {
                    error: "input is empty".into(),
                },
                inp,
            ));
        }
        if let Some(max) = self.max_length {
            if text.chars().count() > max {
                return Err(ValError::new(
                    py,
                    ErrorType::UrlParsing {
                        error: format!("URL should have at most {max} characters"),
                    },
                    inp,
                ));
            }
        }
        let normalized = if self.multi_host {
            normalize_multi_host_url(&text, self.host_required, &self.defaults)
        } else {
            normalize_url(&text, self.host_required, &self.defaults)
        }
        .map_err(|error| ValError::new(py, ErrorType::UrlParsing { error }, inp))?;
        let normalized = if self.preserve_empty_path && self.defaults.path.is_none() {
            without_added_path(&text, normalized)
        } else {
            normalized
        };
        if !self.allowed_schemes.is_empty() {
            let scheme = normalized.split(':').next().unwrap_or_default();
            if !self.allowed_schemes.iter().any(|s| s == scheme) {
                let quoted: Vec<String> = self
                    .allowed_schemes
                    .iter()
                    .map(|s| format!("'{s}'"))
                    .collect();
                return Err(ValError::new(
                    py,
                    ErrorType::UrlScheme {
                        expected_schemes: join_expected(&quoted),
                    },
                    inp,
                ));
            }
        }
        let s = PyString::new(py, &normalized).into_any();
        match &self.wrap {
            Some(w) => Ok(w.bind(py).call1((s,))?),
            None => Ok(s),
        }
    }
}
