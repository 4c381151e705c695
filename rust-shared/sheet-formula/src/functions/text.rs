//! Text functions. Positions are in characters (not bytes), 1-based.

use super::{f, num, Def, MANY};
use crate::ast::Expr;
use crate::eval::Ctx;
use crate::format::{format_value, format_value_in};
use crate::value::{parse_number, ErrorKind, Value};

type R = Result<Value, ErrorKind>;

/// Excel's limit on the length of a text value.
const MAX_TEXT: usize = 32_767;

pub(crate) const DEFS: &[Def] = &[
    f("CONCATENATE", 1, MANY, |c, a| {
        let mut s = String::new();
        for e in a {
            s.push_str(&c.text(e)?);
        }
        text(s)
    }),
    f("CONCAT", 1, MANY, |c, a| {
        let mut s = String::new();
        for e in a {
            c.for_each_arg_value(e, &mut |v, _| {
                s.push_str(&v.to_text()?);
                Ok(())
            })?;
        }
        text(s)
    }),
    f("TEXTJOIN", 3, MANY, |c, a| {
        let sep = c.text(&a[0])?;
        let skip_empty = c.boolean(&a[1])?;
        let mut parts = Vec::new();
        for e in &a[2..] {
            c.for_each_arg_value(e, &mut |v, _| {
                let t = v.to_text()?;
                if !(skip_empty && t.is_empty()) {
                    parts.push(t.to_string());
                }
                Ok(())
            })?;
        }
        text(parts.join(&sep))
    }),
    f("LEFT", 1, 2, |c, a| {
        let s = c.text(&a[0])?;
        let n = count_arg(c, a, 1)?;
        text(s.chars().take(n).collect())
    }),
    f("RIGHT", 1, 2, |c, a| {
        let s = c.text(&a[0])?;
        let n = count_arg(c, a, 1)?;
        let len = s.chars().count();
        text(s.chars().skip(len.saturating_sub(n)).collect())
    }),
    f("MID", 3, 3, |c, a| {
        let s = c.text(&a[0])?;
        let start = c.num(&a[1])?.trunc();
        let n = c.num(&a[2])?.trunc();
        if start < 1.0 || n < 0.0 {
            return Err(ErrorKind::Value);
        }
        text(
            s.chars()
                .skip(start as usize - 1)
                .take(n as usize)
                .collect(),
        )
    }),
    f("LEN", 1, 1, |c, a| {
        Ok(Value::Number(c.text(&a[0])?.chars().count() as f64))
    }),
    f("LOWER", 1, 1, |c, a| text(c.text(&a[0])?.to_lowercase())),
    f("UPPER", 1, 1, |c, a| text(c.text(&a[0])?.to_uppercase())),
    f("PROPER", 1, 1, |c, a| {
        let s = c.text(&a[0])?;
        let mut out = String::with_capacity(s.len());
        let mut prev_letter = false;
        for ch in s.chars() {
            if ch.is_alphabetic() {
                if prev_letter {
                    out.extend(ch.to_lowercase());
                } else {
                    out.extend(ch.to_uppercase());
                }
                prev_letter = true;
            } else {
                out.push(ch);
                prev_letter = false;
            }
        }
        text(out)
    }),
    f("TRIM", 1, 1, |c, a| {
        text(
            c.text(&a[0])?
                .split(' ')
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
                .join(" "),
        )
    }),
    f("CLEAN", 1, 1, |c, a| {
        text(
            c.text(&a[0])?
                .chars()
                .filter(|ch| (*ch as u32) >= 32)
                .collect(),
        )
    }),
    f("SUBSTITUTE", 3, 4, |c, a| {
        let s = c.text(&a[0])?;
        let old = c.text(&a[1])?;
        let new = c.text(&a[2])?;
        if old.is_empty() {
            return Ok(Value::Text(s));
        }
        if a.len() == 4 {
            let nth = c.num(&a[3])?.trunc();
            if nth < 1.0 {
                return Err(ErrorKind::Value);
            }
            let mut out = String::new();
            let mut rest: &str = &s;
            let mut i = 0.0;
            while let Some(pos) = rest.find(&*old) {
                i += 1.0;
                if i == nth {
                    out.push_str(&rest[..pos]);
                    out.push_str(&new);
                    out.push_str(&rest[pos + old.len()..]);
                    return text(out);
                }
                out.push_str(&rest[..pos + old.len()]);
                rest = &rest[pos + old.len()..];
            }
            return Ok(Value::Text(s));
        }
        text(s.replace(&*old, &new))
    }),
    f("REPLACE", 4, 4, |c, a| {
        let s: Vec<char> = c.text(&a[0])?.chars().collect();
        let start = c.num(&a[1])?.trunc();
        let n = c.num(&a[2])?.trunc();
        let new = c.text(&a[3])?;
        if start < 1.0 || n < 0.0 {
            return Err(ErrorKind::Value);
        }
        let from = (start as usize - 1).min(s.len());
        let to = (from + n as usize).min(s.len());
        let mut out: String = s[..from].iter().collect();
        out.push_str(&new);
        out.extend(&s[to..]);
        text(out)
    }),
    f("REPT", 2, 2, |c, a| {
        let s = c.text(&a[0])?;
        let n = c.num(&a[1])?.trunc();
        if n < 0.0 || s.chars().count() as f64 * n > MAX_TEXT as f64 {
            return Err(ErrorKind::Value);
        }
        text(s.repeat(n as usize))
    }),
    f("FIND", 2, 3, |c, a| find(c, a, false)),
    f("SEARCH", 2, 3, |c, a| find(c, a, true)),
    f("EXACT", 2, 2, |c, a| {
        Ok(Value::Bool(c.text(&a[0])? == c.text(&a[1])?))
    }),
    f("VALUE", 1, 1, |c, a| match c.scalar(&a[0]) {
        Value::Number(n) => Ok(Value::Number(n)),
        Value::Empty => Ok(Value::Number(0.0)),
        Value::Error(e) => Err(e),
        Value::Text(s) => parse_number(&s)
            .or_else(|| super::datetime::parse_date_time(&s))
            .map(Value::Number)
            .ok_or(ErrorKind::Value),
        _ => Err(ErrorKind::Value),
    }),
    f("NUMBERVALUE", 1, 3, |c, a| {
        let s = c.text(&a[0])?;
        let dec = if a.len() > 1 {
            c.text(&a[1])?.chars().next().unwrap_or('.')
        } else {
            '.'
        };
        let group = if a.len() > 2 {
            c.text(&a[2])?.chars().next().unwrap_or(',')
        } else {
            ','
        };
        let cleaned: String = s
            .chars()
            .filter(|ch| *ch != group && !ch.is_whitespace())
            .map(|ch| if ch == dec { '.' } else { ch })
            .collect();
        if cleaned.is_empty() {
            return Ok(Value::Number(0.0));
        }
        parse_number(&cleaned)
            .map(Value::Number)
            .ok_or(ErrorKind::Value)
    }),
    f("TEXT", 2, 2, |c, a| {
        let v = c.scalar(&a[0]);
        if let Value::Error(e) = v {
            return Err(e);
        }
        let fmt = c.text(&a[1])?;
        let v = match &v {
            Value::Text(s) => parse_number(s).map_or(v.clone(), Value::Number),
            _ => v,
        };
        text(format_value_in(&v, &fmt, c.grid.date1904()))
    }),
    f("FIXED", 1, 3, |c, a| {
        let x = c.num(&a[0])?;
        let d = c.num_or(a, 1, 2.0)?.trunc();
        let no_commas = c.bool_or(a, 2, false)?;
        let rounded = super::math::round_half_away(x, d);
        let decimals = d.max(0.0) as usize;
        let fmt = format!(
            "{}{}{}",
            if no_commas { "0" } else { "#,##0" },
            if decimals > 0 { "." } else { "" },
            "0".repeat(decimals)
        );
        text(format_value(&Value::Number(rounded), &fmt))
    }),
    f("DOLLAR", 1, 2, |c, a| {
        let x = c.num(&a[0])?;
        let d = c.num_or(a, 1, 2.0)?.trunc();
        let rounded = super::math::round_half_away(x, d);
        let decimals = d.max(0.0) as usize;
        let body = format!(
            "#,##0{}{}",
            if decimals > 0 { "." } else { "" },
            "0".repeat(decimals)
        );
        text(format_value(
            &Value::Number(rounded),
            &format!("$ {body};($ {body})").replace(' ', ""),
        ))
    }),
    f("CHAR", 1, 1, |c, a| {
        let n = c.num(&a[0])?.trunc();
        if !(1.0..=255.0).contains(&n) {
            return Err(ErrorKind::Value);
        }
        text(char::from(n as u8).to_string())
    }),
    f("UNICHAR", 1, 1, |c, a| {
        let n = c.num(&a[0])?.trunc();
        if n < 1.0 {
            return Err(ErrorKind::Value);
        }
        char::from_u32(n as u32)
            .map(|ch| Value::from(ch.to_string()))
            .ok_or(ErrorKind::Value)
    }),
    f("CODE", 1, 1, |c, a| {
        let s = c.text(&a[0])?;
        let ch = s.chars().next().ok_or(ErrorKind::Value)?;
        Ok(Value::Number(f64::from(if (ch as u32) < 256 {
            ch as u32
        } else {
            u32::from(b'?')
        })))
    }),
    f("UNICODE", 1, 1, |c, a| {
        let s = c.text(&a[0])?;
        s.chars()
            .next()
            .map(|ch| Value::Number(f64::from(ch as u32)))
            .ok_or(ErrorKind::Value)
    }),
    f("TEXTBEFORE", 2, 3, |c, a| {
        let s = c.text(&a[0])?;
        let d = c.text(&a[1])?;
        let n = c.num_or(a, 2, 1.0)?.trunc();
        split_nth(&s, &d, n).map(|(before, _)| Value::from(before))
    }),
    f("TEXTAFTER", 2, 3, |c, a| {
        let s = c.text(&a[0])?;
        let d = c.text(&a[1])?;
        let n = c.num_or(a, 2, 1.0)?.trunc();
        split_nth(&s, &d, n).map(|(_, after)| Value::from(after))
    }),
];

