//! Python values <-> the engine's `Param` and `Value`, with the GIL held.
//!
//! Arguments are converted before the query leaves for the runtime (the
//! statement's parameter types are not known yet, so a `Param` keeps the
//! Python kind and the engine checks it against the type the server expects).
//! Result cells are decoded straight from the row buffer into Python objects.

use ouroboros_postgres_core::temporal::{self, USECS_PER_DAY};
use ouroboros_postgres_core::value::Finite;
use ouroboros_postgres_core::{Param, PgError, RawCell, Row, Type, Value};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyDate, PyDateAccess, PyDateTime, PyDelta, PyDeltaAccess, PyDict,
    PyFloat, PyInt, PyList, PyMemoryView, PyString, PyTime, PyTimeAccess, PyTuple, PyTzInfo,
    PyTzInfoAccess,
};

use crate::errors::to_pyerr;

static DECIMAL: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static UUID: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static ENUM: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static JSON_DUMPS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static DATE_MAX: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static DATE_MIN: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static DT_MAX: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static DT_MIN: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static DT_MAX_UTC: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static DT_MIN_UTC: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

fn cached<'py>(
    cell: &'static PyOnceLock<Py<PyAny>>,
    py: Python<'py>,
    init: impl FnOnce(Python<'py>) -> PyResult<Bound<'py, PyAny>>,
) -> PyResult<&'py Bound<'py, PyAny>> {
    cell.get_or_try_init(py, || init(py).map(Bound::unbind))
        .map(|v| v.bind(py))
}

fn attr<'py>(py: Python<'py>, module: &str, path: &str) -> PyResult<Bound<'py, PyAny>> {
    let mut obj = py.import(module)?.into_any();
    for part in path.split('.') {
        obj = obj.getattr(part)?;
    }
    Ok(obj)
}

fn utc_bound(py: Python<'_>, max: bool) -> PyResult<Bound<'_, PyAny>> {
    let dt = attr(
        py,
        "datetime",
        if max { "datetime.max" } else { "datetime.min" },
    )?;
    let utc = PyTzInfo::utc(py)?;
    let kw = PyDict::new(py);
    kw.set_item("tzinfo", utc)?;
    dt.call_method("replace", (), Some(&kw))
}

fn argument_error(py: Python<'_>, position: usize, message: String) -> PyErr {
    to_pyerr(py, &PgError::Argument { position, message })
}

/// Convert the arguments of one query.
pub fn params(py: Python<'_>, args: &Bound<'_, PyTuple>) -> PyResult<Vec<Param>> {
    args.iter()
        .enumerate()
        .map(|(i, a)| to_param(&a).map_err(|m| argument_error(py, i + 1, m)))
        .collect()
}

/// Convert every argument list of `executemany` / `copy_records_to_table`.
pub fn param_rows(py: Python<'_>, rows: &Bound<'_, PyAny>) -> PyResult<Vec<Vec<Param>>> {
    let mut out = Vec::new();
    for (n, row) in rows.try_iter()?.enumerate() {
        let row = row?;
        let items: Vec<Bound<'_, PyAny>> = if let Ok(t) = row.cast::<PyTuple>() {
            t.iter().collect()
        } else if let Ok(l) = row.cast::<PyList>() {
            l.iter().collect()
        } else if row.is_instance_of::<PyString>() || row.is_instance_of::<PyBytes>() {
            return Err(argument_error(
                py,
                1,
                format!(
                    "row {n} is a {}, expected a tuple or list of values",
                    row.get_type().name()?
                ),
            ));
        } else {
            row.try_iter()
                .map_err(|_| argument_error(py, 1, format!("row {n} is not a sequence of values")))?
                .collect::<PyResult<_>>()?
        };
        let converted = items
            .iter()
            .enumerate()
            .map(|(i, a)| {
                to_param(a).map_err(|m| argument_error(py, i + 1, format!("{m} (row {n})")))
            })
            .collect::<PyResult<Vec<_>>>()?;
        out.push(converted);
    }
    Ok(out)
}

fn micros_of_time(t: &impl PyTimeAccess) -> i64 {
    ((i64::from(t.get_hour()) * 60 + i64::from(t.get_minute())) * 60 + i64::from(t.get_second()))
        * 1_000_000
        + i64::from(t.get_microsecond())
}

fn delta_micros(d: &Bound<'_, PyDelta>) -> i64 {
    i64::from(d.get_days()) * USECS_PER_DAY
        + i64::from(d.get_seconds()) * 1_000_000
        + i64::from(d.get_microseconds())
}

