//! A model instance's `__dict__`, made in one step from its validated values.
//!
//! Inserting the fields one by one hashes and probes every key and, for the
//! first, allocates the table: about 200 instructions a field, the largest
//! single cost of building a small model. Every instance of a model has the
//! same keys in the same order (declaration order, as Pydantic builds it), so
//! a template dict holding the field names (every value `None`) is copied
//! instead, which CPython does as one block copy of its table, and the
//! values are written into the copy's entries in place.
//!
//! Writing entries relies on the dict layout of CPython 3.11, checked on the
//! template when it is built (and on each copy, cheaply); elsewhere, and for
//! an instance with fields left out, values are inserted as before.

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

/// CPython 3.11's `PyDictObject` (`Include/cpython/dictobject.h`).
#[repr(C)]
struct DictObject {
    ob_base: ffi::PyObject,
    ma_used: ffi::Py_ssize_t,
    ma_version_tag: u64,
    ma_keys: *mut KeysObject,
    ma_values: *mut std::ffi::c_void,
}

/// CPython 3.11's `PyDictKeysObject` header (`Include/internal/pycore_dict.h`);
/// the index table (`1 << dk_log2_index_bytes` bytes) and the entries follow.
#[repr(C)]
#[allow(clippy::struct_field_names)] // CPython's own names
struct KeysObject {
    dk_refcnt: ffi::Py_ssize_t,
    dk_log2_size: u8,
    dk_log2_index_bytes: u8,
    dk_kind: u8,
    dk_version: u32,
    dk_usable: ffi::Py_ssize_t,
    dk_nentries: ffi::Py_ssize_t,
}

/// `PyDictUnicodeEntry`: the entry of a table whose keys are all `str`.
#[repr(C)]
struct UnicodeEntry {
    me_key: *mut ffi::PyObject,
    me_value: *mut ffi::PyObject,
}

/// `DICT_KEYS_UNICODE`.
const KEYS_UNICODE: u8 = 1;

/// The entries of a combined, all-`str` table holding exactly `n` entries,
/// or `None` when `dict` is laid out otherwise.
///
/// # Safety
/// `dict` is a live exact `dict` and the interpreter is CPython 3.11.
unsafe fn unicode_entries(dict: *mut ffi::PyObject, n: usize) -> Option<*mut UnicodeEntry> {
    // SAFETY: the caller's contract; the keys object a combined dict points
    // to holds its index table and then its entries.
    unsafe {
        let d = dict.cast::<DictObject>();
        if !(*d).ma_values.is_null() || usize::try_from((*d).ma_used).ok()? != n {
            return None;
        }
        let keys = (*d).ma_keys;
        if (*keys).dk_kind != KEYS_UNICODE || usize::try_from((*keys).dk_nentries).ok()? != n {
            return None;
        }
        let indices = keys.cast::<u8>().add(std::mem::size_of::<KeysObject>());
        // The index table is a power of two of at least 8 bytes long, after
        // an 8-byte aligned header: the entries are pointer-aligned.
        #[allow(clippy::cast_ptr_alignment)]
        let entries = indices
            .add(1usize << (*keys).dk_log2_index_bytes)
            .cast::<UnicodeEntry>();
        Some(entries)
    }
}

/// The template of one model's instance dicts.
#[derive(Debug)]
pub struct FieldDict {
    template: Py<PyDict>,
    /// The template's layout is the one [`unicode_entries`] reads.
    in_place: bool,
}

impl FieldDict {
    /// For the fields `names`, in declaration order.
    pub fn new<'py>(py: Python<'py>, names: &[&Bound<'py, PyString>]) -> PyResult<Self> {
        let template = super::model::new_presized_dict(py, names.len())?;
        for name in names {
            template.set_item(*name, py.None())?;
        }
        let v = py.version_info();
        // SAFETY: `template` is a live exact dict; its entries are read only
        // on 3.11, whose layout the structs above describe.
        let in_place = !names.is_empty()
            && (v.major, v.minor) == (3, 11)
            && unsafe {
                unicode_entries(template.as_ptr(), names.len()).is_some_and(|e| {
                    names
                        .iter()
                        .enumerate()
                        .all(|(i, n)| (*e.add(i)).me_key == n.as_ptr())
                })
            };
        Ok(Self {
            template: template.unbind(),
            in_place,
        })
    }

    /// The instance dict of `values` (one slot per field, declaration
    /// order), taking them; empty slots (fields left out) are skipped.
    pub fn build<'a, 'py: 'a>(
        &self,
        py: Python<'py>,
        names: impl Iterator<Item = &'a Bound<'py, PyString>>,
        values: &mut [Option<Bound<'py, PyAny>>],
    ) -> PyResult<Bound<'py, PyDict>> {
        if self.in_place && values.iter().all(Option::is_some) {
            if let Some(dict) = self.copy_with(py, values)? {
                return Ok(dict);
            }
        }
        let dict = super::model::new_presized_dict(py, values.len())?;
        for (name, slot) in names.zip(values.iter_mut()) {
            if let Some(value) = slot.take() {
                dict.set_item(name, value)?;
            }
        }
        Ok(dict)
    }

    /// A copy of the template holding `values` (every slot filled), or
    /// `None` (the slots untouched) when the copy is not laid out as the
    /// template was.
    fn copy_with<'py>(
        &self,
        py: Python<'py>,
        values: &mut [Option<Bound<'py, PyAny>>],
    ) -> PyResult<Option<Bound<'py, PyDict>>> {
        // SAFETY: the template is a live dict; `PyDict_Copy` returns a new
        // reference or NULL with an exception set.
        let copy = unsafe {
            Bound::from_owned_ptr_or_err(py, ffi::PyDict_Copy(self.template.as_ptr()))?
                .cast_into_unchecked::<PyDict>()
        };
        // SAFETY: `copy` is a new exact dict nobody else has seen, on 3.11
        // (`in_place`); each entry's value is a reference the dict owns,
        // replaced by one taken from the slot, the old one released.
        unsafe {
            let Some(entries) = unicode_entries(copy.as_ptr(), values.len()) else {
                return Ok(None);
            };
            let mut track = false;
            for (i, slot) in values.iter_mut().enumerate() {
                let Some(value) = slot.take() else { continue };
                let value = value.into_ptr();
                track |= ffi::PyType_HasFeature(ffi::Py_TYPE(value), ffi::Py_TPFLAGS_HAVE_GC) != 0;
                let entry = entries.add(i);
                let old = std::mem::replace(&mut (*entry).me_value, value);
                ffi::Py_DECREF(old);
            }
            // As an insertion would: a dict holding a container is tracked
            // by the cyclic GC (the template's copy is not, holding `None`s).
            if track && ffi::PyObject_GC_IsTracked(copy.as_ptr()) == 0 {
                ffi::PyObject_GC_Track(copy.as_ptr().cast());
            }
        }
        Ok(Some(copy))
    }
}
