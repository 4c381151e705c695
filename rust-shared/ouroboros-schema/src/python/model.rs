//! Model validation: fields looked up by their (interned) names or aliases,
//! every failing field reported, and the instance built directly: allocated
//! without calling `__init__`, with its `__dict__` and fields-set record set.

use std::collections::HashMap;

use jiter::JsonValue;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyFrozenSet, PyList, PySet, PyString, PyType};

use crate::errors::{ErrorType, LocItem};

use super::error::{from_user_exception, is_omit, Errors, LineError, Loc, ValError, ValResult};
use super::input::Inp;
use super::validator::{FieldError, State, Validator};

/// Attribute holding the set of field names given explicitly.
pub const FIELDS_SET_ATTR: &str = "__ouroboros_fields_set__";
/// Attribute holding extra fields when `extra="allow"` (a dict or None).
pub const EXTRA_ATTR: &str = "__ouroboros_extra__";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExtraBehavior {
    Ignore,
    Forbid,
    Allow,
}

#[derive(Debug)]
pub enum FieldDefault {
    Required,
    /// A key a TypedDict does not require: left out when the input lacks it.
    Omit,
    /// A default value; `copy` for mutable defaults (each instance gets its own).
    Value {
        value: Py<PyAny>,
        copy: bool,
    },
    /// `default_factory`, called with the validated data if `takes_data`.
    Factory {
        func: Py<PyAny>,
        takes_data: bool,
    },
}

/// One step of a validation alias path (`AliasPath("a", 0, "b")`).
#[derive(Debug)]
pub enum PathItem {
    Key(Py<PyString>, crate::errors::Key),
    Index(i64),
}

impl PathItem {
    fn loc(&self) -> LocItem {
        match self {
            Self::Key(_, s) => LocItem::Key(s.clone()),
            Self::Index(i) => usize::try_from(*i).map_or(LocItem::Negative(*i), LocItem::Index),
        }
    }
}

#[derive(Debug)]
pub struct Field {
    pub name: Py<PyString>,
    pub name_str: String,
    /// Keys looked up in the input, in order (validation alias, alias, name),
    /// as the model's config asks: the fast path for flat keys.
    pub lookup: Vec<(Py<PyString>, crate::errors::Key)>,
    /// The first lookup key as plain text: compared with the keys of JSON
    /// objects without `CompactString`'s inline/heap dispatch.
    pub key0: Option<Box<str>>,
    /// Every validation alias choice as a path (empty: the field has no alias).
    pub aliases: Vec<Vec<PathItem>>,
    /// The field name as a one-step path.
    pub name_path: Vec<PathItem>,
    pub validator: Validator,
    pub default: FieldDefault,
    pub frozen: bool,
    /// `Field(validate_default=True)`: defaults go through the validator too.
    pub validate_default: bool,
}

impl Field {
    /// Store a default value (validated first when `validate_default`).
    pub fn set_default<'py>(
        &self,
        py: Python<'py>,
        dict: &Bound<'py, PyDict>,
        value: Bound<'py, PyAny>,
        st: &mut State<'_, 'py>,
        errors: &mut Errors,
    ) -> PyResult<()> {
        match self.checked_default(py, value, st, errors)? {
            Some(v) => dict.set_item(self.name.bind(py), v),
            None => Ok(()),
        }
    }

    /// A default value as stored (validated first when `validate_default`;
    /// `None` when that failed, its error recorded).
    pub fn checked_default<'py>(
        &self,
        py: Python<'py>,
        value: Bound<'py, PyAny>,
        st: &mut State<'_, 'py>,
        errors: &mut Errors,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        if !self.validate_default {
            return Ok(Some(value));
        }
        match self.validator.validate(py, &Inp::Py(value), st) {
            Ok(v) => Ok(Some(v)),
            Err(e) => errors
                .push(py, e, LocItem::Key(self.name_str.as_str().into()))
                .map(|()| None),
        }
    }
}

#[derive(Debug)]
#[allow(clippy::struct_excessive_bools)] // one flag per config key the lookup obeys
pub struct ModelValidator {
    pub cls: Py<PyType>,
    pub class_name: String,
    /// Every field name: copied as the fields-set record of an instance
    /// whose input gave every field (one table copy, no per-name insert).
    pub all_names: Py<PyFrozenSet>,
    /// The template of its instance dicts (see [`super::field_dict`]).
    pub field_dict: super::field_dict::FieldDict,
    /// The last record of a partial input (`Seen` bits, shared `frozenset`):
    /// rows read from a database usually omit the same defaulted fields.
    pub partial_names: std::sync::Mutex<Option<(u128, Py<PyFrozenSet>)>>,
    /// Where instances of exactly `cls` keep their fields-set record (a
    /// `__slots__` member, see [`member_offset`]): stored there directly.
    pub fields_set_offset: Option<isize>,
    pub fields: Vec<Field>,
    /// Input key -> field index, for JSON objects (one pass over the keys).
    pub key_index: HashMap<String, usize>,
    pub extra: ExtraBehavior,
    pub strict: bool,
    pub from_attributes: bool,
    /// `validate_by_alias` / `validate_by_name` (`populate_by_name`) config.
    pub by_alias: bool,
    pub by_name: bool,
    /// `loc_by_alias` config: error locations name the alias used (default).
    pub loc_by_alias: bool,
    /// Some field has a nested alias path: the general lookup is always used.
    pub nested: bool,
    /// Some field is looked up under several keys (alias choices, alias and
    /// name): the general lookup picks them in the order Pydantic does.
    pub multi_key: bool,
    pub before: Vec<Py<PyAny>>,
    /// `mode="wrap"` model validator, already bound to its handler by the
    /// describing side: `func(input) -> instance` replaces field validation.
    pub wrap: Option<Py<PyAny>>,
    pub after: Vec<Py<PyAny>>,
    pub post_init: Option<Py<PyAny>>,
    /// A TypedDict: validation gives the dict of its keys (and extra keys), not an instance.
    pub typed_dict: bool,
    /// A `RootModel`: its one field, `root`, is the value itself, so errors
    /// inside it carry no `root` location (as in Pydantic).
    pub root_model: bool,
    /// A TypedDict's `extra_items` type, or a model's typed `__pydantic_extra__`
    /// (`dict[str, V]`): every extra value is validated with it.
    pub extras: Option<Box<Validator>>,
    /// A parametrized generic model (`Inner[int]`): its origin class (`Inner`) and the function
    /// giving the field values of an instance of another parametrization, validated again.
    pub generic_origin: Option<(Py<PyType>, Py<PyAny>)>,
    /// A model's `__pydantic_extra__: dict[K, V]` with keys other than plain `str`.
    pub extras_keys: Option<Box<Validator>>,
    /// No validator of a field can read the partly built field dict (`info.data`, see
    /// [`needs_no_data`]): a dict input's values are held in a buffer and the instance dict
    /// is built once every field passed, so a failing input builds no dict at all.
    /// Set once every definition is compiled ([`mark_buffered`]).
    pub buffered: bool,
}

/// Whether a field's validator can run without the model's partly built
/// field dict (what a function validator gets as `info.data`): validators
/// that call no user function, nested models (which validate with a dict of
/// their own, or need none) and optional forms and lists of those.
#[must_use]
pub fn needs_no_data(v: &Validator, defs: &[ModelValidator]) -> bool {
    match v {
        Validator::Any
        | Validator::None
        | Validator::Bool { .. }
        | Validator::Int { .. }
        | Validator::Float { .. }
        | Validator::Str { .. }
        | Validator::Bytes { .. }
        | Validator::DateTime { .. }
        | Validator::Date { .. }
        | Validator::Time { .. }
        | Validator::TimeDelta { .. }
        | Validator::Uuid { .. }
        | Validator::Email => true,
        Validator::Model(i) => defs.get(*i).is_some_and(|m| !m.root_model && !m.typed_dict),
        Validator::Nullable(inner) => needs_no_data(inner, defs),
        Validator::List(l) => needs_no_data(&l.item, defs),
        _ => false,
    }
}

