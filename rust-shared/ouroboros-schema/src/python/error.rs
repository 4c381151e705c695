//! Errors while validating, and their conversion to
//! `ouroboros.validation.ValidationError`.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};

use crate::errors::{CtxValue, ErrorType, LocItem};

use super::input::Inp;

pyo3::import_exception!(ouroboros.validation, ValidationError);

/// An error's location, innermost item first. Two items are stored inline
/// (a field of a nested model, an item of a list field): most failures
/// allocate nothing for their location.
pub type Loc = smallvec::SmallVec<[LocItem; 2]>;

/// One failure at one location. `loc` is stored innermost-first while the
/// error bubbles up (each level pushes its key), and reversed once at the end.
#[derive(Debug)]
pub struct LineError {
    pub kind: ErrorType,
    pub loc: Loc,
    pub input: Py<PyAny>,
    /// A `ctx` entry given as the Python object itself: the exception a user
    /// validator raised (`"error"`), a Decimal bound (`"gt"`...), as Pydantic's `errors()`.
    pub ctx_py: Option<(&'static str, Py<PyAny>)>,
}

/// Either validation failures (all of them, collected) or a Python exception
/// that must propagate unchanged (a bug in a user validator, say).
#[derive(Debug)]
pub enum ValError {
    Lines(Vec<LineError>),
    /// Boxed: a `PyErr` is several words, and every validator returns a
    /// `ValResult`; keeping the error small keeps the success path cheap.
    Py(Box<PyErr>),
}

pub type ValResult<T> = Result<T, ValError>;

impl From<PyErr> for ValError {
    fn from(e: PyErr) -> Self {
        Self::Py(Box::new(e))
    }
}

impl ValError {
    /// One error about `input`.
    #[must_use]
    pub fn new(py: Python<'_>, kind: ErrorType, input: &Inp<'_, '_>) -> Self {
        let input = match input.to_py(py) {
            Ok(v) => v.unbind(),
            Err(e) => return Self::Py(Box::new(e)),
        };
        Self::one_line(py, kind, input)
    }

    /// One error about a Python value.
    #[must_use]
    pub fn new_py(kind: ErrorType, input: &Bound<'_, PyAny>) -> Self {
        Self::one_line(input.py(), kind, input.clone().unbind())
    }

    /// A one-line list, in a spare list when there is one (see [`spare`]).
    fn one_line(py: Python<'_>, kind: ErrorType, input: Py<PyAny>) -> Self {
        let mut lines = spare::take_one(py);
        lines.push(LineError {
            kind,
            loc: Loc::new(),
            input,
            ctx_py: None,
        });
        Self::Lines(lines)
    }

    /// Prefix every line's location with `item` (called on the way out).
    #[must_use]
    pub fn with_outer(mut self, item: &LocItem) -> Self {
        if let Self::Lines(lines) = &mut self {
            for line in lines {
                line.loc.push(item.clone());
            }
        }
        self
    }
}

/// Collects the errors of several items, so every failure is reported at once.
#[derive(Default)]
pub struct Errors(pub Vec<LineError>);

impl Errors {
    /// Keep the lines of `err` under `item`; a Python exception aborts.
    pub fn push(&mut self, py: Python<'_>, err: ValError, item: LocItem) -> PyResult<()> {
        match err {
            ValError::Lines(mut lines) => {
                if let Some((last, rest)) = lines.split_last_mut() {
                    for line in rest {
                        line.loc.push(item.clone());
                    }
                    // The last line takes the item itself (most errors have one line).
                    last.loc.push(item);
                }
                if self.0.is_empty() {
                    // The first failing item: its lines become the collection
                    // (no allocation, no copy; most failures have one line).
                    let empty = std::mem::replace(&mut self.0, lines);
                    spare::put(py, empty);
                } else {
                    self.reserve(py, lines.len());
                    self.0.append(&mut lines);
                    spare::put(py, lines);
                }
                Ok(())
            }
            ValError::Py(e) => Err(*e),
        }
    }

