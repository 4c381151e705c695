//! `KVBase`: the store as Python sees it. `ouroboros.kv.KV` (async) and
//! `SyncKV` subclass it in Python; every operation is defined once here and
//! returns either the value (sync) or an awaitable (async).
//!
//! Where each call runs:
//! - embedded reads, and every memory:// operation: inline, holding the GIL
//!   (a redb read is a B-tree lookup in its page cache; releasing and
//!   re-taking the GIL would cost more than the read). Async callers get an
//!   already-completed awaitable ([`Ready`]) so `await kv.get(k)` costs no
//!   event-loop round trip.
//! - embedded writes on a file store: they wait for `fsync`, so the sync API
//!   releases the GIL and the async API runs them on tokio's blocking pool.
//! - Redis: the async API awaits on the wheel's tokio runtime (GIL free);
//!   the sync API talks on the calling thread with a blocking socket, the
//!   GIL released (`RedisStore::direct`: no hand-off to a runtime thread).

use std::future::Future;
use std::sync::Arc;

use futures::FutureExt;
use ouroboros_common::python::{future_into_py, guard};
use ouroboros_kv_core::{
    BatchOp, BatchResult, KvError, Page, SetMode, SetOptions, Store as Engine, Ttl,
};
use ouroboros_schema::python::SchemaValidator;
use pyo3::exceptions::{PyStopIteration, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDelta, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

use crate::codec::{decode, encode, model_validator};

pyo3::import_exception!(ouroboros.kv._errors, StoreLockedError);
pyo3::import_exception!(ouroboros.kv._errors, StorageError);
pyo3::import_exception!(ouroboros.kv._errors, StoreClosedError);
pyo3::import_exception!(ouroboros.kv._errors, KVConnectionError);
pyo3::import_exception!(ouroboros.kv._errors, KVCommandError);
pyo3::import_exception!(ouroboros.kv._errors, NotAnIntegerError);

/// The Python exception of an engine error.
pub fn kv_err(e: KvError) -> PyErr {
    let msg = e.to_string();
    match e {
        KvError::InvalidArgument { name, reason } => {
            ouroboros_common::Error::invalid_argument(name, reason).into()
        }
        KvError::StoreLocked { .. } => StoreLockedError::new_err(msg),
        KvError::Connection { .. } => KVConnectionError::new_err(msg),
        KvError::Command { .. } => KVCommandError::new_err(msg),
        KvError::NotAnInteger(_) => NotAnIntegerError::new_err(msg),
        KvError::Closed(_) => StoreClosedError::new_err(msg),
        _ => StorageError::new_err(msg),
    }
}

fn invalid(name: &str, reason: impl Into<String>) -> PyErr {
    ouroboros_common::Error::invalid_argument(name, reason).into()
}

/// How to turn a stored value into Python.
pub struct Decoder {
    model: Option<Arc<SchemaValidator>>,
    default: Option<Py<PyAny>>,
}

/// The result of an operation, converted to Python once the GIL is held.
pub enum Out {
    Unit,
    Bool(bool),
    Int(i64),
    OptInt(Option<i64>),
    Count(u64),
    Value(Option<Vec<u8>>, Decoder),
    Values(Vec<Option<Vec<u8>>>, Decoder),
    Page(Page, usize),
    Ttl(Ttl),
    Batch(Vec<BatchResult>),
}

impl<'py> IntoPyObject<'py> for Out {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(match self {
            Out::Unit => py.None().into_bound(py),
            Out::Bool(b) => PyBool::new(py, b).to_owned().into_any(),
            Out::Int(n) => n.into_pyobject(py)?.into_any(),
            Out::OptInt(n) => n.into_pyobject(py)?.into_any(),
            Out::Count(n) => n.into_pyobject(py)?.into_any(),
            Out::Value(v, d) => match v {
                Some(payload) => decode(py, &payload, d.model.as_deref())?,
                None => d
                    .default
                    .map_or_else(|| py.None().into_bound(py), |v| v.into_bound(py)),
            },
            Out::Values(vs, d) => {
                let list = PyList::empty(py);
                for v in vs {
                    match v {
                        Some(payload) => list.append(decode(py, &payload, d.model.as_deref())?)?,
                        None => list.append(py.None())?,
                    }
                }
                list.into_any()
            }
            Out::Page(page, strip) => {
                let keys = PyList::empty(py);
                for k in &page.keys {
                    let k = k.get(strip..).unwrap_or_default();
                    keys.append(PyString::new(py, &String::from_utf8_lossy(k)))?;
                }
                let cursor = page
                    .cursor
                    .map(|c| String::from_utf8_lossy(&c).into_owned());
                (keys, cursor).into_pyobject(py)?.into_any()
            }
            Out::Ttl(t) => match t {
                Ttl::Missing => py.None().into_bound(py),
                Ttl::Persistent => PyFloat::new(py, f64::INFINITY).into_any(),
                #[allow(clippy::cast_precision_loss)]
                Ttl::Millis(ms) => PyFloat::new(py, ms as f64 / 1000.0).into_any(),
            },
            Out::Batch(results) => {
                let list = PyList::empty(py);
                for r in results {
                    match r {
                        BatchResult::Bool(b) => list.append(b)?,
                        BatchResult::Int(n) => list.append(n)?,
                    }
                }
                list.into_any()
            }
        })
    }
}

