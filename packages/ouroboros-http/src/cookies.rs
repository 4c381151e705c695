//! `Cookies`: the client's cookie jar as a mapping.

use std::sync::Arc;

use ouroboros_common::python::InvalidArgumentError;
use ouroboros_http_core::CookieJar;
use pyo3::exceptions::PyKeyError;
use pyo3::prelude::*;

use crate::errors::new_err;

#[pyclass(module = "ouroboros.http._http", mapping)]
pub struct Cookies {
    pub jar: Arc<CookieJar>,
}

impl Cookies {
    fn find(&self, py: Python<'_>, name: &str, domain: Option<&str>) -> PyResult<Option<String>> {
        let want = domain.map(|d| d.trim_start_matches('.'));
        let found: Vec<_> = self
            .jar
            .list()
            .into_iter()
            .filter(|c| c.name == name && want.is_none_or(|d| c.domain == d))
            .collect();
        match found.len() {
            0 => Ok(None),
            1 => Ok(found.into_iter().next().map(|c| c.value)),
            n => Err(new_err(
                py,
                "CookieConflict",
                format!(
                    "{n} cookies are called {name:?}; give the domain (found in {:?})",
                    found.iter().map(|c| c.domain.as_str()).collect::<Vec<_>>()
                ),
            )),
        }
    }
}

#[pymethods]
impl Cookies {
    /// The value of cookie `name` (in `domain` when given), or `default`.
    #[pyo3(signature = (name, default = None, domain = None))]
    fn get(
        &self,
        py: Python<'_>,
        name: &str,
        default: Option<String>,
        domain: Option<&str>,
    ) -> PyResult<Option<String>> {
        Ok(self.find(py, name, domain)?.or(default))
    }

    /// Store a cookie; without a domain it is sent to every host.
    #[pyo3(signature = (name, value, domain = "", path = "/"))]
    fn set(&self, name: &str, value: &str, domain: &str, path: &str) -> PyResult<()> {
        self.jar
            .set(name, value, domain, path)
            .map_err(InvalidArgumentError::new_err)
    }

    /// Keep the `Set-Cookie` values of a response from `url` (a response a
    /// Python transport gave), by the same rules as the network's.
    fn _store_response(&self, values: Vec<String>, url: &str) -> PyResult<()> {
        let url = url::Url::parse(url)
            .map_err(|e| InvalidArgumentError::new_err(format!("invalid URL {url:?}: {e}")))?;
        self.jar
            .store_response(values.iter().map(String::as_str), &url);
        Ok(())
    }

    /// The `Cookie` header the jar sends with a request to `url`, if any.
    fn _header_for(&self, url: &str) -> PyResult<Option<String>> {
        let url = url::Url::parse(url)
            .map_err(|e| InvalidArgumentError::new_err(format!("invalid URL {url:?}: {e}")))?;
        Ok(self.jar.header_for(&url))
    }

    #[pyo3(signature = (name, domain = None))]
    fn delete(&self, name: &str, domain: Option<&str>) -> usize {
        self.jar.delete(name, domain)
    }

    fn clear(&self) {
        self.jar.clear();
    }

    /// Every cookie as `(name, value, domain, path)`.
    #[getter(_entries)]
    fn entries(&self) -> Vec<(String, String, String, String)> {
        self.jar
            .list()
            .into_iter()
            .map(|c| (c.name, c.value, c.domain, c.path))
            .collect()
    }

    /// A copy of the cookies as an `http.cookiejar.CookieJar` (as httpx's
    /// `Cookies.jar`); change the client's cookies through this object.
    #[getter]
    fn jar<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py.import("ouroboros.http._cookies")?
            .getattr("cookiejar_of")?
            .call1((self.entries(),))
    }

    fn items(&self) -> Vec<(String, String)> {
        self.jar
            .list()
            .into_iter()
            .map(|c| (c.name, c.value))
            .collect()
    }

    fn keys(&self) -> Vec<String> {
        self.jar.list().into_iter().map(|c| c.name).collect()
    }

    fn __getitem__(&self, py: Python<'_>, name: &str) -> PyResult<String> {
        self.find(py, name, None)?
            .ok_or_else(|| PyKeyError::new_err(name.to_owned()))
    }

    fn __setitem__(&self, name: &str, value: &str) -> PyResult<()> {
        self.set(name, value, "", "/")
    }

    fn __delitem__(&self, name: &str) -> PyResult<()> {
        if self.jar.delete(name, None) == 0 {
            return Err(PyKeyError::new_err(name.to_owned()));
        }
        Ok(())
    }

    fn __contains__(&self, name: &str) -> bool {
        self.jar.list().iter().any(|c| c.name == name)
    }

    fn __len__(&self) -> usize {
        self.jar.list().len()
    }

    fn __iter__(slf: PyRef<'_, Self>) -> PyResult<Bound<'_, PyAny>> {
        let keys = slf.keys();
        Ok(pyo3::types::PyList::new(slf.py(), keys)?
            .into_any()
            .try_iter()?
            .into_any())
    }

    fn __repr__(&self) -> String {
        let items: Vec<String> = self
            .jar
            .list()
            .iter()
            .map(|c| {
                format!(
                    "<Cookie {}={} for {}{}>",
                    c.name,
                    c.value,
                    if c.domain.is_empty() { "*" } else { &c.domain },
                    c.path
                )
            })
            .collect();
        format!("<Cookies[{}]>", items.join(", "))
    }
}