    /// One error about `input` under `item` (a field's own failure, recorded
    /// here without a one-line list of its own).
    #[inline]
    pub fn push_kind(
        &mut self,
        py: Python<'_>,
        kind: ErrorType,
        item: LocItem,
        input: &Inp<'_, '_>,
    ) -> PyResult<()> {
        let input = input.to_py(py)?.unbind();
        if self.0.capacity() == 0 {
            // The first failure of this collection: a block at once (a kept
            // one when there is one), nothing to move.
            self.0 =
                spare::take_block(py, 1).unwrap_or_else(|| Vec::with_capacity(spare::BLOCK_LINES));
        } else {
            self.reserve(py, 1);
        }
        self.0.push(LineError {
            kind,
            loc: smallvec::smallvec![item],
            input,
            ctx_py: None,
        });
        Ok(())
    }

    /// Add one line made here (a missing field, a forbidden extra key).
    pub fn push_line(&mut self, py: Python<'_>, line: LineError) {
        self.reserve(py, 1);
        self.0.push(line);
    }

    /// Room for `more` lines. The collection jumps to a block of about 1 KiB,
    /// then doubles, always into a fresh block with the lines moved over:
    /// growing a block in place (`realloc`) is served by glibc outside its
    /// per-thread cache, about 40 ns, a tenth of a failing `model_validate`;
    /// a fresh block of at most ~1 KiB comes from that cache, or from the
    /// spare block of an earlier failure (see [`spare`]).
    #[inline]
    fn reserve(&mut self, py: Python<'_>, more: usize) {
        if self.0.capacity() - self.0.len() < more {
            self.grow(py, more);
        }
    }

    #[cold]
    fn grow(&mut self, py: Python<'_>, more: usize) {
        let len = self.0.len();
        let wanted = (len + more).max(len * 2).max(spare::BLOCK_LINES);
        let mut grown =
            spare::take_block(py, len + more).unwrap_or_else(|| Vec::with_capacity(wanted));
        grown.append(&mut self.0);
        let old = std::mem::replace(&mut self.0, grown);
        spare::put(py, old);
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_result<T>(self, ok: T) -> ValResult<T> {
        if self.0.is_empty() {
            Ok(ok)
        } else {
            Err(ValError::Lines(self.0))
        }
    }
}

/// Empty line lists kept for the next errors instead of being freed.
///
/// A failing field makes a one-line list that the enclosing model or list
/// then moves into its own collection; a failing validation's collection
/// lives as long as its `ValidationError`. Handing those emptied lists back
/// here, and taking them again for the next error, saves a `malloc` and a
/// `free` per error (about a tenth of a failing `model_validate`). At most
/// [`ONE_SLOTS`] one-line lists and [`BLOCK_SLOTS`] blocks of [`BLOCK_LINES`] to
/// [`MAX_BLOCK_LINES`] lines are kept, whatever the number of errors.
///
/// The store is one static, reached only through a [`Python`] token: the
/// interpreter lock serialises every access (the extension modules built on
/// this crate keep the lock: none declares `gil_used = false`, so even a
/// free-threaded interpreter turns it back on when it imports them). Inside
/// the store nothing but empty `Vec`s are moved, so no Python code (a
/// `__del__`) can run and reach it again while it is borrowed.
pub(crate) mod spare {
    use std::cell::UnsafeCell;

    use pyo3::Python;

    use super::LineError;

    /// One-line lists kept.
    pub const ONE_SLOTS: usize = 8;
    /// Lines of the first collection block: about 1 KiB, served by glibc's
    /// per-thread cache when it has to be allocated.
    pub const BLOCK_LINES: usize = {
        let lines = 1000 / std::mem::size_of::<LineError>();
        if lines < 4 {
            4
        } else {
            lines
        }
    };
    /// A larger emptied collection is freed, not kept.
    pub const MAX_BLOCK_LINES: usize = 64;

    /// Collection blocks kept.
    pub const BLOCK_SLOTS: usize = 4;

    struct Store {
        n_one: usize,
        one: [Vec<LineError>; ONE_SLOTS],
        n_block: usize,
        block: [Vec<LineError>; BLOCK_SLOTS],
    }

    struct Locked(UnsafeCell<Store>);

    // SAFETY: reached only through `with`, which takes a `Python` token: the
    // interpreter lock is held and serialises all threads (see the module doc).
    unsafe impl Sync for Locked {}

    static STORE: Locked = Locked(UnsafeCell::new(Store {
        n_one: 0,
        one: [const { Vec::new() }; ONE_SLOTS],
        n_block: 0,
        block: [const { Vec::new() }; BLOCK_SLOTS],
    }));

