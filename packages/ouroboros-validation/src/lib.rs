//! The Rust extension module `ouroboros.validation._validation`: a thin
//! binding over `ouroboros_schema::python::SchemaValidator`.

use ouroboros_common::python::guard;
use ouroboros_schema::python::{CallOptions, ExtraBehavior, SchemaValidator as Core, SerOptions};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyBytes;

/// A compiled model description (or bare type schema).
///
/// Built once per model class (and per `TypeAdapter`); every method runs in
/// Rust, and a panic becomes `ouroboros.core.InternalError`.
#[pyclass(module = "ouroboros.validation._validation", frozen)]
struct SchemaValidator {
    core: Core,
}

#[pymethods]
impl SchemaValidator {
    #[new]
    fn new(py: Python<'_>, description: &Bound<'_, PyAny>) -> PyResult<Self> {
        guard(|| {
            Ok(Self {
                core: Core::compile(py, description)?,
            })
        })
    }

    /// The model classes, functions and values the compiled schema holds,
    /// for the garbage collector: a class made at run time (`create_model`,
    /// `Model[int]`) and its validator form a cycle it frees once unused.
    fn __traverse__(&self, visit: pyo3::PyVisit<'_>) -> Result<(), pyo3::PyTraverseError> {
        self.core.traverse(visit)
    }

    /// "1 validation error for <title>".
    #[getter]
    fn title(&self) -> &str {
        self.core.title()
    }

    #[pyo3(signature = (input, strict = None, extra = None, from_attributes = None, context = None, by_alias = None, by_name = None))]
    #[allow(clippy::too_many_arguments)]
    fn validate_python<'py>(
        &self,
        py: Python<'py>,
        input: &Bound<'py, PyAny>,
        strict: Option<bool>,
        extra: Option<&str>,
        from_attributes: Option<bool>,
        context: Option<Bound<'py, PyAny>>,
        by_alias: Option<bool>,
        by_name: Option<bool>,
    ) -> PyResult<Bound<'py, PyAny>> {
        check_by_alias_name(py, by_alias, by_name)?;
        let opts = CallOptions {
            strict,
            from_attributes: from_attributes.unwrap_or(false),
            context,
            by_alias,
            by_name,
            extra: extra_behavior(extra)?,
        };
        guard(|| self.core.validate_python_opts(py, input, opts))
    }

    #[pyo3(signature = (data, strict = None, extra = None, context = None, by_alias = None, by_name = None))]
    #[allow(clippy::too_many_arguments)]
    fn validate_json<'py>(
        &self,
        py: Python<'py>,
        data: &Bound<'py, PyAny>,
        strict: Option<bool>,
        extra: Option<&str>,
        context: Option<Bound<'py, PyAny>>,
        by_alias: Option<bool>,
        by_name: Option<bool>,
    ) -> PyResult<Bound<'py, PyAny>> {
        check_by_alias_name(py, by_alias, by_name)?;
        if by_alias.is_none() && by_name.is_none() && extra.is_none() {
            return guard(|| self.core.validate_json_any(py, data, strict, context));
        }
        let opts = CallOptions {
            strict,
            from_attributes: false,
            context,
            by_alias,
            by_name,
            extra: extra_behavior(extra)?,
        };
        guard(|| self.core.validate_json_opts(py, data, opts))
    }

    fn validate_init<'py>(
        &self,
        py: Python<'py>,
        instance: &Bound<'py, PyAny>,
        data: &Bound<'py, PyAny>,
    ) -> PyResult<()> {
        guard(|| self.core.validate_init(py, instance, data))
    }

    fn validate_assignment<'py>(
        &self,
        py: Python<'py>,
        instance: &Bound<'py, PyAny>,
        name: &str,
        value: &Bound<'py, PyAny>,
    ) -> PyResult<bool> {
        guard(|| self.core.validate_assignment(py, instance, name, value))
    }

    #[pyo3(signature = (value, *, mode = "python", by_alias = false, exclude_unset = false, exclude_defaults = false, exclude_none = false, include = None, exclude = None, serialize_as_any = false, by_fields = false))]
    #[allow(clippy::too_many_arguments, clippy::fn_params_excessive_bools)]
    fn to_python<'py>(
        &self,
        value: &Bound<'py, PyAny>,
        mode: &str,
        by_alias: bool,
        exclude_unset: bool,
        exclude_defaults: bool,
        exclude_none: bool,
        include: Option<Bound<'py, PyAny>>,
        exclude: Option<Bound<'py, PyAny>>,
        serialize_as_any: bool,
        by_fields: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let opts = SerOptions {
            json: mode == "json",
            by_alias,
            exclude_unset,
            exclude_defaults,
            exclude_none,
        };
        guard(|| {
            self.core
                .to_python_with(value, opts, include, exclude, serialize_as_any, by_fields)
        })
    }

    #[pyo3(signature = (value, *, by_alias = false, exclude_unset = false, exclude_defaults = false, exclude_none = false, include = None, exclude = None, as_str = true, serialize_as_any = false))]
    #[allow(clippy::too_many_arguments, clippy::fn_params_excessive_bools)]
    fn to_json<'py>(
        &self,
        py: Python<'py>,
        value: &Bound<'py, PyAny>,
        by_alias: bool,
        exclude_unset: bool,
        exclude_defaults: bool,
        exclude_none: bool,
        include: Option<Bound<'py, PyAny>>,
        exclude: Option<Bound<'py, PyAny>>,
        as_str: bool,
        serialize_as_any: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let opts = SerOptions {
            json: true,
            by_alias,
            exclude_unset,
            exclude_defaults,
            exclude_none,
        };
        guard(|| {
            let bytes = self
                .core
                .to_json_as(value, opts, include, exclude, serialize_as_any)?;
            Ok(if as_str {
                json_text(py, &bytes)?
            } else {
                PyBytes::new(py, &bytes).into_any()
            })
        })
    }
}

