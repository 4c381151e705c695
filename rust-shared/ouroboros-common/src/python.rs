//! The PyO3 side of the common crate: exceptions, the asyncio bridge and the
//! functions every binding module exposes.
//!
//! Exception classes are defined once, in Python, by the `ouroboros-core`
//! distribution and imported here (`import_exception!`), so an exception raised
//! by any wheel is an instance of the same `ouroboros.core.OuroborosError`.

use std::future::Future;
use std::time::Duration;

use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::{panic, runtime, Error};

pyo3::import_exception!(ouroboros.core, OuroborosError);
pyo3::import_exception!(ouroboros.core, InternalError);
pyo3::import_exception!(ouroboros.core, InvalidArgumentError);
pyo3::import_exception!(ouroboros.core, OuroborosTimeoutError);
pyo3::import_exception!(ouroboros.core, OuroborosIOError);
pyo3::import_exception!(ouroboros.core, RuntimeUnavailableError);

impl From<Error> for PyErr {
    fn from(err: Error) -> PyErr {
        let msg = err.to_string();
        match err {
            Error::InvalidArgument { .. } => InvalidArgumentError::new_err(msg),
            Error::Timeout { .. } => OuroborosTimeoutError::new_err(msg),
            Error::Io { source, .. } => match source.raw_os_error() {
                Some(errno) => OuroborosIOError::new_err((errno, msg)),
                None => OuroborosIOError::new_err(msg),
            },
            Error::Panic(_) => InternalError::new_err(msg),
            Error::Runtime(_) => RuntimeUnavailableError::new_err(msg),
        }
    }
}

/// Run synchronous binding code, turning a panic into `InternalError`.
pub fn guard<T>(f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    panic::catch(f)
}

#[cfg(not(unix))]
static BRIDGE: std::sync::Once = std::sync::Once::new();

/// Turn a Rust future into an awaitable bound to the running asyncio loop.
///
/// The future runs on the wheel's tokio runtime without the GIL; its value is
/// converted to Python on the loop thread (see [`crate::bridge`]); a panic in
/// it arrives in Python as `ouroboros.core.InternalError`; cancelling the
/// awaitable drops the future.
#[cfg(unix)]
pub fn future_into_py<'py, F, T>(py: Python<'py>, fut: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = PyResult<T>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    crate::bridge::future_into_py(py, fut)
}

