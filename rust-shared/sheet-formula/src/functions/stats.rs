//! Statistical functions.

use super::criteria::{matching_cells, Criterion};
use super::{f, num, Def, MANY};
use crate::ast::Expr;
use crate::eval::Ctx;
use crate::value::{ErrorKind, Value};

type R = Result<Value, ErrorKind>;

pub(crate) const DEFS: &[Def] = &[
    f("AVERAGE", 1, MANY, |c, a| mean(&c.numbers(a)?)),
    f("AVERAGEA", 1, MANY, |c, a| mean(&c.numbers_a(a)?)),
    f("AVERAGEIF", 2, 3, |c, a| {
        let range = c.table(&a[0]);
        let crit = Criterion::new(&c.scalar(&a[1]));
        let target = if a.len() == 3 {
            c.table(&a[2])
        } else {
            c.table(&a[0])
        };
        let mut xs = Vec::new();
        for r in 0..range.rows() {
            for col in 0..range.cols() {
                if crit.matches(&range.get(r, col)) {
                    push_number(&mut xs, &target.get(r, col))?;
                }
            }
        }
        mean(&xs)
    }),
    f("AVERAGEIFS", 3, MANY, |c, a| mean(&ifs_numbers(c, a)?)),
    f("COUNT", 1, MANY, |c, a| {
        let mut n = 0.0;
        for e in a {
            c.for_each_arg_value(e, &mut |v, direct| {
                match v {
                    Value::Number(_) => n += 1.0,
                    Value::Bool(_) if direct => n += 1.0,
                    Value::Text(_) if direct && v.to_number().is_ok() => n += 1.0,
                    _ => {}
                }
                Ok(())
            })?;
        }
        Ok(Value::Number(n))
    }),
    f("COUNTA", 1, MANY, |c, a| {
        let mut n = 0.0;
        for e in a {
            if matches!(e, Expr::Missing) {
                continue;
            }
            c.for_each_arg_value(e, &mut |v, _| {
                if !v.is_empty() {
                    n += 1.0;
                }
                Ok(())
            })?;
        }
        Ok(Value::Number(n))
    }),
    f("COUNTBLANK", 1, 1, |c, a| {
        let t = c.table(&a[0]);
        let mut n = 0.0;
        for v in t.values() {
            if v.is_empty() || matches!(&v, Value::Text(s) if s.is_empty()) {
                n += 1.0;
            }
        }
        Ok(Value::Number(n))
    }),
    f("COUNTIF", 2, 2, |c, a| {
        let t = c.table(&a[0]);
        let crit = Criterion::new(&c.scalar(&a[1]));
        let mut n = 0.0;
        for r in 0..t.rows() {
            for col in 0..t.cols() {
                if crit.matches(&t.get(r, col)) {
                    n += 1.0;
                }
            }
        }
        Ok(Value::Number(n))
    }),
    f("COUNTIFS", 2, MANY, |c, a| {
        let first = c.table(&a[0]);
        #[allow(clippy::cast_precision_loss)]
        Ok(Value::Number(
            matching_cells(c, a, first.rows(), first.cols())?.len() as f64,
        ))
    }),
    f("MAX", 1, MANY, |c, a| {
        Ok(Value::Number(
            c.numbers(a)?.into_iter().reduce(f64::max).unwrap_or(0.0),
        ))
    }),
    f("MAXA", 1, MANY, |c, a| {
        Ok(Value::Number(
            c.numbers_a(a)?.into_iter().reduce(f64::max).unwrap_or(0.0),
        ))
    }),
    f("MIN", 1, MANY, |c, a| {
        Ok(Value::Number(
            c.numbers(a)?.into_iter().reduce(f64::min).unwrap_or(0.0),
        ))
    }),
    f("MINA", 1, MANY, |c, a| {
        Ok(Value::Number(
            c.numbers_a(a)?.into_iter().reduce(f64::min).unwrap_or(0.0),
        ))
    }),
    f("MAXIFS", 3, MANY, |c, a| {
        Ok(Value::Number(
            ifs_numbers(c, a)?
                .into_iter()
                .reduce(f64::max)
                .unwrap_or(0.0),
        ))
    }),
    f("MINIFS", 3, MANY, |c, a| {
        Ok(Value::Number(
            ifs_numbers(c, a)?
                .into_iter()
                .reduce(f64::min)
                .unwrap_or(0.0),
        ))
    }),
    f("MEDIAN", 1, MANY, |c, a| {
        let mut xs = c.numbers(a)?;
        if xs.is_empty() {
            return Err(ErrorKind::Num);
        }
        sort(&mut xs);
        let n = xs.len();
        num(if n % 2 == 1 {
            xs[n / 2]
        } else {
            f64::midpoint(xs[n / 2 - 1], xs[n / 2])
        })
    }),
    f("MODE", 1, MANY, mode),
    f("MODE.SNGL", 1, MANY, mode),
    f("LARGE", 2, 2, |c, a| {
        let mut xs = c.numbers(&a[..1])?;
        let k = c.num(&a[1])?.ceil();
        sort(&mut xs);
        xs.reverse();
        kth(&xs, k)
    }),
    f("SMALL", 2, 2, |c, a| {
        let mut xs = c.numbers(&a[..1])?;
        let k = c.num(&a[1])?.ceil();
        sort(&mut xs);
        kth(&xs, k)
    }),
    f("RANK", 2, 3, |c, a| rank(c, a, false)),
    f("RANK.EQ", 2, 3, |c, a| rank(c, a, false)),
    f("RANK.AVG", 2, 3, |c, a| rank(c, a, true)),
    f("STDEV", 1, MANY, |c, a| {
        variance(&c.numbers(a)?, true).and_then(|v| num(v.sqrt()))
    }),
    f("STDEV.S", 1, MANY, |c, a| {
        variance(&c.numbers(a)?, true).and_then(|v| num(v.sqrt()))
    }),
    f("STDEVP", 1, MANY, |c, a| {
        variance(&c.numbers(a)?, false).and_then(|v| num(v.sqrt()))
    }),
    f("STDEV.P", 1, MANY, |c, a| {
        variance(&c.numbers(a)?, false).and_then(|v| num(v.sqrt()))
    }),
    f("STDEVA", 1, MANY, |c, a| {
        variance(&c.numbers_a(a)?, true).and_then(|v| num(v.sqrt()))
    }),
    f("STDEVPA", 1, MANY, |c, a| {
        variance(&c.numbers_a(a)?, false).and_then(|v| num(v.sqrt()))
    }),
    f("VAR", 1, MANY, |c, a| {
        variance(&c.numbers(a)?, true).and_then(num)
    }),
    f("VAR.S", 1, MANY, |c, a| {
        variance(&c.numbers(a)?, true).and_then(num)
    }),
    f("VARP", 1, MANY, |c, a| {
        variance(&c.numbers(a)?, false).and_then(num)
    }),
    f("VAR.P", 1, MANY, |c, a| {
        variance(&c.numbers(a)?, false).and_then(num)
    }),
    f("VARA", 1, MANY, |c, a| {
        variance(&c.numbers_a(a)?, true).and_then(num)
    }),
    f("VARPA", 1, MANY, |c, a| {
        variance(&c.numbers_a(a)?, false).and_then(num)
    }),
    f("AVEDEV", 1, MANY, |c, a| {
        let xs = c.numbers(a)?;
        let m = mean_f(&xs)?;
        num(xs.iter().map(|x| (x - m).abs()).sum::<f64>() / xs.len() as f64)
    }),
    f("DEVSQ", 1, MANY, |c, a| {
        let xs = c.numbers(a)?;
        let m = mean_f(&xs)?;
        num(xs.iter().map(|x| (x - m) * (x - m)).sum())
    }),
    f("GEOMEAN", 1, MANY, |c, a| {
        let xs = c.numbers(a)?;
        if xs.is_empty() || xs.iter().any(|x| *x <= 0.0) {
            return Err(ErrorKind::Num);
        }
        num((xs.iter().map(|x| x.ln()).sum::<f64>() / xs.len() as f64).exp())
    }),
    f("HARMEAN", 1, MANY, |c, a| {
        let xs = c.numbers(a)?;
        if xs.is_empty() || xs.iter().any(|x| *x <= 0.0) {
            return Err(ErrorKind::Num);
        }
        num(xs.len() as f64 / xs.iter().map(|x| 1.0 / x).sum::<f64>())
    }),
    f("PERCENTILE", 2, 2, percentile_inc),
    f("PERCENTILE.INC", 2, 2, percentile_inc),
    f("PERCENTILE.EXC", 2, 2, |c, a| {
        let mut xs = c.numbers(&a[..1])?;
        let k = c.num(&a[1])?;
        percentile_exc(&mut xs, k)
    }),
    f("QUARTILE", 2, 2, quartile_inc),
    f("QUARTILE.INC", 2, 2, quartile_inc),
    f("QUARTILE.EXC", 2, 2, |c, a| {
        let mut xs = c.numbers(&a[..1])?;
        let q = c.num(&a[1])?.trunc();
        if !(1.0..=3.0).contains(&q) {
            return Err(ErrorKind::Num);
        }
        percentile_exc(&mut xs, q / 4.0)
    }),
    f("PERCENTRANK", 2, 3, percentrank),
    f("PERCENTRANK.INC", 2, 3, percentrank),
    f("CORREL", 2, 2, correl),
    f("PEARSON", 2, 2, correl),
    f("COVAR", 2, 2, |c, a| covariance(c, a, false)),
    f("COVARIANCE.P", 2, 2, |c, a| covariance(c, a, false)),
    f("COVARIANCE.S", 2, 2, |c, a| covariance(c, a, true)),
    f("SLOPE", 2, 2, |c, a| {
        let (ys, xs) = pairs(c, a)?;
        let (slope, _) = regression(&xs, &ys)?;
        num(slope)
    }),
    f("INTERCEPT", 2, 2, |c, a| {
        let (ys, xs) = pairs(c, a)?;
        let (_, intercept) = regression(&xs, &ys)?;
        num(intercept)
    }),
    f("RSQ", 2, 2, |c, a| {
        let r = correl(c, a)?.to_number()?;
        num(r * r)
    }),
    f("FORECAST", 3, 3, forecast),
    f("FORECAST.LINEAR", 3, 3, forecast),
    f("STEYX", 2, 2, |c, a| {
        let (ys, xs) = pairs(c, a)?;
        let n = xs.len() as f64;
        if xs.len() < 3 {
            return Err(ErrorKind::Div0);
        }
        let (slope, intercept) = regression(&xs, &ys)?;
        let sse: f64 = xs
            .iter()
            .zip(&ys)
            .map(|(x, y)| (y - (intercept + slope * x)).powi(2))
            .sum();
        num((sse / (n - 2.0)).sqrt())
    }),
    f("SKEW", 1, MANY, |c, a| {
        let xs = c.numbers(a)?;
        let n = xs.len() as f64;
        if xs.len() < 3 {
            return Err(ErrorKind::Div0);
        }
        let m = mean_f(&xs)?;
        let s = variance(&xs, true)?.sqrt();
        if s == 0.0 {
            return Err(ErrorKind::Div0);
        }
        num(n / ((n - 1.0) * (n - 2.0)) * xs.iter().map(|x| ((x - m) / s).powi(3)).sum::<f64>())
    }),
    f("KURT", 1, MANY, |c, a| {
        let xs = c.numbers(a)?;
        let n = xs.len() as f64;
        if xs.len() < 4 {
            return Err(ErrorKind::Div0);
        }
        let m = mean_f(&xs)?;
        let s = variance(&xs, true)?.sqrt();
        if s == 0.0 {
            return Err(ErrorKind::Div0);
        }
        let sum4: f64 = xs.iter().map(|x| ((x - m) / s).powi(4)).sum();
        num(n * (n + 1.0) / ((n - 1.0) * (n - 2.0) * (n - 3.0)) * sum4
            - 3.0 * (n - 1.0).powi(2) / ((n - 2.0) * (n - 3.0)))
    }),
    f("STANDARDIZE", 3, 3, |c, a| {
        let (x, m, s) = (c.num(&a[0])?, c.num(&a[1])?, c.num(&a[2])?);
        if s <= 0.0 {
            return Err(ErrorKind::Num);
        }
        num((x - m) / s)
    }),
    f("TRIMMEAN", 2, 2, |c, a| {
        let mut xs = c.numbers(&a[..1])?;
        let p = c.num(&a[1])?;
        if !(0.0..1.0).contains(&p) || xs.is_empty() {
            return Err(ErrorKind::Num);
        }
        sort(&mut xs);
        let cut = ((xs.len() as f64 * p / 2.0).floor()) as usize;
        mean(&xs[cut..xs.len() - cut])
    }),
    f("NORM.S.DIST", 2, 2, |c, a| {
        let z = c.num(&a[0])?;
        num(if c.boolean(&a[1])? {
            norm_cdf(z)
        } else {
            norm_pdf(z)
        })
    }),
    f("NORMSDIST", 1, 1, |c, a| num(norm_cdf(c.num(&a[0])?))),
    f("NORM.DIST", 4, 4, norm_dist),
    f("NORMDIST", 4, 4, norm_dist),
    f("NORM.S.INV", 1, 1, |c, a| {
        norm_inv(c.num(&a[0])?).and_then(num)
    }),
    f("NORMSINV", 1, 1, |c, a| {
        norm_inv(c.num(&a[0])?).and_then(num)
    }),
    f("NORM.INV", 3, 3, norm_inv3),
    f("NORMINV", 3, 3, norm_inv3),
    f("PHI", 1, 1, |c, a| num(norm_pdf(c.num(&a[0])?))),
    f("GAUSS", 1, 1, |c, a| num(norm_cdf(c.num(&a[0])?) - 0.5)),
    f("EXPON.DIST", 3, 3, |c, a| {
        let (x, l) = (c.num(&a[0])?, c.num(&a[1])?);
        if x < 0.0 || l <= 0.0 {
            return Err(ErrorKind::Num);
        }
        num(if c.boolean(&a[2])? {
            1.0 - (-l * x).exp()
        } else {
            l * (-l * x).exp()
        })
    }),
    f("POISSON.DIST", 3, 3, poisson),
    f("POISSON", 3, 3, poisson),
    f("BINOM.DIST", 4, 4, binom),
    f("BINOMDIST", 4, 4, binom),
    f("FISHER", 1, 1, |c, a| {
        let x = c.num(&a[0])?;
        if x.abs() >= 1.0 {
            return Err(ErrorKind::Num);
        }
        num(0.5 * ((1.0 + x) / (1.0 - x)).ln())
    }),
    f("FISHERINV", 1, 1, |c, a| num(c.num(&a[0])?.tanh())),
    f("GAMMALN", 1, 1, |c, a| {
        let x = c.num(&a[0])?;
        if x <= 0.0 {
            return Err(ErrorKind::Num);
        }
        num(ln_gamma(x))
    }),
    f("GAMMALN.PRECISE", 1, 1, |c, a| {
        let x = c.num(&a[0])?;
        if x <= 0.0 {
            return Err(ErrorKind::Num);
        }
        num(ln_gamma(x))
    }),
    f("GAMMA", 1, 1, |c, a| {
        let x = c.num(&a[0])?;
        if x <= 0.0 && x.fract() == 0.0 {
            return Err(ErrorKind::Num);
        }
        num(gamma(x))
    }),
];

