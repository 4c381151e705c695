//! The PyO3 side (feature `python`): compile a model description and
//! validate / serialize with it. See the crate README for the contract.

mod collections;
pub mod compile;
pub mod error;
mod field_dict;
mod gc_pause;
pub mod input;
mod json_stream;
pub mod model;
mod pairs;
mod response;
pub mod serialize;
mod special;
pub mod string_cache;
mod temporal;
mod traverse;
mod union;
pub mod validator;

use jiter::JsonValue;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyString, PyType};

use crate::errors::ErrorType;

pub use compile::{SCHEMA_ATTR, SCHEMA_FORMAT_VERSION};
pub use error::{ValError, ValidationError};
pub use model::ExtraBehavior;
pub use serialize::{instance_dict, EntrySink, SerOptions};

/// Per-call options of `model_validate` / `model_validate_json`.
#[derive(Default)]
pub struct CallOptions<'py> {
    pub strict: Option<bool>,
    pub from_attributes: bool,
    pub context: Option<Bound<'py, PyAny>>,
    /// Look fields up by alias / by name (None: each model's config).
    pub by_alias: Option<bool>,
    pub by_name: Option<bool>,
    /// `"ignore"`, `"forbid"` or `"allow"` for every model of the call.
    pub extra: Option<model::ExtraBehavior>,
}

impl<'py> CallOptions<'py> {
    fn apply(self, st: &mut State<'_, 'py>) {
        st.context = self.context;
        st.from_attributes = self.from_attributes;
        st.by_alias = self.by_alias;
        st.by_name = self.by_name;
        st.extra = self.extra;
    }
}

use error::{into_py_err_hiding, LineError};
use input::Inp;
use model::ModelValidator;
use serialize::{ModelSer, Serializer};
use validator::{State, Validator};

/// Why [`SchemaValidator::response_json`] gave no JSON.
pub enum ResponseError {
    /// The value does not validate as the response model (a `ValidationError`).
    Invalid(PyErr),
    /// The validated value could not be written.
    Write(PyErr),
}

/// A compiled model description (or bare type schema): validate Python
/// objects and JSON bytes into model instances, and serialize them back.
///
/// Compile once per class and keep it: compiling reads the description and
/// every nested model's description; validating allocates only the output.
pub struct SchemaValidator {
    root: Validator,
    defs: Vec<ModelValidator>,
    sers: Vec<ModelSer>,
    by_cls: Vec<(usize, usize)>,
    root_model: Option<usize>,
    title: String,
    title_py: Py<PyString>,
    /// `ser_json_temporal` / `ser_json_timedelta` of the config (model or bare schema).
    temporal: serialize::Temporal,
    /// `hide_input_in_errors`: the error's text leaves the inputs out.
    hide_input: bool,
}

/// The settings of a description's config: a model's (of the class's own description), else
/// a bare schema's top-level keys: `ser_json_temporal`/`ser_json_timedelta`, and
/// `hide_input_in_errors`.
fn config_of(description: &Bound<'_, PyAny>) -> PyResult<(serialize::Temporal, bool)> {
    let d = if description.is_instance_of::<PyType>() {
        match description.getattr(compile::SCHEMA_ATTR) {
            Ok(d) => d,
            Err(_) => return Ok((serialize::Temporal::default(), false)),
        }
    } else {
        description.clone()
    };
    let Ok(d) = d.cast_into::<PyDict>() else {
        return Ok((serialize::Temporal::default(), false));
    };
    let config = match d.get_item("config")? {
        Some(config) if d.contains("fields")? => match config.cast_into::<PyDict>() {
            Ok(config) => config,
            Err(_) => return Ok((serialize::Temporal::default(), false)),
        },
        _ => d,
    };
    let hide_input = match config.get_item("hide_input_in_errors")? {
        Some(v) => v.is_truthy()?,
        None => false,
    };
    Ok((serialize::Temporal::from_config(&config)?, hide_input))
}