    #[inline]
    fn with<R>(_py: Python<'_>, f: impl FnOnce(&mut Store) -> R) -> R {
        // SAFETY: the lock is held (the token) and `f` only moves empty
        // vectors, so this is the only reference to the store while it lives.
        f(unsafe { &mut *STORE.0.get() })
    }

    /// Move a kept list out of `slots[..*n]` (its last one), if any.
    #[inline]
    fn pop(n: &mut usize, slots: &mut [Vec<LineError>]) -> Option<Vec<LineError>> {
        let i = n.checked_sub(1)?;
        *n = i;
        // A slot past `n` holds an empty, unallocated list: nothing to free.
        slots.get_mut(i).map(std::mem::take)
    }

    /// Keep `lines` in `slots` if there is room, else hand it back.
    #[inline]
    fn keep(
        n: &mut usize,
        slots: &mut [Vec<LineError>],
        lines: Vec<LineError>,
    ) -> Option<Vec<LineError>> {
        match slots.get_mut(*n) {
            Some(slot) => {
                // The slot held an unallocated list (taken before): nothing to drop.
                std::mem::forget(std::mem::replace(slot, lines));
                *n += 1;
                None
            }
            None => Some(lines),
        }
    }

    /// An empty list with room for one line.
    #[inline]
    pub fn take_one(py: Python<'_>) -> Vec<LineError> {
        with(py, |s| pop(&mut s.n_one, &mut s.one)).unwrap_or_else(|| Vec::with_capacity(1))
    }

    /// A kept block, if there is one with room for `lines`.
    #[inline]
    pub fn take_block(py: Python<'_>, lines: usize) -> Option<Vec<LineError>> {
        with(py, |s| {
            let last = s.n_block.checked_sub(1)?;
            if s.block[last].capacity() >= lines {
                pop(&mut s.n_block, &mut s.block)
            } else {
                None
            }
        })
    }

    /// Keep an emptied list for later (or free it when there is no room).
    #[inline]
    pub fn put(py: Python<'_>, mut lines: Vec<LineError>) {
        if !lines.is_empty() {
            // Dropped out of the store: their inputs' release may run Python.
            lines.clear();
        }
        let cap = lines.capacity();
        if cap != 1 && !(BLOCK_LINES..=MAX_BLOCK_LINES).contains(&cap) {
            // Nothing to keep, or a block the next collection would not take
            // (blocks of other sizes come only from rare paths).
            return;
        }
        let refused = with(py, |s| {
            if cap == 1 {
                keep(&mut s.n_one, &mut s.one, lines)
            } else {
                keep(&mut s.n_block, &mut s.block, lines)
            }
        });
        // Freed out of the store (no Python code runs: the list is empty).
        drop(refused);
    }
}

fn ctx_to_py<'py>(py: Python<'py>, v: &CtxValue) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        CtxValue::Int(i) => i.into_pyobject(py)?.into_any(),
        CtxValue::Float(f) | CtxValue::WholeFloat(f) => f.into_pyobject(py)?.into_any(),
        CtxValue::Str(s) => PyString::new(py, s).into_any(),
        CtxValue::Null => py.None().into_bound(py),
    })
}

fn loc_to_py<'py>(py: Python<'py>, loc: &[LocItem]) -> PyResult<Bound<'py, PyTuple>> {
    let items: Vec<Bound<'py, PyAny>> = loc
        .iter()
        .rev()
        .map(|l| match l {
            LocItem::Key(k) => Ok(PyString::new(py, k).into_any()),
            LocItem::Index(i) => Ok(i.into_pyobject(py)?.into_any()),
            LocItem::Negative(i) => Ok(i.into_pyobject(py)?.into_any()),
        })
        .collect::<PyResult<_>>()?;
    PyTuple::new(py, items)
}

