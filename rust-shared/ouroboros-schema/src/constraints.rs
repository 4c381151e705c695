//! Constraints on strings, numbers and collections, checked in the order
//! Pydantic checks them; the first failing one is the error reported.

use regex::Regex;

use crate::errors::{CtxValue, ErrorType};

/// `min_length`, `max_length`, `pattern` and the whitespace/case transforms
/// of a `str` field.
#[derive(Debug, Clone, Default)]
pub struct StrConstraints {
    pub min_length: Option<usize>,
    pub max_length: Option<usize>,
    pub pattern: Option<Regex>,
    /// The pattern's text, shared by every error that names it.
    pub pattern_text: Option<std::sync::Arc<str>>,
    /// The same pattern as a fully built DFA, used for ASCII input (see [`AsciiPattern`]).
    pub ascii_pattern: Option<std::sync::Arc<AsciiPattern>>,
    pub strip_whitespace: bool,
    pub to_lower: bool,
    pub to_upper: bool,
}

impl StrConstraints {
    /// Nothing to check and nothing to transform: the input can be returned
    /// as it is (the common case, worth a fast path).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.min_length.is_none()
            && self.max_length.is_none()
            && self.pattern.is_none()
            && !self.strip_whitespace
            && !self.to_lower
            && !self.to_upper
    }

    /// Compile a pattern the way Pydantic does with its Rust engine.
    pub fn compile_pattern(pattern: &str) -> Result<Regex, String> {
        Regex::new(pattern).map_err(|e| format!("invalid pattern {pattern:?}: {e}"))
    }

    /// Transform `s` (strip, case) and check it; `None` means "unchanged".
    pub fn apply(&self, s: &str) -> Result<Option<String>, ErrorType> {
        if self.is_empty() {
            return Ok(None);
        }
        let stripped = if self.strip_whitespace { s.trim() } else { s };
        let mut owned: Option<String> = if stripped.len() == s.len() {
            None
        } else {
            Some(stripped.to_owned())
        };
        if self.to_lower {
            owned = Some(owned.as_deref().unwrap_or(s).to_lowercase());
        } else if self.to_upper {
            owned = Some(owned.as_deref().unwrap_or(s).to_uppercase());
        }
        let value = owned.as_deref().unwrap_or(s);
        // `n` bytes of UTF-8 hold between ceil(n / 4) and n characters: they
        // are counted only when that range reaches past a bound.
        let bytes = value.len();
        let surely_fits = self.min_length.is_none_or(|min| bytes.div_ceil(4) >= min)
            && self.max_length.is_none_or(|max| bytes <= max);
        if !surely_fits {
            let len = value.chars().count();
            if let Some(min_length) = self.min_length {
                if len < min_length {
                    return Err(ErrorType::StringTooShort { min_length });
                }
            }
            if let Some(max_length) = self.max_length {
                if len > max_length {
                    return Err(ErrorType::StringTooLong { max_length });
                }
            }
        }
        if let Some(re) = &self.pattern {
            // The table gives up at the first non-ASCII byte: the `regex` crate decides then.
            let matched = match &self.ascii_pattern {
                Some(fast) => fast.is_match(value).unwrap_or_else(|| re.is_match(value)),
                None => re.is_match(value),
            };
            if !matched {
                let pattern = self
                    .pattern_text
                    .clone()
                    .unwrap_or_else(|| re.as_str().into());
                return Err(ErrorType::StringPatternMismatch { pattern });
            }
        }
        // A transform that changed nothing still counts as unchanged.
        Ok(owned.filter(|o| o != s))
    }
}

/// A string pattern compiled to a dense DFA with ASCII-only classes, which answers
/// `is_match` for ASCII input with a plain transition loop (no lazy-DFA cache and
/// no per-thread pool, the fixed cost that dominates matching short field values).
///
/// For a pattern whose text is ASCII, matching an ASCII haystack gives the same
/// answer with ASCII or Unicode classes: `\w`, `\d`, `\s`, `\b` and case folding
/// differ only on non-ASCII characters, none of which the haystack or the pattern
/// holds. Patterns this engine cannot build (Unicode properties, too large a
/// DFA) get no fast path; the `regex` crate stays the reference for all input.
///
/// The DFA is flattened once into a table indexed by state and byte, whose
/// entries are the next state's row or one of three verdicts (match, no match
/// possible, gave up): a byte costs one load and one compare. Every non-ASCII
/// byte gives up before it is read, so a verdict is only ever reached on ASCII
/// bytes (and their ASCII neighbours for `\b`), where both engines agree.
#[derive(Debug)]
pub struct AsciiPattern {
    /// `next[row * 256 + byte]`: the next row, or a `VERDICT_*` value.
    next: Vec<u16>,
    /// The verdict at the end of the haystack for each row: 0 no match, 1 match, 2 gave up.
    at_end: Vec<u8>,
    /// The row of the unanchored start state at the beginning of a haystack.
    start: u16,
}

