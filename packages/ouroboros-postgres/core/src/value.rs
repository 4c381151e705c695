//! Binary result cells -> [`Value`].
//!
//! [`RawCell`] takes a column's bytes out of a [`Row`](tokio_postgres::Row)
//! untouched (it accepts every type); [`Value::decode`] reads them according
//! to the column's type. Text, bytea and JSON borrow from the row buffer, so a
//! value is copied once: into the Python object the binding builds.

use fallible_iterator::FallibleIterator;
use tokio_postgres::types::{FromSql, Kind, Type};

use crate::{numeric, temporal};

/// A column's raw bytes (None for NULL); its type is the column's.
#[derive(Debug, Clone, Copy)]
pub struct RawCell<'a>(pub Option<&'a [u8]>);

impl<'a> FromSql<'a> for RawCell<'a> {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(RawCell(Some(raw)))
    }

    fn from_sql_null(_: &Type) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(RawCell(None))
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

/// A `timestamp`, `timestamptz` or `date` that may be infinite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finite<T> {
    Value(T),
    Infinity,
    NegInfinity,
}

/// One decoded value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// text, varchar, char(n), name, enums, xml, json (the JSON text as is)
    Text(&'a str),
    /// jsonb: the JSON text (the format byte is dropped)
    Json(&'a str),
    Bytes(&'a [u8]),
    /// exact decimal text; `NaN`, `Infinity`, `-Infinity`
    Numeric(String),
    /// days since 2000-01-01
    Date(Finite<i64>),
    /// microseconds since 2000-01-01 00:00
    Timestamp(Finite<i64>),
    /// microseconds since 2000-01-01 00:00 UTC
    TimestampTz(Finite<i64>),
    /// microseconds since midnight
    Time(i64),
    /// microseconds since midnight, offset in seconds east of UTC
    TimeTz(i64, i32),
    Interval {
        months: i32,
        days: i32,
        micros: i64,
    },
    Uuid([u8; 16]),
    /// `dims` as (length, lower bound) per dimension, elements in row-major order
    Array {
        dims: Vec<(i32, i32)>,
        elements: Vec<Value<'a>>,
    },
}

type DecodeResult<T> = Result<T, String>;

fn fixed<const N: usize>(raw: &[u8]) -> DecodeResult<[u8; N]> {
    raw.try_into()
        .map_err(|_| format!("expected {N} bytes, got {}", raw.len()))
}

impl<'a> Value<'a> {
    /// Decode a cell; the error text names what was wrong with the bytes.
    pub fn decode(ty: &'a Type, raw: Option<&'a [u8]>) -> DecodeResult<Value<'a>> {
        let Some(raw) = raw else {
            return Ok(Value::Null);
        };
        Ok(match *ty {
            Type::BOOL => Value::Bool(fixed::<1>(raw)?[0] != 0),
            Type::INT2 => Value::Int(i16::from_be_bytes(fixed(raw)?).into()),
            Type::INT4 => Value::Int(i32::from_be_bytes(fixed(raw)?).into()),
            Type::INT8 => Value::Int(i64::from_be_bytes(fixed(raw)?)),
            Type::OID | Type::XID | Type::CID | Type::REGPROC | Type::REGTYPE | Type::REGCLASS => {
                Value::Int(u32::from_be_bytes(fixed(raw)?).into())
            }
            Type::FLOAT4 => Value::Float(f32::from_be_bytes(fixed(raw)?).into()),
            Type::FLOAT8 => Value::Float(f64::from_be_bytes(fixed(raw)?)),
            Type::NUMERIC => Value::Numeric(numeric::decode(raw)?),
            Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN | Type::XML | Type::JSON => {
                Value::Text(text(raw)?)
            }
            Type::CHAR => Value::Text(text(raw)?),
            Type::JSONB => match raw.split_first() {
                Some((1, rest)) => Value::Json(text(rest)?),
                _ => return Err("unknown jsonb format version".into()),
            },
            Type::BYTEA => Value::Bytes(raw),
            Type::DATE => Value::Date(match i32::from_be_bytes(fixed(raw)?) {
                temporal::DATE_POS_INFINITY => Finite::Infinity,
                temporal::DATE_NEG_INFINITY => Finite::NegInfinity,
                d => Finite::Value(d.into()),
            }),
            Type::TIMESTAMP => Value::Timestamp(timestamp(raw)?),
            Type::TIMESTAMPTZ => Value::TimestampTz(timestamp(raw)?),
            Type::TIME => Value::Time(i64::from_be_bytes(fixed(raw)?)),
            Type::TIMETZ => {
                let b = fixed::<12>(raw)?;
                let micros = i64::from_be_bytes(b[..8].try_into().unwrap_or_default());
                // The wire carries seconds *west* of UTC.
                let west = i32::from_be_bytes(b[8..].try_into().unwrap_or_default());
                Value::TimeTz(micros, -west)
            }
            Type::INTERVAL => {
                let b = fixed::<16>(raw)?;
                Value::Interval {
                    micros: i64::from_be_bytes(b[..8].try_into().unwrap_or_default()),
                    days: i32::from_be_bytes(b[8..12].try_into().unwrap_or_default()),
                    months: i32::from_be_bytes(b[12..].try_into().unwrap_or_default()),
                }
            }
            Type::UUID => Value::Uuid(fixed(raw)?),
            _ => match ty.kind() {
                Kind::Enum(_) => Value::Text(text(raw)?),
                Kind::Domain(base) => Value::decode(base, Some(raw))?,
                Kind::Array(elem) => array(elem, raw)?,
                _ => {
                    return Err(format!(
                        "no binary decoder for type {} (oid {}); cast the column to text in the query (`col::text`)",
                        ty.name(),
                        ty.oid()
                    ))
                }
            },
        })
    }
}

fn text(raw: &[u8]) -> DecodeResult<&str> {
    std::str::from_utf8(raw).map_err(|e| format!("invalid UTF-8: {e}"))
}

fn timestamp(raw: &[u8]) -> DecodeResult<Finite<i64>> {
    Ok(match i64::from_be_bytes(fixed(raw)?) {
        temporal::TIMESTAMP_POS_INFINITY => Finite::Infinity,
        temporal::TIMESTAMP_NEG_INFINITY => Finite::NegInfinity,
        t => Finite::Value(t),
    })
}

fn array<'a>(elem: &'a Type, raw: &'a [u8]) -> DecodeResult<Value<'a>> {
    let arr = postgres_protocol::types::array_from_sql(raw).map_err(|e| e.to_string())?;
    let dims: Vec<(i32, i32)> = arr
        .dimensions()
        .map(|d| Ok((d.len, d.lower_bound)))
        .collect()
        .map_err(|e| e.to_string())?;
    let mut elements = Vec::new();
    let mut values = arr.values();
    while let Some(v) = values.next().map_err(|e| e.to_string())? {
        elements.push(Value::decode(elem, v)?);
    }
    Ok(Value::Array { dims, elements })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars() {
        assert_eq!(
            Value::decode(&Type::INT4, Some(&[0, 0, 1, 0])).unwrap(),
            Value::Int(256)
        );
        assert_eq!(
            Value::decode(&Type::INT2, Some(&[0xff, 0xfe])).unwrap(),
            Value::Int(-2)
        );
        assert_eq!(
            Value::decode(&Type::BOOL, Some(&[1])).unwrap(),
            Value::Bool(true)
        );
        assert_eq!(Value::decode(&Type::TEXT, None).unwrap(), Value::Null);
        assert_eq!(
            Value::decode(&Type::JSONB, Some(b"\x01{}")).unwrap(),
            Value::Json("{}")
        );
        assert_eq!(
            Value::decode(
                &Type::TIMETZ,
                Some(&[0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0xff, 0xe3, 0xe0])
            )
            .unwrap(),
            Value::TimeTz(1, 7200)
        );
        assert_eq!(
            Value::decode(&Type::DATE, Some(&i32::MAX.to_be_bytes())).unwrap(),
            Value::Date(Finite::Infinity)
        );
    }

    #[test]
    fn malformed_cells_are_errors_not_panics() {
        assert!(Value::decode(&Type::INT4, Some(&[0, 1]))
            .unwrap_err()
            .contains("expected 4 bytes"));
        assert!(Value::decode(&Type::TEXT, Some(&[0xff]))
            .unwrap_err()
            .contains("UTF-8"));
        assert!(Value::decode(&Type::INT4_ARRAY, Some(&[0, 1])).is_err());
        assert!(Value::decode(&Type::POINT, Some(&[0; 16]))
            .unwrap_err()
            .contains("cast the column to text"));
    }
}
