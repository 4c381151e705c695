//! Number formats for display and TEXT(): `0.00`, `#,##0`, `0%`, `0.00E+00`,
//! dates and times (`yyyy-mm-dd`, `h:mm AM/PM`), literal text, up to four
//! `;`-separated sections (positive; negative; zero; text) and `@`.

use crate::functions::serial_to_date;
use crate::value::{number_to_text, Value};

/// Formats a value with a number format. Text is shown through the fourth
/// section (or as is); errors and booleans are never formatted.
#[must_use]
pub fn format_value(v: &Value, fmt: &str) -> String {
    format_value_in(v, fmt, false)
}

/// [`format_value`] in a workbook's date system (`date1904`: serial 0 is
/// 1904-01-01).
#[must_use]
pub fn format_value_in(v: &Value, fmt: &str, date1904: bool) -> String {
    match v {
        Value::Number(n) => format_number_in(*n, fmt, date1904),
        Value::Text(s) => {
            let sections = split_sections(fmt);
            match sections
                .get(3)
                .or_else(|| sections.iter().find(|s| s.contains('@')))
            {
                Some(sec) => render_literal(sec, s),
                None => s.to_string(),
            }
        }
        other => other.display(),
    }
}

fn split_sections(fmt: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    let mut chars = fmt.chars();
    while let Some(ch) = chars.next() {
        match ch {
            '"' => {
                quoted = !quoted;
                if let Some(s) = out.last_mut() {
                    s.push(ch);
                }
            }
            '\\' => {
                let last = out.last_mut().expect("one section");
                last.push(ch);
                if let Some(next) = chars.next() {
                    last.push(next);
                }
            }
            ';' if !quoted => out.push(String::new()),
            _ => {
                if let Some(s) = out.last_mut() {
                    s.push(ch);
                }
            }
        }
    }
    out
}

fn render_literal(section: &str, text: &str) -> String {
    let mut out = String::new();
    let mut chars = section.chars().peekable();
    while let Some(ch) = chars.next() {
        match ch {
            '@' => out.push_str(text),
            '"' => {
                for c in chars.by_ref() {
                    if c == '"' {
                        break;
                    }
                    out.push(c);
                }
            }
            '\\' => {
                if let Some(c) = chars.next() {
                    out.push(c);
                }
            }
            _ => out.push(ch),
        }
    }
    out
}

/// Formats a number.
#[must_use]
pub fn format_number(n: f64, fmt: &str) -> String {
    format_number_in(n, fmt, false)
}

/// [`format_number`] in a workbook's date system.
#[must_use]
pub fn format_number_in(n: f64, fmt: &str, date1904: bool) -> String {
    let fmt = fmt.trim();
    if fmt.is_empty() || fmt.eq_ignore_ascii_case("General") {
        return number_to_text(n);
    }
    let sections = split_sections(fmt);
    let (section, value, negated) = match sections.len() {
        1 => (sections[0].as_str(), n, false),
        2 => {
            if n < 0.0 {
                (sections[1].as_str(), -n, true)
            } else {
                (sections[0].as_str(), n, false)
            }
        }
        _ => {
            if n < 0.0 {
                (sections[1].as_str(), -n, true)
            } else if n == 0.0 {
                (sections[2].as_str(), n, false)
            } else {
                (sections[0].as_str(), n, false)
            }
        }
    };
    let section = strip_brackets(section);
    let _ = negated;
    if section.eq_ignore_ascii_case("General") {
        return number_to_text(value);
    }
    if is_date_format(&section) {
        let offset = if date1904 {
            crate::functions::EPOCH_1904_OFFSET
        } else {
            0.0
        };
        return format_date(value + offset, &section);
    }
    format_decimal(value, &section)
}

/// Removes `[Red]`, `[$-409]` and similar bracketed tags (keeps `[h]`).
fn strip_brackets(section: &str) -> String {
    let mut out = String::new();
    let mut chars = section.chars();
    while let Some(ch) = chars.next() {
        if ch == '[' {
            let inner: String = chars.by_ref().take_while(|c| *c != ']').collect();
            let lower = inner.to_ascii_lowercase();
            if matches!(lower.as_str(), "h" | "hh" | "m" | "mm" | "s" | "ss") {
                out.push_str(&lower);
            } else if let Some(symbol) = inner.strip_prefix('$') {
                out.push_str(symbol.split('-').next().unwrap_or(""));
            }
        } else {
            out.push(ch);
        }
    }
    out
}

