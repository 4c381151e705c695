//! The Rust extension module `ouroboros.validation._validation`: a thin
//! binding over `ouroboros_schema::python::SchemaValidator`.

use ouroboros_common::python::guard;
use ouroboros_schema::python::{SchemaValidator as Core, SerOptions};
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

    #[pyo3(signature = (input, *, strict = None, from_attributes = None, context = None))]
    fn validate_python<'py>(
        &self,
        py: Python<'py>,
        input: &Bound<'py, PyAny>,
        strict: Option<bool>,
        from_attributes: Option<bool>,
        context: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            self.core.validate_python_with(
                py,
                input,
                strict,
                from_attributes.unwrap_or(false),
                context,
            )
        })
    }

    #[pyo3(signature = (data, *, strict = None, context = None))]
    fn validate_json<'py>(
        &self,
        py: Python<'py>,
        data: &Bound<'py, PyAny>,
        strict: Option<bool>,
        context: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(|| self.core.validate_json_any(py, data, strict, context))
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

    #[pyo3(signature = (value, *, mode = "python", by_alias = false, exclude_unset = false, exclude_defaults = false, exclude_none = false, include = None, exclude = None))]
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
    ) -> PyResult<Bound<'py, PyAny>> {
        let opts = SerOptions {
            json: mode == "json",
            by_alias,
            exclude_unset,
            exclude_defaults,
            exclude_none,
        };
        guard(|| self.core.to_python(value, opts, include, exclude))
    }

    #[pyo3(signature = (value, *, by_alias = false, exclude_unset = false, exclude_defaults = false, exclude_none = false, include = None, exclude = None, as_str = true))]
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
    ) -> PyResult<Bound<'py, PyAny>> {
        let opts = SerOptions {
            json: true,
            by_alias,
            exclude_unset,
            exclude_defaults,
            exclude_none,
        };
        guard(|| {
            let bytes = self.core.to_json(value, opts, include, exclude)?;
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