/// The `errors()` list of a `ValidationError`: dicts with `type`, `loc`,
/// `msg`, `input` and (when the error has one) `ctx`.
/// With `json`, the messages are those of errors in JSON input.
pub fn lines_to_py<'py>(
    py: Python<'py>,
    lines: &[LineError],
    json: bool,
) -> PyResult<Bound<'py, PyList>> {
    let out = PyList::empty(py);
    for line in lines {
        let d = PyDict::new(py);
        d.set_item(pyo3::intern!(py, "type"), line.kind.name())?;
        d.set_item(pyo3::intern!(py, "loc"), loc_to_py(py, &line.loc)?)?;
        d.set_item(pyo3::intern!(py, "msg"), line.kind.message_for(json))?;
        d.set_item(pyo3::intern!(py, "input"), line.input.bind(py))?;
        let ctx = line.kind.context();
        if !ctx.is_empty() {
            let c = PyDict::new(py);
            for (k, v) in &ctx {
                match &line.ctx_py {
                    Some((key, obj)) if key == k => c.set_item(*k, obj.bind(py))?,
                    _ => c.set_item(*k, ctx_to_py(py, v)?)?,
                }
            }
            d.set_item(pyo3::intern!(py, "ctx"), c)?;
        } else if let ErrorType::CustomWithContext { ctx, .. } = &line.kind {
            let c = PyDict::new(py);
            for (k, v) in ctx {
                c.set_item(k, ctx_to_py(py, v)?)?;
            }
            d.set_item(pyo3::intern!(py, "ctx"), c)?;
        }
        out.append(d)?;
    }
    Ok(out)
}

/// The failures of one validation, kept in Rust until `errors()` asks for
/// them: code that only catches the exception never pays for the dicts.
///
/// A small type made with the C API (`ouroboros_schema.LineErrors`: `len()`,
/// `to_list()`), not a `#[pyclass]`: each failure makes and frees one, and a
/// plain `PyObject_GC_New` / `PyObject_GC_Del` pair costs about a third of a
/// class object's generic creation and deallocation. It is tracked by the
/// garbage collector (its inputs can lead back to the exception) and cannot
/// be created from Python.
mod line_errors {
    use std::ffi::{c_int, c_void};
    use std::mem::ManuallyDrop;

    use pyo3::ffi;
    use pyo3::prelude::*;
    use pyo3::sync::PyOnceLock;
    use pyo3::types::PyType;

    use super::{lines_to_py, spare, LineError};

    /// The object: its header, then the lines (always written before the
    /// object is tracked or handed out).
    #[repr(C)]
    struct Object {
        ob_base: ffi::PyObject,
        lines: ManuallyDrop<Vec<LineError>>,
        /// The lines come from JSON input (see `ErrorType::message_for`).
        json: bool,
    }

    /// The static tables CPython keeps pointers to.
    struct Methods([ffi::PyMethodDef; 2]);
    // SAFETY: never written after start-up; only read by CPython with the
    // thread attached.
    unsafe impl Sync for Methods {}

    static METHODS: Methods = Methods([
        ffi::PyMethodDef {
            ml_name: c"to_list".as_ptr(),
            ml_meth: ffi::PyMethodDefPointer {
                PyCFunction: to_list,
            },
            ml_flags: ffi::METH_NOARGS,
            ml_doc: c"The errors() list (a new list on every call).".as_ptr(),
        },
        ffi::PyMethodDef::zeroed(),
    ]);

    static TYPE: PyOnceLock<Py<PyType>> = PyOnceLock::new();

    fn make_type(py: Python<'_>) -> PyResult<Py<PyType>> {
        let mut slots = [
            ffi::PyType_Slot {
                slot: ffi::Py_tp_dealloc,
                pfunc: dealloc as *mut c_void,
            },
            ffi::PyType_Slot {
                slot: ffi::Py_tp_traverse,
                pfunc: traverse as *mut c_void,
            },
            ffi::PyType_Slot {
                slot: ffi::Py_sq_length,
                pfunc: len as *mut c_void,
            },
            ffi::PyType_Slot {
                slot: ffi::Py_tp_methods,
                pfunc: METHODS.0.as_ptr().cast_mut().cast(),
            },
            ffi::PyType_Slot::default(),
        ];
        let mut spec = ffi::PyType_Spec {
            name: c"ouroboros_schema.LineErrors".as_ptr(),
            basicsize: c_int::try_from(std::mem::size_of::<Object>())
                .map_err(|e| pyo3::exceptions::PyOverflowError::new_err(e.to_string()))?,
            itemsize: 0,
            #[allow(clippy::cast_possible_truncation)] // flags of one type, well inside 32 bits
            flags: (ffi::Py_TPFLAGS_DEFAULT
                | ffi::Py_TPFLAGS_HAVE_GC
                | ffi::Py_TPFLAGS_DISALLOW_INSTANTIATION) as _,
            slots: slots.as_mut_ptr(),
        };
        // SAFETY: the spec and slots live through the call (CPython copies
        // them); the method table is static. Returns a new reference or NULL.
        unsafe {
            let tp = ffi::PyType_FromSpec(&raw mut spec);
            Ok(Bound::from_owned_ptr_or_err(py, tp)?
                .cast_into_unchecked::<PyType>()
                .unbind())
        }
    }