fn push_number(xs: &mut Vec<f64>, v: &Value) -> Result<(), ErrorKind> {
    match v {
        Value::Number(n) => xs.push(*n),
        Value::Error(e) => return Err(*e),
        _ => {}
    }
    Ok(())
}

fn ifs_numbers(c: &Ctx, a: &[Expr]) -> Result<Vec<f64>, ErrorKind> {
    let target = c.table(&a[0]);
    let mut xs = Vec::new();
    for (r, col) in matching_cells(c, &a[1..], target.rows(), target.cols())? {
        push_number(&mut xs, &target.get(r, col))?;
    }
    Ok(xs)
}

fn sort(xs: &mut [f64]) {
    xs.sort_by(f64::total_cmp);
}

fn mean_f(xs: &[f64]) -> Result<f64, ErrorKind> {
    if xs.is_empty() {
        return Err(ErrorKind::Div0);
    }
    Ok(xs.iter().sum::<f64>() / xs.len() as f64)
}

fn mean(xs: &[f64]) -> R {
    num(mean_f(xs)?)
}

pub(crate) fn variance(xs: &[f64], sample: bool) -> Result<f64, ErrorKind> {
    let n = xs.len() as f64;
    if xs.is_empty() || (sample && xs.len() < 2) {
        return Err(ErrorKind::Div0);
    }
    let m = xs.iter().sum::<f64>() / n;
    let ss: f64 = xs.iter().map(|x| (x - m) * (x - m)).sum();
    Ok(ss / if sample { n - 1.0 } else { n })
}

