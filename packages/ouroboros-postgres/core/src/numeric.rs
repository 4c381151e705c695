//! PostgreSQL `numeric` in its binary form <-> decimal text, exactly.
//!
//! Written here rather than taken from a decimal crate: the binding hands
//! Python's `Decimal` across as text (`str(d)`), and `rust_decimal` would cap
//! the precision at 28 digits where PostgreSQL allows 131072 before the point.
//!
//! Binary layout: `ndigits: i16, weight: i16, sign: u16, dscale: u16`, then
//! `ndigits` base-10000 digits; digit `i` is worth `10000^(weight - i)`.

const SIGN_POS: u16 = 0x0000;
const SIGN_NEG: u16 = 0x4000;
const SIGN_NAN: u16 = 0xC000;
const SIGN_PINF: u16 = 0xD000;
const SIGN_NINF: u16 = 0xF000;

/// Decode a binary `numeric` into the text `Decimal(...)` accepts:
/// `-12.3400`, `NaN`, `Infinity`, `-Infinity`.
pub fn decode(raw: &[u8]) -> Result<String, String> {
    if raw.len() < 8 {
        return Err(format!("numeric value too short ({} bytes)", raw.len()));
    }
    let ndigits = usize::from(u16::from_be_bytes([raw[0], raw[1]]));
    let weight = i32::from(i16::from_be_bytes([raw[2], raw[3]]));
    let sign = u16::from_be_bytes([raw[4], raw[5]]);
    let dscale = usize::from(u16::from_be_bytes([raw[6], raw[7]]));
    match sign {
        SIGN_NAN => return Ok("NaN".into()),
        SIGN_PINF => return Ok("Infinity".into()),
        SIGN_NINF => return Ok("-Infinity".into()),
        SIGN_POS | SIGN_NEG => {}
        other => return Err(format!("unknown numeric sign 0x{other:04x}")),
    }
    if raw.len() != 8 + 2 * ndigits {
        return Err(format!(
            "numeric value has {} bytes for {ndigits} digits",
            raw.len()
        ));
    }
    let digit = |i: i32| -> u16 {
        usize::try_from(i)
            .ok()
            .filter(|&i| i < ndigits)
            .map_or(0, |i| u16::from_be_bytes([raw[8 + 2 * i], raw[9 + 2 * i]]))
    };
    let mut out = String::with_capacity(ndigits * 4 + dscale + 3);
    if sign == SIGN_NEG {
        out.push('-');
    }
    if weight < 0 {
        out.push('0');
    } else {
        out.push_str(&digit(0).to_string());
        for i in 1..=weight {
            push4(&mut out, digit(i));
        }
    }
    if dscale > 0 {
        out.push('.');
        let start = out.len();
        let mut i = weight + 1;
        while out.len() - start < dscale {
            push4(&mut out, digit(i));
            i += 1;
        }
        out.truncate(start + dscale);
    }
    Ok(out)
}

fn push4(out: &mut String, d: u16) {
    let d = d % 10000;
    for p in [1000, 100, 10, 1] {
        out.push(char::from(b'0' + u8::try_from(d / p % 10).unwrap_or(0)));
    }
}

