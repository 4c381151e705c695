//! CSV and XLSX import/export for the ouroboros spreadsheet engine.
//!
//! XLSX is read with calamine and written with rust_xlsxwriter: values,
//! formulas (with their computed results cached in the file, so other
//! readers see them), number formats, several sheets and defined names.
//! CSV carries the values of one sheet (formulas are written as their
//! results; a field starting with `=` is read back as a formula).
//!
//! XLSX is behind the `xlsx` feature (on by default): the engine's
//! WebAssembly module leaves it out and a second module, fetched on first
//! use, hands workbooks over as [`WorkbookData`].

// Grid positions from calamine are usize within u32 sheets; integers from
// files become f64 like every spreadsheet number.
#![allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]

use sheet_core::{parse_input, SheetError, SheetId, Value, Workbook};
use sheet_formula::value::number_to_text;

pub type Result<T> = std::result::Result<T, SheetError>;

#[cfg(feature = "xlsx")]
mod conditional;
pub mod transfer;
#[cfg(feature = "xlsx")]
mod xlsx;
#[cfg(feature = "xlsx")]
pub use conditional::read_conditional_formats;
pub use transfer::WorkbookData;
#[cfg(feature = "xlsx")]
pub use xlsx::{read_xlsx, write_xlsx, write_xlsx_data, write_xlsx_with};

fn io_error(what: &str, e: impl std::fmt::Display) -> SheetError {
    SheetError::Io(format!("{what}: {e}"))
}

/// Reads CSV text into a sheet, starting at A1 (one batch).
pub fn read_csv(workbook: &mut Workbook, sheet: SheetId, data: &[u8]) -> Result<()> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(data);
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| io_error(&format!("CSV line {}", i + 1), e))?;
        rows.push(record.iter().map(str::to_string).collect::<Vec<_>>());
    }
    workbook.begin_batch();
    let mut result = Ok(());
    'rows: for (r, fields) in rows.iter().enumerate() {
        for (c, field) in fields.iter().enumerate() {
            let (Ok(row), Ok(col)) = (u32::try_from(r), u32::try_from(c)) else {
                result = Err(SheetError::OutOfRange {
                    row: r as u64,
                    col: c as u64,
                });
                break 'rows;
            };
            if field.is_empty() {
                continue;
            }
            if let Err(e) = workbook.set_input(sheet, row, col, field) {
                result = Err(e);
                break 'rows;
            }
        }
    }
    workbook.end_batch();
    result
}

/// Writes the values of a sheet as CSV (formulas as their results).
pub fn write_csv(workbook: &Workbook, sheet: SheetId) -> Result<Vec<u8>> {
    let s = workbook
        .sheet(sheet)
        .ok_or_else(|| SheetError::NoSheet(format!("#{sheet}")))?;
    let (rows, cols) = s.extent();
    let mut writer = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    let mut grid = vec![vec![String::new(); cols as usize]; rows as usize];
    for (r, c, cell) in s.cells() {
        grid[r as usize][c as usize] = csv_text(&cell.value);
    }
    for mut line in grid {
        while line.last().is_some_and(String::is_empty) {
            line.pop();
        }
        writer.write_record(&line).map_err(|e| io_error("CSV", e))?;
    }
    writer.into_inner().map_err(|e| io_error("CSV", e))
}

fn csv_text(v: &Value) -> String {
    match v {
        Value::Number(n) => full_precision(*n),
        Value::Text(s) if parse_input(s) != *v => format!("'{s}"),
        other => other.display(),
    }
}

/// The shortest text that reads back as exactly `n`.
fn full_precision(n: f64) -> String {
    let short = number_to_text(n);
    if short.parse::<f64>().ok() == Some(n) {
        short
    } else {
        format!("{n}")
    }
}
