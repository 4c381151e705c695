//! Test files under the paths a user names.
//!
//! A file is a test file when its name is `test_*.py` or `*_test.py`, as in
//! pytest. Folders that never hold a project's tests (virtual environments,
//! caches, VCS data, node_modules) are not entered. A symlink loop or an
//! unreadable folder is skipped, not fatal.

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::{Error, Result};

const SKIPPED_DIRS: &[&str] = &[
    "__pycache__",
    "node_modules",
    "site-packages",
    "build",
    "dist",
    "target",
];

/// Whether a file name is a test file name.
#[must_use]
pub fn is_test_file(name: &str) -> bool {
    let Some(stem) = name.strip_suffix(".py") else {
        return false;
    };
    stem.starts_with("test_") || stem.ends_with("_test")
}

fn skipped_dir(name: &str) -> bool {
    (name.starts_with('.') && name.len() > 1)
        || SKIPPED_DIRS.contains(&name)
        || name.ends_with(".egg-info")
}

/// Every test file under `paths`, sorted and without duplicates.
///
/// A path that is a file is taken as a test file whatever its name, as pytest
/// does. A path that does not exist is a usage error naming it.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    for path in paths {
        if !path.exists() {
            return Err(Error::Usage(format!(
                "file or directory not found: {}",
                path.display()
            )));
        }
        if path.is_file() {
            found.push(normalise(path));
            continue;
        }
        let walker = WalkDir::new(path)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter();
        let walker = walker.filter_entry(|e| {
            e.depth() == 0
                || !e.file_type().is_dir()
                || !skipped_dir(&e.file_name().to_string_lossy())
        });
        for entry in walker.flatten() {
            if entry.file_type().is_file() && is_test_file(&entry.file_name().to_string_lossy()) {
                found.push(normalise(entry.path()));
            }
        }
    }
    found.sort();
    found.dedup();
    Ok(found)
}

fn normalise(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

/// `path` relative to `root` with `/` separators, for ids and reports.
#[must_use]
pub fn relative_id(path: &Path, root: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.to_string_lossy().replace('\\', "/")
}
