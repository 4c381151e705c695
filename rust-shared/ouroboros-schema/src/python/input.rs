//! What validators read: a Python object or a parsed JSON value.
//!
//! JSON bytes are parsed once by `jiter` into a borrowed tree and validated
//! from that tree straight into Python model instances: no intermediate
//! Python dicts and lists are built for data that ends up in a model.

use std::borrow::Cow;

use jiter::JsonValue;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};

/// One input value.
#[derive(Debug, Clone)]
pub enum Inp<'a, 'py> {
    Py(Bound<'py, PyAny>),
    Json(&'a JsonValue<'a>),
}

impl<'py> Inp<'_, 'py> {
    /// The input as a Python object (for `Any`, error reports, user
    /// validators): free for Python input, built for JSON.
    pub fn to_py(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self {
            Self::Py(o) => Ok(o.clone()),
            Self::Json(v) => json_to_py(py, v),
        }
    }

    #[must_use]
    pub fn is_none(&self) -> bool {
        match self {
            Self::Py(o) => o.is_none(),
            Self::Json(v) => matches!(v, JsonValue::Null),
        }
    }

    /// The input as text, if it is a string (Python `str` or JSON string).
    #[must_use]
    pub fn as_str(&self) -> Option<Cow<'_, str>> {
        match self {
            Self::Py(o) => o
                .cast::<PyString>()
                .ok()
                .and_then(|s| s.to_cow().ok())
                .map(|c| Cow::Owned(c.into_owned())),
            Self::Json(JsonValue::Str(s)) => Some(Cow::Borrowed(s.as_ref())),
            Self::Json(_) => None,
        }
    }

    /// A short name of the input's type, for error messages.
    #[must_use]
    pub fn type_name(&self) -> String {
        match self {
            Self::Py(o) => o
                .get_type()
                .name()
                .map_or_else(|_| "object".into(), |n| n.to_string()),
            Self::Json(v) => match v {
                JsonValue::Null => "None",
                JsonValue::Bool(_) => "bool",
                JsonValue::Int(_) | JsonValue::BigInt(_) => "int",
                JsonValue::Float(_) => "float",
                JsonValue::Str(_) => "str",
                JsonValue::Array(_) => "list",
                JsonValue::Object(_) => "dict",
            }
            .into(),
        }
    }
}

/// Build Python objects from a JSON value (used where a field is `Any` or a
/// user function needs the raw input).
pub fn json_to_py<'py>(py: Python<'py>, v: &JsonValue<'_>) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        JsonValue::Null => py.None().into_bound(py),
        JsonValue::Bool(b) => b.into_pyobject(py)?.to_owned().into_any(),
        JsonValue::Int(i) => i.into_pyobject(py)?.into_any(),
        JsonValue::BigInt(b) => {
            let builtins = py.import(pyo3::intern!(py, "builtins"))?;
            builtins
                .getattr(pyo3::intern!(py, "int"))?
                .call1((b.to_string(),))?
        }
        JsonValue::Float(f) => f.into_pyobject(py)?.into_any(),
        JsonValue::Str(s) => super::string_cache::py_str(py, s).into_any(),
        JsonValue::Array(items) => {
            let list = PyList::empty(py);
            for item in items.iter() {
                list.append(json_to_py(py, item)?)?;
            }
            list.into_any()
        }
        JsonValue::Object(entries) => {
            let dict = PyDict::new(py);
            for (k, item) in entries.iter() {
                dict.set_item(super::string_cache::py_str(py, k), json_to_py(py, item)?)?;
            }
            dict.into_any()
        }
    })
}
