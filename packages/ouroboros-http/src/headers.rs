//! `Headers`: a case-insensitive multi-dict over an `http::HeaderMap`.
//!
//! `headers["set-cookie"]` joins repeated fields with ", " as httpx does;
//! `get_list` returns them one by one. Names come back lower-cased.

use ouroboros_common::python::InvalidArgumentError;
use ouroboros_http_core::header::{HeaderMap, HeaderName, HeaderValue};
use pyo3::exceptions::{PyKeyError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple};

#[pyclass(module = "ouroboros.http._http", mapping, from_py_object)]
#[derive(Clone, Default)]
pub struct Headers {
    pub map: HeaderMap,
    /// An encoding set by hand (`headers.encoding = ...`); `None`: guessed.
    forced: Option<Charset>,
}

/// The charsets header values decode with.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Charset {
    Ascii,
    Utf8,
    Latin1,
}

impl Charset {
    fn name(self) -> &'static str {
        match self {
            Charset::Ascii => "ascii",
            Charset::Utf8 => "utf-8",
            Charset::Latin1 => "iso-8859-1",
        }
    }
}

pub fn name(key: &str) -> PyResult<HeaderName> {
    HeaderName::from_bytes(key.as_bytes())
        .map_err(|_| InvalidArgumentError::new_err(format!("invalid header name {key:?}")))
}

/// A header name given as `str` or `bytes`.
pub fn key_text(key: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(s) = key.cast::<PyString>() {
        return Ok(s.to_str()?.to_owned());
    }
    if let Ok(b) = key.cast::<PyBytes>() {
        return Ok(b.as_bytes().iter().map(|&c| char::from(c)).collect());
    }
    Err(PyTypeError::new_err(format!(
        "Header name must be str or bytes, not {}",
        key.get_type().name()?
    )))
}

pub fn value(key: &str, v: &Bound<'_, PyAny>) -> PyResult<HeaderValue> {
    let parsed = if let Ok(s) = v.cast::<PyString>() {
        let text = s.to_str()?;
        if text.is_ascii() {
            HeaderValue::from_str(text)
        } else {
            HeaderValue::from_bytes(text.as_bytes())
        }
    } else if let Ok(b) = v.cast::<PyBytes>() {
        HeaderValue::from_bytes(b.as_bytes())
    } else {
        return Err(PyTypeError::new_err(format!(
            "Header value must be str or bytes, not {}",
            v.get_type()
        )));
    };
    parsed.map_err(|_| {
        InvalidArgumentError::new_err(format!(
            "invalid value for header {key:?} (control characters are not allowed)"
        ))
    })
}

/// Read any headers argument (dict, list of pairs, `Headers`) into `map`,
/// replacing names that are already there.
pub fn merge_into(map: &mut HeaderMap, obj: &Bound<'_, PyAny>) -> PyResult<()> {
    if let Ok(h) = obj.cast::<Headers>() {
        let h = h.borrow();
        let mut last: Option<HeaderName> = None;
        for (k, v) in &h.map {
            if last.as_ref() != Some(k) {
                map.remove(k);
                last = Some(k.clone());
            }
            map.append(k.clone(), v.clone());
        }
        return Ok(());
    }
    // A name given twice (a dict's "a" and "A", or pairs) keeps both values.
    let mut seen: Vec<HeaderName> = Vec::new();
    let mut put = |k: &Bound<'_, PyAny>, v: &Bound<'_, PyAny>| -> PyResult<()> {
        let k = key_text(k)?;
        let n = name(&k)?;
        if !seen.contains(&n) {
            map.remove(&n);
            seen.push(n.clone());
        }
        map.append(n, value(&k, v)?);
        Ok(())
    };
    if let Ok(d) = obj.cast::<PyDict>() {
        for (k, v) in d.iter() {
            put(&k, &v)?;
        }
        return Ok(());
    }
    for item in obj.try_iter()? {
        let (k, v): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item?.extract()?;
        put(&k, &v)?;
    }
    Ok(())
}

impl Headers {
    #[must_use]
    pub fn from_map(map: HeaderMap) -> Self {
        Self { map, forced: None }
    }

    /// The charset every value decodes with: the one set by hand, else ascii
    /// when all values are, else utf-8 when all are valid UTF-8, else
    /// iso-8859-1 (as httpx guesses).
    fn charset(&self) -> Charset {
        if let Some(c) = self.forced {
            return c;
        }
        let bytes = || self.map.values().map(HeaderValue::as_bytes);
        if bytes().all(<[u8]>::is_ascii) {
            Charset::Ascii
        } else if bytes().all(|b| std::str::from_utf8(b).is_ok()) {
            Charset::Utf8
        } else {
            Charset::Latin1
        }
    }

