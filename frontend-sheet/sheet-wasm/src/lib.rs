//! The spreadsheet engine for JavaScript. The TypeScript package `rusheet`
//! (frontend-sheet/src) wraps this class in the documented API; this layer
//! only converts arguments and turns engine errors into JavaScript `Error`s
//! with the engine's message, so bad input never reaches a panic.

// Methods are called from JavaScript, where `#[must_use]` means nothing.
#![allow(clippy::must_use_candidate)]

use sheet_core::{SheetError, SheetId, Value, MAX_COLS, MAX_ROWS};
use sheet_history::{Document, Input};
use sheet_io::WorkbookData;
use std::rc::Rc;

use wasm_bindgen::prelude::*;

// The renderer's one-call viewport read (frontend-sheet/src/grid).
mod conditional;
mod fill;
mod viewport;

fn js_error(e: &SheetError) -> JsError {
    JsError::new(&e.to_string())
}

/// What a cell holds, for `getCellData`.
#[wasm_bindgen]
pub struct CellData {
    kind: String,
    number: f64,
    text: String,
    display: String,
    formula: Option<String>,
    format: Option<String>,
    spill: Option<Vec<u32>>,
    spilled_from: Option<Vec<u32>>,
}

#[wasm_bindgen]
impl CellData {
    /// "empty", "number", "text", "boolean" or "error".
    #[wasm_bindgen(getter)]
    pub fn kind(&self) -> String {
        self.kind.clone()
    }
    /// The number (for kind "number"; 1/0 for booleans).
    #[wasm_bindgen(getter)]
    pub fn number(&self) -> f64 {
        self.number
    }
    /// The text (kind "text"), or the error literal (kind "error").
    #[wasm_bindgen(getter)]
    pub fn text(&self) -> String {
        self.text.clone()
    }
    /// What the cell shows, number format applied.
    #[wasm_bindgen(getter)]
    pub fn display(&self) -> String {
        self.display.clone()
    }
    #[wasm_bindgen(getter)]
    pub fn formula(&self) -> Option<String> {
        self.formula.clone()
    }
    #[wasm_bindgen(getter)]
    pub fn format(&self) -> Option<String> {
        self.format.clone()
    }
    /// For a formula whose array spills: [top, left, rows, cols] of the
    /// range it covers (its own cell included).
    #[wasm_bindgen(getter)]
    pub fn spill(&self) -> Option<Vec<u32>> {
        self.spill.clone()
    }
    /// For a cell showing part of a spilled array: [row, col] of its formula.
    #[wasm_bindgen(getter, js_name = spilledFrom)]
    pub fn spilled_from(&self) -> Option<Vec<u32>> {
        self.spilled_from.clone()
    }
}

/// (kind, number, text) of a value: kinds 0 empty, 1 number, 2 text,
/// 3 boolean, 4 error (text is the error literal).
fn encode(value: &Value) -> (u8, f64, String) {
    match value {
        Value::Empty => (0, 0.0, String::new()),
        Value::Number(n) => (1, *n, String::new()),
        Value::Text(s) => (2, 0.0, s.to_string()),
        Value::Bool(b) => (3, f64::from(u8::from(*b)), String::new()),
        Value::Error(e) => (4, 0.0, e.as_str().to_string()),
        Value::Array(_) => (4, 0.0, "#VALUE!".to_string()),
    }
}

/// Cell changes since the last `takeChangeEvents`, in parallel arrays:
/// per event `cells` holds (sheet index, row, col), `kinds` and `numbers`
/// (old, new), `texts` (old, new, displayed); see `encode` for the kinds.
#[wasm_bindgen]
pub struct ChangeBatch {
    cells: Vec<u32>,
    kinds: Vec<u8>,
    numbers: Vec<f64>,
    texts: Vec<String>,
}

#[wasm_bindgen]
impl ChangeBatch {
    #[wasm_bindgen(getter)]
    pub fn cells(&self) -> Vec<u32> {
        self.cells.clone()
    }
    #[wasm_bindgen(getter)]
    pub fn kinds(&self) -> Vec<u8> {
        self.kinds.clone()
    }
    #[wasm_bindgen(getter)]
    pub fn numbers(&self) -> Vec<f64> {
        self.numbers.clone()
    }
    #[wasm_bindgen(getter)]
    pub fn texts(&self) -> Vec<String> {
        self.texts.clone()
    }
}

