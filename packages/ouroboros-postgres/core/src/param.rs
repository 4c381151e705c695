//! Query arguments: [`Param`] (built by the binding from Python values, with
//! no knowledge of the statement) encoded into the binary form of the type the
//! server expects for that placeholder. A value that does not fit the type is
//! an [`EncodeError`] naming both, never a silent conversion.

use bytes::{BufMut, BytesMut};
use postgres_protocol::types as wire;
use postgres_protocol::IsNull as WireNull;
use tokio_postgres::types::{IsNull, Kind, ToSql, Type};

use crate::{numeric, temporal};

/// One query argument.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    Null,
    Bool(bool),
    Int(i64),
    /// an integer beyond i64, as decimal text (numeric targets only)
    BigInt(String),
    Float(f64),
    Text(String),
    Bytes(Vec<u8>),
    /// decimal text as `str(Decimal)` writes it
    Decimal(String),
    /// days since 2000-01-01 (`date.max`/`date.min` arrive as infinities)
    Date(i64),
    DateInfinity(bool),
    /// microseconds since 2000-01-01 00:00 (naive)
    Timestamp(i64),
    /// microseconds since 2000-01-01 00:00 UTC (aware)
    TimestampTz(i64),
    TimestampInfinity(bool),
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
    /// JSON text produced from a dict/list argument (json/jsonb targets only)
    Json(String),
    Array(Vec<Param>),
}

/// A value that cannot be sent as the parameter's type.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct EncodeError(pub String);

type Res = Result<IsNull, Box<dyn std::error::Error + Sync + Send>>;