/// Set [`ModelValidator::buffered`] on every definition (their fields may
/// name any definition, so this runs once all are compiled).
pub fn mark_buffered(defs: &mut [ModelValidator]) {
    let flags: Vec<bool> = defs
        .iter()
        .map(|m| {
            !m.typed_dict
                && !m.root_model
                && m.extras.is_none()
                && m.extras_keys.is_none()
                && m.fields.iter().all(|f| {
                    !matches!(
                        f.default,
                        FieldDefault::Factory {
                            takes_data: true,
                            ..
                        }
                    ) && needs_no_data(&f.validator, defs)
                })
        })
        .collect();
    for (m, flag) in defs.iter_mut().zip(flags) {
        m.buffered = flag;
    }
}

/// `f` with a buffer of `n` empty field slots: on the stack, with no
/// allocation, for the usual model of up to 16 fields.
#[inline]
pub fn with_slots<'py, R>(n: usize, f: impl FnOnce(&mut [Option<Bound<'py, PyAny>>]) -> R) -> R {
    const ON_STACK: usize = 16;
    if n <= ON_STACK {
        // Only the first `n` slots are ever filled, so only they are released
        // (the whole array's drop is a loop over every slot, out of line).
        let mut buf: std::mem::ManuallyDrop<[Option<Bound<'py, PyAny>>; ON_STACK]> =
            std::mem::ManuallyDrop::new([const { None }; ON_STACK]);
        let slots = &mut buf[..n];
        let out = f(slots);
        for slot in slots {
            drop(slot.take());
        }
        out
    } else {
        let mut buf: Vec<Option<Bound<'py, PyAny>>> = Vec::with_capacity(n);
        buf.resize_with(n, || None);
        f(&mut buf)
    }
}

/// Where validated field values go: the instance dict itself (validators
/// may read it as `info.data`), or a buffer by field index.
pub enum FieldsDest<'a, 'py> {
    Dict(&'a Bound<'py, PyDict>),
    Buf(&'a mut [Option<Bound<'py, PyAny>>]),
}

impl<'py> FieldsDest<'_, 'py> {
    #[allow(clippy::inline_always)] // one match in the hot JSON loop, once per field
    #[inline(always)]
    pub(crate) fn put(
        &mut self,
        py: Python<'py>,
        i: usize,
        field: &Field,
        value: Bound<'py, PyAny>,
    ) -> PyResult<()> {
        match self {
            Self::Dict(d) => d.set_item(field.name.bind(py), value),
            Self::Buf(b) => {
                if let Some(slot) = b.get_mut(i) {
                    *slot = Some(value);
                }
                Ok(())
            }
        }
    }
}

static DEEPCOPY: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static UNDEFINED: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// `PydanticUndefined`, the input of errors about a value that never existed.
fn undefined(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    UNDEFINED
        .import(py, "ouroboros.validation._fields", "PYDANTIC_UNDEFINED")
        .cloned()
}

/// A `mode="wrap"` model validator called on the raw input (its errors name that input).
fn call_wrap<'py>(
    py: Python<'py>,
    wrap: &Py<PyAny>,
    inp: &Inp<'_, 'py>,
) -> ValResult<Bound<'py, PyAny>> {
    let raw = inp.to_py(py)?;
    wrap.bind(py)
        .call1((&raw,))
        .map_err(|e| from_user_exception(py, e, &raw))
}

impl FieldDefault {
    pub fn value<'py>(
        &self,
        py: Python<'py>,
        data: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        Ok(match self {
            Self::Required | Self::Omit => None,
            Self::Value { value, copy: false } => Some(value.bind(py).clone()),
            Self::Value { value, copy: true } => {
                let v = value.bind(py);
                if let Ok(l) = v.cast::<PyList>() {
                    if l.is_empty() {
                        return Ok(Some(PyList::empty(py).into_any()));
                    }
                }
                if let Ok(d) = v.cast::<PyDict>() {
                    if d.is_empty() {
                        return Ok(Some(PyDict::new(py).into_any()));
                    }
                }
                let deepcopy = DEEPCOPY.import(py, "copy", "deepcopy")?;
                Some(deepcopy.call1((v,))?)
            }
            Self::Factory { func, takes_data } => {
                let f = func.bind(py);
                Some(if *takes_data {
                    // Buffered models have no such factory (`mark_buffered`).
                    f.call1((data.ok_or_else(|| {
                        pyo3::exceptions::PyRuntimeError::new_err(
                            "a default factory taking the data, without the data",
                        )
                    })?,))?
                } else {
                    f.call0()?
                })
            }
        })
    }
}

/// `isinstance(obj, cls)` by the type's MRO, without the `__instancecheck__`
/// call `PyObject_IsInstance` makes for classes with a metaclass.
#[must_use]
pub fn is_subtype(obj: &Bound<'_, PyAny>, cls: &Bound<'_, PyType>) -> bool {
    // SAFETY: both are live type objects.
    unsafe { ffi::PyType_IsSubtype(ffi::Py_TYPE(obj.as_ptr()), cls.as_type_ptr()) != 0 }
}

/// Allocate an instance of `cls` without running `__new__`/`__init__`.
pub fn alloc_instance<'py>(cls: &Bound<'py, PyType>) -> PyResult<Bound<'py, PyAny>> {
    let py = cls.py();
    // SAFETY: `tp_alloc` of a Python class (or `PyType_GenericAlloc`) with
    // nitems=0 returns a new reference or NULL with an exception set.
    unsafe {
        let tp = cls.as_type_ptr();
        // The slot read from the type object (what `PyType_GetSlot` returns, without the call).
        let alloc = (*tp).tp_alloc.unwrap_or(ffi::PyType_GenericAlloc);
        let obj = alloc(tp, 0);
        Bound::from_owned_ptr_or_err(py, obj)
    }
}

extern "C" {
    // Exported by CPython, not wrapped by pyo3-ffi: a dict sized for `n` keys,
    // so filling a model's `__dict__` never resizes it.
    fn _PyDict_NewPresized(n: ffi::Py_ssize_t) -> *mut ffi::PyObject;
}

pub fn new_presized_dict(py: Python<'_>, n: usize) -> PyResult<Bound<'_, PyDict>> {
    // SAFETY: returns a new reference or NULL with an exception set.
    let ptr = unsafe { _PyDict_NewPresized(ffi::Py_ssize_t::try_from(n).unwrap_or(0)) };
    Ok(unsafe { Bound::from_owned_ptr_or_err(py, ptr)?.cast_into_unchecked() })
}

/// `object.__setattr__(obj, name, value)`: bypasses a model's own
/// `__setattr__` (frozen / validate_assignment checks).
pub fn force_setattr(
    obj: &Bound<'_, PyAny>,
    name: &Bound<'_, PyString>,
    value: &Bound<'_, PyAny>,
) -> PyResult<()> {
    // SAFETY: all three pointers are live Python objects held by the caller.
    let rc = unsafe { ffi::PyObject_GenericSetAttr(obj.as_ptr(), name.as_ptr(), value.as_ptr()) };
    if rc == 0 {
        Ok(())
    } else {
        Err(PyErr::fetch(obj.py()))
    }
}

extern "C" {
    // Exported by CPython (PyAPI_FUNC) but not wrapped by pyo3-ffi: the MRO
    // lookup with the type attribute cache, without raising AttributeError.
    fn _PyType_Lookup(tp: *mut ffi::PyTypeObject, name: *mut ffi::PyObject) -> *mut ffi::PyObject;
}

/// `ouroboros.validation._model._serve_missing_names`, found once.
static SERVE_MISSING_NAMES: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// Extras kept by `extra="allow"` asked at run time are read as attributes: a model class
/// without private attributes or `extra="allow"` has no `__getattr__` (so that CPython
/// specialises its field reads), and is given the model's on its first instance with extras.
fn serve_extras_as_attributes(instance: &Bound<'_, PyAny>) -> PyResult<()> {
    let py = instance.py();
    let name = pyo3::intern!(py, "__getattr__");
    // SAFETY: the instance's type is live; `_PyType_Lookup` returns a borrowed pointer
    // (or NULL) and sets no exception.
    if !unsafe { _PyType_Lookup(ffi::Py_TYPE(instance.as_ptr()), name.as_ptr()) }.is_null() {
        return Ok(());
    }
    let serve = SERVE_MISSING_NAMES.get_or_try_init(py, || {
        py.import("ouroboros.validation._model")?
            .getattr("_serve_missing_names")
            .map(Bound::unbind)
    })?;
    serve.bind(py).call1((instance.get_type(),)).map(drop)
}

/// `getattr(cls, name, None)` for a class. A name that neither the class's MRO nor
/// its metaclass's holds is answered without the `AttributeError` Python < 3.13
/// builds and discards for a missing attribute (a formatted message, about a
/// microsecond), when the metaclass looks attributes up as `type` does.
pub fn class_attr<'py>(
    cls: &Bound<'py, PyType>,
    name: &Bound<'py, PyString>,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    // SAFETY: `cls` and its metaclass are live type objects; `_PyType_Lookup`
    // returns a borrowed pointer (or NULL) and sets no exception.
    let absent = unsafe {
        let tp = cls.as_type_ptr();
        let meta = ffi::Py_TYPE(tp.cast());
        let plain_meta = (*meta).tp_getattro.map(|f| f as usize)
            == ffi::PyType_Type.tp_getattro.map(|f| f as usize);
        plain_meta
            && _PyType_Lookup(tp, name.as_ptr()).is_null()
            && _PyType_Lookup(meta, name.as_ptr()).is_null()
    };
    if absent {
        return Ok(None);
    }
    cls.as_any().getattr_opt(name)
}

