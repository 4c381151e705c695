//! JSON validated while it is parsed: objects bound for models and arrays
//! bound for lists are read key by key / item by item from the `jiter`
//! tokenizer, so no intermediate tree of objects is allocated; every other
//! value is read as a (borrowed, allocation-free for scalars) `JsonValue`
//! and goes through the ordinary validators.

use jiter::{JiterError, JsonValue, NumberAny, NumberInt, Peek};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyInt, PyString};

use crate::errors::{ErrorType, LocItem};

use super::collections::SeqKind;
use super::error::{Errors, LineError, ValError, ValResult};
use super::gc_pause::{worth_pausing, GcPause};
use super::input::{json_to_py, Inp};
use super::model::{ExtraBehavior, FieldsDest, ModelValidator, Seen};
use super::string_cache;
use super::validator::{State, Validator, MAX_DEPTH};
use crate::json_cursor::JsonCursor;

/// A syntax error stops everything; validation errors are collected.
pub type StreamResult<T> = Result<ValResult<T>, JiterError>;

/// Validate the next JSON value with `v`.
///
/// The usual leaf, a string for a `str` without constraints, is read here,
/// inlined into the object and array loops; every other case goes to
/// [`value_rest`], whose frame (the array buffer, error lists) it skips.
#[inline]
pub fn value<'py>(
    py: Python<'py>,
    v: &Validator,
    jiter: &mut JsonCursor<'_>,
    st: &mut State<'_, 'py>,
) -> StreamResult<Bound<'py, PyAny>> {
    let peek = jiter.peek()?;
    if let (Validator::Str { c, .. }, Peek::String) = (v, peek) {
        if c.is_empty() {
            let s = jiter.known_str()?;
            return Ok(Ok(string_cache::py_str(py, &s).into_any()));
        }
    }
    value_rest(py, v, peek, jiter, st)
}

/// [`value`] for every case but the plain string.
#[inline(never)]
#[allow(clippy::too_many_lines)] // one dispatch over validator and token kinds, kept whole
fn value_rest<'py>(
    py: Python<'py>,
    v: &Validator,
    peek: Peek,
    jiter: &mut JsonCursor<'_>,
    st: &mut State<'_, 'py>,
) -> StreamResult<Bound<'py, PyAny>> {
    match (v, peek) {
        (Validator::Model(i), Peek::Object) => {
            let defs = st.defs;
            match defs.get(*i) {
                Some(model)
                    if model.before.is_empty() && model.wrap.is_none() && !model.general(st) =>
                {
                    if st.depth >= MAX_DEPTH {
                        jiter.known_skip(peek)?;
                        return Ok(Err(ValError::new_py(
                            ErrorType::RecursionDepthExceeded,
                            &py.None().into_bound(py),
                        )));
                    }
                    st.depth += 1;
                    let r = object(py, model, jiter, st);
                    st.depth -= 1;
                    r
                }
                _ => generic(py, v, peek, jiter, st),
            }
        }
        (Validator::List(l), Peek::Array) if l.kind == SeqKind::List => {
            if st.depth >= MAX_DEPTH {
                jiter.known_skip(peek)?;
                return Ok(Err(ValError::new_py(
                    ErrorType::RecursionDepthExceeded,
                    &py.None().into_bound(py),
                )));
            }
            st.depth += 1;
            let start = jiter.current_index();
            // Items are gathered first and the list made once at its final
            // size: no append growth.
            let mut out: smallvec::SmallVec<[Bound<'py, PyAny>; 8]> = smallvec::SmallVec::new();
            let mut errors = Errors::default();
            let mut index = 0usize;
            let mut gc_pause = None;
            let mut next = jiter.known_array()?;
            while next.is_some() {
                if index == GcPause::MIN_ITEMS && worth_pausing(py, &l.item, st) {
                    gc_pause = Some(GcPause::new(py));
                }
                match value(py, &l.item, jiter, st)? {
                    Ok(item) => out.push(item),
                    Err(e) if super::error::is_omit(py, &e) => {}
                    Err(e) => {
                        if let Err(e) = errors.push(py, e, LocItem::Index(index)) {
                            st.depth -= 1;
                            return Ok(Err(e.into()));
                        }
                    }
                }
                index += 1;
                next = jiter.array_step()?;
            }
            st.depth -= 1;
            // The list is made while the collector is still paused (its
            // allocation starts no collection).
            let list = if errors.is_empty() {
                match super::collections::list_of(py, out) {
                    Ok(list) => Some(list),
                    Err(e) => return Ok(Err(e.into())),
                }
            } else {
                None
            };
            drop(gc_pause);
            // Too many items is reported alone, as in the Python path (and Pydantic).
            if !errors.is_empty() && !l.len.exceeded(index) {
                return Ok(Err(ValError::Lines(errors.0)));
            }
            match (l.len.check("List", index), list) {
                (Ok(()), Some(list)) => Ok(Ok(list.into_any())),
                (Ok(()), None) => Ok(Err(ValError::Lines(errors.0))),
                (Err(kind), _) => {
                    // The list as Python data, for the error's input.
                    let input = JsonValue::parse(jiter.slice_to_current(start), true)
                        .ok()
                        .and_then(|v| json_to_py(py, &v).ok())
                        .unwrap_or_else(|| py.None().into_bound(py));
                    Ok(Err(ValError::new_py(kind, &input)))
                }
            }
        }
        (Validator::Nullable(inner), p) if p != Peek::Null => value_rest(py, inner, p, jiter, st),
        // JSON holds no sentinel: the inner type's.
        (Validator::Passthrough(p), peek) => value_rest(py, &p.1, peek, jiter, st),
        // The two most common leaves, read straight from the tokenizer.
        (Validator::Str { c, .. }, Peek::String) => {
            let s = jiter.known_str()?;
            let s = &*s;
            if c.is_empty() {
                return Ok(Ok(string_cache::py_str(py, s).into_any()));
            }
            Ok(match c.apply(s) {
                Ok(None) => Ok(string_cache::py_str(py, s).into_any()),
                Ok(Some(changed)) => Ok(PyString::new(py, &changed).into_any()),
                Err(kind) => Err(ValError::new_py(kind, &PyString::new(py, s).into_any())),
            })
        }
        // Every bound is an i64 (`big_bounds` repeats them for ints beyond i64),
        // so an i64 input is checked by `c` alone.
        (Validator::Int { c, .. }, p) if p.is_num() => {
            match jiter.known_number(p)? {
                NumberAny::Int(NumberInt::Int(i)) => {
                    let obj = PyInt::new(py, i).into_any();
                    Ok(match c.check(i) {
                        Ok(()) => Ok(obj),
                        Err(kind) => Err(ValError::new_py(kind, &obj)),
                    })
                }
                other => {
                    // Big ints and floats: the general path decides (lax/strict).
                    let parsed = match other {
                        NumberAny::Int(NumberInt::Int(i)) => JsonValue::Int(i),
                        NumberAny::Int(NumberInt::BigInt(b)) => JsonValue::BigInt(b),
                        NumberAny::Float(f) => JsonValue::Float(f),
                    };
                    Ok(v.validate(py, &Inp::Json(&parsed), st))
                }
            }
        }
        _ => generic(py, v, peek, jiter, st),
    }
}