impl Param {
    /// What the Python caller passed, for messages.
    #[must_use]
    pub fn kind_name(&self) -> &'static str {
        match self {
            Param::Null => "None",
            Param::Bool(_) => "bool",
            Param::Int(_) | Param::BigInt(_) => "int",
            Param::Float(_) => "float",
            Param::Text(_) => "str",
            Param::Bytes(_) => "bytes",
            Param::Decimal(_) => "Decimal",
            Param::Date(_) | Param::DateInfinity(_) => "date",
            Param::Timestamp(_) => "naive datetime",
            Param::TimestampTz(_) => "aware datetime",
            Param::TimestampInfinity(_) => "datetime",
            Param::Time(_) => "time",
            Param::TimeTz(..) => "aware time",
            Param::Interval { .. } => "timedelta",
            Param::Uuid(_) => "UUID",
            Param::Json(_) => "dict",
            Param::Array(_) => "list",
        }
    }

    fn mismatch(&self, ty: &Type, expected: &str) -> EncodeError {
        EncodeError(format!(
            "{expected} expected for a {} parameter, got {}",
            ty.name(),
            self.kind_name()
        ))
    }

    fn int_in<T: TryFrom<i64>>(ty: &Type, v: i64) -> Result<T, EncodeError> {
        T::try_from(v).map_err(|_| EncodeError(format!("value {v} out of range for {}", ty.name())))
    }

    /// Encode for a parameter of type `ty`.
    // One match over the wire types: split up, the table of what is accepted
    // for which type would be scattered over several functions.
    #[allow(clippy::too_many_lines)]
    pub fn encode(&self, ty: &Type, out: &mut BytesMut) -> Res {
        if *self == Param::Null {
            return Ok(IsNull::Yes);
        }
        match *ty {
            Type::BOOL => match self {
                Param::Bool(b) => wire::bool_to_sql(*b, out),
                _ => return Err(Box::new(self.mismatch(ty, "a bool"))),
            },
            Type::INT2 | Type::INT4 | Type::INT8 | Type::OID => {
                let v = match self {
                    Param::Int(v) => *v,
                    Param::Bool(b) => i64::from(*b),
                    Param::BigInt(t) => {
                        return Err(Box::new(EncodeError(format!("value {t} out of range for {}", ty.name()))))
                    }
                    _ => return Err(Box::new(self.mismatch(ty, "an int"))),
                };
                match *ty {
                    Type::INT2 => out.put_i16(Self::int_in(ty, v)?),
                    Type::INT4 => out.put_i32(Self::int_in(ty, v)?),
                    Type::OID => out.put_u32(Self::int_in(ty, v)?),
                    _ => out.put_i64(v),
                }
            }
            Type::FLOAT4 | Type::FLOAT8 => {
                #[allow(clippy::cast_precision_loss)]
                let v = match self {
                    Param::Float(f) => *f,
                    Param::Int(i) => *i as f64,
                    Param::Decimal(t) | Param::BigInt(t) => t
                        .parse::<f64>()
                        .map_err(|_| EncodeError(format!("{t} is not a float")))?,
                    _ => return Err(Box::new(self.mismatch(ty, "a float"))),
                };
                if *ty == Type::FLOAT4 {
                    #[allow(clippy::cast_possible_truncation)]
                    out.put_f32(v as f32);
                } else {
                    out.put_f64(v);
                }
            }
            Type::NUMERIC => {
                let text = match self {
                    Param::Decimal(t) | Param::BigInt(t) => t.clone(),
                    Param::Int(i) => i.to_string(),
                    Param::Float(f) if f.is_nan() => "NaN".into(),
                    Param::Float(f) if f.is_infinite() => if *f > 0.0 { "Infinity" } else { "-Infinity" }.into(),
                    Param::Float(f) => format!("{f:?}"),
                    _ => return Err(Box::new(self.mismatch(ty, "a Decimal, int or float"))),
                };
                let mut buf = Vec::with_capacity(16);
                numeric::encode(&text, &mut buf).map_err(EncodeError)?;
                out.put_slice(&buf);
            }
            Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN | Type::XML | Type::CHAR => {
                match self {
                    Param::Text(s) => out.put_slice(s.as_bytes()),
                    _ => return Err(Box::new(self.mismatch(ty, "a str"))),
                }
            }
            Type::JSON | Type::JSONB => {
                let (Param::Text(s) | Param::Json(s)) = self else {
                    return Err(Box::new(self.mismatch(ty, "a str (JSON text) or a dict")));
                };
                if *ty == Type::JSONB {
                    out.put_u8(1);
                }
                out.put_slice(s.as_bytes());
            }
            Type::BYTEA => match self {
                Param::Bytes(b) => out.put_slice(b),
                _ => return Err(Box::new(self.mismatch(ty, "bytes"))),
            },
            Type::DATE => match self {
                Param::Date(d) => out.put_i32(
                    i32::try_from(*d).map_err(|_| EncodeError("date out of range".into()))?,
                ),
                Param::DateInfinity(pos) => out.put_i32(if *pos {
                    temporal::DATE_POS_INFINITY
                } else {
                    temporal::DATE_NEG_INFINITY
                }),
                _ => return Err(Box::new(self.mismatch(ty, "a date"))),
            },
            Type::TIMESTAMP => match self {
                Param::Timestamp(t) => out.put_i64(*t),
                Param::TimestampInfinity(pos) => out.put_i64(ts_inf(*pos)),
                Param::TimestampTz(_) => {
                    return Err(Box::new(EncodeError(
                        "timestamp without time zone needs a naive datetime, got an aware one".into(),
                    )))
                }
                _ => return Err(Box::new(self.mismatch(ty, "a datetime"))),
            },
            Type::TIMESTAMPTZ => match self {
                // A naive datetime is taken as UTC.
                Param::TimestampTz(t) | Param::Timestamp(t) => out.put_i64(*t),
                Param::TimestampInfinity(pos) => out.put_i64(ts_inf(*pos)),
                _ => return Err(Box::new(self.mismatch(ty, "a datetime"))),
            },
            Type::TIME => match self {
                Param::Time(t) | Param::TimeTz(t, _) => out.put_i64(*t),
                _ => return Err(Box::new(self.mismatch(ty, "a time"))),
            },
            Type::TIMETZ => match self {
                Param::Time(t) => {
                    out.put_i64(*t);
                    out.put_i32(0);
                }
                Param::TimeTz(t, east) => {
                    out.put_i64(*t);
                    out.put_i32(-east);
                }
                _ => return Err(Box::new(self.mismatch(ty, "a time"))),
            },
            Type::INTERVAL => match self {
                Param::Interval { months, days, micros } => {
                    out.put_i64(*micros);
                    out.put_i32(*days);
                    out.put_i32(*months);
                }
                _ => return Err(Box::new(self.mismatch(ty, "a timedelta"))),
            },
            Type::UUID => match self {
                Param::Uuid(b) => out.put_slice(b),
                Param::Text(s) => out.put_slice(&parse_uuid(s).ok_or_else(|| {
                    EncodeError(format!("{s:?} is not a UUID"))
                })?),
                _ => return Err(Box::new(self.mismatch(ty, "a UUID"))),
            },
            _ => match ty.kind() {
                Kind::Enum(variants) => match self {
                    Param::Text(s) => {
                        if !variants.is_empty() && !variants.iter().any(|v| v == s) {
                            return Err(Box::new(EncodeError(format!(
                                "{s:?} is not a value of enum {} (expected one of {})",
                                ty.name(),
                                variants.join(", ")
                            ))));
                        }
                        out.put_slice(s.as_bytes());
                    }
                    _ => return Err(Box::new(self.mismatch(ty, "a str"))),
                },
                Kind::Domain(base) => return self.encode(base, out),
                Kind::Array(elem) => match self {
                    Param::Array(items) => encode_array(elem, items, out)?,
                    _ => return Err(Box::new(self.mismatch(ty, "a list or tuple"))),
                },
                _ => {
                    return Err(Box::new(EncodeError(format!(
                        "no binary encoder for type {} (oid {}); cast the parameter in the query (`$1::text::{}`)",
                        ty.name(),
                        ty.oid(),
                        ty.name()
                    ))))
                }
            },
        }
        Ok(IsNull::No)
    }
}