fn kth(xs: &[f64], k: f64) -> R {
    if k < 1.0 || k > xs.len() as f64 {
        return Err(ErrorKind::Num);
    }
    num(xs[k as usize - 1])
}

fn mode(c: &Ctx, a: &[Expr]) -> R {
    let xs = c.numbers(a)?;
    let mut best: Option<(f64, usize)> = None;
    for x in &xs {
        let count = xs.iter().filter(|y| *y == x).count();
        if count > 1 && best.is_none_or(|(_, b)| count > b) {
            best = Some((*x, count));
        }
    }
    best.map(|(x, _)| Value::Number(x)).ok_or(ErrorKind::NA)
}

fn rank(c: &Ctx, a: &[Expr], average: bool) -> R {
    let x = c.num(&a[0])?;
    let xs = c.numbers(&a[1..2])?;
    let ascending = c.num_or(a, 2, 0.0)? != 0.0;
    if !xs.contains(&x) {
        return Err(ErrorKind::NA);
    }
    let better = xs
        .iter()
        .filter(|y| if ascending { **y < x } else { **y > x })
        .count() as f64;
    let ties = xs.iter().filter(|y| **y == x).count() as f64;
    num(if average {
        better + f64::midpoint(ties, 1.0)
    } else {
        better + 1.0
    })
}