/// An awaitable that is already complete: `await` returns (or raises) at
/// once, without a round trip through the event loop.
#[pyclass(module = "ouroboros.kv._kv")]
pub struct Ready {
    result: Option<PyResult<Py<PyAny>>>,
}

#[pymethods]
impl Ready {
    fn __await__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&mut self) -> PyResult<Py<PyAny>> {
        match self.result.take() {
            Some(Ok(v)) => Err(PyStopIteration::new_err((v,))),
            Some(Err(e)) => Err(e),
            None => Err(PyStopIteration::new_err(())),
        }
    }

    fn send(&mut self, _value: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        self.__next__()
    }

    fn close(&mut self) {
        self.result = None;
    }
}

/// Run an embedded operation's future, which completes on its first poll.
fn poll_now<F: Future<Output = Result<Out, KvError>>>(fut: F) -> Result<Out, KvError> {
    fut.now_or_never().unwrap_or_else(|| {
        Err(KvError::Storage {
            path: "(embedded)".into(),
            message: "an embedded operation did not complete inline".into(),
        })
    })
}

/// Seconds (int, float or timedelta) -> validated milliseconds.
fn ttl_ms(name: &str, value: Option<&Bound<'_, PyAny>>) -> PyResult<Option<u64>> {
    let Some(value) = value.filter(|v| !v.is_none()) else {
        return Ok(None);
    };
    let secs: f64 = if value.is_instance_of::<PyBool>() {
        return Err(PyTypeError::new_err(format!(
            "{name} must be seconds (int, float or timedelta), got a bool"
        )));
    } else if value.is_instance_of::<PyDelta>() {
        value.call_method0("total_seconds")?.extract()?
    } else if value.is_instance_of::<PyInt>() || value.is_instance_of::<PyFloat>() {
        value.extract().map_err(|_| {
            invalid(
                name,
                format!(
                    "{} seconds is out of range",
                    value.repr().map(|r| r.to_string()).unwrap_or_default()
                ),
            )
        })?
    } else {
        return Err(PyTypeError::new_err(format!(
            "{name} must be seconds (int, float or timedelta), got {}",
            value.get_type().name()?
        )));
    };
    ouroboros_kv_core::ttl_from_secs(name, secs)
        .map(Some)
        .map_err(kv_err)
}

fn amount(value: &Bound<'_, PyAny>) -> PyResult<i64> {
    if value.is_instance_of::<PyBool>() || !value.is_instance_of::<PyInt>() {
        return Err(PyTypeError::new_err(format!(
            "amount must be an int, got {}",
            value.get_type().name()?
        )));
    }
    value
        .extract()
        .map_err(|_| invalid("amount", "must fit in a signed 64-bit integer"))
}

/// The shared part of `KV` and `SyncKV`.
#[pyclass(module = "ouroboros.kv._kv", subclass, frozen)]
pub struct KVBase {
    engine: Engine,
    prefix: Vec<u8>,
    sync: bool,
}

impl KVBase {
    fn full_key(&self, key: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
        let Ok(s) = key.cast::<PyString>() else {
            return Err(PyTypeError::new_err(format!(
                "keys are str, got {}",
                key.get_type().name()?
            )));
        };
        let s = s.to_cow()?;
        if s.is_empty() {
            return Err(invalid("key", "must not be empty"));
        }
        let mut k = Vec::with_capacity(self.prefix.len() + s.len());
        k.extend_from_slice(&self.prefix);
        k.extend_from_slice(s.as_bytes());
        ouroboros_kv_core::check_key(&k).map_err(kv_err)?;
        Ok(k)
    }

