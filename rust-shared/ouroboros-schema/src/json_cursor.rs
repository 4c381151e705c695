//! A position over JSON bytes with the token reads `json_stream` needs.
//!
//! Why not `jiter::Jiter` alone: its generic string decoder costs about 120
//! instructions for every short key or value (a 16-byte SIMD probe, then a
//! byte-by-byte classification, the `StringOutput` and `to_str` wrappers, the
//! key/colon step), which was a quarter of a model's `validate_json`. Jiter
//! offers neither a hook for its string decoding nor a way to resume at an
//! index, so this cursor reads the common shapes itself — whitespace, `{`,
//! `,`, `:`, `[`, plain strings (no escape, no control character) and
//! integers of up to 18 digits — and hands every other case to a `Jiter`
//! made over the rest of the input, starting over at the same byte. That
//! `Jiter` does the work (escapes, floats, big numbers, literals, nested
//! values to skip or parse) and reports every syntax error, so errors, their
//! kinds and their positions stay exactly jiter's.

use std::borrow::Cow;

use jiter::{Jiter, JiterError, JiterResult, JsonValue, NumberAny, NumberInt, Peek};

/// A key jiter decoded, copied out of its tape.
fn owned<'j>(key: Option<&str>) -> Option<Cow<'j, str>> {
    key.map(|k| Cow::Owned(k.to_owned()))
}

/// The JSON document and the index of the next unread byte.
pub struct JsonCursor<'j> {
    data: &'j [u8],
    pos: usize,
}

/// Bytes scanned at once for the end of a plain string.
#[cfg(target_arch = "x86_64")]
const STEP: usize = 16;
#[cfg(not(target_arch = "x86_64"))]
const STEP: usize = 8;

/// Bytes of `chunk` that stop a plain string: `"`, `\\`, control characters
/// (< 0x20) and non-ASCII (>= 0x80), as a mask whose lowest set bit, divided
/// by [`STOP_BITS`], is the first such byte's offset (0: none).
#[cfg(target_arch = "x86_64")]
#[inline]
fn stops(chunk: &[u8; STEP]) -> u32 {
    use std::arch::x86_64::{
        _mm_cmpeq_epi8, _mm_cmplt_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8,
    };
    // SAFETY: SSE2 is part of the x86_64 baseline; the unaligned load reads
    // exactly the 16 bytes of `chunk`.
    unsafe {
        let v = _mm_loadu_si128(chunk.as_ptr().cast());
        let quote = _mm_cmpeq_epi8(v, _mm_set1_epi8(0x22)); // `"`
        let backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8(0x5c)); // `\`
                                                                // Signed: bytes >= 0x80 are negative, so this also marks non-ASCII.
        let low = _mm_cmplt_epi8(v, _mm_set1_epi8(0x20));
        let mask = _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, backslash), low));
        // 16 mask bits: never negative (all bits would still find the stop byte).
        u32::try_from(mask).unwrap_or(u32::MAX)
    }
}
#[cfg(target_arch = "x86_64")]
const STOP_BITS: u32 = 1;

/// The same on 8 bytes at a time (SWAR), each stop byte marked by its high
/// bit. Bits above the first marked byte may be false positives (borrows);
/// the lowest is exact.
#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn stops(chunk: &[u8; STEP]) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let w = u64::from_le_bytes(*chunk);
    let quote = w ^ (ONES * u64::from(b'"'));
    let backslash = w ^ (ONES * u64::from(b'\\'));
    let zero = |x: u64| x.wrapping_sub(ONES) & !x;
    (zero(quote) | zero(backslash) | w.wrapping_sub(ONES * 0x20) | w) & HIGHS
}
#[cfg(not(target_arch = "x86_64"))]
const STOP_BITS: u32 = 8;

impl<'j> JsonCursor<'j> {
    #[must_use]
    pub fn new(data: &'j [u8]) -> Self {
        Self { data, pos: 0 }
    }

    /// Index of the next unread byte.
    #[must_use]
    pub fn current_index(&self) -> usize {
        self.pos
    }

