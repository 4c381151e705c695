//! One-call reads for renderers: everything a canvas grid needs to draw the
//! visible rectangle comes back in one string, so a frame costs one
//! JavaScript/WebAssembly crossing and one UTF-8 decode, not one per cell.

use sheet_core::Value;
use wasm_bindgen::prelude::*;

use crate::{count, position, Engine};

/// Separates cells in [`Engine::viewport`]'s result (ASCII unit separator,
/// which cell text cannot usefully contain).
pub const CELL_SEPARATOR: char = '\u{1f}';

/// At most this many cells per viewport read (a 4K screen of small cells is
/// about 20,000).
pub const MAX_VIEWPORT_CELLS: u32 = 200_000;

#[wasm_bindgen]
impl Engine {
    /// The visible rectangle of the active sheet, row-major, as one string:
    /// for each cell a kind letter (`e` empty, `n` number, `s` text, `b`
    /// boolean, `x` error) followed by what the cell shows (number format
    /// applied), each cell ended by U+001F. Rows or columns past the sheet's
    /// edge are cut off rather than refused.
    pub fn viewport(&self, top: f64, left: f64, rows: f64, cols: f64) -> Result<String, JsError> {
        let (r0, c0) = position(top, left)?;
        let (h, w) = (count(rows)?, count(cols)?);
        if u64::from(h) * u64::from(w) > u64::from(MAX_VIEWPORT_CELLS) {
            return Err(JsError::new(&format!(
                "at most {MAX_VIEWPORT_CELLS} cells per viewport read, asked for {h} x {w}"
            )));
        }
        let r1 = r0.saturating_add(h).min(sheet_core::MAX_ROWS);
        let c1 = c0.saturating_add(w).min(sheet_core::MAX_COLS);
        let wb = self.doc.workbook();
        let mut out = String::with_capacity(((r1 - r0) * (c1 - c0) * 2) as usize);
        for r in r0..r1 {
            for c in c0..c1 {
                let kind = match wb.get(self.sheet, r, c) {
                    Value::Empty => 'e',
                    Value::Number(_) => 'n',
                    Value::Text(_) => 's',
                    Value::Bool(_) => 'b',
                    Value::Error(_) | Value::Array(_) => 'x',
                };
                out.push(kind);
                if kind != 'e' {
                    out.push_str(&wb.display(self.sheet, r, c));
                }
                out.push(CELL_SEPARATOR);
            }
        }
        Ok(out)
    }

    /// What re-creates the cell when typed: its formula with `=`, or its
    /// value as text (`'` first when text would read as something else).
    /// The formula bar shows this.
    #[wasm_bindgen(js_name = getInput)]
    pub fn get_input(&self, row: f64, col: f64) -> Result<String, JsError> {
        let (r, c) = position(row, col)?;
        Ok(self.doc.workbook().input(self.sheet, r, c))
    }
}
