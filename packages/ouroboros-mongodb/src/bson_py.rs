//! Python values <-> BSON, in Rust.
//!
//! Decoding reads raw BSON (`RawDocument`) element by element straight into
//! Python objects: ObjectId -> `ObjectId`, datetime -> `datetime.datetime`
//! (naive UTC unless the client is `tz_aware`, as PyMongo and Beanie do),
//! Decimal128 -> `decimal.Decimal`, binary -> `bytes`, binary subtype 4 ->
//! `uuid.UUID`, embedded documents -> `dict`, arrays -> `list`.
//!
//! Encoding walks Python objects into a `bson::Document` (which needs the GIL);
//! turning that tree into bytes happens later, on the runtime, without it.

use bson::spec::BinarySubtype;
use bson::{Binary, Bson, Decimal128, Document, RawBsonRef, RawDocument, RawDocumentBuf, Regex};
use ouroboros_schema::python::EntrySink;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyDate, PyDateAccess, PyDateTime, PyDelta, PyDeltaAccess, PyDict,
    PyFloat, PyFrozenSet, PyInt, PyList, PyMapping, PySet, PyString, PyTimeAccess, PyTuple, PyType,
    PyTzInfo, PyTzInfoAccess,
};

use crate::errors;
use crate::objectid::{self, IdGen, ObjectId};

/// MongoDB refuses documents nested deeper than 100 levels; so do we, before
/// recursion could exhaust the stack.
pub const MAX_DEPTH: u32 = 100;

const MILLIS_PER_DAY: i64 = 86_400_000;

static DECIMAL: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static UUID: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static ENUM: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static PATTERN: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static RE_COMPILE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// How BSON values become Python values.
#[derive(Clone, Copy, Debug, Default)]
pub struct DecodeOpts {
    /// Return datetimes with `tzinfo=UTC` instead of naive UTC.
    pub tz_aware: bool,
}

// ---------------------------------------------------------------- decoding

/// One raw document -> `dict`.
pub fn raw_doc_to_dict<'py>(
    py: Python<'py>,
    doc: &RawDocument,
    opts: DecodeOpts,
) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    for item in doc {
        let (key, value) = item.map_err(|e| invalid_bson(&e))?;
        dict.set_item(PyString::new(py, key), raw_to_py(py, value, opts)?)?;
    }
    Ok(dict)
}

pub fn invalid_bson(e: &dyn std::fmt::Display) -> PyErr {
    crate::bridge::attach(|py| {
        errors::build(
            py,
            "InvalidBSON",
            &format!("the server sent a malformed document: {e}"),
            &[],
        )
    })
    .unwrap_or_else(errors::exiting)
}

/// One raw BSON value -> a Python value.
pub fn raw_to_py<'py>(
    py: Python<'py>,
    value: RawBsonRef<'_>,
    opts: DecodeOpts,
) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        RawBsonRef::String(s) | RawBsonRef::Symbol(s) | RawBsonRef::JavaScriptCode(s) => {
            PyString::new(py, s).into_any()
        }
        RawBsonRef::Int32(i) => i.into_pyobject(py)?.into_any(),
        RawBsonRef::Int64(i) => i.into_pyobject(py)?.into_any(),
        RawBsonRef::Double(f) => PyFloat::new(py, f).into_any(),
        RawBsonRef::Boolean(b) => PyBool::new(py, b).to_owned().into_any(),
        RawBsonRef::Null | RawBsonRef::Undefined | RawBsonRef::MinKey | RawBsonRef::MaxKey => {
            py.None().into_bound(py)
        }
        RawBsonRef::Document(d) => raw_doc_to_dict(py, d, opts)?.into_any(),
        RawBsonRef::Array(a) => {
            let list = PyList::empty(py);
            for item in a {
                list.append(raw_to_py(py, item.map_err(|e| invalid_bson(&e))?, opts)?)?;
            }
            list.into_any()
        }
        RawBsonRef::ObjectId(oid) => crate::objectid::to_py(py, oid)?.into_any(),
        RawBsonRef::DateTime(dt) => {
            millis_to_datetime(py, dt.timestamp_millis(), opts.tz_aware)?.into_any()
        }
        RawBsonRef::Decimal128(d) => DECIMAL
            .import(py, "decimal", "Decimal")?
            .call1((d.to_string(),))?,
        RawBsonRef::Binary(b) => {
            if b.subtype == BinarySubtype::Uuid && b.bytes.len() == 16 {
                let kwargs = PyDict::new(py);
                kwargs.set_item("bytes", PyBytes::new(py, b.bytes))?;
                UUID.import(py, "uuid", "UUID")?.call((), Some(&kwargs))?
            } else {
                PyBytes::new(py, b.bytes).into_any()
            }
        }
        RawBsonRef::RegularExpression(r) => regex_to_py(py, r.pattern, r.options)?,
        RawBsonRef::Timestamp(t) => {
            let d = PyDict::new(py);
            d.set_item("t", t.time)?;
            d.set_item("i", t.increment)?;
            d.into_any()
        }
        RawBsonRef::JavaScriptCodeWithScope(c) => PyString::new(py, c.code).into_any(),
        RawBsonRef::DbPointer(_) => py.None().into_bound(py),
    })
}