impl SchemaValidator {
    /// Compile a description: either a model class's `__ouroboros_schema__`
    /// dict (`"type": "model"` with `"format"`), a model class itself, or a
    /// bare type schema such as `{"type": "list", "items": {"type": "int"}}`.
    pub fn compile(py: Python<'_>, description: &Bound<'_, PyAny>) -> PyResult<Self> {
        let mut c = compile::Compiler::default();
        let (temporal, hide_input) = config_of(description)?;
        let (root, root_model, title) = if let Ok(cls) = description.cast::<PyType>() {
            let i = c.model(py, cls)?;
            (Validator::Model(i), Some(i), cls.name()?.to_string())
        } else {
            let d = description.cast::<PyDict>()?;
            let is_model_description = d.contains("format")? && d.contains("fields")?;
            if is_model_description {
                let cls = d.get_item("cls")?.ok_or_else(|| {
                    ouroboros_common::python::InvalidArgumentError::new_err(
                        "invalid schema description: missing \"cls\"",
                    )
                })?;
                let cls = cls.cast_into::<PyType>()?;
                let i = c.model_with(py, &cls, Some(d))?;
                (Validator::Model(i), Some(i), cls.name()?.to_string())
            } else {
                let v = c.schema(py, d)?;
                let title = d
                    .get_item("title")?
                    .map(|t| t.str().map(|s| s.to_string()))
                    .transpose()?;
                let title = title.unwrap_or_else(|| v.short_name(&[]));
                (v, None, title)
            }
        };
        let defs = c
            .defs
            .into_iter()
            .map(|d| {
                d.ok_or_else(|| {
                    pyo3::exceptions::PyRuntimeError::new_err("incomplete model definition")
                })
            })
            .collect::<PyResult<Vec<_>>>()?;
        let mut defs = defs;
        model::mark_buffered(&mut defs);
        let sers = c
            .sers
            .into_iter()
            .map(|d| {
                d.ok_or_else(|| {
                    pyo3::exceptions::PyRuntimeError::new_err("incomplete model serializer")
                })
            })
            .collect::<PyResult<Vec<_>>>()?;
        let by_cls = c.by_cls.into_iter().collect();
        let title_py = PyString::new(py, &title).unbind();
        Ok(Self {
            root,
            defs,
            sers,
            by_cls,
            root_model,
            title,
            title_py,
            temporal,
            hide_input,
        })
    }

    /// A validation failure as the Python `ValidationError` of this schema.
    fn py_err(&self, py: Python<'_>, err: ValError) -> PyErr {
        into_py_err_hiding(py, err, self.title_py.bind(py), self.hide_input)
    }

    /// [`Self::py_err`] for errors found in JSON input (`json`: with the
    /// messages Pydantic gives those).
    fn py_err_in(&self, py: Python<'_>, err: ValError, json: bool) -> PyErr {
        error::into_py_err_in(py, err, self.title_py.bind(py), self.hide_input, json)
    }

    /// The title used in `ValidationError` ("1 validation error for <title>").
    #[must_use]
    pub fn title(&self) -> &str {
        &self.title
    }

