//! Writing JSON text: strings, numbers and ISO 8601 durations, formatted as
//! Pydantic's `model_dump_json` formats them (compact, UTF-8 kept as is,
//! non-finite floats as `null`).

/// Bytes that must be escaped in a JSON string: control characters, `"`
/// and `\\`. A table lookup per byte; runs of plain bytes are copied at once.
static NEEDS_ESCAPE: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = true;
        i += 1;
    }
    t[0x22] = true; // `"`
    t[0x5c] = true; // `\`
    t
};

/// Index of the first byte of `bytes` that needs an escape, eight bytes at a
/// time (a word holds one when some byte is below 0x20, `"` or `\\`).
fn first_escape(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let mut i = 0;
    while i + 8 <= bytes.len() {
        let mut word = [0u8; 8];
        word.copy_from_slice(&bytes[i..i + 8]);
        let w = u64::from_le_bytes(word);
        // Bytes below 0x20: `w - 0x20` borrows into the high bit of a byte
        // that had it clear (bytes >= 0x80 are masked out by `!w`).
        let below = w.wrapping_sub(ONES * 0x20) & !w & HIGH;
        if below | has_zero(w ^ (ONES * u64::from(b'"'))) | has_zero(w ^ (ONES * u64::from(b'\\')))
            != 0
        {
            break;
        }
        i += 8;
    }
    bytes[i..]
        .iter()
        .position(|&b| NEEDS_ESCAPE[usize::from(b)])
        .map(|p| p + i)
}

/// Append `s` as a JSON string literal.
pub fn write_str(out: &mut Vec<u8>, s: &str) {
    out.reserve(s.len() + 2);
    out.push(b'"');
    let bytes = s.as_bytes();
    let Some(first) = first_escape(bytes) else {
        // The common case: nothing to escape, one copy.
        out.extend_from_slice(bytes);
        out.push(b'"');
        return;
    };
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate().skip(first) {
        if !NEEDS_ESCAPE[usize::from(b)] {
            continue;
        }
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            _ => b"",
        };
        out.extend_from_slice(&bytes[start..i]);
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(b >> 4)]);
            out.push(HEX[usize::from(b & 0xf)]);
        } else {
            out.extend_from_slice(escape);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// Append an integer.
pub fn write_int(out: &mut Vec<u8>, v: i64) {
    let mut buf = itoa::Buffer::new();
    out.extend_from_slice(buf.format(v).as_bytes());
}

/// Append a float the shortest way that reads back exactly; inf/nan as `null`.
pub fn write_float(out: &mut Vec<u8>, v: f64) {
    if v.is_finite() {
        let mut buf = ryu::Buffer::new();
        out.extend_from_slice(buf.format_finite(v).as_bytes());
    } else {
        out.extend_from_slice(b"null");
    }
}

/// A duration as ISO 8601 (`P1DT2H3M4.5S`, `-PT1S`, `PT0S`), from whole
/// microseconds, as Pydantic writes `timedelta` in JSON.
#[must_use]
pub fn duration_iso(total_micros: i128) -> String {
    use std::fmt::Write;
    let sign = if total_micros < 0 { "-" } else { "" };
    let abs = total_micros.unsigned_abs();
    let micros = abs % 1_000_000;
    let total_secs = abs / 1_000_000;
    let days = total_secs / 86_400;
    let rem = total_secs % 86_400;
    let (hours, minutes, seconds) = (rem / 3600, (rem % 3600) / 60, rem % 60);
    let mut s = format!("{sign}P");
    if days > 0 {
        let _ = write!(s, "{days}D");
    }
    if hours > 0 || minutes > 0 || seconds > 0 || micros > 0 || days == 0 {
        s.push('T');
        if hours > 0 {
            let _ = write!(s, "{hours}H");
        }
        if minutes > 0 {
            let _ = write!(s, "{minutes}M");
        }
        if seconds > 0 || micros > 0 || (hours == 0 && minutes == 0) {
            if micros > 0 {
                let frac = format!("{micros:06}");
                let _ = write!(s, "{seconds}.{}S", frac.trim_end_matches('0'));
            } else {
                let _ = write!(s, "{seconds}S");
            }
        }
    }
    s
}