fn regex_to_py<'py>(py: Python<'py>, pattern: &str, options: &str) -> PyResult<Bound<'py, PyAny>> {
    let re = py.import("re")?;
    let mut flags = 0i64;
    for (c, name) in [
        ('i', "IGNORECASE"),
        ('m', "MULTILINE"),
        ('s', "DOTALL"),
        ('x', "VERBOSE"),
    ] {
        if options.contains(c) {
            flags |= re.getattr(name)?.extract::<i64>()?;
        }
    }
    let compile = RE_COMPILE
        .get_or_try_init(py, || re.getattr("compile").map(Bound::unbind))?
        .bind(py);
    if let Ok(p) = compile.call1((pattern, flags)) {
        return Ok(p);
    }
    // A server-side (PCRE) pattern Python's `re` cannot compile stays data.
    let d = PyDict::new(py);
    d.set_item("$regex", pattern)?;
    d.set_item("$options", options)?;
    Ok(d.into_any())
}

/// Milliseconds since the Unix epoch -> `datetime` (naive UTC or UTC-aware).
pub fn millis_to_datetime(
    py: Python<'_>,
    millis: i64,
    tz_aware: bool,
) -> PyResult<Bound<'_, PyDateTime>> {
    let days = millis.div_euclid(MILLIS_PER_DAY);
    let in_day = millis.rem_euclid(MILLIS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    if !(1..=9999).contains(&year) {
        return Err(errors::invalid_document(&format!(
            "the stored datetime ({millis} ms since 1970) is outside the years 1-9999 that Python's datetime can hold"
        )));
    }
    let tz = if tz_aware {
        Some(PyTzInfo::utc(py)?.to_owned())
    } else {
        None
    };
    // Bounds checked above; the rest come from rem_euclid so they fit.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    PyDateTime::new(
        py,
        year as i32,
        month,
        day,
        (in_day / 3_600_000) as u8,
        (in_day / 60_000 % 60) as u8,
        (in_day / 1000 % 60) as u8,
        (in_day % 1000 * 1000) as u32,
        tz.as_ref(),
    )
}

/// Days since 1970-01-01 -> (year, month, day) in the proleptic Gregorian
/// calendar (400-year eras of 146097 days).
fn civil_from_days(days: i64) -> (i64, u8, u8) {
    let shifted = days + 719_468; // days from 0000-03-01
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    (year, month as u8, day as u8)
}

/// The inverse of [`civil_from_days`].
fn days_from_civil(year: i64, month: u8, day: u8) -> i64 {
    let year = year - i64::from(month <= 2);
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let month = i64::from(month);
    let day_of_year =
        (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// An owned `Bson` value -> Python (ids returned by the driver, distinct values).
pub fn bson_to_py<'py>(
    py: Python<'py>,
    value: &Bson,
    opts: DecodeOpts,
) -> PyResult<Bound<'py, PyAny>> {
    match value {
        Bson::ObjectId(oid) => Ok(crate::objectid::to_py(py, *oid)?.into_any()),
        Bson::String(s) => Ok(PyString::new(py, s).into_any()),
        other => {
            let raw = bson::RawBson::try_from(other.clone()).map_err(|e| invalid_bson(&e))?;
            raw_to_py(py, raw.as_raw_bson_ref(), opts)
        }
    }
}

/// An owned document -> `dict` (error details, index descriptions).
pub fn document_to_py<'py>(py: Python<'py>, doc: &Document) -> PyResult<Bound<'py, PyDict>> {
    let raw = RawDocumentBuf::from_document(doc).map_err(|e| invalid_bson(&e))?;
    raw_doc_to_dict(py, &raw, DecodeOpts::default())
}

// ---------------------------------------------------------------- encoding

/// A Python mapping (or model instance) -> `bson::Document`.
pub fn to_document(value: &Bound<'_, PyAny>) -> PyResult<Document> {
    to_document_at(value, 0)
}

fn to_document_at(value: &Bound<'_, PyAny>, depth: u32) -> PyResult<Document> {
    if depth > MAX_DEPTH {
        return Err(errors::invalid_document(&format!(
            "the document is nested deeper than {MAX_DEPTH} levels"
        )));
    }
    let mut doc = Document::new();
    if let Ok(d) = value.cast::<PyDict>() {
        for (k, v) in d.iter() {
            let key = key_str(&k)?;
            doc.insert(key, to_bson_at(&v, depth + 1)?);
        }
        return Ok(doc);
    }
    if is_model_instance(value) {
        let kwargs = PyDict::new(value.py());
        kwargs.set_item("by_alias", true)?;
        let dumped = value.call_method("model_dump", (), Some(&kwargs))?;
        return to_document_at(&dumped, depth);
    }
    if let Ok(m) = value.cast::<PyMapping>() {
        for item in m.items()?.iter() {
            let (k, v): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item.extract()?;
            doc.insert(key_str(&k)?, to_bson_at(&v, depth + 1)?);
        }
        return Ok(doc);
    }
    Err(errors::invalid_document(&format!(
        "expected a dict or a model instance to encode as a BSON document, got {}",
        type_name(value)
    )))
}

fn type_name(value: &Bound<'_, PyAny>) -> String {
    value
        .get_type()
        .name()
        .map_or_else(|_| "?".to_owned(), |n| n.to_string())
}

