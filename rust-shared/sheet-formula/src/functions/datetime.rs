//! Date and time functions over Excel's 1900 date system (serial 1 is
//! 1900-01-01; serial 60 is the nonexistent 1900-02-29 Excel keeps for
//! Lotus compatibility). In a 1904 workbook (serial 0 is 1904-01-01) date
//! arguments are moved to the 1900 system on the way in and date results
//! back on the way out (`Ctx::epoch_offset`).

use super::{f, num, volatile, Def};
use crate::ast::Expr;
use crate::eval::Ctx;
use crate::value::{ErrorKind, Value};

/// Days from 0000-03-01-based civil calendar (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// 1900-system serial of 1904-01-01, serial 0 of the 1904 date system.
pub const EPOCH_1904_OFFSET: f64 = 1462.0;

/// The serial number of a date; months and days may overflow (DATE(2024,14,1)).
#[must_use]
pub fn date_to_serial(year: i64, month: i64, day: i64) -> f64 {
    let y = year + (month - 1).div_euclid(12);
    let m = (month - 1).rem_euclid(12) + 1;
    let days = days_from_civil(y, m, 1) + day - 1;
    let serial = days - days_from_civil(1899, 12, 30);
    #[allow(clippy::cast_precision_loss)]
    if serial < 61 {
        (serial - 1) as f64
    } else {
        serial as f64
    }
}

/// (year, month, day) of a serial number's integer part.
#[must_use]
pub fn serial_to_date(serial: f64) -> (i64, i64, i64) {
    #[allow(clippy::cast_possible_truncation)]
    let s = serial.floor() as i64;
    if s == 0 {
        return (1900, 1, 0);
    }
    if s == 60 {
        return (1900, 2, 29);
    }
    let base = days_from_civil(1899, 12, 30);
    civil_from_days(base + if s < 60 { s + 1 } else { s })
}

fn date_arg(c: &Ctx, e: &Expr) -> Result<f64, ErrorKind> {
    let v = c.scalar(e);
    let n = match &v {
        Value::Text(s) => parse_date_time(s).ok_or(ErrorKind::Value)?,
        _ => v.to_number()? + c.epoch_offset(),
    };
    if !(0.0..2_958_466.0).contains(&n) {
        return Err(ErrorKind::Num);
    }
    Ok(n)
}

/// The holidays argument (third) of NETWORKDAYS/WORKDAY, as 1900 serials.
fn holidays(c: &Ctx, a: &[Expr]) -> Result<Vec<f64>, ErrorKind> {
    if a.len() <= 2 {
        return Ok(Vec::new());
    }
    let offset = c.epoch_offset();
    Ok(c.numbers(&a[2..3])?
        .into_iter()
        .map(|h| h + offset)
        .collect())
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ => {
            if is_leap(y) {
                29
            } else {
                28
            }
        }
    }
}

