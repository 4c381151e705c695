//! `Record`: one result row, read by index or by column name like asyncpg's.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use ouroboros_postgres_core::{Column, Row, Statement};
use pyo3::basic::CompareOp;
use pyo3::exceptions::{PyIndexError, PyKeyError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyInt, PyList, PySlice, PyString, PyTuple};

use crate::convert;

/// Column names of a result, shared by all its records.
pub struct RecordDesc {
    names: Vec<Py<PyString>>,
    /// The same names, to check a cached description against a statement.
    texts: Vec<Box<str>>,
    index: HashMap<String, usize>,
}

/// Descriptions of the statements most recently read, by the address of
/// their column list. A statement dropped may leave its address to another
/// one, so a description is used only if its column names are the
/// statement's (then it is right whichever statement it was made for).
/// Emptied when it reaches [`DESCS_MAX`].
static DESCS: Mutex<Option<HashMap<usize, Arc<RecordDesc>>>> = Mutex::new(None);

/// Statements whose description is kept (each a few column names).
const DESCS_MAX: usize = 1024;

impl RecordDesc {
    /// The description of `stmt`'s result columns, built once per statement
    /// (a query by key would otherwise make its column names anew each call).
    pub fn of(py: Python<'_>, stmt: &Statement) -> Arc<RecordDesc> {
        let columns = stmt.columns();
        let key = columns.as_ptr() as usize;
        let descs = || DESCS.lock().unwrap_or_else(PoisonError::into_inner);
        let cached = descs().as_ref().and_then(|m| m.get(&key).cloned());
        if let Some(d) = cached.filter(|d| d.describes(columns)) {
            return d;
        }
        // Made outside the lock: creating Python objects may run Python code.
        let desc = RecordDesc::new(py, columns);
        let dropped = {
            let mut guard = descs();
            let map = guard.get_or_insert_with(HashMap::new);
            let dropped = if map.len() >= DESCS_MAX {
                std::mem::take(map)
            } else {
                HashMap::new()
            };
            map.insert(key, Arc::clone(&desc));
            dropped
        };
        drop(dropped);
        desc
    }

    /// Whether these are the columns this description was made from.
    fn describes(&self, columns: &[Column]) -> bool {
        self.texts.len() == columns.len()
            && self
                .texts
                .iter()
                .zip(columns)
                .all(|(t, c)| **t == *c.name())
    }

    fn new(py: Python<'_>, columns: &[Column]) -> Arc<RecordDesc> {
        let mut index = HashMap::with_capacity(columns.len());
        for (i, c) in columns.iter().enumerate() {
            // A repeated name (SELECT 1 AS a, 2 AS a) reads the first.
            index.entry(c.name().to_owned()).or_insert(i);
        }
        Arc::new(RecordDesc {
            names: columns
                .iter()
                .map(|c| PyString::new(py, c.name()).unbind())
                .collect(),
            texts: columns.iter().map(|c| Box::from(c.name())).collect(),
            index,
        })
    }
}

/// A row of a query result. `r[0]`, `r["name"]`, `r.get("name")`,
/// `dict(r)`, `tuple(r)`, `len(r)`; iteration yields the values.
#[pyclass(
    module = "ouroboros.postgres._postgres",
    frozen,
    freelist = 256,
    sequence
)]
pub struct Record {
    values: Vec<Py<PyAny>>,
    desc: Arc<RecordDesc>,
}

impl Record {
    /// Decode every column of a row.
    pub fn from_row(py: Python<'_>, row: &Row, desc: &Arc<RecordDesc>) -> PyResult<Record> {
        let values = (0..row.len())
            .map(|i| convert::cell(py, row, i).map(Bound::unbind))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(Record {
            values,
            desc: desc.clone(),
        })
    }

    fn position(&self, key: &Bound<'_, PyAny>) -> PyResult<usize> {
        if let Ok(name) = key.cast::<PyString>() {
            let name = name.to_str()?;
            return self
                .desc
                .index
                .get(name)
                .copied()
                .ok_or_else(|| PyKeyError::new_err(name.to_owned()));
        }
        if key.is_instance_of::<PyInt>() {
            let i: isize = key.extract()?;
            let len = isize::try_from(self.values.len()).unwrap_or(isize::MAX);
            let j = if i < 0 { i + len } else { i };
            return usize::try_from(j)
                .ok()
                .filter(|j| *j < self.values.len())
                .ok_or_else(|| PyIndexError::new_err("record index out of range"));
        }
        Err(PyTypeError::new_err(format!(
            "record keys are column names (str) or positions (int), not {}",
            key.get_type().name()?
        )))
    }

    fn as_tuple<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.values.iter().map(|v| v.bind(py)))
    }
}

#[pymethods]
impl Record {
    fn __len__(&self) -> usize {
        self.values.len()
    }

    fn __getitem__<'py>(
        &self,
        py: Python<'py>,
        key: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        if let Ok(slice) = key.cast::<PySlice>() {
            return self.as_tuple(py)?.as_any().get_item(slice);
        }
        Ok(self.values[self.position(key)?].bind(py).clone())
    }

    #[pyo3(signature = (key, default = None))]
    fn get<'py>(
        &self,
        py: Python<'py>,
        key: &Bound<'py, PyAny>,
        default: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        match self.position(key) {
            Ok(i) => Ok(self.values[i].bind(py).clone()),
            Err(e)
                if e.is_instance_of::<PyKeyError>(py) || e.is_instance_of::<PyIndexError>(py) =>
            {
                Ok(default.unwrap_or_else(|| py.None().into_bound(py)))
            }
            Err(e) => Err(e),
        }
    }

    fn __contains__(&self, key: &Bound<'_, PyAny>) -> PyResult<bool> {
        Ok(match key.cast::<PyString>() {
            Ok(s) => self.desc.index.contains_key(s.to_str()?),
            Err(_) => false,
        })
    }

    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(self.as_tuple(py)?.try_iter()?.into_any())
    }

    /// The column names, in order.
    fn keys<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(
            PyTuple::new(py, self.desc.names.iter().map(|n| n.bind(py)))?
                .try_iter()?
                .into_any(),
        )
    }

    /// The values, in column order.
    fn values<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.__iter__(py)
    }

    /// `(name, value)` pairs, in column order.
    fn items<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let pairs = self
            .desc
            .names
            .iter()
            .zip(&self.values)
            .map(|(n, v)| PyTuple::new(py, [n.bind(py).as_any(), v.bind(py)]))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(PyList::new(py, pairs)?.try_iter()?.into_any())
    }

    fn __hash__(&self, py: Python<'_>) -> PyResult<isize> {
        self.as_tuple(py)?.hash()
    }

    fn __richcmp__<'py>(
        &self,
        py: Python<'py>,
        other: &Bound<'py, PyAny>,
        op: CompareOp,
    ) -> PyResult<Py<PyAny>> {
        let other = if let Ok(r) = other.cast::<Record>() {
            r.get().as_tuple(py)?.into_any()
        } else if other.is_instance_of::<PyTuple>() {
            other.clone()
        } else {
            return Ok(py.NotImplemented());
        };
        Ok(self.as_tuple(py)?.rich_compare(other, op)?.unbind())
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let mut out = String::from("<Record");
        for (n, v) in self.desc.names.iter().zip(&self.values) {
            out.push(' ');
            out.push_str(n.bind(py).to_str()?);
            out.push('=');
            out.push_str(&v.bind(py).repr()?.to_string());
        }
        out.push('>');
        Ok(out)
    }
}
