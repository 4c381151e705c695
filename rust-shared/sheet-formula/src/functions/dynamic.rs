//! Dynamic-array functions: they return arrays that the engine spills into
//! the cells below and to the right of the formula (SEQUENCE, FILTER, SORT,
//! SORTBY, UNIQUE, RANDARRAY, VSTACK, HSTACK, TAKE, DROP, TOCOL, TOROW,
//! CHOOSEROWS, CHOOSECOLS).

use std::cmp::Ordering;
use std::rc::Rc;

use super::{f, to_i64, volatile, Def, MANY};
use crate::ast::Expr;
use crate::eval::{Ctx, MAX_ARRAY_CELLS};
use crate::value::{compare, Array, ErrorKind, Value};

pub(crate) const DEFS: &[Def] = &[
    f("SEQUENCE", 1, 4, sequence),
    volatile(f("RANDARRAY", 0, 5, randarray)),
    f("FILTER", 2, 3, filter),
    f("SORT", 1, 4, sort),
    f("SORTBY", 2, MANY, sortby),
    f("UNIQUE", 1, 3, unique),
    f("VSTACK", 1, MANY, vstack),
    f("HSTACK", 1, MANY, hstack),
    f("TAKE", 2, 3, take),
    f("DROP", 2, 3, drop),
    f("TOCOL", 1, 3, tocol),
    f("TOROW", 1, 3, torow),
    f("CHOOSEROWS", 2, MANY, chooserows),
    f("CHOOSECOLS", 2, MANY, choosecols),
];

/// An argument as an array: a range's values, an array, or a 1x1 array of a
/// scalar. A scalar error is returned as the error.
fn array_arg(c: &Ctx, e: &Expr) -> Result<Rc<Array>, ErrorKind> {
    match c.value(e) {
        Value::Array(a) => Ok(a),
        Value::Error(err) => Err(err),
        v => Ok(Rc::new(Array::new(1, 1, vec![v]))),
    }
}

/// Builds an array result; an empty one is #CALC! (Excel has no empty arrays).
fn make(rows: usize, cols: usize, data: Vec<Value>) -> Result<Value, ErrorKind> {
    if rows == 0 || cols == 0 {
        return Err(ErrorKind::Calc);
    }
    Ok(Value::Array(Rc::new(Array::new(rows, cols, data))))
}

/// A size argument (rows, columns) of at least 1 and at most the array limit.
fn size_arg(c: &Ctx, args: &[Expr], i: usize) -> Result<usize, ErrorKind> {
    let n = to_i64(c.num_or(args, i, 1.0)?)?;
    if n < 0 {
        return Err(ErrorKind::Value);
    }
    if n == 0 {
        return Err(ErrorKind::Calc);
    }
    usize::try_from(n)
        .ok()
        .filter(|n| *n <= MAX_ARRAY_CELLS)
        .ok_or(ErrorKind::Num)
}

fn checked_cells(rows: usize, cols: usize) -> Result<usize, ErrorKind> {
    rows.checked_mul(cols)
        .filter(|n| *n <= MAX_ARRAY_CELLS)
        .ok_or(ErrorKind::Num)
}

fn sequence(c: &Ctx, a: &[Expr]) -> Result<Value, ErrorKind> {
    let rows = size_arg(c, a, 0)?;
    let cols = size_arg(c, a, 1)?;
    let start = c.num_or(a, 2, 1.0)?;
    let step = c.num_or(a, 3, 1.0)?;
    let n = checked_cells(rows, cols)?;
    let data = (0..n)
        .map(|i| Value::number(start + step * i as f64))
        .collect();
    make(rows, cols, data)
}

fn randarray(c: &Ctx, a: &[Expr]) -> Result<Value, ErrorKind> {
    let rows = size_arg(c, a, 0)?;
    let cols = size_arg(c, a, 1)?;
    let min = c.num_or(a, 2, 0.0)?;
    let max = c.num_or(a, 3, 1.0)?;
    let whole = c.bool_or(a, 4, false)?;
    if min > max {
        return Err(ErrorKind::Value);
    }
    let n = checked_cells(rows, cols)?;
    let data = (0..n)
        .map(|_| {
            let u = super::math::next_random();
            if whole {
                let (lo, hi) = (min.ceil(), max.floor());
                Value::number((lo + (u * (hi - lo + 1.0)).floor()).min(hi))
            } else {
                Value::number(min + u * (max - min))
            }
        })
        .collect();
    make(rows, cols, data)
}