pub(crate) const DEFS: &[Def] = &[
    f("DATE", 3, 3, |c, a| {
        let y = c.num(&a[0])?.trunc();
        let m = c.num(&a[1])?.trunc();
        let d = c.num(&a[2])?.trunc();
        let y = if (0.0..1900.0).contains(&y) {
            y + 1900.0
        } else {
            y
        };
        if !(1900.0..10000.0).contains(&y) || m.abs() > 1e6 || d.abs() > 1e8 {
            return Err(ErrorKind::Num);
        }
        let s = date_to_serial(y as i64, m as i64, d as i64) - c.epoch_offset();
        if s < 0.0 {
            return Err(ErrorKind::Num);
        }
        num(s)
    }),
    f("TIME", 3, 3, |c, a| {
        let (h, m, s) = (
            c.num(&a[0])?.trunc(),
            c.num(&a[1])?.trunc(),
            c.num(&a[2])?.trunc(),
        );
        let total = h * 3600.0 + m * 60.0 + s;
        if total < 0.0 {
            return Err(ErrorKind::Num);
        }
        num((total / 86400.0).fract())
    }),
    volatile(f("TODAY", 0, 0, |c, _| {
        num(c.grid.now().floor() - c.epoch_offset())
    })),
    volatile(f("NOW", 0, 0, |c, _| num(c.grid.now() - c.epoch_offset()))),
    f("YEAR", 1, 1, |c, a| {
        Ok(Value::Number(serial_to_date(date_arg(c, &a[0])?).0 as f64))
    }),
    f("MONTH", 1, 1, |c, a| {
        Ok(Value::Number(serial_to_date(date_arg(c, &a[0])?).1 as f64))
    }),
    f("DAY", 1, 1, |c, a| {
        Ok(Value::Number(serial_to_date(date_arg(c, &a[0])?).2 as f64))
    }),
    f("HOUR", 1, 1, |c, a| {
        Ok(Value::Number(
            (seconds_of_day(date_arg(c, &a[0])?) / 3600) as f64,
        ))
    }),
    f("MINUTE", 1, 1, |c, a| {
        Ok(Value::Number(
            (seconds_of_day(date_arg(c, &a[0])?) / 60 % 60) as f64,
        ))
    }),
    f("SECOND", 1, 1, |c, a| {
        Ok(Value::Number(
            (seconds_of_day(date_arg(c, &a[0])?) % 60) as f64,
        ))
    }),
    f("WEEKDAY", 1, 2, |c, a| {
        let s = date_arg(c, &a[0])?.floor();
        let kind = c.num_or(a, 1, 1.0)?.trunc() as i64;
        // Serial 1 (1900-01-01) is a Sunday in Excel's calendar.
        let sunday0 = ((s as i64) - 1).rem_euclid(7); // 0 = Sunday
        let v = match kind {
            1 | 17 => sunday0 + 1,
            2 | 11 => (sunday0 + 6) % 7 + 1,
            3 => (sunday0 + 6) % 7,
            12..=16 => (sunday0 - (kind - 10)).rem_euclid(7) + 1,
            _ => return Err(ErrorKind::Num),
        };
        Ok(Value::Number(v as f64))
    }),
    f("WEEKNUM", 1, 2, |c, a| {
        let s = date_arg(c, &a[0])?.floor();
        let kind = c.num_or(a, 1, 1.0)?.trunc() as i64;
        if kind == 21 {
            return Ok(Value::Number(iso_week(s) as f64));
        }
        let start = match kind {
            1 | 17 => 0,
            2 | 11 => 1,
            12 => 2,
            13 => 3,
            14 => 4,
            15 => 5,
            16 => 6,
            _ => return Err(ErrorKind::Num),
        };
        let (y, _, _) = serial_to_date(s);
        let jan1 = date_to_serial(y, 1, 1);
        let jan1_dow = ((jan1 as i64) - 1).rem_euclid(7);
        let offset = (jan1_dow - start).rem_euclid(7);
        Ok(Value::Number((((s - jan1) as i64 + offset) / 7 + 1) as f64))
    }),
    f("ISOWEEKNUM", 1, 1, |c, a| {
        Ok(Value::Number(iso_week(date_arg(c, &a[0])?.floor()) as f64))
    }),
    f("EDATE", 2, 2, |c, a| {
        let s = date_arg(c, &a[0])?;
        let months = c.num(&a[1])?.trunc() as i64;
        let (y, m, d) = serial_to_date(s);
        let total = y * 12 + (m - 1) + months;
        let (ny, nm) = (total.div_euclid(12), total.rem_euclid(12) + 1);
        let r = date_to_serial(ny, nm, d.min(days_in_month(ny, nm))) - c.epoch_offset();
        if r < 0.0 {
            return Err(ErrorKind::Num);
        }
        num(r)
    }),
    f("EOMONTH", 2, 2, |c, a| {
        let s = date_arg(c, &a[0])?;
        let months = c.num(&a[1])?.trunc() as i64;
        let (y, m, _) = serial_to_date(s);
        let total = y * 12 + (m - 1) + months;
        let (ny, nm) = (total.div_euclid(12), total.rem_euclid(12) + 1);
        let r = date_to_serial(ny, nm, days_in_month(ny, nm)) - c.epoch_offset();
        if r < 0.0 {
            return Err(ErrorKind::Num);
        }
        num(r)
    }),
    f("DATEDIF", 3, 3, |c, a| {
        let start = date_arg(c, &a[0])?.floor();
        let end = date_arg(c, &a[1])?.floor();
        let unit = c.text(&a[2])?.to_ascii_uppercase();
        if start > end {
            return Err(ErrorKind::Num);
        }
        let (y1, m1, d1) = serial_to_date(start);
        let (y2, m2, d2) = serial_to_date(end);
        let months = (y2 - y1) * 12 + (m2 - m1) - i64::from(d2 < d1);
        let v = match unit.as_str() {
            "D" => end - start,
            "M" => months as f64,
            "Y" => (months / 12) as f64,
            "YM" => (months % 12) as f64,
            "MD" => {
                if d2 >= d1 {
                    (d2 - d1) as f64
                } else {
                    let (py, pm) = if m2 == 1 { (y2 - 1, 12) } else { (y2, m2 - 1) };
                    (days_in_month(py, pm) - d1 + d2) as f64
                }
            }
            "YD" => {
                let shifted = date_to_serial(y2, m1, d1);
                let anchor = if shifted > end {
                    date_to_serial(y2 - 1, m1, d1)
                } else {
                    shifted
                };
                end - anchor
            }
            _ => return Err(ErrorKind::Num),
        };
        num(v)
    }),
    f("DAYS", 2, 2, |c, a| {
        num(date_arg(c, &a[0])?.floor() - date_arg(c, &a[1])?.floor())
    }),
    f("DAYS360", 2, 3, |c, a| {
        let (y1, m1, mut d1) = serial_to_date(date_arg(c, &a[0])?);
        let (y2, m2, mut d2) = serial_to_date(date_arg(c, &a[1])?);
        let european = c.bool_or(a, 2, false)?;
        if european {
            d1 = d1.min(30);
            d2 = d2.min(30);
        } else {
            let last_feb = |y: i64, m: i64, d: i64| m == 2 && d == days_in_month(y, 2);
            if last_feb(y1, m1, d1) {
                d1 = 30;
            }
            if d1 == 31 {
                d1 = 30;
            }
            if d2 == 31 && d1 >= 30 {
                d2 = 30;
            }
        }
        num(((y2 - y1) * 360 + (m2 - m1) * 30 + (d2 - d1)) as f64)
    }),
    f("NETWORKDAYS", 2, 3, |c, a| {
        let s = date_arg(c, &a[0])?.floor();
        let e = date_arg(c, &a[1])?.floor();
        let holidays = holidays(c, a)?;
        let (lo, hi, sign) = if s <= e { (s, e, 1.0) } else { (e, s, -1.0) };
        if hi - lo > 1e6 {
            return Err(ErrorKind::Num);
        }
        let mut n = 0.0;
        let mut d = lo;
        while d <= hi {
            if is_workday(d, &holidays) {
                n += 1.0;
            }
            d += 1.0;
        }
        num(sign * n)
    }),
    f("WORKDAY", 2, 3, |c, a| {
        let mut d = date_arg(c, &a[0])?.floor();
        let days = c.num(&a[1])?.trunc();
        let holidays = holidays(c, a)?;
        if days.abs() > 1e6 {
            return Err(ErrorKind::Num);
        }
        let step = if days >= 0.0 { 1.0 } else { -1.0 };
        let mut left = days.abs();
        while left > 0.0 {
            d += step;
            if is_workday(d, &holidays) {
                left -= 1.0;
            }
        }
        num(d - c.epoch_offset())
    }),
    f("DATEVALUE", 1, 1, |c, a| {
        let s = c.text(&a[0])?;
        parse_date_time(&s)
            .map(|n| Value::Number(n.floor() - c.epoch_offset()))
            .ok_or(ErrorKind::Value)
    }),
    f("TIMEVALUE", 1, 1, |c, a| {
        let s = c.text(&a[0])?;
        parse_date_time(&s)
            .map(|n| Value::Number(n.fract()))
            .ok_or(ErrorKind::Value)
    }),
    f("YEARFRAC", 2, 3, |c, a| {
        let mut s = date_arg(c, &a[0])?.floor();
        let mut e = date_arg(c, &a[1])?.floor();
        let basis = c.num_or(a, 2, 0.0)?.trunc() as i64;
        if s > e {
            std::mem::swap(&mut s, &mut e);
        }
        let (y1, m1, mut d1) = serial_to_date(s);
        let (y2, m2, mut d2) = serial_to_date(e);
        let v = match basis {
            0 => {
                if d1 == 31 {
                    d1 = 30;
                }
                if d2 == 31 && d1 >= 30 {
                    d2 = 30;
                }
                if m1 == 2 && d1 == days_in_month(y1, 2) {
                    d1 = 30;
                    if m2 == 2 && d2 == days_in_month(y2, 2) {
                        d2 = 30;
                    }
                }
                ((y2 - y1) * 360 + (m2 - m1) * 30 + (d2 - d1)) as f64 / 360.0
            }
            1 => {
                let years = (y2 - y1 + 1) as f64;
                let days: f64 = (y1..=y2)
                    .map(|y| if is_leap(y) { 366.0 } else { 365.0 })
                    .sum();
                let avg = if y1 == y2 || (y2 == y1 + 1 && (m2, d2) <= (m1, d1)) {
                    let spans_leap = (y1 == y2 && is_leap(y1))
                        || (y2 == y1 + 1
                            && ((is_leap(y1) && (m1, d1) <= (2, 29))
                                || (is_leap(y2) && (m2, d2) >= (2, 29))));
                    if spans_leap {
                        366.0
                    } else {
                        365.0
                    }
                } else {
                    days / years
                };
                (e - s) / avg
            }
            2 => (e - s) / 360.0,
            3 => (e - s) / 365.0,
            4 => {
                let d1 = d1.min(30);
                let d2 = d2.min(30);
                ((y2 - y1) * 360 + (m2 - m1) * 30 + (d2 - d1)) as f64 / 360.0
            }
            _ => return Err(ErrorKind::Num),
        };
        num(v)
    }),
];

