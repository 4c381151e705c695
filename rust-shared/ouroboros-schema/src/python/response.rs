//! A `dict` returned for a response model, validated and written in one
//! pass: each field's value is validated, then written at once, with no
//! dict of validated fields in between.

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use smallvec::SmallVec;

use crate::errors::LocItem;

use super::error::{is_omit, Errors, ValError, ValResult};
use super::input::Inp;
use super::model::{ExtraBehavior, ModelValidator};
use super::serialize::Serializer;
use super::validator::{FieldError, State, Validator};

/// What one pass gives: the JSON, or the validation errors (or the write
/// error, reported only when the value is valid, as when validating first).
pub enum Written {
    Json(Vec<u8>),
    Invalid(ValError),
    Write(PyErr),
}

/// Whether a field's validator can run without the model's partly built
/// field dict (what a function validator gets as `info.data`): scalars,
/// nested models (which validate with a dict of their own) and optional
/// forms of those. Anything else keeps the two-step path.
fn needs_no_data(v: &Validator, defs: &[ModelValidator]) -> bool {
    match v {
        Validator::Any
        | Validator::None
        | Validator::Bool { .. }
        | Validator::Int { .. }
        | Validator::Float { .. }
        | Validator::Str { .. }
        | Validator::DateTime { .. }
        | Validator::Date { .. }
        | Validator::Time { .. }
        | Validator::TimeDelta { .. }
        | Validator::Uuid { .. }
        | Validator::Email => true,
        Validator::Model(i) => defs.get(*i).is_some_and(|m| !m.root_model),
        Validator::Nullable(inner) => needs_no_data(inner, defs),
        _ => false,
    }
}

/// The JSON of model `model` validated from the exact `dict` `input`, as
/// `validate_fields` then the plain writer of serializer model `index`
/// would give it, or `None` (nothing validated yet) when this pass does not
/// apply: a field missing from the input (its default is the two-step
/// path's), keys the model forbids, field lists that differ, a field
/// validator that could read `info.data`, or a general key lookup.
pub fn dict_to_json<'py>(
    py: Python<'py>,
    model: &ModelValidator,
    defs: &[ModelValidator],
    ser: &Serializer<'_>,
    index: usize,
    input: &Bound<'py, PyAny>,
    st: &mut State<'_, 'py>,
) -> Option<Written> {
    let input = input.cast::<PyDict>().ok()?;
    let ms = &ser.sers[index];
    if model.general(st)
        || ms.fields.len() != model.fields.len()
        || (model.extra == ExtraBehavior::Forbid && input.len() != model.fields.len())
    {
        return None;
    }
    let mut values: SmallVec<[(Bound<'py, PyAny>, &crate::errors::Key); 8]> = SmallVec::new();
    // The input's entries are read in order while they are the fields' first
    // keys (the usual literal dict), by pointer; other keys are looked up.
    let mut pos: ffi::Py_ssize_t = 0;
    for (field, f) in model.fields.iter().zip(&ms.fields) {
        if field.name.as_ptr() != f.name.as_ptr() || !needs_no_data(&field.validator, defs) {
            return None;
        }
        let (first, first_str) = field.lookup.first()?;
        let (mut next, mut k, mut v) = (pos, std::ptr::null_mut(), std::ptr::null_mut());
        // SAFETY: `input` is a live dict and the GIL is held; the borrowed
        // value is owned (`from_borrowed_ptr`) before any Python code runs.
        let mut more =
            unsafe { ffi::PyDict_Next(input.as_ptr(), &raw mut next, &raw mut k, &raw mut v) };
        if more != 0 && k != first.as_ptr() {
            // One key the model does not read (a handler's dict often holds
            // a few more than the response model): the entry after it.
            more =
                unsafe { ffi::PyDict_Next(input.as_ptr(), &raw mut next, &raw mut k, &raw mut v) };
        }
        let found = if more != 0 && k == first.as_ptr() {
            pos = next;
            (unsafe { Bound::from_borrowed_ptr(py, v) }, first_str)
        } else {
            field
                .lookup
                .iter()
                .find_map(|(key, key_str)| Some((input.get_item(key.bind(py)).ok()??, key_str)))?
        };
        values.push(found);
    }
    let mut out = Vec::with_capacity(256);
    let mut errors = Errors::default();
    let mut write_error: Option<PyErr> = None;
    let result = (|| -> ValResult<()> {
        out.push(b'{');
        let mut first = true;
        for ((field, f), (value, key)) in model.fields.iter().zip(&ms.fields).zip(values) {
            let inp = Inp::Py(value);
            let valid = match field.validator.validate_field(py, &inp, st) {
                Ok(valid) => valid,
                Err(FieldError::Kind(kind)) => {
                    errors.push_kind(py, kind, LocItem::Key(key.clone()), &inp)?;
                    continue;
                }
                // `PydanticOmit` from a field validator: the field is left out.
                Err(FieldError::Val(e)) if is_omit(py, &e) => continue,
                Err(FieldError::Val(e)) => {
                    errors.push(py, e, LocItem::Key(key.clone()))?;
                    continue;
                }
            };
            if !errors.is_empty() || write_error.is_some() {
                continue;
            }
            if !first {
                out.push(b',');
            }
            first = false;
            out.extend_from_slice(&f.name_json);
            out.push(b':');
            if let Err(e) = ser.write_json(&valid, &None, &None, &mut out, 1) {
                write_error = Some(e);
            }
        }
        out.push(b'}');
        Ok(())
    })();
    Some(match result {
        Err(e) => Written::Invalid(e),
        Ok(()) if !errors.is_empty() => Written::Invalid(ValError::Lines(errors.0)),
        Ok(()) => match write_error {
            Some(e) => Written::Write(e),
            None => Written::Json(out),
        },
    })
}
