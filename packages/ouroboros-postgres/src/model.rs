//! `ModelCodec`: a `Table` class's compiled schema, rows -> validated model
//! instances and instances -> query arguments.
//!
//! The description comes from ouroboros.validation (`__ouroboros_schema__`)
//! and is compiled here with ouroboros-schema, inside this wheel (the crate's
//! README contract), so a row becomes an instance through the same engine
//! that validates the model anywhere else: each cell is decoded from the
//! binary row (`convert::cell`), the cells are keyed by the codec's column
//! names, and the compiled validator builds the instance. Nothing passes
//! through Python code on the way.
//!
//! A query over joined tables selects each model's columns in turn; a
//! `Shape` says how many columns belong to which codec and whether an
//! all-NULL slice (the missing side of a LEFT JOIN) reads as `None`.

use ouroboros_postgres_core::Row;
use ouroboros_schema::python::{SchemaValidator, SerOptions};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyBool, PyBytes, PyDate, PyDateTime, PyDelta, PyDict, PyFloat, PyFrozenSet, PyInt, PyList,
    PySet, PyString, PyTime, PyTuple, PyType,
};

use crate::convert;

/// A model class compiled for reading and writing its table's rows.
#[pyclass(module = "ouroboros.postgres._postgres", frozen)]
pub struct ModelCodec {
    validator: SchemaValidator,
    cls: Py<PyType>,
    /// Column names (= field names), in the order queries select them.
    columns: Vec<Py<PyString>>,
    /// Each column's own validator (its field's type schema) and whether the
    /// column stores JSON text.
    fields: Vec<(SchemaValidator, bool)>,
    /// Columns whose stored value the model's dump (python mode) returns as
    /// it is when it is a plain scalar: no field serializer and no model
    /// serializer. Their scalars are bound without dumping the instance.
    as_stored: Vec<bool>,
}

