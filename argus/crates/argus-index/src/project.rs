//! The project: every indexed file, module resolution, indexing and updates.
//!
//! Files under the project roots are indexed eagerly and in parallel (rayon).
//! Modules they import from the search paths (a venv's site-packages, the
//! typeshed stdlib stubs shipped with Argus, the interpreter's stdlib) are
//! indexed as the import closure needs them, `.pyi` before `.py` in each path.

use std::collections::VecDeque;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::collect;
use crate::model::{FileId, ImportTarget, ModuleData};

/// Files above this size are recorded but not parsed.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;
/// Directories never descended into.
const SKIP_DIRS: &[&str] = &[
    "__pycache__",
    "node_modules",
    "site-packages",
    "target",
    "build",
    "dist",
];

#[derive(Debug, Default)]
pub struct Project {
    pub roots: Vec<PathBuf>,
    pub search_paths: Vec<PathBuf>,
    pub files: Vec<Option<Arc<ModuleData>>>,
    pub by_path: FxHashMap<PathBuf, FileId>,
    pub by_module: FxHashMap<String, FileId>,
    /// Module names looked up in the search paths and not found.
    missing: FxHashSet<String>,
}

/// What a path on disk is, as a module.
struct Candidate {
    path: PathBuf,
    module: String,
    is_package: bool,
    in_project: bool,
}

fn read_and_collect(c: &Candidate) -> ModuleData {
    let result = std::panic::catch_unwind(|| {
        if c.path.is_dir() {
            // A namespace package: no file of its own.
            return collect::collect(&c.path, &c.module, true, String::new(), c.in_project);
        }
        let meta = match fs::metadata(&c.path) {
            Ok(m) => m,
            Err(e) => {
                return collect::skipped(
                    &c.path,
                    &c.module,
                    c.is_package,
                    c.in_project,
                    format!("cannot read: {e}"),
                )
            }
        };
        if meta.len() > MAX_FILE_BYTES {
            let reason = format!(
                "not indexed: {} bytes is above the {MAX_FILE_BYTES}-byte limit",
                meta.len()
            );
            return collect::skipped(&c.path, &c.module, c.is_package, c.in_project, reason);
        }
        match fs::read(&c.path) {
            Ok(bytes) if bytes.iter().take(8192).any(|&b| b == 0) => collect::skipped(
                &c.path,
                &c.module,
                c.is_package,
                c.in_project,
                "not indexed: binary file (NUL bytes)".to_string(),
            ),
            Ok(bytes) => {
                let source = String::from_utf8(bytes)
                    .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
                collect::collect(&c.path, &c.module, c.is_package, source, c.in_project)
            }
            Err(e) => collect::skipped(
                &c.path,
                &c.module,
                c.is_package,
                c.in_project,
                format!("cannot read: {e}"),
            ),
        }
    });
    result.unwrap_or_else(|_| {
        collect::skipped(
            &c.path,
            &c.module,
            c.is_package,
            c.in_project,
            "internal error while indexing".to_string(),
        )
    })
}

fn is_source(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "py" || e == "pyi")
}

/// Walk a root for Python files, following symlinks once (loops are cut by
/// remembering each directory's canonical path).
fn walk(root: &Path, out: &mut Vec<PathBuf>) {
    let mut seen = FxHashSet::default();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(canonical) = fs::canonicalize(&dir) else {
            continue;
        };
        if !seen.insert(canonical) {
            continue;
        }
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
        entries.sort_by_key(std::fs::DirEntry::file_name);
        for entry in entries {
            let path = entry.path();
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let Ok(meta) = fs::metadata(&path) else {
                continue;
            };
            if meta.is_dir() {
                if name.starts_with('.')
                    || SKIP_DIRS.contains(&name.as_ref())
                    || path.join("pyvenv.cfg").exists()
                {
                    continue;
                }
                stack.push(path);
            } else if is_source(&path) {
                out.push(path);
            }
        }
    }
}

/// Module name of a file under a root (`pkg/mod.py` -> `pkg.mod`).
///
/// A root that is itself a package (has `__init__.py`) is named from the
/// folder above it, so `argus check mypkg/` sees `mypkg.sub`, not `sub`.
fn module_name(root: &Path, path: &Path) -> Option<(String, bool)> {
    let mut base = root;
    while base.join("__init__.py").is_file() || base.join("__init__.pyi").is_file() {
        match base.parent() {
            Some(parent) => base = parent,
            None => break,
        }
    }
    let rel = path.strip_prefix(base).ok()?;
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop()?;
    let stem = last
        .rsplit_once('.')
        .map_or(last.as_str(), |(s, _)| s)
        .to_string();
    let is_package = stem == "__init__";
    if !is_package {
        parts.push(stem);
    }
    Some((parts.join("."), is_package))
}