fn is_date_format(section: &str) -> bool {
    let mut quoted = false;
    for ch in section.chars() {
        match ch {
            '"' => quoted = !quoted,
            'y' | 'Y' | 'd' | 'D' | 'h' | 'H' | 's' | 'S' if !quoted => return true,
            'm' | 'M' if !quoted && !section.contains('0') && !section.contains('#') => {
                return true
            }
            _ => {}
        }
    }
    false
}

fn format_decimal(value: f64, section: &str) -> String {
    // Split into prefix literal, numeric pattern, suffix literal.
    let chars: Vec<char> = section.chars().collect();
    let is_pattern = |c: char| matches!(c, '0' | '#' | '?' | '.' | ',');
    let mut percent = 0;
    let mut prefix = String::new();
    let mut suffix = String::new();
    let mut pattern = String::new();
    let mut exponent: Option<String> = None;
    let mut i = 0;
    while i < chars.len() {
        let ch = chars[i];
        if is_pattern(ch) && suffix.is_empty() && exponent.is_none() {
            pattern.push(ch);
            i += 1;
            continue;
        }
        let target = if pattern.is_empty() {
            &mut prefix
        } else {
            &mut suffix
        };
        match ch {
            '"' => {
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    target.push(chars[i]);
                    i += 1;
                }
            }
            '\\' => {
                i += 1;
                if i < chars.len() {
                    target.push(chars[i]);
                }
            }
            '%' => {
                percent += 1;
                target.push('%');
            }
            '_' => {
                i += 1;
                target.push(' ');
            }
            '*' => {
                i += 1;
            }
            'E' | 'e' if !pattern.is_empty() && exponent.is_none() => {
                let mut e = String::new();
                i += 1;
                while i < chars.len() && matches!(chars[i], '+' | '-' | '0' | '#') {
                    e.push(chars[i]);
                    i += 1;
                }
                exponent = Some(e);
                continue;
            }
            c => target.push(c),
        }
        i += 1;
    }
    if pattern.is_empty() {
        return format!("{prefix}{suffix}");
    }
    let mut v = value * 100f64.powi(percent);
    let (int_pat, frac_pat) = match pattern.split_once('.') {
        Some((a, b)) => (a.to_string(), b.replace(',', "")),
        None => (pattern.clone(), String::new()),
    };
    // Trailing commas scale by 1000 each.
    let trimmed = int_pat.trim_end_matches(',');
    for _ in 0..(int_pat.len() - trimmed.len()) {
        v /= 1000.0;
    }
    let grouping = trimmed.contains(',');
    let int_pat: String = trimmed.chars().filter(|c| *c != ',').collect();
    let min_int = int_pat.chars().filter(|c| *c == '0').count();
    let frac_digits = frac_pat.len();
    let min_frac = frac_pat.chars().filter(|c| *c == '0').count();
    let negative = v < 0.0;
    let v = v.abs();
    let mut exp_text = String::new();
    let v = if let Some(e) = &exponent {
        let exp = if v == 0.0 {
            0
        } else {
            v.log10().floor() as i32 - (min_int.max(1) as i32 - 1)
        };
        let mant = v / 10f64.powi(exp);
        let sign = if exp < 0 {
            "-"
        } else if e.starts_with('+') {
            "+"
        } else {
            ""
        };
        let width = e.trim_start_matches(['+', '-']).len();
        exp_text = format!("E{sign}{:0>width$}", exp.abs());
        mant
    } else {
        v
    };
    let rounded = crate::functions_round(v, frac_digits);
    let text = format!("{rounded:.frac_digits$}");
    let (int_text, frac_text) = match text.split_once('.') {
        Some((a, b)) => (a.to_string(), b.to_string()),
        None => (text.clone(), String::new()),
    };
    let mut int_text = if int_text == "0" && min_int == 0 {
        String::new()
    } else {
        int_text
    };
    while int_text.len() < min_int {
        int_text.insert(0, '0');
    }
    if grouping {
        int_text = group_thousands(&int_text);
    }
    let mut frac_text = frac_text;
    while frac_text.len() > min_frac && frac_text.ends_with('0') {
        frac_text.pop();
    }
    let mut out = String::new();
    if negative && rounded != 0.0 {
        out.push('-');
    }
    out.push_str(&prefix);
    out.push_str(&int_text);
    if frac_digits > 0 && (!frac_text.is_empty() || pattern.ends_with('.') || min_frac > 0) {
        out.push('.');
        out.push_str(&frac_text);
    } else if pattern.contains('.') && frac_digits == 0 {
        out.push('.');
    }
    out.push_str(&exp_text);
    out.push_str(&suffix);
    out
}

