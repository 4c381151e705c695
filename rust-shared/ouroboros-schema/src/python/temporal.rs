//! datetime / date / time / timedelta from Python objects, ISO 8601 strings
//! (parsed by `speedate`) and, in lax mode, Unix timestamps.

use jiter::JsonValue;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyBool, PyDate, PyDateTime, PyDelta, PyFloat, PyInt, PyString, PyTime, PyType, PyTzInfo,
};

use strum::EnumMessage;

use crate::errors::ErrorType;

use super::error::{ValError, ValResult};
use super::input::Inp;

static TIMEZONE: PyOnceLock<Py<PyType>> = PyOnceLock::new();

fn tzinfo(py: Python<'_>, offset: Option<i32>) -> PyResult<Option<Bound<'_, PyTzInfo>>> {
    let Some(seconds) = offset else {
        return Ok(None);
    };
    let tz_cls = TIMEZONE.import(py, "datetime", "timezone")?;
    let tz = if seconds == 0 {
        tz_cls.getattr("utc")?
    } else {
        tz_cls.call1((PyDelta::new(py, 0, seconds, 0, true)?,))?
    };
    Ok(Some(tz.cast_into::<PyTzInfo>()?))
}

/// Pydantic reports speedate's human description ("hour value is outside
/// expected range of 0-23"), not the variant name.
fn parse_error_text(e: &speedate::ParseError) -> String {
    e.get_documentation()
        .map_or_else(|| e.to_string(), str::to_owned)
}

/// A string that is a plain number is a Unix timestamp (seconds or ms).
fn is_numeric_text(s: &str) -> bool {
    let t = s.trim();
    let body = t.strip_prefix(['-', '+']).unwrap_or(t);
    !body.is_empty()
        && body.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && body.bytes().any(|b| b.is_ascii_digit())
}

enum Raw<'s> {
    Text(std::borrow::Cow<'s, str>),
    Number(f64),
}

/// The string or number a temporal value can be read from.
fn raw<'s>(inp: &'s Inp<'_, '_>) -> PyResult<Option<Raw<'s>>> {
    Ok(match inp {
        Inp::Py(o) => {
            if let Ok(s) = o.cast::<PyString>() {
                Some(Raw::Text(std::borrow::Cow::Owned(s.to_cow()?.into_owned())))
            } else if o.is_instance_of::<PyBool>() {
                None
            } else if o.is_instance_of::<PyInt>() || o.is_instance_of::<PyFloat>() {
                Some(Raw::Number(o.extract::<f64>()?))
            } else if let Ok(b) = o.cast::<pyo3::types::PyBytes>() {
                std::str::from_utf8(b.as_bytes())
                    .ok()
                    .map(|s| Raw::Text(std::borrow::Cow::Owned(s.to_owned())))
            } else if o.is_instance(super::special::decimal_cls(o.py())?)? {
                // A Decimal is a number of seconds (or milliseconds), as Pydantic reads it.
                Some(Raw::Number(o.extract::<f64>()?))
            } else {
                None
            }
        }
        Inp::Json(JsonValue::Str(s)) => Some(Raw::Text(std::borrow::Cow::Borrowed(s.as_ref()))),
        #[allow(clippy::cast_precision_loss)]
        Inp::Json(JsonValue::Int(i)) => Some(Raw::Number(*i as f64)),
        Inp::Json(JsonValue::Float(f)) => Some(Raw::Number(*f)),
        Inp::Json(_) => None,
    })
}

fn split_ts(v: f64) -> (i64, u32) {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let secs = v.floor() as i64;
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let micros = ((v - v.floor()) * 1_000_000.0).round() as u32;
    (secs, micros.min(999_999))
}

fn build_datetime<'py>(py: Python<'py>, dt: &speedate::DateTime) -> PyResult<Bound<'py, PyAny>> {
    let tz = tzinfo(py, dt.time.tz_offset)?;
    Ok(PyDateTime::new(
        py,
        i32::from(dt.date.year),
        dt.date.month,
        dt.date.day,
        dt.time.hour,
        dt.time.minute,
        dt.time.second,
        dt.time.microsecond,
        tz.as_ref(),
    )?
    .into_any())
}