    /// A value as text.
    fn text(&self, v: &HeaderValue) -> String {
        if let Ok(s) = v.to_str() {
            return s.to_owned(); // visible ASCII reads the same in every charset
        }
        let bytes = v.as_bytes();
        match self.charset() {
            Charset::Utf8 => String::from_utf8_lossy(bytes).into_owned(),
            Charset::Ascii | Charset::Latin1 => bytes.iter().map(|&b| char::from(b)).collect(),
        }
    }

    fn joined(&self, key: &str) -> Option<String> {
        let n = HeaderName::from_bytes(key.as_bytes()).ok()?;
        let mut it = self.map.get_all(&n).iter();
        let first = it.next()?;
        let mut s = self.text(first);
        for v in it {
            s.push_str(", ");
            s.push_str(&self.text(v));
        }
        Some(s)
    }
}

#[pymethods]
impl Headers {
    #[new]
    #[pyo3(signature = (headers = None))]
    fn py_new(headers: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let mut map = HeaderMap::new();
        if let Some(h) = headers {
            merge_into(&mut map, h)?;
        }
        Ok(Self::from_map(map))
    }

    fn __getitem__(&self, key: &Bound<'_, PyAny>) -> PyResult<String> {
        let key = key_text(key)?;
        self.joined(&key).ok_or_else(|| PyKeyError::new_err(key))
    }

    fn __setitem__(&mut self, key: &Bound<'_, PyAny>, v: &Bound<'_, PyAny>) -> PyResult<()> {
        let key = key_text(key)?;
        self.map.insert(name(&key)?, value(&key, v)?);
        Ok(())
    }

    fn __delitem__(&mut self, key: &Bound<'_, PyAny>) -> PyResult<()> {
        let key = key_text(key)?;
        let n = name(&key)?;
        if self.map.remove(&n).is_none() {
            return Err(PyKeyError::new_err(key));
        }
        Ok(())
    }

    fn __contains__(&self, key: &Bound<'_, PyAny>) -> bool {
        key_text(key)
            .ok()
            .and_then(|k| HeaderName::from_bytes(k.as_bytes()).ok())
            .is_some_and(|n| self.map.contains_key(n))
    }