/// The offset of `name` in instances of `cls` when it is a writable object
/// member that `__slots__` created (what `object.__setattr__` stores into).
#[must_use]
pub fn member_offset(cls: &Bound<'_, PyType>, name: &Bound<'_, PyString>) -> Option<isize> {
    // SAFETY: `_PyType_Lookup` returns a borrowed descriptor (or NULL) from the
    // MRO of the live type `cls`; a member descriptor's `d_member` points into
    // its (immortal for the type's life) member table.
    unsafe {
        let descr = _PyType_Lookup(cls.as_type_ptr(), name.as_ptr());
        if descr.is_null() || ffi::Py_TYPE(descr) != (&raw mut ffi::PyMemberDescr_Type) {
            return None;
        }
        let member = (*descr.cast::<ffi::PyMemberDescrObject>()).d_member;
        (!member.is_null()
            && (*member).type_code == ffi::Py_T_OBJECT_EX
            && (*member).flags & ffi::Py_READONLY == 0)
            .then(|| (*member).offset)
    }
}

/// Store `value` in the object member at `offset` of `obj` (see [`member_offset`]).
///
/// # Safety
/// `offset` must be [`member_offset`] of a member of `obj`'s own type.
unsafe fn store_member(obj: &Bound<'_, PyAny>, offset: isize, value: &Bound<'_, PyAny>) {
    // SAFETY: per the contract, `offset` is inside `obj` and holds a `PyObject *`
    // (CPython places object members at pointer-aligned offsets).
    unsafe {
        #[allow(clippy::cast_ptr_alignment)]
        let slot = obj
            .as_ptr()
            .cast::<u8>()
            .offset(offset)
            .cast::<*mut ffi::PyObject>();
        let old = *slot;
        *slot = value.clone().into_ptr();
        ffi::Py_XDECREF(old);
    }
}

/// [`force_setattr`] for a `__slots__` member of the instance's class (the
/// fields-set record of every model): the value is stored at the member's
/// offset, which is what `object.__setattr__` ends in, without the attribute
/// protocol around it. Anything else takes [`force_setattr`].
pub fn set_slot(
    obj: &Bound<'_, PyAny>,
    name: &Bound<'_, PyString>,
    value: &Bound<'_, PyAny>,
) -> PyResult<()> {
    if let Some(offset) = member_offset(&obj.get_type(), name) {
        // SAFETY: the offset of a member found on `obj`'s own type.
        unsafe { store_member(obj, offset, value) };
        return Ok(());
    }
    force_setattr(obj, name, value)
}

/// A small bit set of field indices.
pub enum Seen {
    Bits(u128),
    Many(Vec<bool>),
}

impl Seen {
    #[must_use]
    pub fn new(n: usize) -> Self {
        if n <= 128 {
            Self::Bits(0)
        } else {
            Self::Many(vec![false; n])
        }
    }

    pub fn set(&mut self, i: usize) {
        match self {
            Self::Bits(b) => *b |= 1u128 << i,
            Self::Many(v) => v[i] = true,
        }
    }

    #[must_use]
    pub fn get(&self, i: usize) -> bool {
        match self {
            Self::Bits(b) => (*b >> i) & 1 == 1,
            Self::Many(v) => v[i],
        }
    }

    /// Whether all `n` fields were given (no default to fill): one compare
    /// with the mask of `n` bits for the usual model (no bit count).
    #[must_use]
    #[inline]
    pub fn all(&self, n: usize) -> bool {
        match self {
            // Only bits below `n` are set: all given is exactly the low `n` bits
            // (one compare, where counting them is a software popcount here).
            Self::Bits(b) => match u32::try_from(n) {
                Ok(128) => *b == u128::MAX,
                Ok(bits) if bits < 128 => *b == (1u128 << bits) - 1,
                _ => false,
            },
            Self::Many(v) => v.len() == n && v.iter().all(|s| *s),
        }
    }
}

/// What validating a model's fields produces.
pub struct FieldsOut<'py> {
    pub dict: Bound<'py, PyDict>,
    /// A `set`, or the model's shared `frozenset` of every field name when
    /// the input gave every field (see [`ModelValidator::fields_set`]).
    pub fields_set: Bound<'py, PyAny>,
    pub extra: Option<Bound<'py, PyDict>>,
}

impl ModelValidator {
    /// Field index of an input key: a linear scan beats hashing for the usual
    /// handful of fields; large models use the map.
    /// `field_index_key`, trying field `hint` first: JSON objects usually
    /// list their keys in the model's field order.
    /// The hint's first key is compared inline (the usual case); other keys
    /// go to [`Self::field_index_key_after`].
    #[must_use]
    #[inline]
    pub fn field_index_key_from(&self, key: &str, hint: usize) -> Option<(usize, usize)> {
        if let Some(Some(k0)) = self.fields.get(hint).map(|f| &f.key0) {
            if super::string_cache::bytes_eq(k0.as_bytes(), key.as_bytes()) {
                return Some((hint, 0));
            }
        }
        self.field_index_key_after(key, hint)
    }

    #[inline(never)]
    fn field_index_key_after(&self, key: &str, hint: usize) -> Option<(usize, usize)> {
        if !self.multi_key && self.fields.len() <= 16 {
            // One key per field (its `key0`): the first field it names, as
            // `field_index_key` finds it, without the lookup lists.
            return self
                .fields
                .iter()
                .position(|f| {
                    f.key0.as_deref().is_some_and(|k0| {
                        super::string_cache::bytes_eq(k0.as_bytes(), key.as_bytes())
                    })
                })
                .map(|i| (i, 0));
        }
        if let Some(f) = self.fields.get(hint) {
            if let Some(j) = f
                .lookup
                .iter()
                .skip(1)
                .position(|(_, k)| super::string_cache::bytes_eq(k.as_bytes(), key.as_bytes()))
            {
                return Some((hint, j + 1));
            }
        }
        self.field_index_key(key)
    }

    /// `(field index, lookup-key index)` of an input key.
    #[must_use]
    pub fn field_index_key(&self, key: &str) -> Option<(usize, usize)> {
        if self.fields.len() <= 16 {
            self.fields.iter().enumerate().find_map(|(i, f)| {
                f.lookup
                    .iter()
                    .position(|(_, k)| super::string_cache::bytes_eq(k.as_bytes(), key.as_bytes()))
                    .map(|j| (i, j))
            })
        } else {
            let i = *self.key_index.get(key)?;
            self.fields[i]
                .lookup
                .iter()
                .position(|(_, k)| &**k == key)
                .map(|j| (i, j))
        }
    }

    fn field_index(&self, key: &str) -> Option<usize> {
        if self.fields.len() <= 16 {
            self.fields
                .iter()
                .position(|f| f.lookup.iter().any(|(_, k)| &**k == key))
        } else {
            self.key_index.get(key).copied()
        }
    }

