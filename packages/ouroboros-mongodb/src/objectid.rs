//! `ObjectId`: the 12-byte MongoDB identifier as an immutable Python value.
//!
//! Accepts what users pass around as ids: another `ObjectId` (ours or PyMongo's
//! `bson.ObjectId`, read through its `binary`), 24 hex characters or 12 bytes.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use bson::oid;
use pyo3::basic::CompareOp;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDateTime, PyString, PyTuple, PyTzInfo};

use crate::errors;

#[pyclass(module = "ouroboros.mongodb._mongodb", frozen, name = "ObjectId")]
#[derive(Clone, Copy)]
pub struct ObjectId {
    pub oid: oid::ObjectId,
}

/// Makes the `_id`s of documents being inserted: the clock is read once per
/// generator (one per `insert_many` call), each id then costs one atomic
/// increment. The 5 random bytes are this module's own (not the `bson`
/// crate's, whose counter is private), so ids from both never collide; they
/// are drawn again in a forked child, which would otherwise repeat the
/// parent's ids.
pub struct IdGen {
    /// Timestamp (4 bytes, big-endian) and process bytes (5).
    prefix: [u8; 9],
}

/// The process id the random bytes were drawn for, and the bytes.
static PROCESS: Mutex<Option<(u32, [u8; 5])>> = Mutex::new(None);
/// The 3-byte counter of the ids (kept modulo 2^24 when written).
static COUNTER: AtomicU32 = AtomicU32::new(0);

impl Default for IdGen {
    fn default() -> Self {
        Self::new()
    }
}

impl IdGen {
    pub fn new() -> Self {
        let pid = std::process::id();
        let process = {
            let mut guard = PROCESS
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            match *guard {
                Some((p, bytes)) if p == pid => bytes,
                _ => {
                    let random = fastrand::u64(..).to_le_bytes();
                    let bytes = [random[0], random[1], random[2], random[3], random[4]];
                    COUNTER.store(fastrand::u32(..), Ordering::Relaxed);
                    *guard = Some((pid, bytes));
                    bytes
                }
            }
        };
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u32::try_from(d.as_secs()).unwrap_or(u32::MAX));
        let mut prefix = [0; 9];
        prefix[..4].copy_from_slice(&secs.to_be_bytes());
        prefix[4..].copy_from_slice(&process);
        Self { prefix }
    }

    /// The next id.
    pub fn next_id(&self) -> oid::ObjectId {
        let count = COUNTER.fetch_add(1, Ordering::Relaxed).to_be_bytes();
        let mut bytes = [0; 12];
        bytes[..9].copy_from_slice(&self.prefix);
        bytes[9..].copy_from_slice(&count[1..]);
        oid::ObjectId::from_bytes(bytes)
    }
}