    /// The input from `start` to the current index.
    #[must_use]
    pub fn slice_to_current(&self, start: usize) -> &'j [u8] {
        &self.data[start..self.pos]
    }

    /// Run `f` on a `Jiter` positioned at `start`; the cursor moves to where
    /// it stopped, and error indexes are made absolute.
    #[inline(never)]
    fn jiter<T>(
        &mut self,
        start: usize,
        f: impl FnOnce(&mut Jiter<'j>) -> JiterResult<T>,
    ) -> JiterResult<T> {
        let data: &'j [u8] = self.data;
        let mut jiter = Jiter::new(&data[start..]).with_allow_inf_nan();
        match f(&mut jiter) {
            Ok(v) => {
                self.pos = start + jiter.current_index();
                Ok(v)
            }
            Err(e) => Err(JiterError {
                error_type: e.error_type,
                index: start + e.index,
            }),
        }
    }

    #[inline]
    fn eat_whitespace(&mut self) -> Option<u8> {
        while let Some(&b) = self.data.get(self.pos) {
            match b {
                b' ' | b'\r' | b'\t' | b'\n' => self.pos += 1,
                _ => return Some(b),
            }
        }
        None
    }

    /// Peek at the next value's first byte (after whitespace).
    pub fn peek(&mut self) -> JiterResult<Peek> {
        match self.eat_whitespace() {
            Some(b) => Ok(Peek::new(b)),
            None => self.jiter(self.pos, Jiter::peek),
        }
    }

    /// A plain string starting at the quote at `self.pos`: `Some(str)` and the
    /// cursor after the closing quote, or `None` (escapes, control characters,
    /// invalid UTF-8, no closing quote) with the cursor unmoved.
    #[inline]
    fn plain_str(&mut self) -> Option<&'j str> {
        let data: &'j [u8] = self.data;
        let start = self.pos + 1;
        let mut i = start;
        let mut ascii = true;
        loop {
            let b = if let Some(chunk) = data.get(i..i + STEP) {
                let m = stops(chunk.try_into().ok()?);
                if m == 0 {
                    i += STEP;
                    continue;
                }
                i += (m.trailing_zeros() / STOP_BITS) as usize;
                data[i]
            } else {
                let b = *data.get(i)?;
                if (0x20..0x80).contains(&b) && b != b'"' && b != b'\\' {
                    i += 1;
                    continue;
                }
                b
            };
            match b {
                b'"' => break,
                0x80.. => {
                    ascii = false;
                    i += 1;
                }
                _ => return None,
            }
        }
        let bytes = &data[start..i];
        let s = if ascii {
            // SAFETY: every byte is below 0x80.
            unsafe { std::str::from_utf8_unchecked(bytes) }
        } else {
            std::str::from_utf8(bytes).ok()?
        };
        self.pos = i + 1;
        Some(s)
    }

    /// Knowing the next value is a string, read it.
    pub fn known_str(&mut self) -> JiterResult<Cow<'j, str>> {
        if let Some(s) = self.plain_str() {
            return Ok(Cow::Borrowed(s));
        }
        self.jiter(self.pos, |j| {
            j.known_str().map(|s| Cow::Owned(s.to_owned()))
        })
    }

    /// A key and its colon, the cursor at the key's opening quote.
    #[inline]
    fn key(&mut self) -> Option<&'j str> {
        let s = self.plain_str()?;
        if self.eat_whitespace() == Some(b':') {
            self.pos += 1;
            Some(s)
        } else {
            None
        }
    }

    /// After `{` (`first`) or after a member: the next key and its colon
    /// (`Some(Some(key))`), or the end of the object (`Some(None)`); `None`
    /// when jiter has to read it.
    #[inline]
    #[allow(clippy::option_option)] // three outcomes: key, end, ask jiter
    fn key_or_end(&mut self, first: bool) -> Option<Option<&'j str>> {
        match self.eat_whitespace()? {
            b'"' if first => self.key().map(Some),
            b',' if !first => {
                self.pos += 1;
                if self.eat_whitespace()? == b'"' {
                    self.key().map(Some)
                } else {
                    None
                }
            }
            b'}' => {
                self.pos += 1;
                Some(None)
            }
            _ => None,
        }
    }

    /// Knowing the next value is an object, read its first key (`None`: `{}`).
    pub fn known_object(&mut self) -> JiterResult<Option<Cow<'j, str>>> {
        let start = self.pos;
        self.pos += 1;
        match self.key_or_end(true) {
            Some(key) => Ok(key.map(Cow::Borrowed)),
            None => self.jiter(start, |j| j.known_object().map(owned)),
        }
    }

    /// The next key of an object (`None`: its end).
    pub fn next_key(&mut self) -> JiterResult<Option<Cow<'j, str>>> {
        let start = self.pos;
        match self.key_or_end(false) {
            Some(key) => Ok(key.map(Cow::Borrowed)),
            None => self.jiter(start, |j| j.next_key().map(owned)),
        }
    }

    /// Knowing the next value is an array, peek at its first item (`None`: `[]`).
    pub fn known_array(&mut self) -> JiterResult<Option<Peek>> {
        let start = self.pos;
        self.pos += 1;
        match self.eat_whitespace() {
            Some(b']') => {
                self.pos += 1;
                Ok(None)
            }
            Some(b) => Ok(Some(Peek::new(b))),
            None => self.jiter(start, Jiter::known_array),
        }
    }

    /// Peek at the next item of an array (`None`: its end).
    pub fn array_step(&mut self) -> JiterResult<Option<Peek>> {
        let start = self.pos;
        match self.eat_whitespace() {
            Some(b',') => {
                self.pos += 1;
                match self.eat_whitespace() {
                    Some(b) if b != b']' => return Ok(Some(Peek::new(b))),
                    _ => {}
                }
            }
            Some(b']') => {
                self.pos += 1;
                return Ok(None);
            }
            _ => {}
        }
        self.jiter(start, Jiter::array_step)
    }

    /// Knowing the next value is a number, read it.
    pub fn known_number(&mut self, peek: Peek) -> JiterResult<NumberAny> {
        let data = self.data;
        let start = self.pos;
        let negative = peek == Peek::Minus;
        let mut i = start + usize::from(negative);
        if let Some(b'1'..=b'9') = data.get(i) {
            let mut n: i64 = 0;
            let digits = i;
            while let Some(&d) = data.get(i) {
                if !d.is_ascii_digit() || i - digits == 18 {
                    break;
                }
                n = n * 10 + i64::from(d - b'0');
                i += 1;
            }
            // 18 digits or fewer and not a float: an i64 as jiter reads it.
            if !matches!(data.get(i), Some(b'0'..=b'9' | b'.' | b'e' | b'E')) {
                self.pos = i;
                return Ok(NumberAny::Int(NumberInt::Int(if negative {
                    -n
                } else {
                    n
                })));
            }
        }
        self.jiter(start, |j| j.known_number(peek))
    }

    /// Knowing the next value's first byte, read the whole value.
    pub fn known_value(&mut self, peek: Peek) -> JiterResult<JsonValue<'j>> {
        self.jiter(self.pos, |j| j.known_value(peek))
    }

    /// Read the next value.
    pub fn next_value(&mut self) -> JiterResult<JsonValue<'j>> {
        self.jiter(self.pos, Jiter::next_value)
    }

    /// Knowing the next value's first byte, skip the whole value.
    pub fn known_skip(&mut self, peek: Peek) -> JiterResult<()> {
        self.jiter(self.pos, |j| j.known_skip(peek))
    }

    /// Skip the next value.
    pub fn next_skip(&mut self) -> JiterResult<()> {
        self.jiter(self.pos, Jiter::next_skip)
    }

    /// Only whitespace may follow the document.
    pub fn finish(&mut self) -> JiterResult<()> {
        match self.eat_whitespace() {
            None => Ok(()),
            Some(_) => self.jiter(self.pos, Jiter::finish),
        }
    }
}