fn group_thousands(digits: &str) -> String {
    let bytes = digits.as_bytes();
    let mut out = String::new();
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 && (bytes.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(char::from(*b));
    }
    out
}

fn format_date(serial: f64, section: &str) -> String {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    const DAYS: [&str; 7] = [
        "Sunday",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
    ];
    let (y, m, d) = serial_to_date(serial);
    let total_seconds = (serial.fract() * 86400.0).round() as i64;
    let (hh, mi, ss) = (
        total_seconds / 3600 % 24,
        total_seconds / 60 % 60,
        total_seconds % 60,
    );
    let ampm = section.to_ascii_lowercase().contains("am/pm");
    let chars: Vec<char> = section.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    let mut last_was_hour = false;
    while i < chars.len() {
        let ch = chars[i];
        let lower = ch.to_ascii_lowercase();
        let run = chars[i..]
            .iter()
            .take_while(|c| c.to_ascii_lowercase() == lower)
            .count();
        match lower {
            'y' => {
                if run <= 2 {
                    out.push_str(&format!("{:02}", y % 100));
                } else {
                    out.push_str(&format!("{y:04}"));
                }
                i += run;
                last_was_hour = false;
            }
            'm' => {
                let next_is_seconds = chars[i + run..]
                    .iter()
                    .find(|c| c.is_alphabetic())
                    .is_some_and(|c| c.eq_ignore_ascii_case(&'s'));
                if (last_was_hour || next_is_seconds) && run <= 2 {
                    out.push_str(&if run == 2 {
                        format!("{mi:02}")
                    } else {
                        mi.to_string()
                    });
                } else {
                    let name = MONTHS[(m - 1).clamp(0, 11) as usize];
                    match run {
                        1 => out.push_str(&m.to_string()),
                        2 => out.push_str(&format!("{m:02}")),
                        3 => out.push_str(&name[..3]),
                        5 => out.push_str(&name[..1]),
                        _ => out.push_str(name),
                    }
                }
                i += run;
                last_was_hour = false;
            }
            'd' => {
                let dow = ((serial.floor() as i64) - 1).rem_euclid(7) as usize;
                match run {
                    1 => out.push_str(&d.to_string()),
                    2 => out.push_str(&format!("{d:02}")),
                    3 => out.push_str(&DAYS[dow][..3]),
                    _ => out.push_str(DAYS[dow]),
                }
                i += run;
                last_was_hour = false;
            }
            'h' => {
                let h = if ampm { (hh + 11) % 12 + 1 } else { hh };
                out.push_str(&if run >= 2 {
                    format!("{h:02}")
                } else {
                    h.to_string()
                });
                i += run;
                last_was_hour = true;
            }
            's' => {
                out.push_str(&if run >= 2 {
                    format!("{ss:02}")
                } else {
                    ss.to_string()
                });
                i += run;
                last_was_hour = false;
            }
            'a' if chars[i..]
                .iter()
                .take(5)
                .collect::<String>()
                .eq_ignore_ascii_case("am/pm") =>
            {
                out.push_str(if hh < 12 { "AM" } else { "PM" });
                i += 5;
            }
            '"' => {
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    out.push(chars[i]);
                    i += 1;
                }
                i += 1;
            }
            '\\' => {
                if i + 1 < chars.len() {
                    out.push(chars[i + 1]);
                }
                i += 2;
            }
            _ => {
                out.push(ch);
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals() {
        assert_eq!(format_number(1234.567, "0.00"), "1234.57");
        assert_eq!(format_number(1234.567, "#,##0.00"), "1,234.57");
        assert_eq!(format_number(0.256, "0%"), "26%");
        assert_eq!(format_number(0.256, "0.0%"), "25.6%");
        assert_eq!(format_number(-5.0, "0.00;(0.00)"), "(5.00)");
        assert_eq!(format_number(12345.0, "0.00E+00"), "1.23E+04");
        assert_eq!(format_number(5.0, "\"$\"#,##0"), "$5");
        assert_eq!(format_number(2.5, "General"), "2.5");
        assert_eq!(format_number(0.5, "#.##"), ".5");
    }

    #[test]
    fn dates() {
        assert_eq!(format_number(45306.0, "yyyy-mm-dd"), "2024-01-15");
        assert_eq!(format_number(45306.75, "h:mm AM/PM"), "6:00 PM");
        assert_eq!(format_number(45306.5, "hh:mm:ss"), "12:00:00");
        assert_eq!(format_number(45306.0, "mmm d, yyyy"), "Jan 15, 2024");
        assert_eq!(format_number(45306.0, "dddd"), "Monday");
    }
}
