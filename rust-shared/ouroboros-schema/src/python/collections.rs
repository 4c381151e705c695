//! list / set / frozenset / tuple / dict validators. Every item is
//! validated and every failing item reported, with its index or key in `loc`.

use jiter::JsonValue;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyByteArray, PyBytes, PyDict, PyFrozenSet, PyList, PyMapping, PySet, PyString, PyTuple,
};

use crate::constraints::LenConstraints;
use crate::errors::{CtxValue, ErrorType, LocItem};

use super::error::{is_omit, Errors, ValError, ValResult};
use super::gc_pause::GcPause;
use super::input::Inp;
use super::validator::{FieldError, State, Validator};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeqKind {
    List,
    Set,
    FrozenSet,
}

impl SeqKind {
    pub fn name(self) -> &'static str {
        match self {
            Self::List => "list",
            Self::Set => "set",
            Self::FrozenSet => "frozenset",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Self::List => "List",
            Self::Set => "Set",
            Self::FrozenSet => "Frozenset",
        }
    }

    fn type_error(self) -> ErrorType {
        match self {
            Self::List => ErrorType::ListType,
            Self::Set => ErrorType::SetType,
            Self::FrozenSet => ErrorType::FrozenSetType,
        }
    }
}

#[derive(Debug)]
pub struct ListValidator {
    pub kind: SeqKind,
    pub item: Validator,
    pub len: LenConstraints,
    pub strict: bool,
    /// `Sequence[T]`: Python input must be a `collections.abc.Sequence` other
    /// than `str`/`bytes` (strict or not), and the validated items come back
    /// in the input's own type (a tuple stays a tuple, a deque a deque);
    /// JSON input is a list as for `list[T]`.
    pub sequence: bool,
    /// The name in length errors: the kind's ("List", "Set"...) or "Deque".
    pub field_type: &'static str,
}

static SEQUENCE_ABC: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// The input of a `Sequence[T]` checked as Pydantic does: `is_instance_of`
/// for a non-sequence, `sequence_str` for a `str`/`bytes`.
/// A list of `items` (their references moved in): one `PyList_New` and
/// the slots written in place. pyo3's `PyList::new` checks the iterator's
/// length against what it yielded and goes through its own iterator (about
/// twice the instructions for the short lists a JSON body usually holds).
pub(crate) fn list_of<'py, const N: usize>(
    py: Python<'py>,
    items: smallvec::SmallVec<[Bound<'py, PyAny>; N]>,
) -> PyResult<Bound<'py, PyList>> {
    let n = items.len();
    let size = pyo3::ffi::Py_ssize_t::try_from(n)
        .map_err(|e| pyo3::exceptions::PyOverflowError::new_err(e.to_string()))?;
    // SAFETY: a new list of `size` empty slots (or NULL with an exception set).
    let list = unsafe { Bound::from_owned_ptr_or_err(py, pyo3::ffi::PyList_New(size))? };
    for (i, item) in (0..size).zip(items) {
        // SAFETY: `i < size` and each slot is written once; the reference is
        // moved into the list.
        unsafe { pyo3::ffi::PyList_SET_ITEM(list.as_ptr(), i, item.into_ptr()) };
    }
    // SAFETY: `PyList_New` returned a list.
    Ok(unsafe { list.cast_into_unchecked() })
}

fn check_sequence<'py>(py: Python<'py>, o: &Bound<'py, PyAny>, any_items: bool) -> ValResult<()> {
    if !(o.is_exact_instance_of::<PyList>() || o.is_exact_instance_of::<PyTuple>()) {
        let abc = SEQUENCE_ABC.import(py, "collections.abc", "Sequence")?;
        if !o.is_instance(abc)? {
            return Err(ValError::new_py(
                ErrorType::IsInstanceOf {
                    class: "Sequence".into(),
                },
                o,
            ));
        }
    }
    if !any_items && (o.is_instance_of::<PyString>() || o.is_instance_of::<PyBytes>()) {
        let type_name = o.get_type().name()?.to_cow()?.into_owned();
        return Err(ValError::new_py(
            ErrorType::CustomWithContext {
                kind: "sequence_str".into(),
                message: format!("'{type_name}' instances are not allowed as a Sequence value"),
                ctx: vec![("type_name".into(), CtxValue::Str(type_name))],
            },
            o,
        ));
    }
    Ok(())
}