/// The Python implementations behind the native `model_dump` /
/// `model_dump_json` methods: every call with an argument goes to them.
static DUMP_FALLBACK: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static DUMP_JSON_FALLBACK: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

extern "C" {
    // Exported by CPython (PyAPI_FUNC) but not wrapped by pyo3-ffi: the MRO
    // lookup with the type attribute cache, without raising AttributeError.
    fn _PyType_Lookup(tp: *mut ffi::PyTypeObject, name: *mut ffi::PyObject) -> *mut ffi::PyObject;
}

/// The compiled validator of `obj`'s class (None while it is deferred).
fn validator_of<'py>(obj: &Bound<'py, PyAny>) -> Option<Bound<'py, SchemaValidator>> {
    let name = pyo3::intern!(obj.py(), "__ouroboros_validator__");
    // SAFETY: both pointers are live; `_PyType_Lookup` returns a borrowed
    // reference (or NULL) and never sets an exception.
    let found = unsafe { _PyType_Lookup(ffi::Py_TYPE(obj.as_ptr()), name.as_ptr()) };
    if found.is_null() {
        return None;
    }
    // SAFETY: a live object borrowed from the type's MRO dicts.
    let found = unsafe { Bound::from_borrowed_ptr(obj.py(), found) };
    found.cast_into::<SchemaValidator>().ok()
}

