//! Financial functions (annuities, depreciation, cash flows).

use super::{f, num, Def, MANY};
use crate::ast::Expr;
use crate::eval::Ctx;
use crate::value::{ErrorKind, Value};

type R = Result<Value, ErrorKind>;

pub(crate) const DEFS: &[Def] = &[
    f("PMT", 3, 5, |c, a| {
        let (rate, n, pv) = (c.num(&a[0])?, c.num(&a[1])?, c.num(&a[2])?);
        let (fv, ty) = (c.num_or(a, 3, 0.0)?, c.num_or(a, 4, 0.0)? != 0.0);
        num(pmt(rate, n, pv, fv, ty)?)
    }),
    f("IPMT", 4, 6, |c, a| {
        let (rate, per, n, pv) = (c.num(&a[0])?, c.num(&a[1])?, c.num(&a[2])?, c.num(&a[3])?);
        let (fv, ty) = (c.num_or(a, 4, 0.0)?, c.num_or(a, 5, 0.0)? != 0.0);
        num(ipmt(rate, per, n, pv, fv, ty)?)
    }),
    f("PPMT", 4, 6, |c, a| {
        let (rate, per, n, pv) = (c.num(&a[0])?, c.num(&a[1])?, c.num(&a[2])?, c.num(&a[3])?);
        let (fv, ty) = (c.num_or(a, 4, 0.0)?, c.num_or(a, 5, 0.0)? != 0.0);
        num(pmt(rate, n, pv, fv, ty)? - ipmt(rate, per, n, pv, fv, ty)?)
    }),
    f("PV", 3, 5, |c, a| {
        let (rate, n, p) = (c.num(&a[0])?, c.num(&a[1])?, c.num(&a[2])?);
        let (fv, ty) = (c.num_or(a, 3, 0.0)?, c.num_or(a, 4, 0.0)? != 0.0);
        if rate == 0.0 {
            return num(-fv - p * n);
        }
        let g = (1.0 + rate).powf(n);
        num((-fv - p * (1.0 + rate * f64::from(u8::from(ty))) * (g - 1.0) / rate) / g)
    }),
    f("FV", 3, 5, |c, a| {
        let (rate, n, p) = (c.num(&a[0])?, c.num(&a[1])?, c.num(&a[2])?);
        let (pv, ty) = (c.num_or(a, 3, 0.0)?, c.num_or(a, 4, 0.0)? != 0.0);
        num(fv(rate, n, p, pv, ty))
    }),
    f("NPER", 3, 5, |c, a| {
        let (rate, p, pv) = (c.num(&a[0])?, c.num(&a[1])?, c.num(&a[2])?);
        let (fv, ty) = (c.num_or(a, 3, 0.0)?, c.num_or(a, 4, 0.0)? != 0.0);
        if rate == 0.0 {
            if p == 0.0 {
                return Err(ErrorKind::Div0);
            }
            return num(-(pv + fv) / p);
        }
        let t = p * (1.0 + rate * f64::from(u8::from(ty))) / rate;
        let ratio = (t - fv) / (t + pv);
        if ratio <= 0.0 {
            return Err(ErrorKind::Num);
        }
        num(ratio.ln() / (1.0 + rate).ln())
    }),
    f("RATE", 3, 6, |c, a| {
        let (n, p, pv) = (c.num(&a[0])?, c.num(&a[1])?, c.num(&a[2])?);
        let (fv, ty) = (c.num_or(a, 3, 0.0)?, c.num_or(a, 4, 0.0)? != 0.0);
        let mut rate = c.num_or(a, 5, 0.1)?;
        let t = f64::from(u8::from(ty));
        for _ in 0..100 {
            let g = (1.0 + rate).powf(n);
            let (y, dy) = if rate.abs() < 1e-10 {
                (pv + p * n + fv, pv * n + p * n * (n - 1.0) / 2.0)
            } else {
                let y = pv * g + p * (1.0 + rate * t) * (g - 1.0) / rate + fv;
                let dg = n * (1.0 + rate).powf(n - 1.0);
                let dy = pv * dg
                    + p * t * (g - 1.0) / rate
                    + p * (1.0 + rate * t) * (dg * rate - (g - 1.0)) / (rate * rate);
                (y, dy)
            };
            if dy == 0.0 {
                return Err(ErrorKind::Num);
            }
            let next = rate - y / dy;
            if (next - rate).abs() < 1e-10 {
                return num(next);
            }
            rate = next;
        }
        Err(ErrorKind::Num)
    }),
    f("NPV", 2, MANY, |c, a| {
        let rate = c.num(&a[0])?;
        let flows = c.numbers(&a[1..])?;
        num(flows
            .iter()
            .enumerate()
            .map(|(i, v)| v / (1.0 + rate).powi(i as i32 + 1))
            .sum())
    }),
    f("IRR", 1, 2, |c, a| {
        let flows = c.numbers(&a[..1])?;
        let guess = c.num_or(a, 1, 0.1)?;
        irr(&flows, guess).and_then(num)
    }),
    f("MIRR", 3, 3, |c, a| {
        let flows = c.numbers(&a[..1])?;
        let (fr, rr) = (c.num(&a[1])?, c.num(&a[2])?);
        let n = flows.len() as f64;
        let pos: f64 = flows
            .iter()
            .enumerate()
            .filter(|(_, v)| **v > 0.0)
            .map(|(i, v)| v * (1.0 + rr).powf(n - 1.0 - i as f64))
            .sum();
        let neg: f64 = flows
            .iter()
            .enumerate()
            .filter(|(_, v)| **v < 0.0)
            .map(|(i, v)| v / (1.0 + fr).powf(i as f64))
            .sum();
        if pos == 0.0 || neg == 0.0 {
            return Err(ErrorKind::Div0);
        }
        num((-pos / neg).powf(1.0 / (n - 1.0)) - 1.0)
    }),
    f("SLN", 3, 3, |c, a| {
        let (cost, salvage, life) = (c.num(&a[0])?, c.num(&a[1])?, c.num(&a[2])?);
        if life == 0.0 {
            return Err(ErrorKind::Div0);
        }
        num((cost - salvage) / life)
    }),
    f("SYD", 4, 4, |c, a| {
        let (cost, salvage, life, per) =
            (c.num(&a[0])?, c.num(&a[1])?, c.num(&a[2])?, c.num(&a[3])?);
        if life <= 0.0 || per <= 0.0 || per > life {
            return Err(ErrorKind::Num);
        }
        num((cost - salvage) * (life - per + 1.0) * 2.0 / (life * (life + 1.0)))
    }),
    f("DDB", 4, 5, |c, a| {
        let (cost, salvage, life, per) =
            (c.num(&a[0])?, c.num(&a[1])?, c.num(&a[2])?, c.num(&a[3])?);
        let factor = c.num_or(a, 4, 2.0)?;
        if life <= 0.0 || per <= 0.0 || per > life || cost < 0.0 || salvage < 0.0 || factor <= 0.0 {
            return Err(ErrorKind::Num);
        }
        let mut book = cost;
        let mut dep = 0.0;
        let mut p = 1.0;
        while p <= per {
            dep = (book * factor / life).min((book - salvage).max(0.0));
            book -= dep;
            p += 1.0;
        }
        num(dep)
    }),
    f("DB", 4, 5, |c, a| {
        let (cost, salvage, life, per) =
            (c.num(&a[0])?, c.num(&a[1])?, c.num(&a[2])?, c.num(&a[3])?);
        let month = c.num_or(a, 4, 12.0)?;
        if life <= 0.0
            || per <= 0.0
            || cost <= 0.0
            || per > life + 1.0
            || !(1.0..=12.0).contains(&month)
        {
            return Err(ErrorKind::Num);
        }
        let rate = ((1.0 - (salvage / cost).powf(1.0 / life)) * 1000.0).round() / 1000.0;
        let mut total = 0.0;
        let mut dep = 0.0;
        let mut p = 1.0;
        while p <= per {
            dep = if p == 1.0 {
                cost * rate * month / 12.0
            } else if p == life + 1.0 {
                (cost - total) * rate * (12.0 - month) / 12.0
            } else {
                (cost - total) * rate
            };
            total += dep;
            p += 1.0;
        }
        num(dep)
    }),
    f("EFFECT", 2, 2, |c, a| {
        let (r, n) = (c.num(&a[0])?, c.num(&a[1])?.trunc());
        if r <= 0.0 || n < 1.0 {
            return Err(ErrorKind::Num);
        }
        num((1.0 + r / n).powf(n) - 1.0)
    }),
    f("NOMINAL", 2, 2, |c, a| {
        let (r, n) = (c.num(&a[0])?, c.num(&a[1])?.trunc());
        if r <= 0.0 || n < 1.0 {
            return Err(ErrorKind::Num);
        }
        num(n * ((1.0 + r).powf(1.0 / n) - 1.0))
    }),
    f("CUMIPMT", 6, 6, |c, a| cumulative(c, a, true)),
    f("CUMPRINC", 6, 6, |c, a| cumulative(c, a, false)),
    f("PDURATION", 3, 3, |c, a| {
        let (r, pv, fv) = (c.num(&a[0])?, c.num(&a[1])?, c.num(&a[2])?);
        if r <= 0.0 || pv <= 0.0 || fv <= 0.0 {
            return Err(ErrorKind::Num);
        }
        num((fv.ln() - pv.ln()) / (1.0 + r).ln())
    }),
    f("RRI", 3, 3, |c, a| {
        let (n, pv, fv) = (c.num(&a[0])?, c.num(&a[1])?, c.num(&a[2])?);
        if n <= 0.0 || pv == 0.0 {
            return Err(ErrorKind::Num);
        }
        num((fv / pv).powf(1.0 / n) - 1.0)
    }),
];

