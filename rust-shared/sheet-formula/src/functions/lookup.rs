//! Lookup and reference functions.

use std::cmp::Ordering;
use std::rc::Rc;

use super::criteria::wildcard_match;
use super::{f, r, Def};
use crate::address::{cell_name, column_name, Rect};
use crate::ast::Expr;
use crate::eval::{Ctx, Operand, Table};
use crate::value::{compare, Array, ErrorKind, Value};

type R = Result<Value, ErrorKind>;

pub(crate) const DEFS: &[Def] = &[
    f("VLOOKUP", 3, 4, |c, a| {
        let x = lookup_value(c, &a[0])?;
        let t = c.table(&a[1]);
        let col = c.num(&a[2])?.trunc();
        let approx = c.bool_or(a, 3, true)?;
        if col < 1.0 {
            return Err(ErrorKind::Value);
        }
        if col as usize > t.cols() {
            return Err(ErrorKind::Ref);
        }
        let keys: Vec<Value> = (0..t.rows()).map(|r| t.get(r, 0)).collect();
        let i = if approx {
            approximate(&keys, &x, true)
        } else {
            exact(&keys, &x)
        }
        .ok_or(ErrorKind::NA)?;
        Ok(t.get(i, col as usize - 1))
    }),
    f("HLOOKUP", 3, 4, |c, a| {
        let x = lookup_value(c, &a[0])?;
        let t = c.table(&a[1]);
        let row = c.num(&a[2])?.trunc();
        let approx = c.bool_or(a, 3, true)?;
        if row < 1.0 {
            return Err(ErrorKind::Value);
        }
        if row as usize > t.rows() {
            return Err(ErrorKind::Ref);
        }
        let keys: Vec<Value> = (0..t.cols()).map(|col| t.get(0, col)).collect();
        let i = if approx {
            approximate(&keys, &x, true)
        } else {
            exact(&keys, &x)
        }
        .ok_or(ErrorKind::NA)?;
        Ok(t.get(row as usize - 1, i))
    }),
    f("LOOKUP", 2, 3, |c, a| {
        let x = lookup_value(c, &a[0])?;
        let t = c.table(&a[1]);
        let (keys, results): (Vec<Value>, Vec<Value>) = if a.len() == 3 {
            let res = c.table(&a[2]);
            (line(&t), line(&res))
        } else if t.cols() > t.rows() {
            (
                (0..t.cols()).map(|i| t.get(0, i)).collect(),
                (0..t.cols()).map(|i| t.get(t.rows() - 1, i)).collect(),
            )
        } else {
            (
                (0..t.rows()).map(|i| t.get(i, 0)).collect(),
                (0..t.rows()).map(|i| t.get(i, t.cols() - 1)).collect(),
            )
        };
        let i = approximate(&keys, &x, true).ok_or(ErrorKind::NA)?;
        results.get(i).cloned().ok_or(ErrorKind::NA)
    }),
    r("INDEX", 2, 3, index),
    r("SINGLE", 1, 1, single),
    f("MATCH", 2, 3, |c, a| {
        let x = lookup_value(c, &a[0])?;
        let t = c.table(&a[1]);
        if t.rows() > 1 && t.cols() > 1 {
            return Err(ErrorKind::NA);
        }
        let kind = c.num_or(a, 2, 1.0)?;
        let keys = line(&t);
        let i = if kind == 0.0 {
            exact(&keys, &x)
        } else {
            approximate(&keys, &x, kind > 0.0)
        };
        i.map(|i| Value::Number((i + 1) as f64))
            .ok_or(ErrorKind::NA)
    }),
    f("XMATCH", 2, 4, |c, a| {
        let x = lookup_value(c, &a[0])?;
        let keys = line(&c.table(&a[1]));
        let mode = c.num_or(a, 2, 0.0)?.trunc() as i64;
        let search = c.num_or(a, 3, 1.0)?.trunc() as i64;
        xsearch(&keys, &x, mode, search)?
            .map(|i| Value::Number((i + 1) as f64))
            .ok_or(ErrorKind::NA)
    }),
    f("XLOOKUP", 3, 6, |c, a| {
        let x = lookup_value(c, &a[0])?;
        let keys = line(&c.table(&a[1]));
        let results = c.table(&a[2]);
        let mode = c.num_or(a, 4, 0.0)?.trunc() as i64;
        let search = c.num_or(a, 5, 1.0)?.trunc() as i64;
        let vertical = results.rows() == keys.len();
        if !vertical && results.cols() != keys.len() {
            return Err(ErrorKind::Value);
        }
        match xsearch(&keys, &x, mode, search)? {
            Some(i) => Ok(if vertical {
                results.get(i, 0)
            } else {
                results.get(0, i)
            }),
            None => match a.get(3) {
                Some(e) if !matches!(e, Expr::Missing) => Ok(c.evaluate(e)),
                _ => Err(ErrorKind::NA),
            },
        }
    }),
    f("ROW", 0, 1, |c, a| match a.first().map(|e| c.eval(e)) {
        None => Ok(Value::Number(f64::from(c.row + 1))),
        Some(Operand::Area(_, rect)) => Ok(Value::Number(f64::from(rect.r1 + 1))),
        Some(_) => Err(ErrorKind::Value),
    }),
    f("COLUMN", 0, 1, |c, a| match a.first().map(|e| c.eval(e)) {
        None => Ok(Value::Number(f64::from(c.col + 1))),
        Some(Operand::Area(_, rect)) => Ok(Value::Number(f64::from(rect.c1 + 1))),
        Some(_) => Err(ErrorKind::Value),
    }),
    f("ROWS", 1, 1, |c, a| match c.eval(&a[0]) {
        Operand::Area(_, rect) => Ok(Value::Number(f64::from(rect.rows()))),
        Operand::Value(Value::Array(arr)) => Ok(Value::Number(arr.rows as f64)),
        Operand::Value(Value::Error(e)) => Err(e),
        Operand::Value(_) => Ok(Value::Number(1.0)),
    }),
    f("COLUMNS", 1, 1, |c, a| match c.eval(&a[0]) {
        Operand::Area(_, rect) => Ok(Value::Number(f64::from(rect.cols()))),
        Operand::Value(Value::Array(arr)) => Ok(Value::Number(arr.cols as f64)),
        Operand::Value(Value::Error(e)) => Err(e),
        Operand::Value(_) => Ok(Value::Number(1.0)),
    }),
    f("ADDRESS", 2, 5, |c, a| {
        let row = c.num(&a[0])?.trunc();
        let col = c.num(&a[1])?.trunc();
        let abs = c.num_or(a, 2, 1.0)?.trunc() as i64;
        let a1 = c.bool_or(a, 3, true)?;
        if row < 1.0 || col < 1.0 || row > 1_048_576.0 || col > 16_384.0 || !(1..=4).contains(&abs)
        {
            return Err(ErrorKind::Value);
        }
        let (r, cc) = (row as u32 - 1, col as u32 - 1);
        let text = if a1 {
            let (ra, ca) = match abs {
                1 => ("$", "$"),
                2 => ("$", ""),
                3 => ("", "$"),
                _ => ("", ""),
            };
            format!("{ca}{}{ra}{}", column_name(cc), r + 1)
        } else {
            let rs = if abs == 1 || abs == 2 {
                format!("R{}", r + 1)
            } else {
                format!("R[{}]", r + 1)
            };
            let cs = if abs == 1 || abs == 3 {
                format!("C{}", cc + 1)
            } else {
                format!("C[{}]", cc + 1)
            };
            format!("{rs}{cs}")
        };
        let sheet = if a.len() == 5 {
            format!("{}!", crate::address::quote_sheet_name(&c.text(&a[4])?))
        } else {
            String::new()
        };
        let _ = cell_name;
        Ok(Value::from(format!("{sheet}{text}")))
    }),
    f("TRANSPOSE", 1, 1, |c, a| {
        let t = c.table(&a[0]);
        let (rows, cols) = (t.rows(), t.cols());
        let mut data = Vec::with_capacity(rows * cols);
        for col in 0..cols {
            for row in 0..rows {
                data.push(t.get(row, col));
            }
        }
        Ok(Value::Array(Rc::new(Array::new(cols, rows, data))))
    }),
];

