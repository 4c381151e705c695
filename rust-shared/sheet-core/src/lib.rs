//! The ouroboros spreadsheet engine: workbooks of sheets, Morton-ordered
//! sparse cell storage, defined names, number formats, row/column structure
//! edits, and incremental recalculation over a dependency graph.
//!
//! ```
//! use sheet_core::Workbook;
//! let mut wb = Workbook::new();
//! let s = wb.sheet_at(0).unwrap();
//! wb.set_input(s, 0, 0, "2").unwrap();
//! wb.set_input(s, 0, 1, "=A1*21").unwrap();
//! assert_eq!(wb.display(s, 0, 1), "42");
//! wb.set_input(s, 0, 0, "3").unwrap(); // only B1 is recomputed
//! assert_eq!(wb.display(s, 0, 1), "63");
//! ```

#![allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_precision_loss,
    clippy::too_many_lines,
    clippy::many_single_char_names
)]

pub mod conditional;
pub mod graph;
pub mod storage;
pub mod structure;
pub mod workbook;

pub use sheet_formula::{ErrorKind, Expr, Rect, SheetId, Value};
pub use structure::CellSnapshot;
pub use workbook::{
    parse_input, Cell, Change, FormulaText, Name, RemovedSheet, Result, Sheet, SheetError,
    Workbook, MAX_COLS, MAX_ROWS,
};