/// Model instances of ouroboros.validation carry the fields-set record.
pub fn is_model_instance(value: &Bound<'_, PyAny>) -> bool {
    value
        .get_type()
        .hasattr(pyo3::intern!(value.py(), "__ouroboros_fields__"))
        .unwrap_or(false)
        && value
            .hasattr(pyo3::intern!(value.py(), "model_dump"))
            .unwrap_or(false)
}

fn key_str(key: &Bound<'_, PyAny>) -> PyResult<String> {
    let text = if let Ok(s) = key.cast::<PyString>() {
        s.to_cow()?.into_owned()
    } else if let Ok(Some(v)) = enum_value(key) {
        return key_str(&v);
    } else if key.hasattr(pyo3::intern!(key.py(), "__ouroboros_field_path__"))? {
        // A field expression (`User.name`) used as a key.
        key.str()?.to_cow()?.into_owned()
    } else {
        return Err(errors::invalid_document(&format!(
            "document keys must be strings, got {}: {}",
            type_name(key),
            key.repr()?
        )));
    };
    if text.contains('\0') {
        return Err(errors::invalid_document(&format!(
            "document key {text:?} contains a NUL character"
        )));
    }
    Ok(text)
}

fn enum_value<'py>(value: &Bound<'py, PyAny>) -> PyResult<Option<Bound<'py, PyAny>>> {
    let py = value.py();
    if value.is_instance(ENUM.import(py, "enum", "Enum")?)? {
        return Ok(Some(value.getattr(pyo3::intern!(py, "value"))?));
    }
    Ok(None)
}

fn to_bson_at(value: &Bound<'_, PyAny>, depth: u32) -> PyResult<Bson> {
    if let Ok(s) = value.cast_exact::<PyString>() {
        return Ok(Bson::String(s.to_cow()?.into_owned()));
    }
    if value.is_instance_of::<PyBool>() {
        return Ok(Bson::Boolean(value.is_truthy()?));
    }
    if value.is_instance_of::<PyInt>() {
        return match value.extract::<i64>() {
            Ok(i) => Ok(i32::try_from(i).map_or(Bson::Int64(i), Bson::Int32)),
            Err(_) => Err(errors::invalid_document(&format!(
                "the integer {} does not fit in BSON's 64-bit integer",
                ouroboros_common::error::truncate_for_message(&value.str()?.to_cow()?, 40)
            ))),
        };
    }
    if let Ok(f) = value.cast::<PyFloat>() {
        return Ok(Bson::Double(f.value()));
    }
    if value.is_none() {
        return Ok(Bson::Null);
    }
    if value.is_instance_of::<PyDict>() {
        return Ok(Bson::Document(to_document_at(value, depth)?));
    }
    if let Ok(l) = value.cast::<PyList>() {
        return array(l.iter(), depth);
    }
    if let Ok(o) = value.cast::<ObjectId>() {
        return Ok(Bson::ObjectId(o.get().oid));
    }
    if let Ok(dt) = value.cast::<PyDateTime>() {
        return Ok(Bson::DateTime(bson::DateTime::from_millis(
            datetime_to_millis(dt)?,
        )));
    }
    if let Ok(d) = value.cast::<PyDate>() {
        // Beanie stores a `date` as the datetime at midnight UTC.
        let days = days_from_civil(i64::from(d.get_year()), d.get_month(), d.get_day());
        return Ok(Bson::DateTime(bson::DateTime::from_millis(
            days * MILLIS_PER_DAY,
        )));
    }
    if let Ok(s) = value.cast::<PyString>() {
        return Ok(Bson::String(s.to_cow()?.into_owned()));
    }
    if let Ok(t) = value.cast::<PyTuple>() {
        return array(t.iter(), depth);
    }
    to_bson_other(value, depth)
}

/// The less common types: decimals, UUIDs, bytes, enums, sets, foreign
/// ObjectIds, regular expressions, models and other mappings.
fn to_bson_other(value: &Bound<'_, PyAny>, depth: u32) -> PyResult<Bson> {
    let py = value.py();
    if value.is_instance(DECIMAL.import(py, "decimal", "Decimal")?)? {
        let text = value.str()?.to_cow()?.into_owned();
        let d: Decimal128 = text.parse().map_err(|e| {
            errors::invalid_document(&format!(
                "Decimal {text} cannot be stored as Decimal128: {e}"
            ))
        })?;
        return Ok(Bson::Decimal128(d));
    }
    if value.is_instance(UUID.import(py, "uuid", "UUID")?)? {
        let bytes: Vec<u8> = value.getattr(pyo3::intern!(py, "bytes"))?.extract()?;
        return Ok(Bson::Binary(Binary {
            subtype: BinarySubtype::Uuid,
            bytes,
        }));
    }
    if let Ok(b) = value.cast::<PyBytes>() {
        return Ok(Bson::Binary(Binary {
            subtype: BinarySubtype::Generic,
            bytes: b.as_bytes().to_vec(),
        }));
    }
    if let Ok(b) = value.cast::<PyByteArray>() {
        return Ok(Bson::Binary(Binary {
            subtype: BinarySubtype::Generic,
            bytes: b.to_vec(),
        }));
    }
    if let Some(v) = enum_value(value)? {
        return to_bson_at(&v, depth);
    }
    if value.is_instance_of::<PySet>() || value.is_instance_of::<PyFrozenSet>() {
        return array(
            value.try_iter()?.collect::<PyResult<Vec<_>>>()?.into_iter(),
            depth,
        );
    }
    if objectid::is_foreign_object_id(value) {
        return Ok(Bson::ObjectId(objectid::parse(value)?));
    }
    if value.is_instance(PATTERN.import(py, "re", "Pattern")?)? {
        return pattern_to_bson(value);
    }
    if value.is_instance_of::<PyDelta>() {
        return Err(errors::invalid_document(
            "a timedelta has no BSON type; store seconds as a number instead",
        ));
    }
    if is_model_instance(value) || value.cast::<PyMapping>().is_ok() {
        return Ok(Bson::Document(to_document_at(value, depth)?));
    }
    Err(errors::invalid_document(&format!(
        "cannot encode an object of type {} as BSON",
        type_name(value)
    )))
}