/// Builds an awaitable's result from a finished future's output, with the GIL
/// held on the event loop's thread.
#[cfg(unix)]
pub use crate::bridge::Deliver;
/// Builds an awaitable's result from a finished future's output.
#[cfg(not(unix))]
pub type Deliver = Box<dyn FnOnce(Python<'_>) -> PyResult<Py<PyAny>> + Send>;

/// Run `work` on the wheel's runtime without the GIL; the [`Deliver`] it
/// returns builds the awaitable's result (or raises) with the GIL. Use this
/// rather than taking the GIL inside the future: a runtime thread in Python
/// while the interpreter exits aborts the process.
#[cfg(unix)]
pub fn spawn<F>(py: Python<'_>, work: F) -> PyResult<Bound<'_, PyAny>>
where
    F: Future<Output = Deliver> + Send + 'static,
{
    crate::bridge::spawn(py, work)
}

/// [`spawn`], polling `work` once on the calling thread first: a future that
/// is ready at once gives an awaitable already done, with no thread woken.
/// Only for work whose first poll is cheap and never blocks (GIL held). With
/// `give_turn`, such a value is set through `loop.call_soon`, so the awaiting
/// task lets the loop's other tasks run once (a consumer whose awaitables are
/// always done never yields otherwise).
#[cfg(unix)]
pub fn spawn_eager<F>(py: Python<'_>, work: F, give_turn: bool) -> PyResult<Bound<'_, PyAny>>
where
    F: Future<Output = Deliver> + Send + 'static,
{
    crate::bridge::spawn_eager(py, work, give_turn)
}

/// [`spawn`] (no eager first poll without the loop bridge).
#[cfg(not(unix))]
pub fn spawn_eager<F>(py: Python<'_>, work: F, _give_turn: bool) -> PyResult<Bound<'_, PyAny>>
where
    F: Future<Output = Deliver> + Send + 'static,
{
    spawn(py, work)
}

/// Run `work` on the wheel's runtime; its [`Deliver`] builds the result.
#[cfg(not(unix))]
pub fn spawn<F>(py: Python<'_>, work: F) -> PyResult<Bound<'_, PyAny>>
where
    F: Future<Output = Deliver> + Send + 'static,
{
    future_into_py(py, async move {
        let deliver = work.await;
        Python::attach(|py| deliver(py))
    })
}

/// Turn a Rust future into an awaitable bound to the running asyncio loop
/// (where `loop.add_reader` is unavailable: through `pyo3-async-runtimes`).
#[cfg(not(unix))]
pub fn future_into_py<'py, F, T>(py: Python<'py>, fut: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = PyResult<T>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    let rt = runtime::runtime()?;
    BRIDGE.call_once(|| {
        // Fails only if already initialised, which `Once` rules out.
        let _ = pyo3_async_runtimes::tokio::init_with_runtime(rt);
    });
    pyo3_async_runtimes::tokio::future_into_py(py, panic::catch_future(fut))
}

/// Raise one of the shared exceptions from Rust (used by every package's
/// tests to prove the error path works inside that package's own wheel).
#[pyfunction]
#[pyo3(signature = (kind, detail = "from the self-test"))]
fn _selftest_raise(kind: &str, detail: &str) -> PyResult<()> {
    let err = match kind {
        "invalid_argument" => Error::invalid_argument("detail", detail),
        "timeout" => Error::Timeout {
            operation: detail.to_owned(),
            elapsed: Duration::from_millis(5),
        },
        "io" => Error::io(
            detail,
            std::io::Error::from_raw_os_error(2), // ENOENT
        ),
        "runtime" => Error::Runtime(detail.to_owned()),
        other => {
            return Err(Error::invalid_argument(
                "kind",
                format!(
                    "unknown self-test error kind {other:?}; expected one of \
                     invalid_argument, timeout, io, runtime"
                ),
            )
            .into())
        }
    };
    Err(err.into())
}

/// Panic inside guarded Rust code; must surface as `InternalError`.
#[pyfunction]
fn _selftest_panic(message: String) -> PyResult<()> {
    guard(|| panic!("{message}"))
}

/// Await `delay_ms` on the wheel's tokio runtime, then return `value`, or
/// panic on the runtime if `panic` is set (proves async panics are caught).
#[pyfunction]
#[pyo3(signature = (value, delay_ms = 0, panic = false))]
fn _selftest_sleep(
    py: Python<'_>,
    value: Py<PyAny>,
    delay_ms: u64,
    panic: bool,
) -> PyResult<Bound<'_, PyAny>> {
    future_into_py(py, async move {
        tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        assert!(!panic, "panic requested after {delay_ms} ms");
        Ok(value)
    })
}

/// Facts about this wheel's native side, for `ob <module> info` and tests.
#[pyfunction]
fn _runtime_info(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let info = PyDict::new(py);
    info.set_item(
        "worker_threads",
        runtime::runtime()?.metrics().num_workers(),
    )?;
    info.set_item("common_version", env!("CARGO_PKG_VERSION"))?;
    // Tasks spawned and not yet finished or aborted (a cancelled awaitable's
    // task must leave this count).
    info.set_item(
        "alive_tasks",
        runtime::runtime()?.metrics().num_alive_tasks(),
    )?;
    // Awaitables started through the bridge and not yet finished or aborted.
    #[cfg(unix)]
    info.set_item("bridge_tasks", crate::bridge::alive_tasks())?;
    info.set_item("debug_assertions", cfg!(debug_assertions))?;
    Ok(info)
}

/// Add `__version__` and the shared functions to a binding module.
///
/// Every package calls this from its `#[pymodule]`, with its own crate version.
pub fn init_module(m: &Bound<'_, PyModule>, version: &str) -> PyResult<()> {
    // Fail at import, with a clear message, if ouroboros-core is missing:
    // later errors would otherwise surface as a confusing ImportError inside
    // an unrelated call.
    m.py().import("ouroboros.core").map_err(|e| {
        pyo3::exceptions::PyImportError::new_err(format!(
            "{} needs the `ouroboros-core` package (pip install 'ouroboros-core>=0.1,<0.2'): {e}",
            m.name().map(|n| n.to_string()).unwrap_or_default()
        ))
    })?;
    m.add("__version__", version)?;
    m.add_function(wrap_pyfunction!(_selftest_raise, m)?)?;
    m.add_function(wrap_pyfunction!(_selftest_panic, m)?)?;
    m.add_function(wrap_pyfunction!(_selftest_sleep, m)?)?;
    m.add_function(wrap_pyfunction!(_runtime_info, m)?)?;
    Ok(())
}
