//! Driver errors -> the exception classes of `ouroboros.mongodb._errors`.
//!
//! The classes are defined once in Python (under `ouroboros.core.OuroborosError`
//! and the fitting builtin), looked up once per process and cached here. Server
//! errors carry `code`, `code_name` and `details` so callers can act on them.

use mongodb::error::{Error as DriverError, ErrorKind, WriteFailure};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList, PyType};

use crate::bson_py;

const ERRORS_MODULE: &str = "ouroboros.mongodb._errors";
/// The server's code for a unique index violation.
pub const DUPLICATE_KEY: i32 = 11000;

static CLASSES: PyOnceLock<Py<PyDict>> = PyOnceLock::new();

fn class<'py>(py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyType>> {
    let cache = CLASSES
        .get_or_init(py, || PyDict::new(py).unbind())
        .bind(py);
    if let Some(cls) = cache.get_item(name)? {
        return Ok(cls.cast_into()?);
    }
    let cls: Bound<'py, PyType> = py.import(ERRORS_MODULE)?.getattr(name)?.cast_into()?;
    cache.set_item(name, &cls)?;
    Ok(cls)
}

/// An exception of class `name` with `message` and extra attributes.
pub fn build(
    py: Python<'_>,
    name: &str,
    message: &str,
    attrs: &[(&str, Bound<'_, PyAny>)],
) -> PyErr {
    let make = || -> PyResult<PyErr> {
        let value = class(py, name)?.call1((message,))?;
        for (k, v) in attrs {
            value.setattr(*k, v)?;
        }
        Ok(PyErr::from_value(value))
    };
    make().unwrap_or_else(|e| e)
}

/// The error of a call that finished while the interpreter was exiting
/// (built without the GIL; nobody will see it).
pub fn exiting() -> PyErr {
    pyo3::exceptions::PyRuntimeError::new_err("the interpreter is shutting down")
}

/// `InvalidId`: a value that cannot be an ObjectId.
pub fn invalid_id(message: &str) -> PyErr {
    crate::bridge::attach(|py| build(py, "InvalidId", message, &[])).unwrap_or_else(exiting)
}

/// `InvalidDocument`: a Python value that cannot be encoded as BSON.
pub fn invalid_document(message: &str) -> PyErr {
    crate::bridge::attach(|py| build(py, "InvalidDocument", message, &[])).unwrap_or_else(exiting)
}

fn server_error(
    py: Python<'_>,
    class_name: &str,
    message: &str,
    code: i32,
    code_name: &str,
    details: Option<&bson::Document>,
) -> PyErr {
    let details = details
        .and_then(|d| bson_py::document_to_py(py, d).ok())
        .map_or_else(|| PyDict::new(py).into_any(), pyo3::Bound::into_any);
    let attrs = [
        (
            "code",
            code.into_pyobject(py)
                .map_or_else(|_| py.None().into_bound(py), pyo3::Bound::into_any),
        ),
        (
            "code_name",
            pyo3::types::PyString::new(py, code_name).into_any(),
        ),
        ("details", details),
    ];
    build(py, class_name, message, &attrs)
}

/// Convert a driver error; `what` names the operation ("insert into users").
pub fn to_pyerr(py: Python<'_>, err: &DriverError, what: &str) -> PyErr {
    let out = kind_to_pyerr(py, err, what);
    if !err.labels().is_empty() {
        // `error_labels` (a frozenset) lets callers ask `has_error_label(...)`,
        // as with_transaction does for TransientTransactionError.
        let mut labels: Vec<&str> = err.labels().iter().map(String::as_str).collect();
        labels.sort_unstable();
        let value = out.value(py);
        if value.is_instance_of::<pyo3::exceptions::PyException>() {
            let set = pyo3::types::PyFrozenSet::new(py, &labels);
            if let Ok(set) = set {
                let _ = value.setattr("error_labels", set);
            }
        }
    }
    out
}

fn kind_to_pyerr(py: Python<'_>, err: &DriverError, what: &str) -> PyErr {
    let msg = |detail: &dyn std::fmt::Display| format!("{what}: {detail}");
    match err.kind.as_ref() {
        ErrorKind::ServerSelection { message, .. } => build(
            py,
            "ServerSelectionTimeoutError",
            &msg(&format!("no MongoDB server is reachable ({message})")),
            &[],
        ),
        ErrorKind::Io(e) if e.kind() == std::io::ErrorKind::TimedOut => {
            build(py, "NetworkTimeout", &msg(e), &[])
        }
        ErrorKind::Io(e) => build(py, "AutoReconnect", &msg(e), &[]),
        ErrorKind::DnsResolve { message, .. } => build(
            py,
            "ConnectionFailure",
            &msg(&format!(
                "cannot resolve the hosts of the mongodb+srv URI (DNS SRV/TXT lookup): {message}"
            )),
            &[],
        ),
        ErrorKind::ConnectionPoolCleared { message, .. } => {
            build(py, "AutoReconnect", &msg(message), &[])
        }
        ErrorKind::Authentication { message, .. } => build(
            py,
            "OperationFailure",
            &msg(&format!("authentication failed: {message}")),
            &[],
        ),
        ErrorKind::Command(c) => {
            let class_name = match c.code {
                DUPLICATE_KEY => "DuplicateKeyError",
                50 => "ExecutionTimeout",
                _ => "OperationFailure",
            };
            server_error(
                py,
                class_name,
                &msg(&format!("{} (code {} {})", c.message, c.code, c.code_name)),
                c.code,
                &c.code_name,
                None,
            )
        }
        ErrorKind::Write(WriteFailure::WriteError(w)) => {
            let class_name = if w.code == DUPLICATE_KEY {
                "DuplicateKeyError"
            } else {
                "WriteError"
            };
            let code_name = w.code_name.clone().unwrap_or_default();
            server_error(
                py,
                class_name,
                &msg(&format!("{} (code {})", w.message, w.code)),
                w.code,
                &code_name,
                w.details.as_ref(),
            )
        }
        ErrorKind::Write(WriteFailure::WriteConcernError(w)) => server_error(
            py,
            "WriteConcernError",
            &msg(&format!("{} (code {})", w.message, w.code)),
            w.code,
            &w.code_name,
            w.details.as_ref(),
        ),
        ErrorKind::InsertMany(e) => insert_many_error(py, e, &msg),
        ErrorKind::InvalidArgument { message, .. } => {
            ouroboros_common::python::InvalidArgumentError::new_err(msg(message))
        }
        ErrorKind::Transaction { message, .. } => build(py, "OperationFailure", &msg(message), &[]),
        ErrorKind::BsonDeserialization(e) => build(py, "InvalidBSON", &msg(e), &[]),
        ErrorKind::BsonSerialization(e) => build(py, "InvalidDocument", &msg(e), &[]),
        _ => build(py, "MongoError", &msg(err), &[]),
    }
}

fn insert_many_error(
    py: Python<'_>,
    e: &mongodb::error::InsertManyError,
    msg: &dyn Fn(&dyn std::fmt::Display) -> String,
) -> PyErr {
    let list = PyList::empty(py);
    let mut first = String::new();
    let mut code = 0;
    for w in e.write_errors.iter().flatten() {
        if first.is_empty() {
            first.clone_from(&w.message);
            code = w.code;
        }
        let d = PyDict::new(py);
        let _ = d.set_item("index", w.index);
        let _ = d.set_item("code", w.code);
        let _ = d.set_item("errmsg", &w.message);
        let _ = list.append(d);
    }
    let details = PyDict::new(py);
    let _ = details.set_item("writeErrors", &list);
    let n = list.len();
    let text = if let Some(wc) = &e.write_concern_error {
        format!("write concern error: {}", wc.message)
    } else {
        format!("{n} write error(s), first: {first} (code {code})")
    };
    build(
        py,
        "BulkWriteError",
        &msg(&text),
        &[
            (
                "code",
                code.into_pyobject(py)
                    .map_or_else(|_| py.None().into_bound(py), pyo3::Bound::into_any),
            ),
            ("details", details.into_any()),
        ],
    )
}

/// [`to_pyerr`] from a future (takes the GIL briefly).
pub fn to_pyerr_attached(err: &DriverError, what: &str) -> PyErr {
    crate::bridge::attach(|py| to_pyerr(py, err, what)).unwrap_or_else(exiting)
}
