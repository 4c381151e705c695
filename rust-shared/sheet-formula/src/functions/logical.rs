//! Logical functions. IF, IFS, IFERROR, IFNA, SWITCH and CHOOSE evaluate only
//! the branch they return.

use super::{f, Def, MANY};
use crate::ast::Expr;
use crate::eval::Ctx;
use crate::value::{compare, ErrorKind, Value};

type R = Result<Value, ErrorKind>;

pub(crate) const DEFS: &[Def] = &[
    f("IF", 1, 3, |c, a| {
        let cond = c.scalar(&a[0]).to_bool()?;
        let chosen = if cond { a.get(1) } else { a.get(2) };
        Ok(chosen.map_or(Value::Bool(cond), |e| branch(c, e, Value::Number(0.0))))
    }),
    f("IFS", 2, MANY, |c, a| {
        if a.len() % 2 != 0 {
            return Err(ErrorKind::Value);
        }
        for pair in a.chunks(2) {
            if c.scalar(&pair[0]).to_bool()? {
                return Ok(branch(c, &pair[1], Value::Number(0.0)));
            }
        }
        Err(ErrorKind::NA)
    }),
    f("IFERROR", 2, 2, |c, a| {
        let v = c.evaluate(&a[0]);
        Ok(if v.as_error().is_some() {
            branch(c, &a[1], Value::Number(0.0))
        } else {
            v
        })
    }),
    f("IFNA", 2, 2, |c, a| {
        let v = c.evaluate(&a[0]);
        Ok(if v.as_error() == Some(ErrorKind::NA) {
            branch(c, &a[1], Value::Number(0.0))
        } else {
            v
        })
    }),
    f("AND", 1, MANY, |c, a| fold(c, a, true, |acc, b| acc && b)),
    f("OR", 1, MANY, |c, a| fold(c, a, false, |acc, b| acc || b)),
    f("XOR", 1, MANY, |c, a| fold(c, a, false, |acc, b| acc != b)),
    f("NOT", 1, 1, |c, a| Ok(Value::Bool(!c.boolean(&a[0])?))),
    f("TRUE", 0, 0, |_, _| Ok(Value::Bool(true))),
    f("FALSE", 0, 0, |_, _| Ok(Value::Bool(false))),
    f("SWITCH", 3, MANY, |c, a| {
        let v = c.scalar(&a[0]);
        if let Value::Error(e) = v {
            return Err(e);
        }
        let rest = &a[1..];
        for pair in rest.chunks(2) {
            if pair.len() == 1 {
                return Ok(branch(c, &pair[0], Value::Number(0.0)));
            }
            let candidate = c.scalar(&pair[0]);
            if let Value::Error(e) = candidate {
                return Err(e);
            }
            if compare(&v, &candidate).is_eq()
                && std::mem::discriminant(&v) == std::mem::discriminant(&candidate)
            {
                return Ok(branch(c, &pair[1], Value::Number(0.0)));
            }
        }
        Err(ErrorKind::NA)
    }),
    f("CHOOSE", 2, MANY, |c, a| {
        let i = c.num(&a[0])?.trunc();
        if i < 1.0 || i >= a.len() as f64 {
            return Err(ErrorKind::Value);
        }
        Ok(branch(c, &a[i as usize], Value::Number(0.0)))
    }),
];

/// The value of a chosen branch; an omitted branch is 0.
fn branch(c: &Ctx, e: &Expr, missing: Value) -> Value {
    if matches!(e, Expr::Missing) {
        missing
    } else {
        c.evaluate(e)
    }
}

/// AND/OR/XOR: booleans and numbers count, text in ranges is skipped; no
/// logical value at all is #VALUE!.
fn fold(c: &Ctx, a: &[Expr], init: bool, op: fn(bool, bool) -> bool) -> R {
    let mut acc = init;
    let mut seen = false;
    for e in a {
        c.for_each_arg_value(e, &mut |v, direct| {
            match v {
                Value::Bool(b) => {
                    acc = op(acc, *b);
                    seen = true;
                }
                Value::Number(n) => {
                    acc = op(acc, *n != 0.0);
                    seen = true;
                }
                Value::Error(e) => return Err(*e),
                Value::Text(_) if direct => {
                    acc = op(acc, v.to_bool()?);
                    seen = true;
                }
                _ => {}
            }
            Ok(())
        })?;
    }
    if seen {
        Ok(Value::Bool(acc))
    } else {
        Err(ErrorKind::Value)
    }
}