/// A workbook with undo history.
#[wasm_bindgen]
pub struct Engine {
    doc: Document,
    sheet: SheetId,
    /// Whether changed cells are recorded (kept across `importXlsx`).
    tracking: bool,
}

impl Default for Engine {
    fn default() -> Self {
        Engine::new()
    }
}

fn position(row: f64, col: f64) -> Result<(u32, u32), JsError> {
    let ok = |v: f64, max: u32| v.is_finite() && v.fract() == 0.0 && v >= 0.0 && v < f64::from(max);
    if ok(row, MAX_ROWS) && ok(col, MAX_COLS) {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        Ok((row as u32, col as u32))
    } else {
        Err(JsError::new(&format!(
            "cell (row {row}, col {col}) is outside the sheet: rows are 0..{MAX_ROWS}, columns 0..{MAX_COLS}, whole numbers"
        )))
    }
}

/// Makes room for a large edit in one step. The allocator grows WebAssembly
/// memory 64 KiB at a time, and V8 collects garbage after growths: loading
/// 400,000 cells into a fresh module grew it some 3,000 times and took ten
/// times longer than loading them again. One allocation of what the memory
/// lacks for the expected size, freed at once, leaves that memory to the
/// allocator for what follows; memory the module already has (a workbook
/// freed before) is not reserved again.
fn make_room(cells: usize) {
    const BYTES_PER_CELL: usize = 640;
    let wanted = cells.saturating_mul(BYTES_PER_CELL).min(512 << 20);
    let bytes = wanted.saturating_sub(memory_bytes());
    if bytes >= 4 << 20 {
        let mut room: Vec<u8> = Vec::new();
        // Without the memory this is only slower, never an error.
        if room.try_reserve_exact(bytes).is_ok() {
            std::hint::black_box(&room);
        }
    }
}

#[cfg(target_arch = "wasm32")]
fn memory_bytes() -> usize {
    core::arch::wasm32::memory_size(0).saturating_mul(65536)
}

#[cfg(not(target_arch = "wasm32"))]
fn memory_bytes() -> usize {
    0
}

fn count(n: f64) -> Result<u32, JsError> {
    if n.is_finite() && n.fract() == 0.0 && n >= 1.0 && n <= f64::from(MAX_ROWS) {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        Ok(n as u32)
    } else {
        Err(JsError::new(&format!(
            "count must be a whole number from 1 to {MAX_ROWS}, got {n}"
        )))
    }
}

#[wasm_bindgen]
impl Engine {
    #[wasm_bindgen(constructor)]
    #[must_use]
    pub fn new() -> Engine {
        let doc = Document::new();
        let sheet = doc.workbook().sheet_at(0).unwrap_or(0);
        let mut e = Engine {
            doc,
            sheet,
            tracking: true,
        };
        e.doc.workbook_mut().track_changes(true);
        e
    }

    /// Records changed cells (for `takeChangeEvents`) or stops recording;
    /// recording costs a little on every recalculation.
    #[wasm_bindgen(js_name = setTrackChanges)]
    pub fn set_track_changes(&mut self, on: bool) {
        self.tracking = on;
        self.doc.workbook_mut().track_changes(on);
    }

    /// Changed cells since the last call, each once, with old and new value.
    #[wasm_bindgen(js_name = takeChangeEvents)]
    pub fn take_change_events(&mut self) -> ChangeBatch {
        let wb = self.doc.workbook_mut();
        let events = wb.take_change_events();
        let sheets: Vec<SheetId> = wb.sheets().into_iter().map(|(id, _)| id).collect();
        let mut batch = ChangeBatch {
            cells: Vec::with_capacity(events.len() * 3),
            kinds: Vec::with_capacity(events.len() * 2),
            numbers: Vec::with_capacity(events.len() * 2),
            texts: Vec::with_capacity(events.len() * 3),
        };
        for e in events {
            // A cell of a sheet removed since: nothing left to report.
            let Some(idx) = sheets.iter().position(|x| *x == e.sheet) else {
                continue;
            };
            let (ok, on, ot) = encode(&e.old);
            let (nk, nn, nt) = encode(&wb.get(e.sheet, e.row, e.col));
            batch
                .cells
                .extend([u32::try_from(idx).unwrap_or(0), e.row, e.col]);
            batch.kinds.extend([ok, nk]);
            batch.numbers.extend([on, nn]);
            batch
                .texts
                .extend([ot, nt, wb.display(e.sheet, e.row, e.col)]);
        }
        batch
    }

