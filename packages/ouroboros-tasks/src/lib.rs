//! The Rust extension module `ouroboros.tasks._tasks`: converts Python
//! arguments for the broker engine (`ouroboros_tasks_core`) and results back.
//!
//! Every broker method works two ways: awaited (`await broker.fetch(...)`,
//! an awaitable on the asyncio loop, the engine running on the wheel's tokio
//! runtime without the GIL) or, with `wait=True`, blocking the calling thread
//! with the GIL released (for `task.delay()` from plain synchronous code).
//! Message bodies stay `bytes` end to end; nothing here parses them.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use ouroboros_tasks_core::schedule::CronSchedule;
use ouroboros_tasks_core::{Broker as CoreBroker, Delivery, Envelope, Error, Options};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyTuple};

pyo3::import_exception!(ouroboros.tasks.exceptions, BrokerError);
pyo3::import_exception!(ouroboros.core, InvalidArgumentError);
pyo3::import_exception!(ouroboros.core, OuroborosTimeoutError);

fn to_pyerr(err: Error) -> PyErr {
    let msg = err.to_string();
    match err {
        Error::InvalidArgument { .. } => InvalidArgumentError::new_err(msg),
        Error::Timeout { .. } => OuroborosTimeoutError::new_err(msg),
        _ => BrokerError::new_err(msg),
    }
}

type Convert = Box<dyn FnOnce(Python<'_>) -> PyResult<Py<PyAny>> + Send>;

/// Run `fut` as an awaitable, or block on it (GIL released) when `wait`.
fn run<T: Send + 'static>(
    py: Python<'_>,
    wait: bool,
    fut: impl Future<Output = Result<T, Error>> + Send + 'static,
    convert: impl FnOnce(Python<'_>, T) -> PyResult<Py<PyAny>> + Send + 'static,
) -> PyResult<Bound<'_, PyAny>> {
    if wait {
        let rt = ouroboros_common::runtime::runtime()?;
        let caught = py.detach(|| {
            rt.block_on(ouroboros_common::panic::catch_future(async move {
                Ok::<_, ouroboros_common::Error>(fut.await)
            }))
        })?;
        let value = caught.map_err(to_pyerr)?;
        return Ok(convert(py, value)?.into_bound(py));
    }
    // The result is built on the event loop's thread, never on a runtime thread.
    ouroboros_common::python::spawn(py, async move {
        let outcome = fut.await;
        let deliver: Convert = Box::new(move |py| convert(py, outcome.map_err(to_pyerr)?));
        deliver
    })
}

#[allow(clippy::unnecessary_wraps)] // the shape `run` takes for every converter
fn none(py: Python<'_>, (): ()) -> PyResult<Py<PyAny>> {
    Ok(py.None())
}

fn millis(name: &str, seconds: f64) -> PyResult<Duration> {
    if !seconds.is_finite() || !(0.0..=1e9).contains(&seconds) {
        return Err(InvalidArgumentError::new_err(format!(
            "invalid argument `{name}`: {seconds} must be a number of seconds between 0 and 1e9"
        )));
    }
    Ok(Duration::from_secs_f64(seconds))
}

fn delivery_tuple<'py>(py: Python<'py>, d: &Delivery) -> PyResult<Bound<'py, PyTuple>> {
    PyTuple::new(
        py,
        [
            d.token.as_str().into_pyobject(py)?.into_any(),
            d.id.as_str().into_pyobject(py)?.into_any(),
            PyBytes::new(py, &d.body).into_any(),
            d.priority.into_pyobject(py)?.into_any(),
            d.deliveries.into_pyobject(py)?.into_any(),
        ],
    )
}

fn delivery_from(item: &Bound<'_, PyAny>) -> PyResult<Delivery> {
    let (token, id, body, priority, deliveries): (String, String, Vec<u8>, u8, u64) =
        item.extract()?;
    Ok(Delivery {
        token,
        id,
        body,
        priority,
        deliveries,
    })
}

