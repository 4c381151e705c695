//! Pieces every ouroboros wheel shares.
//!
//! Each wheel is its own shared object with its own copy of this crate, so the
//! statics here (the tokio runtime above all) exist once per wheel, never once
//! per process. Nothing in this crate is meant to cross from one wheel to
//! another: data does, Rust objects do not (see docs/architecture.md).

pub mod error;
pub mod panic;
pub mod runtime;

#[cfg(feature = "python")]
pub mod python;

#[cfg(all(feature = "python", unix))]
pub mod bridge;

#[cfg(all(feature = "python", unix))]
pub mod loop_driver;

pub use error::{Error, Result};
