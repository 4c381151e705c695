//! A small cache of Python strings made from JSON text.
//!
//! JSON documents repeat the same short strings (enum-like values, tags,
//! names); building a new Python `str` for each costs an allocation and a
//! decode. Like Pydantic's `cache_strings`, short strings are looked up in a
//! direct-mapped table first. Entries are per thread (the table lives in a
//! thread-local), so no lock is taken.

use std::cell::RefCell;

use pyo3::prelude::*;
use pyo3::types::PyString;

/// Strings longer than this are not cached (long text rarely repeats).
const MAX_LEN: usize = 64;
const SLOTS: usize = 4096;

type Slot = Option<(Box<str>, Py<PyString>)>;

thread_local! {
    static CACHE: RefCell<Vec<Slot>> = const { RefCell::new(Vec::new()) };
}

fn hash(s: &str) -> usize {
    // Length and the first and last eight bytes (fewer for short strings):
    // cheap, and enough to spread the short strings this cache holds over a
    // direct-mapped table. Fixed-size loads, no copy through the stack.
    let b = s.as_bytes();
    let n = b.len();
    let (head, tail) = match n {
        0 => (0, 0),
        1..=3 => (
            u64::from(b[0]) | u64::from(b[n / 2]) << 8 | u64::from(b[n - 1]) << 16,
            0,
        ),
        4..=7 => (u64::from(load32(b, 0)), u64::from(load32(b, n - 4))),
        _ => (load64(b, 0), load64(b, n - 8)),
    };
    let h = (head ^ tail.rotate_left(29) ^ (n as u64)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    #[allow(clippy::cast_possible_truncation)]
    let slot = (h >> 52) as usize % SLOTS;
    slot
}

#[inline]
fn load64(s: &[u8], i: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&s[i..i + 8]);
    u64::from_le_bytes(w)
}

#[inline]
fn load32(s: &[u8], i: usize) -> u32 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&s[i..i + 4]);
    u32::from_le_bytes(w)
}

/// Equality of two short byte strings (field names, cached values) with
/// word loads instead of a `memcmp` call: these compare a few bytes at a
/// time in the hot JSON loop, where the call costs more than the compare.
#[must_use]
#[inline]
pub fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    match n {
        4..=7 => load32(a, 0) == load32(b, 0) && load32(a, n - 4) == load32(b, n - 4),
        8..=16 => load64(a, 0) == load64(b, 0) && load64(a, n - 8) == load64(b, n - 8),
        // Up to three bytes, or long strings: the slice comparison.
        _ => a == b,
    }
}

/// A Python `str` equal to `s`, shared with earlier calls when cached.
#[must_use]
pub fn py_str<'py>(py: Python<'py>, s: &str) -> Bound<'py, PyString> {
    if s.len() > MAX_LEN {
        return PyString::new(py, s);
    }
    let slot = hash(s);
    CACHE.with(|cache| {
        let Ok(mut cache) = cache.try_borrow_mut() else {
            return PyString::new(py, s);
        };
        if cache.is_empty() {
            cache.resize_with(SLOTS, || None);
        }
        if let Some((key, value)) = &cache[slot] {
            if bytes_eq(key.as_bytes(), s.as_bytes()) {
                return value.bind(py).clone();
            }
        }
        let value = PyString::new(py, s);
        cache[slot] = Some((s.into(), value.clone().unbind()));
        value
    })
}