impl Project {
    /// Index every Python file under `roots`, then the modules they import.
    #[must_use]
    pub fn index(roots: Vec<PathBuf>, search_paths: Vec<PathBuf>) -> Self {
        let mut project = Self {
            roots,
            search_paths,
            ..Self::default()
        };
        let mut candidates = Vec::new();
        for root in &project.roots {
            let mut files = Vec::new();
            if root.is_file() {
                files.push(root.clone());
            } else {
                walk(root, &mut files);
            }
            for path in files {
                let base = if root.is_file() {
                    root.parent().unwrap_or(root)
                } else {
                    root
                };
                if let Some((module, is_package)) = module_name(base, &path) {
                    candidates.push(Candidate {
                        path,
                        module,
                        is_package,
                        in_project: true,
                    });
                }
            }
        }
        // Namespace packages: folders holding modules but no __init__.
        let mut names: FxHashSet<String> = candidates.iter().map(|c| c.module.clone()).collect();
        let mut namespaces = Vec::new();
        for c in &candidates {
            let mut prefix = c.module.as_str();
            let mut dir = c.path.parent().map(Path::to_path_buf);
            if c.is_package {
                dir = dir.and_then(|d| d.parent().map(Path::to_path_buf));
            }
            while let Some((head, _)) = prefix.rsplit_once('.') {
                prefix = head;
                let Some(d) = dir.clone() else { break };
                if names.insert(prefix.to_string()) {
                    namespaces.push(Candidate {
                        path: d.clone(),
                        module: prefix.to_string(),
                        is_package: true,
                        in_project: true,
                    });
                }
                dir = d.parent().map(Path::to_path_buf);
            }
        }
        candidates.extend(namespaces);
        let modules: Vec<ModuleData> = candidates.par_iter().map(read_and_collect).collect();
        for m in modules {
            project.insert(m);
        }
        project.load_imports();
        project
    }

    fn insert(&mut self, m: ModuleData) -> FileId {
        let id = FileId::try_from(self.files.len()).unwrap_or(FileId::MAX);
        let prefer = match self.by_module.get(&m.name).and_then(|&f| self.file(f)) {
            // A stub wins over its source; a project file over a dependency.
            Some(old) => {
                (m.is_stub && !old.is_stub)
                    || (m.in_project && !old.in_project)
                    || old.path.is_dir()
            }
            None => true,
        };
        if prefer {
            self.by_module.insert(m.name.clone(), id);
        }
        self.by_path.insert(m.path.clone(), id);
        self.files.push(Some(Arc::new(m)));
        id
    }

    #[must_use]
    pub fn file(&self, id: FileId) -> Option<&ModuleData> {
        self.files.get(id as usize).and_then(|f| f.as_deref())
    }

    pub fn iter_files(&self) -> impl Iterator<Item = (FileId, &ModuleData)> {
        self.files
            .iter()
            .enumerate()
            .filter_map(|(i, f)| f.as_deref().map(|m| (FileId::try_from(i).unwrap_or(0), m)))
    }

    #[must_use]
    pub fn module(&self, name: &str) -> Option<FileId> {
        self.by_module.get(name).copied()
    }

    /// Find a module in the search paths: `.pyi` first, then `.py`, then a
    /// namespace folder.
    fn find(&self, name: &str) -> Option<Candidate> {
        if name.is_empty()
            || name
                .split('.')
                .any(|p| p.is_empty() || p.contains(['/', '\\']))
        {
            return None;
        }
        let parts: Vec<&str> = name.split('.').collect();
        let mut namespace = None;
        for sp in &self.search_paths {
            let mut base = sp.clone();
            for p in &parts {
                base.push(p);
            }
            let mut stubs = sp.join(format!("{}-stubs", parts[0]));
            for p in &parts[1..] {
                stubs.push(p);
            }
            let options = [
                (base.with_extension("pyi"), false),
                (base.join("__init__.pyi"), true),
                (stubs.with_extension("pyi"), false),
                (stubs.join("__init__.pyi"), true),
                (base.with_extension("py"), false),
                (base.join("__init__.py"), true),
            ];
            for (path, is_package) in options {
                if path.is_file() {
                    return Some(Candidate {
                        path,
                        module: name.to_string(),
                        is_package,
                        in_project: false,
                    });
                }
            }
            if namespace.is_none() && base.is_dir() {
                namespace = Some(Candidate {
                    path: base,
                    module: name.to_string(),
                    is_package: true,
                    in_project: false,
                });
            }
        }
        namespace
    }

