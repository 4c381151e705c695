//! Math and trigonometry functions.

use std::cell::Cell;

use super::criteria::Criterion;
use super::{f, num, to_i64, volatile, Def, MANY};
use crate::ast::Expr;
use crate::eval::Ctx;
use crate::value::{ErrorKind, Value};

type R = Result<Value, ErrorKind>;

pub(crate) const DEFS: &[Def] = &[
    f("SUM", 1, MANY, sum),
    f("SUMSQ", 1, MANY, |c, a| {
        num(c.numbers(a)?.iter().map(|x| x * x).sum())
    }),
    f("PRODUCT", 1, MANY, |c, a| {
        num(c.numbers(a)?.iter().product())
    }),
    f("ABS", 1, 1, |c, a| unary(c, a, f64::abs)),
    f("SIGN", 1, 1, |c, a| {
        unary(c, a, |x| {
            if x > 0.0 {
                1.0
            } else if x < 0.0 {
                -1.0
            } else {
                0.0
            }
        })
    }),
    f("SQRT", 1, 1, |c, a| {
        checked(c, a, |x| {
            if x < 0.0 {
                Err(ErrorKind::Num)
            } else {
                Ok(x.sqrt())
            }
        })
    }),
    f("SQRTPI", 1, 1, |c, a| {
        checked(c, a, |x| {
            if x < 0.0 {
                Err(ErrorKind::Num)
            } else {
                Ok((x * std::f64::consts::PI).sqrt())
            }
        })
    }),
    f("POWER", 2, 2, |c, a| {
        Ok(crate::eval::power(c.num(&a[0])?, c.num(&a[1])?))
    }),
    f("EXP", 1, 1, |c, a| unary(c, a, f64::exp)),
    f("LN", 1, 1, |c, a| {
        checked(c, a, |x| {
            if x <= 0.0 {
                Err(ErrorKind::Num)
            } else {
                Ok(x.ln())
            }
        })
    }),
    f("LOG10", 1, 1, |c, a| {
        checked(c, a, |x| {
            if x <= 0.0 {
                Err(ErrorKind::Num)
            } else {
                Ok(x.log10())
            }
        })
    }),
    f("LOG", 1, 2, log),
    f("MOD", 2, 2, |c, a| {
        let (n, d) = (c.num(&a[0])?, c.num(&a[1])?);
        if d == 0.0 {
            return Err(ErrorKind::Div0);
        }
        num(n - d * (n / d).floor())
    }),
    f("QUOTIENT", 2, 2, |c, a| {
        let (n, d) = (c.num(&a[0])?, c.num(&a[1])?);
        if d == 0.0 {
            return Err(ErrorKind::Div0);
        }
        num((n / d).trunc())
    }),
    f("INT", 1, 1, |c, a| unary(c, a, f64::floor)),
    f("TRUNC", 1, 2, |c, a| {
        let x = c.num(&a[0])?;
        let d = c.num_or(a, 1, 0.0)?.trunc();
        num(round_with(x, d, f64::trunc))
    }),
    f("ROUND", 2, 2, |c, a| {
        num(round_half_away(c.num(&a[0])?, c.num(&a[1])?.trunc()))
    }),
    f("ROUNDUP", 2, 2, |c, a| {
        num(round_with(c.num(&a[0])?, c.num(&a[1])?.trunc(), |x| {
            if x >= 0.0 {
                x.ceil()
            } else {
                x.floor()
            }
        }))
    }),
    f("ROUNDDOWN", 2, 2, |c, a| {
        num(round_with(c.num(&a[0])?, c.num(&a[1])?.trunc(), f64::trunc))
    }),
    f("MROUND", 2, 2, |c, a| {
        let (x, m) = (c.num(&a[0])?, c.num(&a[1])?);
        if m == 0.0 {
            return Ok(Value::Number(0.0));
        }
        if x * m < 0.0 {
            return Err(ErrorKind::Num);
        }
        num(round_half_away(x / m, 0.0) * m)
    }),
    f("CEILING", 2, 2, |c, a| {
        let (x, s) = (c.num(&a[0])?, c.num(&a[1])?);
        if s == 0.0 {
            return Ok(Value::Number(0.0));
        }
        if x > 0.0 && s < 0.0 {
            return Err(ErrorKind::Num);
        }
        num(snap(x / s, f64::ceil) * s)
    }),
    f("CEILING.MATH", 1, 3, |c, a| {
        let x = c.num(&a[0])?;
        let s = c.num_or(a, 1, 1.0)?.abs();
        let mode = c.num_or(a, 2, 0.0)?;
        if s == 0.0 {
            return Ok(Value::Number(0.0));
        }
        let away = x < 0.0 && mode != 0.0;
        num(if away {
            (x / s).floor() * s
        } else {
            (x / s).ceil() * s
        })
    }),
    f("CEILING.PRECISE", 1, 2, |c, a| {
        let x = c.num(&a[0])?;
        let s = c.num_or(a, 1, 1.0)?.abs();
        if s == 0.0 {
            return Ok(Value::Number(0.0));
        }
        num((x / s).ceil() * s)
    }),
    f("FLOOR", 2, 2, |c, a| {
        let (x, s) = (c.num(&a[0])?, c.num(&a[1])?);
        if s == 0.0 {
            return if x == 0.0 {
                Ok(Value::Number(0.0))
            } else {
                Err(ErrorKind::Div0)
            };
        }
        if x > 0.0 && s < 0.0 {
            return Err(ErrorKind::Num);
        }
        num(snap(x / s, f64::floor) * s)
    }),
    f("FLOOR.MATH", 1, 3, |c, a| {
        let x = c.num(&a[0])?;
        let s = c.num_or(a, 1, 1.0)?.abs();
        let mode = c.num_or(a, 2, 0.0)?;
        if s == 0.0 {
            return Ok(Value::Number(0.0));
        }
        let toward_zero = x < 0.0 && mode != 0.0;
        num(if toward_zero {
            (x / s).ceil() * s
        } else {
            (x / s).floor() * s
        })
    }),
    f("FLOOR.PRECISE", 1, 2, |c, a| {
        let x = c.num(&a[0])?;
        let s = c.num_or(a, 1, 1.0)?.abs();
        if s == 0.0 {
            return Ok(Value::Number(0.0));
        }
        num((x / s).floor() * s)
    }),
    f("EVEN", 1, 1, |c, a| {
        unary(c, a, |x| (x.abs() / 2.0).ceil() * 2.0 * x.signum())
    }),
    f("ODD", 1, 1, |c, a| {
        unary(c, a, |x| {
            let m = x.abs().ceil();
            let o = if m % 2.0 == 0.0 { m + 1.0 } else { m };
            if x < 0.0 {
                -o
            } else {
                o
            }
        })
    }),
    f("PI", 0, 0, |_, _| Ok(Value::Number(std::f64::consts::PI))),
    volatile(f("RAND", 0, 0, |_, _| Ok(Value::Number(next_random())))),
    volatile(f("RANDBETWEEN", 2, 2, |c, a| {
        let (lo, hi) = (c.num(&a[0])?.ceil(), c.num(&a[1])?.floor());
        if lo > hi {
            return Err(ErrorKind::Num);
        }
        num(lo + (next_random() * (hi - lo + 1.0)).floor())
    })),
    f("SIN", 1, 1, |c, a| unary(c, a, f64::sin)),
    f("COS", 1, 1, |c, a| unary(c, a, f64::cos)),
    f("TAN", 1, 1, |c, a| unary(c, a, f64::tan)),
    f("ASIN", 1, 1, |c, a| {
        checked(c, a, |x| in_unit(x).map(f64::asin))
    }),
    f("ACOS", 1, 1, |c, a| {
        checked(c, a, |x| in_unit(x).map(f64::acos))
    }),
    f("ATAN", 1, 1, |c, a| unary(c, a, f64::atan)),
    f("ATAN2", 2, 2, |c, a| {
        let (x, y) = (c.num(&a[0])?, c.num(&a[1])?);
        if x == 0.0 && y == 0.0 {
            return Err(ErrorKind::Div0);
        }
        num(y.atan2(x))
    }),
    f("SINH", 1, 1, |c, a| unary(c, a, f64::sinh)),
    f("COSH", 1, 1, |c, a| unary(c, a, f64::cosh)),
    f("TANH", 1, 1, |c, a| unary(c, a, f64::tanh)),
    f("ASINH", 1, 1, |c, a| unary(c, a, f64::asinh)),
    f("ACOSH", 1, 1, |c, a| {
        checked(c, a, |x| {
            if x < 1.0 {
                Err(ErrorKind::Num)
            } else {
                Ok(x.acosh())
            }
        })
    }),
    f("ATANH", 1, 1, |c, a| {
        checked(c, a, |x| {
            if x.abs() >= 1.0 {
                Err(ErrorKind::Num)
            } else {
                Ok(x.atanh())
            }
        })
    }),
    f("COT", 1, 1, |c, a| {
        checked(c, a, |x| nonzero(x).map(|x| 1.0 / x.tan()))
    }),
    f("CSC", 1, 1, |c, a| {
        checked(c, a, |x| nonzero(x).map(|x| 1.0 / x.sin()))
    }),
    f("SEC", 1, 1, |c, a| unary(c, a, |x| 1.0 / x.cos())),
    f("COTH", 1, 1, |c, a| {
        checked(c, a, |x| nonzero(x).map(|x| 1.0 / x.tanh()))
    }),
    f("CSCH", 1, 1, |c, a| {
        checked(c, a, |x| nonzero(x).map(|x| 1.0 / x.sinh()))
    }),
    f("SECH", 1, 1, |c, a| unary(c, a, |x| 1.0 / x.cosh())),
    f("ACOT", 1, 1, |c, a| {
        unary(c, a, |x| std::f64::consts::FRAC_PI_2 - x.atan())
    }),
    f("ACOTH", 1, 1, |c, a| {
        checked(c, a, |x| {
            if x.abs() <= 1.0 {
                Err(ErrorKind::Num)
            } else {
                Ok(0.5 * ((x + 1.0) / (x - 1.0)).ln())
            }
        })
    }),
    f("DEGREES", 1, 1, |c, a| unary(c, a, f64::to_degrees)),
    f("RADIANS", 1, 1, |c, a| unary(c, a, f64::to_radians)),
    f("FACT", 1, 1, |c, a| {
        let n = c.num(&a[0])?.trunc();
        if n < 0.0 {
            return Err(ErrorKind::Num);
        }
        num(factorial(n))
    }),
    f("FACTDOUBLE", 1, 1, |c, a| {
        let n = c.num(&a[0])?.trunc();
        if n < -1.0 {
            return Err(ErrorKind::Num);
        }
        let mut p = 1.0;
        let mut k = n;
        while k > 1.0 {
            p *= k;
            k -= 2.0;
        }
        num(p)
    }),
    f("COMBIN", 2, 2, |c, a| {
        let (n, k) = (c.num(&a[0])?.trunc(), c.num(&a[1])?.trunc());
        combin(n, k)
    }),
    f("COMBINA", 2, 2, |c, a| {
        let (n, k) = (c.num(&a[0])?.trunc(), c.num(&a[1])?.trunc());
        if n < 0.0 || k < 0.0 {
            return Err(ErrorKind::Num);
        }
        if n == 0.0 && k == 0.0 {
            return Ok(Value::Number(1.0));
        }
        combin(n + k - 1.0, k)
    }),
    f("PERMUT", 2, 2, |c, a| {
        let (n, k) = (c.num(&a[0])?.trunc(), c.num(&a[1])?.trunc());
        if n < 0.0 || k < 0.0 || k > n {
            return Err(ErrorKind::Num);
        }
        num(((n - k + 1.0) as u64..=n as u64)
            .map(|x| x as f64)
            .product())
    }),
    f("PERMUTATIONA", 2, 2, |c, a| {
        let (n, k) = (c.num(&a[0])?.trunc(), c.num(&a[1])?.trunc());
        if n < 0.0 || k < 0.0 {
            return Err(ErrorKind::Num);
        }
        num(n.powf(k))
    }),
    f("GCD", 1, MANY, |c, a| {
        let mut g = 0.0;
        for x in c.numbers(a)? {
            if x < 0.0 {
                return Err(ErrorKind::Num);
            }
            g = gcd(g, x.trunc());
        }
        num(g)
    }),
    f("LCM", 1, MANY, |c, a| {
        let mut l = 1.0;
        for x in c.numbers(a)? {
            if x < 0.0 {
                return Err(ErrorKind::Num);
            }
            let x = x.trunc();
            if x == 0.0 {
                return Ok(Value::Number(0.0));
            }
            l = l * x / gcd(l, x);
        }
        num(l)
    }),
    f("SUMIF", 2, 3, |c, a| {
        let range = c.table(&a[0]);
        let crit = Criterion::new(&c.scalar(&a[1]));
        let target = if a.len() == 3 {
            c.table(&a[2])
        } else {
            c.table(&a[0])
        };
        let mut total = 0.0;
        for r in 0..range.rows() {
            for col in 0..range.cols() {
                if crit.matches(&range.get(r, col)) {
                    match target.get(r, col) {
                        Value::Number(n) => total += n,
                        Value::Error(e) => return Err(e),
                        _ => {}
                    }
                }
            }
        }
        num(total)
    }),
    f("SUMIFS", 3, MANY, |c, a| {
        let target = c.table(&a[0]);
        let rows = super::criteria::matching_cells(c, &a[1..], target.rows(), target.cols())?;
        let mut total = 0.0;
        for (r, col) in rows {
            match target.get(r, col) {
                Value::Number(n) => total += n,
                Value::Error(e) => return Err(e),
                _ => {}
            }
        }
        num(total)
    }),
    f("SUMPRODUCT", 1, MANY, |c, a| {
        let tables: Vec<_> = a.iter().map(|e| c.table(e)).collect();
        let (rows, cols) = (tables[0].rows(), tables[0].cols());
        if tables.iter().any(|t| t.rows() != rows || t.cols() != cols) {
            return Err(ErrorKind::Value);
        }
        let mut total = 0.0;
        for r in 0..rows {
            for col in 0..cols {
                let mut p = 1.0;
                for t in &tables {
                    match t.get(r, col) {
                        Value::Number(n) => p *= n,
                        Value::Error(e) => return Err(e),
                        _ => p = 0.0,
                    }
                }
                total += p;
            }
        }
        num(total)
    }),
    f("SUMX2MY2", 2, 2, |c, a| {
        pairwise(c, a, |x, y| x * x - y * y)
    }),
    f("SUMX2PY2", 2, 2, |c, a| {
        pairwise(c, a, |x, y| x * x + y * y)
    }),
    f("SUMXMY2", 2, 2, |c, a| {
        pairwise(c, a, |x, y| (x - y) * (x - y))
    }),
    f("MULTINOMIAL", 1, MANY, |c, a| {
        let xs = c.numbers(a)?;
        if xs.iter().any(|x| *x < 0.0) {
            return Err(ErrorKind::Num);
        }
        let total: f64 = xs.iter().map(|x| x.trunc()).sum();
        let denom: f64 = xs.iter().map(|x| factorial(x.trunc())).product();
        num(factorial(total) / denom)
    }),
    f("SERIESSUM", 4, 4, |c, a| {
        let (x, n, m) = (c.num(&a[0])?, c.num(&a[1])?, c.num(&a[2])?);
        let coefs = c.numbers(&a[3..4])?;
        num(coefs
            .iter()
            .enumerate()
            .map(|(i, k)| k * x.powf(n + m * i as f64))
            .sum())
    }),
    f("SUBTOTAL", 2, MANY, |c, a| {
        let code = to_i64(c.num(&a[0])?)? % 100;
        let xs = c.numbers(&a[1..])?;
        super::stats::aggregate_code(code, &xs, c, &a[1..])
    }),
    f("BASE", 2, 3, |c, a| {
        let n = c.num(&a[0])?.trunc();
        let radix = c.num(&a[1])?.trunc();
        let min_len = c.num_or(a, 2, 0.0)?.trunc();
        if n < 0.0 || !(2.0..=36.0).contains(&radix) || min_len < 0.0 || n >= 2f64.powi(53) {
            return Err(ErrorKind::Num);
        }
        let s = to_radix(n as u64, radix as u32);
        Ok(Value::from(format!(
            "{s:0>width$}",
            width = min_len as usize
        )))
    }),
    f("DECIMAL", 2, 2, |c, a| {
        let t = c.text(&a[0])?;
        let radix = c.num(&a[1])?.trunc();
        if !(2.0..=36.0).contains(&radix) {
            return Err(ErrorKind::Num);
        }
        u64::from_str_radix(t.trim(), radix as u32)
            .map(|n| Value::Number(n as f64))
            .map_err(|_| ErrorKind::Num)
    }),
    f("ROMAN", 1, 2, |c, a| {
        let n = c.num(&a[0])?.trunc();
        if !(0.0..4000.0).contains(&n) {
            return Err(ErrorKind::Value);
        }
        Ok(Value::from(roman(n as u32)))
    }),
    f("ARABIC", 1, 1, |c, a| {
        let t = c.text(&a[0])?;
        arabic(t.trim()).map(|n| Value::Number(f64::from(n)))
    }),
];