fn array<'py>(items: impl Iterator<Item = Bound<'py, PyAny>>, depth: u32) -> PyResult<Bson> {
    if depth > MAX_DEPTH {
        return Err(errors::invalid_document(&format!(
            "the document is nested deeper than {MAX_DEPTH} levels"
        )));
    }
    items
        .map(|v| to_bson_at(&v, depth + 1))
        .collect::<PyResult<Vec<_>>>()
        .map(Bson::Array)
}

fn pattern_to_bson(value: &Bound<'_, PyAny>) -> PyResult<Bson> {
    let py = value.py();
    let re = py.import("re")?;
    let pattern: String = value.getattr("pattern")?.extract()?;
    let flags: i64 = value.getattr("flags")?.extract()?;
    let mut options = String::new();
    // BSON wants the option letters in alphabetical order.
    for (name, c) in [
        ("IGNORECASE", 'i'),
        ("MULTILINE", 'm'),
        ("DOTALL", 's'),
        ("VERBOSE", 'x'),
    ] {
        if flags & re.getattr(name)?.extract::<i64>()? != 0 {
            options.push(c);
        }
    }
    Ok(Bson::RegularExpression(Regex { pattern, options }))
}

/// `datetime` -> milliseconds since the epoch; naive values are taken as UTC
/// (PyMongo's rule), aware values are converted to UTC.
pub fn datetime_to_millis(dt: &Bound<'_, PyDateTime>) -> PyResult<i64> {
    let days = days_from_civil(i64::from(dt.get_year()), dt.get_month(), dt.get_day());
    let mut millis = days * MILLIS_PER_DAY
        + i64::from(dt.get_hour()) * 3_600_000
        + i64::from(dt.get_minute()) * 60_000
        + i64::from(dt.get_second()) * 1000
        + i64::from(dt.get_microsecond()) / 1000;
    // A naive datetime (no tzinfo: read from the object, no call) has no offset.
    if dt.get_tzinfo().is_some()
        && !dt
            .call_method0(pyo3::intern!(dt.py(), "utcoffset"))?
            .is_none()
    {
        let offset = dt.call_method0(pyo3::intern!(dt.py(), "utcoffset"))?;
        let delta = offset.cast::<PyDelta>()?;
        let offset_ms = i64::from(delta.get_days()) * MILLIS_PER_DAY
            + i64::from(delta.get_seconds()) * 1000
            + i64::from(delta.get_microseconds()) / 1000;
        millis -= offset_ms;
    }
    Ok(millis)
}

// ---------------------------------------------------------------- encoding to bytes

/// A Python mapping (or model instance) -> BSON bytes, written directly (no
/// `bson::Document` tree: strings are copied once, from Python into the buffer).
pub fn to_raw_document(value: &Bound<'_, PyAny>) -> PyResult<RawDocumentBuf> {
    let mut buf = Vec::with_capacity(256);
    let at = begin(&mut buf);
    write_fields(&mut buf, value, 0, None)?;
    finish(buf, at)
}

/// Like [`to_raw_document`], for a document to insert: an `_id` that is
/// missing or None is generated and written first. Returns the `_id`.
pub fn to_raw_insert(value: &Bound<'_, PyAny>) -> PyResult<(RawDocumentBuf, Bson)> {
    let mut buf = Vec::with_capacity(256);
    let id = to_raw_insert_into(&mut buf, value, &IdGen::new())?;
    Ok((into_raw(buf)?, id))
}

/// [`to_raw_insert`] appending the document to `buf` (an insert command
/// being built: no buffer per document); a missing `_id` comes from `ids`.
pub fn to_raw_insert_into(
    buf: &mut Vec<u8>,
    value: &Bound<'_, PyAny>,
    ids: &IdGen,
) -> PyResult<Bson> {
    let py = value.py();
    if let Ok(d) = value.cast::<PyDict>() {
        let given = d
            .get_item(pyo3::intern!(py, "_id"))?
            .filter(|v| !v.is_none());
        let at = begin(buf);
        let id = if let Some(v) = given {
            write_fields(buf, value, 0, None)?;
            to_bson_at(&v, 1)?
        } else {
            let oid = ids.next_id();
            element(buf, 0x07, "_id", &oid.bytes(), &[], false);
            write_fields(buf, value, 0, Some("_id"))?;
            Bson::ObjectId(oid)
        };
        close(buf, at)?;
        return Ok(id);
    }
    if is_model_instance(value) {
        let kwargs = PyDict::new(py);
        kwargs.set_item("by_alias", true)?;
        return to_raw_insert_into(
            buf,
            &value.call_method("model_dump", (), Some(&kwargs))?,
            ids,
        );
    }
    let mut doc = to_document(value)?;
    let id = crate::collection::ensure_id(&mut doc, ids);
    doc.to_writer(&mut *buf)
        .map_err(|e| errors::invalid_document(&e.to_string()))?;
    Ok(id)
}