fn filter(c: &Ctx, a: &[Expr]) -> Result<Value, ErrorKind> {
    let data = array_arg(c, &a[0])?;
    let include = array_arg(c, &a[1])?;
    // The condition is one column as tall as the array, or one row as wide.
    let by_rows = if include.cols == 1 && include.rows == data.rows {
        true
    } else if include.rows == 1 && include.cols == data.cols {
        false
    } else {
        return Err(ErrorKind::Value);
    };
    let mut keep = Vec::with_capacity(include.data.len());
    for v in &include.data {
        match v {
            Value::Error(e) => return Err(*e),
            Value::Text(_) => return Err(ErrorKind::Value),
            v => keep.push(v.to_bool()?),
        }
    }
    let mut out = Vec::new();
    let (rows, cols) = if by_rows {
        for r in (0..data.rows).filter(|&r| keep[r]) {
            out.extend_from_slice(&data.data[r * data.cols..(r + 1) * data.cols]);
        }
        (keep.iter().filter(|k| **k).count(), data.cols)
    } else {
        let picked: Vec<usize> = (0..data.cols).filter(|&col| keep[col]).collect();
        for r in 0..data.rows {
            out.extend(picked.iter().map(|&col| data.get(r, col).clone()));
        }
        (data.rows, picked.len())
    };
    if rows == 0 || cols == 0 {
        return match a.get(2) {
            Some(e) if !matches!(e, Expr::Missing) => Ok(c.value(e)),
            _ => Err(ErrorKind::Calc),
        };
    }
    make(rows, cols, out)
}

/// Compares two values for SORT: numbers < text < booleans < errors < blanks
/// (blanks sort last, as Excel's sort puts them).
fn sort_cmp(x: &Value, y: &Value) -> Ordering {
    match (x.is_empty(), y.is_empty()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        _ => compare(x, y),
    }
}

/// A sort order argument: 1 ascending, -1 descending.
fn order_arg(c: &Ctx, e: Option<&Expr>) -> Result<bool, ErrorKind> {
    match e {
        None | Some(Expr::Missing) => Ok(true),
        Some(e) => match to_i64(c.num(e)?)? {
            1 => Ok(true),
            -1 => Ok(false),
            _ => Err(ErrorKind::Value),
        },
    }
}

/// The rows of an array (columns when `by_col`) as index lists, reordered.
fn reorder(data: &Array, by_col: bool, order: &[usize]) -> Value {
    let mut out = Vec::with_capacity(data.data.len());
    if by_col {
        for r in 0..data.rows {
            out.extend(order.iter().map(|&col| data.get(r, col).clone()));
        }
    } else {
        for &r in order {
            out.extend_from_slice(&data.data[r * data.cols..(r + 1) * data.cols]);
        }
    }
    Value::Array(Rc::new(Array::new(data.rows, data.cols, out)))
}

fn sort(c: &Ctx, a: &[Expr]) -> Result<Value, ErrorKind> {
    let data = array_arg(c, &a[0])?;
    let index = to_i64(c.num_or(a, 1, 1.0)?)?;
    let ascending = order_arg(c, a.get(2))?;
    let by_col = c.bool_or(a, 3, false)?;
    let (lines, width) = if by_col {
        (data.cols, data.rows)
    } else {
        (data.rows, data.cols)
    };
    let key = usize::try_from(index - 1)
        .ok()
        .filter(|k| *k < width)
        .ok_or(ErrorKind::Value)?;
    let at = |line: usize| {
        if by_col {
            data.get(key, line)
        } else {
            data.get(line, key)
        }
    };
    let mut order: Vec<usize> = (0..lines).collect();
    order.sort_by(|&x, &y| {
        let o = sort_cmp(at(x), at(y));
        if ascending {
            o
        } else {
            o.reverse()
        }
    });
    Ok(reorder(&data, by_col, &order))
}