fn fv(rate: f64, n: f64, p: f64, pv: f64, ty: bool) -> f64 {
    if rate == 0.0 {
        return -pv - p * n;
    }
    let g = (1.0 + rate).powf(n);
    -pv * g - p * (1.0 + rate * f64::from(u8::from(ty))) * (g - 1.0) / rate
}

fn pmt(rate: f64, n: f64, pv: f64, fv: f64, ty: bool) -> Result<f64, ErrorKind> {
    if n == 0.0 {
        return Err(ErrorKind::Num);
    }
    if rate == 0.0 {
        return Ok(-(pv + fv) / n);
    }
    let g = (1.0 + rate).powf(n);
    Ok(-(rate * (fv + pv * g)) / ((1.0 + rate * f64::from(u8::from(ty))) * (g - 1.0)))
}

fn ipmt(rate: f64, per: f64, n: f64, pv: f64, fv_: f64, ty: bool) -> Result<f64, ErrorKind> {
    if per < 1.0 || per > n {
        return Err(ErrorKind::Num);
    }
    let p = pmt(rate, n, pv, fv_, ty)?;
    if ty && per == 1.0 {
        return Ok(0.0);
    }
    let balance = fv(rate, per - 1.0, p, pv, ty);
    let interest = balance * rate;
    Ok(if ty {
        interest / (1.0 + rate)
    } else {
        interest
    })
}