    /// A new object holding `lines`.
    pub fn new(py: Python<'_>, lines: Vec<LineError>, json: bool) -> PyResult<Bound<'_, PyAny>> {
        let tp = TYPE.get_or_try_init(py, || make_type(py))?.bind(py);
        // SAFETY: a GC type of `size_of::<Object>()` bytes: the header is set
        // by `PyObject_GC_New` (which also takes a reference to the heap
        // type), the lines are written before the object is tracked.
        unsafe {
            let obj = ffi::PyObject_GC_New::<Object>(tp.as_type_ptr());
            if obj.is_null() {
                return Err(PyErr::fetch(py));
            }
            std::ptr::addr_of_mut!((*obj).lines).write(ManuallyDrop::new(lines));
            std::ptr::addr_of_mut!((*obj).json).write(json);
            ffi::PyObject_GC_Track(obj.cast());
            Ok(Bound::from_owned_ptr(py, obj.cast()))
        }
    }

    /// The lines of a live object of this type.
    unsafe fn lines<'a>(obj: *mut ffi::PyObject) -> &'a [LineError] {
        // SAFETY: the caller passes an object of this type, whose lines are set.
        unsafe { &(*obj.cast::<Object>()).lines }
    }

    unsafe extern "C" fn dealloc(obj: *mut ffi::PyObject) {
        // SAFETY: CPython calls this once, for an object of this type, with the
        // thread attached; nothing refers to the object any more.
        unsafe {
            ffi::PyObject_GC_UnTrack(obj.cast());
            let tp = ffi::Py_TYPE(obj);
            let py = Python::assume_attached();
            let mut lines = ManuallyDrop::take(&mut (*obj.cast::<Object>()).lines);
            for line in lines.drain(..) {
                // Released with the token: no check of the thread's state per object.
                line.input.drop_ref(py);
                if let Some((_, o)) = line.ctx_py {
                    o.drop_ref(py);
                }
            }
            // The emptied collection goes back to `spare` for the next failure.
            spare::put(py, lines);
            ffi::PyObject_GC_Del(obj.cast());
            // Instances of a heap type hold a reference to it.
            ffi::Py_DECREF(tp.cast());
        }
    }

    /// The inputs and the exceptions in `ctx` (whose tracebacks can lead back
    /// to this error), and the type, for the garbage collector.
    unsafe extern "C" fn traverse(
        obj: *mut ffi::PyObject,
        visit: ffi::visitproc,
        arg: *mut c_void,
    ) -> c_int {
        // SAFETY: called by the collector for a tracked (so complete) object.
        unsafe {
            for line in lines(obj) {
                let r = visit(line.input.as_ptr(), arg);
                if r != 0 {
                    return r;
                }
                if let Some((_, o)) = &line.ctx_py {
                    let r = visit(o.as_ptr(), arg);
                    if r != 0 {
                        return r;
                    }
                }
            }
            visit(ffi::Py_TYPE(obj).cast(), arg)
        }
    }

    unsafe extern "C" fn len(obj: *mut ffi::PyObject) -> ffi::Py_ssize_t {
        // SAFETY: `obj` is an object of this type. A `Vec` never holds more
        // than `isize::MAX` bytes, so its length fits.
        unsafe { ffi::Py_ssize_t::try_from(lines(obj).len()).unwrap_or(ffi::Py_ssize_t::MAX) }
    }

    unsafe extern "C" fn to_list(
        obj: *mut ffi::PyObject,
        _: *mut ffi::PyObject,
    ) -> *mut ffi::PyObject {
        // SAFETY: a method call on an object of this type, thread attached.
        unsafe {
            let py = Python::assume_attached();
            let made = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                lines_to_py(py, lines(obj), (*obj.cast::<Object>()).json)
            }));
            match made {
                Ok(Ok(list)) => list.into_ptr(),
                Ok(Err(e)) => {
                    e.restore(py);
                    std::ptr::null_mut()
                }
                Err(_) => {
                    pyo3::exceptions::PyRuntimeError::new_err("errors() failed").restore(py);
                    std::ptr::null_mut()
                }
            }
        }
    }
}