fn ts_inf(pos: bool) -> i64 {
    if pos {
        temporal::TIMESTAMP_POS_INFINITY
    } else {
        temporal::TIMESTAMP_NEG_INFINITY
    }
}

/// Shape of a nested list: the length of each dimension; errors on ragged lists.
fn array_shape(items: &[Param], dims: &mut Vec<usize>, depth: usize) -> Result<(), EncodeError> {
    if dims.len() == depth {
        dims.push(items.len());
    } else if dims[depth] != items.len() {
        return Err(EncodeError(
            "multi-dimensional arrays must have sub-lists of matching lengths".into(),
        ));
    }
    let nested = items
        .iter()
        .filter(|p| matches!(p, Param::Array(_)))
        .count();
    if nested != 0 && nested != items.len() {
        return Err(EncodeError(
            "an array mixes lists and scalars at the same level".into(),
        ));
    }
    for item in items {
        if let Param::Array(sub) = item {
            array_shape(sub, dims, depth + 1)?;
        }
    }
    Ok(())
}

fn flatten<'p>(items: &'p [Param], out: &mut Vec<&'p Param>) {
    for item in items {
        match item {
            Param::Array(sub) => flatten(sub, out),
            other => out.push(other),
        }
    }
}

fn encode_array(
    elem: &Type,
    items: &[Param],
    out: &mut BytesMut,
) -> Result<(), Box<dyn std::error::Error + Sync + Send>> {
    // bytea[] and json[] elements are lists of scalars; a nested list is a dimension.
    let mut dims = Vec::new();
    array_shape(items, &mut dims, 0)?;
    if dims.last() == Some(&0) && dims.len() > 1 {
        dims.truncate(1);
    }
    let mut flat = Vec::new();
    flatten(items, &mut flat);
    let dimensions = dims
        .iter()
        .map(|&len| {
            Ok(wire::ArrayDimension {
                len: i32::try_from(len).map_err(|_| EncodeError("array too large".into()))?,
                lower_bound: 1,
            })
        })
        .collect::<Result<Vec<_>, EncodeError>>()?;
    let dimensions = if flat.is_empty() {
        Vec::new()
    } else {
        dimensions
    };
    wire::array_to_sql(
        dimensions,
        elem.oid(),
        flat,
        |p, buf| match p.encode(elem, buf)? {
            IsNull::Yes => Ok(WireNull::Yes),
            IsNull::No => Ok(WireNull::No),
        },
        out,
    )?;
    Ok(())
}

