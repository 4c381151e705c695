//! Awaitables for Rust futures, safe at interpreter exit.
//!
//! `pyo3_async_runtimes::future_into_py` completes the asyncio future from a
//! tokio thread with `loop.call_soon_threadsafe`, whose socket write releases
//! and re-takes the GIL. When the main thread finishes `asyncio.run` in that
//! gap and the interpreter finalizes, CPython ends the tokio thread with
//! `pthread_exit`, which cannot unwind through Rust frames: the process
//! aborts (seen in ~40% of runs of a script whose last line awaits a query).
//!
//! Here every entry of a runtime thread into Python goes through [`attach`],
//! which counts itself and does nothing once an `atexit` hook has marked the
//! interpreter as finalizing; the hook waits (GIL released) until the count
//! is zero, so no runtime thread is inside Python when finalization starts.

use std::ffi::CStr;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Once;
use std::time::{Duration, Instant};

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::IntoPyObjectExt;

static IN_PYTHON: AtomicUsize = AtomicUsize::new(0);
static FINALIZING: AtomicBool = AtomicBool::new(false);
static ATEXIT: Once = Once::new();
static COMPLETE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// How long the exit hook waits for runtime threads to leave Python.
const EXIT_WAIT: Duration = Duration::from_secs(2);

const COMPLETE_SRC: &CStr = c"
def complete(fut, ok, value):
    if fut.done():
        return
    if ok:
        fut.set_result(value)
    else:
        fut.set_exception(value)
";

/// Run `f` with the GIL from any thread; `None` once the interpreter is exiting.
pub fn attach<R>(f: impl FnOnce(Python<'_>) -> R) -> Option<R> {
    IN_PYTHON.fetch_add(1, Ordering::SeqCst);
    let out = if FINALIZING.load(Ordering::SeqCst) {
        None
    } else {
        Some(Python::attach(f))
    };
    IN_PYTHON.fetch_sub(1, Ordering::SeqCst);
    out
}

/// `atexit` hook: stop new entries, wait for those in progress.
#[pyfunction]
fn _wait_for_runtime_threads(py: Python<'_>) {
    FINALIZING.store(true, Ordering::SeqCst);
    let start = Instant::now();
    // The caller itself holds one count only if called from inside `attach`,
    // which an atexit hook never is.
    while IN_PYTHON.load(Ordering::SeqCst) > 0 && start.elapsed() < EXIT_WAIT {
        py.detach(|| std::thread::sleep(Duration::from_millis(1)));
    }
}

fn register_atexit(py: Python<'_>) -> PyResult<()> {
    let mut result = Ok(());
    ATEXIT.call_once(|| {
        result = (|| {
            let hook = wrap_pyfunction!(_wait_for_runtime_threads, py)?;
            py.import("atexit")?.call_method1("register", (hook,))?;
            Ok(())
        })();
    });
    result
}

fn complete_fn(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    COMPLETE
        .get_or_try_init(py, || {
            let module = PyModule::from_code(
                py,
                COMPLETE_SRC,
                c"ouroboros_mongodb_bridge.py",
                c"ouroboros_mongodb_bridge",
            )?;
            Ok::<_, PyErr>(module.getattr("complete")?.unbind())
        })
        .map(|f| f.bind(py))
}

/// Turn a Rust future into an asyncio future of the running loop. The future
/// runs on the wheel's tokio runtime without the GIL; a panic in it arrives as
/// `ouroboros.core.InternalError`.
pub fn future_into_py<'py, F, T>(py: Python<'py>, fut: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = PyResult<T>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    register_atexit(py)?;
    complete_fn(py)?;
    let event_loop = py.import("asyncio")?.call_method0("get_running_loop")?;
    let py_future = event_loop.call_method0("create_future")?;
    let loop_ref = event_loop.unbind();
    let future_ref = py_future.clone().unbind();
    let rt = ouroboros_common::runtime::runtime()?;
    rt.spawn(async move {
        let result = ouroboros_common::panic::catch_future(fut).await;
        attach(|py| {
            let (ok, value) = match result.and_then(|v| v.into_py_any(py)) {
                Ok(v) => (true, v),
                Err(e) => (false, e.into_value(py).into_any()),
            };
            if let Ok(complete) = complete_fn(py) {
                // A closed loop (the program moved on) raises RuntimeError: nothing to tell.
                let _ = loop_ref.bind(py).call_method1(
                    "call_soon_threadsafe",
                    (complete, future_ref.bind(py), ok, value),
                );
            }
        });
    });
    Ok(py_future)
}
