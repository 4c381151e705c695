//! The Rust extension module `ouroboros.validation._validation`: a thin
//! binding over `ouroboros_schema::python::SchemaValidator`.

use ouroboros_common::python::guard;
use ouroboros_schema::python::{CallOptions, ExtraBehavior, SchemaValidator as Core, SerOptions};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

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

    /// "1 validation error for <title>".
    #[getter]
    fn title(&self) -> &str {
        self.core.title()
    }

    #[pyo3(signature = (input, *, strict = None, extra = None, from_attributes = None, context = None, by_alias = None, by_name = None))]
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

    #[pyo3(signature = (data, *, strict = None, extra = None, context = None, by_alias = None, by_name = None))]
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

    #[pyo3(signature = (value, *, mode = "python", by_alias = false, exclude_unset = false, exclude_defaults = false, exclude_none = false, include = None, exclude = None, serialize_as_any = false))]
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
                .to_python_as(value, opts, include, exclude, serialize_as_any)
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
                // The writer only emits UTF-8 (it copies str data and ASCII).
                let text = std::str::from_utf8(&bytes)
                    .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
                PyString::new(py, text).into_any()
            } else {
                PyBytes::new(py, &bytes).into_any()
            })
        })
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
    m.add(
        "SCHEMA_FORMAT_VERSION",
        ouroboros_schema::python::SCHEMA_FORMAT_VERSION,
    )?;
    Ok(())
}