/// One parameter position across every argument list of an `executemany`,
/// sent as a one-dimensional array (the batched insert's `unnest($k::T[])`).
/// Borrows the rows: nothing is copied before encoding.
#[derive(Debug)]
pub struct ParamColumn<'a> {
    pub rows: &'a [Vec<Param>],
    pub index: usize,
}

impl ToSql for ParamColumn<'_> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Res {
        let Kind::Array(elem) = ty.kind() else {
            return Err(Box::new(EncodeError(format!(
                "a column of values needs an array parameter, not {}",
                ty.name()
            ))));
        };
        let len = i32::try_from(self.rows.len())
            .map_err(|_| EncodeError("too many argument lists".into()))?;
        wire::array_to_sql(
            [wire::ArrayDimension {
                len,
                lower_bound: 1,
            }],
            elem.oid(),
            self.rows.iter().map(|r| &r[self.index]),
            |p, buf| match p.encode(elem, buf)? {
                IsNull::Yes => Ok(WireNull::Yes),
                IsNull::No => Ok(WireNull::No),
            },
            out,
        )?;
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        matches!(ty.kind(), Kind::Array(_))
    }

    tokio_postgres::types::to_sql_checked!();
}

/// Parse `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (dashes optional, braces allowed).
#[must_use]
pub fn parse_uuid(s: &str) -> Option<[u8; 16]> {
    let hex: Vec<u8> = s
        .trim_matches(|c| c == '{' || c == '}')
        .bytes()
        .filter(|b| *b != b'-')
        .collect();
    if hex.len() != 32 {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, pair) in hex.chunks(2).enumerate() {
        let s = std::str::from_utf8(pair).ok()?;
        out[i] = u8::from_str_radix(s, 16).ok()?;
    }
    Some(out)
}

impl ToSql for Param {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Res {
        self.encode(ty, out)
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    tokio_postgres::types::to_sql_checked!();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(p: &Param, ty: &Type) -> Result<Vec<u8>, String> {
        let mut b = BytesMut::new();
        p.encode(ty, &mut b).map_err(|e| e.to_string())?;
        Ok(b.to_vec())
    }

    #[test]
    fn ints_are_range_checked() {
        assert_eq!(enc(&Param::Int(1), &Type::INT2).unwrap(), [0, 1]);
        assert!(enc(&Param::Int(40_000), &Type::INT2)
            .unwrap_err()
            .contains("out of range for int2"));
        assert!(enc(&Param::Text("1".into()), &Type::INT4)
            .unwrap_err()
            .contains("an int expected for a int4 parameter, got str"));
    }

    #[test]
    fn arrays_check_their_shape() {
        let ragged = Param::Array(vec![
            Param::Array(vec![Param::Int(1)]),
            Param::Array(vec![]),
        ]);
        assert!(enc(&ragged, &Type::INT4_ARRAY)
            .unwrap_err()
            .contains("matching lengths"));
        let ok = Param::Array(vec![Param::Int(1), Param::Null]);
        assert!(enc(&ok, &Type::INT4_ARRAY).is_ok());
    }

    #[test]
    fn uuid_text() {
        assert_eq!(
            parse_uuid("00000000-0000-0000-0000-000000000001").unwrap()[15],
            1
        );
        assert!(parse_uuid("nope").is_none());
    }
}