fn offset_seconds(obj: &Bound<'_, PyAny>) -> Result<Option<i64>, String> {
    let py = obj.py();
    let off = obj
        .call_method0(pyo3::intern!(py, "utcoffset"))
        .map_err(|e| e.to_string())?;
    if off.is_none() {
        return Ok(None);
    }
    let d = off.cast::<PyDelta>().map_err(|e| e.to_string())?;
    Ok(Some(delta_micros(d) / 1_000_000))
}

fn err_text(e: PyErr) -> String {
    e.to_string()
}

/// datetime / date / time / timedelta arguments (None for other types).
/// `date.max`/`datetime.max` (and the minimums) are sent as infinities, as asyncpg does.
fn temporal_param(obj: &Bound<'_, PyAny>) -> Result<Option<Param>, String> {
    let py = obj.py();
    if let Ok(dt) = obj.cast::<PyDateTime>() {
        // Only the years 1 and 9999 can hold the extremes: compare (a Python
        // call each) only then.
        let year = dt.get_year();
        if year == 9999 || year == 1 {
            let is = |cell: &'static PyOnceLock<Py<PyAny>>,
                      init: fn(Python<'_>) -> PyResult<Bound<'_, PyAny>>|
             -> Result<bool, String> {
                Ok(dt
                    .eq(cached(cell, py, init).map_err(err_text)?)
                    .unwrap_or(false))
            };
            if is(&DT_MAX, |py| attr(py, "datetime", "datetime.max"))?
                || is(&DT_MAX_UTC, |py| utc_bound(py, true))?
            {
                return Ok(Some(Param::TimestampInfinity(true)));
            }
            if is(&DT_MIN, |py| attr(py, "datetime", "datetime.min"))?
                || is(&DT_MIN_UTC, |py| utc_bound(py, false))?
            {
                return Ok(Some(Param::TimestampInfinity(false)));
            }
        }
        let days = temporal::ymd_to_days(i64::from(dt.get_year()), dt.get_month(), dt.get_day());
        let local = days * USECS_PER_DAY + micros_of_time(dt);
        // Naive and UTC datetimes (the common cases) need no `utcoffset()` call.
        let offset = match dt.get_tzinfo() {
            None => None,
            Some(tz) if tz.is(PyTzInfo::utc(py).map_err(err_text)?) => Some(0),
            Some(_) => offset_seconds(dt)?,
        };
        let param = match offset {
            None => Param::Timestamp(local),
            Some(off) => Param::TimestampTz(local - off * 1_000_000),
        };
        return Ok(Some(param));
    }
    if let Ok(d) = obj.cast::<PyDate>() {
        let year = d.get_year();
        if year != 9999 && year != 1 {
            return Ok(Some(Param::Date(temporal::ymd_to_days(
                i64::from(year),
                d.get_month(),
                d.get_day(),
            ))));
        }
        let max = cached(&DATE_MAX, py, |py| attr(py, "datetime", "date.max")).map_err(err_text)?;
        let min = cached(&DATE_MIN, py, |py| attr(py, "datetime", "date.min")).map_err(err_text)?;
        let param = if d.eq(max).unwrap_or(false) {
            Param::DateInfinity(true)
        } else if d.eq(min).unwrap_or(false) {
            Param::DateInfinity(false)
        } else {
            Param::Date(temporal::ymd_to_days(
                i64::from(d.get_year()),
                d.get_month(),
                d.get_day(),
            ))
        };
        return Ok(Some(param));
    }
    if let Ok(t) = obj.cast::<PyTime>() {
        let micros = micros_of_time(t);
        let param = match offset_seconds(t)? {
            None => Param::Time(micros),
            Some(off) => Param::TimeTz(
                micros,
                i32::try_from(off).map_err(|_| "time zone offset out of range".to_owned())?,
            ),
        };
        return Ok(Some(param));
    }
    if let Ok(d) = obj.cast::<PyDelta>() {
        let micros = i64::from(d.get_seconds()) * 1_000_000 + i64::from(d.get_microseconds());
        return Ok(Some(Param::Interval {
            months: 0,
            days: d.get_days(),
            micros,
        }));
    }
    Ok(None)
}

/// One Python value as a query argument; the error text is for the caller.
pub fn to_param(obj: &Bound<'_, PyAny>) -> Result<Param, String> {
    let py = obj.py();
    if obj.is_none() {
        return Ok(Param::Null);
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Param::Text(
            s.to_str().map_err(|e| e.to_string())?.to_owned(),
        ));
    }
    if obj.is_instance_of::<PyBool>() {
        return Ok(Param::Bool(obj.is_truthy().unwrap_or(false)));
    }
    if obj.is_instance_of::<PyInt>() {
        return Ok(match obj.extract::<i64>() {
            Ok(v) => Param::Int(v),
            Err(_) => Param::BigInt(obj.str().map_err(|e| e.to_string())?.to_string()),
        });
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return Ok(Param::Float(f.value()));
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(Param::Bytes(b.as_bytes().to_vec()));
    }
    if let Ok(b) = obj.cast::<PyByteArray>() {
        return Ok(Param::Bytes(b.to_vec()));
    }
    if obj.is_instance_of::<PyMemoryView>() {
        return Ok(Param::Bytes(
            obj.call_method0("tobytes")
                .and_then(|b| b.extract())
                .map_err(|e| e.to_string())?,
        ));
    }
    if let Some(p) = temporal_param(obj)? {
        return Ok(p);
    }
    if let Ok(l) = obj.cast::<PyList>() {
        return l
            .iter()
            .map(|v| to_param(&v))
            .collect::<Result<_, _>>()
            .map(Param::Array);
    }
    if let Ok(t) = obj.cast::<PyTuple>() {
        return t
            .iter()
            .map(|v| to_param(&v))
            .collect::<Result<_, _>>()
            .map(Param::Array);
    }
    let decimal =
        cached(&DECIMAL, py, |py| attr(py, "decimal", "Decimal")).map_err(|e| e.to_string())?;
    if obj.is_instance(decimal).unwrap_or(false) {
        return Ok(Param::Decimal(
            obj.str().map_err(|e| e.to_string())?.to_string(),
        ));
    }
    let uuid = cached(&UUID, py, |py| attr(py, "uuid", "UUID")).map_err(|e| e.to_string())?;
    if obj.is_instance(uuid).unwrap_or(false) {
        let n: u128 = obj
            .getattr("int")
            .and_then(|v| v.extract())
            .map_err(|e| e.to_string())?;
        return Ok(Param::Uuid(n.to_be_bytes()));
    }
    if obj.is_instance_of::<PyDict>() {
        let dumps =
            cached(&JSON_DUMPS, py, |py| attr(py, "json", "dumps")).map_err(|e| e.to_string())?;
        let text = dumps
            .call1((obj,))
            .and_then(|s| s.extract::<String>())
            .map_err(|e| format!("cannot encode the dict as JSON: {e}"))?;
        return Ok(Param::Json(text));
    }
    let enum_cls = cached(&ENUM, py, |py| attr(py, "enum", "Enum")).map_err(|e| e.to_string())?;
    if obj.is_instance(enum_cls).unwrap_or(false) {
        return to_param(&obj.getattr("value").map_err(|e| e.to_string())?);
    }
    let name = obj
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_default();
    Err(format!(
        "values of type {name} cannot be sent to PostgreSQL"
    ))
}

