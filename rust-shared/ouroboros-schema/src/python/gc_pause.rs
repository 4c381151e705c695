//! The cyclic garbage collector held off while a long list of new containers is validated.
//!
//! Each item validated into a model instance, list or dict is a new object the collector
//! tracks, so building a list of a thousand models triggers several young-generation passes.
//! None of them can free anything: every new object is reachable from the list being built.
//! Paused, the collector runs its pass at the first allocation after the list is done.
//!
//! The pause is only taken when nothing but this crate runs while it lasts: the item
//! validator builds tracked objects (models, typed dicts, lists, tuples, dicts) and calls no
//! Python code of the user's (no function validators, model validators, `__post_init__`,
//! default factories, enum `_missing_`, attribute reads of `from_attributes`). So no
//! validator can see `gc.isenabled()` turn False, call `gc.disable()` that the end of the
//! pause would undo, or make cyclic garbage that waits for the list to end; and no other
//! thread runs (no bytecode runs, so the GIL is not handed over). Only the outermost pause
//! enables the collector again, and only if it was enabled when the pause began: a collector
//! the user disabled stays disabled.
//!
//! `OUROBOROS_VALIDATION_GC_PAUSE=0` in the environment (read once) turns the pause off.

use std::sync::OnceLock;

use jiter::JsonValue;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use super::input::Inp;
use super::model::{FieldDefault, ModelValidator};
use super::validator::{State, Validator};

/// What validating with a validator may do, as far as the collector is concerned.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Effect {
    /// Builds no object the collector tracks (str, int, datetime...) or gives back existing ones.
    Untracked,
    /// Builds tracked objects (containers, model instances) without running the user's code.
    Tracked,
    /// May run Python code of the user's (or code whose effects are not known here).
    UserCode,
}

/// Nesting beyond this many models is not inspected (and not paused for): recursive models.
const MAX_MODEL_DEPTH: u8 = 6;

fn effect(py: Python<'_>, v: &Validator, defs: &[ModelValidator], depth: u8) -> Effect {
    match v {
        Validator::Any
        | Validator::None
        | Validator::Bool { .. }
        | Validator::Int { .. }
        | Validator::Float { .. }
        | Validator::Str { .. }
        | Validator::Bytes { .. }
        | Validator::Decimal(_)
        | Validator::DateTime { .. }
        | Validator::Date { .. }
        | Validator::Time { .. }
        | Validator::TimeDelta { .. }
        | Validator::Uuid { .. }
        | Validator::Url(_)
        | Validator::Literal(_)
        | Validator::IsInstance { .. } => Effect::Untracked,
        Validator::Enum(e) => {
            if e.missing.is_some() {
                Effect::UserCode
            } else {
                Effect::Untracked
            }
        }
        Validator::Bounded(b) => effect(py, &b.inner, defs, depth),
        Validator::Nullable(inner) => effect(py, inner, defs, depth),
        Validator::Passthrough(p) => effect(py, &p.1, defs, depth),
        Validator::List(l) => Effect::Tracked.max(effect(py, &l.item, defs, depth)),
        Validator::Tuple(t) => t
            .items
            .iter()
            .chain(t.variadic.as_ref())
            .map(|i| effect(py, i, defs, depth))
            .fold(Effect::Tracked, Effect::max),
        Validator::Dict(d) => Effect::Tracked
            .max(effect(py, &d.keys, defs, depth))
            .max(effect(py, &d.values, defs, depth)),
        Validator::Union(u) => u
            .choices
            .iter()
            .map(|(c, _)| effect(py, c, defs, depth))
            .fold(Effect::Untracked, Effect::max),
        Validator::Tagged(t) => t
            .choices
            .iter()
            .map(|c| effect(py, c, defs, depth))
            .fold(Effect::Untracked, Effect::max),
        Validator::Model(i) | Validator::TypedDict(i) => match defs.get(*i) {
            Some(m) if depth < MAX_MODEL_DEPTH => model_effect(py, m, defs, depth + 1),
            _ => Effect::UserCode,
        },
        // Email addresses are checked by the `email-validator` package (Python code).
        Validator::Email | Validator::Function(_) => Effect::UserCode,
    }
}