fn generic<'py>(
    py: Python<'py>,
    v: &Validator,
    peek: Peek,
    jiter: &mut JsonCursor<'_>,
    st: &mut State<'_, 'py>,
) -> StreamResult<Bound<'py, PyAny>> {
    let parsed: JsonValue<'_> = jiter.known_value(peek)?;
    Ok(v.validate(py, &Inp::Json(&parsed), st))
}

/// A JSON object validated straight into an instance of `model`, whose
/// `__dict__` holds the fields in declaration order (as Pydantic's does),
/// whatever the order of the keys.
fn object<'py>(
    py: Python<'py>,
    model: &ModelValidator,
    jiter: &mut JsonCursor<'_>,
    st: &mut State<'_, 'py>,
) -> StreamResult<Bound<'py, PyAny>> {
    let n = model.fields.len();
    if !model.buffered {
        // Validators may read the partly built dict (`info.data`): it is
        // filled as the keys come.
        let dict = match super::model::new_presized_dict(py, n) {
            Ok(d) => d,
            Err(e) => return Ok(Err(e.into())),
        };
        let saved = st.data.replace(dict.clone());
        let r = object_into(py, model, jiter, st, &mut FieldsDest::Dict(&dict));
        st.data = saved;
        let (seen, extra, in_order) = match r? {
            Ok(out) => out,
            Err(e) => return Ok(Err(e)),
        };
        let dict = if in_order {
            dict
        } else {
            match model.reordered(py, &dict) {
                Ok(d) => d,
                Err(e) => return Ok(Err(e.into())),
            }
        };
        return Ok(model.build_instance(py, dict, &seen, extra));
    }
    super::model::with_slots(n, |slots| object_buffered(py, model, jiter, st, slots))
}

/// [`object`] for a [`ModelValidator::buffered`] model: the values are held
/// by field index and the dict is built once every field passed.
#[inline]
fn object_buffered<'py>(
    py: Python<'py>,
    model: &ModelValidator,
    jiter: &mut JsonCursor<'_>,
    st: &mut State<'_, 'py>,
    buf: &mut [Option<Bound<'py, PyAny>>],
) -> StreamResult<Bound<'py, PyAny>> {
    let (seen, extra, _) = match object_into(py, model, jiter, st, &mut FieldsDest::Buf(buf))? {
        Ok(out) => out,
        Err(e) => return Ok(Err(e)),
    };
    Ok(match model.dict_of(py, buf) {
        Ok(dict) => model.build_instance(py, dict, &seen, extra),
        Err(e) => Err(e.into()),
    })
}