impl AsciiPattern {
    /// Largest DFA kept per pattern; bigger ones fall back to the `regex` crate.
    const DFA_LIMIT: usize = 64 * 1024;
    /// Rows beyond this many are not flattened (no fast path).
    const MAX_ROWS: usize = 256;
    const VERDICT_QUIT: u16 = u16::MAX - 2;
    const VERDICT_DEAD: u16 = u16::MAX - 1;
    const VERDICT_MATCH: u16 = u16::MAX;

    /// The fast path of `pattern`, when it has one.
    #[must_use]
    pub fn new(pattern: &str) -> Option<Self> {
        use regex_automata::dfa::{dense, Automaton, StartKind};
        use regex_automata::util::{primitives::StateID, syntax};
        if !pattern.is_ascii() {
            return None;
        }
        let dfa = dense::Builder::new()
            .syntax(syntax::Config::new().unicode(false).utf8(false))
            .configure(
                dense::Config::new()
                    .start_kind(StartKind::Unanchored)
                    .accelerate(false)
                    .dfa_size_limit(Some(Self::DFA_LIMIT))
                    .determinize_size_limit(Some(4 * Self::DFA_LIMIT)),
            )
            .build(pattern)
            .ok()?;
        // A match of a whole field value is searched from the start of the
        // haystack, with nothing looked behind.
        let config =
            regex_automata::util::start::Config::new().anchored(regex_automata::Anchored::No);
        let start = dfa.start_state(&config).ok()?;
        if dfa.is_special_state(start) && !dfa.is_start_state(start) {
            return None;
        }
        // Rows numbered in the order the states are first reached from the start.
        let mut rows: Vec<StateID> = vec![start];
        let mut row_of = std::collections::HashMap::from([(start, 0u16)]);
        let mut next = Vec::new();
        let mut at_end = Vec::new();
        let mut i = 0;
        while i < rows.len() {
            let state = rows[i];
            for byte in 0..=255u8 {
                let to = dfa.next_state(state, byte);
                let entry = if !byte.is_ascii() {
                    Self::VERDICT_QUIT
                } else if dfa.is_match_state(to) {
                    Self::VERDICT_MATCH
                } else if dfa.is_dead_state(to) {
                    Self::VERDICT_DEAD
                } else if dfa.is_quit_state(to) {
                    Self::VERDICT_QUIT
                } else if let Some(row) = row_of.get(&to) {
                    *row
                } else {
                    if rows.len() >= Self::MAX_ROWS {
                        return None;
                    }
                    let row = u16::try_from(rows.len()).ok()?;
                    rows.push(to);
                    row_of.insert(to, row);
                    row
                };
                next.push(entry);
            }
            let end = dfa.next_eoi_state(state);
            at_end.push(if dfa.is_quit_state(end) {
                2
            } else {
                u8::from(dfa.is_match_state(end))
            });
            i += 1;
        }
        Some(Self {
            next,
            at_end,
            start: 0,
        })
    }

    /// Whether `s` holds a match; `None` when the table gave up (a non-ASCII byte,
    /// or a quit state of the DFA).
    #[must_use]
    pub fn is_match(&self, s: &str) -> Option<bool> {
        let mut row = self.start;
        for &b in s.as_bytes() {
            let to = *self.next.get(usize::from(row) << 8 | usize::from(b))?;
            if to >= Self::VERDICT_QUIT {
                return match to {
                    Self::VERDICT_MATCH => Some(true),
                    Self::VERDICT_DEAD => Some(false),
                    _ => None,
                };
            }
            row = to;
        }
        match self.at_end.get(usize::from(row))? {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }
}

/// `gt`/`ge`/`lt`/`le`/`multiple_of` of an `int` field (bounds as i64).
#[derive(Debug, Clone, Default)]
pub struct IntConstraints {
    pub gt: Option<i64>,
    pub ge: Option<i64>,
    pub lt: Option<i64>,
    pub le: Option<i64>,
    pub multiple_of: Option<i64>,
}

impl IntConstraints {
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.gt.is_none()
            && self.ge.is_none()
            && self.lt.is_none()
            && self.le.is_none()
            && self.multiple_of.is_none()
    }