    pub fn validate<'py>(
        &self,
        py: Python<'py>,
        inp: &Inp<'_, 'py>,
        st: &mut State<'_, 'py>,
    ) -> ValResult<Bound<'py, PyAny>> {
        if let Inp::Py(o) = inp {
            let cls = self.cls.bind(py);
            if is_subtype(o, cls) && (!st.revalidate_subclasses || o.get_type().is(cls)) {
                return Ok(o.clone());
            }
            if let Some((origin, fields_of)) = &self.generic_origin {
                if o.is_instance(origin.bind(py))? {
                    let data = fields_of
                        .bind(py)
                        .call1((o,))
                        .map_err(|e| from_user_exception(py, e, o))?;
                    return self.validate(py, &Inp::Py(data), st);
                }
            }
        }
        if let Some(wrap) = &self.wrap {
            return call_wrap(py, wrap, inp);
        }
        let out = self.validate_fields_with_before(py, inp, st)?;
        let instance = alloc_instance(self.cls.bind(py))?;
        self.install(py, &instance, out)?;
        self.finish_for(py, instance, Some(inp))
    }

    /// A TypedDict: a dict (or mapping, or JSON object) in, the dict of its validated keys out,
    /// extra keys kept per `extra`; `after` validators get and return that dict.
    pub fn validate_typed_dict<'py>(
        &self,
        py: Python<'py>,
        inp: &Inp<'_, 'py>,
        st: &mut State<'_, 'py>,
    ) -> ValResult<Bound<'py, PyAny>> {
        if let Some(wrap) = &self.wrap {
            return call_wrap(py, wrap, inp);
        }
        let is_mapping = match inp {
            Inp::Json(v) => matches!(v, JsonValue::Object(_)),
            Inp::Py(o) => {
                o.is_instance_of::<PyDict>() || o.cast::<pyo3::types::PyMapping>().is_ok()
            }
        };
        if !is_mapping && self.before.is_empty() {
            return Err(ValError::new(py, ErrorType::DictType, inp));
        }
        let out = if self.before.is_empty() {
            self.validate_fields(py, inp, st)?
        } else {
            let value = self.run_before(py, inp)?;
            if !(value.is_instance_of::<PyDict>() || value.cast::<pyo3::types::PyMapping>().is_ok())
            {
                return Err(ValError::new_py(ErrorType::DictType, &value));
            }
            self.validate_fields(py, &Inp::Py(value), st)?
        };
        if let Some(extra) = out.extra {
            // A key spelled as a field's name (read under its alias) is not an extra key.
            let mut errors = Errors::default();
            for (k, raw) in extra.iter() {
                let key = k.str()?.to_string();
                if self.fields.iter().any(|f| f.name_str == key) {
                    continue;
                }
                match &self.extras {
                    None => out.dict.set_item(&k, raw)?,
                    Some(v) => match v.validate(py, &Inp::Py(raw), st) {
                        Ok(value) => out.dict.set_item(&k, value)?,
                        Err(e) => errors.push(py, e, LocItem::Key(key.as_str().into()))?,
                    },
                }
            }
            if !errors.is_empty() {
                return Err(ValError::Lines(errors.0));
            }
        }
        let mut value = out.dict.into_any();
        for f in &self.after {
            value = f
                .bind(py)
                .call1((&value,))
                .map_err(|e| from_user_exception(py, e, &value))?;
        }
        Ok(value)
    }

    /// The fields-set record of an instance: the names of the fields in `set`.
    ///
    /// When the input gave every field (the common case) the record is the
    /// model's one shared `frozenset` of all names: no set is built, copied
    /// or freed per instance. The Python side turns it into the instance's
    /// own `set` the first time the record is read or changed
    /// (`BaseModel._ouroboros_fields_set`), so users still see a mutable set.
    #[inline]
    pub fn fields_set<'py>(&self, py: Python<'py>, set: &Seen) -> PyResult<Bound<'py, PyAny>> {
        if set.all(self.fields.len()) {
            return Ok(self.all_names.bind(py).clone().into_any());
        }
        self.fields_set_partial(py, set)
    }

    #[inline(never)]
    fn fields_set_partial<'py>(&self, py: Python<'py>, set: &Seen) -> PyResult<Bound<'py, PyAny>> {
        if let Seen::Bits(bits) = set {
            // The same subset as last time: share its frozenset too.
            if let Ok(mut last) = self.partial_names.try_lock() {
                if let Some((b, names)) = last.as_ref() {
                    if b == bits {
                        return Ok(names.bind(py).clone().into_any());
                    }
                }
                let names = PyFrozenSet::new(
                    py,
                    self.fields
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| set.get(*i))
                        .map(|(_, f)| f.name.bind(py)),
                )?;
                *last = Some((*bits, names.clone().unbind()));
                return Ok(names.into_any());
            }
        }
        let out = PySet::empty(py)?;
        for (i, f) in self.fields.iter().enumerate() {
            if set.get(i) {
                out.add(f.name.bind(py))?;
            }
        }
        // The record holds only field-name strings, so it can never be part
        // of a reference cycle: keep it out of the cyclic GC's work.
        // SAFETY: a freshly created, live set object.
        unsafe { ffi::PyObject_GC_UnTrack(out.as_ptr().cast()) };
        Ok(out.into_any())
    }

    /// Run `mode="before"` model validators, then validate the fields.
    pub fn validate_fields_with_before<'py>(
        &self,
        py: Python<'py>,
        inp: &Inp<'_, 'py>,
        st: &mut State<'_, 'py>,
    ) -> ValResult<FieldsOut<'py>> {
        if self.before.is_empty() {
            return self.validate_fields(py, inp, st);
        }
        let value = self.run_before(py, inp)?;
        self.validate_fields(py, &Inp::Py(value), st)
    }

    /// The input after the `mode="before"` model validators, in their order.
    pub fn run_before<'py>(
        &self,
        py: Python<'py>,
        inp: &Inp<'_, 'py>,
    ) -> ValResult<Bound<'py, PyAny>> {
        let mut value = inp.to_py(py)?;
        for f in &self.before {
            value = f
                .bind(py)
                .call1((&value,))
                .map_err(|e| from_user_exception(py, e, &value))?;
        }
        Ok(value)
    }

    /// Put validated fields on an instance.
    pub fn install<'py>(
        &self,
        py: Python<'py>,
        instance: &Bound<'py, PyAny>,
        out: FieldsOut<'py>,
    ) -> PyResult<()> {
        // The dict slot written directly (what `object.__setattr__(instance,
        // "__dict__", dict)` ends in, without the descriptor lookup).
        // SAFETY: both pointers are live; returns -1 with an exception set.
        if unsafe {
            ffi::PyObject_GenericSetDict(instance.as_ptr(), out.dict.as_ptr(), std::ptr::null_mut())
        } != 0
        {
            return Err(PyErr::fetch(py));
        }
        match self.fields_set_offset {
            // SAFETY: the offset was read from `cls`, the instance's own type.
            Some(offset)
                if unsafe { ffi::Py_TYPE(instance.as_ptr()) } == self.cls.as_ptr().cast() =>
            unsafe {
                store_member(instance, offset, &out.fields_set);
            },
            _ => set_slot(
                instance,
                pyo3::intern!(py, FIELDS_SET_ATTR),
                &out.fields_set,
            )?,
        }
        if self.extra == ExtraBehavior::Allow || out.extra.is_some() {
            if self.extra != ExtraBehavior::Allow
                && out.extra.as_ref().is_some_and(|e| !e.is_empty())
            {
                // `extra="allow"` asked at run time of a class without it.
                serve_extras_as_attributes(instance)?;
            }
            let extra = out
                .extra
                .map_or_else(|| PyDict::new(py).into_any(), pyo3::Bound::into_any);
            force_setattr(instance, pyo3::intern!(py, "__ouroboros_extra__"), &extra)?;
        }
        Ok(())
    }

    /// Run `mode="after"` model validators and `model_post_init`.
    pub fn finish<'py>(
        &self,
        py: Python<'py>,
        instance: Bound<'py, PyAny>,
    ) -> ValResult<Bound<'py, PyAny>> {
        self.finish_for(py, instance, None)
    }

    /// [`Self::finish`]; an error of a `mode="after"` model validator names `input` (what the
    /// model was validated from, as Pydantic reports it) when given, else the instance.
    #[inline]
    pub fn finish_for<'py>(
        &self,
        py: Python<'py>,
        instance: Bound<'py, PyAny>,
        input: Option<&Inp<'_, 'py>>,
    ) -> ValResult<Bound<'py, PyAny>> {
        if self.post_init.is_none() && self.after.is_empty() {
            return Ok(instance);
        }
        self.finish_slow(py, instance, input)
    }

    #[inline(never)]
    fn finish_slow<'py>(
        &self,
        py: Python<'py>,
        mut instance: Bound<'py, PyAny>,
        input: Option<&Inp<'_, 'py>>,
    ) -> ValResult<Bound<'py, PyAny>> {
        if let Some(post_init) = &self.post_init {
            post_init
                .bind(py)
                .call1((&instance, py.None()))
                .map_err(|e| from_user_exception(py, e, &instance))?;
        }
        for f in &self.after {
            instance = match f.bind(py).call1((&instance,)) {
                Ok(next) => next,
                Err(e) => {
                    let shown = input
                        .and_then(|i| i.to_py(py).ok())
                        .unwrap_or_else(|| instance.clone());
                    return Err(from_user_exception(py, e, &shown));
                }
            };
        }
        Ok(instance)
    }

    /// Validate the extra items of a model whose `__pydantic_extra__` is typed:
    /// values with `extras`, keys with `extras_keys` (which must give strings),
    /// with the validated fields `dict` as the validators' `info.data`;
    /// failures are reported at the item's key.
    pub fn validate_extras<'py>(
        &self,
        py: Python<'py>,
        dict: &Bound<'py, PyDict>,
        extra: &mut Option<Bound<'py, PyDict>>,
        st: &mut State<'_, 'py>,
        errors: &mut Errors,
    ) -> ValResult<()> {
        if self.typed_dict || (self.extras.is_none() && self.extras_keys.is_none()) {
            return Ok(());
        }
        let Some(items) = extra.as_ref() else {
            return Ok(());
        };
        let saved = st.data.replace(dict.clone());
        let r = (|| -> ValResult<Bound<'py, PyDict>> {
            let out = PyDict::new(py);
            for (k, v) in items.iter() {
                let loc = LocItem::Key(k.str()?.to_cow()?.as_ref().into());
                let key = match &self.extras_keys {
                    None => k,
                    Some(keys) => match keys.validate(py, &Inp::Py(k), st) {
                        Ok(key) if key.is_instance_of::<PyString>() => key,
                        Ok(key) => {
                            return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                                "Extra keys must be strings, got `{}`",
                                key.get_type().name()?
                            ))
                            .into())
                        }
                        Err(e) => {
                            errors.push(py, e, loc.clone())?;
                            continue;
                        }
                    },
                };
                let value = match &self.extras {
                    None => v,
                    Some(values) => match values.validate(py, &Inp::Py(v), st) {
                        Ok(value) => value,
                        Err(e) => {
                            errors.push(py, e, loc.clone())?;
                            continue;
                        }
                    },
                };
                out.set_item(key, value)?;
            }
            Ok(out)
        })();
        st.data = saved;
        *extra = Some(r?);
        Ok(())
    }

    /// Fill field `i`, which the input lacks, with its default (validated when
    /// the field asks); false when it has none (the field is missing). A
    /// factory taking the validated data is not called once an earlier field
    /// failed or is absent: the field gets `default_factory_not_called`, as
    /// in Pydantic, instead of a factory reading incomplete data.
    pub fn fill_default<'py>(
        &self,
        py: Python<'py>,
        i: usize,
        dict: &Bound<'py, PyDict>,
        st: &mut State<'_, 'py>,
        errors: &mut Errors,
    ) -> PyResult<bool> {
        let field = &self.fields[i];
        match &field.default {
            FieldDefault::Required => return Ok(false),
            FieldDefault::Omit => return Ok(true),
            FieldDefault::Factory {
                takes_data: true, ..
            } => {
                let incomplete = !errors.is_empty()
                    || self.fields[..i].iter().any(|f| {
                        !matches!(f.default, FieldDefault::Omit)
                            && !dict.contains(f.name.bind(py)).unwrap_or(true)
                    });
                if incomplete {
                    errors.push_line(
                        py,
                        LineError {
                            kind: ErrorType::Custom {
                                kind: "default_factory_not_called".into(),
                                message:
                                    "The default factory uses validated data, but at least one \
                                      validation error occurred"
                                        .into(),
                            },
                            loc: smallvec::smallvec![LocItem::Key(field.name_str.as_str().into())],
                            input: undefined(py)?.unbind(),
                            ctx_py: None,
                        },
                    );
                    return Ok(true);
                }
            }
            FieldDefault::Value { .. } | FieldDefault::Factory { .. } => {}
        }
        if let Some(v) = field.default.value(py, Some(dict))? {
            field.set_default(py, dict, v, st, errors)?;
        }
        Ok(true)
    }

    /// [`Self::fill_default`] into either destination (a buffered model has
    /// no factory taking the data, so a buffer needs no dict).
    pub(crate) fn fill_default_to<'py>(
        &self,
        py: Python<'py>,
        i: usize,
        out: &mut FieldsDest<'_, 'py>,
        st: &mut State<'_, 'py>,
        errors: &mut Errors,
    ) -> PyResult<bool> {
        let buf = match out {
            FieldsDest::Dict(d) => return self.fill_default(py, i, d, st, errors),
            FieldsDest::Buf(b) => b,
        };
        let field = &self.fields[i];
        match &field.default {
            FieldDefault::Required => Ok(false),
            FieldDefault::Omit => Ok(true),
            default => {
                if let Some(v) = default.value(py, None)? {
                    if let (Some(v), Some(slot)) =
                        (field.checked_default(py, v, st, errors)?, buf.get_mut(i))
                    {
                        *slot = Some(v);
                    }
                }
                Ok(true)
            }
        }
    }

    /// The fields of a dict input for a [`Self::buffered`] model: values are
    /// held by field index and the instance dict is built once every field
    /// passed, so a failing input builds (and frees) no dict.
    fn fields_buffered<'py>(
        &self,
        py: Python<'py>,
        input: &Bound<'py, PyDict>,
        st: &mut State<'_, 'py>,
    ) -> ValResult<FieldsOut<'py>> {
        with_slots(self.fields.len(), |slots| {
            self.fields_into(py, input, st, slots)
        })
    }

    /// [`Self::fields_buffered`] with a buffer of one slot per field.
    #[inline]
    fn fields_into<'py>(
        &self,
        py: Python<'py>,
        input: &Bound<'py, PyDict>,
        st: &mut State<'_, 'py>,
        buf: &mut [Option<Bound<'py, PyAny>>],
    ) -> ValResult<FieldsOut<'py>> {
        let mut fields_set = Seen::new(self.fields.len());
        let mut extra: Option<Bound<'py, PyDict>> = None;
        let mut errors = Errors::default();
        self.fields_from_dict(
            py,
            input,
            st,
            &mut FieldsDest::Buf(buf),
            &mut fields_set,
            &mut extra,
            &mut errors,
        )?;
        if !errors.is_empty() {
            return Err(ValError::Lines(errors.0));
        }
        let dict = self.dict_of(py, buf)?;
        Ok(FieldsOut {
            fields_set: self.fields_set(py, &fields_set)?,
            dict,
            extra,
        })
    }

    /// The instance dict of a buffer of field values (declaration order),
    /// taking them.
    #[inline]
    pub fn dict_of<'py>(
        &self,
        py: Python<'py>,
        buf: &mut [Option<Bound<'py, PyAny>>],
    ) -> PyResult<Bound<'py, PyDict>> {
        self.field_dict
            .build(py, self.fields.iter().map(|f| f.name.bind(py)), buf)
    }

    /// `dict`'s fields again, in declaration order.
    pub fn reordered<'py>(
        &self,
        py: Python<'py>,
        dict: &Bound<'py, PyDict>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let out = new_presized_dict(py, dict.len())?;
        for field in &self.fields {
            if let Some(v) = dict.get_item(field.name.bind(py))? {
                out.set_item(field.name.bind(py), v)?;
            }
        }
        Ok(out)
    }

    /// The `missing` error of `field` (located at its first lookup key),
    /// whose input is the whole object the model was read from.
    #[must_use]
    pub fn missing_line(field: &Field, input: &Bound<'_, PyAny>) -> LineError {
        let loc = field
            .lookup
            .first()
            .map_or_else(|| field.name_str.as_str().into(), |(_, s)| s.clone());
        LineError {
            kind: ErrorType::Missing,
            loc: smallvec::smallvec![LocItem::Key(loc)],
            input: input.clone().unbind(),
            ctx_py: None,
        }
    }

    /// The error lines of a model read key by key, back in declaration order
    /// as Pydantic reports them, whatever the order of the input's keys:
    /// `order[n]` is the field index of line `n` (lines past its end, such as
    /// extras, go last; the sort is stable).
    #[must_use]
    pub fn ordered_lines(errors: Errors, mut order: Vec<usize>) -> ValError {
        order.resize(errors.0.len(), usize::MAX);
        let mut lines: Vec<(usize, LineError)> = order.into_iter().zip(errors.0).collect();
        lines.sort_by_key(|(i, _)| *i);
        ValError::Lines(lines.into_iter().map(|(_, l)| l).collect())
    }

    /// A new instance holding validated fields: `dict` as its `__dict__`,
    /// the fields `seen` as its fields-set record, `extra` as its extras;
    /// then `mode="after"` validators and `model_post_init` run.
    pub fn build_instance<'py>(
        &self,
        py: Python<'py>,
        dict: Bound<'py, PyDict>,
        seen: &Seen,
        extra: Option<Bound<'py, PyDict>>,
    ) -> ValResult<Bound<'py, PyAny>> {
        let fields_set = self.fields_set(py, seen)?;
        let instance = alloc_instance(self.cls.bind(py))?;
        self.install(
            py,
            &instance,
            FieldsOut {
                dict,
                fields_set,
                extra,
            },
        )?;
        self.finish(py, instance)
    }

    /// Validate the fields of `inp` (the `mode="before"` validators already run).
    pub fn validate_fields<'py>(
        &self,
        py: Python<'py>,
        inp: &Inp<'_, 'py>,
        st: &mut State<'_, 'py>,
    ) -> ValResult<FieldsOut<'py>> {
        if self.root_model {
            return self.validate_root(py, inp, st);
        }
        self.validate_fields_of(py, inp, st)
    }

    /// A `RootModel`'s input is its value, validated by the `root` field's validator with
    /// errors located inside it. `PydanticUndefined` (`RootModel()`) takes the field's
    /// default, which leaves the fields-set record empty; without a default the validator
    /// reports it (`list_type` for `RootModel[list[int]]`), as in Pydantic.
    fn validate_root<'py>(
        &self,
        py: Python<'py>,
        inp: &Inp<'_, 'py>,
        st: &mut State<'_, 'py>,
    ) -> ValResult<FieldsOut<'py>> {
        let field = self.fields.first().ok_or_else(|| {
            ValError::from(pyo3::exceptions::PyRuntimeError::new_err(
                "a root model without its root field",
            ))
        })?;
        let dict = PyDict::new(py);
        let mut seen = Seen::new(self.fields.len());
        let undefined_input = matches!(inp, Inp::Py(o) if o.is(&undefined(py)?));
        if undefined_input && !matches!(field.default, FieldDefault::Required) {
            let mut errors = Errors::default();
            self.fill_default(py, 0, &dict, st, &mut errors)?;
            if !errors.is_empty() {
                return Err(Self::without_root_loc(ValError::Lines(errors.0)));
            }
        } else {
            let value = field.validator.validate(py, inp, st)?;
            dict.set_item(field.name.bind(py), value)?;
            seen.set(0);
        }
        Ok(FieldsOut {
            dict,
            fields_set: self.fields_set(py, &seen)?,
            extra: None,
        })
    }

    /// A root model's errors without the `root` field's location: the
    /// outermost item of each line (locations are kept innermost first).
    #[must_use]
    pub fn without_root_loc(mut e: ValError) -> ValError {
        if let ValError::Lines(lines) = &mut e {
            for line in lines {
                if matches!(line.loc.last(), Some(LocItem::Key(k)) if &**k == "root") {
                    line.loc.pop();
                }
            }
        }
        e
    }

    #[allow(clippy::too_many_lines)] // one hot loop over the input, kept whole on purpose
    fn validate_fields_of<'py>(
        &self,
        py: Python<'py>,
        inp: &Inp<'_, 'py>,
        st: &mut State<'_, 'py>,
    ) -> ValResult<FieldsOut<'py>> {
        if self.general(st) {
            if let Some(out) = self.validate_fields_general(py, inp, st)? {
                return Ok(out);
            }
        } else if self.buffered {
            if let Inp::Py(o) = inp {
                if let Ok(d) = o.cast::<PyDict>() {
                    return self.fields_buffered(py, d, st);
                }
            }
        }
        let dict = new_presized_dict(py, self.fields.len())?;
        let mut fields_set = Seen::new(self.fields.len());
        let mut extra: Option<Bound<'py, PyDict>> = None;
        let mut errors = Errors::default();
        let saved_data = st.data.replace(dict.clone());
        let result = (|| -> ValResult<()> {
            match inp {
                Inp::Json(JsonValue::Object(entries)) => {
                    let mut slots: Vec<Option<(&JsonValue<'_>, &str)>> =
                        vec![None; self.fields.len()];
                    for (k, v) in entries.iter() {
                        match self.field_index(k.as_ref()) {
                            Some(i) => slots[i] = Some((v, k.as_ref())),
                            None => match self.extra {
                                ExtraBehavior::Ignore => {}
                                ExtraBehavior::Forbid => errors.push_line(
                                    py,
                                    LineError {
                                        kind: ErrorType::ExtraForbidden,
                                        loc: smallvec::smallvec![LocItem::Key(k.as_ref().into())],
                                        input: super::input::json_to_py(py, v)?.unbind(),
                                        ctx_py: None,
                                    },
                                ),
                                ExtraBehavior::Allow => {
                                    extra
                                        .get_or_insert_with(|| PyDict::new(py))
                                        .set_item(k.as_ref(), super::input::json_to_py(py, v)?)?;
                                }
                            },
                        }
                    }
                    let mut whole: Option<Bound<'py, PyAny>> = None;
                    for (i, (field, slot)) in self.fields.iter().zip(slots).enumerate() {
                        match slot {
                            Some((v, key)) => match field.validator.validate(py, &Inp::Json(v), st)
                            {
                                Ok(value) => {
                                    dict.set_item(field.name.bind(py), value)?;
                                    fields_set.set(i);
                                }
                                // `PydanticOmit` from a field validator: the field is left out.
                                Err(e) if is_omit(py, &e) => {}
                                Err(e) => errors.push(py, e, LocItem::Key(key.into()))?,
                            },
                            None => {
                                if !self.fill_default(py, i, &dict, st, &mut errors)? {
                                    let w = if let Some(w) = &whole {
                                        w.clone()
                                    } else {
                                        let w = inp.to_py(py)?;
                                        whole = Some(w.clone());
                                        w
                                    };
                                    errors.push_line(py, Self::missing_line(field, &w));
                                }
                            }
                        }
                    }
                    Ok(())
                }
                Inp::Json(_) => Err(ValError::new(
                    py,
                    ErrorType::ModelType {
                        class_name: self.class_name.clone(),
                    },
                    inp,
                )),
                Inp::Py(o) => {
                    if let Ok(d) = o.cast::<PyDict>() {
                        self.fields_from_dict(
                            py,
                            d,
                            st,
                            &mut FieldsDest::Dict(&dict),
                            &mut fields_set,
                            &mut extra,
                            &mut errors,
                        )
                    } else if (self.from_attributes || st.from_attributes)
                        && !o.is_instance_of::<PyString>()
                    {
                        self.fields_from_attributes(py, o, st, &dict, &mut fields_set, &mut errors)
                    } else if let Ok(m) = o.cast::<pyo3::types::PyMapping>() {
                        let d = PyDict::new(py);
                        for item in m.items()?.iter() {
                            let (k, v): (Bound<'py, PyAny>, Bound<'py, PyAny>) = item.extract()?;
                            d.set_item(k, v)?;
                        }
                        self.fields_from_dict(
                            py,
                            &d,
                            st,
                            &mut FieldsDest::Dict(&dict),
                            &mut fields_set,
                            &mut extra,
                            &mut errors,
                        )
                    } else {
                        Err(ValError::new(
                            py,
                            ErrorType::ModelType {
                                class_name: self.class_name.clone(),
                            },
                            inp,
                        ))
                    }
                }
            }
        })();
        st.data = saved_data;
        result?;
        self.validate_extras(py, &dict, &mut extra, st, &mut errors)?;
        if !errors.is_empty() {
            return Err(ValError::Lines(errors.0));
        }
        let fields_set = self.fields_set(py, &fields_set)?;
        errors.into_result(FieldsOut {
            dict,
            fields_set,
            extra,
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn fields_from_dict<'py>(
        &self,
        py: Python<'py>,
        input: &Bound<'py, PyDict>,
        st: &mut State<'_, 'py>,
        out: &mut FieldsDest<'_, 'py>,
        fields_set: &mut Seen,
        extra: &mut Option<Bound<'py, PyDict>>,
        errors: &mut Errors,
    ) -> ValResult<()> {
        let mut used = 0usize;
        // Dicts usually list the fields in declaration order under the very
        // (interned) name objects: the next entry is checked first, by
        // pointer, before any hash lookup.
        let mut pos: ffi::Py_ssize_t = 0;
        for (i, field) in self.fields.iter().enumerate() {
            let mut found = None;
            if let Some((first, first_str)) = field.lookup.first() {
                let mut next = pos;
                let mut k = std::ptr::null_mut();
                let mut v = std::ptr::null_mut();
                // SAFETY: `input` is a live dict; `PyDict_Next` yields
                // borrowed pointers, the value is owned before any Python runs.
                let more = unsafe {
                    ffi::PyDict_Next(input.as_ptr(), &raw mut next, &raw mut k, &raw mut v)
                };
                if more != 0 && k == first.as_ptr() {
                    pos = next;
                    found = Some((unsafe { Bound::from_borrowed_ptr(py, v) }, first_str));
                }
            }
            if found.is_none() {
                for (key, key_str) in &field.lookup {
                    if let Some(v) = input.get_item(key.bind(py))? {
                        found = Some((v, key_str));
                        break;
                    }
                }
            }
            match found {
                Some((v, key_str)) => {
                    used += 1;
                    let inp = Inp::Py(v);
                    match field.validator.validate_field(py, &inp, st) {
                        Ok(value) => {
                            out.put(py, i, field, value)?;
                            fields_set.set(i);
                        }
                        Err(FieldError::Kind(kind)) => {
                            errors.push_kind(py, kind, LocItem::Key(key_str.clone()), &inp)?;
                        }
                        // `PydanticOmit` from a field validator: the field is left out.
                        Err(FieldError::Val(e)) if is_omit(py, &e) => {}
                        Err(FieldError::Val(e)) => {
                            errors.push(py, e, LocItem::Key(key_str.clone()))?;
                        }
                    }
                }
                None => {
                    if !self.fill_default_to(py, i, out, st, errors)? {
                        errors.push_line(py, Self::missing_line(field, input.as_any()));
                    }
                }
            }
        }
        if self.extra != ExtraBehavior::Ignore && used < input.len() {
            for (k, v) in input.iter() {
                let known = k
                    .cast::<PyString>()
                    .ok()
                    .and_then(|s| s.to_cow().ok())
                    .is_some_and(|s| self.field_index(s.as_ref()).is_some());
                if known {
                    continue;
                }
                match self.extra {
                    ExtraBehavior::Forbid => errors.push_line(
                        py,
                        LineError {
                            kind: ErrorType::ExtraForbidden,
                            loc: smallvec::smallvec![LocItem::Key(
                                k.str()?.to_cow()?.as_ref().into()
                            )],
                            input: v.unbind(),
                            ctx_py: None,
                        },
                    ),
                    ExtraBehavior::Allow => {
                        extra
                            .get_or_insert_with(|| PyDict::new(py))
                            .set_item(k, v)?;
                    }
                    ExtraBehavior::Ignore => {}
                }
            }
        }
        Ok(())
    }

    fn fields_from_attributes<'py>(
        &self,
        py: Python<'py>,
        input: &Bound<'py, PyAny>,
        st: &mut State<'_, 'py>,
        dict: &Bound<'py, PyDict>,
        fields_set: &mut Seen,
        errors: &mut Errors,
    ) -> ValResult<()> {
        // A subclass instance read again for a response that excludes unset
        // fields: what it was not given is missing here.
        let given = if st.unset_as_missing && is_subtype(input, self.cls.bind(py)) {
            input
                .getattr(pyo3::intern!(py, "model_fields_set"))
                .ok()
                .filter(PyAnyMethods::is_instance_of::<PySet>)
        } else {
            None
        };
        for (i, field) in self.fields.iter().enumerate() {
            let mut found = None;
            let unset = match &given {
                Some(set) => !set.contains(field.name.bind(py))?,
                None => false,
            };
            for (key, key_str) in field.lookup.iter().filter(|_| !unset) {
                if let Ok(v) = input.getattr(key.bind(py)) {
                    found = Some((v, key_str));
                    break;
                }
            }
            match found {
                Some((v, key_str)) => {
                    let inp = Inp::Py(v);
                    match field.validator.validate_field(py, &inp, st) {
                        Ok(value) => {
                            dict.set_item(field.name.bind(py), value)?;
                            fields_set.set(i);
                        }
                        Err(FieldError::Kind(kind)) => {
                            errors.push_kind(py, kind, LocItem::Key(key_str.clone()), &inp)?;
                        }
                        // `PydanticOmit` from a field validator: the field is left out.
                        Err(FieldError::Val(e)) if is_omit(py, &e) => {}
                        Err(FieldError::Val(e)) => {
                            errors.push(py, e, LocItem::Key(key_str.clone()))?;
                        }
                    }
                }
                None => {
                    if !self.fill_default(py, i, dict, st, errors)? {
                        errors.push_line(py, Self::missing_line(field, input));
                    }
                }
            }
        }
        Ok(())
    }

    /// Validate one field's new value for `validate_assignment`; the other
    /// fields (the instance's current `__dict__`) are what validators see.
    pub fn validate_field_value<'py>(
        &self,
        py: Python<'py>,
        instance_dict: &Bound<'py, PyDict>,
        name: &str,
        value: &Bound<'py, PyAny>,
        st: &mut State<'_, 'py>,
    ) -> ValResult<Option<Bound<'py, PyAny>>> {
        let Some(field) = self.fields.iter().find(|f| f.name_str == name) else {
            return Ok(None);
        };
        if field.frozen {
            return Err(ValError::Lines(vec![LineError {
                kind: ErrorType::FrozenField,
                loc: smallvec::smallvec![LocItem::Key(name.into())],
                input: value.clone().unbind(),
                ctx_py: None,
            }]));
        }
        let data = instance_dict.copy()?;
        data.del_item(name).ok();
        let saved = st.data.replace(data);
        let r = field.validator.validate(py, &Inp::Py(value.clone()), st);
        st.data = saved;
        if self.root_model {
            // A RootModel's value is the model: its errors are located inside it.
            return r.map(Some);
        }
        r.map(Some)
            .map_err(|e| e.with_outer(&LocItem::Key(name.into())))
    }
}