    /// Validate a Python object (`Model.model_validate`).
    pub fn validate_python<'py>(
        &self,
        py: Python<'py>,
        input: &Bound<'py, PyAny>,
        strict: Option<bool>,
        context: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.validate_python_with(py, input, strict, false, context)
    }

    /// [`Self::validate_python`] with no option, for an entry point that
    /// hands CPython its result itself: `None` when the validation failed
    /// and its error is already raised (the error indicator set; a
    /// `ValidationError` is raised with no `PyErr` made for it).
    #[must_use]
    pub fn validate_python_raising<'py>(
        &self,
        py: Python<'py>,
        input: &Bound<'py, PyAny>,
    ) -> Option<Bound<'py, PyAny>> {
        let mut st = State::new(&self.defs, None);
        match self.root.validate(py, &Inp::Py(input.clone()), &mut st) {
            Ok(v) => Some(v),
            Err(e) => {
                error::raise_val_error(py, e, self.title_py.bind(py), self.hide_input);
                None
            }
        }
    }

    /// `validate_python` with `from_attributes` (read fields of any object).
    pub fn validate_python_with<'py>(
        &self,
        py: Python<'py>,
        input: &Bound<'py, PyAny>,
        strict: Option<bool>,
        from_attributes: bool,
        context: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut st = State::new(&self.defs, strict);
        st.context = context;
        st.from_attributes = from_attributes;
        self.root
            .validate(py, &Inp::Py(input.clone()), &mut st)
            .map_err(|e| self.py_err(py, e))
    }

    /// Validate a value returned for a response model, as FastAPI does:
    /// attributes are read (`from_attributes`), and an instance of a
    /// subclass of a model is read again as that model, so the fields only
    /// the subclass has are not sent (FastAPI dumps returned models before
    /// validating them). Instances of the model itself are kept as they are.
    /// With `exclude_unset`, the fields such an instance was not given
    /// stay unset (FastAPI dumps it with `exclude_unset` first).
    pub fn validate_response<'py>(
        &self,
        py: Python<'py>,
        input: &Bound<'py, PyAny>,
        exclude_unset: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut st = State::new(&self.defs, None);
        st.from_attributes = true;
        st.revalidate_subclasses = true;
        st.unset_as_missing = exclude_unset;
        self.root
            .validate(py, &Inp::Py(input.clone()), &mut st)
            .map_err(|e| self.py_err(py, e))
    }

    /// [`Self::validate_response`] then [`Self::to_json`] of the result, as
    /// FastAPI answers a `response_model`. A plain `dict` returned for a
    /// model that nothing observes being built (no `before`/`wrap`/`after`
    /// model validator, no `model_post_init`, no extras kept) and that is
    /// written by the plain path (no model or field serializer, computed or
    /// excluded field, filter or option that changes the keys) is validated
    /// into the fields of an instance, which are written as the instance's
    /// would be, without allocating the instance in between.
    pub fn response_json<'py>(
        &self,
        py: Python<'py>,
        value: &Bound<'py, PyAny>,
        opts: SerOptions,
        include: Option<Bound<'py, PyAny>>,
        exclude: Option<Bound<'py, PyAny>>,
    ) -> Result<Vec<u8>, ResponseError> {
        let opts = SerOptions { json: true, ..opts };
        if include.is_none() && exclude.is_none() && value.is_exact_instance_of::<PyDict>() {
            if let Some((model, index)) = self.unobserved_model(py, opts) {
                let mut st = State::new(&self.defs, None);
                st.from_attributes = true;
                st.revalidate_subclasses = true;
                let ser = self.serializer(opts, false);
                let written = validator::nested_dict(py, &mut st, value, |st| {
                    Ok(response::dict_to_json(
                        py, model, &self.defs, &ser, index, value, st,
                    ))
                })
                .map_err(|e| ResponseError::Invalid(self.py_err(py, e)))?;
                match written {
                    Some(response::Written::Json(out)) => return Ok(out),
                    Some(response::Written::Invalid(e)) => {
                        return Err(ResponseError::Invalid(self.py_err(py, e)))
                    }
                    Some(response::Written::Write(e)) => return Err(ResponseError::Write(e)),
                    None => {}
                }
                let inp = Inp::Py(value.clone());
                let fields = validator::nested_dict(py, &mut st, value, |st| {
                    model.validate_fields(py, &inp, st)
                })
                .map_err(|e| ResponseError::Invalid(self.py_err(py, e)))?;
                let mut out = Vec::with_capacity(256);
                self.serializer(opts, false)
                    .write_plain_fields(index, &fields.dict, &mut out)
                    .map_err(ResponseError::Write)?;
                return Ok(out);
            }
        }
        let validated = self
            .validate_response(py, value, opts.exclude_unset)
            .map_err(ResponseError::Invalid)?;
        self.to_json(&validated, opts, include, exclude)
            .map_err(ResponseError::Write)
    }

    /// The root model and its serializer's index, when an instance built
    /// from a dict is seen by nothing but its plain JSON writer.
    fn unobserved_model(
        &self,
        py: Python<'_>,
        opts: SerOptions,
    ) -> Option<(&ModelValidator, usize)> {
        let model = match self.root {
            Validator::Model(i) => self.defs.get(i)?,
            _ => return None,
        };
        let unobserved = model.before.is_empty()
            && model.wrap.is_none()
            && model.after.is_empty()
            && model.post_init.is_none()
            && !model.typed_dict
            && !model.root_model
            && model.generic_origin.is_none()
            && model.extra != ExtraBehavior::Allow
            && model.extras.is_none();
        if !unobserved {
            return None;
        }
        let index = self
            .serializer(opts, false)
            .plain_model(model.cls.bind(py))?;
        Some((model, index))
    }

    /// Whether [`Self::validate_pairs`] can build this root: a model without
    /// `before`/`wrap` model validators.
    #[must_use]
    pub fn accepts_pairs(&self) -> bool {
        match (&self.root, self.root_model) {
            (Validator::Model(_), Some(i)) => self.defs.get(i).is_some_and(pairs::accepts),
            _ => false,
        }
    }

    /// Validate a model from `(key, value)` pairs the caller reads from its
    /// own source (BSON, a database row), without an intermediate dict:
    /// values are converted only for keys the model reads (or keeps as
    /// extras) and validated as Python input, as `validate_python` would
    /// validate the equivalent dict. `whole` gives that dict for the input of
    /// a `missing` error. Check [`Self::accepts_pairs`] first.
    pub fn validate_pairs<'py, I, K, V, W>(
        &self,
        py: Python<'py>,
        pairs: I,
        whole: W,
    ) -> PyResult<Bound<'py, PyAny>>
    where
        I: Iterator<Item = PyResult<(K, V)>>,
        K: AsRef<str>,
        V: FnOnce() -> PyResult<Bound<'py, PyAny>>,
        W: FnOnce() -> PyResult<Bound<'py, PyAny>>,
    {
        let model = match self.root_model.and_then(|i| self.defs.get(i)) {
            Some(m) if matches!(self.root, Validator::Model(_)) && pairs::accepts(m) => m,
            _ => {
                return Err(ouroboros_common::python::InvalidArgumentError::new_err(
                    "validate_pairs needs a model without before/wrap model validators",
                ))
            }
        };
        let mut st = State::new(&self.defs, None);
        pairs::model(py, model, pairs, whole, &mut st).map_err(|e| self.py_err(py, e))
    }

    /// `validate_python` with every per-call option of `model_validate`.
    pub fn validate_python_opts<'py>(
        &self,
        py: Python<'py>,
        input: &Bound<'py, PyAny>,
        opts: CallOptions<'py>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut st = State::new(&self.defs, opts.strict);
        opts.apply(&mut st);
        self.root
            .validate(py, &Inp::Py(input.clone()), &mut st)
            .map_err(|e| self.py_err(py, e))
    }

    /// `validate_json_any` with every per-call option of `model_validate_json`.
    pub fn validate_json_opts<'py>(
        &self,
        py: Python<'py>,
        data: &Bound<'py, PyAny>,
        opts: CallOptions<'py>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let bytes: std::borrow::Cow<'_, [u8]> = if let Ok(s) = data.cast::<PyString>() {
            std::borrow::Cow::Owned(s.to_cow()?.as_bytes().to_vec())
        } else if let Ok(b) = data.cast::<PyBytes>() {
            std::borrow::Cow::Borrowed(b.as_bytes())
        } else if let Ok(b) = data.cast::<PyByteArray>() {
            std::borrow::Cow::Owned(b.to_vec())
        } else {
            let err = ValError::new_py(ErrorType::JsonType, data);
            return Err(self.py_err(py, err));
        };
        let mut st = State::new(&self.defs, opts.strict);
        opts.apply(&mut st);
        self.validate_json_state(py, &bytes, st, true)
    }

    /// Parse JSON bytes and validate them straight into Python values.
    /// Invalid JSON is a `json_invalid` error; the other errors read as those
    /// of the parsed value (FastAPI's messages for a JSON body, which it
    /// parses before validating); `validate_json_any` gives Pydantic's
    /// messages for JSON input.
    pub fn validate_json<'py>(
        &self,
        py: Python<'py>,
        data: &[u8],
        strict: Option<bool>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let st = State::new(&self.defs, strict);
        self.validate_json_state(py, data, st, false)
    }

    /// `validate_json` with a context for user validators.
    pub fn validate_json_with<'py>(
        &self,
        py: Python<'py>,
        data: &[u8],
        strict: Option<bool>,
        context: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut st = State::new(&self.defs, strict);
        st.context = context;
        self.validate_json_state(py, data, st, true)
    }

    /// With `json_msgs`, errors carry Pydantic's messages for JSON input.
    fn validate_json_state<'py>(
        &self,
        py: Python<'py>,
        data: &[u8],
        mut st: State<'_, 'py>,
        json_msgs: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        if matches!(self.root, Validator::Model(_) | Validator::List(_)) {
            return self.validate_json_stream(py, data, st, json_msgs);
        }
        let value = match JsonValue::parse(data, true) {
            Ok(v) => v,
            Err(e) => {
                let input = PyString::new(py, &String::from_utf8_lossy(data)).into_any();
                let err = ValError::Lines(vec![LineError {
                    kind: ErrorType::JsonInvalid {
                        error: e.to_string(),
                    },
                    loc: error::Loc::new(),
                    input: input.unbind(),
                    ctx_py: None,
                }]);
                return Err(self.py_err(py, err));
            }
        };
        self.root
            .validate(py, &Inp::Json(&value), &mut st)
            .map_err(|e| self.py_err_in(py, e, json_msgs))
    }

    /// Models and lists are validated while the JSON is parsed (no tree).
    fn validate_json_stream<'py>(
        &self,
        py: Python<'py>,
        data: &[u8],
        mut st: State<'_, 'py>,
        json_msgs: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut cursor = crate::json_cursor::JsonCursor::new(data);
        let result = json_stream::value(py, &self.root, &mut cursor, &mut st).and_then(|r| {
            cursor.finish()?;
            Ok(r)
        });
        match result {
            Ok(r) => r.map_err(|e| self.py_err_in(py, e, json_msgs)),
            Err(e) => {
                let position = jiter::LinePosition::find(data, e.index);
                let error = format!("{} at {}", e.error_type, position);
                let input = PyString::new(py, &String::from_utf8_lossy(data)).into_any();
                let err = ValError::Lines(vec![LineError {
                    kind: ErrorType::JsonInvalid { error },
                    loc: error::Loc::new(),
                    input: input.unbind(),
                    ctx_py: None,
                }]);
                Err(self.py_err(py, err))
            }
        }
    }

    /// JSON from `str`, `bytes` or `bytearray`.
    pub fn validate_json_any<'py>(
        &self,
        py: Python<'py>,
        data: &Bound<'py, PyAny>,
        strict: Option<bool>,
        context: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        if let Ok(s) = data.cast::<PyString>() {
            return self.validate_json_with(py, s.to_cow()?.as_bytes(), strict, context);
        }
        if let Ok(b) = data.cast::<PyBytes>() {
            return self.validate_json_with(py, b.as_bytes(), strict, context);
        }
        if let Ok(b) = data.cast::<PyByteArray>() {
            return self.validate_json_with(py, &b.to_vec(), strict, context);
        }
        let err = ValError::new_py(ErrorType::JsonType, data);
        Err(self.py_err(py, err))
    }

    fn root_model(&self) -> PyResult<&ModelValidator> {
        self.root_model
            .and_then(|i| self.defs.get(i))
            .ok_or_else(|| pyo3::exceptions::PyTypeError::new_err("this schema is not a model"))
    }

    /// `Model.__init__(self, **data)`: validate `data` and fill `instance`.
    pub fn validate_init<'py>(
        &self,
        py: Python<'py>,
        instance: &Bound<'py, PyAny>,
        data: &Bound<'py, PyAny>,
    ) -> PyResult<()> {
        let model = self.root_model()?;
        let mut st = State::new(&self.defs, None);
        let mut run = || -> Result<(), ValError> {
            if model.wrap.is_some() {
                // The wrap validator returns a new instance: take over its state.
                let built = model.validate(py, &Inp::Py(data.clone()), &mut st)?;
                for attr in [
                    "__dict__",
                    "__ouroboros_fields_set__",
                    "__ouroboros_extra__",
                ] {
                    if let Ok(v) = built.getattr(attr) {
                        model::force_setattr(instance, &PyString::new(py, attr), &v)?;
                    }
                }
                return Ok(());
            }
            let input = Inp::Py(data.clone());
            let out = model.validate_fields_with_before(py, &input, &mut st)?;
            model.install(py, instance, out)?;
            model.finish_for(py, instance.clone(), Some(&input))?;
            Ok(())
        };
        run().map_err(|e| self.py_err(py, e))
    }

    /// `validate_assignment`: validate `value` for field `name` of `instance`
    /// and store it (also in the fields-set record). Returns false when
    /// `name` is not a field (the caller decides what that means).
    pub fn validate_assignment<'py>(
        &self,
        py: Python<'py>,
        instance: &Bound<'py, PyAny>,
        name: &str,
        value: &Bound<'py, PyAny>,
    ) -> PyResult<bool> {
        let model = self.root_model()?;
        let dict = instance
            .getattr(pyo3::intern!(py, "__dict__"))?
            .cast_into::<PyDict>()?;
        let mut st = State::new(&self.defs, None);
        let mut run = || -> Result<bool, ValError> {
            // `mode="before"` model validators see the fields with the new value (by name) and
            // may change it, as in pydantic-core.
            let mut value = value.clone();
            if model.root_model {
                // A RootModel's `mode="before"` validators see the new value itself.
                if name == "root" {
                    value = model.run_before(py, &Inp::Py(value))?;
                }
            } else if !model.before.is_empty() {
                let data = dict.copy()?;
                data.set_item(name, &value)?;
                let data = model.run_before(py, &Inp::Py(data.into_any()))?;
                if let Ok(v) = data.get_item(name) {
                    value = v;
                }
            }
            let Some(v) = model.validate_field_value(py, &dict, name, &value, &mut st)? else {
                return Ok(false);
            };
            dict.set_item(name, v)?;
            let attr = pyo3::intern!(py, "__ouroboros_fields_set__");
            let record = instance.getattr(attr)?;
            if let Ok(set) = record.cast::<pyo3::types::PySet>() {
                set.add(name)?;
            } else if !record.contains(name)? {
                // The shared all-fields frozenset (or another read-only
                // record): the instance gets its own set, copied in C
                // (`set(record)`) and stored in the record's slot.
                // SAFETY: `record` is a live object; `PySet_New` returns a new
                // reference, or NULL with an exception set.
                let set = unsafe {
                    Bound::from_owned_ptr_or_err(py, pyo3::ffi::PySet_New(record.as_ptr()))?
                };
                set.cast::<pyo3::types::PySet>()
                    .map_err(PyErr::from)?
                    .add(name)?;
                model::set_slot(instance, attr, &set)?;
            }
            model.finish(py, instance.clone())?;
            Ok(true)
        };
        run().map_err(|e| self.py_err(py, e))
    }

    fn serializer(&self, opts: SerOptions, as_any: bool) -> Serializer<'_> {
        Serializer {
            sers: &self.sers,
            by_cls: &self.by_cls,
            opts,
            as_any,
            by_fields: false,
            temporal: self.temporal,
        }
    }

    /// `model_dump`: a value (usually an instance) to Python data.
    pub fn to_python<'py>(
        &self,
        value: &Bound<'py, PyAny>,
        opts: SerOptions,
        include: Option<Bound<'py, PyAny>>,
        exclude: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.to_python_with(value, opts, include, exclude, false, false)
    }

    /// `to_python` where `as_any` (`serialize_as_any=True`) dumps a subclass instance with
    /// the fields of its runtime class instead of those of the compiled ancestor, and
    /// `by_fields` writes a model instance by its fields, without its own model serializer
    /// (nested values keep theirs): the handler of a wrap `@model_serializer`.
    pub fn to_python_with<'py>(
        &self,
        value: &Bound<'py, PyAny>,
        opts: SerOptions,
        include: Option<Bound<'py, PyAny>>,
        exclude: Option<Bound<'py, PyAny>>,
        as_any: bool,
        by_fields: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        Serializer {
            by_fields,
            ..self.serializer(opts, as_any)
        }
        .to_python(value, &include, &exclude, 0)
    }

    /// `model_dump`'s entries of an instance handed to `f` one by one, without
    /// the dict (`Serializer::for_each_entry`); false when the model's
    /// rules need the full `to_python`.
    pub fn for_each_dump_entry<'py>(
        &self,
        instance: &Bound<'py, PyAny>,
        opts: SerOptions,
        f: &mut EntrySink<'_, 'py>,
    ) -> PyResult<bool> {
        self.serializer(opts, false).for_each_entry(instance, f)
    }

    /// `to_python` of one value taken from [`Self::for_each_dump_entry`]: what
    /// the dumped dict would hold for it (dumped as a field's value, so a
    /// nested subclass instance follows its compiled ancestor, as in the dict).
    pub fn dump_entry_value<'py>(
        &self,
        value: &Bound<'py, PyAny>,
        opts: SerOptions,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.serializer(opts, false)
            .to_python(value, &None, &None, 1)
    }

    /// `model_dump_json`: a value to compact JSON bytes.
    pub fn to_json<'py>(
        &self,
        value: &Bound<'py, PyAny>,
        opts: SerOptions,
        include: Option<Bound<'py, PyAny>>,
        exclude: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Vec<u8>> {
        self.to_json_as(value, opts, include, exclude, false)
    }

    /// `model_dump_json()`: a value's compact JSON as a `str`. Written into a
    /// kept buffer (no allocation per call while it is free) and copied once
    /// into the new `str` (see [`serialize::json_str`]).
    pub fn to_json_text<'py>(
        &self,
        value: &Bound<'py, PyAny>,
        opts: SerOptions,
    ) -> PyResult<Bound<'py, PyString>> {
        let py = value.py();
        let mut out = serialize::out_buffer::take(py);
        let opts = SerOptions { json: true, ..opts };
        let written = self
            .serializer(opts, false)
            .write_json(value, &None, &None, &mut out, 0);
        let text = written.and_then(|()| serialize::json_str(py, &out));
        serialize::out_buffer::put(py, out);
        text
    }

    /// `to_json` with `as_any` as in [`Self::to_python_with`].
    pub fn to_json_as<'py>(
        &self,
        value: &Bound<'py, PyAny>,
        opts: SerOptions,
        include: Option<Bound<'py, PyAny>>,
        exclude: Option<Bound<'py, PyAny>>,
        as_any: bool,
    ) -> PyResult<Vec<u8>> {
        let mut out = Vec::with_capacity(256);
        let opts = SerOptions { json: true, ..opts };
        self.serializer(opts, as_any)
            .write_json(value, &include, &exclude, &mut out, 0)?;
        Ok(out)
    }
}