/// Like [`to_raw_insert_into`], for a model instance walked field by field:
/// `walk` hands each stored `(key, value)` of the instance to its callback
/// (the compiled serializer's entries, no dumped dict), `dump` turns a value
/// that is not plain data into what the dumped dict would hold. `None` (and
/// `buf` as it was) when `walk` declines, or `_id` is not the first key
/// written (the caller then dumps).
pub fn to_raw_insert_entries_into<'py>(
    buf: &mut Vec<u8>,
    ids: &IdGen,
    keys: &mut KeyCache,
    walk: impl FnOnce(&mut EntrySink<'_, 'py>) -> PyResult<bool>,
    dump: impl Fn(&Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>>,
) -> PyResult<Option<Bson>> {
    let at = begin(buf);
    let mut id: Option<Bson> = None;
    let mut misplaced = false;
    let mut pos = 0;
    let mut entry = |key: &Bound<'py, PyString>, value: Bound<'py, PyAny>| -> PyResult<()> {
        let (key, is_id) = keys.get(pos, key)?;
        pos += 1;
        let first = buf.len() == at + 4;
        if is_id {
            if !first {
                misplaced = true;
                return Ok(());
            }
            if value.is_none() {
                let oid = ids.next_id();
                element(buf, 0x07, "_id", &oid.bytes(), &[], false);
                id = Some(Bson::ObjectId(oid));
                return Ok(());
            }
            let value = if is_plain(&value, 1) {
                value
            } else {
                dump(&value)?
            };
            id = Some(to_bson_at(&value, 1)?);
            return write_element(buf, key, &value, 1);
        }
        // Plain data is written as it is (what the dump would hold); any
        // other value is dumped first, then written.
        if write_plain(buf, key, &value, 1)? {
            return Ok(());
        }
        write_element(buf, key, &dump(&value)?, 1)
    };
    let walked = walk(&mut entry)?;
    match id {
        Some(id) if walked && !misplaced => {
            close(buf, at)?;
            Ok(Some(id))
        }
        _ => {
            buf.truncate(at);
            Ok(None)
        }
    }
}

/// The keys an insert writes, checked (no NUL) and as UTF-8, by their
/// position in the document: every instance of a model hands over the same
/// (interned) key objects in the same order, so from the second document on
/// a key costs a pointer compare instead of its UTF-8 lookup, the `_id`
/// compare and the NUL scan. A key at another position or another object is
/// checked again (and replaces the one kept there).
#[derive(Default)]
pub struct KeyCache {
    keys: Vec<CachedKey>,
}

struct CachedKey {
    /// Keeps the string alive: `ptr` and `len` are its UTF-8.
    key: Py<PyString>,
    ptr: *const u8,
    len: usize,
    is_id: bool,
}

/// Keys kept per insert (a document's first fields).
const CACHED_KEYS: usize = 64;

impl KeyCache {
    /// `key`, the `pos`-th of its document, as checked UTF-8; true when it is `_id`.
    fn get<'a>(
        &'a mut self,
        pos: usize,
        key: &'a Bound<'_, PyString>,
    ) -> PyResult<(&'a str, bool)> {
        if let Some(k) = self.keys.get(pos) {
            if k.key.as_ptr() == key.as_ptr() {
                // SAFETY: `ptr`/`len` are the UTF-8 of `k.key` (a str's UTF-8
                // stays in place, unchanged, while the str lives), which this
                // entry holds a reference to.
                let s = unsafe {
                    std::str::from_utf8_unchecked(std::slice::from_raw_parts(k.ptr, k.len))
                };
                return Ok((s, k.is_id));
            }
        }
        let s = key.to_str()?;
        let is_id = s == "_id";
        if !is_id {
            check_key(s)?;
        }
        if pos <= self.keys.len() && pos < CACHED_KEYS {
            let entry = CachedKey {
                key: key.clone().unbind(),
                ptr: s.as_ptr(),
                len: s.len(),
                is_id,
            };
            if pos == self.keys.len() {
                self.keys.push(entry);
            } else {
                self.keys[pos] = entry;
            }
        }
        Ok((s, is_id))
    }
}