fn seconds_of_day(serial: f64) -> i64 {
    ((serial.fract() * 86400.0).round() as i64).rem_euclid(86400)
}

fn is_workday(d: f64, holidays: &[f64]) -> bool {
    let dow = ((d as i64) - 1).rem_euclid(7); // 0 = Sunday
    dow != 0 && dow != 6 && !holidays.iter().any(|h| h.floor() == d)
}

fn iso_week(s: f64) -> i64 {
    let (y, _, _) = serial_to_date(s);
    let dow_mon0 = ((s as i64) - 2).rem_euclid(7); // 0 = Monday
    let thursday = s - dow_mon0 as f64 + 3.0;
    let (ty, _, _) = serial_to_date(thursday);
    let jan1 = date_to_serial(ty, 1, 1);
    let _ = y;
    ((thursday - jan1) as i64) / 7 + 1
}

/// Parses `2024-01-31`, `1/31/2024`, `31-Jan-2024`, `13:45`, `1:45 PM`,
/// `2024-01-31 13:45:10` into a serial number.
#[must_use]
pub fn parse_date_time(text: &str) -> Option<f64> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    let (date_part, time_part) = match t.split_once(' ') {
        Some((d, rest)) if d.contains(['-', '/']) => (Some(d), Some(rest.trim())),
        _ if t.contains(':') => (None, Some(t)),
        _ => (Some(t), None),
    };
    let mut serial = 0.0;
    if let Some(d) = date_part {
        serial += parse_date(d)?;
    }
    if let Some(tp) = time_part {
        serial += parse_time(tp)?;
    }
    Some(serial)
}