/// Turn a failed validation into the Python exception users catch.
#[must_use]
pub fn into_py_err(py: Python<'_>, err: ValError, title: &str) -> PyErr {
    into_py_err_titled(py, err, &PyString::new(py, title))
}

/// [`into_py_err`] with the title already a Python string (kept by the
/// compiled validator, so failing inputs cost no title conversion).
#[must_use]
pub fn into_py_err_titled(py: Python<'_>, err: ValError, title: &Bound<'_, PyString>) -> PyErr {
    into_py_err_hiding(py, err, title, false)
}

/// `into_py_err_titled`; with `hide_input` (`hide_input_in_errors`) the error's text leaves
/// the inputs out (`errors()` still has them, as in pydantic-core).
#[must_use]
pub fn into_py_err_hiding(
    py: Python<'_>,
    err: ValError,
    title: &Bound<'_, PyString>,
    hide_input: bool,
) -> PyErr {
    into_py_err_in(py, err, title, hide_input, false)
}

/// [`into_py_err_hiding`]; with `json`, the errors were found in JSON input
/// (their messages name JSON's kinds, as Pydantic's do).
#[must_use]
pub fn into_py_err_in(
    py: Python<'_>,
    err: ValError,
    title: &Bound<'_, PyString>,
    hide_input: bool,
    json: bool,
) -> PyErr {
    match err {
        ValError::Py(e) => *e,
        // The exception object is made here and handed over already
        // normalized: raising it costs no deferred construction, fetch and
        // normalization round trip when the error reaches Python.
        ValError::Lines(lines) => match validation_error(py, lines, title, hide_input, json) {
            // Raised outside any `except` block (the usual case): nothing to
            // chain, the ready exception is handed over as it is.
            Ok(exc) if no_exception_handled() => PyErr::from_value(exc),
            Ok(exc) => {
                raise(&exc);
                PyErr::fetch(py)
            }
            Err(e) => e,
        },
    }
}

/// Set the error indicator to the failure `err` (a `ValidationError` of
/// these lines, or the Python exception itself), as a raise in Python code
/// would, without a `PyErr` in between: for entry points that hand CPython
/// a NULL result themselves.
pub fn raise_val_error(
    py: Python<'_>,
    err: ValError,
    title: &Bound<'_, PyString>,
    hide_input: bool,
) {
    match err {
        ValError::Py(e) => e.restore(py),
        ValError::Lines(lines) => match validation_error(py, lines, title, hide_input, false) {
            Ok(exc) => raise(&exc),
            Err(e) => e.restore(py),
        },
    }
}

/// The `ValidationError` of `lines`: `ValidationError(title, lines[, True])`.
fn validation_error<'py>(
    py: Python<'py>,
    lines: Vec<LineError>,
    title: &Bound<'py, PyString>,
    hide_input: bool,
    json: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let lazy = line_errors::new(py, lines, json)?;
    let cls = py.get_type::<ValidationError>();
    let args = if hide_input {
        PyTuple::new(
            py,
            [
                title.as_any(),
                lazy.as_any(),
                pyo3::types::PyBool::new(py, true).as_any(),
            ],
        )?
    } else {
        // SAFETY: a new tuple of two empty slots (or NULL with an exception
        // set), each given a new reference at once.
        unsafe {
            let t = pyo3::ffi::PyTuple_New(2);
            if t.is_null() {
                return Err(PyErr::fetch(py));
            }
            pyo3::ffi::PyTuple_SET_ITEM(t, 0, title.clone().into_ptr());
            pyo3::ffi::PyTuple_SET_ITEM(t, 1, lazy.into_ptr());
            Bound::from_owned_ptr(py, t).cast_into_unchecked::<PyTuple>()
        }
    };
    new_exception(&cls, args)
}