fn model_effect(py: Python<'_>, m: &ModelValidator, defs: &[ModelValidator], depth: u8) -> Effect {
    if m.wrap.is_some()
        || !m.before.is_empty()
        || !m.after.is_empty()
        || m.post_init.is_some()
        || m.generic_origin.is_some()
        || m.from_attributes
    {
        return Effect::UserCode;
    }
    let mut out = Effect::Tracked;
    for f in &m.fields {
        let default = match &f.default {
            FieldDefault::Required
            | FieldDefault::Omit
            | FieldDefault::Value { copy: false, .. } => Effect::Untracked,
            // An empty list or dict default is copied without Python; anything else by `deepcopy`.
            FieldDefault::Value { value, copy: true } => {
                let v = value.bind(py);
                let empty = v.cast::<PyList>().is_ok_and(PyListMethods::is_empty)
                    || v.cast::<PyDict>().is_ok_and(PyDictMethods::is_empty);
                if empty {
                    Effect::Tracked
                } else {
                    Effect::UserCode
                }
            }
            FieldDefault::Factory { .. } => Effect::UserCode,
        };
        out = out.max(default).max(effect(py, &f.validator, defs, depth));
        if out == Effect::UserCode {
            return out;
        }
    }
    for extra in m.extras.iter().chain(m.extras_keys.iter()) {
        out = out.max(effect(py, extra, defs, depth));
    }
    out
}

/// Whether the environment turned the pause off (`OUROBOROS_VALIDATION_GC_PAUSE=0`).
fn enabled() -> bool {
    static ENABLED: OnceLock<bool> = OnceLock::new();
    *ENABLED.get_or_init(|| {
        !matches!(
            std::env::var("OUROBOROS_VALIDATION_GC_PAUSE").as_deref(),
            Ok("0" | "false" | "off" | "no")
        )
    })
}

/// Whether validating many items with `item` is worth a pause, and safe to pause for.
#[must_use]
pub fn worth_pausing(py: Python<'_>, item: &Validator, st: &State<'_, '_>) -> bool {
    enabled() && !st.from_attributes && effect(py, item, st.defs, 0) == Effect::Tracked
}

/// A pause of the collector; dropping it ends the pause (on errors too).
pub struct GcPause<'py> {
    /// The collector was enabled when the pause began (this is the outermost pause).
    resume: bool,
    _gil: std::marker::PhantomData<Python<'py>>,
}

impl<'py> GcPause<'py> {
    /// Lists shorter than this are validated with the collector left alone.
    pub const MIN_ITEMS: usize = 32;

    #[must_use]
    pub fn new(_py: Python<'py>) -> Self {
        // SAFETY: the GIL is held (`_py`); returns whether it was enabled.
        let resume = unsafe { pyo3::ffi::PyGC_Disable() } != 0;
        Self {
            resume,
            _gil: std::marker::PhantomData,
        }
    }

    /// A pause for validating `inp` as a list of `item`s, when it is a list long enough to
    /// need one and its items can be built without the user's code running.
    #[must_use]
    pub fn for_list(
        py: Python<'py>,
        inp: &Inp<'_, 'py>,
        item: &Validator,
        st: &State<'_, 'py>,
    ) -> Option<Self> {
        let n = match inp {
            Inp::Py(o) => o.cast::<PyList>().map_or(0, PyListMethods::len),
            Inp::Json(JsonValue::Array(items)) => items.len(),
            Inp::Json(_) => 0,
        };
        (n >= Self::MIN_ITEMS && worth_pausing(py, item, st)).then(|| Self::new(py))
    }
}

impl Drop for GcPause<'_> {
    fn drop(&mut self) {
        if self.resume {
            // SAFETY: the GIL is still held: the pause borrows `Python<'py>`.
            unsafe { pyo3::ffi::PyGC_Enable() };
        }
    }
}
