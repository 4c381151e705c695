//! Information functions: IS*, TYPE, ERROR.TYPE, NA, N, T.

use super::{f, Def};
use crate::ast::Expr;
use crate::eval::{Ctx, Operand};
use crate::value::{ErrorKind, Value};

type R = Result<Value, ErrorKind>;

pub(crate) const DEFS: &[Def] = &[
    f("ISBLANK", 1, 1, |c, a| is(c, a, Value::is_empty)),
    f("ISERROR", 1, 1, |c, a| {
        is(c, a, |v| matches!(v, Value::Error(_)))
    }),
    f("ISERR", 1, 1, |c, a| {
        is(
            c,
            a,
            |v| matches!(v, Value::Error(e) if *e != ErrorKind::NA),
        )
    }),
    f("ISNA", 1, 1, |c, a| {
        is(c, a, |v| matches!(v, Value::Error(ErrorKind::NA)))
    }),
    f("ISNUMBER", 1, 1, |c, a| {
        is(c, a, |v| matches!(v, Value::Number(_)))
    }),
    f("ISTEXT", 1, 1, |c, a| {
        is(c, a, |v| matches!(v, Value::Text(_)))
    }),
    f("ISNONTEXT", 1, 1, |c, a| {
        is(c, a, |v| !matches!(v, Value::Text(_)))
    }),
    f("ISLOGICAL", 1, 1, |c, a| {
        is(c, a, |v| matches!(v, Value::Bool(_)))
    }),
    f("ISEVEN", 1, 1, |c, a| {
        Ok(Value::Bool(c.num(&a[0])?.trunc() % 2.0 == 0.0))
    }),
    f("ISODD", 1, 1, |c, a| {
        Ok(Value::Bool(c.num(&a[0])?.trunc() % 2.0 != 0.0))
    }),
    f("ISREF", 1, 1, |c, a| {
        Ok(Value::Bool(matches!(c.eval(&a[0]), Operand::Area(..))))
    }),
    f("ISFORMULA", 1, 1, |c, a| match c.eval(&a[0]) {
        Operand::Area(sheet, rect) => Ok(Value::Bool(c.grid.is_formula(sheet, rect.r1, rect.c1))),
        Operand::Value(_) => Err(ErrorKind::Value),
    }),
    f("NA", 0, 0, |_, _| Err(ErrorKind::NA)),
    f("ERROR.TYPE", 1, 1, |c, a| match c.scalar(&a[0]) {
        Value::Error(e) => Ok(Value::Number(e.code())),
        _ => Err(ErrorKind::NA),
    }),
    f("TYPE", 1, 1, |c, a| {
        let v = c.value(&a[0]);
        Ok(Value::Number(match v {
            Value::Number(_) | Value::Empty => 1.0,
            Value::Text(_) => 2.0,
            Value::Bool(_) => 4.0,
            Value::Error(_) => 16.0,
            Value::Array(_) => 64.0,
        }))
    }),
    f("N", 1, 1, |c, a| {
        Ok(match c.scalar(&a[0]) {
            Value::Number(n) => Value::Number(n),
            Value::Bool(b) => Value::Number(f64::from(u8::from(b))),
            Value::Error(e) => return Err(e),
            _ => Value::Number(0.0),
        })
    }),
    f("T", 1, 1, |c, a| {
        Ok(match c.scalar(&a[0]) {
            Value::Text(s) => Value::Text(s),
            Value::Error(e) => return Err(e),
            _ => Value::from(""),
        })
    }),
];

#[allow(clippy::unnecessary_wraps)]
fn is(c: &Ctx, a: &[Expr], test: fn(&Value) -> bool) -> R {
    Ok(Value::Bool(test(&c.scalar(&a[0]))))
}