/// The validated items of a `Sequence[T]` in the input's own type: a list for
/// a list or a range, a tuple for a tuple, `type(*items)` for a named tuple,
/// `type(items)` for any other sequence.
fn rebuild_sequence<'py>(
    py: Python<'py>,
    o: &Bound<'py, PyAny>,
    items: Vec<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    if o.is_exact_instance_of::<PyTuple>() {
        return Ok(PyTuple::new(py, items)?.into_any());
    }
    if o.is_exact_instance_of::<PyList>() || o.is_instance_of::<pyo3::types::PyRange>() {
        return Ok(PyList::new(py, items)?.into_any());
    }
    let tp = o.get_type();
    if o.is_instance_of::<PyTuple>() && tp.hasattr(pyo3::intern!(py, "_fields"))? {
        return tp.call1(PyTuple::new(py, items)?);
    }
    tp.call1((PyList::new(py, items)?,))
}

/// The items of a sequence-like Python input, or `None` if it is not one.
fn py_items<'py>(
    o: &Bound<'py, PyAny>,
    kind: SeqKind,
    strict: bool,
) -> PyResult<Option<Vec<Bound<'py, PyAny>>>> {
    let exact_ok = match kind {
        SeqKind::List => o.is_instance_of::<PyList>(),
        SeqKind::Set => o.is_instance_of::<PySet>(),
        SeqKind::FrozenSet => o.is_instance_of::<PyFrozenSet>(),
    };
    if strict && !exact_ok {
        return Ok(None);
    }
    if let Ok(l) = o.cast::<PyList>() {
        return Ok(Some(l.iter().collect()));
    }
    if let Ok(t) = o.cast::<PyTuple>() {
        return Ok(Some(t.iter().collect()));
    }
    if o.is_instance_of::<PyString>()
        || o.is_instance_of::<PyBytes>()
        || o.is_instance_of::<PyByteArray>()
        || o.is_instance_of::<PyDict>()
        || o.cast::<PyMapping>().is_ok()
    {
        return Ok(None);
    }
    match o.try_iter() {
        Ok(it) => Ok(Some(it.collect::<PyResult<Vec<_>>>()?)),
        Err(_) => Ok(None),
    }
}