fn sum(c: &Ctx, a: &[Expr]) -> R {
    // Memoised running sums: SUM(A$1:A{n}) reuses SUM(A$1:A{n-1}) within
    // one recalculation (see eval::SumMemo).
    if let (Some(memo), [Expr::Area(area)]) = (c.memo, a) {
        let rect = area.rect;
        let sheet = area.sheet.unwrap_or(c.sheet);
        if rect.c1 == rect.c2 && rect.r2 > rect.r1 && rect.rows() < 1_048_576 {
            let key = (sheet, rect.c1, rect.r1, rect.r2);
            if let Some(hit) = memo.borrow().get(&key) {
                return hit.map(Value::Number);
            }
            let prev = memo
                .borrow()
                .get(&(sheet, rect.c1, rect.r1, rect.r2 - 1))
                .copied();
            let result = match prev {
                Some(Ok(s)) => match c.grid.value(sheet, rect.r2, rect.c1) {
                    Value::Number(n) => Ok(s + n),
                    Value::Error(e) => Err(e),
                    _ => Ok(s),
                },
                Some(Err(e)) => Err(e),
                None => c.numbers(a).map(|xs| xs.iter().sum()),
            };
            memo.borrow_mut().insert(key, result);
            return result.and_then(num);
        }
    }
    num(c.numbers(a)?.iter().sum())
}