#[pymethods]
impl ModelCodec {
    /// Compile `model` (an ouroboros.validation BaseModel subclass);
    /// `columns` are its stored fields in select order, each as
    /// `(name, type schema from the description, stored as json)`.
    #[new]
    fn py_new(
        py: Python<'_>,
        model: &Bound<'_, PyType>,
        columns: Vec<(String, Bound<'_, PyAny>, bool)>,
    ) -> PyResult<Self> {
        let validator = SchemaValidator::compile(py, model.as_any())?;
        let serialized = serialized_fields(model)?;
        let mut names = Vec::with_capacity(columns.len());
        let mut fields = Vec::with_capacity(columns.len());
        let mut as_stored = Vec::with_capacity(columns.len());
        for (name, schema, json) in &columns {
            names.push(PyString::new(py, name).unbind());
            fields.push((SchemaValidator::compile(py, schema)?, *json));
            as_stored.push(serialized.as_ref().is_some_and(|s| !s.contains(name)));
        }
        Ok(Self {
            validator,
            cls: model.clone().unbind(),
            columns: names,
            fields,
            as_stored,
        })
    }

    /// The model class, its validators' classes and functions, for the
    /// garbage collector: the class keeps its codec (`__ouroboros_codec__`)
    /// and the codec keeps the class, a cycle freed once the class is unused.
    fn __traverse__(&self, visit: pyo3::PyVisit<'_>) -> Result<(), pyo3::PyTraverseError> {
        visit.call(&self.cls)?;
        self.validator.traverse(visit)?;
        for (field, _) in &self.fields {
            field.traverse(visit)?;
        }
        Ok(())
    }

    /// The model class this codec builds.
    #[getter]
    fn model(&self, py: Python<'_>) -> Py<PyType> {
        self.cls.clone_ref(py)
    }

    /// The column names, in select order.
    #[getter]
    fn columns<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.columns.iter().map(|c| c.bind(py)))
    }

    /// Row data (a mapping of column names) -> a validated instance.
    fn validate<'py>(
        &self,
        py: Python<'py>,
        data: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.validator.validate_python(py, data, None, None)
    }

    /// Values in column order (a record from a cursor) -> an instance, or
    /// None when `optional` and all of them are None (a LEFT JOIN's missing side).
    #[pyo3(signature = (values, optional = false))]
    fn validate_values<'py>(
        &self,
        py: Python<'py>,
        values: &Bound<'py, PyAny>,
        optional: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let cells = values.try_iter()?.collect::<PyResult<Vec<_>>>()?;
        if cells.len() != self.columns.len() {
            return Err(ouroboros_common::Error::invalid_argument(
                "values",
                format!(
                    "{} model has {} columns, got {} values",
                    self.cls.bind(py).name()?,
                    self.columns.len(),
                    cells.len()
                ),
            )
            .into());
        }
        self.instance_from_cells(py, cells, optional)
    }

    /// An instance -> its column values in column order, ready to bind as
    /// query arguments (JSON columns as JSON text, sets as lists).
    fn values<'py>(
        &self,
        py: Python<'py>,
        instance: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        self.values_of(py, instance)
    }

    /// Several instances -> one flat list of their column values (multi-row INSERT).
    fn values_many<'py>(
        &self,
        py: Python<'py>,
        instances: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        let mut out = Vec::new();
        for item in instances.try_iter()? {
            self.push_values(py, &item?, None, &mut |_, v| out.push(v))?;
        }
        PyList::new(py, out)
    }

    /// Several instances -> one list per column of their values (an INSERT
    /// over column arrays), leaving out column `skip` (an identity key the
    /// server fills in).
    #[pyo3(signature = (instances, skip = None))]
    fn column_arrays<'py>(
        &self,
        py: Python<'py>,
        instances: &Bound<'py, PyAny>,
        skip: Option<&str>,
    ) -> PyResult<Vec<Bound<'py, PyList>>> {
        let skip = match skip {
            Some(name) => Some(self.column_index(py, name)?),
            None => None,
        };
        let mut columns: Vec<Vec<Bound<'py, PyAny>>> = vec![Vec::new(); self.columns.len()];
        for item in instances.try_iter()? {
            self.push_values(py, &item?, skip, &mut |i, v| columns[i].push(v))?;
        }
        columns
            .into_iter()
            .enumerate()
            .filter(|(i, _)| Some(*i) != skip)
            .map(|(_, values)| PyList::new(py, values))
            .collect()
    }

    /// Store each of `values` on the matching instance, validated for field
    /// `name` (the keys an INSERT ... RETURNING gave back, in order).
    fn assign_returned(
        &self,
        py: Python<'_>,
        instances: &Bound<'_, PyAny>,
        name: &str,
        values: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        if values.is_none() {
            return Err(pyo3::exceptions::PyValueError::new_err(
                "the server returned no keys for the inserted rows",
            ));
        }
        let mut values = values.try_iter()?;
        for item in instances.try_iter()? {
            let Some(value) = values.next() else {
                return Err(pyo3::exceptions::PyValueError::new_err(
                    "the server returned fewer keys than instances were inserted",
                ));
            };
            self.validator
                .validate_assignment(py, &item?, name, &value?)?;
        }
        if values.next().is_some() {
            return Err(pyo3::exceptions::PyValueError::new_err(
                "the server returned more keys than instances were inserted",
            ));
        }
        Ok(())
    }

    /// Validate `value` against column `name`'s field and return it ready to
    /// bind (`UPDATE ... SET`); a `ValidationError` names the field.
    fn field_value<'py>(
        &self,
        py: Python<'py>,
        name: &str,
        value: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let i = self.column_index(py, name)?;
        let (field, _) = &self.fields[i];
        let valid = field
            .validate_python(py, value, None, None)
            .map_err(|e| relocate(py, &e, name, self.validator.title()).unwrap_or(e))?;
        self.bindable(py, i, &valid)
    }

    /// Validate `value` for field `name` and store it on `instance` (the
    /// model's own validation); false when `name` is not a field.
    fn assign(
        &self,
        py: Python<'_>,
        instance: &Bound<'_, PyAny>,
        name: &str,
        value: &Bound<'_, PyAny>,
    ) -> PyResult<bool> {
        self.validator
            .validate_assignment(py, instance, name, value)
    }
}

impl ModelCodec {
    fn column_index(&self, py: Python<'_>, name: &str) -> PyResult<usize> {
        match self.columns.iter().position(|c| c.bind(py) == name) {
            Some(i) => Ok(i),
            None => Err(ouroboros_common::Error::invalid_argument(
                "name",
                format!("{name:?} is not a column of {}", self.cls.bind(py).name()?),
            )
            .into()),
        }
    }