impl ListValidator {
    #[allow(clippy::too_many_lines)] // one dispatch over every input kind, kept whole on purpose
    pub fn validate<'py>(
        &self,
        py: Python<'py>,
        inp: &Inp<'_, 'py>,
        st: &mut State<'_, 'py>,
    ) -> ValResult<Bound<'py, PyAny>> {
        if let Some(list) = self.short_scalars(inp) {
            return self.validate_short_scalars(py, list, inp, st);
        }
        let strict = st.strict.unwrap_or(self.strict);
        let mut errors = Errors::default();
        let mut out: Vec<Bound<'py, PyAny>> = Vec::new();
        let title = self.field_type;
        let _gc = GcPause::for_list(py, inp, &self.item, st);
        match inp {
            Inp::Py(o) if self.kind == SeqKind::List && o.is_exact_instance_of::<PyList>() => {
                // The common case: a list in, a list out, no intermediate Vec.
                let list = o.cast::<PyList>().map_err(PyErr::from)?;
                let n = list.len();
                if self.len.exceeded(n) {
                    self.len
                        .check(title, n)
                        .map_err(|k| ValError::new(py, k, inp))?;
                }
                // SAFETY: reads the reference count of a live object held by `inp`.
                if unsafe { pyo3::ffi::Py_REFCNT(o.as_ptr()) } == 1 {
                    // Nobody else holds this list (one just built from a
                    // database value): validate it in place, no copy.
                    return self.validate_owned(py, list, inp, st);
                }
                let out_list = PyList::empty(py);
                for i in 0..n {
                    let Ok(item) = list.get_item(i) else { break };
                    match self.item.validate(py, &Inp::Py(item), st) {
                        Ok(v) => out_list.append(v)?,
                        Err(e) if is_omit(py, &e) => {}
                        Err(e) => errors.push(py, e, LocItem::Index(i))?,
                    }
                }
                if !errors.is_empty() {
                    return Err(ValError::Lines(errors.0));
                }
                self.len
                    .check(title, out_list.len())
                    .map_err(|k| ValError::new(py, k, inp))?;
                return Ok(out_list.into_any());
            }
            Inp::Py(o) => {
                let items = if self.sequence {
                    let any = matches!(self.item, Validator::Any);
                    check_sequence(py, o, any)?;
                    if any && self.len.min_length.is_none() && self.len.max_length.is_none() {
                        return Ok(o.clone());
                    }
                    o.try_iter()?.collect::<PyResult<Vec<_>>>()?
                } else {
                    let Some(items) = py_items(o, self.kind, strict)? else {
                        return Err(ValError::new(py, self.kind.type_error(), inp));
                    };
                    items
                };
                if self.len.exceeded(items.len()) && self.kind == SeqKind::List {
                    // An iterator's length is not known before it is read: "not more".
                    let actual_length = o.len().ok();
                    return Err(self.too_long(py, actual_length, inp));
                }
                out.reserve(items.len());
                self.validate_items(
                    py,
                    items.into_iter().map(Inp::Py),
                    inp,
                    st,
                    &mut out,
                    &mut errors,
                )?;
            }
            Inp::Json(JsonValue::Array(items)) => {
                if self.len.exceeded(items.len()) && self.kind == SeqKind::List {
                    self.len
                        .check(title, items.len())
                        .map_err(|k| ValError::new(py, k, inp))?;
                }
                out.reserve(items.len());
                self.validate_items(
                    py,
                    items.iter().map(Inp::Json),
                    inp,
                    st,
                    &mut out,
                    &mut errors,
                )?;
            }
            Inp::Json(_) => return Err(ValError::new(py, self.kind.type_error(), inp)),
        }
        if !errors.is_empty() {
            return Err(ValError::Lines(errors.0));
        }
        let result: Bound<'py, PyAny> = match (self.kind, inp) {
            // `Sequence[T]`: the items in the input's own type.
            (SeqKind::List, Inp::Py(o)) if self.sequence => rebuild_sequence(py, o, out)?,
            (SeqKind::List, _) => PyList::new(py, out)?.into_any(),
            (SeqKind::Set, _) => PySet::new(py, out)
                .map_err(|e| unhashable(py, e, inp))?
                .into_any(),
            (SeqKind::FrozenSet, _) => PyFrozenSet::new(py, out)
                .map_err(|e| unhashable(py, e, inp))?
                .into_any(),
        };
        let len = result.len()?;
        self.len
            .check(title, len)
            .map_err(|k| ValError::new(py, k, inp))?;
        Ok(result)
    }
}

impl ListValidator {
    /// The input when [`Self::validate_short_scalars`] applies: a short
    /// exact list (one someone else holds: a list no one else does is
    /// validated in place) of a scalar item type.
    #[inline]
    fn short_scalars<'a, 'py>(&self, inp: &'a Inp<'_, 'py>) -> Option<&'a Bound<'py, PyList>> {
        let Inp::Py(o) = inp else { return None };
        if self.kind != SeqKind::List || !self.item.is_scalar() {
            return None;
        }
        let list = o.cast_exact::<PyList>().ok()?;
        // SAFETY: reads the reference count of a live object.
        let shared = unsafe { pyo3::ffi::Py_REFCNT(o.as_ptr()) } != 1;
        (shared && list.len() < GcPause::MIN_ITEMS).then_some(list)
    }

