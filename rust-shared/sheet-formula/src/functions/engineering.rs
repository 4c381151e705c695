//! Engineering functions: base conversion, bit operations, ERF.

use super::{f, num, Def};
use crate::ast::Expr;
use crate::eval::Ctx;
use crate::value::{ErrorKind, Value};

type R = Result<Value, ErrorKind>;

pub(crate) const DEFS: &[Def] = &[
    f("DEC2BIN", 1, 2, |c, a| from_decimal(c, a, 2, 512.0)),
    f("DEC2OCT", 1, 2, |c, a| from_decimal(c, a, 8, 536_870_912.0)),
    f("DEC2HEX", 1, 2, |c, a| {
        from_decimal(c, a, 16, 549_755_813_888.0)
    }),
    f("BIN2DEC", 1, 1, |c, a| {
        to_decimal(c, a, 2).map(Value::Number)
    }),
    f("OCT2DEC", 1, 1, |c, a| {
        to_decimal(c, a, 8).map(Value::Number)
    }),
    f("HEX2DEC", 1, 1, |c, a| {
        to_decimal(c, a, 16).map(Value::Number)
    }),
    f("BIN2HEX", 1, 2, |c, a| {
        convert(c, a, 2, 16, 549_755_813_888.0)
    }),
    f("HEX2BIN", 1, 2, |c, a| convert(c, a, 16, 2, 512.0)),
    f("BIN2OCT", 1, 2, |c, a| convert(c, a, 2, 8, 536_870_912.0)),
    f("OCT2BIN", 1, 2, |c, a| convert(c, a, 8, 2, 512.0)),
    f("HEX2OCT", 1, 2, |c, a| convert(c, a, 16, 8, 536_870_912.0)),
    f("OCT2HEX", 1, 2, |c, a| {
        convert(c, a, 8, 16, 549_755_813_888.0)
    }),
    f("DELTA", 1, 2, |c, a| {
        Ok(Value::Number(f64::from(u8::from(
            c.num(&a[0])? == c.num_or(a, 1, 0.0)?,
        ))))
    }),
    f("GESTEP", 1, 2, |c, a| {
        Ok(Value::Number(f64::from(u8::from(
            c.num(&a[0])? >= c.num_or(a, 1, 0.0)?,
        ))))
    }),
    f("BITAND", 2, 2, |c, a| bits(c, a, |x, y| x & y)),
    f("BITOR", 2, 2, |c, a| bits(c, a, |x, y| x | y)),
    f("BITXOR", 2, 2, |c, a| bits(c, a, |x, y| x ^ y)),
    f("BITLSHIFT", 2, 2, |c, a| shift(c, a, true)),
    f("BITRSHIFT", 2, 2, |c, a| shift(c, a, false)),
    f("ERF", 1, 2, |c, a| {
        let lo = c.num(&a[0])?;
        if a.len() == 2 {
            let hi = c.num(&a[1])?;
            return num(super::stats::erf(hi) - super::stats::erf(lo));
        }
        num(super::stats::erf(lo))
    }),
    f("ERF.PRECISE", 1, 1, |c, a| {
        num(super::stats::erf(c.num(&a[0])?))
    }),
    f("ERFC", 1, 1, |c, a| num(super::stats::erfc(c.num(&a[0])?))),
    f("ERFC.PRECISE", 1, 1, |c, a| {
        num(super::stats::erfc(c.num(&a[0])?))
    }),
];

/// Ten-digit two's complement text for negative numbers, as Excel does.
fn from_decimal(c: &Ctx, a: &[Expr], radix: u32, limit: f64) -> R {
    let n = c.num(&a[0])?.trunc();
    if n < -limit || n >= limit {
        return Err(ErrorKind::Num);
    }
    let places = if a.len() > 1 {
        Some(c.num(&a[1])?.trunc())
    } else {
        None
    };
    format_radix(n, radix, places)
}

fn format_radix(n: f64, radix: u32, places: Option<f64>) -> R {
    let bits = match radix {
        2 => 10,
        8 => 30,
        _ => 40,
    };
    let v = if n < 0.0 {
        (1i64 << bits) + n as i64
    } else {
        n as i64
    };
    let mut s = String::new();
    let mut x = v;
    if x == 0 {
        s.push('0');
    }
    while x > 0 {
        s.insert(
            0,
            std::char::from_digit((x % i64::from(radix)) as u32, radix)
                .unwrap_or('0')
                .to_ascii_uppercase(),
        );
        x /= i64::from(radix);
    }
    if let Some(p) = places {
        if n >= 0.0 {
            if p < s.len() as f64 || p > 10.0 {
                return Err(ErrorKind::Num);
            }
            s = format!("{s:0>width$}", width = p as usize);
        }
    }
    Ok(Value::from(s))
}

fn to_decimal(c: &Ctx, a: &[Expr], radix: u32) -> Result<f64, ErrorKind> {
    let t = c.text(&a[0])?;
    let t = t.trim();
    if t.len() > 10 {
        return Err(ErrorKind::Num);
    }
    if t.is_empty() {
        return Ok(0.0);
    }
    let v = i64::from_str_radix(t, radix).map_err(|_| ErrorKind::Num)?;
    let bits = match radix {
        2 => 10,
        8 => 30,
        _ => 40,
    };
    Ok(if t.len() == 10 && v >= 1i64 << (bits - 1) {
        (v - (1i64 << bits)) as f64
    } else {
        v as f64
    })
}

fn convert(c: &Ctx, a: &[Expr], from: u32, to: u32, limit: f64) -> R {
    let n = to_decimal(c, a, from)?;
    if n < -limit || n >= limit {
        return Err(ErrorKind::Num);
    }
    let places = if a.len() > 1 {
        Some(c.num(&a[1])?.trunc())
    } else {
        None
    };
    format_radix(n, to, places)
}

fn bit_arg(c: &Ctx, e: &Expr) -> Result<u64, ErrorKind> {
    let n = c.num(e)?;
    if n < 0.0 || n.fract() != 0.0 || n >= 2f64.powi(48) {
        return Err(ErrorKind::Num);
    }
    Ok(n as u64)
}

fn bits(c: &Ctx, a: &[Expr], op: fn(u64, u64) -> u64) -> R {
    Ok(Value::Number(
        op(bit_arg(c, &a[0])?, bit_arg(c, &a[1])?) as f64
    ))
}

fn shift(c: &Ctx, a: &[Expr], left: bool) -> R {
    let x = bit_arg(c, &a[0])?;
    let s = c.num(&a[1])?.trunc();
    if s.abs() > 53.0 {
        return Err(ErrorKind::Num);
    }
    let s = if left { s } else { -s };
    let v = if s >= 0.0 {
        (x as f64) * 2f64.powf(s)
    } else {
        (x >> (-s) as u32) as f64
    };
    if v >= 2f64.powi(48) {
        return Err(ErrorKind::Num);
    }
    Ok(Value::Number(v))
}