fn text(s: String) -> R {
    if s.chars().count() > MAX_TEXT {
        return Err(ErrorKind::Value);
    }
    Ok(Value::from(s))
}

fn count_arg(c: &Ctx, a: &[Expr], i: usize) -> Result<usize, ErrorKind> {
    let n = c.num_or(a, i, 1.0)?.trunc();
    if n < 0.0 {
        return Err(ErrorKind::Value);
    }
    Ok(n.min(1e9) as usize)
}

fn find(c: &Ctx, a: &[Expr], insensitive: bool) -> R {
    let needle = c.text(&a[0])?;
    let hay = c.text(&a[1])?;
    let start = c.num_or(a, 2, 1.0)?.trunc();
    let hay_chars: Vec<char> = hay.chars().collect();
    if start < 1.0 || start as usize > hay_chars.len() + 1 {
        return Err(ErrorKind::Value);
    }
    let from = start as usize - 1;
    let tail: String = hay_chars[from..].iter().collect();
    let found = if insensitive {
        let pattern = needle.to_string();
        (0..=tail.chars().count()).find(|&i| {
            let rest: String = tail.chars().skip(i).collect();
            super::criteria::wildcard_match(&format!("{pattern}*"), &rest)
        })
    } else {
        tail.find(&*needle).map(|byte| tail[..byte].chars().count())
    };
    found.map_or(Err(ErrorKind::Value), |i| num((from + i + 1) as f64))
}

fn split_nth(s: &str, d: &str, n: f64) -> Result<(String, String), ErrorKind> {
    if n == 0.0 || d.is_empty() {
        return Err(ErrorKind::Value);
    }
    let positions: Vec<usize> = s.match_indices(d).map(|(i, _)| i).collect();
    let idx = if n > 0.0 {
        positions.get(n as usize - 1)
    } else {
        positions
            .len()
            .checked_sub((-n) as usize)
            .and_then(|i| positions.get(i))
    };
    let &pos = idx.ok_or(ErrorKind::NA)?;
    Ok((s[..pos].to_string(), s[pos + d.len()..].to_string()))
}