fn cumulative(c: &Ctx, a: &[Expr], interest: bool) -> R {
    let (rate, n, pv) = (c.num(&a[0])?, c.num(&a[1])?, c.num(&a[2])?);
    let (start, end) = (c.num(&a[3])?.trunc(), c.num(&a[4])?.trunc());
    let ty = c.num(&a[5])?;
    if rate <= 0.0
        || n <= 0.0
        || pv <= 0.0
        || start < 1.0
        || end < start
        || end > n
        || (ty != 0.0 && ty != 1.0)
    {
        return Err(ErrorKind::Num);
    }
    let ty = ty != 0.0;
    let p = pmt(rate, n, pv, 0.0, ty)?;
    let mut total = 0.0;
    let mut per = start;
    while per <= end {
        let i = ipmt(rate, per, n, pv, 0.0, ty)?;
        total += if interest { i } else { p - i };
        per += 1.0;
    }
    num(total)
}

fn irr(flows: &[f64], guess: f64) -> Result<f64, ErrorKind> {
    if !flows.iter().any(|v| *v > 0.0) || !flows.iter().any(|v| *v < 0.0) {
        return Err(ErrorKind::Num);
    }
    let mut r = guess;
    for _ in 0..100 {
        let mut npv = 0.0;
        let mut d = 0.0;
        for (i, v) in flows.iter().enumerate() {
            let t = i as f64;
            npv += v / (1.0 + r).powf(t);
            d -= t * v / (1.0 + r).powf(t + 1.0);
        }
        if d == 0.0 {
            return Err(ErrorKind::Num);
        }
        let next = r - npv / d;
        if (next - r).abs() < 1e-12 {
            return Ok(next);
        }
        r = next;
    }
    Err(ErrorKind::Num)
}
