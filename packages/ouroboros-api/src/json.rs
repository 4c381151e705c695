//! JSON in and out of Python objects, in Rust.
//!
//! Responses are written straight from Python objects into bytes, filtered by
//! the route's `response_model` (a field tree compiled once per route); only
//! types without a fast path (datetimes, enums, models...) go through a Python
//! fallback that turns them into plain values first.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyFrozenSet, PyInt, PyList, PySet, PyString, PyTuple};
use serde_json::Value;

/// Nesting deeper than this is reported instead of overflowing the stack
/// (and catches a fallback that keeps returning objects it cannot reduce).
const MAX_DEPTH: u32 = 200;

/// Which parts of a value a `response_model` lets through.
#[derive(Debug)]
pub enum Filter {
    /// Everything (no response model, or a field typed `Any`/`dict`).
    All,
    /// Only these fields, in this order (a model).
    Fields(Vec<FieldFilter>),
    /// Every item of a list, filtered.
    Items(Box<Filter>),
    /// Every value of a dict, filtered.
    Values(Box<Filter>),
}

#[derive(Debug)]
pub struct FieldFilter {
    pub name: Py<PyString>,
    /// `"name":` already escaped, written as is.
    pub key: Vec<u8>,
    pub sub: Filter,
}

impl Filter {
    /// Build from the description `ouroboros.api._plan` makes: `None`,
    /// `{"fields": [(name, sub), ...]}`, `{"items": sub}` or `{"values": sub}`.
    pub fn from_py(obj: &Bound<'_, PyAny>) -> PyResult<Self> {
        if obj.is_none() {
            return Ok(Self::All);
        }
        let d = obj.cast::<PyDict>()?;
        if let Some(fields) = d.get_item("fields")? {
            let mut out = Vec::new();
            for item in fields.try_iter()? {
                let (name, sub): (Bound<'_, PyString>, Bound<'_, PyAny>) = item?.extract()?;
                let mut key = Vec::new();
                write_str(&mut key, name.to_str()?);
                key.push(b':');
                out.push(FieldFilter {
                    name: name.unbind(),
                    key,
                    sub: Self::from_py(&sub)?,
                });
            }
            return Ok(Self::Fields(out));
        }
        if let Some(sub) = d.get_item("items")? {
            return Ok(Self::Items(Box::new(Self::from_py(&sub)?)));
        }
        if let Some(sub) = d.get_item("values")? {
            return Ok(Self::Values(Box::new(Self::from_py(&sub)?)));
        }
        Ok(Self::All)
    }
}

/// Write a JSON string literal.
pub fn write_str(out: &mut Vec<u8>, s: &str) {
    // serde_json's escaper: the same rules as its own serializer; writing
    // into a Vec cannot fail.
    let _ = serde_json::to_writer(out, s);
}

fn write_float(out: &mut Vec<u8>, f: f64) {
    if f.is_finite() {
        let mut buf = ryu::Buffer::new();
        out.extend_from_slice(buf.format_finite(f).as_bytes());
    } else {
        // JSON has no NaN/Infinity; null is what browsers' JSON.stringify writes.
        out.extend_from_slice(b"null");
    }
}

