//! Cell values, error values and Excel's coercion and comparison rules.

use std::cmp::Ordering;
use std::fmt;
use std::rc::Rc;

/// An Excel error value. `Cycle` is this engine's marker for a circular
/// reference (Excel shows a warning and 0 instead).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    Null,
    Div0,
    Value,
    Ref,
    Name,
    Num,
    NA,
    Cycle,
    Calc,
    /// A dynamic-array result could not spill: its range is not empty.
    Spill,
}

impl ErrorKind {
    pub const ALL: [ErrorKind; 10] = [
        ErrorKind::Null,
        ErrorKind::Div0,
        ErrorKind::Value,
        ErrorKind::Ref,
        ErrorKind::Name,
        ErrorKind::Num,
        ErrorKind::NA,
        ErrorKind::Cycle,
        ErrorKind::Calc,
        ErrorKind::Spill,
    ];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Null => "#NULL!",
            ErrorKind::Div0 => "#DIV/0!",
            ErrorKind::Value => "#VALUE!",
            ErrorKind::Ref => "#REF!",
            ErrorKind::Name => "#NAME?",
            ErrorKind::Num => "#NUM!",
            ErrorKind::NA => "#N/A",
            ErrorKind::Cycle => "#CYCLE!",
            ErrorKind::Calc => "#CALC!",
            ErrorKind::Spill => "#SPILL!",
        }
    }

    /// Parses `#DIV/0!` and friends (case-insensitive).
    #[must_use]
    pub fn parse(text: &str) -> Option<ErrorKind> {
        ErrorKind::ALL
            .into_iter()
            .find(|e| e.as_str().eq_ignore_ascii_case(text))
    }

    /// The number ERROR.TYPE returns.
    #[must_use]
    pub fn code(self) -> f64 {
        match self {
            ErrorKind::Null => 1.0,
            ErrorKind::Div0 => 2.0,
            ErrorKind::Value => 3.0,
            ErrorKind::Ref => 4.0,
            ErrorKind::Name => 5.0,
            ErrorKind::Num => 6.0,
            ErrorKind::NA => 7.0,
            ErrorKind::Cycle => 8.0,
            ErrorKind::Spill => 9.0,
            ErrorKind::Calc => 14.0,
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A two-dimensional array of values (array constants, range snapshots,
/// element-wise results), stored row-major.
#[derive(Clone, Debug, PartialEq)]
pub struct Array {
    pub rows: usize,
    pub cols: usize,
    pub data: Vec<Value>,
}

impl Array {
    #[must_use]
    pub fn new(rows: usize, cols: usize, data: Vec<Value>) -> Array {
        debug_assert_eq!(rows * cols, data.len());
        Array { rows, cols, data }
    }

    #[must_use]
    pub fn get(&self, row: usize, col: usize) -> &Value {
        &self.data[row * self.cols + col]
    }
}

/// A value as a cell holds it or a formula produces it.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Value {
    #[default]
    Empty,
    Number(f64),
    Text(Rc<str>),
    Bool(bool),
    Error(ErrorKind),
    Array(Rc<Array>),
}

impl From<f64> for Value {
    fn from(n: f64) -> Value {
        Value::number(n)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Text(Rc::from(s))
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Text(Rc::from(s))
    }
}

impl From<ErrorKind> for Value {
    fn from(e: ErrorKind) -> Value {
        Value::Error(e)
    }
}

impl Value {
    /// A number, or #NUM! when it is not finite (Excel has no NaN or infinity).
    #[must_use]
    pub fn number(n: f64) -> Value {
        if n.is_finite() {
            // Excel has no negative zero.
            Value::Number(if n == 0.0 { 0.0 } else { n })
        } else {
            Value::Error(ErrorKind::Num)
        }
    }

    #[must_use]
    pub fn text(s: impl Into<Rc<str>>) -> Value {
        Value::Text(s.into())
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        matches!(self, Value::Empty)
    }

    #[must_use]
    pub fn as_error(&self) -> Option<ErrorKind> {
        match self {
            Value::Error(e) => Some(*e),
            _ => None,
        }
    }

    /// The top-left element of an array; any other value unchanged.
    #[must_use]
    pub fn scalar(self) -> Value {
        match self {
            Value::Array(a) => a.data.first().cloned().unwrap_or(Value::Empty).scalar(),
            v => v,
        }
    }

    /// Coerces to a number like Excel arithmetic does: empty is 0, booleans
    /// are 0/1, text must parse as a number.
    pub fn to_number(&self) -> Result<f64, ErrorKind> {
        match self {
            Value::Empty => Ok(0.0),
            Value::Number(n) => Ok(*n),
            Value::Bool(b) => Ok(f64::from(u8::from(*b))),
            Value::Text(s) => parse_number(s).ok_or(ErrorKind::Value),
            Value::Error(e) => Err(*e),
            Value::Array(a) => a.data.first().map_or(Ok(0.0), Value::to_number),
        }
    }

    /// Coerces to text like `&` does.
    pub fn to_text(&self) -> Result<Rc<str>, ErrorKind> {
        match self {
            Value::Empty => Ok(Rc::from("")),
            Value::Number(n) => Ok(Rc::from(number_to_text(*n))),
            Value::Bool(b) => Ok(Rc::from(if *b { "TRUE" } else { "FALSE" })),
            Value::Text(s) => Ok(s.clone()),
            Value::Error(e) => Err(*e),
            Value::Array(a) => a.data.first().map_or(Ok(Rc::from("")), Value::to_text),
        }
    }

    /// Coerces to a boolean like IF's condition does.
    pub fn to_bool(&self) -> Result<bool, ErrorKind> {
        match self {
            Value::Empty => Ok(false),
            Value::Number(n) => Ok(*n != 0.0),
            Value::Bool(b) => Ok(*b),
            Value::Text(s) => {
                if s.eq_ignore_ascii_case("TRUE") {
                    Ok(true)
                } else if s.eq_ignore_ascii_case("FALSE") {
                    Ok(false)
                } else {
                    Err(ErrorKind::Value)
                }
            }
            Value::Error(e) => Err(*e),
            Value::Array(a) => a.data.first().map_or(Ok(false), Value::to_bool),
        }
    }

    /// What a cell shows for this value with the General format.
    #[must_use]
    pub fn display(&self) -> String {
        match self {
            Value::Empty => String::new(),
            Value::Number(n) => number_to_text(*n),
            Value::Bool(b) => (if *b { "TRUE" } else { "FALSE" }).to_string(),
            Value::Text(s) => s.to_string(),
            Value::Error(e) => e.as_str().to_string(),
            Value::Array(a) => a.data.first().map(Value::display).unwrap_or_default(),
        }
    }

    /// Excel's sort rank of a value's type: numbers < text < booleans.
    fn type_rank(&self) -> u8 {
        match self {
            Value::Number(_) | Value::Empty => 0,
            Value::Text(_) => 1,
            Value::Bool(_) => 2,
            Value::Error(_) | Value::Array(_) => 3,
        }
    }
}

/// Compares two scalar values the way Excel's comparison operators do: an
/// empty cell is 0, "" or FALSE depending on the other side; text compares
/// case-insensitively; numbers < text < booleans.
#[must_use]
pub fn compare(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Empty, Value::Empty) => Ordering::Equal,
        (Value::Empty, Value::Text(t)) => {
            if t.is_empty() {
                Ordering::Equal
            } else {
                Ordering::Less
            }
        }
        (Value::Text(t), Value::Empty) => {
            if t.is_empty() {
                Ordering::Equal
            } else {
                Ordering::Greater
            }
        }
        (Value::Empty, Value::Bool(x)) => false.cmp(x),
        (Value::Bool(x), Value::Empty) => x.cmp(&false),
        (Value::Empty, Value::Number(n)) => 0.0_f64.partial_cmp(n).unwrap_or(Ordering::Equal),
        (Value::Number(n), Value::Empty) => n.partial_cmp(&0.0).unwrap_or(Ordering::Equal),
        (Value::Number(x), Value::Number(y)) => x.partial_cmp(y).unwrap_or(Ordering::Equal),
        (Value::Text(x), Value::Text(y)) => compare_text(x, y),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        _ => a.type_rank().cmp(&b.type_rank()),
    }
}