/// A Python `ObjectId` holding `oid`, left out of the cyclic GC: it refers to
/// no other object, and tracking the thousands an insert or a find returns
/// made the collector's passes over them a measurable part of those calls.
pub fn to_py(py: Python<'_>, oid: oid::ObjectId) -> PyResult<Bound<'_, ObjectId>> {
    let obj = Bound::new(py, ObjectId { oid })?;
    // SAFETY: the GIL is held and `obj` is a live object; untracking is only
    // done when its type is GC-enabled (PyObject_IS_GC), and the dealloc of
    // such types untracks again only if still tracked.
    unsafe {
        if pyo3::ffi::PyObject_IS_GC(obj.as_ptr()) != 0 {
            pyo3::ffi::PyObject_GC_UnTrack(obj.as_ptr().cast());
        }
    }
    Ok(obj)
}

/// Read an id from anything [`ObjectId::__new__`] accepts.
pub fn parse(value: &Bound<'_, PyAny>) -> PyResult<oid::ObjectId> {
    if let Ok(o) = value.cast::<ObjectId>() {
        return Ok(o.get().oid);
    }
    if let Ok(s) = value.cast::<PyString>() {
        let text = s.to_cow()?;
        return oid::ObjectId::parse_str(text.as_ref()).map_err(|_| {
            errors::invalid_id(&format!(
                "{:?} is not a valid ObjectId: expected 24 hexadecimal characters",
                ouroboros_common::error::truncate_for_message(&text, 40)
            ))
        });
    }
    if let Ok(b) = value.cast::<PyBytes>() {
        let bytes: [u8; 12] = b.as_bytes().try_into().map_err(|_| {
            errors::invalid_id(&format!(
                "an ObjectId needs exactly 12 bytes, got {}",
                b.as_bytes().len()
            ))
        })?;
        return Ok(oid::ObjectId::from_bytes(bytes));
    }
    if is_foreign_object_id(value) {
        if let Ok(binary) = value.getattr("binary") {
            return parse(&binary);
        }
    }
    Err(errors::invalid_id(&format!(
        "cannot make an ObjectId from a value of type {}",
        value
            .get_type()
            .name()
            .map(|n| n.to_string())
            .unwrap_or_default()
    )))
}

/// PyMongo's `bson.ObjectId` (or any class of that name carrying `binary`).
pub fn is_foreign_object_id(value: &Bound<'_, PyAny>) -> bool {
    value.get_type().name().is_ok_and(|n| n == "ObjectId")
        && value.hasattr("binary").unwrap_or(false)
}

#[pymethods]
impl ObjectId {
    #[new]
    #[pyo3(signature = (oid = None))]
    fn py_new(oid: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        match oid {
            None => Ok(Self {
                oid: oid::ObjectId::new(),
            }),
            Some(v) if v.is_none() => Ok(Self {
                oid: oid::ObjectId::new(),
            }),
            Some(v) => Ok(Self { oid: parse(v)? }),
        }
    }

    /// Whether `oid` can be turned into an ObjectId.
    #[staticmethod]
    fn is_valid(oid: &Bound<'_, PyAny>) -> bool {
        parse(oid).is_ok()
    }

    /// The 12 raw bytes.
    #[getter]
    fn binary<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.oid.bytes())
    }

    /// When the id was generated (UTC, second precision), from its timestamp.
    #[getter]
    fn generation_time<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDateTime>> {
        let secs = self.oid.timestamp().timestamp_millis() / 1000;
        #[allow(clippy::cast_precision_loss)]
        PyDateTime::from_timestamp(py, secs as f64, Some(&PyTzInfo::utc(py)?.to_owned()))
    }

    fn __str__(&self) -> String {
        self.oid.to_hex()
    }

    fn __repr__(&self) -> String {
        format!("ObjectId('{}')", self.oid.to_hex())
    }

    fn __hash__(&self) -> u64 {
        let mut h = DefaultHasher::new();
        self.oid.bytes().hash(&mut h);
        h.finish()
    }

    fn __richcmp__(&self, other: &Bound<'_, PyAny>, op: CompareOp, py: Python<'_>) -> Py<PyAny> {
        let other = if let Ok(o) = other.cast::<ObjectId>() {
            o.get().oid
        } else if is_foreign_object_id(other) {
            match parse(other) {
                Ok(o) => o,
                Err(_) => return py.NotImplemented(),
            }
        } else {
            return py.NotImplemented();
        };
        let a = self.oid.bytes();
        let b = other.bytes();
        op.matches(a.cmp(&b)).into_pyobject(py).map_or_else(
            |_| py.NotImplemented(),
            |b| b.to_owned().into_any().unbind(),
        )
    }

    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyTuple>)> {
        let py = slf.py();
        let args = PyTuple::new(py, [slf.get().oid.to_hex()])?;
        Ok((slf.get_type().into_any(), args))
    }

    fn __copy__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    fn __deepcopy__<'py>(slf: Bound<'py, Self>, _memo: &Bound<'py, PyAny>) -> Bound<'py, Self> {
        slf
    }
}