pub fn datetime<'py>(
    py: Python<'py>,
    inp: &Inp<'_, 'py>,
    strict: bool,
) -> ValResult<Bound<'py, PyAny>> {
    if let Inp::Py(o) = inp {
        if o.is_instance_of::<PyDateTime>() {
            return Ok(o.clone());
        }
        if strict {
            return Err(ValError::new(py, ErrorType::DatetimeType, inp));
        }
        if o.is_instance_of::<PyDate>() {
            // Lax: a date is midnight of that day (naive), as in Pydantic.
            let (y, m, day): (i32, u8, u8) = (
                o.getattr("year")?.extract()?,
                o.getattr("month")?.extract()?,
                o.getattr("day")?.extract()?,
            );
            return Ok(PyDateTime::new(py, y, m, day, 0, 0, 0, 0, None)?.into_any());
        }
    }
    let parsed = match raw(inp)? {
        Some(Raw::Text(s)) => match speedate::DateTime::parse_str(&s) {
            Ok(mut dt) => {
                if dt.time.tz_offset.is_none() && is_numeric_text(&s) {
                    dt.time.tz_offset = Some(0);
                }
                Ok(dt)
            }
            // A bare date is midnight of that day; in lax mode, when that fails too, the date
            // parser's reason is the error (`datetime_from_date_parsing`), as in pydantic-core.
            Err(e) => match speedate::Date::parse_str(&s) {
                Ok(date) => Ok(speedate::DateTime {
                    date,
                    time: speedate::Time {
                        hour: 0,
                        minute: 0,
                        second: 0,
                        microsecond: 0,
                        tz_offset: None,
                    },
                }),
                Err(date_err) if !strict => {
                    return Err(ValError::new(
                        py,
                        ErrorType::DatetimeFromDateParsing {
                            error: parse_error_text(&date_err),
                        },
                        inp,
                    ))
                }
                Err(_) => Err(e),
            },
        },
        Some(Raw::Number(_)) if strict => {
            return Err(ValError::new(py, ErrorType::DatetimeType, inp))
        }
        Some(Raw::Number(v)) if v.is_nan() => {
            return Err(ValError::new(
                py,
                ErrorType::DatetimeParsing {
                    error: "NaN values not permitted".into(),
                },
                inp,
            ))
        }
        Some(Raw::Number(v)) => {
            // Past 2e10 a timestamp is in milliseconds (pydantic-core's rule), read with its
            // fraction of a millisecond (`1654646400123.456` -> .123456 s).
            let v = if v.abs() > 2e10 { v / 1000.0 } else { v };
            let (secs, micros) = split_ts(v);
            // Timestamps are instants: Pydantic returns them in UTC.
            speedate::DateTime::from_timestamp(secs, micros).map(|mut dt| {
                dt.time.tz_offset = Some(0);
                dt
            })
        }
        None => return Err(ValError::new(py, ErrorType::DatetimeType, inp)),
    };
    match parsed {
        Ok(dt) => Ok(build_datetime(py, &dt)?),
        Err(e) => Err(ValError::new(
            py,
            ErrorType::DatetimeParsing {
                error: parse_error_text(&e),
            },
            inp,
        )),
    }
}