/// Raise the exception instance `exc`: outside an `except` block it is the
/// error indicator as it is; inside one, `PyErr_SetObject` chains the handled
/// exception (`__context__`) as a raise in Python code would.
fn raise(exc: &Bound<'_, PyAny>) {
    // SAFETY: `exc` is a live exception instance and its type a live
    // exception class; `PyErr_Restore` steals the two new references made
    // here, `PyErr_SetObject` takes its own.
    unsafe {
        let tp = pyo3::ffi::Py_TYPE(exc.as_ptr()).cast::<pyo3::ffi::PyObject>();
        if no_exception_handled() {
            pyo3::ffi::Py_INCREF(tp);
            pyo3::ffi::PyErr_Restore(tp, exc.clone().into_ptr(), std::ptr::null_mut());
        } else {
            pyo3::ffi::PyErr_SetObject(tp, exc.as_ptr());
        }
    }
}

/// `cls(*args)` for an exception class that keeps `BaseException`'s `__new__`
/// and `__init__`, as the Python `ValidationError` does: the instance is
/// allocated and given its `args` here, which is all those two do, without
/// the generic call (a type call, `__new__`, then `__init__`). Any other class
/// is called.
fn new_exception<'py>(
    cls: &Bound<'py, pyo3::types::PyType>,
    args: Bound<'py, PyTuple>,
) -> PyResult<Bound<'py, PyAny>> {
    use pyo3::ffi;
    let py = cls.py();
    let tp = cls.as_type_ptr();
    // SAFETY: `tp` is a live type object and `PyExc_BaseException` a live
    // static type; only their slots are read.
    let plain = unsafe {
        let base = ffi::PyExc_BaseException.cast::<ffi::PyTypeObject>();
        // Both slots are CPython's own C functions (one address each), so
        // comparing their addresses is exact.
        let new = |t: *mut ffi::PyTypeObject| (*t).tp_new.map(|f| f as usize);
        let init = |t: *mut ffi::PyTypeObject| (*t).tp_init.map(|f| f as usize);
        new(tp) == new(base) && init(tp) == init(base)
    };
    // SAFETY: as above; the slot is read once.
    let alloc = unsafe { (*tp).tp_alloc };
    match alloc {
        Some(alloc) if plain => {
            // SAFETY: `tp_alloc` returns a new, zero-filled instance of `tp`
            // (NULL with an exception set); zeroed is how `BaseException.__new__`
            // leaves every field but `args`, which takes the tuple's reference.
            unsafe {
                let obj = alloc(tp, 0);
                if obj.is_null() {
                    return Err(PyErr::fetch(py));
                }
                (*obj.cast::<ffi::PyBaseExceptionObject>()).args = args.into_ptr();
                Ok(Bound::from_owned_ptr(py, obj))
            }
        }
        _ => cls.call1(args),
    }
}

/// Whether no exception is being handled (no `except` block is running on
/// this thread), so a new exception has no `__context__` to get.
fn no_exception_handled() -> bool {
    // SAFETY: called with the thread attached; returns a new reference or NULL.
    let handled = unsafe { pyo3::ffi::PyErr_GetHandledException() };
    if handled.is_null() {
        return true;
    }
    // SAFETY: `handled` is a new reference, released here.
    unsafe {
        let none = handled == pyo3::ffi::Py_None();
        pyo3::ffi::Py_DECREF(handled);
        none
    }
}

/// A Python exception raised inside a user validator, mapped as Pydantic
/// does: `ValueError` -> `value_error`, `AssertionError` -> `assertion_error`,
/// a nested `ValidationError` -> its lines; anything else propagates.
pub fn from_user_exception(py: Python<'_>, err: PyErr, input: &Bound<'_, PyAny>) -> ValError {
    let value = err.value(py);
    if err.is_instance_of::<ValidationError>(py) {
        if let Ok(lines) = value.call_method0(pyo3::intern!(py, "_line_errors")) {
            if let Ok(parsed) = parse_lines(&lines) {
                return ValError::Lines(parsed);
            }
        }
        return ValError::Py(Box::new(err));
    }
    let text = value.str().map(|s| s.to_string()).unwrap_or_default();
    // PydanticCustomError-style: the user chose the error type and message.
    if let Ok(kind) = value
        .getattr(pyo3::intern!(py, "error_type"))
        .and_then(|k| k.extract::<String>())
    {
        let ctx = value
            .getattr(pyo3::intern!(py, "context"))
            .ok()
            .and_then(|c| user_ctx(&c));
        let kind = match ctx {
            Some(ctx) => ErrorType::CustomWithContext {
                kind,
                message: text,
                ctx,
            },
            None => ErrorType::Custom {
                kind,
                message: text,
            },
        };
        return ValError::new_py(kind, input);
    }
    let kind = if err.is_instance_of::<pyo3::exceptions::PyAssertionError>(py) {
        ErrorType::AssertionError { error: text }
    } else if err.is_instance_of::<pyo3::exceptions::PyValueError>(py) {
        ErrorType::ValueError { error: text }
    } else {
        return ValError::Py(Box::new(err));
    };
    ValError::Lines(vec![LineError {
        kind,
        loc: Loc::new(),
        input: input.clone().unbind(),
        ctx_py: Some(("error", value.clone().into_any().unbind())),
    }])
}