fn parse_date(d: &str) -> Option<f64> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let parts: Vec<&str> = d.split(['-', '/']).collect();
    if parts.len() != 3 {
        return None;
    }
    let month_name = |s: &str| {
        MONTHS
            .iter()
            .position(|m| s.to_ascii_lowercase().starts_with(m))
            .map(|i| i as i64 + 1)
    };
    let (y, m, day) = if parts[0].len() == 4 {
        (
            parts[0].parse().ok()?,
            parts[1].parse().ok().or_else(|| month_name(parts[1]))?,
            parts[2].parse().ok()?,
        )
    } else if let Some(m) = month_name(parts[1]) {
        (parts[2].parse().ok()?, m, parts[0].parse().ok()?)
    } else {
        (
            parts[2].parse().ok()?,
            parts[0].parse().ok()?,
            parts[1].parse().ok()?,
        )
    };
    let y: i64 = if y < 100 {
        if y < 30 {
            2000 + y
        } else {
            1900 + y
        }
    } else {
        y
    };
    if !(1..=12).contains(&m) || day < 1 || day > days_in_month(y, m) || !(1900..10000).contains(&y)
    {
        return None;
    }
    Some(date_to_serial(y, m, day))
}

fn parse_time(tp: &str) -> Option<f64> {
    let lower = tp.to_ascii_lowercase();
    let (clock, pm) = if let Some(rest) = lower.strip_suffix("pm") {
        (rest.trim().to_string(), Some(true))
    } else if let Some(rest) = lower.strip_suffix("am") {
        (rest.trim().to_string(), Some(false))
    } else {
        (lower.clone(), None)
    };
    let parts: Vec<&str> = clock.split(':').collect();
    if parts.is_empty() || parts.len() > 3 {
        return None;
    }
    let mut h: f64 = parts[0].trim().parse().ok()?;
    let m: f64 = parts.get(1).map_or(Some(0.0), |p| p.trim().parse().ok())?;
    let s: f64 = parts.get(2).map_or(Some(0.0), |p| p.trim().parse().ok())?;
    if let Some(pm) = pm {
        if !(1.0..=12.0).contains(&h) {
            return None;
        }
        h = h % 12.0 + if pm { 12.0 } else { 0.0 };
    }
    if !(0.0..60.0).contains(&m) || !(0.0..60.0).contains(&s) || h < 0.0 {
        return None;
    }
    Some((h * 3600.0 + m * 60.0 + s) / 86400.0)
}