pub fn date<'py>(
    py: Python<'py>,
    inp: &Inp<'_, 'py>,
    strict: bool,
) -> ValResult<Bound<'py, PyAny>> {
    if let Inp::Py(o) = inp {
        if let Ok(dt) = o.cast::<PyDateTime>() {
            if strict {
                return Err(ValError::new(py, ErrorType::DateType, inp));
            }
            let zero: bool = dt
                .call_method0("time")?
                .eq(PyTime::new(py, 0, 0, 0, 0, None)?)?;
            if !zero {
                return Err(ValError::new(py, ErrorType::DateFromDatetimeInexact, inp));
            }
            return Ok(dt.call_method0("date")?);
        }
        if o.is_instance_of::<PyDate>() {
            return Ok(o.clone());
        }
        if strict {
            return Err(ValError::new(py, ErrorType::DateType, inp));
        }
    }
    // Lax mode, as pydantic-core: what is not a date is read as a datetime at midnight, and
    // that parser's reason is the error (`date_from_datetime_parsing`).
    let from_datetime =
        |error: String| ValError::new(py, ErrorType::DateFromDatetimeParsing { error }, inp);
    let parsed = match raw(inp)? {
        Some(Raw::Text(s)) => match speedate::Date::parse_str(&s) {
            Ok(d) => Ok(d),
            Err(e) => match speedate::DateTime::parse_str(&s) {
                Ok(dt)
                    if dt.time.hour == 0
                        && dt.time.minute == 0
                        && dt.time.second == 0
                        && dt.time.microsecond == 0 =>
                {
                    Ok(dt.date)
                }
                Ok(_) => return Err(ValError::new(py, ErrorType::DateFromDatetimeInexact, inp)),
                Err(dt_err) if !strict => return Err(from_datetime(parse_error_text(&dt_err))),
                Err(_) => Err(e),
            },
        },
        Some(Raw::Number(_)) if strict => return Err(ValError::new(py, ErrorType::DateType, inp)),
        Some(Raw::Number(v)) if v.is_nan() => {
            return Err(from_datetime("NaN values not permitted".into()))
        }
        Some(Raw::Number(v)) if v.is_infinite() => {
            return Err(from_datetime(if v > 0.0 {
                "dates after 9999 are not supported as unix timestamps".into()
            } else {
                "dates before 0000 are not supported as unix timestamps".into()
            }))
        }
        Some(Raw::Number(v)) => {
            let (secs, micros) = split_ts(v);
            match speedate::DateTime::from_timestamp(secs, 0) {
                Ok(dt)
                    if micros == 0
                        && dt.time.hour == 0
                        && dt.time.minute == 0
                        && dt.time.second == 0 =>
                {
                    Ok(dt.date)
                }
                Ok(_) => return Err(ValError::new(py, ErrorType::DateFromDatetimeInexact, inp)),
                Err(e) => return Err(from_datetime(parse_error_text(&e))),
            }
        }
        None => return Err(ValError::new(py, ErrorType::DateType, inp)),
    };
    match parsed {
        Ok(d) => Ok(PyDate::new(py, i32::from(d.year), d.month, d.day)?.into_any()),
        Err(e) => Err(ValError::new(
            py,
            ErrorType::DateParsing {
                error: parse_error_text(&e),
            },
            inp,
        )),
    }
}

pub fn time<'py>(
    py: Python<'py>,
    inp: &Inp<'_, 'py>,
    strict: bool,
) -> ValResult<Bound<'py, PyAny>> {
    if let Inp::Py(o) = inp {
        if o.is_instance_of::<PyTime>() {
            return Ok(o.clone());
        }
        if strict {
            return Err(ValError::new(py, ErrorType::TimeType, inp));
        }
    }
    let parsed = match raw(inp)? {
        Some(Raw::Text(s)) => speedate::Time::parse_str(&s),
        Some(Raw::Number(_)) if strict => return Err(ValError::new(py, ErrorType::TimeType, inp)),
        Some(Raw::Number(v)) if (0.0..86400.0).contains(&v) => {
            let (secs, micros) = split_ts(v);
            // Seconds since midnight are read as UTC, as Pydantic does.
            speedate::Time::from_timestamp(u32::try_from(secs).unwrap_or(0), micros).map(|mut t| {
                t.tz_offset = Some(0);
                t
            })
        }
        Some(Raw::Number(_)) => {
            return Err(ValError::new(
                py,
                ErrorType::TimeParsing {
                    error: "numeric times may not exceed 86,399 seconds".into(),
                },
                inp,
            ))
        }
        None => return Err(ValError::new(py, ErrorType::TimeType, inp)),
    };
    match parsed {
        Ok(t) => {
            let tz = tzinfo(py, t.tz_offset)?;
            Ok(PyTime::new(py, t.hour, t.minute, t.second, t.microsecond, tz.as_ref())?.into_any())
        }
        Err(e) => Err(ValError::new(
            py,
            ErrorType::TimeParsing {
                error: parse_error_text(&e),
            },
            inp,
        )),
    }
}

