//! `HttpError` -> the Python classes of `ouroboros.http._errors`.
//!
//! The classes are defined once in Python (they take keyword arguments that
//! `import_exception!` classes cannot be built with), looked up once per
//! process and cached.

use ouroboros_http_core::{ErrorKind, HttpError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyType};

const ERRORS_MODULE: &str = "ouroboros.http._errors";

/// Cached class objects, one per name.
static CLASSES: PyOnceLock<Py<PyDict>> = PyOnceLock::new();

pub fn class<'py>(py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyType>> {
    let cache = CLASSES
        .get_or_init(py, || PyDict::new(py).unbind())
        .bind(py);
    if let Some(cls) = cache.get_item(name)? {
        return Ok(cls.cast_into()?);
    }
    let module = if name == "InvalidArgumentError" {
        "ouroboros.core"
    } else {
        ERRORS_MODULE
    };
    let cls: Bound<'py, PyType> = py.import(module)?.getattr(name)?.cast_into()?;
    cache.set_item(name, &cls)?;
    Ok(cls)
}

/// Build the exception for `err`; request errors carry `method` and `url`.
pub fn to_pyerr(py: Python<'_>, err: &HttpError) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let cls = class(py, err.kind.class_name())?;
        let value = if err.kind == ErrorKind::InvalidArgument {
            cls.call1((err.to_string(),))?
        } else {
            let kwargs = PyDict::new(py);
            kwargs.set_item("method", &err.method)?;
            kwargs.set_item("url", &err.url)?;
            cls.call((err.to_string(),), Some(&kwargs))?
        };
        Ok(PyErr::from_value(value))
    };
    build().unwrap_or_else(|e| e)
}

/// Raise `name` from `ouroboros.http._errors` with a message (no request).
pub fn new_err(py: Python<'_>, name: &str, message: String) -> PyErr {
    match class(py, name).and_then(|c| c.call1((message,))) {
        Ok(v) => PyErr::from_value(v),
        Err(e) => e,
    }
}
