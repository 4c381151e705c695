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
    // Length and the first and last eight bytes: cheap, and enough to spread
    // the short strings this cache holds over a direct-mapped table.
    let b = s.as_bytes();
    let mut head = [0u8; 8];
    let mut tail = [0u8; 8];
    let n = b.len().min(8);
    head[..n].copy_from_slice(&b[..n]);
    tail[..n].copy_from_slice(&b[b.len() - n..]);
    let h =
        (u64::from_le_bytes(head) ^ u64::from_le_bytes(tail).rotate_left(29) ^ (b.len() as u64))
            .wrapping_mul(0x9E37_79B9_7F4A_7C15);
    #[allow(clippy::cast_possible_truncation)]
    let slot = (h >> 52) as usize % SLOTS;
    slot
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
            if &**key == s {
                return value.bind(py).clone();
            }
        }
        let value = PyString::new(py, s);
        cache[slot] = Some((s.into(), value.clone().unbind()));
        value
    })
}