fn unary(c: &Ctx, a: &[Expr], op: fn(f64) -> f64) -> R {
    num(op(c.num(&a[0])?))
}

fn checked(c: &Ctx, a: &[Expr], op: impl Fn(f64) -> Result<f64, ErrorKind>) -> R {
    num(op(c.num(&a[0])?)?)
}

fn in_unit(x: f64) -> Result<f64, ErrorKind> {
    if x.abs() > 1.0 {
        Err(ErrorKind::Num)
    } else {
        Ok(x)
    }
}

fn nonzero(x: f64) -> Result<f64, ErrorKind> {
    if x == 0.0 {
        Err(ErrorKind::Div0)
    } else {
        Ok(x)
    }
}

fn log(c: &Ctx, a: &[Expr]) -> R {
    let x = c.num(&a[0])?;
    let base = c.num_or(a, 1, 10.0)?;
    if x <= 0.0 || base <= 0.0 {
        return Err(ErrorKind::Num);
    }
    if base == 1.0 {
        return Err(ErrorKind::Div0);
    }
    num(x.ln() / base.ln())
}

/// Rounds `x` to `digits` decimals with `op` applied to the scaled value;
/// the scaled value is first cleaned of binary noise (2.675*100 = 267.49999).
pub(crate) fn round_with(x: f64, digits: f64, op: fn(f64) -> f64) -> f64 {
    let p = 10f64.powf(digits);
    let scaled = x * p;
    let cleaned = (scaled * 1e9).round() / 1e9;
    let cleaned = if (cleaned - scaled).abs() < 1e-7 * scaled.abs().max(1.0) {
        cleaned
    } else {
        scaled
    };
    op(cleaned) / p
}

