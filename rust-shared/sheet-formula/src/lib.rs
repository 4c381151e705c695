//! The formula language of the ouroboros spreadsheet engine: values and
//! Excel's coercions, A1 addresses, a parser for Excel formulas, the
//! evaluator and the built-in functions, number formats.
//!
//! The engine around it (cells, sheets, the dependency graph, incremental
//! recalculation) is `sheet-core`; it reads cells through [`eval::Grid`].

// Spreadsheet numbers are f64 and indices are u32/usize: the casts between
// them are the semantics (Excel truncates), checked where input can be out of
// range.
#![allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_precision_loss,
    clippy::cast_possible_wrap,
    clippy::float_cmp,
    clippy::too_many_lines,
    clippy::many_single_char_names,
    clippy::similar_names,
    clippy::format_push_string
)]

pub mod address;
pub mod ast;
pub mod eval;
pub mod format;
pub mod functions;
pub mod parser;
pub mod translate;
pub mod value;

pub use address::{Rect, SheetId};
pub use ast::{Expr, SheetNames, StructureEdit};
pub use eval::{Ctx, Grid};
pub use parser::{formula_shape, parse, parse_r1c1, ParseError};
pub use value::{ErrorKind, Value};

/// Rounds to `digits` decimals, halves away from zero, cleaning binary noise.
pub(crate) fn functions_round(x: f64, digits: usize) -> f64 {
    let p = 10f64.powi(i32::try_from(digits.min(30)).unwrap_or(30));
    let scaled = x * p;
    let cleaned = (scaled * 1e6).round() / 1e6;
    cleaned.round() / p
}
