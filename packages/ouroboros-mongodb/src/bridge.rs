//! Runtime threads that enter Python, made safe at interpreter exit.
//!
//! Awaitables come from ouroboros-common's bridge, which never takes the GIL
//! on a tokio thread. Some work here still does (decoding a batch of BSON
//! into Python objects next to the driver's I/O), and CPython ends a thread
//! that holds or waits for the GIL while the interpreter finalizes with
//! `pthread_exit`, which cannot unwind through Rust frames: the process would
//! abort.
//!
//! So every entry of a runtime thread into Python goes through [`attach`],
//! which counts itself and does nothing once an `atexit` hook has marked the
//! interpreter as finalizing; the hook waits (GIL released) until the count
//! is zero, so no runtime thread is inside Python when finalization starts.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Once;
use std::time::{Duration, Instant};

use pyo3::prelude::*;

static IN_PYTHON: AtomicUsize = AtomicUsize::new(0);
static FINALIZING: AtomicBool = AtomicBool::new(false);
static ATEXIT: Once = Once::new();

/// How long the exit hook waits for runtime threads to leave Python.
const EXIT_WAIT: Duration = Duration::from_secs(2);

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

/// Turn a Rust future into an asyncio future of the running loop (see
/// [`ouroboros_common::python::future_into_py`]), with the exit hook in place
/// for the runtime threads that enter Python through [`attach`].
pub fn future_into_py<'py, F, T>(py: Python<'py>, fut: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = PyResult<T>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    register_atexit(py)?;
    ouroboros_common::python::future_into_py(py, fut)
}