fn lookup_value(c: &Ctx, e: &Expr) -> R {
    match c.scalar(e) {
        Value::Error(err) => Err(err),
        v => Ok(v),
    }
}

/// A one-row or one-column table as a list.
fn line(t: &Table) -> Vec<Value> {
    if t.rows() == 1 {
        (0..t.cols()).map(|i| t.get(0, i)).collect()
    } else {
        (0..t.rows()).map(|i| t.get(i, 0)).collect()
    }
}

fn same_kind(a: &Value, b: &Value) -> bool {
    matches!(
        (a, b),
        (Value::Number(_), Value::Number(_))
            | (Value::Text(_), Value::Text(_))
            | (Value::Bool(_), Value::Bool(_))
    )
}

fn equals(key: &Value, x: &Value, wildcards: bool) -> bool {
    match (key, x) {
        (Value::Text(k), Value::Text(p)) if wildcards && p.contains(['*', '?', '~']) => {
            wildcard_match(p, k)
        }
        _ => same_kind(key, x) && compare(key, x) == Ordering::Equal,
    }
}

fn exact(keys: &[Value], x: &Value) -> Option<usize> {
    keys.iter().position(|k| equals(k, x, true))
}

/// Sorted-data lookup: the last key <= x (ascending) or >= x (descending),
/// comparing only keys of x's type.
fn approximate(keys: &[Value], x: &Value, ascending: bool) -> Option<usize> {
    // Binary search like Excel, over the keys of x's type.
    let mut lo = 0usize;
    let mut hi = keys.len();
    let mut best = None;
    while lo < hi {
        let mid = usize::midpoint(lo, hi);
        // Skip to a key of the right type (blanks and other types are ignored).
        let mut m = mid;
        while m < hi && !same_kind(&keys[m], x) {
            m += 1;
        }
        if m == hi {
            hi = mid;
            continue;
        }
        let o = compare(&keys[m], x);
        let ok = if ascending {
            o != Ordering::Greater
        } else {
            o != Ordering::Less
        };
        if ok {
            best = Some(m);
            lo = m + 1;
        } else {
            hi = mid;
        }
    }
    best
}