    fn keys(&self, keys: &Bound<'_, PyAny>) -> PyResult<Vec<Vec<u8>>> {
        if keys.is_instance_of::<PyString>() {
            return Err(PyTypeError::new_err(
                "expected an iterable of keys, got one str",
            ));
        }
        keys.try_iter()?.map(|k| self.full_key(&k?)).collect()
    }

    fn is_embedded(&self) -> bool {
        matches!(self.engine, Engine::Embedded(_))
    }

    /// Return a finished result: the value (sync) or a completed awaitable.
    fn finish<'py>(
        &self,
        py: Python<'py>,
        r: PyResult<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        if self.sync {
            return r;
        }
        Ok(Bound::new(
            py,
            Ready {
                result: Some(r.map(Bound::unbind)),
            },
        )?
        .into_any())
    }

    /// Run an operation where it belongs (see the module comment).
    fn run<'py, F>(&self, py: Python<'py>, write: bool, fut: F) -> PyResult<Bound<'py, PyAny>>
    where
        F: Future<Output = Result<Out, KvError>> + Send + 'static,
    {
        match &self.engine {
            Engine::Embedded(e) => {
                let on_disk = !e.is_memory();
                if self.sync || !write || !on_disk {
                    let out = if write && on_disk {
                        py.detach(|| poll_now(fut))
                    } else {
                        poll_now(fut)
                    };
                    let r = out.map_err(kv_err).and_then(|o| o.into_pyobject(py));
                    return self.finish(py, r);
                }
                future_into_py(py, async move {
                    tokio::task::spawn_blocking(move || poll_now(fut))
                        .await
                        .map_err(|e| ouroboros_common::Error::Panic(e.to_string()))?
                        .map_err(kv_err)
                })
            }
            Engine::Redis(r) => {
                if self.sync {
                    let rt = ouroboros_common::runtime::runtime()?;
                    let out = py.detach(|| r.direct(rt, fut)).map_err(kv_err)?;
                    return out.into_pyobject(py);
                }
                future_into_py(py, async move { fut.await.map_err(kv_err) })
            }
        }
    }

    fn lock_keys(&self, name: &str) -> PyResult<(Vec<u8>, Vec<u8>)> {
        if name.is_empty() {
            return Err(invalid("name", "a lock needs a non-empty name"));
        }
        // `{name}` is a Redis Cluster hash tag: the lock and its fencing
        // counter share a slot, so one script can touch both.
        let mut lock = self.prefix.clone();
        lock.extend_from_slice(b"lock:{");
        lock.extend_from_slice(name.as_bytes());
        lock.push(b'}');
        let mut fence = lock.clone();
        fence.extend_from_slice(b":fence");
        ouroboros_kv_core::check_key(&fence).map_err(kv_err)?;
        Ok((lock, fence))
    }
}

#[pymethods]
impl KVBase {
    #[new]
    #[pyo3(signature = (url = None, sync = false, *, parent = None, child = None))]
    fn new(
        url: Option<&str>,
        sync: bool,
        parent: Option<PyRef<'_, KVBase>>,
        child: Option<&str>,
    ) -> PyResult<Self> {
        guard(|| {
            if let (Some(parent), Some(child)) = (parent, child) {
                if child.is_empty() {
                    return Err(invalid("name", "a namespace needs a non-empty name"));
                }
                let mut prefix = parent.prefix.clone();
                prefix.extend_from_slice(child.as_bytes());
                prefix.push(b':');
                return Ok(Self {
                    engine: parent.engine.clone(),
                    prefix,
                    sync,
                });
            }
            let url = url.ok_or_else(|| {
                invalid(
                    "url",
                    "name the store: file:///path, memory:// or redis://host",
                )
            })?;
            let engine = Engine::open(url).map_err(kv_err)?;
            Ok(Self {
                engine,
                prefix: Vec::new(),
                sync,
            })
        })
    }

    /// The store's URL (passwords hidden).
    #[getter]
    fn url(&self) -> String {
        self.engine.describe()
    }