/// Whether `model_dump` returns `value` unchanged and [`write_element`]
/// writes it without calling back into Python: exact str, int, bool, float,
/// None, ObjectId and datetime, and lists and str-keyed dicts of those.
fn is_plain(value: &Bound<'_, PyAny>, depth: u32) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    if value.is_exact_instance_of::<PyString>()
        || value.is_exact_instance_of::<PyInt>()
        || value.is_exact_instance_of::<PyFloat>()
        || value.is_exact_instance_of::<PyBool>()
        || value.is_none()
        || value.is_exact_instance_of::<PyDateTime>()
        || value.is_exact_instance_of::<ObjectId>()
    {
        return true;
    }
    if let Ok(list) = value.cast_exact::<PyList>() {
        return list.iter().all(|item| is_plain(&item, depth + 1));
    }
    if let Ok(dict) = value.cast_exact::<PyDict>() {
        return dict
            .iter()
            .all(|(k, v)| k.is_exact_instance_of::<PyString>() && is_plain(&v, depth + 1));
    }
    false
}

/// Write `key: value` when `value` is plain data ([`is_plain`]), exactly as
/// [`write_element`] writes it, checking and writing in one pass; false, with
/// `buf` as it was, when something in it is not plain.
fn write_plain(
    buf: &mut Vec<u8>,
    key: &str,
    value: &Bound<'_, PyAny>,
    depth: u32,
) -> PyResult<bool> {
    let at = buf.len();
    let written = write_plain_at(buf, key, value, depth)?;
    if !written {
        buf.truncate(at);
    }
    Ok(written)
}

fn write_plain_at(
    buf: &mut Vec<u8>,
    key: &str,
    value: &Bound<'_, PyAny>,
    depth: u32,
) -> PyResult<bool> {
    if depth > MAX_DEPTH {
        return Ok(false);
    }
    if let Ok(s) = value.cast_exact::<PyString>() {
        write_str(buf, key, s.to_str()?)?;
    } else if value.is_exact_instance_of::<PyInt>() {
        write_int(buf, key, value)?;
    } else if let Ok(f) = value.cast_exact::<PyFloat>() {
        element(buf, 0x01, key, &f.value().to_le_bytes(), &[], false);
    } else if let Ok(l) = value.cast_exact::<PyList>() {
        element_key(buf, 0x04, key);
        let start = begin(buf);
        let mut index = IndexKey::new(0);
        for item in l.iter() {
            if !write_plain_at(buf, index.as_str(), &item, depth + 1)? {
                return Ok(false);
            }
            index.increment();
        }
        buf.push(0);
        end(buf, start)?;
    } else if let Ok(dt) = value.cast_exact::<PyDateTime>() {
        element(
            buf,
            0x09,
            key,
            &datetime_to_millis(dt)?.to_le_bytes(),
            &[],
            false,
        );
    } else if value.is_exact_instance_of::<PyBool>() {
        element_key(buf, 0x08, key);
        buf.push(u8::from(value.is_truthy()?));
    } else if value.is_none() {
        element_key(buf, 0x0A, key);
    } else if let Ok(o) = value.cast_exact::<ObjectId>() {
        element(buf, 0x07, key, &o.get().oid.bytes(), &[], false);
    } else if let Ok(d) = value.cast_exact::<PyDict>() {
        element_key(buf, 0x03, key);
        let start = begin(buf);
        for (k, v) in d.iter() {
            let Ok(k) = k.cast_exact::<PyString>() else {
                return Ok(false);
            };
            let k = k.to_str()?;
            check_key(k)?;
            if !write_plain_at(buf, k, &v, depth + 1)? {
                return Ok(false);
            }
        }
        buf.push(0);
        end(buf, start)?;
    } else {
        return Ok(false);
    }
    Ok(true)
}

fn too_deep() -> PyErr {
    errors::invalid_document(&format!(
        "the document is nested deeper than {MAX_DEPTH} levels"
    ))
}

/// Start a document: room for its length, filled in by [`end`].
fn begin(buf: &mut Vec<u8>) -> usize {
    let at = buf.len();
    buf.extend_from_slice(&[0; 4]);
    at
}

fn end(buf: &mut [u8], at: usize) -> PyResult<()> {
    let len = i32::try_from(buf.len() - at)
        .map_err(|_| errors::invalid_document("the document is larger than BSON allows"))?;
    buf[at..at + 4].copy_from_slice(&len.to_le_bytes());
    Ok(())
}

fn finish(mut buf: Vec<u8>, at: usize) -> PyResult<RawDocumentBuf> {
    close(&mut buf, at)?;
    into_raw(buf)
}

/// End the document begun at `at`: its terminating NUL and its length.
fn close(buf: &mut Vec<u8>, at: usize) -> PyResult<()> {
    buf.push(0);
    end(buf, at)
}

/// Bytes holding one whole document -> `RawDocumentBuf`.
pub fn into_raw(buf: Vec<u8>) -> PyResult<RawDocumentBuf> {
    RawDocumentBuf::from_bytes(buf).map_err(|e| errors::invalid_document(&e.to_string()))
}

/// Append an element's type byte and key (its value follows).
pub fn element_key(buf: &mut Vec<u8>, kind: u8, key: &str) {
    element(buf, kind, key, &[], &[], false);
}