fn decode_error(py: Python<'_>, column: &str, ty: &Type, message: String) -> PyErr {
    to_pyerr(
        py,
        &PgError::Decode {
            column: column.to_owned(),
            type_name: ty.name().to_owned(),
            message,
        },
    )
}

/// Decode one column of a row into a Python object.
pub fn cell<'py>(py: Python<'py>, row: &Row, idx: usize) -> PyResult<Bound<'py, PyAny>> {
    let column = &row.columns()[idx];
    let ty = column.type_();
    let raw = row
        .try_get::<_, RawCell<'_>>(idx)
        .map_err(|e| decode_error(py, column.name(), ty, e.to_string()))?;
    let value = Value::decode(ty, raw.0).map_err(|m| decode_error(py, column.name(), ty, m))?;
    value_to_py(py, &value).map_err(|e| decode_error(py, column.name(), ty, e.to_string()))
}

/// Year, month and day of a day number, the year within Python's range.
fn python_ymd(days: i64) -> PyResult<(i32, u8, u8)> {
    let (y, m, d) = temporal::days_to_ymd(days);
    let y = i32::try_from(y)
        .ok()
        .filter(|y| (1..=9999).contains(y))
        .ok_or_else(|| {
            pyo3::exceptions::PyValueError::new_err(format!(
                "year {y} is out of the range of Python's date (1..9999)"
            ))
        })?;
    Ok((y, m, d))
}

fn date(py: Python<'_>, days: i64) -> PyResult<Bound<'_, PyDate>> {
    let (y, m, d) = python_ymd(days)?;
    PyDate::new(py, y, m, d)
}

fn datetime<'py>(
    py: Python<'py>,
    micros: i64,
    tz: Option<&Bound<'py, PyTzInfo>>,
) -> PyResult<Bound<'py, PyAny>> {
    let (days, tod) = temporal::split_timestamp(micros);
    // The fields straight into the datetime (no intermediate date object).
    let (year, month, day) = python_ymd(days)?;
    let (hour, minute, second, micro) = temporal::time_parts(tod);
    Ok(PyDateTime::new(py, year, month, day, hour, minute, second, micro, tz)?.into_any())
}

