//! Argus: a type-aware index of a Python codebase.
//!
//! - `collect`: Ruff's error-tolerant parser -> a per-file semantic model
//!   (`model`): scopes, bindings, imports, classes, signatures, uses, calls.
//! - `project`: module resolution (project roots, site-packages, typeshed
//!   stubs, stdlib; `.pyi` first), parallel indexing, incremental updates.
//! - `infer`: name resolution, MRO, type inference and narrowing, lazily.
//! - `query`: definition, references, hover, type at, symbols, diagnostics.
//!
//! No PyO3 here: the binding crate (`ouroboros-argus-py`) converts and serves.

// `match` on an Option with a multi-line `None` arm reads better than `if let ... else`.
#![allow(clippy::single_match_else)]

pub mod collect;
pub mod infer;
pub mod lines;
pub mod model;
pub mod project;
pub mod query;

pub use infer::{DefRef, Infer, Target, Ty};
pub use project::Project;
pub use query::{check_project, Diagnostic, Hover, Location, Queries, Symbol};
pub use ruff_text_size::TextSize;
