//! Copying formulas to other cells (the grid's fill handle and paste): the
//! engine's parser and printer move the relative references, so the page
//! never rewrites formula text itself.

use wasm_bindgen::prelude::*;

use crate::Engine;

/// Whole offsets within the sheet's size, either way.
fn offset(n: f64, limit: u32, what: &str) -> Result<i64, JsError> {
    if n.is_finite() && n.fract() == 0.0 && n.abs() < f64::from(limit) {
        #[allow(clippy::cast_possible_truncation)]
        Ok(n as i64)
    } else {
        Err(JsError::new(&format!(
            "{what} must be a whole number between -{limit} and {limit}, got {n}"
        )))
    }
}

#[wasm_bindgen]
impl Engine {
    /// `formula` (with or without its `=`) as it reads when copied `rows`
    /// down and `cols` right (negative: up, left): relative references move,
    /// `$` parts stay, references pushed off the sheet become `#REF!`.
    #[wasm_bindgen(js_name = translateFormula)]
    pub fn translate_formula(
        &self,
        formula: &str,
        rows: f64,
        cols: f64,
    ) -> Result<String, JsError> {
        let dr = offset(rows, sheet_core::MAX_ROWS, "rows")?;
        let dc = offset(cols, sheet_core::MAX_COLS, "cols")?;
        let wb = self.doc.workbook();
        let body = formula.strip_prefix('=').unwrap_or(formula);
        let expr =
            sheet_formula::parse(body, wb).map_err(|e| JsError::new(&format!("{formula}: {e}")))?;
        Ok(format!("={}", expr.translated(dr, dc).to_formula(wb)))
    }
}