/// Append one element: `kind`, `key`, NUL, then `head` and `tail` (a value's
/// bytes) and a NUL after them when `nul`, with one capacity check (a push
/// or an extend each measured as a noticeable part of writing small values).
#[inline]
fn element(buf: &mut Vec<u8>, kind: u8, key: &str, head: &[u8], tail: &[u8], nul: bool) {
    let n = 2 + key.len() + head.len() + tail.len() + usize::from(nul);
    buf.reserve(n);
    let start = buf.len();
    // SAFETY: `n` bytes were reserved past `start`; every one of them is
    // written below (kind, key, NUL, head, tail, NUL) before the length
    // covers them.
    unsafe {
        let p = buf.as_mut_ptr().add(start);
        p.write(kind);
        std::ptr::copy_nonoverlapping(key.as_ptr(), p.add(1), key.len());
        p.add(1 + key.len()).write(0);
        let v = p.add(2 + key.len());
        std::ptr::copy_nonoverlapping(head.as_ptr(), v, head.len());
        std::ptr::copy_nonoverlapping(tail.as_ptr(), v.add(head.len()), tail.len());
        if nul {
            v.add(head.len() + tail.len()).write(0);
        }
        buf.set_len(start + n);
    }
}

fn write_fields(
    buf: &mut Vec<u8>,
    value: &Bound<'_, PyAny>,
    depth: u32,
    skip: Option<&str>,
) -> PyResult<()> {
    if depth > MAX_DEPTH {
        return Err(too_deep());
    }
    if let Ok(d) = value.cast::<PyDict>() {
        for (k, v) in d.iter() {
            if let Ok(s) = k.cast_exact::<PyString>() {
                let key = s.to_str()?;
                if skip == Some(key) {
                    continue;
                }
                check_key(key)?;
                write_element(buf, key, &v, depth + 1)?;
            } else {
                let key = key_str(&k)?;
                if skip == Some(key.as_str()) {
                    continue;
                }
                write_element(buf, &key, &v, depth + 1)?;
            }
        }
        return Ok(());
    }
    if is_model_instance(value) {
        let kwargs = PyDict::new(value.py());
        kwargs.set_item("by_alias", true)?;
        let dumped = value.call_method("model_dump", (), Some(&kwargs))?;
        return write_fields(buf, &dumped, depth, skip);
    }
    if let Ok(m) = value.cast::<PyMapping>() {
        for item in m.items()?.iter() {
            let (k, v): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item.extract()?;
            let key = key_str(&k)?;
            if skip == Some(key.as_str()) {
                continue;
            }
            write_element(buf, &key, &v, depth + 1)?;
        }
        return Ok(());
    }
    Err(errors::invalid_document(&format!(
        "expected a dict or a model instance to encode as a BSON document, got {}",
        type_name(value)
    )))
}

/// Refuse a key holding NUL (it would end the key early in BSON). A byte
/// loop: keys are short, where a `memchr` call cost more than the scan.
#[inline]
fn check_key(key: &str) -> PyResult<()> {
    if key.bytes().any(|b| b == 0) {
        return Err(key_with_nul(key));
    }
    Ok(())
}

#[cold]
fn key_with_nul(key: &str) -> PyErr {
    errors::invalid_document(&format!("document key {key:?} contains a NUL character"))
}

/// The decimal digits of an array index (the keys of a BSON array), written
/// without going through the formatting machinery (measured in encoding).
pub struct IndexKey {
    digits: [u8; 20],
    start: usize,
}

impl IndexKey {
    pub fn new(mut i: usize) -> Self {
        let mut digits = [b'0'; 20];
        let mut start = digits.len();
        loop {
            start -= 1;
            // `i % 10` is a single decimal digit.
            #[allow(clippy::cast_possible_truncation)]
            {
                digits[start] = b'0' + (i % 10) as u8;
            }
            i /= 10;
            if i == 0 {
                break;
            }
        }
        Self { digits, start }
    }

    /// Step to the next index (one more), carrying digit by digit: the
    /// keys of consecutive elements without a division per digit.
    pub fn increment(&mut self) {
        let mut i = self.digits.len();
        loop {
            i -= 1;
            if self.digits[i] != b'9' {
                self.digits[i] += 1;
                return;
            }
            self.digits[i] = b'0';
            if i == self.start {
                // 9 -> 10, 99 -> 100: one digit more (20 digits hold any usize).
                self.start -= 1;
                self.digits[self.start] = b'1';
                return;
            }
        }
    }

    pub fn as_str(&self) -> &str {
        // SAFETY: `digits[start..]` holds ASCII digits only (written by `new`
        // and `increment`), valid UTF-8; checking them measured as a
        // noticeable part of writing an array.
        unsafe { std::str::from_utf8_unchecked(&self.digits[self.start..]) }
    }
}

/// An array: a document whose keys are "0", "1", ...
fn write_array<'py>(
    buf: &mut Vec<u8>,
    key: &str,
    items: impl Iterator<Item = Bound<'py, PyAny>>,
    depth: u32,
) -> PyResult<()> {
    if depth > MAX_DEPTH {
        return Err(too_deep());
    }
    element_key(buf, 0x04, key);
    let at = begin(buf);
    let mut index = IndexKey::new(0);
    for item in items {
        write_element(buf, index.as_str(), &item, depth + 1)?;
        index.increment();
    }
    buf.push(0);
    end(buf, at)
}

fn write_str(buf: &mut Vec<u8>, key: &str, s: &str) -> PyResult<()> {
    let len = i32::try_from(s.len() + 1)
        .map_err(|_| errors::invalid_document("a string is larger than BSON allows"))?;
    element(buf, 0x02, key, &len.to_le_bytes(), s.as_bytes(), true);
    Ok(())
}

