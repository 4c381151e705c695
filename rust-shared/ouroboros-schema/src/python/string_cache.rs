//! A small cache of Python strings made from JSON text.
//!
//! JSON documents repeat the same short strings (enum-like values, tags,
//! names); building a new Python `str` for each costs an allocation and a
//! decode. Like Pydantic's `cache_strings`, short strings are looked up in a
//! direct-mapped table first. The table is one static guarded by the GIL:
//! every access holds a `Python` token, and nothing inside an access runs
//! Python code, so no lock and no thread-local lookup is needed.

use std::cell::{Cell, UnsafeCell};

use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::json_out::load64;

/// Strings longer than this are not cached (long text rarely repeats).
const MAX_LEN: usize = 64;
const SLOTS: usize = 1 << 12;

type Slot = Option<(Box<str>, Py<PyString>)>;

struct Table {
    slots: UnsafeCell<[Slot; SLOTS]>,
    /// Set while one access runs: a nested access (none is expected: making
    /// or dropping a `str` runs no Python code) bypasses the table.
    busy: Cell<bool>,
}

// SAFETY: the table is only touched through `py_str`, which takes a `Python`
// token: the GIL is held, so one thread at a time reaches it (this crate is
// built for GIL-enabled CPython), and `busy` rules out re-entry.
unsafe impl Sync for Table {}

static CACHE: Table = Table {
    slots: UnsafeCell::new([const { None }; SLOTS]),
    busy: Cell::new(false),
};

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
    // The top 12 bits: always below `SLOTS`.
    #[allow(clippy::cast_possible_truncation)]
    let slot = (h >> 52) as usize;
    slot
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
        0 => true,
        1..=3 => a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1],
        4..=7 => load32(a, 0) == load32(b, 0) && load32(a, n - 4) == load32(b, n - 4),
        8..=16 => load64(a, 0) == load64(b, 0) && load64(a, n - 8) == load64(b, n - 8),
        17..=32 => {
            load64(a, 0) == load64(b, 0)
                && load64(a, 8) == load64(b, 8)
                && load64(a, n - 16) == load64(b, n - 16)
                && load64(a, n - 8) == load64(b, n - 8)
        }
        // Long strings: the slice comparison.
        _ => a == b,
    }
}

/// A Python `str` equal to `s`, shared with earlier calls when cached.
#[must_use]
pub fn py_str<'py>(py: Python<'py>, s: &str) -> Bound<'py, PyString> {
    if s.len() > MAX_LEN || CACHE.busy.get() {
        return PyString::new(py, s);
    }
    CACHE.busy.set(true);
    // SAFETY: the GIL is held (`py`) and `busy` was clear: this is the only
    // live reference to the table until `busy` is cleared below.
    let cache = unsafe { &mut *CACHE.slots.get() };
    let slot = &mut cache[hash(s)];
    let value = match slot {
        Some((key, value)) if bytes_eq(key.as_bytes(), s.as_bytes()) => value.bind(py).clone(),
        _ => {
            let value = PyString::new(py, s);
            *slot = Some((s.into(), value.clone().unbind()));
            value
        }
    };
    CACHE.busy.set(false);
    value
}