pub fn timedelta<'py>(
    py: Python<'py>,
    inp: &Inp<'_, 'py>,
    strict: bool,
) -> ValResult<Bound<'py, PyAny>> {
    if let Inp::Py(o) = inp {
        if o.is_instance_of::<PyDelta>() {
            return Ok(o.clone());
        }
        if strict {
            return Err(ValError::new(py, ErrorType::TimeDeltaType, inp));
        }
    }
    match raw(inp)? {
        Some(Raw::Text(s)) => match speedate::Duration::parse_str(&s) {
            Ok(d) => {
                let sign = if d.positive { 1 } else { -1 };
                let days = i32::try_from(d.day).unwrap_or(i32::MAX) * sign;
                let secs = i32::try_from(d.second).unwrap_or(0) * sign;
                let micros = i32::try_from(d.microsecond).unwrap_or(0) * sign;
                Ok(PyDelta::new(py, days, secs, micros, true)?.into_any())
            }
            Err(e) => Err(ValError::new(
                py,
                ErrorType::TimeDeltaParsing {
                    error: parse_error_text(&e),
                },
                inp,
            )),
        },
        Some(Raw::Number(_)) if strict => Err(ValError::new(py, ErrorType::TimeDeltaType, inp)),
        Some(Raw::Number(v)) if v.is_finite() && v.abs() < 8.64e13 => {
            let (secs, micros) = split_ts(v);
            let days = secs.div_euclid(86_400);
            let rem = secs.rem_euclid(86_400);
            Ok(PyDelta::new(
                py,
                i32::try_from(days).unwrap_or(0),
                i32::try_from(rem).unwrap_or(0),
                i32::try_from(micros).unwrap_or(0),
                true,
            )?
            .into_any())
        }
        Some(Raw::Number(_)) => Err(ValError::new(
            py,
            ErrorType::TimeDeltaParsing {
                error: "durations may not exceed 999,999,999 days".into(),
            },
            inp,
        )),
        None => Err(ValError::new(py, ErrorType::TimeDeltaType, inp)),
    }
}

/// How Pydantic prints a date/time/duration bound in `ctx` and messages:
/// ISO 8601 with `Z` for UTC, and durations in words ("1 day and 5 seconds").
pub fn bound_text(v: &Bound<'_, PyAny>) -> PyResult<String> {
    if v.is_instance_of::<PyDelta>() {
        let days: i64 = v.getattr("days")?.extract()?;
        let seconds: i64 = v.getattr("seconds")?.extract()?;
        let micros: i64 = v.getattr("microseconds")?.extract()?;
        let units = [
            (days, "day"),
            (seconds / 3600, "hour"),
            (seconds % 3600 / 60, "minute"),
            (seconds % 60, "second"),
            (micros, "microsecond"),
        ];
        let parts: Vec<String> = units
            .iter()
            .filter(|(n, _)| *n != 0)
            .map(|(n, unit)| format!("{n} {unit}{}", if *n == 1 { "" } else { "s" }))
            .collect();
        return Ok(if parts.is_empty() {
            "0 seconds".to_owned()
        } else {
            parts.join(" and ")
        });
    }
    if v.is_instance_of::<PyDate>() || v.is_instance_of::<PyTime>() {
        let text: String = v.call_method0("isoformat")?.extract()?;
        return Ok(text
            .strip_suffix("+00:00")
            .map_or_else(|| text.clone(), |t| format!("{t}Z")));
    }
    Ok(v.str()?.to_string())
}