/// What [`object_into`] gives: the fields the object set, its extras kept,
/// and whether its keys came in declaration order.
type ObjectOut<'py> = (Seen, Option<Bound<'py, PyDict>>, bool);

/// The keys of a JSON object validated into `dest` (defaults filled).
#[allow(clippy::too_many_lines)] // one hot loop over the input, kept whole on purpose
fn object_into<'py>(
    py: Python<'py>,
    model: &ModelValidator,
    jiter: &mut JsonCursor<'_>,
    st: &mut State<'_, 'py>,
    dest: &mut FieldsDest<'_, 'py>,
) -> StreamResult<ObjectOut<'py>> {
    let start = jiter.current_index();
    let mut extra: Option<Bound<'py, PyDict>> = None;
    // Which fields the object gave: a bit set, no allocation for models of
    // up to 128 fields (larger ones spill into a Vec).
    let mut seen = Seen::new(model.fields.len());
    let mut errors = Errors::default();
    // The field index of each error line: lines are reported in declaration
    // order, as Pydantic does (extras last), whatever the order of the keys.
    let mut order: Vec<usize> = Vec::new();
    let mut in_order = true;
    // Known keys are matched while borrowed from the parser; only unknown
    // keys (extras) are copied.
    let mut hint = 0usize;
    let classify = |k: &str, hint: usize| {
        model
            .field_index_key_from(k, hint)
            .ok_or_else(|| k.to_owned())
    };
    let mut key = jiter.known_object()?.map(|k| classify(&k, hint));
    while let Some(k) = key {
        match k {
            Ok((i, j)) => {
                in_order &= i >= hint;
                hint = i + 1;
                let field = &model.fields[i];
                seen.set(i);
                match value(py, &field.validator, jiter, st)? {
                    Ok(v) => {
                        if let Err(e) = dest.put(py, i, field, v) {
                            return Ok(Err(e.into()));
                        }
                    }
                    // `PydanticOmit` from a field validator: the field is left out.
                    Err(e) if super::error::is_omit(py, &e) => {}
                    Err(e) => {
                        if let Err(e) = errors.push(py, e, LocItem::Key(field.lookup[j].1.clone()))
                        {
                            return Ok(Err(e.into()));
                        }
                        order.resize(errors.0.len(), i);
                    }
                }
            }
            Err(k) => match model.extra {
                ExtraBehavior::Ignore => jiter.next_skip()?,
                ExtraBehavior::Forbid | ExtraBehavior::Allow => {
                    let v = jiter.next_value()?;
                    let obj = match json_to_py(py, &v) {
                        Ok(o) => o,
                        Err(e) => return Ok(Err(e.into())),
                    };
                    if model.extra == ExtraBehavior::Forbid {
                        errors.0.push(LineError {
                            kind: ErrorType::ExtraForbidden,
                            loc: smallvec::smallvec![LocItem::Key(k.into())],
                            input: obj.unbind(),
                            ctx_py: None,
                        });
                        order.resize(errors.0.len(), usize::MAX);
                    } else if let Err(e) = extra
                        .get_or_insert_with(|| PyDict::new(py))
                        .set_item(&*k, obj)
                    {
                        return Ok(Err(e.into()));
                    }
                }
            },
        }
        key = jiter.next_key()?.map(|k| classify(&k, hint));
    }
    if !seen.all(model.fields.len()) {
        let mut whole: Option<Bound<'py, PyAny>> = None;
        for (i, field) in model.fields.iter().enumerate() {
            if seen.get(i) {
                continue;
            }
            match model.fill_default_to(py, i, dest, st, &mut errors) {
                Ok(true) => order.resize(errors.0.len(), i),
                Ok(false) => {
                    if whole.is_none() {
                        // The object as Python data, for the `missing` errors' input.
                        let raw = jiter.slice_to_current(start);
                        let obj = JsonValue::parse(raw, true)
                            .ok()
                            .map_or_else(|| Ok(py.None().into_bound(py)), |v| json_to_py(py, &v));
                        match obj {
                            Ok(o) => whole = Some(o),
                            Err(e) => return Ok(Err(e.into())),
                        }
                    }
                    let none = py.None().into_bound(py);
                    errors.0.push(ModelValidator::missing_line(
                        field,
                        whole.as_ref().unwrap_or(&none),
                    ));
                    order.resize(errors.0.len(), i);
                }
                Err(e) => return Ok(Err(e.into())),
            }
        }
        // Defaults go after the keys given: in order only if none was given after them.
        in_order &= (0..model.fields.len()).all(|i| seen.get(i) || i >= hint);
    }
    // (A buffered model has no typed extras.)
    if let FieldsDest::Dict(dict) = dest {
        if let Err(e) = model.validate_extras(py, dict, &mut extra, st, &mut errors) {
            return Ok(Err(e));
        }
    }
    if !errors.is_empty() {
        return Ok(Err(ModelValidator::ordered_lines(errors, order)));
    }
    Ok(Ok((seen, extra, in_order)))
}