    /// Sets a rectangle `width` cells wide from (`top`, `left`), row by row,
    /// as one undo step: per cell a kind (0 clear, 1 number, 2 text read as
    /// typed, 3 boolean), a number, and the length of its text in UTF-16
    /// units; `texts` is every cell's text, one after the other.
    #[wasm_bindgen(js_name = setRangeInputs)]
    #[allow(clippy::too_many_arguments)]
    pub fn set_range_inputs(
        &mut self,
        top: f64,
        left: f64,
        width: f64,
        kinds: &[u8],
        numbers: &[f64],
        texts: &str,
        lengths: &[u32],
    ) -> Result<(), JsError> {
        let (r0, c0) = position(top, left)?;
        let cols = count(width)?;
        if numbers.len() != kinds.len() || lengths.len() != kinds.len() {
            return Err(JsError::new(
                "kinds, numbers and lengths must have one entry per cell",
            ));
        }
        let cells = u32::try_from(kinds.len()).unwrap_or(u32::MAX);
        if cells > 0 {
            let last = cells - 1;
            position(
                f64::from(r0) + f64::from(last / cols),
                f64::from(c0) + f64::from(cols - 1),
            )?;
        }
        make_room(kinds.len());
        // One shared copy of all the texts; each cell reads its part of it.
        let shared: Rc<str> = Rc::from(texts);
        let mut at = 0usize;
        let mut inputs = Vec::with_capacity(kinds.len());
        for ((kind, number), &units) in kinds.iter().zip(numbers).zip(lengths) {
            let start = at;
            if units > 0 {
                let mut seen = 0;
                let rest = &shared[at..];
                let end = rest
                    .char_indices()
                    .find_map(|(i, c)| {
                        if seen >= units {
                            return Some(i);
                        }
                        seen += u32::try_from(c.len_utf16()).unwrap_or(2);
                        None
                    })
                    .unwrap_or(rest.len());
                if seen != units {
                    return Err(JsError::new("texts are shorter than their lengths"));
                }
                at += end;
            }
            let range =
                u32::try_from(start).unwrap_or(u32::MAX)..u32::try_from(at).unwrap_or(u32::MAX);
            inputs.push(match kind {
                0 => Input::Clear,
                1 => Input::Value(Value::number(*number)),
                3 => Input::Value(Value::Bool(*number != 0.0)),
                _ => Input::TypedPart(shared.clone(), range),
            });
        }
        self.doc
            .set_block(self.sheet, r0, c0, cols, inputs)
            .map_err(|e| js_error(&e))
    }

    /// Sets a cell from text as a user types it (`=A1*2`, `12.5`, `TRUE`, `hello`).
    #[wasm_bindgen(js_name = setInput)]
    pub fn set_input(&mut self, row: f64, col: f64, input: &str) -> Result<(), JsError> {
        let (r, c) = position(row, col)?;
        self.doc
            .set_input(self.sheet, r, c, input)
            .map_err(|e| js_error(&e))
    }

    /// Sets a formula written in R1C1 notation (`=R[-1]C*2`).
    #[wasm_bindgen(js_name = setFormulaR1C1)]
    pub fn set_formula_r1c1(&mut self, row: f64, col: f64, formula: &str) -> Result<(), JsError> {
        let (r, c) = position(row, col)?;
        self.doc
            .set_formula_r1c1(self.sheet, r, c, formula)
            .map_err(|e| js_error(&e))
    }

    /// The formula of a cell in R1C1 notation (undefined for a constant).
    #[wasm_bindgen(js_name = getFormulaR1C1)]
    pub fn get_formula_r1c1(&self, row: f64, col: f64) -> Result<Option<String>, JsError> {
        let (r, c) = position(row, col)?;
        Ok(self.doc.workbook().formula_r1c1(self.sheet, r, c))
    }

