//! The Rust extension module `ouroboros.argus._argus`: holds a live
//! `argus_index::Project` behind a read-write lock, answers queries as JSON
//! text (the daemon forwards it unchanged), and keeps the index current with
//! a `notify` watcher whose callback re-indexes each changed file.
//!
//! Every query runs with the GIL released; a panic becomes
//! `ouroboros.core.InternalError`, never an abort.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use argus_index::{check_project, Project, Queries};
use notify::{RecursiveMode, Watcher};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use serde::Serialize;

fn to_json<T: Serialize>(value: &T) -> PyResult<String> {
    serde_json::to_string(value)
        .map_err(|e| PyRuntimeError::new_err(format!("cannot encode the result: {e}")))
}

fn poisoned<T>(_: T) -> PyErr {
    PyRuntimeError::new_err("the index lock is poisoned by an earlier failure; restart the index")
}

/// A live index of a Python project.
#[pyclass(module = "ouroboros.argus._argus", frozen)]
struct NativeIndex {
    project: Arc<RwLock<Project>>,
    watcher: Mutex<Option<notify::RecommendedWatcher>>,
    updates: Arc<AtomicU64>,
}

impl NativeIndex {
    /// Run a query on the current project with the GIL released.
    fn query<T: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&Project) -> PyResult<T> + Send,
    ) -> PyResult<T> {
        let project = Arc::clone(&self.project);
        py.detach(move || {
            ouroboros_common::python::guard(|| {
                let guard = project.read().map_err(poisoned)?;
                f(&guard)
            })
        })
    }
}

fn position(
    project: &Project,
    path: &Path,
    line: u32,
    column: u32,
) -> PyResult<(u32, argus_index::TextSize)> {
    if line == 0 || column == 0 {
        return Err(PyValueError::new_err(format!(
            "line and column are 1-based; got line {line}, column {column}"
        )));
    }
    let q = Queries::new(project);
    if !project.by_path.contains_key(path) {
        return Err(PyValueError::new_err(format!(
            "file is not in the index: {}",
            path.display()
        )));
    }
    q.position(path, line, column).ok_or_else(|| {
        PyValueError::new_err(format!(
            "position {line}:{column} is past the end of {}",
            path.display()
        ))
    })
}

fn is_python(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "py" || e == "pyi")
}

#[pymethods]
impl NativeIndex {
    #[new]
    #[pyo3(signature = (roots, search_paths))]
    fn new(py: Python<'_>, roots: Vec<PathBuf>, search_paths: Vec<PathBuf>) -> PyResult<Self> {
        for r in &roots {
            if !r.exists() {
                return Err(PyValueError::new_err(format!(
                    "project root does not exist: {}",
                    r.display()
                )));
            }
        }
        let project = py.detach(move || {
            ouroboros_common::python::guard(|| Ok(Project::index(roots, search_paths)))
        })?;
        Ok(Self {
            project: Arc::new(RwLock::new(project)),
            watcher: Mutex::new(None),
            updates: Arc::default(),
        })
    }

    fn definition(
        &self,
        py: Python<'_>,
        path: PathBuf,
        line: u32,
        column: u32,
    ) -> PyResult<String> {
        self.query(py, |p| {
            let (f, off) = position(p, &path, line, column)?;
            to_json(&Queries::new(p).definition(f, off))
        })
    }

    #[pyo3(signature = (path, line, column, include_declaration = true))]
    fn references(
        &self,
        py: Python<'_>,
        path: PathBuf,
        line: u32,
        column: u32,
        include_declaration: bool,
    ) -> PyResult<String> {
        self.query(py, |p| {
            let (f, off) = position(p, &path, line, column)?;
            to_json(&Queries::new(p).references(f, off, include_declaration))
        })
    }

    fn hover(&self, py: Python<'_>, path: PathBuf, line: u32, column: u32) -> PyResult<String> {
        self.query(py, |p| {
            let (f, off) = position(p, &path, line, column)?;
            to_json(&Queries::new(p).hover(f, off))
        })
    }

    fn type_at(&self, py: Python<'_>, path: PathBuf, line: u32, column: u32) -> PyResult<String> {
        self.query(py, |p| {
            let (f, off) = position(p, &path, line, column)?;
            to_json(&Queries::new(p).type_at(f, off))
        })
    }