/// Case-insensitive text comparison.
#[must_use]
pub fn compare_text(a: &str, b: &str) -> Ordering {
    if a.is_ascii() && b.is_ascii() {
        let (x, y) = (a.as_bytes(), b.as_bytes());
        for (p, q) in x.iter().zip(y) {
            let o = p.to_ascii_lowercase().cmp(&q.to_ascii_lowercase());
            if o != Ordering::Equal {
                return o;
            }
        }
        return x.len().cmp(&y.len());
    }
    a.to_lowercase().cmp(&b.to_lowercase())
}

/// Parses text the way Excel converts text to a number: decimals,
/// exponents, a leading sign, thousands separators, a trailing percent, and
/// surrounding spaces.
#[must_use]
pub fn parse_number(text: &str) -> Option<f64> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    let (t, scale) = match t.strip_suffix('%') {
        Some(rest) => (rest.trim_end(), 0.01),
        None => (t, 1.0),
    };
    let t = t.strip_prefix('$').unwrap_or(t);
    let bytes = t.as_bytes();
    if !bytes
        .iter()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-' | b','))
    {
        return None;
    }
    if !bytes.iter().any(u8::is_ascii_digit) {
        return None;
    }
    let cleaned: String;
    let t = if t.contains(',') {
        cleaned = t.replace(',', "");
        &cleaned
    } else {
        t
    };
    t.parse::<f64>()
        .ok()
        .filter(|n| n.is_finite())
        .map(|n| n * scale)
}