    #[wasm_bindgen(js_name = setNumber)]
    pub fn set_number(&mut self, row: f64, col: f64, value: f64) -> Result<(), JsError> {
        let (r, c) = position(row, col)?;
        self.doc
            .set_value(self.sheet, r, c, Value::number(value))
            .map_err(|e| js_error(&e))
    }

    #[wasm_bindgen(js_name = setText)]
    pub fn set_text(&mut self, row: f64, col: f64, value: &str) -> Result<(), JsError> {
        let (r, c) = position(row, col)?;
        self.doc
            .set_value(self.sheet, r, c, Value::from(value))
            .map_err(|e| js_error(&e))
    }

    #[wasm_bindgen(js_name = setBoolean)]
    pub fn set_boolean(&mut self, row: f64, col: f64, value: bool) -> Result<(), JsError> {
        let (r, c) = position(row, col)?;
        self.doc
            .set_value(self.sheet, r, c, Value::Bool(value))
            .map_err(|e| js_error(&e))
    }

    pub fn clear(&mut self, row: f64, col: f64) -> Result<(), JsError> {
        let (r, c) = position(row, col)?;
        self.doc.clear(self.sheet, r, c).map_err(|e| js_error(&e))
    }

    #[wasm_bindgen(js_name = setFormat)]
    pub fn set_format(
        &mut self,
        row: f64,
        col: f64,
        format: Option<String>,
    ) -> Result<(), JsError> {
        let (r, c) = position(row, col)?;
        self.doc
            .set_format(self.sheet, r, c, format.as_deref())
            .map_err(|e| js_error(&e))
    }

    #[wasm_bindgen(js_name = getCell)]
    pub fn get_cell(&self, row: f64, col: f64) -> Result<CellData, JsError> {
        let (r, c) = position(row, col)?;
        let wb = self.doc.workbook();
        let value = wb.get(self.sheet, r, c);
        let (kind, number, text) = match &value {
            Value::Empty => ("empty", 0.0, String::new()),
            Value::Number(n) => ("number", *n, String::new()),
            Value::Text(s) => ("text", 0.0, s.to_string()),
            Value::Bool(b) => ("boolean", f64::from(u8::from(*b)), String::new()),
            Value::Error(e) => ("error", 0.0, e.as_str().to_string()),
            Value::Array(_) => ("error", 0.0, "#VALUE!".to_string()),
        };
        Ok(CellData {
            kind: kind.to_string(),
            number,
            text,
            display: wb.display(self.sheet, r, c),
            formula: wb.formula(self.sheet, r, c),
            format: wb.format(self.sheet, r, c).map(|f| f.to_string()),
            spill: wb
                .spill_range(self.sheet, r, c)
                .map(|x| vec![x.r1, x.c1, x.rows(), x.cols()]),
            spilled_from: wb
                .spill_anchor(self.sheet, r, c)
                .map(|(ar, ac)| vec![ar, ac]),
        })
    }

    /// Values of a rectangle as displayed text, row-major.
    #[wasm_bindgen(js_name = getRangeDisplay)]
    pub fn get_range_display(
        &self,
        row: f64,
        col: f64,
        rows: f64,
        cols: f64,
    ) -> Result<Vec<String>, JsError> {
        let (r, c) = position(row, col)?;
        let (h, w) = (count(rows)?, count(cols)?);
        if u64::from(h) * u64::from(w) > 1_000_000 {
            return Err(JsError::new("at most 1,000,000 cells per range read"));
        }
        let (r2, c2) = position(
            f64::from(r) + f64::from(h) - 1.0,
            f64::from(c) + f64::from(w) - 1.0,
        )?;
        let wb = self.doc.workbook();
        let mut out = Vec::with_capacity((h * w) as usize);
        for rr in r..=r2 {
            for cc in c..=c2 {
                out.push(wb.display(self.sheet, rr, cc));
            }
        }
        Ok(out)
    }

    /// Opens a transaction: edits until `commit` are one undo step and are
    /// recalculated once.
    pub fn begin(&mut self) {
        self.doc.begin();
    }