    fn document_symbols(&self, py: Python<'_>, path: PathBuf) -> PyResult<String> {
        self.query(py, |p| {
            let f = *p.by_path.get(&path).ok_or_else(|| {
                PyValueError::new_err(format!("file is not in the index: {}", path.display()))
            })?;
            to_json(&Queries::new(p).document_symbols(f))
        })
    }

    #[pyo3(signature = (query, limit = 100))]
    fn workspace_symbols(&self, py: Python<'_>, query: String, limit: usize) -> PyResult<String> {
        self.query(py, |p| {
            to_json(&Queries::new(p).workspace_symbols(&query, limit))
        })
    }

    /// Diagnostics of one file, or of every project file when `path` is None.
    #[pyo3(signature = (path = None))]
    fn diagnostics(&self, py: Python<'_>, path: Option<PathBuf>) -> PyResult<String> {
        self.query(py, |p| match &path {
            Some(path) => {
                let f = *p.by_path.get(path).ok_or_else(|| {
                    PyValueError::new_err(format!("file is not in the index: {}", path.display()))
                })?;
                to_json(&Queries::new(p).diagnostics(f))
            }
            None => to_json(&check_project(p)),
        })
    }

    /// Re-index one file (changed, created or deleted); True when the index changed.
    fn update(&self, py: Python<'_>, path: PathBuf) -> PyResult<bool> {
        let project = Arc::clone(&self.project);
        let changed = py.detach(move || {
            ouroboros_common::python::guard(|| Ok(project.write().map_err(poisoned)?.update(&path)))
        })?;
        if changed {
            self.updates.fetch_add(1, Ordering::Relaxed);
        }
        Ok(changed)
    }

    /// Re-index one file from unsaved text (an editor's buffer).
    fn update_source(&self, py: Python<'_>, path: PathBuf, source: String) -> PyResult<bool> {
        let project = Arc::clone(&self.project);
        let changed = py.detach(move || {
            ouroboros_common::python::guard(|| {
                Ok(project
                    .write()
                    .map_err(poisoned)?
                    .update_source(&path, source))
            })
        })?;
        if changed {
            self.updates.fetch_add(1, Ordering::Relaxed);
        }
        Ok(changed)
    }

    /// Files indexed: `{"project": n, "dependencies": m, "updates": k, "watching": bool}`.
    fn stats(&self, py: Python<'_>) -> PyResult<String> {
        let updates = self.updates.load(Ordering::Relaxed);
        let watching = self.watcher.lock().map_err(poisoned)?.is_some();
        self.query(py, |p| {
            let (project, deps) = p.counts();
            to_json(&serde_json::json!({"project": project, "dependencies": deps, "updates": updates, "watching": watching}))
        })
    }

    /// Watch the project roots and re-index files as they change.
    fn watch(&self) -> PyResult<()> {
        let mut slot = self.watcher.lock().map_err(poisoned)?;
        if slot.is_some() {
            return Ok(());
        }
        let project = Arc::clone(&self.project);
        let updates = Arc::clone(&self.updates);
        let roots = self.project.read().map_err(poisoned)?.roots.clone();
        // The callback runs on notify's own thread and applies each event
        // directly: no queue between watcher and index to grow without bound.
        let mut watcher =
            notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
                let Ok(event) = event else { return };
                for path in event.paths.iter().filter(|p| is_python(p)) {
                    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        project.write().is_ok_and(|mut p| p.update(path))
                    }));
                    if result.unwrap_or(false) {
                        updates.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
            .map_err(|e| PyRuntimeError::new_err(format!("cannot start the file watcher: {e}")))?;
        for root in &roots {
            let mode = if root.is_dir() {
                RecursiveMode::Recursive
            } else {
                RecursiveMode::NonRecursive
            };
            watcher.watch(root, mode).map_err(|e| {
                PyRuntimeError::new_err(format!("cannot watch {}: {e}", root.display()))
            })?;
        }
        *slot = Some(watcher);
        Ok(())
    }

    fn unwatch(&self) -> PyResult<()> {
        self.watcher.lock().map_err(poisoned)?.take();
        Ok(())
    }
}

#[pymodule]
fn _argus(m: &Bound<'_, PyModule>) -> PyResult<()> {
    ouroboros_common::python::init_module(m, env!("CARGO_PKG_VERSION"))?;
    m.add_class::<NativeIndex>()?;
    Ok(())
}