/// `model_dump` (`JSON = false`) / `model_dump_json` (`JSON = true`) as
/// native methods: with no argument the instance is serialized here; any
/// argument (or a deferred model) calls the Python implementation with the
/// same arguments.
///
/// # Safety
/// Called by CPython's vectorcall protocol (`METH_FASTCALL | METH_KEYWORDS`):
/// `slf` is live, `args` holds `nargs` positional values followed by one
/// value per name of `kwnames` (NULL without keywords), and the GIL is held.
unsafe extern "C" fn model_dump_native<const JSON: bool>(
    slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: CPython calls methods with the GIL held.
    let py = unsafe { Python::assume_attached() };
    let result = guard(|| {
        // SAFETY: `slf` is the live instance the method is bound to.
        let obj = unsafe { Bound::from_borrowed_ptr(py, slf) };
        if nargs == 0 && kwnames.is_null() {
            if let Some(v) = validator_of(&obj) {
                let core = &v.get().core;
                return Ok(if JSON {
                    core.to_json_text(&obj, SerOptions::default())?
                        .into_any()
                        .unbind()
                } else {
                    core.to_python(&obj, SerOptions::default(), None, None)?
                        .unbind()
                });
            }
        }
        let fallback = if JSON {
            &DUMP_JSON_FALLBACK
        } else {
            &DUMP_FALLBACK
        };
        let func = fallback.get(py).ok_or_else(|| {
            pyo3::exceptions::PyRuntimeError::new_err("model method installed without its fallback")
        })?;
        // SAFETY: the vectorcall arguments CPython passed to this call.
        let (all, positional) = unsafe { with_receiver(slf, args, nargs, kwnames) };
        // SAFETY: `all` holds `positional` values then one per keyword name;
        // returns a new reference or NULL with an exception set.
        let out =
            unsafe { ffi::PyObject_Vectorcall(func.as_ptr(), all.as_ptr(), positional, kwnames) };
        Ok(unsafe { Bound::from_owned_ptr_or_err(py, out)? }.unbind())
    });
    match result {
        Ok(v) => v.into_ptr(),
        Err(e) => {
            e.restore(py);
            std::ptr::null_mut()
        }
    }
}

/// `slf` then a vectorcall's arguments, to forward the call with its
/// receiver first: the values and the count of positional ones (with `slf`).
///
/// # Safety
/// `args` holds `nargs` live values followed by one per name of `kwnames`
/// (a live tuple of str, or NULL without keywords).
unsafe fn with_receiver(
    slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> (Vec<*mut ffi::PyObject>, usize) {
    let nkw = if kwnames.is_null() {
        0
    } else {
        // SAFETY: `kwnames` is a live tuple of str.
        unsafe { ffi::PyTuple_GET_SIZE(kwnames) }
    };
    let given = usize::try_from(nargs + nkw).unwrap_or(0);
    let mut all = Vec::with_capacity(given + 1);
    all.push(slf);
    // SAFETY: `args` holds `nargs + nkw` live values.
    all.extend_from_slice(unsafe { std::slice::from_raw_parts(args, given) });
    (all, usize::try_from(nargs).unwrap_or(0) + 1)
}

/// The text of what the JSON writer produced (it only emits UTF-8).
fn json_text<'py>(py: Python<'py>, bytes: &[u8]) -> PyResult<Bound<'py, PyAny>> {
    Ok(ouroboros_schema::python::serialize::json_str(py, bytes)?.into_any())
}