    pub fn commit(&mut self) {
        self.doc.commit();
    }

    pub fn undo(&mut self) -> bool {
        let done = self.doc.undo();
        self.keep_active();
        done
    }

    pub fn redo(&mut self) -> bool {
        let done = self.doc.redo();
        self.keep_active();
        done
    }

    #[wasm_bindgen(js_name = canUndo)]
    pub fn can_undo(&self) -> bool {
        self.doc.can_undo()
    }

    #[wasm_bindgen(js_name = canRedo)]
    pub fn can_redo(&self) -> bool {
        self.doc.can_redo()
    }

    /// Cells changed since the last call, flattened as [sheetIndex, row, col, ...].
    #[wasm_bindgen(js_name = takeChanges)]
    pub fn take_changes(&mut self) -> Vec<u32> {
        let wb = self.doc.workbook_mut();
        let changes = wb.take_changes();
        let sheets: Vec<SheetId> = wb.sheets().into_iter().map(|(id, _)| id).collect();
        let mut out = Vec::with_capacity(changes.len() * 3);
        for (s, r, c) in changes {
            let idx = sheets.iter().position(|x| *x == s).unwrap_or(0);
            out.extend([u32::try_from(idx).unwrap_or(0), r, c]);
        }
        out
    }

    #[wasm_bindgen(js_name = insertRows)]
    pub fn insert_rows(&mut self, at: f64, n: f64) -> Result<(), JsError> {
        let (r, _) = position(at, 0.0)?;
        self.doc
            .insert_rows(self.sheet, r, count(n)?)
            .map_err(|e| js_error(&e))
    }

    #[wasm_bindgen(js_name = deleteRows)]
    pub fn delete_rows(&mut self, at: f64, n: f64) -> Result<(), JsError> {
        let (r, _) = position(at, 0.0)?;
        self.doc
            .delete_rows(self.sheet, r, count(n)?)
            .map_err(|e| js_error(&e))
    }

    #[wasm_bindgen(js_name = insertCols)]
    pub fn insert_cols(&mut self, at: f64, n: f64) -> Result<(), JsError> {
        let (_, c) = position(0.0, at)?;
        self.doc
            .insert_cols(self.sheet, c, count(n)?)
            .map_err(|e| js_error(&e))
    }

    #[wasm_bindgen(js_name = deleteCols)]
    pub fn delete_cols(&mut self, at: f64, n: f64) -> Result<(), JsError> {
        let (_, c) = position(0.0, at)?;
        self.doc
            .delete_cols(self.sheet, c, count(n)?)
            .map_err(|e| js_error(&e))
    }

    #[wasm_bindgen(js_name = sheetNames)]
    pub fn sheet_names(&self) -> Vec<String> {
        self.doc
            .workbook()
            .sheets()
            .into_iter()
            .map(|(_, n)| n)
            .collect()
    }

    #[wasm_bindgen(js_name = addSheet)]
    pub fn add_sheet(&mut self, name: &str) -> Result<u32, JsError> {
        self.doc.add_sheet(name).map_err(|e| js_error(&e))?;
        Ok(u32::try_from(self.doc.workbook().sheets().len() - 1).unwrap_or(0))
    }

    /// Makes the sheet at `index` the one cell calls address.
    #[wasm_bindgen(js_name = setActiveSheet)]
    pub fn set_active_sheet(&mut self, index: u32) -> Result<(), JsError> {
        self.sheet = self
            .doc
            .workbook()
            .sheet_at(index as usize)
            .ok_or_else(|| JsError::new(&format!("no sheet at index {index}")))?;
        Ok(())
    }

    #[wasm_bindgen(js_name = defineName)]
    pub fn define_name(&mut self, name: &str, formula: &str) -> Result<(), JsError> {
        self.doc
            .define_name(name, formula)
            .map_err(|e| js_error(&e))
    }

    /// Removes a defined name; false when it was not defined.
    #[wasm_bindgen(js_name = removeName)]
    pub fn remove_name(&mut self, name: &str) -> bool {
        self.doc.remove_name(name)
    }