    /// A short exact list of scalars (`tags: list[str]`), the usual field:
    /// a list of the right length is made at once and filled in place (no
    /// growth, no copy), in a function small enough to stay in the cache. The
    /// items' validators call no user function, so none is omitted, and the
    /// list is too short for a collector pause (see [`GcPause::for_list`]).
    /// Same result and errors as the general path.
    #[inline(never)]
    fn validate_short_scalars<'py>(
        &self,
        py: Python<'py>,
        list: &Bound<'py, PyList>,
        inp: &Inp<'_, 'py>,
        st: &mut State<'_, 'py>,
    ) -> ValResult<Bound<'py, PyAny>> {
        let n = list.len();
        if self.len.exceeded(n) {
            self.len
                .check(self.field_type, n)
                .map_err(|k| ValError::new(py, k, inp))?;
        }
        let size = pyo3::ffi::Py_ssize_t::try_from(n).map_err(|e| {
            ValError::from(pyo3::exceptions::PyOverflowError::new_err(e.to_string()))
        })?;
        // SAFETY: a new list of `n` empty (NULL) slots, or NULL with an exception set.
        // Its slots are filled below before it is handed out; a list with empty slots
        // is freed and traversed correctly.
        let out = unsafe { Bound::from_owned_ptr_or_err(py, pyo3::ffi::PyList_New(size))? };
        let mut errors = Errors::default();
        let mut filled = 0usize;
        for (i, slot) in (0..n).zip(0..size) {
            // The input can only shrink under a validator that runs Python code
            // (an `int` subclass's `__index__`): then the items read so far count.
            let Ok(item) = list.get_item(i) else { break };
            let inp = Inp::Py(item);
            // The scalar's own check (`validate_field`): a failure is one line
            // recorded in place, with no list of its own.
            match self.item.validate_field(py, &inp, st) {
                Ok(v) => {
                    // SAFETY: `slot < size`, the slot is empty; the new reference is stolen.
                    unsafe {
                        pyo3::ffi::PyList_SET_ITEM(out.as_ptr(), slot, v.into_ptr());
                    }
                    filled += 1;
                }
                Err(FieldError::Kind(kind)) => {
                    errors.push_kind(py, kind, LocItem::Index(i), &inp)?;
                }
                Err(FieldError::Val(e)) => errors.push(py, e, LocItem::Index(i))?,
            }
        }
        if !errors.is_empty() {
            return Err(ValError::Lines(errors.0));
        }
        let out = if filled == n {
            out
        } else {
            // The input shrank: only the slots filled (the first `filled`).
            out.cast::<PyList>()
                .map_err(PyErr::from)?
                .get_slice(0, filled)
                .into_any()
        };
        self.len
            .check(self.field_type, filled)
            .map_err(|k| ValError::new(py, k, inp))?;
        Ok(out)
    }

    fn too_long(
        &self,
        py: Python<'_>,
        actual_length: Option<usize>,
        inp: &Inp<'_, '_>,
    ) -> ValError {
        let max_length = self.len.max_length.unwrap_or_default();
        let kind = ErrorType::TooLong {
            field_type: self.field_type,
            max_length,
            actual_length,
        };
        ValError::new(py, kind, inp)
    }

    /// Each item validated into `out`, its errors kept under its index (omitted items left
    /// out); a set past its `max_length` stops at once.
    fn validate_items<'a, 'py>(
        &self,
        py: Python<'py>,
        items: impl Iterator<Item = Inp<'a, 'py>>,
        inp: &Inp<'_, 'py>,
        st: &mut State<'_, 'py>,
        out: &mut Vec<Bound<'py, PyAny>>,
        errors: &mut Errors,
    ) -> ValResult<()> {
        let mut seen = self.set_counter(py);
        for (i, item) in items.enumerate() {
            match self.item.validate(py, &item, st) {
                Ok(v) => {
                    self.count_distinct(py, &mut seen, &v, inp)?;
                    out.push(v);
                }
                Err(e) if is_omit(py, &e) => {}
                Err(e) => errors.push(py, e, LocItem::Index(i))?,
            }
        }
        Ok(())
    }

    /// For a set with a `max_length`: the distinct items validated so far (pydantic-core
    /// stops at the first item past the limit and reports "not more").
    fn set_counter<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PySet>> {
        if self.kind == SeqKind::List || self.len.max_length.is_none() {
            return None;
        }
        PySet::empty(py).ok()
    }

    fn count_distinct<'py>(
        &self,
        py: Python<'py>,
        seen: &mut Option<Bound<'py, PySet>>,
        v: &Bound<'py, PyAny>,
        inp: &Inp<'_, 'py>,
    ) -> ValResult<()> {
        let Some(set) = seen else {
            return Ok(());
        };
        set.add(v).map_err(|e| unhashable(py, e, inp))?;
        if self.len.exceeded(set.len()) {
            return Err(self.too_long(py, None, inp));
        }
        Ok(())
    }
}