/// `model_dump` / `model_dump_json` as native methods of `BaseModel`: a
/// method descriptor (bound like a Python function, any instance accepted)
/// whose argument-less call serializes in Rust with no Python frame, and
/// whose other calls go to `fallback(self, *args, **kwargs)`.
#[pyfunction]
fn model_method<'py>(
    py: Python<'py>,
    name: &str,
    fallback: Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let (cell, meth, ml_name, ml_doc): (_, ffi::PyCFunctionFastWithKeywords, _, _) = match name {
        "model_dump" => (
            &DUMP_FALLBACK,
            model_dump_native::<false>,
            c"model_dump",
            c"model_dump($self, /, *, mode='python', include=None, exclude=None, context=None, by_alias=None, exclude_unset=False, exclude_defaults=False, exclude_none=False, round_trip=False, warnings=True, serialize_as_any=False, polymorphic_serialization=None)\n--\n\nThe model as a dict; ``mode=\"json\"`` gives only JSON types.",
        ),
        "model_dump_json" => (
            &DUMP_JSON_FALLBACK,
            model_dump_native::<true>,
            c"model_dump_json",
            c"model_dump_json($self, /, *, indent=None, include=None, exclude=None, context=None, by_alias=None, exclude_unset=False, exclude_defaults=False, exclude_none=False, round_trip=False, warnings=True, serialize_as_any=False, polymorphic_serialization=None)\n--\n\nThe model as compact JSON text, written in Rust.",
        ),
        other => {
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "no native model method {other:?}"
            )))
        }
    };
    // The first installation wins (the module installs each once).
    let _ = cell.set(py, fallback.unbind());
    // CPython keeps a pointer to the definition for the descriptor's life:
    // one small leak per method, made once at import.
    let def = Box::leak(Box::new(ffi::PyMethodDef {
        ml_name: ml_name.as_ptr(),
        ml_meth: ffi::PyMethodDefPointer {
            PyCFunctionFastWithKeywords: meth,
        },
        ml_flags: ffi::METH_FASTCALL | ffi::METH_KEYWORDS,
        ml_doc: ml_doc.as_ptr(),
    }));
    // SAFETY: a method descriptor on `object` accepts any instance; returns
    // a new reference or NULL with an exception set.
    unsafe {
        Bound::from_owned_ptr_or_err(
            py,
            ffi::PyDescr_NewMethod(&raw mut ffi::PyBaseObject_Type, def),
        )
    }
}

/// `validator.validate_python` (`JSON = false`) / `validator.validate_json`
/// (`JSON = true`) as a model's `model_validate` / `model_validate_json`
/// (see [`direct_validate`]): a call with the input alone (the usual one)
/// validates here, without the method's argument parsing (and a failing
/// `validate_python` raises straight into CPython's error indicator); any
/// other call goes to the method with the same arguments.
///
/// # Safety
/// Called by CPython's vectorcall protocol (`METH_FASTCALL | METH_KEYWORDS`):
/// `slf` is the `SchemaValidator` the function was made for, `args` holds
/// `nargs` positional values followed by one value per name of `kwnames`
/// (NULL without keywords), and the GIL is held.
unsafe extern "C" fn validate_direct<const JSON: bool>(
    slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: CPython calls functions with the GIL held.
    let py = unsafe { Python::assume_attached() };
    if nargs == 1 && kwnames.is_null() {
        // SAFETY: `slf` is a live `SchemaValidator` (see `direct_validate`)
        // and `args` holds one live value; both are borrowed for the call.
        let (validator, input) = unsafe {
            (
                Bound::from_borrowed_ptr(py, slf).cast_into_unchecked::<SchemaValidator>(),
                Bound::from_borrowed_ptr(py, *args),
            )
        };
        let core = &validator.get().core;
        let result = guard(|| {
            if JSON {
                core.validate_json_any(py, &input, None, None).map(Some)
            } else {
                Ok(core.validate_python_raising(py, &input))
            }
        });
        return match result {
            Ok(Some(v)) => v.into_ptr(),
            // The failure is raised already.
            Ok(None) => std::ptr::null_mut(),
            Err(e) => {
                e.restore(py);
                std::ptr::null_mut()
            }
        };
    }
    // SAFETY: the vectorcall arguments CPython passed to this call.
    let (all, positional) = unsafe { with_receiver(slf, args, nargs, kwnames) };
    let name = if JSON {
        pyo3::intern!(py, "validate_json")
    } else {
        pyo3::intern!(py, "validate_python")
    };
    // SAFETY: `all` holds the receiver and the positional values
    // (`positional` in all), then one value per keyword name; returns a new
    // reference or NULL with an exception set.
    unsafe { ffi::PyObject_VectorcallMethod(name.as_ptr(), all.as_ptr(), positional, kwnames) }
}

/// The definitions of [`validate_direct`], shared by every model.
struct DirectDefs([ffi::PyMethodDef; 2]);