/// Where the general lookup reads a model's fields from.
enum Source<'a, 'py> {
    Json(&'a [(std::borrow::Cow<'a, str>, JsonValue<'a>)]),
    Dict(Bound<'py, PyDict>),
    Attrs(Bound<'py, PyAny>),
}

/// The value under `key` in a JSON object: the last one when the key is
/// repeated (as `json.loads` keeps it).
fn json_get<'a>(
    entries: &'a [(std::borrow::Cow<'a, str>, JsonValue<'a>)],
    key: &str,
) -> Option<&'a JsonValue<'a>> {
    entries
        .iter()
        .rev()
        .find(|(k, _)| k.as_ref() == key)
        .map(|(_, v)| v)
}

fn normalize_index(i: i64, len: usize) -> Option<usize> {
    let len = i64::try_from(len).ok()?;
    let j = if i < 0 { len + i } else { i };
    usize::try_from(j)
        .ok()
        .filter(|&j| i64::try_from(j).is_ok_and(|j| j < len))
}

/// One further step of an alias path into a value already found.
fn step<'a, 'py>(
    py: Python<'py>,
    cur: &Inp<'a, 'py>,
    item: &PathItem,
) -> PyResult<Option<Inp<'a, 'py>>> {
    Ok(match (cur, item) {
        (Inp::Json(JsonValue::Object(o)), PathItem::Key(_, k)) => json_get(o, k).map(Inp::Json),
        (Inp::Json(JsonValue::Array(a)), PathItem::Index(i)) => normalize_index(*i, a.len())
            .and_then(|j| a.get(j))
            .map(Inp::Json),
        (Inp::Json(_), _) => None,
        (Inp::Py(o), item) => {
            if let Ok(d) = o.cast::<PyDict>() {
                match item {
                    PathItem::Key(k, _) => d.get_item(k.bind(py))?.map(Inp::Py),
                    PathItem::Index(i) => d.get_item(*i)?.map(Inp::Py),
                }
            } else if let PathItem::Index(i) = item {
                if o.is_instance_of::<PyList>() || o.is_instance_of::<pyo3::types::PyTuple>() {
                    match normalize_index(*i, o.len()?) {
                        Some(j) => Some(Inp::Py(o.get_item(j)?)),
                        None => None,
                    }
                } else {
                    None
                }
            } else {
                None
            }
        }
    })
}

impl ModelValidator {
    /// Whether every call needs the general field lookup (nested alias paths,
    /// several keys for one field, locations by field name): readers that
    /// match flat keys themselves (JSON streaming, pairs) must not be used; nor for a root
    /// model, whose input is its value.
    #[must_use]
    pub fn needs_general_lookup(&self) -> bool {
        self.nested || self.multi_key || !self.loc_by_alias || self.root_model
    }

    /// Whether this call needs the general field lookup: nested alias paths,
    /// locations by field name, or per-call alias/name/extra overrides.
    #[must_use]
    pub fn general(&self, st: &State<'_, '_>) -> bool {
        self.needs_general_lookup()
            || st.by_alias.is_some_and(|b| b != self.by_alias)
            || st.by_name.is_some_and(|b| b != self.by_name)
            || st.extra.is_some_and(|e| e != self.extra)
    }

    /// The first step of a path from the source.
    fn first<'a, 'py>(
        py: Python<'py>,
        src: &Source<'a, 'py>,
        item: &PathItem,
    ) -> PyResult<Option<Inp<'a, 'py>>> {
        Ok(match (src, item) {
            (Source::Json(entries), PathItem::Key(_, k)) => json_get(entries, k).map(Inp::Json),
            (Source::Dict(d), PathItem::Key(k, _)) => d.get_item(k.bind(py))?.map(Inp::Py),
            (Source::Dict(d), PathItem::Index(i)) => d.get_item(*i)?.map(Inp::Py),
            (Source::Attrs(o), PathItem::Key(k, _)) => o.getattr(k.bind(py)).ok().map(Inp::Py),
            (_, PathItem::Index(_)) => None,
        })
    }

    /// Fields looked up along every alias path the call allows (pydantic-core's
    /// lookup keys). `None`: the input is not a mapping; the caller reports it.
    #[allow(clippy::too_many_lines)]
    fn validate_fields_general<'a, 'py>(
        &self,
        py: Python<'py>,
        inp: &Inp<'a, 'py>,
        st: &mut State<'_, 'py>,
    ) -> ValResult<Option<FieldsOut<'py>>> {
        let by_alias = st.by_alias.unwrap_or(self.by_alias);
        let by_name = st.by_name.unwrap_or(self.by_name);
        let extra_mode = st.extra.unwrap_or(self.extra);
        let src = match inp {
            Inp::Json(JsonValue::Object(o)) => Source::Json(o.as_slice()),
            Inp::Json(_) => return Ok(None),
            Inp::Py(o) => {
                if let Ok(d) = o.cast::<PyDict>() {
                    Source::Dict(d.clone())
                } else if (self.from_attributes || st.from_attributes)
                    && !o.is_instance_of::<PyString>()
                {
                    Source::Attrs(o.clone())
                } else if let Ok(m) = o.cast::<pyo3::types::PyMapping>() {
                    let d = PyDict::new(py);
                    for item in m.items()?.iter() {
                        let (k, v): (Bound<'py, PyAny>, Bound<'py, PyAny>) = item.extract()?;
                        d.set_item(k, v)?;
                    }
                    Source::Dict(d)
                } else {
                    return Ok(None);
                }
            }
        };
        let dict = new_presized_dict(py, self.fields.len())?;
        let mut fields_set = Seen::new(self.fields.len());
        let mut errors = Errors::default();
        let mut used: Vec<crate::errors::Key> = Vec::new();
        let saved_data = st.data.replace(dict.clone());
        let result = (|| -> ValResult<()> {
            for (i, field) in self.fields.iter().enumerate() {
                let mut candidates: Vec<&Vec<PathItem>> = Vec::with_capacity(2);
                if by_alias {
                    candidates.extend(field.aliases.iter());
                }
                if by_name || field.aliases.is_empty() {
                    candidates.push(&field.name_path);
                }
                let mut found = None;
                for path in &candidates {
                    let Some((head, rest)) = path.split_first() else {
                        continue;
                    };
                    let Some(mut cur) = Self::first(py, &src, head)? else {
                        continue;
                    };
                    let mut ok = true;
                    for item in rest {
                        if let Some(next) = step(py, &cur, item)? {
                            cur = next;
                        } else {
                            ok = false;
                            break;
                        }
                    }
                    if ok {
                        found = Some((cur, *path));
                        break;
                    }
                }
                let loc_of = |path: &Vec<PathItem>| -> Loc {
                    if self.loc_by_alias {
                        path.iter().rev().map(PathItem::loc).collect()
                    } else {
                        smallvec::smallvec![LocItem::Key(field.name_str.as_str().into())]
                    }
                };
                match found {
                    Some((v, path)) => {
                        if let Some(PathItem::Key(_, k)) = path.first() {
                            used.push(k.clone());
                        }
                        match field.validator.validate(py, &v, st) {
                            Ok(value) => {
                                dict.set_item(field.name.bind(py), value)?;
                                fields_set.set(i);
                            }
                            Err(ValError::Lines(lines)) => {
                                let loc = loc_of(path);
                                for mut line in lines {
                                    line.loc.extend(loc.iter().cloned());
                                    errors.push_line(py, line);
                                }
                            }
                            Err(e) => return Err(e),
                        }
                    }
                    None => {
                        if !self.fill_default(py, i, &dict, st, &mut errors)? {
                            let loc = candidates.first().map_or_else(
                                || {
                                    smallvec::smallvec![LocItem::Key(
                                        field.name_str.as_str().into()
                                    )]
                                },
                                |p| loc_of(p),
                            );
                            errors.push_line(
                                py,
                                LineError {
                                    kind: ErrorType::Missing,
                                    loc,
                                    input: inp.to_py(py)?.unbind(),
                                    ctx_py: None,
                                },
                            );
                        }
                    }
                }
            }
            Ok(())
        })();
        st.data = saved_data;
        result?;
        // Extras: the keys no found path started with.
        let mut extra: Option<Bound<'py, PyDict>> = None;
        if extra_mode != ExtraBehavior::Ignore {
            let is_used = |k: &str| used.iter().any(|u| &**u == k);
            match &src {
                Source::Json(entries) => {
                    for (n, (k, v)) in entries.iter().enumerate() {
                        if is_used(k) || entries[n + 1..].iter().any(|(k2, _)| k2 == k) {
                            continue;
                        }
                        let obj = super::input::json_to_py(py, v)?;
                        if extra_mode == ExtraBehavior::Forbid {
                            errors.push_line(
                                py,
                                LineError {
                                    kind: ErrorType::ExtraForbidden,
                                    loc: smallvec::smallvec![LocItem::Key(k.as_ref().into())],
                                    input: obj.unbind(),
                                    ctx_py: None,
                                },
                            );
                        } else {
                            extra
                                .get_or_insert_with(|| PyDict::new(py))
                                .set_item(k.as_ref(), obj)?;
                        }
                    }
                }
                Source::Dict(d) => {
                    for (k, v) in d.iter() {
                        let key = k.str()?.to_cow()?.into_owned();
                        if k.is_instance_of::<PyString>() && is_used(&key) {
                            continue;
                        }
                        if extra_mode == ExtraBehavior::Forbid {
                            errors.push_line(
                                py,
                                LineError {
                                    kind: ErrorType::ExtraForbidden,
                                    loc: smallvec::smallvec![LocItem::Key(key.as_str().into())],
                                    input: v.unbind(),
                                    ctx_py: None,
                                },
                            );
                        } else {
                            extra
                                .get_or_insert_with(|| PyDict::new(py))
                                .set_item(k, v)?;
                        }
                    }
                }
                Source::Attrs(_) => {}
            }
        }
        self.validate_extras(py, &dict, &mut extra, st, &mut errors)?;
        if !errors.is_empty() {
            return Err(ValError::Lines(errors.0));
        }
        if extra_mode == ExtraBehavior::Allow && extra.is_none() {
            extra = Some(PyDict::new(py));
        }
        let fields_set = self.fields_set(py, &fields_set)?;
        Ok(Some(FieldsOut {
            dict,
            fields_set,
            extra,
        }))
    }
}
