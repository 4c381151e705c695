//! Python values <-> stored bytes (holds the GIL).
//!
//! A stored value starts with a one-byte tag, except integers:
//!
//! | stored | Python |
//! |---|---|
//! | `0x00` + bytes | `bytes` |
//! | `0x01` + UTF-8 | `str` |
//! | `0x02` + JSON | any JSON-able value or a model instance |
//! | ASCII decimal (`-12`) | `int` (so Redis `INCRBY` and `incr` work on it) |
//! | anything else | `bytes` as stored (a value written by another client) |
//!
//! JSON goes through ouroboros-schema, the project's one conversion engine:
//! models with their own compiled description (cached per class), other
//! values with the `any` schema; decoding with `model=` validates the JSON
//! straight into an instance.

use std::sync::Arc;

use ouroboros_common::python::InvalidArgumentError;
use ouroboros_schema::python::{SchemaValidator, SerOptions, SCHEMA_ATTR};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyByteArray, PyBytes, PyDict, PyInt, PyString, PyType};

pub const TAG_BYTES: u8 = 0x00;
pub const TAG_STR: u8 = 0x01;
pub const TAG_JSON: u8 = 0x02;

static ANY: PyOnceLock<Arc<SchemaValidator>> = PyOnceLock::new();

/// Where a model class keeps its validator compiled here (in its own
/// `__dict__`, set with `type.__setattr__`).
const VALIDATOR_ATTR: &str = "__ouroboros_kv_validator__";

/// A model class's compiled validator, stored on the class itself rather than
/// in a global cache: class -> `ModelValidator` -> validator -> class is a
/// cycle the garbage collector sees (`__traverse__`), so a model class made
/// at run time is freed once unused.
#[pyclass(module = "ouroboros.kv._kv", frozen)]
pub struct ModelValidator {
    validator: Arc<SchemaValidator>,
    /// The class it was compiled for (a subclass inherits the attribute but
    /// needs its own validator).
    owner: usize,
}

#[pymethods]
impl ModelValidator {
    fn __traverse__(&self, visit: pyo3::PyVisit<'_>) -> Result<(), pyo3::PyTraverseError> {
        self.validator.traverse(visit)
    }
}

fn any_validator(py: Python<'_>) -> PyResult<&Arc<SchemaValidator>> {
    ANY.get_or_try_init(py, || {
        let d = PyDict::new(py);
        d.set_item("type", "any")?;
        Ok(Arc::new(SchemaValidator::compile(py, d.as_any())?))
    })
}

/// The compiled validator of a model class (compiled once per class).
pub fn model_validator(py: Python<'_>, cls: &Bound<'_, PyAny>) -> PyResult<Arc<SchemaValidator>> {
    let cls = cls.cast::<PyType>().map_err(|_| {
        PyTypeError::new_err(format!(
            "model= takes an ouroboros.validation BaseModel class, got {}",
            repr(cls)
        ))
    })?;
    let id = cls.as_ptr() as usize;
    let attr = pyo3::intern!(py, VALIDATOR_ATTR);
    if let Ok(held) = cls.getattr(attr) {
        if let Ok(held) = held.cast::<ModelValidator>() {
            let held = held.get();
            if held.owner == id {
                return Ok(Arc::clone(&held.validator));
            }
        }
    }
    if !cls.hasattr(SCHEMA_ATTR)? {
        return Err(PyTypeError::new_err(format!(
            "model= takes an ouroboros.validation BaseModel class, got {}",
            cls.name()?
        )));
    }
    let validator = Arc::new(SchemaValidator::compile(py, cls.as_any())?);
    let held = ModelValidator {
        validator: Arc::clone(&validator),
        owner: id,
    };
    py.get_type::<PyType>()
        .call_method1("__setattr__", (cls, attr, held))?;
    Ok(validator)
}

fn repr(obj: &Bound<'_, PyAny>) -> String {
    let text = obj
        .repr()
        .map_or_else(|_| "<unprintable>".into(), |r| r.to_string());
    ouroboros_common::error::truncate_for_message(&text, 80)
}

/// Encode a Python value for storage.
pub fn encode(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(b) = value.cast::<PyBytes>() {
        let raw = b.as_bytes();
        let mut out = Vec::with_capacity(raw.len() + 1);
        out.push(TAG_BYTES);
        out.extend_from_slice(raw);
        return Ok(out);
    }
    if let Ok(s) = value.cast::<PyString>() {
        let text = s.to_cow()?;
        let mut out = Vec::with_capacity(text.len() + 1);
        out.push(TAG_STR);
        out.extend_from_slice(text.as_bytes());
        return Ok(out);
    }
    if let Ok(b) = value.cast::<PyByteArray>() {
        let mut out = vec![TAG_BYTES];
        out.extend_from_slice(&b.to_vec());
        return Ok(out);
    }
    if value.is_none() {
        return Err(InvalidArgumentError::new_err(
            "invalid argument `value`: None cannot be stored (a missing key reads as None); delete the key instead",
        ));
    }
    if value.is_instance_of::<PyInt>() && !value.is_instance_of::<PyBool>() {
        if let Ok(n) = value.extract::<i64>() {
            return Ok(n.to_string().into_bytes());
        }
    }
    let ty = value.get_type();
    let validator = if ty.hasattr(SCHEMA_ATTR)? {
        model_validator(py, ty.as_any())?
    } else {
        Arc::clone(any_validator(py)?)
    };
    let json = validator.to_json(value, SerOptions::default(), None, None).map_err(|e| {
        if e.is_instance_of::<PyTypeError>(py) || e.is_instance_of::<pyo3::exceptions::PyValueError>(py) {
            PyTypeError::new_err(format!(
                "cannot store {}: values are bytes, str, int, JSON-able data or ouroboros.validation models ({e})",
                repr(value)
            ))
        } else {
            e
        }
    })?;
    let mut out = Vec::with_capacity(json.len() + 1);
    out.push(TAG_JSON);
    out.extend_from_slice(&json);
    Ok(out)
}

/// Canonical ASCII decimal (what `encode` and `INCRBY` write).
fn as_int(payload: &[u8]) -> Option<i64> {
    if payload.is_empty() || payload.len() > 20 {
        return None;
    }
    let first = payload[0];
    if !(first.is_ascii_digit() || first == b'-') {
        return None;
    }
    let text = std::str::from_utf8(payload).ok()?;
    let n = text.parse::<i64>().ok()?;
    (n.to_string().len() == text.len()).then_some(n)
}

/// Decode a stored value; with `model`, validate JSON into an instance.
pub fn decode<'py>(
    py: Python<'py>,
    payload: &[u8],
    model: Option<&SchemaValidator>,
) -> PyResult<Bound<'py, PyAny>> {
    if let Some(model) = model {
        let json = match payload.first() {
            Some(&TAG_JSON | &TAG_STR | &TAG_BYTES) => &payload[1..],
            _ => payload,
        };
        return model.validate_json(py, json, None);
    }
    match payload.first() {
        Some(&TAG_BYTES) => Ok(PyBytes::new(py, &payload[1..]).into_any()),
        Some(&TAG_STR) => match std::str::from_utf8(&payload[1..]) {
            Ok(s) => Ok(PyString::new(py, s).into_any()),
            Err(_) => Ok(PyBytes::new(py, payload).into_any()),
        },
        Some(&TAG_JSON) => any_validator(py)?.validate_json(py, &payload[1..], None),
        _ => match as_int(payload) {
            Some(n) => Ok(n.into_pyobject(py)?.into_any()),
            None => Ok(PyBytes::new(py, payload).into_any()),
        },
    }
}