impl ListValidator {
    /// The exact-list case for a list only the caller references: items
    /// are replaced where validation changed them and omitted ones removed,
    /// so the same list comes back (no one else can observe the change).
    fn validate_owned<'py>(
        &self,
        py: Python<'py>,
        list: &Bound<'py, PyList>,
        inp: &Inp<'_, 'py>,
        st: &mut State<'_, 'py>,
    ) -> ValResult<Bound<'py, PyAny>> {
        let title = self.field_type;
        let mut errors = Errors::default();
        let mut omitted: Vec<usize> = Vec::new();
        for i in 0..list.len() {
            let Ok(item) = list.get_item(i) else { break };
            match self.item.validate(py, &Inp::Py(item.clone()), st) {
                Ok(v) if v.is(&item) => {}
                Ok(v) => list.set_item(i, v)?,
                Err(e) if is_omit(py, &e) => omitted.push(i),
                Err(e) => errors.push(py, e, LocItem::Index(i))?,
            }
        }
        if !errors.is_empty() {
            return Err(ValError::Lines(errors.0));
        }
        for i in omitted.into_iter().rev() {
            list.del_item(i)?;
        }
        self.len
            .check(title, list.len())
            .map_err(|k| ValError::new(py, k, inp))?;
        Ok(list.clone().into_any())
    }
}

fn unhashable(py: Python<'_>, e: PyErr, inp: &Inp<'_, '_>) -> ValError {
    if e.is_instance_of::<pyo3::exceptions::PyTypeError>(py) {
        ValError::new(py, ErrorType::SetType, inp)
    } else {
        ValError::Py(Box::new(e))
    }
}

#[derive(Debug)]
pub struct TupleValidator {
    /// Positional item validators (`tuple[int, str]`).
    pub items: Vec<Validator>,
    /// The validator of the remaining items (`tuple[int, ...]`).
    pub variadic: Option<Validator>,
    pub len: LenConstraints,
    pub strict: bool,
}

impl TupleValidator {
    pub fn validate<'py>(
        &self,
        py: Python<'py>,
        inp: &Inp<'_, 'py>,
        st: &mut State<'_, 'py>,
    ) -> ValResult<Bound<'py, PyAny>> {
        let strict = st.strict.unwrap_or(self.strict);
        let items: Vec<Inp<'_, 'py>> = match inp {
            Inp::Py(o) => {
                if strict && !o.is_instance_of::<PyTuple>() {
                    return Err(ValError::new(py, ErrorType::TupleType, inp));
                }
                match py_items(o, SeqKind::List, false)? {
                    Some(v) => v.into_iter().map(Inp::Py).collect(),
                    None => return Err(ValError::new(py, ErrorType::TupleType, inp)),
                }
            }
            Inp::Json(JsonValue::Array(a)) => a.iter().map(Inp::Json).collect(),
            Inp::Json(_) => return Err(ValError::new(py, ErrorType::TupleType, inp)),
        };
        let mut errors = Errors::default();
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let v = match self.items.get(i) {
                Some(v) => v,
                None => match &self.variadic {
                    Some(v) => v,
                    None => {
                        return Err(ValError::new(
                            py,
                            ErrorType::TooLong {
                                field_type: "Tuple",
                                max_length: self.items.len(),
                                actual_length: Some(items.len()),
                            },
                            inp,
                        ))
                    }
                },
            };
            match v.validate(py, item, st) {
                Ok(v) => out.push(v),
                Err(e) => errors.push(py, e, LocItem::Index(i))?,
            }
        }
        for i in items.len()..self.items.len() {
            errors.push_line(
                py,
                super::error::LineError {
                    kind: ErrorType::Missing,
                    loc: smallvec::smallvec![LocItem::Index(i)],
                    input: inp.to_py(py)?.unbind(),
                    ctx_py: None,
                },
            );
        }
        let out = errors.into_result(out)?;
        self.len
            .check("Tuple", out.len())
            .map_err(|k| ValError::new(py, k, inp))?;
        Ok(PyTuple::new(py, out)?.into_any())
    }
}