    /// `"file"`, `"memory"`, `"redis"` or `"redis-cluster"`.
    #[getter]
    fn backend(&self) -> &'static str {
        match &self.engine {
            Engine::Embedded(e) if e.is_memory() => "memory",
            Engine::Embedded(_) => "file",
            Engine::Redis(r) if r.is_cluster() => "redis-cluster",
            Engine::Redis(_) => "redis",
        }
    }

    /// The key prefix of this namespace (`""` at the root).
    #[getter]
    fn prefix(&self) -> String {
        String::from_utf8_lossy(&self.prefix).into_owned()
    }

    /// A view whose keys all live under `name:` (nested namespaces add up).
    fn namespace<'py>(slf: &Bound<'py, Self>, name: &str) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let kwargs = PyDict::new(py);
        kwargs.set_item("parent", slf)?;
        kwargs.set_item("child", name)?;
        slf.get_type()
            .call((py.None(), slf.get().sync), Some(&kwargs))
    }

    #[pyo3(signature = (key, default = None, *, model = None))]
    fn get<'py>(
        &self,
        py: Python<'py>,
        key: &Bound<'py, PyAny>,
        default: Option<Bound<'py, PyAny>>,
        model: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let k = self.full_key(key)?;
            let model = model.map(|m| model_validator(py, m)).transpose()?;
            if let Engine::Embedded(e) = &self.engine {
                let r = e
                    .get_with(&k, |payload| decode(py, payload, model.as_deref()))
                    .map_err(kv_err);
                let r = match r {
                    Ok(Some(v)) => v,
                    Ok(None) => Ok(default.unwrap_or_else(|| py.None().into_bound(py))),
                    Err(e) => Err(e),
                };
                return self.finish(py, r);
            }
            let decoder = Decoder {
                model,
                default: default.map(Bound::unbind),
            };
            let engine = self.engine.clone();
            self.run(py, false, async move {
                Ok(Out::Value(engine.get(k).await?, decoder))
            })
        })
    }

    #[pyo3(signature = (key, value, *, ttl = None, nx = false, xx = false))]
    fn set<'py>(
        &self,
        py: Python<'py>,
        key: &Bound<'py, PyAny>,
        value: &Bound<'py, PyAny>,
        ttl: Option<&Bound<'py, PyAny>>,
        nx: bool,
        xx: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let k = self.full_key(key)?;
            let opts = set_options(ttl, nx, xx)?;
            let v = encode(py, value)?;
            let engine = self.engine.clone();
            self.run(py, true, async move {
                Ok(Out::Bool(engine.set(k, v, opts).await?))
            })
        })
    }

    fn delete<'py>(&self, py: Python<'py>, key: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let k = self.full_key(key)?;
            let engine = self.engine.clone();
            self.run(py, true, async move {
                Ok(Out::Bool(engine.delete_many(vec![k]).await? > 0))
            })
        })
    }

    fn exists<'py>(&self, py: Python<'py>, key: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let k = self.full_key(key)?;
            let engine = self.engine.clone();
            self.run(
                py,
                false,
                async move { Ok(Out::Bool(engine.exists(k).await?)) },
            )
        })
    }

    #[pyo3(signature = (key, amount = None))]
    fn incr<'py>(
        &self,
        py: Python<'py>,
        key: &Bound<'py, PyAny>,
        amount: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let by = amount.map(self::amount).transpose()?.unwrap_or(1);
            self.incr_by(py, key, by)
        })
    }

    #[pyo3(signature = (key, amount = None))]
    fn decr<'py>(
        &self,
        py: Python<'py>,
        key: &Bound<'py, PyAny>,
        amount: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let by = amount.map(self::amount).transpose()?.unwrap_or(1);
            let by = by
                .checked_neg()
                .ok_or_else(|| invalid("amount", "cannot negate the smallest 64-bit integer"))?;
            self.incr_by(py, key, by)
        })
    }

    #[pyo3(signature = (key, expected, new, *, ttl = None))]
    fn compare_and_swap<'py>(
        &self,
        py: Python<'py>,
        key: &Bound<'py, PyAny>,
        expected: &Bound<'py, PyAny>,
        new: &Bound<'py, PyAny>,
        ttl: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let k = self.full_key(key)?;
            let ttl = ttl_ms("ttl", ttl)?;
            let expected = if expected.is_none() {
                None
            } else {
                Some(encode(py, expected)?)
            };
            let new = encode(py, new)?;
            let engine = self.engine.clone();
            self.run(py, true, async move {
                Ok(Out::Bool(
                    engine.compare_and_swap(k, expected, new, ttl).await?,
                ))
            })
        })
    }

    #[pyo3(signature = (keys, *, model = None))]
    fn get_many<'py>(
        &self,
        py: Python<'py>,
        keys: &Bound<'py, PyAny>,
        model: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let keys = self.keys(keys)?;
            let model = model.map(|m| model_validator(py, m)).transpose()?;
            let decoder = Decoder {
                model,
                default: None,
            };
            let engine = self.engine.clone();
            self.run(py, false, async move {
                Ok(Out::Values(engine.get_many(keys).await?, decoder))
            })
        })
    }

    #[pyo3(signature = (items, *, ttl = None))]
    fn set_many<'py>(
        &self,
        py: Python<'py>,
        items: &Bound<'py, PyAny>,
        ttl: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let ttl = ttl_ms("ttl", ttl)?;
            let pairs = if let Ok(d) = items.cast::<PyDict>() {
                d.items().into_any()
            } else {
                items.clone()
            };
            let mut encoded = Vec::new();
            for pair in pairs.try_iter()? {
                let (k, v): (Bound<'py, PyAny>, Bound<'py, PyAny>) =
                    pair?.extract().map_err(|_| {
                        PyTypeError::new_err(
                            "set_many takes a dict or an iterable of (key, value) pairs",
                        )
                    })?;
                encoded.push((self.full_key(&k)?, encode(py, &v)?));
            }
            let engine = self.engine.clone();
            self.run(py, true, async move {
                engine.set_many(encoded, ttl).await?;
                Ok(Out::Unit)
            })
        })
    }

    fn delete_many<'py>(
        &self,
        py: Python<'py>,
        keys: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let keys = self.keys(keys)?;
            let engine = self.engine.clone();
            self.run(py, true, async move {
                Ok(Out::Count(engine.delete_many(keys).await?))
            })
        })
    }

    #[pyo3(signature = (prefix = "", *, cursor = None, limit = 100))]
    fn scan<'py>(
        &self,
        py: Python<'py>,
        prefix: &str,
        cursor: Option<&str>,
        limit: i64,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            if !(1..=10_000).contains(&limit) {
                return Err(invalid(
                    "limit",
                    format!("must be from 1 to 10000, got {limit}"),
                ));
            }
            let limit = usize::try_from(limit).unwrap_or(100);
            let mut full = self.prefix.clone();
            full.extend_from_slice(prefix.as_bytes());
            let cursor = cursor
                .filter(|c| !c.is_empty())
                .map(|c| c.as_bytes().to_vec());
            let strip = self.prefix.len();
            let engine = self.engine.clone();
            self.run(py, false, async move {
                Ok(Out::Page(engine.scan(full, cursor, limit).await?, strip))
            })
        })
    }

    /// Set a TTL (seconds), or remove it with `ttl=None`; false if no such key.
    fn expire<'py>(
        &self,
        py: Python<'py>,
        key: &Bound<'py, PyAny>,
        ttl: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let k = self.full_key(key)?;
            let ttl = ttl_ms("ttl", ttl)?;
            let engine = self.engine.clone();
            self.run(py, true, async move {
                Ok(Out::Bool(engine.expire(k, ttl).await?))
            })
        })
    }

    fn persist<'py>(
        &self,
        py: Python<'py>,
        key: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.expire(py, key, None)
    }

    /// Seconds left; `math.inf` for a key without expiry; None if missing.
    fn ttl<'py>(&self, py: Python<'py>, key: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let k = self.full_key(key)?;
            let engine = self.engine.clone();
            self.run(py, false, async move { Ok(Out::Ttl(engine.ttl(k).await?)) })
        })
    }

    /// Apply `ops` atomically: `("set", key, value, ttl, nx, xx)`,
    /// `("delete", key)`, `("incr", key, amount)`, `("expire", key, ttl)`.
    fn _batch<'py>(
        &self,
        py: Python<'py>,
        ops: &Bound<'py, PyList>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let mut parsed = Vec::with_capacity(ops.len());
            for op in ops.iter() {
                let t = op.cast::<PyTuple>()?;
                let kind: String = t.get_item(0)?.extract()?;
                let key = self.full_key(&t.get_item(1)?)?;
                parsed.push(match kind.as_str() {
                    "set" => {
                        let ttl = t.get_item(3)?;
                        let set_opts = set_options(
                            Some(&ttl),
                            t.get_item(4)?.extract()?,
                            t.get_item(5)?.extract()?,
                        )?;
                        BatchOp::Set {
                            key,
                            value: encode(py, &t.get_item(2)?)?,
                            opts: set_opts,
                        }
                    }
                    "delete" => BatchOp::Delete { key },
                    "incr" => BatchOp::Incr {
                        key,
                        by: amount(&t.get_item(2)?)?,
                    },
                    "expire" => BatchOp::Expire {
                        key,
                        ttl_ms: ttl_ms("ttl", Some(&t.get_item(2)?))?,
                    },
                    other => {
                        return Err(invalid("op", format!("unknown batch operation {other:?}")))
                    }
                });
            }
            let engine = self.engine.clone();
            self.run(py, true, async move {
                Ok(Out::Batch(engine.batch(parsed).await?))
            })
        })
    }

    fn _lock_acquire<'py>(
        &self,
        py: Python<'py>,
        name: &str,
        owner: &str,
        ttl: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let (lock, fence) = self.lock_keys(name)?;
            let ttl = lease_ms(ttl)?;
            let owner = owner.as_bytes().to_vec();
            let engine = self.engine.clone();
            self.run(py, true, async move {
                Ok(Out::OptInt(
                    engine.lock_acquire(lock, fence, owner, ttl).await?,
                ))
            })
        })
    }

    fn _lock_release<'py>(
        &self,
        py: Python<'py>,
        name: &str,
        owner: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let (lock, _) = self.lock_keys(name)?;
            let owner = owner.as_bytes().to_vec();
            let engine = self.engine.clone();
            self.run(py, true, async move {
                Ok(Out::Bool(engine.lock_release(lock, owner).await?))
            })
        })
    }

    fn _lock_extend<'py>(
        &self,
        py: Python<'py>,
        name: &str,
        owner: &str,
        ttl: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let (lock, _) = self.lock_keys(name)?;
            let ttl = lease_ms(ttl)?;
            let owner = owner.as_bytes().to_vec();
            let engine = self.engine.clone();
            self.run(py, true, async move {
                Ok(Out::Bool(engine.lock_extend(lock, owner, ttl).await?))
            })
        })
    }

    /// `(entries, expiry index entries)` physically stored (embedded only),
    /// expired entries not yet reclaimed included.
    fn _stored_entries(&self) -> PyResult<(u64, u64)> {
        match &self.engine {
            Engine::Embedded(e) => e.stored_entries().map_err(kv_err),
            Engine::Redis(_) => Err(invalid(
                "store",
                "only embedded stores report stored entries",
            )),
        }
    }

    /// Close the store: an embedded file store releases its lock so another
    /// process may open it. Every namespace of the store is closed with it.
    fn _close(&self, py: Python<'_>) {
        if let Engine::Embedded(e) = &self.engine {
            py.detach(|| e.close());
        }
    }

    /// True when this object returns values rather than awaitables.
    #[getter]
    fn is_sync(&self) -> bool {
        self.sync
    }

    /// True for file:// and memory:// stores.
    #[getter]
    fn embedded(&self) -> bool {
        self.is_embedded()
    }
}

impl KVBase {
    fn incr_by<'py>(
        &self,
        py: Python<'py>,
        key: &Bound<'py, PyAny>,
        by: i64,
    ) -> PyResult<Bound<'py, PyAny>> {
        let k = self.full_key(key)?;
        let engine = self.engine.clone();
        self.run(
            py,
            true,
            async move { Ok(Out::Int(engine.incr(k, by).await?)) },
        )
    }
}

/// A lock's lease: required, validated like every TTL.
fn lease_ms(ttl: &Bound<'_, PyAny>) -> PyResult<u64> {
    ttl_ms("ttl", Some(ttl))?.ok_or_else(|| invalid("ttl", "a lock needs a lease (seconds)"))
}

fn set_options(ttl: Option<&Bound<'_, PyAny>>, nx: bool, xx: bool) -> PyResult<SetOptions> {
    let mode = match (nx, xx) {
        (true, true) => return Err(invalid("nx", "nx and xx exclude each other")),
        (true, false) => SetMode::IfAbsent,
        (false, true) => SetMode::IfPresent,
        (false, false) => SetMode::Always,
    };
    Ok(SetOptions {
        ttl_ms: ttl_ms("ttl", ttl)?,
        mode,
    })
}