/// ROUND: halves away from zero.
pub(crate) fn round_half_away(x: f64, digits: f64) -> f64 {
    round_with(x, digits, f64::round)
}

fn snap(q: f64, op: fn(f64) -> f64) -> f64 {
    op((q * 1e9).round() / 1e9)
}

pub(crate) fn factorial(n: f64) -> f64 {
    if n > 170.0 {
        return f64::INFINITY;
    }
    (1..=n as u64).map(|x| x as f64).product()
}

fn combin(n: f64, k: f64) -> R {
    if n < 0.0 || k < 0.0 || k > n {
        return Err(ErrorKind::Num);
    }
    let k = k.min(n - k);
    let mut r = 1.0;
    for i in 0..k as u64 {
        r = r * (n - i as f64) / (i as f64 + 1.0);
    }
    num(r.round())
}

fn gcd(mut a: f64, mut b: f64) -> f64 {
    while b != 0.0 {
        let t = a % b;
        a = b;
        b = t;
    }
    a
}

fn pairwise(c: &Ctx, a: &[Expr], op: fn(f64, f64) -> f64) -> R {
    let x = c.table(&a[0]).values();
    let y = c.table(&a[1]).values();
    if x.len() != y.len() {
        return Err(ErrorKind::NA);
    }
    let mut total = 0.0;
    for (p, q) in x.iter().zip(&y) {
        if let Value::Error(e) = p {
            return Err(*e);
        }
        if let Value::Error(e) = q {
            return Err(*e);
        }
        if let (Value::Number(p), Value::Number(q)) = (p, q) {
            total += op(*p, *q);
        }
    }
    num(total)
}

