//! Lax-mode coercions from strings and numbers, exactly where Pydantic v2
//! coerces: `"1"` and `1.0` become `1`, `1.5` never does; `"yes"` becomes
//! `True`, `2` does not.

use crate::errors::ErrorType;

/// The result of parsing an integer: small ones as `i64`, the rest as the
/// cleaned decimal digits (the binding turns them into a Python `int`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParsedInt {
    Small(i64),
    Big(String),
}

/// Python refuses to parse integers longer than this many digits (see
/// `sys.get_int_max_str_digits`); so do we, to keep huge input cheap.
pub const MAX_INT_DIGITS: usize = 4300;

/// Parse a string as Pydantic's lax `int`: surrounding whitespace, `_`
/// between digits, a sign and a fractional part of zeros (`"1.00"`) are
/// accepted; anything else is `int_parsing`.
pub fn str_to_int(raw: &str) -> Result<ParsedInt, ErrorType> {
    let s = raw.trim();
    // Text that cannot be a number at all ("x", "abc") is refused before the
    // finer checks below.
    if !s
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'_' | b'.' | b'-' | b'+'))
    {
        return Err(ErrorType::IntParsing);
    }
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let body = match body.split_once('.') {
        // "1.00" is 1; "1." is refused, as by Pydantic.
        Some((whole, frac)) if !frac.is_empty() && frac.bytes().all(|b| b == b'0') => whole,
        Some(_) => return Err(ErrorType::IntParsing),
        None => body,
    };
    if body.is_empty() || body.starts_with('_') || body.ends_with('_') || body.contains("__") {
        return Err(ErrorType::IntParsing);
    }
    if !body.bytes().all(|b| b.is_ascii_digit() || b == b'_') {
        return Err(ErrorType::IntParsing);
    }
    // Plain digits that surely fit an i64: parsed in place, nothing allocated.
    if body.len() <= 18 && !body.contains('_') {
        let v: i64 = body.parse().map_err(|_| ErrorType::IntParsing)?;
        return Ok(ParsedInt::Small(if neg { -v } else { v }));
    }
    let mut digits = String::with_capacity(body.len() + 1);
    if neg {
        digits.push('-');
    }
    for c in body.chars() {
        match c {
            '0'..='9' => digits.push(c),
            '_' => {}
            _ => return Err(ErrorType::IntParsing),
        }
    }
    if digits.len() > MAX_INT_DIGITS {
        return Err(ErrorType::IntParsingSize);
    }
    match digits.parse::<i64>() {
        Ok(v) => Ok(ParsedInt::Small(v)),
        Err(_) => Ok(ParsedInt::Big(digits)),
    }
}

/// A float that is a whole number within i64 becomes an int; others are refused:
/// a fraction (`int_from_float`), inf and nan (`finite_number`), a whole number
/// beyond i64 (`int_parsing_size`, as Pydantic, whatever the bounds).
pub fn float_to_int(v: f64) -> Result<ParsedInt, ErrorType> {
    // -2^63 and 2^63 (what i64::MIN and i64::MAX become as floats), both excluded as Pydantic.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if !v.is_finite() {
        return Err(ErrorType::FiniteNumber);
    }
    if v.fract() != 0.0 {
        return Err(ErrorType::IntFromFloat);
    }
    if v > -LIMIT && v < LIMIT {
        #[allow(clippy::cast_possible_truncation)]
        Ok(ParsedInt::Small(v as i64))
    } else {
        Err(ErrorType::IntParsingSize)
    }
}

/// Parse a string as Pydantic's lax `float` (Python's `float()` syntax:
/// `"1e3"`, `" 2.5 "`, `"inf"`, `"nan"`, `_` between digits).
pub fn str_to_float(raw: &str) -> Result<f64, ErrorType> {
    let s = raw.trim();
    let lowered = s.to_ascii_lowercase();
    let body = lowered.trim_start_matches(['+', '-']);
    if matches!(body, "inf" | "infinity" | "nan") {
        let neg = lowered.starts_with('-');
        let v = if body == "nan" {
            f64::NAN
        } else {
            f64::INFINITY
        };
        return Ok(if neg { -v } else { v });
    }
    if s.is_empty() || s.contains("__") || s.starts_with('_') || s.ends_with('_') {
        return Err(ErrorType::FloatParsing);
    }
    let cleaned: String = s.chars().filter(|c| *c != '_').collect();
    if cleaned
        .chars()
        .any(|c| c.is_ascii_alphabetic() && c != 'e' && c != 'E')
    {
        return Err(ErrorType::FloatParsing);
    }
    cleaned.parse::<f64>().map_err(|_| ErrorType::FloatParsing)
}

/// Pydantic's lax booleans from strings.
pub fn str_to_bool(raw: &str) -> Result<bool, ErrorType> {
    let s = raw.trim();
    if s.len() > 5 {
        return Err(ErrorType::BoolParsing);
    }
    match s.to_ascii_lowercase().as_str() {
        "0" | "off" | "f" | "false" | "n" | "no" => Ok(false),
        "1" | "on" | "t" | "true" | "y" | "yes" => Ok(true),
        _ => Err(ErrorType::BoolParsing),
    }
}

/// Only 0 and 1 are booleans among the integers.
pub fn int_to_bool(v: i64) -> Result<bool, ErrorType> {
    match v {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(ErrorType::BoolParsing),
    }
}

/// A float read as Pydantic reads it for a bool: a whole number within i64 as that
/// int (`0.0` / `1.0` are booleans, `2.0` is `bool_parsing`); a fraction, inf, nan
/// or a larger number is not a boolean at all (`bool_type`).
pub fn float_to_bool(v: f64) -> Result<bool, ErrorType> {
    match float_to_int(v) {
        Ok(ParsedInt::Small(i)) => int_to_bool(i),
        _ => Err(ErrorType::BoolType),
    }
}