    fn sheet_id_at(&self, index: u32) -> Result<SheetId, JsError> {
        self.doc
            .workbook()
            .sheet_at(index as usize)
            .ok_or_else(|| JsError::new(&format!("no sheet at index {index}")))
    }

    #[wasm_bindgen(js_name = renameSheet)]
    pub fn rename_sheet(&mut self, index: u32, name: &str) -> Result<(), JsError> {
        let id = self.sheet_id_at(index)?;
        self.doc.rename_sheet(id, name).map_err(|e| js_error(&e))
    }

    /// Removes the sheet at `index` (undoable); the first sheet becomes
    /// active if it was the active one.
    #[wasm_bindgen(js_name = removeSheet)]
    pub fn remove_sheet(&mut self, index: u32) -> Result<(), JsError> {
        let id = self.sheet_id_at(index)?;
        self.doc.remove_sheet(id).map_err(|e| js_error(&e))?;
        self.keep_active();
        Ok(())
    }

    /// The index of the sheet cell calls address.
    #[wasm_bindgen(js_name = activeSheet)]
    pub fn active_sheet(&self) -> u32 {
        let wb = self.doc.workbook();
        let pos = wb
            .sheets()
            .iter()
            .position(|(id, _)| *id == self.sheet)
            .unwrap_or(0);
        u32::try_from(pos).unwrap_or(0)
    }

    /// After a sheet disappeared (removal, undo of its addition), the first
    /// sheet becomes active.
    fn keep_active(&mut self) {
        let wb = self.doc.workbook();
        if wb.sheet(self.sheet).is_none() {
            self.sheet = wb.sheet_at(0).unwrap_or(0);
        }
    }

    /// Sets the clock NOW()/TODAY() read, in milliseconds since 1970 (Date.now()).
    #[wasm_bindgen(js_name = setNow)]
    pub fn set_now(&mut self, unix_ms: f64) {
        // 25569 is the Excel serial of 1970-01-01.
        self.doc
            .workbook_mut()
            .set_now(unix_ms / 86_400_000.0 + 25_569.0);
    }

    /// Recomputes every formula.
    #[wasm_bindgen(js_name = recalculate)]
    pub fn recalculate(&mut self) {
        self.doc.workbook_mut().recalculate_all();
    }

    #[wasm_bindgen(js_name = importCsv)]
    pub fn import_csv(&mut self, data: &[u8]) -> Result<(), JsError> {
        sheet_io::read_csv(self.doc.workbook_mut(), self.sheet, data).map_err(|e| js_error(&e))
    }

    #[wasm_bindgen(js_name = exportCsv)]
    pub fn export_csv(&self) -> Result<Vec<u8>, JsError> {
        sheet_io::write_csv(self.doc.workbook(), self.sheet).map_err(|e| js_error(&e))
    }

    /// Replaces the workbook with one handed over by the XLSX module
    /// (`sheet_io::transfer` form; clears the undo history).
    #[wasm_bindgen(js_name = importTransfer)]
    pub fn import_transfer(&mut self, data: &[u8]) -> Result<(), JsError> {
        let data = WorkbookData::decode(data).map_err(|e| js_error(&e))?;
        make_room(data.sheets.iter().map(|s| s.cells.len()).sum());
        let (mut wb, conditional) = data.build().map_err(|e| js_error(&e))?;
        wb.track_changes(self.tracking);
        self.sheet = wb.sheet_at(0).unwrap_or(0);
        self.doc = Document::from_workbook(wb);
        *self.doc.conditional_mut() = conditional;
        Ok(())
    }

    /// Switches the date system: true counts dates from 1904-01-01.
    #[wasm_bindgen(js_name = setDate1904)]
    pub fn set_date1904(&mut self, on: bool) {
        self.doc.workbook_mut().set_date1904(on);
    }

    /// Whether the workbook uses the 1904 date system.
    #[wasm_bindgen(js_name = date1904)]
    pub fn date1904(&self) -> bool {
        self.doc.workbook().date1904()
    }

    /// The workbook for the XLSX module (`sheet_io::transfer` form).
    #[wasm_bindgen(js_name = exportTransfer)]
    pub fn export_transfer(&self) -> Vec<u8> {
        WorkbookData::of(self.doc.workbook(), self.doc.conditional()).encode()
    }
}