/// Serialize `obj` as JSON into `out`.
///
/// `fallback` is a Python callable that reduces any other object to plain
/// values (or raises `TypeError`).
pub fn write_value(
    out: &mut Vec<u8>,
    obj: &Bound<'_, PyAny>,
    filter: &Filter,
    fallback: &Bound<'_, PyAny>,
    depth: u32,
) -> PyResult<()> {
    if depth > MAX_DEPTH {
        return Err(PyValueError::new_err(
            "response is nested too deeply (or contains a cycle) to serialize as JSON",
        ));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        write_str(out, s.to_str()?);
    } else if obj.is_none() {
        out.extend_from_slice(b"null");
    } else if let Ok(b) = obj.cast::<PyBool>() {
        out.extend_from_slice(if b.is_true() { b"true" } else { b"false" });
    } else if let Ok(i) = obj.cast::<PyInt>() {
        match i.extract::<i64>() {
            Ok(v) => out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes()),
            Err(_) => out.extend_from_slice(i.str()?.to_str()?.as_bytes()),
        }
    } else if let Ok(f) = obj.cast::<PyFloat>() {
        write_float(out, f.value());
    } else if let Ok(d) = obj.cast::<PyDict>() {
        write_dict(out, d, filter, fallback, depth)?;
    } else if let Ok(l) = obj.cast::<PyList>() {
        let sub = match filter {
            Filter::Items(sub) => sub.as_ref(),
            _ => &Filter::All,
        };
        out.push(b'[');
        for (n, item) in l.iter().enumerate() {
            if n > 0 {
                out.push(b',');
            }
            write_value(out, &item, sub, fallback, depth + 1)?;
        }
        out.push(b']');
    } else if obj.is_instance_of::<PyTuple>()
        || obj.is_instance_of::<PySet>()
        || obj.is_instance_of::<PyFrozenSet>()
    {
        let sub = match filter {
            Filter::Items(sub) => sub.as_ref(),
            _ => &Filter::All,
        };
        out.push(b'[');
        for (n, item) in obj.try_iter()?.enumerate() {
            if n > 0 {
                out.push(b',');
            }
            write_value(out, &item?, sub, fallback, depth + 1)?;
        }
        out.push(b']');
    } else if let Filter::Fields(fields) = filter {
        // An object filtered by a model: read the model's fields as attributes
        // (models, dataclasses, ORM objects alike).
        out.push(b'{');
        let mut first = true;
        for f in fields {
            let Ok(v) = obj.getattr(f.name.bind(obj.py())) else {
                continue;
            };
            if !first {
                out.push(b',');
            }
            first = false;
            out.extend_from_slice(&f.key);
            write_value(out, &v, &f.sub, fallback, depth + 1)?;
        }
        out.push(b'}');
    } else {
        let plain = fallback.call1((obj,))?;
        write_value(out, &plain, filter, fallback, depth + 1)?;
    }
    Ok(())
}

fn write_dict(
    out: &mut Vec<u8>,
    d: &Bound<'_, PyDict>,
    filter: &Filter,
    fallback: &Bound<'_, PyAny>,
    depth: u32,
) -> PyResult<()> {
    out.push(b'{');
    if let Filter::Fields(fields) = filter {
        let mut first = true;
        for f in fields {
            let Some(v) = d.get_item(f.name.bind(d.py()))? else {
                continue;
            };
            if !first {
                out.push(b',');
            }
            first = false;
            out.extend_from_slice(&f.key);
            write_value(out, &v, &f.sub, fallback, depth + 1)?;
        }
    } else {
        let sub = match filter {
            Filter::Values(sub) => sub.as_ref(),
            _ => &Filter::All,
        };
        for (n, (k, v)) in d.iter().enumerate() {
            if n > 0 {
                out.push(b',');
            }
            if let Ok(s) = k.cast::<PyString>() {
                write_str(out, s.to_str()?);
            } else if k.is_instance_of::<PyBool>() || k.is_none() {
                // json.dumps writes True/None keys as "true"/"null".
                let mut tmp = Vec::new();
                write_value(&mut tmp, &k, &Filter::All, fallback, depth + 1)?;
                write_str(out, &String::from_utf8_lossy(&tmp));
            } else {
                let plain = if k.is_instance_of::<PyInt>() || k.is_instance_of::<PyFloat>() {
                    k.str()?
                } else {
                    fallback.call1((&k,))?.str()?
                };
                write_str(out, plain.to_str()?);
            }
            out.push(b':');
            write_value(out, &v, sub, fallback, depth + 1)?;
        }
    }
    out.push(b'}');
    Ok(())
}

/// Convert parsed JSON into Python objects.
pub fn value_to_py<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(value_to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, item) in map {
                dict.set_item(k, value_to_py(py, item)?)?;
            }
            dict.into_any()
        }
    })
}