    fn values_of<'py>(
        &self,
        py: Python<'py>,
        instance: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        let mut out = Vec::with_capacity(self.columns.len());
        self.push_values(py, instance, None, &mut |_, v| out.push(v))?;
        PyList::new(py, out)
    }

    /// Hand `put` each column's value of `instance` (but column `skip`),
    /// ready to bind: the model's dump of it (python mode), JSON columns as
    /// JSON text. The dump is made only for a column that needs it: a plain
    /// scalar in a column without serializers is its own dump.
    fn push_values<'py>(
        &self,
        py: Python<'py>,
        instance: &Bound<'py, PyAny>,
        skip: Option<usize>,
        put: &mut dyn FnMut(usize, Bound<'py, PyAny>),
    ) -> PyResult<()> {
        if !instance.is_instance(self.cls.bind(py))? {
            return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                "expected a {} instance, got {}",
                self.cls.bind(py).name()?,
                instance.get_type().name()?
            )));
        }
        let raw = instance
            .getattr(pyo3::intern!(py, "__dict__"))?
            .cast_into::<PyDict>()?;
        let mut dumped: Option<Bound<'py, PyDict>> = None;
        for (i, name) in self.columns.iter().enumerate() {
            if Some(i) == skip {
                continue;
            }
            let name = name.bind(py);
            let stored = raw.get_item(name)?;
            let value = match stored {
                // JSON is written from the validated value by the field's
                // own serializer (dates, nested models as the model dumps them).
                stored if self.fields[i].1 => stored,
                Some(v) if self.as_stored[i] && dumps_as_itself(py, &v)? => Some(v),
                stored => {
                    let dump = if let Some(d) = &dumped {
                        d.clone()
                    } else {
                        let d = self
                            .validator
                            .to_python(instance, SerOptions::default(), None, None)?
                            .cast_into::<PyDict>()?;
                        dumped = Some(d.clone());
                        d
                    };
                    // Excluded fields are not in the dump; their stored value is.
                    dump.get_item(name)?.or(stored)
                }
            };
            put(
                i,
                match value {
                    Some(v) => self.bindable(py, i, &v)?,
                    None => py.None().into_bound(py),
                },
            );
        }
        Ok(())
    }

    /// A validated value of column `i` as a query argument.
    fn bindable<'py>(
        &self,
        py: Python<'py>,
        i: usize,
        value: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (field, json) = &self.fields[i];
        if value.is_none() {
            return Ok(value.clone());
        }
        if *json {
            let bytes = field.to_json(value, SerOptions::default(), None, None)?;
            let text = String::from_utf8(bytes)
                .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
            return Ok(PyString::new(py, &text).into_any());
        }
        if value.is_instance_of::<PySet>() || value.is_instance_of::<PyFrozenSet>() {
            return Ok(
                PyList::new(py, value.try_iter()?.collect::<PyResult<Vec<_>>>()?)?.into_any(),
            );
        }
        Ok(value.clone())
    }

    /// Columns `start..start + len` of `row` -> an instance, or None when
    /// `optional` and every one of them is NULL.
    fn build<'py>(
        &self,
        py: Python<'py>,
        row: &Row,
        start: usize,
        optional: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let n = self.columns.len();
        if start + n > row.len() {
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "the query returns {} column(s), {} model needs {} from column {start}",
                row.len(),
                self.cls.bind(py).name()?,
                n
            )));
        }
        let cells = (0..n)
            .map(|k| convert::cell(py, row, start + k))
            .collect::<PyResult<Vec<_>>>()?;
        self.instance_from_cells(py, cells, optional)
    }

    /// Decoded cells in column order -> an instance (None for an optional
    /// all-NULL slice). JSON columns arrive as text (asyncpg's choice, kept
    /// by the driver); the field's own validator parses them while validating.
    fn instance_from_cells<'py>(
        &self,
        py: Python<'py>,
        cells: Vec<Bound<'py, PyAny>>,
        optional: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        if optional && cells.iter().all(Bound::is_none) {
            return Ok(py.None().into_bound(py));
        }
        let data = PyDict::new(py);
        for ((name, (field, json)), mut v) in self.columns.iter().zip(&self.fields).zip(cells) {
            if *json {
                if let Ok(text) = v.cast::<PyString>() {
                    let bytes = text.to_str()?.as_bytes().to_vec();
                    v = field.validate_json(py, &bytes, None).map_err(|e| {
                        relocate(
                            py,
                            &e,
                            name.bind(py).to_str().unwrap_or("?"),
                            self.validator.title(),
                        )
                        .unwrap_or(e)
                    })?;
                }
            }
            data.set_item(name.bind(py), v)?;
        }
        self.validator
            .validate_python(py, data.as_any(), None, None)
    }

    pub fn width(&self) -> usize {
        self.columns.len()
    }
}

/// How the columns of a model query's rows map to models.
pub enum Shape {
    /// Every column belongs to one model: rows become instances.
    One(Py<ModelCodec>),
    /// Joined models, left to right: rows become tuples of instances
    /// (`true`: the model may be missing, an all-NULL slice is `None`).
    Joined(Vec<(Py<ModelCodec>, bool)>),
}