    /// Index the modules imported by indexed files, transitively.
    fn load_imports(&mut self) {
        let mut queue: VecDeque<String> = VecDeque::new();
        queue.push_back("builtins".into());
        queue.push_back("typing".into());
        for (_, m) in self.iter_files() {
            Self::imported_names(m, &mut queue);
        }
        self.load_queue(queue);
    }

    fn imported_names(m: &ModuleData, queue: &mut VecDeque<String>) {
        for i in &m.imports {
            queue.push_back(i.module.clone());
        }
        for d in &m.defs {
            if let Some(ImportTarget::Member { module, name }) = &d.import {
                queue.push_back(format!("{module}.{name}"));
            }
        }
        for s in &m.scopes {
            queue.extend(s.star_imports.iter().cloned());
        }
    }

    fn load_queue(&mut self, mut queue: VecDeque<String>) {
        let mut requested: FxHashSet<String> = FxHashSet::default();
        while !queue.is_empty() {
            let mut batch = Vec::new();
            while let Some(name) = queue.pop_front() {
                let parts: Vec<&str> = name.split('.').collect();
                for n in 1..=parts.len() {
                    let prefix = parts[..n].join(".");
                    if self.by_module.contains_key(&prefix)
                        || self.missing.contains(&prefix)
                        || !requested.insert(prefix.clone())
                    {
                        continue;
                    }
                    match self.find(&prefix) {
                        Some(c) => batch.push(c),
                        None => {
                            self.missing.insert(prefix);
                            break;
                        }
                    }
                }
            }
            let modules: Vec<ModuleData> = batch.par_iter().map(read_and_collect).collect();
            for m in modules {
                Self::imported_names(&m, &mut queue);
                self.insert(m);
            }
        }
    }

    /// Re-index one file after it changed, appeared or disappeared.
    /// Returns true when the project changed.
    pub fn update(&mut self, path: &Path) -> bool {
        self.update_with(path, None)
    }

    /// Re-index one file from text an editor holds (not yet saved).
    pub fn update_source(&mut self, path: &Path, source: String) -> bool {
        self.update_with(path, Some(source))
    }

    fn update_with(&mut self, path: &Path, source: Option<String>) -> bool {
        let existing = self.by_path.get(path).copied();
        if source.is_none() && !path.exists() {
            let Some(id) = existing else { return false };
            if let Some(old) = self.files[id as usize].take() {
                self.by_path.remove(path);
                if self.by_module.get(&old.name) == Some(&id) {
                    self.by_module.remove(&old.name);
                }
            }
            return true;
        }
        if !is_source(path) {
            return false;
        }
        let candidate = match existing.and_then(|id| self.file(id)) {
            Some(old) => Candidate {
                path: path.to_path_buf(),
                module: old.name.clone(),
                is_package: old.is_package,
                in_project: old.in_project,
            },
            None => {
                let Some(root) = self.roots.iter().find(|r| path.starts_with(r)) else {
                    return false;
                };
                let Some((module, is_package)) = module_name(root, path) else {
                    return false;
                };
                Candidate {
                    path: path.to_path_buf(),
                    module,
                    is_package,
                    in_project: true,
                }
            }
        };
        let data = match source {
            Some(text) => collect::collect(
                &candidate.path,
                &candidate.module,
                candidate.is_package,
                text,
                candidate.in_project,
            ),
            None => read_and_collect(&candidate),
        };
        let mut queue = VecDeque::new();
        Self::imported_names(&data, &mut queue);
        match existing {
            Some(id) => {
                self.by_module.insert(data.name.clone(), id);
                self.files[id as usize] = Some(Arc::new(data));
            }
            None => {
                self.missing.clear();
                self.insert(data);
            }
        }
        self.load_queue(queue);
        true
    }

    /// Number of indexed files (project, dependencies).
    #[must_use]
    pub fn counts(&self) -> (usize, usize) {
        let mut project = 0;
        let mut deps = 0;
        for (_, m) in self.iter_files() {
            if m.in_project {
                project += 1;
            } else {
                deps += 1;
            }
        }
        (project, deps)
    }
}
