//! The Rust extension module `ouroboros.test._test`: the runner's entry point.
//!
//! Only conversion lives here; the runner is `ouroboros-test-runner`. The run
//! happens with the GIL released (the workers are other processes); the GIL is
//! taken about every 50 ms only to let Python see a Ctrl-C.

use std::path::PathBuf;

use ouroboros_test_runner::config::Display;
use ouroboros_test_runner::{Config, Error};
use pyo3::exceptions::{PyOSError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;

fn display_from(name: &str) -> PyResult<Display> {
    Ok(match name {
        "live" => Display::Live,
        "plain" => Display::Plain,
        "verbose" => Display::Verbose,
        "quiet" => Display::Quiet,
        other => {
            return Err(PyValueError::new_err(format!(
                "display must be 'live', 'plain', 'verbose' or 'quiet', not {other:?}"
            )))
        }
    })
}

/// Run a session and return its summary as a dict (`exit_code` included).
///
/// Usage errors (a missing path, a bad `-k` expression) raise `ValueError`.
#[pyfunction]
#[pyo3(signature = (
    paths, *, rootdir, worker_command, workers = 1, keyword = None, tags = None,
    last_failed = false, max_fail = 0, default_timeout = 0.0, display = "plain",
    junit_xml = None, json_report = None, cache_dir = None, collect_only = false,
    show_output = false, color = false,
))]
#[allow(clippy::too_many_arguments, clippy::fn_params_excessive_bools)]
fn run_session<'py>(
    py: Python<'py>,
    paths: Vec<PathBuf>,
    rootdir: PathBuf,
    worker_command: Vec<String>,
    workers: usize,
    keyword: Option<String>,
    tags: Option<String>,
    last_failed: bool,
    max_fail: usize,
    default_timeout: f64,
    display: &str,
    junit_xml: Option<PathBuf>,
    json_report: Option<PathBuf>,
    cache_dir: Option<PathBuf>,
    collect_only: bool,
    show_output: bool,
    color: bool,
) -> PyResult<Bound<'py, PyDict>> {
    if workers == 0 || workers > 1024 {
        return Err(PyValueError::new_err(format!(
            "workers must be between 1 and 1024, not {workers}"
        )));
    }
    if !(0.0..=1e7).contains(&default_timeout) {
        return Err(PyValueError::new_err(format!(
            "timeout must be a number of seconds between 0 and 1e7, not {default_timeout}"
        )));
    }
    if worker_command.is_empty() {
        return Err(PyValueError::new_err(
            "worker_command must name an interpreter",
        ));
    }
    let mut config = Config::new(paths, rootdir, worker_command);
    config.workers = workers;
    config.keyword = keyword;
    config.tags = tags;
    config.last_failed = last_failed;
    config.max_fail = max_fail;
    config.default_timeout = default_timeout;
    config.display = display_from(display)?;
    config.junit_xml = junit_xml;
    config.json_report = json_report;
    config.cache_dir = cache_dir;
    config.collect_only = collect_only;
    config.show_output = show_output;
    config.color = color;
    let result = py.detach(|| {
        let interrupted = || Python::attach(|py| py.check_signals().is_err());
        ouroboros_test_runner::run(&config, Box::new(std::io::stdout()), &interrupted)
    });
    let summary = match result {
        Ok(s) => s,
        Err(Error::Usage(msg)) => return Err(PyValueError::new_err(msg)),
        Err(e @ Error::Io { .. }) => return Err(PyOSError::new_err(e.to_string())),
        Err(e) => return Err(PyRuntimeError::new_err(e.to_string())),
    };
    let out = PyDict::new(py);
    out.set_item("exit_code", summary.exit_code() as i32)?;
    out.set_item("passed", summary.passed)?;
    out.set_item("failed", summary.failed)?;
    out.set_item("errors", summary.errors)?;
    out.set_item("skipped", summary.skipped)?;
    out.set_item("xfailed", summary.xfailed)?;
    out.set_item("xpassed", summary.xpassed)?;
    out.set_item("collected", summary.collected)?;
    out.set_item("deselected", summary.deselected)?;
    out.set_item("collection_errors", summary.collection_errors.len())?;
    out.set_item("interrupted", summary.interrupted)?;
    out.set_item("seconds", summary.seconds)?;
    out.set_item("line", summary.line())?;
    Ok(out)
}

#[pymodule]
fn _test(m: &Bound<'_, PyModule>) -> PyResult<()> {
    ouroboros_common::python::init_module(m, env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(run_session, m)?)?;
    Ok(())
}