    pub fn check(&self, v: i64) -> Result<(), ErrorType> {
        if let Some(m) = self.multiple_of {
            if m != 0 && v % m != 0 {
                return Err(ErrorType::MultipleOf {
                    multiple_of: CtxValue::Int(m),
                });
            }
        }
        if let Some(b) = self.gt {
            if v <= b {
                return Err(ErrorType::GreaterThan {
                    gt: CtxValue::Int(b),
                });
            }
        }
        if let Some(b) = self.ge {
            if v < b {
                return Err(ErrorType::GreaterThanEqual {
                    ge: CtxValue::Int(b),
                });
            }
        }
        if let Some(b) = self.lt {
            if v >= b {
                return Err(ErrorType::LessThan {
                    lt: CtxValue::Int(b),
                });
            }
        }
        if let Some(b) = self.le {
            if v > b {
                return Err(ErrorType::LessThanEqual {
                    le: CtxValue::Int(b),
                });
            }
        }
        Ok(())
    }
}

/// Bounds of a `float` field, plus whether inf/nan are allowed.
#[derive(Debug, Clone)]
pub struct FloatConstraints {
    pub gt: Option<f64>,
    pub ge: Option<f64>,
    pub lt: Option<f64>,
    pub le: Option<f64>,
    pub multiple_of: Option<f64>,
    pub allow_inf_nan: bool,
    /// The bounds were written as integers: errors print them without `.0`.
    pub whole_bounds: bool,
}

impl Default for FloatConstraints {
    fn default() -> Self {
        Self {
            gt: None,
            ge: None,
            lt: None,
            le: None,
            multiple_of: None,
            allow_inf_nan: true,
            whole_bounds: false,
        }
    }
}

impl FloatConstraints {
    fn ctx(&self, v: f64) -> CtxValue {
        if self.whole_bounds && v.fract() == 0.0 {
            CtxValue::WholeFloat(v)
        } else {
            CtxValue::Float(v)
        }
    }

    pub fn check(&self, v: f64) -> Result<(), ErrorType> {
        if !self.allow_inf_nan && !v.is_finite() {
            return Err(ErrorType::FiniteNumber);
        }
        if let Some(m) = self.multiple_of {
            if m != 0.0 {
                let rem = (v / m).round() * m - v;
                if rem.abs() > 1e-9 * v.abs().max(1.0) {
                    return Err(ErrorType::MultipleOf {
                        multiple_of: self.ctx(m),
                    });
                }
            }
        }
        if let Some(b) = self.gt {
            if v.is_nan() || v <= b {
                return Err(ErrorType::GreaterThan { gt: self.ctx(b) });
            }
        }
        if let Some(b) = self.ge {
            if v.is_nan() || v < b {
                return Err(ErrorType::GreaterThanEqual { ge: self.ctx(b) });
            }
        }
        if let Some(b) = self.lt {
            if v.is_nan() || v >= b {
                return Err(ErrorType::LessThan { lt: self.ctx(b) });
            }
        }
        if let Some(b) = self.le {
            if v.is_nan() || v > b {
                return Err(ErrorType::LessThanEqual { le: self.ctx(b) });
            }
        }
        Ok(())
    }
}

/// `min_length`/`max_length` of a collection (Pydantic's `too_short`/`too_long`).
#[derive(Debug, Clone, Copy, Default)]
pub struct LenConstraints {
    pub min_length: Option<usize>,
    pub max_length: Option<usize>,
}

impl LenConstraints {
    pub fn check(&self, field_type: &'static str, len: usize) -> Result<(), ErrorType> {
        if let Some(min_length) = self.min_length {
            if len < min_length {
                return Err(ErrorType::TooShort {
                    field_type,
                    min_length,
                    actual_length: len,
                });
            }
        }
        if let Some(max_length) = self.max_length {
            if len > max_length {
                return Err(ErrorType::TooLong {
                    field_type,
                    max_length,
                    actual_length: Some(len),
                });
            }
        }
        Ok(())
    }

    /// Whether `len` is already past `max_length` (stop validating items early).
    #[must_use]
    pub fn exceeded(&self, len: usize) -> bool {
        self.max_length.is_some_and(|m| len > m)
    }
}