fn time<'py>(
    py: Python<'py>,
    micros: i64,
    tz: Option<&Bound<'py, PyTzInfo>>,
) -> PyResult<Bound<'py, PyAny>> {
    if !(0..USECS_PER_DAY).contains(&micros) {
        return Err(pyo3::exceptions::PyValueError::new_err(
            "time 24:00:00 cannot be represented by datetime.time",
        ));
    }
    let (h, mi, s, us) = temporal::time_parts(micros);
    Ok(PyTime::new(py, h, mi, s, us, tz)?.into_any())
}

/// A decoded value as the Python object asyncpg would return.
pub fn value_to_py<'py>(py: Python<'py>, v: &Value<'_>) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Int(i) => i.into_pyobject(py)?.into_any(),
        Value::Float(f) => PyFloat::new(py, *f).into_any(),
        Value::Text(s) | Value::Json(s) => PyString::new(py, s).into_any(),
        Value::Bytes(b) => PyBytes::new(py, b).into_any(),
        Value::Numeric(s) => {
            cached(&DECIMAL, py, |py| attr(py, "decimal", "Decimal"))?.call1((s.as_str(),))?
        }
        Value::Date(Finite::Value(d)) => date(py, *d)?.into_any(),
        Value::Date(Finite::Infinity) => {
            cached(&DATE_MAX, py, |py| attr(py, "datetime", "date.max"))?.clone()
        }
        Value::Date(Finite::NegInfinity) => {
            cached(&DATE_MIN, py, |py| attr(py, "datetime", "date.min"))?.clone()
        }
        Value::Timestamp(Finite::Value(t)) => datetime(py, *t, None)?,
        Value::Timestamp(Finite::Infinity) => {
            cached(&DT_MAX, py, |py| attr(py, "datetime", "datetime.max"))?.clone()
        }
        Value::Timestamp(Finite::NegInfinity) => {
            cached(&DT_MIN, py, |py| attr(py, "datetime", "datetime.min"))?.clone()
        }
        Value::TimestampTz(Finite::Value(t)) => {
            datetime(py, *t, Some(&PyTzInfo::utc(py)?.to_owned()))?
        }
        // asyncpg returns the naive extremes for timestamptz infinities too.
        Value::TimestampTz(Finite::Infinity) => {
            cached(&DT_MAX, py, |py| attr(py, "datetime", "datetime.max"))?.clone()
        }
        Value::TimestampTz(Finite::NegInfinity) => {
            cached(&DT_MIN, py, |py| attr(py, "datetime", "datetime.min"))?.clone()
        }
        Value::Time(t) => time(py, *t, None)?,
        Value::TimeTz(t, east) => {
            let offset = PyDelta::new(py, 0, *east, 0, true)?;
            let tz = PyTzInfo::fixed_offset(py, offset)?;
            time(py, *t, Some(&tz))?
        }
        Value::Interval {
            months,
            days,
            micros,
        } => {
            // As asyncpg: a year is 365 days, a remaining month 30.
            let (years, months) = (i64::from(*months) / 12, i64::from(*months) % 12);
            let days =
                i64::from(*days) + years * 365 + months * 30 + micros.div_euclid(USECS_PER_DAY);
            let rest = micros.rem_euclid(USECS_PER_DAY);
            let days = i32::try_from(days)
                .map_err(|_| pyo3::exceptions::PyValueError::new_err("interval out of range"))?;
            let secs = i32::try_from(rest / 1_000_000).unwrap_or(0);
            let us = i32::try_from(rest % 1_000_000).unwrap_or(0);
            PyDelta::new(py, days, secs, us, true)?.into_any()
        }
        Value::Uuid(b) => {
            let kw = PyDict::new(py);
            kw.set_item("int", u128::from_be_bytes(*b))?;
            cached(&UUID, py, |py| attr(py, "uuid", "UUID"))?.call((), Some(&kw))?
        }
        Value::Array { dims, elements } => {
            if dims.is_empty() || elements.is_empty() {
                return Ok(PyList::empty(py).into_any());
            }
            let lens: Vec<usize> = dims
                .iter()
                .map(|(len, _)| usize::try_from(*len).unwrap_or(0))
                .collect();
            let mut items = elements.iter();
            nested_list(py, &lens, &mut items)?
        }
    })
}

fn nested_list<'py, 'a>(
    py: Python<'py>,
    lens: &[usize],
    items: &mut impl Iterator<Item = &'a Value<'a>>,
) -> PyResult<Bound<'py, PyAny>> {
    let list = PyList::empty(py);
    for _ in 0..lens[0] {
        if lens.len() == 1 {
            let v = items.next().ok_or_else(|| {
                pyo3::exceptions::PyValueError::new_err(
                    "array has fewer elements than its dimensions",
                )
            })?;
            list.append(value_to_py(py, v)?)?;
        } else {
            list.append(nested_list(py, &lens[1..], items)?)?;
        }
    }
    Ok(list.into_any())
}