    /// `(name, value)` byte pairs, one per field (names lower-cased).
    #[getter]
    fn raw<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let items: Vec<(Bound<'py, PyBytes>, Bound<'py, PyBytes>)> = self
            .map
            .iter()
            .map(|(k, v)| {
                (
                    PyBytes::new(py, k.as_str().as_bytes()),
                    PyBytes::new(py, v.as_bytes()),
                )
            })
            .collect();
        PyList::new(py, items)
    }

    /// The charset the values decode with: ascii, else utf-8, else iso-8859-1,
    /// unless one was set.
    #[getter]
    fn get_encoding(&self) -> &'static str {
        self.charset().name()
    }

    /// Decode the values with this charset from now on (ascii, utf-8 or
    /// iso-8859-1 and their aliases).
    #[setter]
    fn set_encoding(&mut self, value: &str) -> PyResult<()> {
        let norm = value.trim().to_ascii_lowercase().replace('_', "-");
        self.forced = Some(match norm.as_str() {
            "ascii" | "us-ascii" => Charset::Ascii,
            "utf-8" | "utf8" => Charset::Utf8,
            "iso-8859-1" | "latin-1" | "latin1" | "iso8859-1" | "l1" => Charset::Latin1,
            _ => {
                return Err(InvalidArgumentError::new_err(format!(
                    "header encoding {value:?} is not supported; use ascii, utf-8 or iso-8859-1"
                )))
            }
        });
        Ok(())
    }

    fn __len__(&self) -> usize {
        self.map.keys_len()
    }

    fn __iter__(slf: PyRef<'_, Self>) -> PyResult<Bound<'_, PyAny>> {
        let keys = slf.keys();
        Ok(PyList::new(slf.py(), keys)?
            .into_any()
            .try_iter()?
            .into_any())
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        let mut theirs = HeaderMap::new();
        if merge_into(&mut theirs, other).is_err() {
            return false;
        }
        // Order-insensitive across names, order-sensitive within one name.
        let mut mine = self.multi_items();
        let mut other = Headers::from_map(theirs).multi_items();
        mine.sort_by(|a, b| a.0.cmp(&b.0));
        other.sort_by(|a, b| a.0.cmp(&b.0));
        mine == other
    }

    /// `Headers({...})`, or `Headers([...])` when a name repeats; credentials masked.
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let secret = |k: &str| matches!(k, "authorization" | "proxy-authorization");
        let items: Vec<(String, String)> = self
            .multi_items()
            .into_iter()
            .map(|(k, v)| {
                let v = if secret(&k) { "[secure]".to_owned() } else { v };
                (k, v)
            })
            .collect();
        let text = if items.len() == self.map.keys_len() {
            let d = PyDict::new(py);
            for (k, v) in &items {
                d.set_item(k, v)?;
            }
            d.repr()?.to_str()?.to_owned()
        } else {
            PyList::new(py, items)?.repr()?.to_str()?.to_owned()
        };
        let charset = self.charset();
        if charset == Charset::Ascii {
            return Ok(format!("Headers({text})"));
        }
        Ok(format!("Headers({text}, encoding='{}')", charset.name()))
    }

    /// The value, with repeated fields joined by ", ", or `default`.
    #[pyo3(signature = (key, default = None))]
    fn get(&self, py: Python<'_>, key: &Bound<'_, PyAny>, default: Option<Py<PyAny>>) -> Py<PyAny> {
        match key_text(key).ok().and_then(|k| self.joined(&k)) {
            Some(v) => PyString::new(py, &v).into_any().unbind(),
            None => default.unwrap_or_else(|| py.None()),
        }
    }

    /// Every value of `key`, in order (for `Set-Cookie`, `Link`...); with
    /// `split_commas`, comma-separated values are split too.
    #[pyo3(signature = (key, split_commas = false))]
    fn get_list(&self, key: &Bound<'_, PyAny>, split_commas: bool) -> PyResult<Vec<String>> {
        let key = key_text(key)?;
        let values: Vec<String> = HeaderName::from_bytes(key.as_bytes())
            .map(|n| self.map.get_all(n).iter().map(|v| self.text(v)).collect())
            .unwrap_or_default();
        if !split_commas {
            return Ok(values);
        }
        Ok(values
            .iter()
            .flat_map(|v| v.split(',').map(|p| p.trim().to_owned()))
            .collect())
    }

    /// Distinct names, lower-cased, in first-seen order.
    fn keys(&self) -> Vec<String> {
        self.map.keys().map(|k| k.as_str().to_owned()).collect()
    }

    fn values(&self) -> Vec<String> {
        self.map
            .keys()
            .filter_map(|k| self.joined(k.as_str()))
            .collect()
    }

    /// `(name, joined value)` per distinct name.
    fn items(&self) -> Vec<(String, String)> {
        self.map
            .keys()
            .filter_map(|k| self.joined(k.as_str()).map(|v| (k.as_str().to_owned(), v)))
            .collect()
    }

    /// `(name, value)` per field, repeats kept.
    fn multi_items(&self) -> Vec<(String, String)> {
        self.map
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), self.text(v)))
            .collect()
    }

    /// Add a field without replacing existing ones.
    fn add(&mut self, key: &Bound<'_, PyAny>, v: &Bound<'_, PyAny>) -> PyResult<()> {
        let key = key_text(key)?;
        self.map.append(name(&key)?, value(&key, v)?);
        Ok(())
    }

    fn update(&mut self, other: &Bound<'_, PyAny>) -> PyResult<()> {
        merge_into(&mut self.map, other)
    }

    #[pyo3(signature = (key, default = None))]
    fn setdefault(
        &mut self,
        py: Python<'_>,
        key: &str,
        default: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        if let Some(v) = self.joined(key) {
            return Ok(PyString::new(py, &v).into_any().unbind());
        }
        let d = match default {
            Some(d) => d.clone(),
            None => PyString::new(py, "").into_any(),
        };
        self.map.insert(name(key)?, value(key, &d)?);
        Ok(d.unbind())
    }

    #[pyo3(signature = (key, *default))]
    fn pop(
        &mut self,
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        default: &Bound<'_, PyTuple>,
    ) -> PyResult<Py<PyAny>> {
        let key = key_text(key)?;
        let v = self.joined(&key);
        match v {
            Some(v) => {
                self.map.remove(name(&key)?);
                Ok(PyString::new(py, &v).into_any().unbind())
            }
            None if !default.is_empty() => Ok(default.get_item(0)?.unbind()),
            None => Err(PyKeyError::new_err(key)),
        }
    }

    fn copy(&self) -> Self {
        self.clone()
    }

    /// A plain dict (repeated fields joined).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (k, v) in self.items() {
            d.set_item(k, v)?;
        }
        Ok(d)
    }
}