#[allow(clippy::too_many_lines)] // one linear pass: parse, align to base 10000, trim, write
/// Encode decimal text (`123`, `-1.50`, `1E+3`, `2.5e-7`, `NaN`, `Infinity`)
/// as a binary `numeric`, keeping its scale (`1.50` stays `1.50`).
pub fn encode(text: &str, out: &mut Vec<u8>) -> Result<(), String> {
    let t = text.trim();
    let special = |sign: u16, out: &mut Vec<u8>| {
        out.extend_from_slice(&[0, 0, 0, 0]);
        out.extend_from_slice(&sign.to_be_bytes());
        out.extend_from_slice(&[0, 0]);
    };
    match t.to_ascii_lowercase().as_str() {
        "nan" | "-nan" | "+nan" | "snan" => {
            special(SIGN_NAN, out);
            return Ok(());
        }
        "infinity" | "+infinity" | "inf" | "+inf" => {
            special(SIGN_PINF, out);
            return Ok(());
        }
        "-infinity" | "-inf" => {
            special(SIGN_NINF, out);
            return Ok(());
        }
        _ => {}
    }
    let bad = || format!("{t:?} is not a decimal number");
    let (negative, body) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let (mantissa, exp) = match body.find(['e', 'E']) {
        Some(at) => (
            &body[..at],
            body[at + 1..].parse::<i64>().map_err(|_| bad())?,
        ),
        None => (body, 0),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if (int_part.is_empty() && frac_part.is_empty())
        || !int_part
            .bytes()
            .chain(frac_part.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    let mut digits: Vec<u8> = int_part
        .bytes()
        .chain(frac_part.bytes())
        .map(|b| b - b'0')
        .collect();
    // value = digits * 10^exp10
    let exp10 = exp - i64::try_from(frac_part.len()).map_err(|_| bad())?;
    if exp10.abs() > 200_000 {
        return Err(format!("{t:?} is out of the range of numeric"));
    }
    if exp10 > 0 {
        digits.extend(std::iter::repeat_n(0, usize::try_from(exp10).unwrap_or(0)));
    }
    let frac_len = usize::try_from((-exp10).max(0)).unwrap_or(0);
    let dscale = frac_len;
    // Make the integer part a multiple of 4 digits (left) and the fraction too (right).
    let mut int_len = digits.len().saturating_sub(frac_len);
    if digits.len() < frac_len {
        let pad = frac_len - digits.len();
        digits.splice(0..0, std::iter::repeat_n(0, pad));
        int_len = 0;
    }
    let lead = (4 - int_len % 4) % 4;
    digits.splice(0..0, std::iter::repeat_n(0, lead));
    int_len += lead;
    let trail = (4 - frac_len % 4) % 4;
    digits.extend(std::iter::repeat_n(0, trail));
    let mut groups: Vec<u16> = digits
        .chunks(4)
        .map(|c| c.iter().fold(0u16, |acc, d| acc * 10 + u16::from(*d)))
        .collect();
    let mut weight = i64::try_from(int_len / 4).map_err(|_| bad())? - 1;
    let leading_zeros = groups.iter().take_while(|g| **g == 0).count();
    groups.drain(..leading_zeros);
    weight -= i64::try_from(leading_zeros).map_err(|_| bad())?;
    while groups.last() == Some(&0) {
        groups.pop();
    }
    if groups.is_empty() {
        weight = 0;
    }
    let ndigits = u16::try_from(groups.len())
        .map_err(|_| format!("{t:?} has too many digits for numeric"))?;
    let weight =
        i16::try_from(weight).map_err(|_| format!("{t:?} is out of the range of numeric"))?;
    let dscale = u16::try_from(dscale)
        .map_err(|_| format!("{t:?} has too many decimal places for numeric"))?;
    let sign = if negative && !groups.is_empty() {
        SIGN_NEG
    } else {
        SIGN_POS
    };
    out.extend_from_slice(&ndigits.to_be_bytes());
    out.extend_from_slice(&weight.to_be_bytes());
    out.extend_from_slice(&sign.to_be_bytes());
    out.extend_from_slice(&dscale.to_be_bytes());
    for g in groups {
        out.extend_from_slice(&g.to_be_bytes());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(text: &str) -> String {
        let mut buf = Vec::new();
        encode(text, &mut buf).unwrap();
        decode(&buf).unwrap()
    }

    #[test]
    fn exact_round_trips_keep_scale() {
        for (input, expected) in [
            ("0", "0"),
            ("1", "1"),
            ("-1", "-1"),
            ("10000", "10000"),
            ("12345678.9", "12345678.9"),
            ("1.50", "1.50"),
            ("0.0001", "0.0001"),
            ("-0.00012", "-0.00012"),
            ("1E+3", "1000"),
            ("2.5e-7", "0.00000025"),
            ("0.000", "0.000"),
            ("-0", "0"),
            (
                "123456789012345678901234567890.123456789012345678901234567890",
                "123456789012345678901234567890.123456789012345678901234567890",
            ),
            ("NaN", "NaN"),
            ("Infinity", "Infinity"),
            ("-Infinity", "-Infinity"),
        ] {
            assert_eq!(round_trip(input), expected, "{input}");
        }
    }

    #[test]
    fn known_binary_form() {
        // 12345.678 = [1, 2345, 6780], weight 1, dscale 3
        let mut buf = Vec::new();
        encode("12345.678", &mut buf).unwrap();
        assert_eq!(buf, [0, 3, 0, 1, 0, 0, 0, 3, 0, 1, 0x09, 0x29, 0x1a, 0x7c]);
    }

    #[test]
    fn rejects_garbage() {
        let mut buf = Vec::new();
        assert!(encode("12a", &mut buf)
            .unwrap_err()
            .contains("not a decimal"));
        assert!(encode("", &mut buf).is_err());
        assert!(encode(".", &mut buf).is_err());
        assert!(decode(&[0, 1]).is_err());
    }
}
