//! The criteria of COUNTIF, SUMIF, AVERAGEIFS...: `">=5"`, `"<>x"`,
//! `"a*"` (wildcards `*`, `?`, `~`), plain values.

use std::cmp::Ordering;

use crate::ast::Expr;
use crate::eval::Ctx;
use crate::value::{compare_text, parse_number, ErrorKind, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A parsed criterion.
#[derive(Clone, Debug)]
pub struct Criterion {
    op: Op,
    target: Target,
}

#[derive(Clone, Debug)]
enum Target {
    Number(f64),
    Bool(bool),
    Error(ErrorKind),
    Text(String),
    Blank,
}

impl Criterion {
    /// Builds a criterion from the value given to COUNTIF & co.
    #[must_use]
    pub fn new(v: &Value) -> Criterion {
        match v {
            Value::Number(n) => Criterion {
                op: Op::Eq,
                target: Target::Number(*n),
            },
            Value::Bool(b) => Criterion {
                op: Op::Eq,
                target: Target::Bool(*b),
            },
            Value::Error(e) => Criterion {
                op: Op::Eq,
                target: Target::Error(*e),
            },
            Value::Empty => Criterion {
                op: Op::Eq,
                target: Target::Number(0.0),
            },
            Value::Array(a) => Criterion::new(a.data.first().unwrap_or(&Value::Empty)),
            Value::Text(s) => {
                let (op, rest) = split_op(s);
                let target = if rest.is_empty() {
                    Target::Blank
                } else if let Some(n) = parse_number(rest) {
                    Target::Number(n)
                } else if rest.eq_ignore_ascii_case("TRUE") {
                    Target::Bool(true)
                } else if rest.eq_ignore_ascii_case("FALSE") {
                    Target::Bool(false)
                } else if let Some(e) = ErrorKind::parse(rest) {
                    Target::Error(e)
                } else {
                    Target::Text(rest.to_string())
                };
                Criterion { op, target }
            }
        }
    }

    /// Whether a cell value satisfies the criterion.
    #[must_use]
    pub fn matches(&self, v: &Value) -> bool {
        let ord = match (&self.target, v) {
            (Target::Blank, _) => {
                let blank =
                    matches!(v, Value::Empty) || matches!(v, Value::Text(s) if s.is_empty());
                return match self.op {
                    Op::Eq => blank,
                    Op::Ne => !blank,
                    _ => false,
                };
            }
            (Target::Number(t), Value::Number(n)) => n.partial_cmp(t),
            (Target::Bool(t), Value::Bool(b)) => Some(b.cmp(t)),
            (Target::Error(t), Value::Error(e)) => {
                return match self.op {
                    Op::Eq => e == t,
                    Op::Ne => e != t,
                    _ => false,
                }
            }
            (Target::Text(t), Value::Text(s)) => {
                if matches!(self.op, Op::Eq | Op::Ne) {
                    let m = wildcard_match(t, s);
                    return if self.op == Op::Eq { m } else { !m };
                }
                Some(compare_text(s, t))
            }
            _ => None,
        };
        match ord {
            Some(o) => match self.op {
                Op::Eq => o == Ordering::Equal,
                Op::Ne => o != Ordering::Equal,
                Op::Lt => o == Ordering::Less,
                Op::Le => o != Ordering::Greater,
                Op::Gt => o == Ordering::Greater,
                Op::Ge => o != Ordering::Less,
            },
            // A value of another type never equals the target, so `<>` holds.
            None => self.op == Op::Ne,
        }
    }
}

fn split_op(s: &str) -> (Op, &str) {
    for (prefix, op) in [
        ("<>", Op::Ne),
        ("<=", Op::Le),
        (">=", Op::Ge),
        ("<", Op::Lt),
        (">", Op::Gt),
        ("=", Op::Eq),
    ] {
        if let Some(rest) = s.strip_prefix(prefix) {
            return (op, rest);
        }
    }
    (Op::Eq, s)
}

/// Case-insensitive match with `*` (any run), `?` (one character) and `~`
/// escaping the next character.
#[must_use]
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let t: Vec<char> = text.to_lowercase().chars().collect();
    // Iterative matching with backtracking on the last `*`.
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
            continue;
        }
        if pi < p.len() {
            let (lit, width) = if p[pi] == '~' && pi + 1 < p.len() {
                (Some(p[pi + 1]), 2)
            } else {
                (None, 1)
            };
            let ok = match lit {
                Some(ch) => ch == t[ti],
                None => p[pi] == '?' || p[pi] == t[ti],
            };
            if ok {
                pi += width;
                ti += 1;
                continue;
            }
        }
        match star {
            Some((sp, st)) => {
                pi = sp + 1;
                ti = st + 1;
                star = Some((sp, st + 1));
            }
            None => return false,
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// The (row, col) positions where every (range, criterion) pair matches;
/// every range must have the given shape.
pub(crate) fn matching_cells(
    c: &Ctx,
    pairs: &[Expr],
    rows: usize,
    cols: usize,
) -> Result<Vec<(usize, usize)>, ErrorKind> {
    if pairs.len() % 2 != 0 {
        return Err(ErrorKind::Value);
    }
    let mut tests = Vec::new();
    for pair in pairs.chunks(2) {
        let t = c.table(&pair[0]);
        if t.rows() != rows || t.cols() != cols {
            return Err(ErrorKind::Value);
        }
        tests.push((t, Criterion::new(&c.scalar(&pair[1]))));
    }
    let mut out = Vec::new();
    for r in 0..rows {
        for col in 0..cols {
            if tests.iter().all(|(t, crit)| crit.matches(&t.get(r, col))) {
                out.push((r, col));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(wildcard_match("a*", "Apple"));
        assert!(wildcard_match("?pple", "apple"));
        assert!(!wildcard_match("?pple", "pple"));
        assert!(wildcard_match("*~*", "a*"));
        assert!(!wildcard_match("*~*", "ab"));
        assert!(wildcard_match("*", ""));
    }

    #[test]
    fn criteria() {
        let c = Criterion::new(&Value::from(">=5"));
        assert!(c.matches(&Value::Number(5.0)));
        assert!(!c.matches(&Value::Number(4.0)));
        assert!(!c.matches(&Value::from("x")));
        let ne = Criterion::new(&Value::from("<>a"));
        assert!(ne.matches(&Value::from("b")));
        assert!(ne.matches(&Value::Number(1.0)));
        assert!(!ne.matches(&Value::from("A")));
        let blank = Criterion::new(&Value::from(""));
        assert!(blank.matches(&Value::Empty));
        assert!(!blank.matches(&Value::Number(0.0)));
    }
}