fn sortby(c: &Ctx, a: &[Expr]) -> Result<Value, ErrorKind> {
    let data = array_arg(c, &a[0])?;
    let mut keys: Vec<(Rc<Array>, bool)> = Vec::new();
    let mut by_col = None;
    let mut i = 1;
    while i < a.len() {
        let key = array_arg(c, &a[i])?;
        let ascending = order_arg(c, a.get(i + 1))?;
        let col = if key.cols == 1 && key.rows == data.rows {
            false
        } else if key.rows == 1 && key.cols == data.cols {
            true
        } else {
            return Err(ErrorKind::Value);
        };
        if by_col.is_some_and(|b| b != col) {
            return Err(ErrorKind::Value);
        }
        by_col = Some(col);
        keys.push((key, ascending));
        i += 2;
    }
    let by_col = by_col.unwrap_or(false);
    let lines = if by_col { data.cols } else { data.rows };
    let mut order: Vec<usize> = (0..lines).collect();
    order.sort_by(|&x, &y| {
        for (key, ascending) in &keys {
            let o = sort_cmp(&key.data[x], &key.data[y]);
            let o = if *ascending { o } else { o.reverse() };
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    });
    Ok(reorder(&data, by_col, &order))
}

fn unique(c: &Ctx, a: &[Expr]) -> Result<Value, ErrorKind> {
    let data = array_arg(c, &a[0])?;
    let by_col = c.bool_or(a, 1, false)?;
    let exactly_once = c.bool_or(a, 2, false)?;
    let (lines, width) = if by_col {
        (data.cols, data.rows)
    } else {
        (data.rows, data.cols)
    };
    let at = |line: usize, k: usize| {
        if by_col {
            data.get(k, line)
        } else {
            data.get(line, k)
        }
    };
    let same = |x: usize, y: usize| {
        (0..width).all(|k| {
            let (p, q) = (at(x, k), at(y, k));
            match (p, q) {
                (Value::Error(e), Value::Error(f)) => e == f,
                (Value::Error(_), _) | (_, Value::Error(_)) => false,
                _ => p.is_empty() == q.is_empty() && compare(p, q).is_eq(),
            }
        })
    };
    // (first line, count) of each distinct line, in order of appearance.
    let mut groups: Vec<(usize, usize)> = Vec::new();
    for line in 0..lines {
        match groups.iter_mut().find(|(first, _)| same(*first, line)) {
            Some(g) => g.1 += 1,
            None => groups.push((line, 1)),
        }
    }
    let order: Vec<usize> = groups
        .into_iter()
        .filter(|(_, n)| !exactly_once || *n == 1)
        .map(|(first, _)| first)
        .collect();
    if order.is_empty() {
        return Err(ErrorKind::Calc);
    }
    let mut out = Vec::with_capacity(order.len() * width);
    if by_col {
        for r in 0..data.rows {
            out.extend(order.iter().map(|&col| data.get(r, col).clone()));
        }
        make(data.rows, order.len(), out)
    } else {
        for &r in &order {
            out.extend_from_slice(&data.data[r * data.cols..(r + 1) * data.cols]);
        }
        make(order.len(), data.cols, out)
    }
}

/// VSTACK/HSTACK: arrays one after the other, shorter ones padded with #N/A.
fn stack(c: &Ctx, a: &[Expr], vertical: bool) -> Result<Value, ErrorKind> {
    let parts = a
        .iter()
        .map(|e| array_arg(c, e))
        .collect::<Result<Vec<_>, _>>()?;
    let (rows, cols) = if vertical {
        (
            parts.iter().map(|p| p.rows).sum::<usize>(),
            parts.iter().map(|p| p.cols).max().unwrap_or(0),
        )
    } else {
        (
            parts.iter().map(|p| p.rows).max().unwrap_or(0),
            parts.iter().map(|p| p.cols).sum::<usize>(),
        )
    };
    let n = checked_cells(rows, cols)?;
    let mut out = vec![Value::Error(ErrorKind::NA); n];
    let mut offset = 0;
    for p in &parts {
        for r in 0..p.rows {
            for col in 0..p.cols {
                let (rr, cc) = if vertical {
                    (offset + r, col)
                } else {
                    (r, offset + col)
                };
                out[rr * cols + cc] = p.get(r, col).clone();
            }
        }
        offset += if vertical { p.rows } else { p.cols };
    }
    make(rows, cols, out)
}

fn vstack(c: &Ctx, a: &[Expr]) -> Result<Value, ErrorKind> {
    stack(c, a, true)
}

fn hstack(c: &Ctx, a: &[Expr]) -> Result<Value, ErrorKind> {
    stack(c, a, false)
}

/// The sub-array of rows `rows` and columns `cols`.
fn slice(data: &Array, rows: std::ops::Range<usize>, cols: std::ops::Range<usize>) -> Value {
    let mut out = Vec::with_capacity(rows.len() * cols.len());
    for r in rows.clone() {
        out.extend(cols.clone().map(|col| data.get(r, col).clone()));
    }
    make(rows.len(), cols.len(), out).unwrap_or_else(Value::Error)
}

/// TAKE/DROP's row or column count: None when omitted.
fn count_arg(c: &Ctx, a: &[Expr], i: usize) -> Result<Option<i64>, ErrorKind> {
    match a.get(i) {
        None | Some(Expr::Missing) => Ok(None),
        Some(e) => Ok(Some(to_i64(c.num(e)?)?)),
    }
}

/// The part of `0..len` TAKE (`take`) or DROP keeps for a count.
fn span(len: usize, n: Option<i64>, take: bool) -> std::ops::Range<usize> {
    let Some(n) = n else { return 0..len };
    let k = usize::try_from(n.unsigned_abs())
        .unwrap_or(usize::MAX)
        .min(len);
    match (take, n >= 0) {
        (true, true) => 0..k,
        (true, false) => len - k..len,
        (false, true) => k..len,
        (false, false) => 0..len - k,
    }
}

fn take_or_drop(c: &Ctx, a: &[Expr], take: bool) -> Result<Value, ErrorKind> {
    let data = array_arg(c, &a[0])?;
    let rows = count_arg(c, a, 1)?;
    let cols = count_arg(c, a, 2)?;
    if take && (rows == Some(0) || cols == Some(0)) {
        return Err(ErrorKind::Calc);
    }
    let (rr, cc) = (span(data.rows, rows, take), span(data.cols, cols, take));
    if rr.is_empty() || cc.is_empty() {
        return Err(ErrorKind::Calc);
    }
    Ok(slice(&data, rr, cc))
}

fn take(c: &Ctx, a: &[Expr]) -> Result<Value, ErrorKind> {
    take_or_drop(c, a, true)
}

fn drop(c: &Ctx, a: &[Expr]) -> Result<Value, ErrorKind> {
    take_or_drop(c, a, false)
}

/// TOCOL/TOROW: the values in one line, by row (or by column with
/// `scan_by_column`); `ignore` 1 skips blanks, 2 errors, 3 both.
fn flatten(c: &Ctx, a: &[Expr], column: bool) -> Result<Value, ErrorKind> {
    let data = array_arg(c, &a[0])?;
    let ignore = to_i64(c.num_or(a, 1, 0.0)?)?;
    if !(0..=3).contains(&ignore) {
        return Err(ErrorKind::Value);
    }
    let by_column = c.bool_or(a, 2, false)?;
    let mut out = Vec::with_capacity(data.data.len());
    let (outer, inner) = if by_column {
        (data.cols, data.rows)
    } else {
        (data.rows, data.cols)
    };
    for o in 0..outer {
        for i in 0..inner {
            let v = if by_column {
                data.get(i, o)
            } else {
                data.get(o, i)
            };
            let skip = match v {
                Value::Empty => ignore & 1 != 0,
                Value::Error(_) => ignore & 2 != 0,
                _ => false,
            };
            if !skip {
                out.push(v.clone());
            }
        }
    }
    let n = out.len();
    if column {
        make(n, 1, out)
    } else {
        make(1, n, out)
    }
}

fn tocol(c: &Ctx, a: &[Expr]) -> Result<Value, ErrorKind> {
    flatten(c, a, true)
}

fn torow(c: &Ctx, a: &[Expr]) -> Result<Value, ErrorKind> {
    flatten(c, a, false)
}

/// CHOOSEROWS/CHOOSECOLS: 1-based indices, negative from the end.
fn choose_lines(c: &Ctx, a: &[Expr], rows: bool) -> Result<Value, ErrorKind> {
    let data = array_arg(c, &a[0])?;
    let len = if rows { data.rows } else { data.cols };
    let mut picked = Vec::new();
    for e in &a[1..] {
        let list = array_arg(c, e)?;
        for v in &list.data {
            let n = to_i64(v.to_number()?)?;
            let len_i = i64::try_from(len).unwrap_or(i64::MAX);
            let idx = if n > 0 && n <= len_i {
                n - 1
            } else if n < 0 && -n <= len_i {
                len_i + n
            } else {
                return Err(ErrorKind::Value);
            };
            picked.push(usize::try_from(idx).map_err(|_| ErrorKind::Value)?);
        }
    }
    let mut out = Vec::new();
    if rows {
        for &r in &picked {
            out.extend_from_slice(&data.data[r * data.cols..(r + 1) * data.cols]);
        }
        make(picked.len(), data.cols, out)
    } else {
        for r in 0..data.rows {
            out.extend(picked.iter().map(|&col| data.get(r, col).clone()));
        }
        make(data.rows, picked.len(), out)
    }
}

fn chooserows(c: &Ctx, a: &[Expr]) -> Result<Value, ErrorKind> {
    choose_lines(c, a, true)
}

fn choosecols(c: &Ctx, a: &[Expr]) -> Result<Value, ErrorKind> {
    choose_lines(c, a, false)
}