fn to_radix(mut n: u64, radix: u32) -> String {
    if n == 0 {
        return "0".into();
    }
    let mut digits = Vec::new();
    while n > 0 {
        digits.push(
            std::char::from_digit((n % u64::from(radix)) as u32, radix)
                .unwrap_or('0')
                .to_ascii_uppercase(),
        );
        n /= u64::from(radix);
    }
    digits.iter().rev().collect()
}

fn roman(mut n: u32) -> String {
    const TABLE: [(u32, &str); 13] = [
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    let mut out = String::new();
    for (v, s) in TABLE {
        while n >= v {
            out.push_str(s);
            n -= v;
        }
    }
    out
}

fn arabic(s: &str) -> Result<i32, ErrorKind> {
    let (neg, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let mut total = 0;
    let mut prev = 0;
    for ch in s.chars().rev() {
        let v = match ch.to_ascii_uppercase() {
            'I' => 1,
            'V' => 5,
            'X' => 10,
            'L' => 50,
            'C' => 100,
            'D' => 500,
            'M' => 1000,
            _ => return Err(ErrorKind::Value),
        };
        if v < prev {
            total -= v;
        } else {
            total += v;
            prev = v;
        }
    }
    Ok(if neg { -total } else { total })
}

thread_local! {
    static SEED: Cell<u64> = const { Cell::new(0x9E37_79B9_7F4A_7C15) };
}

/// xorshift64*: RAND needs no cryptographic quality, and this works the same
/// natively and in WebAssembly (no OS entropy source needed).
pub(crate) fn next_random() -> f64 {
    SEED.with(|s| {
        let mut x = s.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        s.set(x);
        (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    })
}
