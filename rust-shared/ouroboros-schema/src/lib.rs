//! The validation core of ouroboros.
//!
//! A model's description (the plain data `ouroboros.validation` attaches to
//! every `BaseModel` subclass as `__ouroboros_schema__`) is compiled once into
//! a tree of validators; every wheel that needs to validate or serialize
//! models (validation, api, mongodb, postgres) compiles the same description
//! with this crate inside its own extension. See README.md for the contract.
//!
//! The pure-Rust parts (error vocabulary, lax coercions, constraints, JSON
//! output) need no Python and are tested with `cargo test`; the `python`
//! feature adds [`python::SchemaValidator`].

pub mod coerce;
pub mod constraints;
pub mod errors;
pub mod json_cursor;
pub mod json_out;

#[cfg(feature = "python")]
pub mod python;

pub use errors::{CtxValue, ErrorType, LocItem};