/// Lines of a nested `ValidationError` (`(type, loc, msg, input, ctx)` tuples
/// whose type is known here; unknown ones become `value_error` with the msg).
fn parse_lines(list: &Bound<'_, PyAny>) -> PyResult<Vec<LineError>> {
    let mut out = Vec::new();
    for item in list.try_iter()? {
        let item = item?;
        let t: String = item.get_item("type")?.extract()?;
        let msg: String = item.get_item("msg")?.extract()?;
        let input = item.get_item("input")?.unbind();
        let loc_obj = item.get_item("loc")?;
        let mut loc = Loc::new();
        for l in loc_obj.try_iter()? {
            let l = l?;
            if let Ok(i) = l.extract::<usize>() {
                loc.push(LocItem::Index(i));
            } else {
                loc.push(LocItem::Key(l.str()?.to_cow()?.as_ref().into()));
            }
        }
        loc.reverse();
        let ctx_py = match t.as_str() {
            "value_error" | "assertion_error" => item
                .get_item("ctx")
                .and_then(|c| c.get_item("error"))
                .ok()
                .filter(PyAnyMethods::is_instance_of::<pyo3::exceptions::PyBaseException>)
                .map(|e| ("error", e.unbind())),
            _ => None,
        };
        let kind = match t.as_str() {
            "missing" => ErrorType::Missing,
            "value_error" => ErrorType::ValueError {
                error: msg.trim_start_matches("Value error, ").to_owned(),
            },
            "assertion_error" => ErrorType::AssertionError {
                error: msg.trim_start_matches("Assertion failed, ").to_owned(),
            },
            _ => match item.get_item("ctx").ok().and_then(|c| user_ctx(&c)) {
                Some(ctx) => ErrorType::CustomWithContext {
                    kind: t,
                    message: msg,
                    ctx,
                },
                None => ErrorType::Custom {
                    kind: t,
                    message: msg,
                },
            },
        };
        out.push(LineError {
            kind,
            loc,
            input,
            ctx_py,
        });
    }
    Ok(out)
}

/// A non-empty context dict of a user error, as `(key, value)` pairs.
fn user_ctx(c: &Bound<'_, PyAny>) -> Option<Vec<(String, crate::errors::CtxValue)>> {
    let d = c.cast::<PyDict>().ok()?;
    if d.is_empty() {
        return None;
    }
    Some(
        d.iter()
            .map(|(k, v)| {
                (
                    k.str().map(|s| s.to_string()).unwrap_or_default(),
                    super::validator::ctx_of(&v),
                )
            })
            .collect(),
    )
}

/// Whether a user function raised `PydanticOmit`: the item is left out of its list.
/// Checked on every failing field, so the usual answer (validation lines, not an
/// exception) is decided inline.
#[allow(clippy::inline_always)] // one match, on every failing field's hot path
#[inline(always)]
#[must_use]
pub fn is_omit(py: Python<'_>, e: &ValError) -> bool {
    match e {
        ValError::Py(err) => is_omit_exception(py, err),
        ValError::Lines(_) => false,
    }
}

#[cold]
#[inline(never)]
fn is_omit_exception(py: Python<'_>, err: &PyErr) -> bool {
    err.get_type(py)
        .name()
        .is_ok_and(|n| n.to_cow().is_ok_and(|n| n == "PydanticOmit"))
}