/// Formats a number as Excel's General format does in a text context: at
/// most 15 significant digits, no trailing zeros, scientific notation for
/// very large or small magnitudes.
#[must_use]
pub fn number_to_text(n: f64) -> String {
    if n == 0.0 {
        return "0".to_string();
    }
    if n.fract() == 0.0 && n.abs() < 1e15 {
        #[allow(clippy::cast_possible_truncation)]
        return format!("{}", n as i64);
    }
    let exp = n.abs().log10().floor();
    if (-10.0..21.0).contains(&exp) {
        // Round to 15 significant digits.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let decimals = (14.0 - exp).clamp(0.0, 30.0) as usize;
        let s = format!("{n:.decimals$}");
        let s = if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        };
        if s == "-0" {
            return "0".to_string();
        }
        s
    } else {
        let s = format!("{n:.14E}");
        let (mantissa, exponent) = s.split_once('E').unwrap_or((&s, "0"));
        let mantissa = if mantissa.contains('.') {
            mantissa.trim_end_matches('0').trim_end_matches('.')
        } else {
            mantissa
        };
        let e: i32 = exponent.parse().unwrap_or(0);
        format!("{mantissa}E{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_like_excel() {
        assert_eq!(number_to_text(0.1 + 0.2), "0.3");
        assert_eq!(number_to_text(1.0 / 3.0), "0.333333333333333");
        assert_eq!(number_to_text(-2.5), "-2.5");
        assert_eq!(number_to_text(1e21), "1E+21");
        assert_eq!(number_to_text(123_456_789.0), "123456789");
        assert_eq!(number_to_text(1.5e-11), "1.5E-11");
    }

    #[test]
    fn text_parses_as_number() {
        assert_eq!(parse_number(" 12 "), Some(12.0));
        assert_eq!(parse_number("1,234.5"), Some(1234.5));
        assert_eq!(parse_number("50%"), Some(0.5));
        assert_eq!(parse_number("1e3"), Some(1000.0));
        assert_eq!(parse_number("abc"), None);
        assert_eq!(parse_number(""), None);
        assert_eq!(parse_number("inf"), None);
    }

    #[test]
    fn comparison_orders_types() {
        assert_eq!(
            compare(&Value::from(5.0), &Value::from("a")),
            Ordering::Less
        );
        assert_eq!(
            compare(&Value::from("a"), &Value::from(true)),
            Ordering::Less
        );
        assert_eq!(
            compare(&Value::from("ABC"), &Value::from("abc")),
            Ordering::Equal
        );
        assert_eq!(compare(&Value::Empty, &Value::from(0.0)), Ordering::Equal);
        assert_eq!(compare(&Value::Empty, &Value::from("")), Ordering::Equal);
    }
}
