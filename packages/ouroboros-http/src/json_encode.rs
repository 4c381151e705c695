//! Python values -> JSON bytes, for `json=` request bodies.
//!
//! Written directly into a `Vec<u8>` (no intermediate tree). Strings and
//! floats go through serde_json's escaping and float formatting, so the
//! output is what any JSON parser expects.

use ouroboros_common::python::InvalidArgumentError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

const MAX_DEPTH: usize = 255;

/// Serialize `obj`; the error names the JSON path of the offending value.
pub fn to_json(obj: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    let mut out = Vec::with_capacity(128);
    let mut path = Vec::new();
    write(obj, &mut out, &mut path)?;
    Ok(out)
}

fn path_text(path: &[String]) -> String {
    let mut s = String::from("$");
    for p in path {
        s.push_str(p);
    }
    s
}

fn fail(path: &[String], why: &str) -> PyErr {
    InvalidArgumentError::new_err(format!("json= body: value at {} {why}", path_text(path)))
}

fn write_str(s: &str, out: &mut Vec<u8>) -> PyResult<()> {
    serde_json::to_writer(&mut *out, s).map_err(|e| InvalidArgumentError::new_err(e.to_string()))
}

fn write(obj: &Bound<'_, PyAny>, out: &mut Vec<u8>, path: &mut Vec<String>) -> PyResult<()> {
    if path.len() > MAX_DEPTH {
        return Err(fail(path, "is nested too deeply (a cycle?)"));
    }
    if obj.is_none() {
        out.extend_from_slice(b"null");
    } else if let Ok(s) = obj.cast::<PyString>() {
        write_str(s.to_str()?, out)?;
    } else if let Ok(b) = obj.cast::<PyBool>() {
        out.extend_from_slice(if b.is_true() { b"true" } else { b"false" });
    } else if let Ok(i) = obj.cast::<PyInt>() {
        if let Ok(v) = i.extract::<i64>() {
            out.extend_from_slice(itoa_i64(v).as_bytes());
        } else {
            out.extend_from_slice(i.str()?.to_str()?.as_bytes());
        }
    } else if let Ok(f) = obj.cast::<PyFloat>() {
        let v = f.value();
        if !v.is_finite() {
            return Err(fail(
                path,
                &format!("is {v}. Out of range float values are not JSON compliant"),
            ));
        }
        serde_json::to_writer(&mut *out, &v).map_err(|e| fail(path, &e.to_string()))?;
    } else if let Ok(d) = obj.cast::<PyDict>() {
        out.push(b'{');
        for (n, (k, v)) in d.iter().enumerate() {
            if n > 0 {
                out.push(b',');
            }
            let key = if let Ok(s) = k.cast::<PyString>() {
                s.to_str()?.to_owned()
            } else if k.is_instance_of::<PyInt>()
                || k.is_instance_of::<PyFloat>()
                || k.is_instance_of::<PyBool>()
                || k.is_none()
            {
                // json.dumps turns these keys into strings; so do we.
                let text: String = if k.is_none() {
                    "null".into()
                } else if let Ok(b) = k.cast::<PyBool>() {
                    if b.is_true() {
                        "true".into()
                    } else {
                        "false".into()
                    }
                } else {
                    k.str()?.to_str()?.to_owned()
                };
                text
            } else {
                return Err(fail(
                    path,
                    &format!("has a key of type {}, expected str", k.get_type().name()?),
                ));
            };
            write_str(&key, out)?;
            out.push(b':');
            path.push(format!(".{key}"));
            write(&v, out, path)?;
            path.pop();
        }
        out.push(b'}');
    } else if let Ok(l) = obj.cast::<PyList>() {
        write_seq(l.iter(), out, path)?;
    } else if let Ok(t) = obj.cast::<PyTuple>() {
        write_seq(t.iter(), out, path)?;
    } else if obj.hasattr("model_dump")? {
        // Models (ouroboros.validation, pydantic) dump to plain JSON data.
        let dumped = obj.call_method1("model_dump", ())?;
        write(&dumped, out, path)?;
    } else {
        return Err(fail(
            path,
            &format!(
                "of type {} is not JSON serializable",
                obj.get_type().name()?
            ),
        ));
    }
    Ok(())
}

fn write_seq<'py>(
    items: impl Iterator<Item = Bound<'py, PyAny>>,
    out: &mut Vec<u8>,
    path: &mut Vec<String>,
) -> PyResult<()> {
    out.push(b'[');
    for (n, item) in items.enumerate() {
        if n > 0 {
            out.push(b',');
        }
        path.push(format!("[{n}]"));
        write(&item, out, path)?;
        path.pop();
    }
    out.push(b']');
    Ok(())
}

fn itoa_i64(v: i64) -> String {
    v.to_string()
}