#[derive(Debug)]
pub struct DictValidator {
    /// The name in length errors: "Dictionary", "OrderedDict" or "Counter".
    pub field_type: &'static str,
    pub keys: Validator,
    pub values: Validator,
    pub len: LenConstraints,
    pub strict: bool,
}

/// A dict key in an error location: strings and non-negative ints as they
/// are (as Pydantic's `loc`), anything else by its repr.
fn key_loc(py: Python<'_>, key: &Inp<'_, '_>) -> LocItem {
    if let Some(s) = key.as_str() {
        return LocItem::Key(s.as_ref().into());
    }
    if let Inp::Py(o) = key {
        if o.is_exact_instance_of::<pyo3::types::PyInt>() {
            if let Ok(i) = o.extract::<usize>() {
                return LocItem::Index(i);
            }
        }
    }
    LocItem::Key(
        key.to_py(py)
            .and_then(|k| k.repr().map(|r| r.to_string()))
            .unwrap_or_default()
            .into(),
    )
}

impl DictValidator {
    pub fn validate<'py>(
        &self,
        py: Python<'py>,
        inp: &Inp<'_, 'py>,
        st: &mut State<'_, 'py>,
    ) -> ValResult<Bound<'py, PyAny>> {
        let strict = st.strict.unwrap_or(self.strict);
        let pairs: Vec<(Inp<'_, 'py>, Inp<'_, 'py>)> = match inp {
            Inp::Py(o) => {
                if let Ok(d) = o.cast::<PyDict>() {
                    // A dict subclass in its own order (an OrderedDict's `move_to_end`).
                    super::serialize::in_order(d)?
                        .iter()
                        .map(|(k, v)| (Inp::Py(k), Inp::Py(v)))
                        .collect()
                } else if !strict && o.cast::<PyMapping>().is_ok() {
                    let m = o.cast::<PyMapping>().map_err(PyErr::from)?;
                    m.items()?
                        .iter()
                        .map(|kv| -> PyResult<_> {
                            let (k, v): (Bound<'py, PyAny>, Bound<'py, PyAny>) = kv.extract()?;
                            Ok((Inp::Py(k), Inp::Py(v)))
                        })
                        .collect::<PyResult<_>>()?
                } else {
                    return Err(ValError::new(py, ErrorType::DictType, inp));
                }
            }
            Inp::Json(JsonValue::Object(entries)) => entries
                .iter()
                .map(|(k, v)| (Inp::Py(PyString::new(py, k).into_any()), Inp::Json(v)))
                .collect(),
            Inp::Json(_) => return Err(ValError::new(py, ErrorType::DictType, inp)),
        };
        let out = PyDict::new(py);
        let mut errors = Errors::default();
        for (k, v) in &pairs {
            let loc = key_loc(py, k);
            let key = match self.keys.validate(py, k, st) {
                Ok(key) => Some(key),
                Err(e) => {
                    let e = e.with_outer(&LocItem::Key("[key]".into()));
                    errors.push(py, e, loc.clone())?;
                    None
                }
            };
            let value = match self.values.validate(py, v, st) {
                Ok(value) => Some(value),
                Err(e) => {
                    errors.push(py, e, loc.clone())?;
                    None
                }
            };
            if let (Some(key), Some(value)) = (key, value) {
                out.set_item(key, value)?;
                if let Some(max_length) = self.len.max_length.filter(|m| out.len() > *m) {
                    // pydantic-core stops at the first entry past the limit: "not more".
                    let kind = ErrorType::TooLong {
                        field_type: self.field_type,
                        max_length,
                        actual_length: None,
                    };
                    return Err(ValError::new(py, kind, inp));
                }
            }
        }
        let out = errors.into_result(out)?;
        self.len
            .check(self.field_type, out.len())
            .map_err(|k| ValError::new(py, k, inp))?;
        Ok(out.into_any())
    }
}
