//! Models validated from `(key, value)` pairs read by the caller, one at a
//! time, from its own source (a database row, a BSON document): no
//! intermediate dict of the input is built. Values are converted lazily (a
//! key the model ignores is never converted) and validated as Python input,
//! so the rules are exactly those of `validate_python` on the equivalent dict.

use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors::{ErrorType, LocItem};

use super::error::{Errors, LineError, ValResult};
use super::input::Inp;
use super::model::{ExtraBehavior, ModelValidator, Seen};
use super::validator::State;

/// Whether a model can be read from pairs (flat keys only, no `before`/`wrap` model
/// validator, which need the whole input first). Fields looked up under
/// several flat keys (alias and name with `populate_by_name`, alias choices)
/// are read here too: the key earliest in the field's lookup wins, whatever
/// the order of the pairs, as in the general lookup.
pub fn accepts(model: &ModelValidator) -> bool {
    model.before.is_empty()
        && model.wrap.is_none()
        && !model.nested
        && model.loc_by_alias
        && !model.root_model
}

/// Build one instance of `model` from `pairs`; `whole` gives the input as a
/// Python object, only needed for the `input` of a `missing` error.
#[allow(clippy::too_many_lines)] // one pass over the pairs, kept whole on purpose
pub fn model<'py, I, K, V, W>(
    py: Python<'py>,
    model: &ModelValidator,
    pairs: I,
    whole: W,
    st: &mut State<'_, 'py>,
) -> ValResult<Bound<'py, PyAny>>
where
    I: Iterator<Item = PyResult<(K, V)>>,
    K: AsRef<str>,
    V: FnOnce() -> PyResult<Bound<'py, PyAny>>,
    W: FnOnce() -> PyResult<Bound<'py, PyAny>>,
{
    let dict = super::model::new_presized_dict(py, model.fields.len())?;
    let mut extra: Option<Bound<'py, PyDict>> = None;
    let mut seen = Seen::new(model.fields.len());
    let mut errors = Errors::default();
    // Error lines are reported in declaration order (extras last).
    let mut order: Vec<usize> = Vec::new();
    // With several keys per field: the lookup index each field was read under.
    let mut used: Vec<usize> = Vec::new();
    if model.multi_key {
        used.resize(model.fields.len(), usize::MAX);
    }
    let saved = st.data.replace(dict.clone());
    let r = (|| -> ValResult<()> {
        let mut hint = 0usize;
        for pair in pairs {
            let (key, value) = pair?;
            let key = key.as_ref();
            if let Some((i, j)) = model.field_index_key_from(key, hint) {
                hint = i + 1;
                let field = &model.fields[i];
                if seen.get(i) {
                    // Read again: a key later in the lookup loses; an earlier
                    // one (or the same key repeated, as a dict keeps the last)
                    // replaces the value and its errors.
                    if used.get(i).is_some_and(|&u| j > u) {
                        continue;
                    }
                    let mut at = 0;
                    errors.0.retain(|_| {
                        at += 1;
                        order[at - 1] != i
                    });
                    order.retain(|&o| o != i);
                }
                if let Some(u) = used.get_mut(i) {
                    *u = j;
                }
                seen.set(i);
                let input = value()?;
                match field.validator.validate(py, &Inp::Py(input), st) {
                    Ok(v) => dict.set_item(field.name.bind(py), v)?,
                    Err(e) => {
                        errors.push(py, e, LocItem::Key(field.lookup[j].1.clone()))?;
                        order.resize(errors.0.len(), i);
                    }
                }
                continue;
            }
            match model.extra {
                ExtraBehavior::Ignore => {}
                ExtraBehavior::Forbid => {
                    errors.push_line(
                        py,
                        LineError {
                            kind: ErrorType::ExtraForbidden,
                            loc: smallvec::smallvec![LocItem::Key(key.into())],
                            input: value()?.unbind(),
                            ctx_py: None,
                        },
                    );
                    order.resize(errors.0.len(), usize::MAX);
                }
                ExtraBehavior::Allow => {
                    extra
                        .get_or_insert_with(|| PyDict::new(py))
                        .set_item(key, value()?)?;
                }
            }
        }
        let mut whole = Some(whole);
        let mut input: Option<Bound<'py, PyAny>> = None;
        for (i, field) in model.fields.iter().enumerate() {
            if seen.get(i) {
                continue;
            }
            if model.fill_default(py, i, &dict, st, &mut errors)? {
                order.resize(errors.0.len(), i);
                continue;
            }
            if input.is_none() {
                input = Some(match whole.take() {
                    Some(f) => f()?,
                    None => py.None().into_bound(py),
                });
            }
            let none = py.None().into_bound(py);
            errors.push_line(
                py,
                ModelValidator::missing_line(field, input.as_ref().unwrap_or(&none)),
            );
            order.resize(errors.0.len(), i);
        }
        Ok(())
    })();
    st.data = saved;
    r?;
    model.validate_extras(py, &dict, &mut extra, st, &mut errors)?;
    if !errors.is_empty() {
        return Err(ModelValidator::ordered_lines(errors, order));
    }
    model.build_instance(py, dict, &seen, extra)
}
