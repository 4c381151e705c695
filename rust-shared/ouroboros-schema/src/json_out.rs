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

/// Whether some byte of the word `w` needs an escape: below 0x20, `"` or `\\`.
/// Exact as to whether one does (not as to which one).
#[inline]
fn word_needs_escape(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    // Bytes below 0x20: `w - 0x20` borrows into the high bit of a byte that
    // had it clear (bytes >= 0x80 are masked out by `!w`).
    let below = w.wrapping_sub(ONES * 0x20) & !w & HIGH;
    below | has_zero(w ^ (ONES * u64::from(b'"'))) | has_zero(w ^ (ONES * u64::from(b'\\'))) != 0
}

/// The eight bytes of `bytes` from `at`, as a little-endian word.
#[inline]
pub(crate) fn load64(bytes: &[u8], at: usize) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(word)
}

/// Index of the first byte of `bytes` that needs an escape, eight bytes at a
/// time (the last word overlapping the one before it), byte by byte for
/// strings shorter than a word.
#[inline]
fn first_escape(bytes: &[u8]) -> Option<usize> {
    let n = bytes.len();
    let from = |i: usize| {
        bytes[i..]
            .iter()
            .position(|&b| NEEDS_ESCAPE[usize::from(b)])
            .map(|p| p + i)
    };
    if n < 8 {
        if n >= 4 {
            // Two overlapping four-byte words, widened with `A`s (which need no escape).
            let word = |at: usize| {
                let mut w = [0x41u8; 8];
                w[..4].copy_from_slice(&bytes[at..at + 4]);
                u64::from_le_bytes(w)
            };
            if !word_needs_escape(word(0)) && !word_needs_escape(word(n - 4)) {
                return None;
            }
        }
        return from(0);
    }
    let mut i = 0;
    while i + 8 <= n {
        if word_needs_escape(load64(bytes, i)) {
            return from(i);
        }
        i += 8;
    }
    // The bytes before `i` are clean: an escape in the last word is at `i` or later.
    if i < n && word_needs_escape(load64(bytes, n - 8)) {
        return from(i);
    }
    None
}

/// Copy `n` bytes from `src` to `dst`: up to 32 with a few unaligned loads
/// and stores (two overlapping ones cover any length in a range), longer
/// runs with `memcpy`.
///
/// # Safety
/// `src` is readable and `dst` writable for `n` bytes; they do not overlap.
#[allow(clippy::inline_always)] // a few moves: a call would cost as much as the copy
#[inline(always)]
unsafe fn copy_bytes(src: *const u8, dst: *mut u8, n: usize) {
    // SAFETY (every branch): the reads and writes stay within `n` bytes of
    // `src` and `dst`, which the caller guarantees.
    unsafe {
        if n >= 16 {
            if n <= 32 {
                let a = src.cast::<u128>().read_unaligned();
                let b = src.add(n - 16).cast::<u128>().read_unaligned();
                dst.cast::<u128>().write_unaligned(a);
                dst.add(n - 16).cast::<u128>().write_unaligned(b);
            } else {
                std::ptr::copy_nonoverlapping(src, dst, n);
            }
        } else if n >= 8 {
            let a = src.cast::<u64>().read_unaligned();
            let b = src.add(n - 8).cast::<u64>().read_unaligned();
            dst.cast::<u64>().write_unaligned(a);
            dst.add(n - 8).cast::<u64>().write_unaligned(b);
        } else if n >= 4 {
            let a = src.cast::<u32>().read_unaligned();
            let b = src.add(n - 4).cast::<u32>().read_unaligned();
            dst.cast::<u32>().write_unaligned(a);
            dst.add(n - 4).cast::<u32>().write_unaligned(b);
        } else if n > 0 {
            *dst = *src;
            *dst.add(n / 2) = *src.add(n / 2);
            *dst.add(n - 1) = *src.add(n - 1);
        }
    }
}

/// Append `bytes` (a field name, a number's digits, ...) to `out`; short
/// runs without a `memcpy` call.
#[inline]
pub fn push_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    let n = bytes.len();
    out.reserve(n);
    let len = out.len();
    // SAFETY: `reserve` made room for `n` more bytes after `len`; `bytes` is
    // a different allocation (it is borrowed while `out` is borrowed mutably).
    unsafe {
        copy_bytes(bytes.as_ptr(), out.as_mut_ptr().add(len), n);
        out.set_len(len + n);
    }
}

/// Append a model field's key, already written as a JSON string: `"key":`,
/// after a comma unless it is the `first` key.
#[inline]
pub fn push_key(out: &mut Vec<u8>, key_json: &[u8], first: bool) {
    let n = key_json.len();
    out.reserve(n + 2);
    let len = out.len();
    let comma = usize::from(!first);
    // SAFETY: `reserve` made room for `n + 2` more bytes after `len`; at most
    // `n + 2` are written. `key_json` is a different allocation.
    unsafe {
        let dst = out.as_mut_ptr().add(len);
        *dst = b',';
        copy_bytes(key_json.as_ptr(), dst.add(comma), n);
        *dst.add(comma + n) = b':';
        out.set_len(len + comma + n + 1);
    }
}

/// Append `s` as a JSON string literal.
#[inline]
pub fn write_str(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    let Some(first) = first_escape(bytes) else {
        // The common case: nothing to escape, one copy between the quotes.
        let n = bytes.len();
        out.reserve(n + 2);
        let len = out.len();
        // SAFETY: `reserve` made room for `n + 2` more bytes after `len`.
        unsafe {
            let dst = out.as_mut_ptr().add(len);
            *dst = b'"';
            copy_bytes(bytes.as_ptr(), dst.add(1), n);
            *dst.add(n + 1) = b'"';
            out.set_len(len + n + 2);
        }
        return;
    };
    write_escaped(out, bytes, first);
}

/// `write_str` of a string with a byte to escape at `first`.
#[cold]
#[inline(never)]
fn write_escaped(out: &mut Vec<u8>, bytes: &[u8], first: usize) {
    out.reserve(bytes.len() + 2);
    out.push(b'"');
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
#[inline]
pub fn write_int(out: &mut Vec<u8>, v: i64) {
    let mut buf = itoa::Buffer::new();
    push_bytes(out, buf.format(v).as_bytes());
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