fn xsearch(keys: &[Value], x: &Value, mode: i64, search: i64) -> Result<Option<usize>, ErrorKind> {
    let order: Vec<usize> = match search {
        1 | 2 => (0..keys.len()).collect(),
        -1 | -2 => (0..keys.len()).rev().collect(),
        _ => return Err(ErrorKind::Value),
    };
    match mode {
        0 | 2 => Ok(order.into_iter().find(|&i| equals(&keys[i], x, mode == 2))),
        -1 | 1 => {
            let mut best: Option<usize> = None;
            for i in order {
                if equals(&keys[i], x, false) {
                    return Ok(Some(i));
                }
                if !same_kind(&keys[i], x) {
                    continue;
                }
                let o = compare(&keys[i], x);
                let candidate = if mode == -1 {
                    o == Ordering::Less
                } else {
                    o == Ordering::Greater
                };
                if candidate {
                    let better = best.is_none_or(|b| {
                        let ob = compare(&keys[i], &keys[b]);
                        if mode == -1 {
                            ob == Ordering::Greater
                        } else {
                            ob == Ordering::Less
                        }
                    });
                    if better {
                        best = Some(i);
                    }
                }
            }
            Ok(best)
        }
        _ => Err(ErrorKind::Value),
    }
}

/// `@x` (`SINGLE(x)` in files): a range gives its cell in the formula's row
/// (a one-column range) or column (a one-row range), #VALUE! when the
/// formula is beside neither; an array gives its top-left value.
fn single(c: &Ctx, a: &[Expr]) -> Result<Operand, ErrorKind> {
    match c.eval(&a[0]) {
        Operand::Area(sheet, rect) if rect.is_cell() => Ok(Operand::Area(sheet, rect)),
        Operand::Area(sheet, rect) => {
            if rect.c1 == rect.c2 && (rect.r1..=rect.r2).contains(&c.row) {
                Ok(Operand::Area(sheet, Rect::cell(c.row, rect.c1)))
            } else if rect.r1 == rect.r2 && (rect.c1..=rect.c2).contains(&c.col) {
                Ok(Operand::Area(sheet, Rect::cell(rect.r1, c.col)))
            } else {
                Err(ErrorKind::Value)
            }
        }
        Operand::Value(v) => Ok(Operand::Value(v.scalar())),
    }
}

fn index(c: &Ctx, a: &[Expr]) -> Result<Operand, ErrorKind> {
    let t = c.table(&a[0]);
    let row = c.num(&a[1])?.trunc();
    let col = c.num_or(a, 2, 0.0)?.trunc();
    if row < 0.0 || col < 0.0 {
        return Err(ErrorKind::Value);
    }
    // INDEX(one_row_range, n) picks the n-th column.
    let (row, col) = if a.len() == 2 && t.rows() == 1 && t.cols() > 1 {
        (1.0, row)
    } else {
        (row, col.max(if a.len() == 2 { 1.0 } else { col }))
    };
    let (row, col) = (row as usize, col as usize);
    if row > t.rows() || col > t.cols() {
        return Err(ErrorKind::Ref);
    }
    if let Some((sheet, rect)) = t.area() {
        #[allow(clippy::cast_possible_truncation)]
        let out = match (row, col) {
            (0, 0) => rect,
            (0, cc) => Rect {
                c1: rect.c1 + cc as u32 - 1,
                c2: rect.c1 + cc as u32 - 1,
                ..rect
            },
            (rr, 0) => Rect {
                r1: rect.r1 + rr as u32 - 1,
                r2: rect.r1 + rr as u32 - 1,
                ..rect
            },
            (rr, cc) => Rect::cell(rect.r1 + rr as u32 - 1, rect.c1 + cc as u32 - 1),
        };
        return Ok(Operand::Area(sheet, out));
    }
    if row == 0 || col == 0 {
        return Err(ErrorKind::Value);
    }
    Ok(Operand::Value(t.get(row - 1, col - 1)))
}