impl Shape {
    /// A `ModelCodec`, or a sequence of `(ModelCodec, optional)` pairs.
    pub fn extract(obj: &Bound<'_, PyAny>) -> PyResult<Shape> {
        if let Ok(c) = obj.cast::<ModelCodec>() {
            return Ok(Shape::One(c.clone().unbind()));
        }
        let mut parts = Vec::new();
        for item in obj.try_iter()? {
            let (codec, optional): (Bound<'_, ModelCodec>, bool) = item?.extract()?;
            parts.push((codec.unbind(), optional));
        }
        if parts.is_empty() {
            return Err(ouroboros_common::Error::invalid_argument(
                "shape",
                "a model query needs at least one model".to_owned(),
            )
            .into());
        }
        Ok(Shape::Joined(parts))
    }

    /// One row -> an instance (`One`) or a tuple of instances (`Joined`).
    pub fn build<'py>(&self, py: Python<'py>, row: &Row) -> PyResult<Bound<'py, PyAny>> {
        match self {
            Shape::One(c) => c.get().build(py, row, 0, false),
            Shape::Joined(parts) => {
                let mut start = 0;
                let mut items = Vec::with_capacity(parts.len());
                for (codec, optional) in parts {
                    let codec = codec.get();
                    items.push(codec.build(py, row, start, *optional)?);
                    start += codec.width();
                }
                Ok(PyTuple::new(py, items)?.into_any())
            }
        }
    }
}

/// A field validator's `ValidationError` with `name` put in front of every
/// error location (the field validator sees the value alone).
fn relocate(py: Python<'_>, err: &PyErr, name: &str, title: &str) -> PyResult<PyErr> {
    let value = err.value(py);
    let errors = value.call_method0("errors")?;
    let fixed = PyList::empty(py);
    for line in errors.try_iter()? {
        let line = line?.cast_into::<PyDict>()?;
        let loc = line.get_item("loc")?;
        let mut parts: Vec<Bound<'_, PyAny>> = vec![PyString::new(py, name).into_any()];
        if let Some(loc) = loc {
            parts.extend(loc.try_iter()?.collect::<PyResult<Vec<_>>>()?);
        }
        line.set_item("loc", PyTuple::new(py, parts)?)?;
        fixed.append(line)?;
    }
    let cls = value.get_type();
    Ok(PyErr::from_value(cls.call1((title, fixed))?))
}

/// Fields of `model` whose dump is not their stored value: those with a
/// field serializer; None when a model serializer rewrites the whole dump
/// (then no field is its own dump).
fn serialized_fields(model: &Bound<'_, PyType>) -> PyResult<Option<Vec<String>>> {
    let py = model.py();
    let description = model.getattr(pyo3::intern!(py, "__ouroboros_schema__"))?;
    let description = description.cast::<PyDict>()?;
    if description
        .get_item("model_serializer")?
        .is_some_and(|f| !f.is_none())
    {
        return Ok(None);
    }
    let mut names = Vec::new();
    if let Some(fields) = description.get_item("fields")? {
        for field in fields.try_iter()? {
            let field = field?;
            let field = field.cast::<PyDict>()?;
            if field.get_item("serializer")?.is_some_and(|f| !f.is_none()) {
                if let Some(name) = field.get_item("name")? {
                    names.push(name.extract::<String>()?);
                }
            }
        }
    }
    Ok(Some(names))
}

static DECIMAL_TYPE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static UUID_TYPE: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// Whether the model dump (python mode) of `value` is `value` itself: the
/// exact scalar types it passes through untouched (subclasses, enums,
/// containers and models are dumped).
fn dumps_as_itself(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<bool> {
    if value.is_exact_instance_of::<PyString>()
        || value.is_exact_instance_of::<PyInt>()
        || value.is_exact_instance_of::<PyBool>()
        || value.is_exact_instance_of::<PyFloat>()
        || value.is_none()
        || value.is_exact_instance_of::<PyDateTime>()
        || value.is_exact_instance_of::<PyDate>()
        || value.is_exact_instance_of::<PyTime>()
        || value.is_exact_instance_of::<PyDelta>()
        || value.is_exact_instance_of::<PyBytes>()
    {
        return Ok(true);
    }
    let ty = value.get_type();
    Ok(ty.is(DECIMAL_TYPE.import(py, "decimal", "Decimal")?)
        || ty.is(UUID_TYPE.import(py, "uuid", "UUID")?))
}
