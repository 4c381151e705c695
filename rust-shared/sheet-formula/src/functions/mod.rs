//! The built-in functions, by category, and their registry.
//!
//! Every function receives its argument expressions unevaluated (so IF,
//! IFERROR and CHOOSE evaluate only the branch they need) and the evaluation
//! context; it returns a value, or for INDEX/OFFSET-like functions a
//! reference.

mod criteria;
mod datetime;
mod dynamic;
mod engineering;
mod financial;
mod info;
mod logical;
mod lookup;
mod math;
mod reference;
mod stats;
mod text;

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::ast::Expr;
use crate::eval::{Ctx, Operand};
use crate::value::{ErrorKind, Value};

pub use criteria::Criterion;
pub use datetime::{date_to_serial, serial_to_date, EPOCH_1904_OFFSET};

pub(crate) type ValueFn = fn(&Ctx, &[Expr]) -> Result<Value, ErrorKind>;
pub(crate) type RefFn = fn(&Ctx, &[Expr]) -> Result<Operand, ErrorKind>;

#[derive(Clone, Copy)]
pub(crate) enum Body {
    Value(ValueFn),
    Ref(RefFn),
}

/// One built-in: its name, how many arguments it takes, its body.
#[derive(Clone, Copy)]
pub(crate) struct Def {
    pub name: &'static str,
    pub min: usize,
    pub max: usize,
    pub body: Body,
    pub volatile: bool,
}

/// Any number of arguments.
pub(crate) const MANY: usize = usize::MAX;

pub(crate) const fn f(name: &'static str, min: usize, max: usize, body: ValueFn) -> Def {
    Def {
        name,
        min,
        max,
        body: Body::Value(body),
        volatile: false,
    }
}

pub(crate) const fn r(name: &'static str, min: usize, max: usize, body: RefFn) -> Def {
    Def {
        name,
        min,
        max,
        body: Body::Ref(body),
        volatile: false,
    }
}

pub(crate) const fn volatile(def: Def) -> Def {
    Def {
        volatile: true,
        ..def
    }
}

struct Registry {
    defs: Vec<Def>,
    by_name: HashMap<&'static str, u16>,
}

fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let defs: Vec<Def> = [
            math::DEFS,
            stats::DEFS,
            logical::DEFS,
            text::DEFS,
            lookup::DEFS,
            datetime::DEFS,
            info::DEFS,
            financial::DEFS,
            engineering::DEFS,
            reference::DEFS,
            dynamic::DEFS,
        ]
        .concat();
        let by_name = defs
            .iter()
            .enumerate()
            .map(|(i, d)| {
                (
                    d.name,
                    u16::try_from(i).expect("fewer than 65536 functions"),
                )
            })
            .collect();
        Registry { defs, by_name }
    })
}

/// The registry index of a function name (upper case, without `_xlfn.`).
#[must_use]
pub fn lookup(name: &str) -> Option<u16> {
    registry().by_name.get(name).copied()
}

/// The name of a built-in.
#[must_use]
pub fn name(index: u16) -> &'static str {
    registry()
        .defs
        .get(usize::from(index))
        .map_or("#NAME?", |d| d.name)
}

/// (minimum, maximum) number of arguments.
#[must_use]
pub fn arity(index: u16) -> (usize, usize) {
    registry()
        .defs
        .get(usize::from(index))
        .map_or((0, MANY), |d| (d.min, d.max))
}

#[must_use]
pub fn is_volatile(index: u16) -> bool {
    registry()
        .defs
        .get(usize::from(index))
        .is_some_and(|d| d.volatile)
}

/// Every built-in function name, in registry order.
#[must_use]
pub fn names() -> Vec<&'static str> {
    registry().defs.iter().map(|d| d.name).collect()
}

pub(crate) fn call(index: u16, ctx: &Ctx, args: &[Expr]) -> Operand {
    let Some(def) = registry().defs.get(usize::from(index)) else {
        return Operand::Value(Value::Error(ErrorKind::Name));
    };
    if args.len() < def.min || args.len() > def.max {
        return Operand::Value(Value::Error(ErrorKind::Value));
    }
    match def.body {
        Body::Value(body) => Operand::Value(body(ctx, args).unwrap_or_else(Value::Error)),
        Body::Ref(body) => body(ctx, args).unwrap_or_else(|e| Operand::Value(Value::Error(e))),
    }
}

/// Wraps a finite result as a number value, #NUM! otherwise.
pub(crate) fn num(n: f64) -> Result<Value, ErrorKind> {
    if n.is_finite() {
        Ok(Value::number(n))
    } else {
        Err(ErrorKind::Num)
    }
}

/// Truncates toward zero to an integer argument (Excel truncates).
#[allow(clippy::cast_possible_truncation)]
pub(crate) fn to_i64(n: f64) -> Result<i64, ErrorKind> {
    if n.is_finite() && n.abs() < 9.0e15 {
        Ok(n.trunc() as i64)
    } else {
        Err(ErrorKind::Num)
    }
}