/// An int as BSON int32 when it fits, else int64; larger ones are refused.
fn write_int(buf: &mut Vec<u8>, key: &str, value: &Bound<'_, PyAny>) -> PyResult<()> {
    let mut overflow: std::os::raw::c_int = 0;
    // SAFETY: `value` is a live int (callers check); the call reports a value
    // out of range in `overflow`, any other failure as -1 with an exception.
    let i = unsafe { pyo3::ffi::PyLong_AsLongLongAndOverflow(value.as_ptr(), &raw mut overflow) };
    if i == -1 {
        if let Some(err) = PyErr::take(value.py()) {
            return Err(err);
        }
    }
    if overflow != 0 {
        return Err(errors::invalid_document(&format!(
            "the integer {} does not fit in BSON's 64-bit integer",
            ouroboros_common::error::truncate_for_message(&value.str()?.to_cow()?, 40)
        )));
    }
    if let Ok(small) = i32::try_from(i) {
        element(buf, 0x10, key, &small.to_le_bytes(), &[], false);
    } else {
        element(buf, 0x12, key, &i.to_le_bytes(), &[], false);
    }
    Ok(())
}

/// One `key: value` element; the common types are written straight from Python.
fn write_element(
    buf: &mut Vec<u8>,
    key: &str,
    value: &Bound<'_, PyAny>,
    depth: u32,
) -> PyResult<()> {
    if let Ok(s) = value.cast_exact::<PyString>() {
        return write_str(buf, key, s.to_str()?);
    }
    if value.is_instance_of::<PyBool>() {
        element_key(buf, 0x08, key);
        buf.push(u8::from(value.is_truthy()?));
        return Ok(());
    }
    if value.is_instance_of::<PyInt>() {
        return write_int(buf, key, value);
    }
    if let Ok(f) = value.cast::<PyFloat>() {
        element(buf, 0x01, key, &f.value().to_le_bytes(), &[], false);
        return Ok(());
    }
    if value.is_none() {
        element_key(buf, 0x0A, key);
        return Ok(());
    }
    if value.is_instance_of::<PyDict>() {
        if depth > MAX_DEPTH {
            return Err(too_deep());
        }
        element_key(buf, 0x03, key);
        let at = begin(buf);
        write_fields(buf, value, depth, None)?;
        buf.push(0);
        return end(buf, at);
    }
    if let Ok(l) = value.cast::<PyList>() {
        return write_array(buf, key, l.iter(), depth);
    }
    if let Ok(o) = value.cast::<ObjectId>() {
        element(buf, 0x07, key, &o.get().oid.bytes(), &[], false);
        return Ok(());
    }
    if let Ok(dt) = value.cast::<PyDateTime>() {
        element(
            buf,
            0x09,
            key,
            &datetime_to_millis(dt)?.to_le_bytes(),
            &[],
            false,
        );
        return Ok(());
    }
    if let Ok(t) = value.cast::<PyTuple>() {
        return write_array(buf, key, t.iter(), depth);
    }
    if let Ok(s) = value.cast::<PyString>() {
        return write_str(buf, key, s.to_str()?);
    }
    // The rest (dates, decimals, UUIDs, bytes, enums, sets, patterns, models,
    // other mappings): through the tree encoder, then copied in as bytes.
    let bson = to_bson_at(value, depth)?;
    if let Bson::RegularExpression(r) = &bson {
        if r.pattern.contains('\0') || r.options.contains('\0') {
            return Err(errors::invalid_document(
                "a regular expression cannot contain a NUL character in BSON",
            ));
        }
    }
    let raw =
        bson::RawBson::try_from(bson).map_err(|e| errors::invalid_document(&e.to_string()))?;
    let mut one = RawDocumentBuf::new();
    one.append_ref(key, raw.as_raw_bson_ref());
    let bytes = one.as_bytes();
    // The element between the length prefix and the final NUL.
    buf.extend_from_slice(&bytes[4..bytes.len() - 1]);
    Ok(())
}

// ---------------------------------------------------------------- Python API

/// `encode_document(obj) -> bytes`: the BSON bytes of a mapping or model.
#[pyfunction]
pub fn encode_document<'py>(
    py: Python<'py>,
    obj: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyBytes>> {
    let raw = to_raw_document(obj)?;
    Ok(PyBytes::new(py, raw.as_bytes()))
}

/// `decode_document(data, tz_aware=False) -> dict`: BSON bytes -> Python.
#[pyfunction]
#[pyo3(signature = (data, tz_aware = false))]
pub fn decode_document<'py>(
    py: Python<'py>,
    data: &[u8],
    tz_aware: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let doc = RawDocument::from_bytes(data).map_err(|e| invalid_bson(&e))?;
    raw_doc_to_dict(py, doc, DecodeOpts { tz_aware })
}

#[cfg(test)]
mod tests {
    use super::IndexKey;

    #[test]
    fn index_key_increment_matches_new() {
        let mut key = IndexKey::new(0);
        for i in 0..=100_000usize {
            assert_eq!(key.as_str(), i.to_string(), "index {i}");
            key.increment();
        }
        let mut key = IndexKey::new(usize::MAX - 1);
        key.increment();
        assert_eq!(key.as_str(), usize::MAX.to_string());
    }
}