fn percentile_inc(c: &Ctx, a: &[Expr]) -> R {
    let mut xs = c.numbers(&a[..1])?;
    let k = c.num(&a[1])?;
    percentile_inc_of(&mut xs, k)
}

fn percentile_inc_of(xs: &mut [f64], k: f64) -> R {
    if xs.is_empty() || !(0.0..=1.0).contains(&k) {
        return Err(ErrorKind::Num);
    }
    sort(xs);
    let pos = k * (xs.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let frac = pos - pos.floor();
    let hi = (lo + 1).min(xs.len() - 1);
    num(xs[lo] + frac * (xs[hi] - xs[lo]))
}

fn percentile_exc(xs: &mut [f64], k: f64) -> R {
    let n = xs.len() as f64;
    if xs.is_empty() || k <= 0.0 || k >= 1.0 {
        return Err(ErrorKind::Num);
    }
    let pos = k * (n + 1.0);
    if pos < 1.0 || pos > n {
        return Err(ErrorKind::Num);
    }
    sort(xs);
    let lo = pos.floor() as usize;
    let frac = pos - pos.floor();
    let hi = lo.min(xs.len() - 1);
    num(xs[lo - 1] + frac * (xs[hi] - xs[lo - 1]))
}

fn quartile_inc(c: &Ctx, a: &[Expr]) -> R {
    let mut xs = c.numbers(&a[..1])?;
    let q = c.num(&a[1])?.trunc();
    if !(0.0..=4.0).contains(&q) {
        return Err(ErrorKind::Num);
    }
    percentile_inc_of(&mut xs, q / 4.0)
}

fn percentrank(c: &Ctx, a: &[Expr]) -> R {
    let mut xs = c.numbers(&a[..1])?;
    let x = c.num(&a[1])?;
    let digits = c.num_or(a, 2, 3.0)?.trunc();
    if xs.is_empty() || digits < 1.0 {
        return Err(ErrorKind::Num);
    }
    sort(&mut xs);
    if x < xs[0] || x > xs[xs.len() - 1] {
        return Err(ErrorKind::NA);
    }
    let n = xs.len() as f64;
    let below = xs.iter().filter(|y| **y < x).count() as f64;
    let rank = if xs.contains(&x) {
        below / (n - 1.0).max(1.0)
    } else {
        let i = xs.iter().position(|y| *y > x).unwrap_or(xs.len() - 1);
        let (lo, hi) = (xs[i - 1], xs[i]);
        ((i - 1) as f64 + (x - lo) / (hi - lo)) / (n - 1.0)
    };
    let p = 10f64.powf(digits);
    num((rank * p + 1e-9).floor() / p)
}

/// Numeric pairs of two same-sized ranges (cells where either side is not a
/// number are skipped).
fn pairs(c: &Ctx, a: &[Expr]) -> Result<(Vec<f64>, Vec<f64>), ErrorKind> {
    let x = c.table(&a[0]).values();
    let y = c.table(&a[1]).values();
    if x.len() != y.len() {
        return Err(ErrorKind::NA);
    }
    let mut xs = Vec::new();
    let mut ys = Vec::new();
    for (p, q) in x.iter().zip(&y) {
        if let Value::Error(e) = p {
            return Err(*e);
        }
        if let Value::Error(e) = q {
            return Err(*e);
        }
        if let (Value::Number(p), Value::Number(q)) = (p, q) {
            xs.push(*p);
            ys.push(*q);
        }
    }
    Ok((xs, ys))
}

fn regression(xs: &[f64], ys: &[f64]) -> Result<(f64, f64), ErrorKind> {
    let mx = mean_f(xs)?;
    let my = mean_f(ys)?;
    let sxy: f64 = xs.iter().zip(ys).map(|(x, y)| (x - mx) * (y - my)).sum();
    let sxx: f64 = xs.iter().map(|x| (x - mx) * (x - mx)).sum();
    if sxx == 0.0 {
        return Err(ErrorKind::Div0);
    }
    let slope = sxy / sxx;
    Ok((slope, my - slope * mx))
}

fn correl(c: &Ctx, a: &[Expr]) -> R {
    let (xs, ys) = pairs(c, a)?;
    let mx = mean_f(&xs)?;
    let my = mean_f(&ys)?;
    let sxy: f64 = xs.iter().zip(&ys).map(|(x, y)| (x - mx) * (y - my)).sum();
    let sxx: f64 = xs.iter().map(|x| (x - mx) * (x - mx)).sum();
    let syy: f64 = ys.iter().map(|y| (y - my) * (y - my)).sum();
    if sxx == 0.0 || syy == 0.0 {
        return Err(ErrorKind::Div0);
    }
    num(sxy / (sxx * syy).sqrt())
}

fn covariance(c: &Ctx, a: &[Expr], sample: bool) -> R {
    let (xs, ys) = pairs(c, a)?;
    let n = xs.len() as f64;
    if xs.is_empty() || (sample && xs.len() < 2) {
        return Err(ErrorKind::Div0);
    }
    let mx = mean_f(&xs)?;
    let my = mean_f(&ys)?;
    let sxy: f64 = xs.iter().zip(&ys).map(|(x, y)| (x - mx) * (y - my)).sum();
    num(sxy / if sample { n - 1.0 } else { n })
}

fn forecast(c: &Ctx, a: &[Expr]) -> R {
    let x = c.num(&a[0])?;
    let (ys, xs) = pairs(c, &a[1..])?;
    let (slope, intercept) = regression(&xs, &ys)?;
    num(intercept + slope * x)
}

/// SUBTOTAL's function codes (1-11; 101-111 share them here since hidden
/// rows do not exist in this engine).
pub(crate) fn aggregate_code(code: i64, xs: &[f64], c: &Ctx, args: &[Expr]) -> R {
    match code {
        1 => mean(xs),
        2 => Ok(Value::Number(xs.len() as f64)),
        3 => {
            let mut n = 0.0;
            for e in args {
                c.for_each_arg_value(e, &mut |v, _| {
                    if !v.is_empty() {
                        n += 1.0;
                    }
                    Ok(())
                })?;
            }
            Ok(Value::Number(n))
        }
        4 => Ok(Value::Number(
            xs.iter().copied().reduce(f64::max).unwrap_or(0.0),
        )),
        5 => Ok(Value::Number(
            xs.iter().copied().reduce(f64::min).unwrap_or(0.0),
        )),
        6 => num(xs.iter().product()),
        7 => num(variance(xs, true)?.sqrt()),
        8 => num(variance(xs, false)?.sqrt()),
        9 => num(xs.iter().sum()),
        10 => num(variance(xs, true)?),
        11 => num(variance(xs, false)?),
        _ => Err(ErrorKind::Value),
    }
}

pub(crate) fn norm_pdf(z: f64) -> f64 {
    (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

pub(crate) fn norm_cdf(z: f64) -> f64 {
    0.5 * erfc(-z / std::f64::consts::SQRT_2)
}

/// Complementary error function (W. J. Cody's rational approximations via
/// the continued fraction for large x), accurate to ~1e-15.
pub(crate) fn erfc(x: f64) -> f64 {
    if x < 0.0 {
        return 2.0 - erfc(-x);
    }
    if x < 2.5 {
        return 1.0 - erf_series(x);
    }
    // Lentz's continued fraction for erfc.
    let mut f;
    let tiny = 1e-300;
    let b0 = x;
    f = b0;
    let mut cc = b0;
    let mut d = 0.0;
    for k in 1..300 {
        let ak = f64::from(k) / 2.0;
        let bk = x;
        d = bk + ak * d;
        if d.abs() < tiny {
            d = tiny;
        }
        cc = bk + ak / cc;
        if cc.abs() < tiny {
            cc = tiny;
        }
        d = 1.0 / d;
        let delta = cc * d;
        f *= delta;
        if (delta - 1.0).abs() < 1e-16 {
            break;
        }
    }
    (-x * x).exp() / (f * std::f64::consts::PI.sqrt())
}

fn erf_series(x: f64) -> f64 {
    // erf(x) = 2/sqrt(pi) * sum (-1)^n x^(2n+1) / (n! (2n+1))
    let mut sum = 0.0;
    let mut term = x;
    for n in 0..60 {
        let nf = f64::from(n);
        sum += term / (2.0 * nf + 1.0);
        term *= -x * x / (nf + 1.0);
        if term.abs() < 1e-17 {
            break;
        }
    }
    2.0 / std::f64::consts::PI.sqrt() * sum
}

pub(crate) fn erf(x: f64) -> f64 {
    if x.abs() < 2.5 {
        erf_series(x)
    } else {
        1.0 - erfc(x)
    }
}

/// Inverse of the standard normal CDF (Acklam's algorithm with one Newton
/// refinement step).
#[allow(
    clippy::unreadable_literal,
    clippy::excessive_precision,
    clippy::items_after_statements
)]
fn norm_inv(p: f64) -> Result<f64, ErrorKind> {
    if p <= 0.0 || p >= 1.0 {
        return Err(ErrorKind::Num);
    }
    const A: [f64; 6] = [
        -3.969683028665376e1,
        2.209460984245205e2,
        -2.759285104469687e2,
        1.383_577_518_672_69e2,
        -3.066479806614716e1,
        2.506628277459239,
    ];
    const B: [f64; 5] = [
        -5.447609879822406e1,
        1.615858368580409e2,
        -1.556989798598866e2,
        6.680131188771972e1,
        -1.328068155288572e1,
    ];
    const C: [f64; 6] = [
        -7.784894002430293e-3,
        -3.223964580411365e-1,
        -2.400758277161838,
        -2.549732539343734,
        4.374664141464968,
        2.938163982698783,
    ];
    const D: [f64; 4] = [
        7.784695709041462e-3,
        3.224671290700398e-1,
        2.445134137142996,
        3.754408661907416,
    ];
    let plow = 0.02425;
    let x = if p < plow {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - plow {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        let q = (-2.0 * (1.0 - p).ln()).sqrt();
        -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    let e = norm_cdf(x) - p;
    let u = e * (2.0 * std::f64::consts::PI).sqrt() * (x * x / 2.0).exp();
    Ok(x - u / (1.0 + x * u / 2.0))
}

fn norm_dist(c: &Ctx, a: &[Expr]) -> R {
    let (x, m, s) = (c.num(&a[0])?, c.num(&a[1])?, c.num(&a[2])?);
    if s <= 0.0 {
        return Err(ErrorKind::Num);
    }
    let z = (x - m) / s;
    num(if c.boolean(&a[3])? {
        norm_cdf(z)
    } else {
        norm_pdf(z) / s
    })
}

fn norm_inv3(c: &Ctx, a: &[Expr]) -> R {
    let (p, m, s) = (c.num(&a[0])?, c.num(&a[1])?, c.num(&a[2])?);
    if s <= 0.0 {
        return Err(ErrorKind::Num);
    }
    num(m + s * norm_inv(p)?)
}

fn poisson(c: &Ctx, a: &[Expr]) -> R {
    let x = c.num(&a[0])?.trunc();
    let l = c.num(&a[1])?;
    if x < 0.0 || l < 0.0 {
        return Err(ErrorKind::Num);
    }
    let pmf = |k: f64| (k * l.ln() - l - ln_gamma(k + 1.0)).exp();
    if c.boolean(&a[2])? {
        num((0..=x as u64)
            .map(|k| {
                if l == 0.0 {
                    f64::from(u8::from(k == 0))
                } else {
                    pmf(k as f64)
                }
            })
            .sum())
    } else if l == 0.0 {
        num(f64::from(u8::from(x == 0.0)))
    } else {
        num(pmf(x))
    }
}

fn binom(c: &Ctx, a: &[Expr]) -> R {
    let k = c.num(&a[0])?.trunc();
    let n = c.num(&a[1])?.trunc();
    let p = c.num(&a[2])?;
    if k < 0.0 || k > n || !(0.0..=1.0).contains(&p) {
        return Err(ErrorKind::Num);
    }
    let pmf = |i: f64| {
        let lc = ln_gamma(n + 1.0) - ln_gamma(i + 1.0) - ln_gamma(n - i + 1.0);
        if p == 0.0 {
            return f64::from(u8::from(i == 0.0));
        }
        if p == 1.0 {
            return f64::from(u8::from(i == n));
        }
        (lc + i * p.ln() + (n - i) * (1.0 - p).ln()).exp()
    };
    if c.boolean(&a[3])? {
        num((0..=k as u64).map(|i| pmf(i as f64)).sum())
    } else {
        num(pmf(k))
    }
}

/// ln Γ(x) by the Lanczos approximation (g = 7, n = 9).
pub(crate) fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        return (std::f64::consts::PI / (std::f64::consts::PI * x).sin())
            .abs()
            .ln()
            - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = G[0];
    let t = x + 7.5;
    for (i, g) in G.iter().enumerate().skip(1) {
        a += g / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

fn gamma(x: f64) -> f64 {
    if x < 0.5 {
        return std::f64::consts::PI / ((std::f64::consts::PI * x).sin() * gamma(1.0 - x));
    }
    if x.fract() == 0.0 && x < 171.0 {
        return super::math::factorial(x - 1.0);
    }
    ln_gamma(x).exp()
}