// SAFETY: constant definitions CPython only reads.
unsafe impl Sync for DirectDefs {}

static VALIDATE_DIRECT: DirectDefs = DirectDefs([
    ffi::PyMethodDef {
        ml_name: c"validate_python".as_ptr(),
        ml_meth: ffi::PyMethodDefPointer {
            PyCFunctionFastWithKeywords: validate_direct::<false>,
        },
        ml_flags: ffi::METH_FASTCALL | ffi::METH_KEYWORDS,
        ml_doc: c"validate_python($self, /, input, strict=None, extra=None, from_attributes=None, context=None, by_alias=None, by_name=None)\n--\n\nValidate a Python object.".as_ptr(),
    },
    ffi::PyMethodDef {
        ml_name: c"validate_json".as_ptr(),
        ml_meth: ffi::PyMethodDefPointer {
            PyCFunctionFastWithKeywords: validate_direct::<true>,
        },
        ml_flags: ffi::METH_FASTCALL | ffi::METH_KEYWORDS,
        ml_doc: c"validate_json($self, /, data, strict=None, extra=None, context=None, by_alias=None, by_name=None)\n--\n\nParse and validate JSON text.".as_ptr(),
    },
]);

/// `validator.validate_python` (or with `json`, `validator.validate_json`) as
/// a native function bound to `validator`, installed as a model's
/// `model_validate` (`model_validate_json`): the call with the input alone
/// skips the method's argument parsing.
#[pyfunction]
#[pyo3(signature = (validator, json = false))]
fn direct_validate<'py>(
    validator: &Bound<'py, SchemaValidator>,
    json: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let def = &VALIDATE_DIRECT.0[usize::from(json)];
    // SAFETY: the definition is static and never written; `validator` is a
    // live object the function keeps a reference to. Returns a new
    // reference or NULL with an exception set.
    unsafe {
        Bound::from_owned_ptr_or_err(
            validator.py(),
            ffi::PyCFunction_NewEx(
                std::ptr::from_ref(def).cast_mut(),
                validator.as_ptr(),
                std::ptr::null_mut(),
            ),
        )
    }
}

/// Both lookups turned off for one call: Pydantic's `PydanticUserError`.
fn check_by_alias_name(
    py: Python<'_>,
    by_alias: Option<bool>,
    by_name: Option<bool>,
) -> PyResult<()> {
    if by_alias == Some(false) && by_name != Some(true) {
        let cls = py
            .import("ouroboros.validation._model")?
            .getattr("PydanticUserError")?;
        let kwargs = pyo3::types::PyDict::new(py);
        kwargs.set_item("code", "validate-by-alias-and-name-false")?;
        let err = cls.call(
            ("At least one of `by_alias` or `by_name` must be set to True.",),
            Some(&kwargs),
        )?;
        return Err(PyErr::from_value(err));
    }
    Ok(())
}

/// `extra=` of one call.
fn extra_behavior(extra: Option<&str>) -> PyResult<Option<ExtraBehavior>> {
    Ok(match extra {
        None => None,
        Some("ignore") => Some(ExtraBehavior::Ignore),
        Some("forbid") => Some(ExtraBehavior::Forbid),
        Some("allow") => Some(ExtraBehavior::Allow),
        Some(other) => {
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "extra must be 'ignore', 'forbid' or 'allow', not {other:?}"
            )))
        }
    })
}

#[pymodule]
fn _validation(m: &Bound<'_, PyModule>) -> PyResult<()> {
    ouroboros_common::python::init_module(m, env!("CARGO_PKG_VERSION"))?;
    m.add_class::<SchemaValidator>()?;
    m.add_function(wrap_pyfunction!(model_method, m)?)?;
    m.add_function(wrap_pyfunction!(direct_validate, m)?)?;
    m.add(
        "SCHEMA_FORMAT_VERSION",
        ouroboros_schema::python::SCHEMA_FORMAT_VERSION,
    )?;
    Ok(())
}