/// A connection to one broker (`local://path`, `redis://…`, `nats://…`).
#[pyclass(module = "ouroboros.tasks._tasks", frozen)]
struct Broker {
    inner: Arc<CoreBroker>,
    url: String,
}

#[pymethods]
impl Broker {
    #[new]
    #[pyo3(signature = (url, *, prefix = "ob".to_owned(), ack_wait = 30.0, max_deliveries = 5, dead_letter_limit = 10_000))]
    fn new(
        py: Python<'_>,
        url: String,
        prefix: String,
        ack_wait: f64,
        max_deliveries: u64,
        dead_letter_limit: u64,
    ) -> PyResult<Self> {
        let options = Options {
            prefix,
            ack_wait: millis("ack_wait", ack_wait)?,
            max_deliveries,
            dead_letter_limit,
        };
        let rt = ouroboros_common::runtime::runtime()?;
        let target = url.clone();
        let broker = py
            .detach(|| {
                rt.block_on(ouroboros_common::panic::catch_future(async move {
                    Ok::<_, ouroboros_common::Error>(CoreBroker::connect(&target, options).await)
                }))
            })?
            .map_err(to_pyerr)?;
        Ok(Self {
            inner: Arc::new(broker),
            url,
        })
    }

    /// "local", "redis" or "nats".
    #[getter]
    fn kind(&self) -> &'static str {
        self.inner.kind()
    }

    #[getter]
    fn url(&self) -> &str {
        &self.url
    }

    fn __repr__(&self) -> String {
        format!("Broker({:?})", self.url)
    }

    /// Enqueue `(id, body, priority, not_before_ms)` items.
    #[pyo3(signature = (queue, items, *, wait = false))]
    fn enqueue<'py>(
        &self,
        py: Python<'py>,
        queue: String,
        items: &Bound<'py, PyList>,
        wait: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut envelopes = Vec::with_capacity(items.len());
        for item in items.iter() {
            let (id, body, priority, not_before_ms): (String, Bound<'py, PyBytes>, u8, u64) =
                item.extract()?;
            envelopes.push(Envelope {
                id,
                body: body.as_bytes().to_vec(),
                priority,
                not_before_ms,
            });
        }
        let b = self.inner.clone();
        run(
            py,
            wait,
            async move { b.enqueue(&queue, envelopes).await },
            none,
        )
    }

    /// Up to `max` deliveries `(token, id, body, priority, deliveries)`.
    #[pyo3(signature = (queue, consumer, max = 64, timeout = 1.0, *, wait = false))]
    fn fetch<'py>(
        &self,
        py: Python<'py>,
        queue: String,
        consumer: String,
        max: usize,
        timeout: f64,
        wait: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let timeout = millis("timeout", timeout)?;
        let b = self.inner.clone();
        run(
            py,
            wait,
            async move { b.fetch(&queue, &consumer, max, timeout).await },
            |py, list: Vec<Delivery>| {
                let items = list
                    .iter()
                    .map(|d| delivery_tuple(py, d))
                    .collect::<PyResult<Vec<_>>>()?;
                Ok(PyList::new(py, items)?.into_any().unbind())
            },
        )
    }

    #[pyo3(signature = (queue, tokens, *, wait = false))]
    fn ack<'py>(
        &self,
        py: Python<'py>,
        queue: String,
        tokens: Vec<String>,
        wait: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let b = self.inner.clone();
        run(py, wait, async move { b.ack(&queue, tokens).await }, none)
    }

    /// Return deliveries (as given by `fetch`) for immediate redelivery.
    #[pyo3(signature = (queue, deliveries, *, wait = false))]
    fn nack<'py>(
        &self,
        py: Python<'py>,
        queue: String,
        deliveries: &Bound<'py, PyList>,
        wait: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let list = deliveries
            .iter()
            .map(|d| delivery_from(&d))
            .collect::<PyResult<Vec<_>>>()?;
        let b = self.inner.clone();
        run(py, wait, async move { b.nack(&queue, list).await }, none)
    }

    #[pyo3(signature = (queue, consumer, tokens, *, wait = false))]
    fn touch<'py>(
        &self,
        py: Python<'py>,
        queue: String,
        consumer: String,
        tokens: Vec<String>,
        wait: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let b = self.inner.clone();
        run(
            py,
            wait,
            async move { b.touch(&queue, &consumer, tokens).await },
            none,
        )
    }

    #[pyo3(signature = (queue, delivery, error, *, wait = false))]
    fn dead_letter<'py>(
        &self,
        py: Python<'py>,
        queue: String,
        delivery: &Bound<'py, PyAny>,
        error: String,
        wait: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let delivery = delivery_from(delivery)?;
        let b = self.inner.clone();
        run(
            py,
            wait,
            async move { b.dead_letter(&queue, delivery, &error).await },
            none,
        )
    }

    /// `(id, body, error, at_ms)` of the newest `limit` dead letters, oldest first.
    #[pyo3(signature = (queue, limit = 100, *, wait = false))]
    fn dead_letters<'py>(
        &self,
        py: Python<'py>,
        queue: String,
        limit: usize,
        wait: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let b = self.inner.clone();
        run(
            py,
            wait,
            async move { b.dead_letters(&queue, limit).await },
            |py, list| {
                let items = list
                    .iter()
                    .map(|d| {
                        PyTuple::new(
                            py,
                            [
                                d.id.as_str().into_pyobject(py)?.into_any(),
                                PyBytes::new(py, &d.body).into_any(),
                                d.error.as_str().into_pyobject(py)?.into_any(),
                                d.at_ms.into_pyobject(py)?.into_any(),
                            ],
                        )
                    })
                    .collect::<PyResult<Vec<_>>>()?;
                Ok(PyList::new(py, items)?.into_any().unbind())
            },
        )
    }

    /// `{"ready", "in_flight", "delayed", "dead"}` counts of a queue.
    #[pyo3(signature = (queue, *, wait = false))]
    fn counts<'py>(
        &self,
        py: Python<'py>,
        queue: String,
        wait: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let b = self.inner.clone();
        run(py, wait, async move { b.counts(&queue).await }, |py, c| {
            let d = PyDict::new(py);
            d.set_item("ready", c.ready)?;
            d.set_item("in_flight", c.in_flight)?;
            d.set_item("delayed", c.delayed)?;
            d.set_item("dead", c.dead)?;
            Ok(d.into_any().unbind())
        })
    }

    #[pyo3(signature = (queue, *, wait = false))]
    fn purge<'py>(
        &self,
        py: Python<'py>,
        queue: String,
        wait: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let b = self.inner.clone();
        run(py, wait, async move { b.purge(&queue).await }, none)
    }

    #[pyo3(signature = (keys, *, wait = false))]
    fn kv_get_many<'py>(
        &self,
        py: Python<'py>,
        keys: Vec<String>,
        wait: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let b = self.inner.clone();
        run(
            py,
            wait,
            async move { b.kv_get_many(keys).await },
            |py, values: Vec<Option<Vec<u8>>>| {
                let items: Vec<Bound<'_, PyAny>> = values
                    .iter()
                    .map(|v| {
                        v.as_ref().map_or_else(
                            || py.None().into_bound(py),
                            |v| PyBytes::new(py, v).into_any(),
                        )
                    })
                    .collect();
                Ok(PyList::new(py, items)?.into_any().unbind())
            },
        )
    }

    /// Store `(key, value, ttl_seconds or None)` items.
    #[pyo3(signature = (items, *, wait = false))]
    fn kv_put_many<'py>(
        &self,
        py: Python<'py>,
        items: &Bound<'py, PyList>,
        wait: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut list = Vec::with_capacity(items.len());
        for item in items.iter() {
            let (key, value, ttl): (String, Bound<'py, PyBytes>, Option<f64>) = item.extract()?;
            let ttl = ttl.map(|t| millis("ttl", t)).transpose()?;
            list.push((key, value.as_bytes().to_vec(), ttl));
        }
        let b = self.inner.clone();
        run(py, wait, async move { b.kv_put_many(list).await }, none)
    }

    #[pyo3(signature = (key, *, wait = false))]
    fn kv_delete<'py>(
        &self,
        py: Python<'py>,
        key: String,
        wait: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let b = self.inner.clone();
        run(py, wait, async move { b.kv_delete(&key).await }, none)
    }

    /// `[(key, value)]` of every live key under `prefix`.
    #[pyo3(signature = (prefix, *, wait = false))]
    fn kv_scan<'py>(
        &self,
        py: Python<'py>,
        prefix: String,
        wait: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let b = self.inner.clone();
        run(
            py,
            wait,
            async move { b.kv_scan(&prefix).await },
            |py, items: Vec<(String, Vec<u8>)>| {
                let out = items
                    .iter()
                    .map(|(k, v)| {
                        PyTuple::new(
                            py,
                            [
                                k.as_str().into_pyobject(py)?.into_any(),
                                PyBytes::new(py, v).into_any(),
                            ],
                        )
                    })
                    .collect::<PyResult<Vec<_>>>()?;
                Ok(PyList::new(py, out)?.into_any().unbind())
            },
        )
    }

    #[pyo3(signature = (key, delta = 1, ttl = None, *, wait = false))]
    fn kv_incr<'py>(
        &self,
        py: Python<'py>,
        key: String,
        delta: i64,
        ttl: Option<f64>,
        wait: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let ttl = ttl.map(|t| millis("ttl", t)).transpose()?;
        let b = self.inner.clone();
        run(
            py,
            wait,
            async move { b.kv_incr(&key, delta, ttl).await },
            |py, v: i64| Ok(v.into_pyobject(py)?.into_any().unbind()),
        )
    }

    #[pyo3(signature = (key, rate, burst = 1.0, *, wait = false))]
    fn rate_acquire<'py>(
        &self,
        py: Python<'py>,
        key: String,
        rate: f64,
        burst: f64,
        wait: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let b = self.inner.clone();
        run(
            py,
            wait,
            async move { b.rate_acquire(&key, rate, burst).await },
            |py, v: Duration| Ok(v.as_secs_f64().into_pyobject(py)?.into_any().unbind()),
        )
    }

    #[pyo3(signature = (key, holder, ttl, *, wait = false))]
    fn lock<'py>(
        &self,
        py: Python<'py>,
        key: String,
        holder: String,
        ttl: f64,
        wait: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let ttl = millis("ttl", ttl)?;
        let b = self.inner.clone();
        run(
            py,
            wait,
            async move { b.lock(&key, &holder, ttl).await },
            |py, v: bool| {
                Ok(pyo3::types::PyBool::new(py, v)
                    .to_owned()
                    .into_any()
                    .unbind())
            },
        )
    }

    #[pyo3(signature = (key, holder, *, wait = false))]
    fn unlock<'py>(
        &self,
        py: Python<'py>,
        key: String,
        holder: String,
        wait: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let b = self.inner.clone();
        run(py, wait, async move { b.unlock(&key, &holder).await }, none)
    }
}

/// A parsed cron expression (five fields, or six with leading seconds; UTC).
#[pyclass(module = "ouroboros.tasks._tasks", frozen)]
struct Cron {
    inner: CronSchedule,
}

#[pymethods]
impl Cron {
    #[new]
    fn new(expression: &str) -> PyResult<Self> {
        let inner = CronSchedule::parse(expression).map_err(to_pyerr)?;
        Ok(Self { inner })
    }

    #[getter]
    fn expression(&self) -> &str {
        self.inner.expression()
    }

    /// The first matching time strictly after `after_ms` (Unix ms), in Unix ms.
    fn next_after(&self, after_ms: u64) -> PyResult<u64> {
        self.inner.next_after(after_ms).map_err(to_pyerr)
    }

    fn __repr__(&self) -> String {
        format!("Cron({:?})", self.inner.expression())
    }
}

#[pymodule]
fn _tasks(m: &Bound<'_, PyModule>) -> PyResult<()> {
    ouroboros_common::python::init_module(m, env!("CARGO_PKG_VERSION"))?;
    m.add_class::<Broker>()?;
    m.add_class::<Cron>()?;
    Ok(())
}
