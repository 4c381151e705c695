//! Unlimited undo/redo for a workbook, with transactions.
//!
//! [`Document`] wraps a [`Workbook`] and records, for every edit, what it
//! needs to go back: the cells before and after a cell edit, and for a row or
//! column edit the edit itself plus the cells it deleted or rewrote. Edits
//! made between [`Document::begin`] and [`Document::commit`] are one
//! transaction: one undo step, recalculated once.

use std::collections::BTreeMap;

use sheet_core::conditional::{ConditionalFormat, ConditionalFormats};
use sheet_core::{
    Cell, CellSnapshot, FormulaText, Rect, RemovedSheet, Result, SheetId, Value, Workbook,
};
use sheet_formula::StructureEdit;

/// What one cell of a block edit is set to (see [`Document::set_block`]).
#[derive(Clone, Debug, PartialEq)]
pub enum Input {
    /// Clears the value and formula (the format stays).
    Clear,
    /// A constant.
    Value(Value),
    /// Text as a user types it (`=` starts a formula).
    Typed(String),
    /// Typed text given as a part (byte range) of one text shared by the
    /// cells of a block: a block of many texts (a paste, a load) is one
    /// allocation instead of one per cell. A range that is not inside the
    /// text, or not on character boundaries, reads as empty text.
    TypedPart(std::rc::Rc<str>, std::ops::Range<u32>),
}

impl Input {
    /// The typed text of a `Typed` or `TypedPart` input.
    #[must_use]
    pub fn typed(&self) -> Option<&str> {
        match self {
            Input::Typed(t) => Some(t),
            Input::TypedPart(text, range) => Some(
                text.get(range.start as usize..range.end as usize)
                    .unwrap_or(""),
            ),
            Input::Clear | Input::Value(_) => None,
        }
    }
}

/// One reversible change.
#[derive(Clone, Debug)]
enum Op {
    /// A cell went from `before` to `after`.
    Cell {
        sheet: SheetId,
        row: u32,
        col: u32,
        before: Cell,
        after: Cell,
    },
    /// Rows/columns inserted or deleted; `restore` are the cells an undo
    /// puts back after the inverse edit.
    Structure {
        edit: StructureEdit,
        restore: Vec<CellSnapshot>,
        /// Every sheet's conditional formats before the edit (they move
        /// with it; undo puts these back).
        formats: BTreeMap<SheetId, ConditionalFormats>,
    },
    /// A block of cells set from `inputs` (row by row, `width` wide); `before`
    /// holds the cells of the block that were not empty. Redo applies the
    /// inputs again, so a large paste keeps one copy of what was typed
    /// instead of two snapshots per cell.
    Block {
        sheet: SheetId,
        top: u32,
        left: u32,
        width: u32,
        inputs: Vec<Input>,
        before: Vec<(u32, u32, Cell)>,
    },
    /// A sheet added (`added`) or removed; `taken` holds it while it is out
    /// of the workbook.
    Sheet {
        id: SheetId,
        added: bool,
        taken: Option<Box<RemovedSheet>>,
    },
    /// A sheet renamed; `texts` are the typed formula texts the rename
    /// dropped, given back by undo.
    Rename {
        id: SheetId,
        before: String,
        after: String,
        texts: Vec<FormulaText>,
    },
    /// A defined name's formula before and after (None: not defined).
    Name {
        name: String,
        before: Option<String>,
        after: Option<String>,
    },
}

/// A workbook with an undo history.
#[derive(Default)]
pub struct Document {
    workbook: Workbook,
    undo: Vec<Vec<Op>>,
    redo: Vec<Vec<Op>>,
    open: Option<Vec<Op>>,
    depth: u32,
    conditional: BTreeMap<SheetId, ConditionalFormats>,
}

impl Document {
    #[must_use]
    pub fn new() -> Document {
        Document::from_workbook(Workbook::new())
    }

    /// Starts a history on an existing workbook (an import, say).
    #[must_use]
    pub fn from_workbook(workbook: Workbook) -> Document {
        Document {
            workbook,
            undo: Vec::new(),
            redo: Vec::new(),
            open: None,
            depth: 0,
            conditional: BTreeMap::new(),
        }
    }

    #[must_use]
    pub fn workbook(&self) -> &Workbook {
        &self.workbook
    }

    /// Direct access to the workbook; edits made through it are not recorded.
    pub fn workbook_mut(&mut self) -> &mut Workbook {
        &mut self.workbook
    }

    #[must_use]
    pub fn into_workbook(self) -> Workbook {
        self.workbook
    }

    /// Opens a transaction (they nest; the outermost commit closes it).
    pub fn begin(&mut self) {
        if self.depth == 0 {
            self.open = Some(Vec::new());
            self.workbook.begin_batch();
        }
        self.depth += 1;
    }

    /// Closes a transaction: its edits become one undo step.
    pub fn commit(&mut self) {
        if self.depth == 0 {
            return;
        }
        self.depth -= 1;
        if self.depth == 0 {
            self.workbook.end_batch();
            if let Some(ops) = self.open.take() {
                if !ops.is_empty() {
                    self.undo.push(ops);
                    self.redo.clear();
                }
            }
        }
    }

    /// Runs `f` as one transaction.
    pub fn transaction<T>(&mut self, f: impl FnOnce(&mut Document) -> T) -> T {
        self.begin();
        let out = f(self);
        self.commit();
        out
    }

    fn record(&mut self, op: Op) {
        if let Some(ops) = &mut self.open {
            ops.push(op);
        } else {
            self.undo.push(vec![op]);
            self.redo.clear();
        }
    }

    fn edit_cell(
        &mut self,
        sheet: SheetId,
        row: u32,
        col: u32,
        f: impl FnOnce(&mut Workbook) -> Result<()>,
    ) -> Result<()> {
        let before = self.workbook.cell_snapshot(sheet, row, col);
        f(&mut self.workbook)?;
        let after = self.workbook.cell_snapshot(sheet, row, col);
        self.record(Op::Cell {
            sheet,
            row,
            col,
            before,
            after,
        });
        Ok(())
    }

    /// Sets a cell from typed text (see `Workbook::set_input`).
    pub fn set_input(&mut self, sheet: SheetId, row: u32, col: u32, input: &str) -> Result<()> {
        self.edit_cell(sheet, row, col, |wb| wb.set_input(sheet, row, col, input))
    }

    /// Sets a formula written in R1C1 notation (see `Workbook::set_formula_r1c1`).
    pub fn set_formula_r1c1(
        &mut self,
        sheet: SheetId,
        row: u32,
        col: u32,
        formula: &str,
    ) -> Result<()> {
        self.edit_cell(sheet, row, col, |wb| {
            wb.set_formula_r1c1(sheet, row, col, formula)
        })
    }

    pub fn set_value(&mut self, sheet: SheetId, row: u32, col: u32, value: Value) -> Result<()> {
        self.edit_cell(sheet, row, col, |wb| wb.set_value(sheet, row, col, value))
    }

    pub fn set_format(
        &mut self,
        sheet: SheetId,
        row: u32,
        col: u32,
        format: Option<&str>,
    ) -> Result<()> {
        self.edit_cell(sheet, row, col, |wb| wb.set_format(sheet, row, col, format))
    }

    pub fn clear(&mut self, sheet: SheetId, row: u32, col: u32) -> Result<()> {
        self.edit_cell(sheet, row, col, |wb| wb.clear(sheet, row, col))
    }

    /// Sets a rectangle of typed values (one undo step).
    pub fn set_range(
        &mut self,
        sheet: SheetId,
        row: u32,
        col: u32,
        rows: &[Vec<String>],
    ) -> Result<()> {
        self.begin();
        let mut result = Ok(());
        'outer: for (i, line) in rows.iter().enumerate() {
            for (j, text) in line.iter().enumerate() {
                let (r, c) = (
                    row.saturating_add(u32::try_from(i).unwrap_or(u32::MAX)),
                    col.saturating_add(u32::try_from(j).unwrap_or(u32::MAX)),
                );
                if let Err(e) = self.set_input(sheet, r, c, text) {
                    result = Err(e);
                    break 'outer;
                }
            }
        }
        self.commit();
        result
    }

    /// Sets a block of cells from (`top`, `left`), `width` cells wide, row by
    /// row, as one undo step recalculated once. Stops at the first input
    /// that fails (a formula that does not parse, a cell outside the sheet)
    /// and returns its error; the inputs before it stay applied, in the step.
    pub fn set_block(
        &mut self,
        sheet: SheetId,
        top: u32,
        left: u32,
        width: u32,
        inputs: Vec<Input>,
    ) -> Result<()> {
        let width = width.max(1);
        let mut before = Vec::new();
        if let (Some(s), false) = (self.workbook.sheet(sheet), inputs.is_empty()) {
            let rows = u32::try_from((inputs.len() - 1) / width as usize).unwrap_or(u32::MAX);
            let rect = Rect::new(
                top,
                left,
                top.saturating_add(rows),
                left.saturating_add(width - 1),
            );
            let wb = &self.workbook;
            s.cells_in(rect, |r, c, _| {
                before.push((r, c, wb.cell_snapshot(sheet, r, c)));
            });
        }
        self.workbook.begin_batch();
        let formulas = inputs
            .iter()
            .filter(|i| i.typed().is_some_and(|t| t.starts_with('=')))
            .count();
        self.workbook.reserve(sheet, inputs.len(), formulas);
        let (applied, result) = apply_block(&mut self.workbook, sheet, top, left, width, &inputs);
        self.workbook.end_batch();
        let mut inputs = inputs;
        inputs.truncate(applied);
        if !inputs.is_empty() {
            self.record(Op::Block {
                sheet,
                top,
                left,
                width,
                inputs,
                before,
            });
        }
        result
    }

    fn structure(&mut self, edit: StructureEdit) -> Result<()> {
        let restore = self.workbook.structure_edit(edit)?;
        let formats = self.move_formats(&edit);
        self.record(Op::Structure {
            edit,
            restore,
            formats,
        });
        Ok(())
    }

    /// Moves the conditional formats with a structure edit; returns them as
    /// they were.
    fn move_formats(&mut self, edit: &StructureEdit) -> BTreeMap<SheetId, ConditionalFormats> {
        let before = self.conditional.clone();
        for (sheet, formats) in &mut self.conditional {
            formats.structure_edit(&self.workbook, *sheet, edit);
        }
        before
    }

    /// Each sheet's conditional formatting. Rules are set outside the
    /// history (a front end keeps their edits); structure edits move them
    /// and undo/redo of those edits move them back.
    #[must_use]
    pub fn conditional(&self) -> &BTreeMap<SheetId, ConditionalFormats> {
        &self.conditional
    }

    pub fn conditional_mut(&mut self) -> &mut BTreeMap<SheetId, ConditionalFormats> {
        &mut self.conditional
    }

    /// Adds a rule after the others on `sheet` (checking its formulas).
    pub fn add_conditional_format(
        &mut self,
        sheet: SheetId,
        rule: ConditionalFormat,
    ) -> Result<()> {
        self.conditional
            .entry(sheet)
            .or_default()
            .add(&self.workbook, rule)
    }

    pub fn insert_rows(&mut self, sheet: SheetId, at: u32, count: u32) -> Result<()> {
        self.structure(StructureEdit {
            sheet,
            rows: true,
            at,
            count: i64::from(count),
        })
    }

    pub fn delete_rows(&mut self, sheet: SheetId, at: u32, count: u32) -> Result<()> {
        self.structure(StructureEdit {
            sheet,
            rows: true,
            at,
            count: -i64::from(count),
        })
    }

    pub fn insert_cols(&mut self, sheet: SheetId, at: u32, count: u32) -> Result<()> {
        self.structure(StructureEdit {
            sheet,
            rows: false,
            at,
            count: i64::from(count),
        })
    }

    pub fn delete_cols(&mut self, sheet: SheetId, at: u32, count: u32) -> Result<()> {
        self.structure(StructureEdit {
            sheet,
            rows: false,
            at,
            count: -i64::from(count),
        })
    }

    /// Adds a sheet at the end (undoable).
    pub fn add_sheet(&mut self, name: &str) -> Result<SheetId> {
        let id = self.workbook.add_sheet(name)?;
        self.record(Op::Sheet {
            id,
            added: true,
            taken: None,
        });
        Ok(id)
    }

    /// Removes a sheet (undoable: undo puts back its cells and the formulas
    /// and names whose references to it became #REF!).
    pub fn remove_sheet(&mut self, id: SheetId) -> Result<()> {
        let taken = self.workbook.take_sheet(id)?;
        self.record(Op::Sheet {
            id,
            added: false,
            taken: Some(Box::new(taken)),
        });
        Ok(())
    }

    pub fn rename_sheet(&mut self, id: SheetId, name: &str) -> Result<()> {
        let before = self
            .workbook
            .sheet(id)
            .map(|s| s.name.clone())
            .unwrap_or_default();
        let texts = self.workbook.rename_sheet_texts(id, name)?;
        self.record(Op::Rename {
            id,
            before,
            after: name.to_string(),
            texts,
        });
        Ok(())
    }

    /// Defines or redefines a name (undoable).
    pub fn define_name(&mut self, name: &str, formula: &str) -> Result<()> {
        let before = self.workbook.name_formula(name);
        self.workbook.define_name(name, formula)?;
        let after = self.workbook.name_formula(name);
        self.record(Op::Name {
            name: name.to_string(),
            before,
            after,
        });
        Ok(())
    }

    /// Removes a name (undoable); false when it was not defined.
    pub fn remove_name(&mut self, name: &str) -> bool {
        let before = self.workbook.name_formula(name);
        let removed = self.workbook.remove_name(name);
        if removed {
            self.record(Op::Name {
                name: name.to_string(),
                before,
                after: None,
            });
        }
        removed
    }

    /// Takes a sheet out (`out`) or puts it back, keeping what was taken.
    fn toggle_sheet(&mut self, id: SheetId, out: bool, taken: &mut Option<Box<RemovedSheet>>) {
        if out {
            if let Ok(t) = self.workbook.take_sheet(id) {
                *taken = Some(Box::new(t));
            }
        } else if let Some(t) = taken.take() {
            let _ = self.workbook.restore_sheet(*t);
        }
    }

    fn set_name(&mut self, name: &str, formula: Option<&str>) {
        match formula {
            Some(f) => {
                let _ = self.workbook.define_name(name, f);
            }
            None => {
                self.workbook.remove_name(name);
            }
        }
    }

    #[must_use]
    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    #[must_use]
    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    /// Undoes the last transaction; false when there is nothing to undo.
    pub fn undo(&mut self) -> bool {
        if self.depth > 0 {
            return false;
        }
        let Some(mut ops) = self.undo.pop() else {
            return false;
        };
        self.workbook.begin_batch();
        for op in ops.iter_mut().rev() {
            match op {
                Op::Cell {
                    sheet,
                    row,
                    col,
                    before,
                    ..
                } => {
                    let _ = self.workbook.put_cell(*sheet, *row, *col, before.clone());
                }
                Op::Structure {
                    edit,
                    restore,
                    formats,
                } => {
                    self.conditional = formats.clone();
                    let inverse = StructureEdit {
                        count: -edit.count,
                        ..*edit
                    };
                    let _ = self.workbook.structure_edit(inverse);
                    for snap in restore.iter() {
                        let _ = self.workbook.put_cell(
                            snap.sheet,
                            snap.row,
                            snap.col,
                            snap.cell.clone(),
                        );
                    }
                }
                Op::Block {
                    sheet,
                    top,
                    left,
                    width,
                    inputs,
                    before,
                } => {
                    for i in 0..inputs.len() {
                        let (r, c) = block_cell(*top, *left, *width, i);
                        let _ = self.workbook.clear(*sheet, r, c);
                    }
                    for (r, c, cell) in before.iter() {
                        let _ = self.workbook.put_cell(*sheet, *r, *c, cell.clone());
                    }
                }
                Op::Sheet { id, added, taken } => self.toggle_sheet(*id, *added, taken),
                Op::Rename {
                    id, before, texts, ..
                } => {
                    if self.workbook.rename_sheet(*id, before).is_ok() {
                        self.workbook.restore_formula_texts(texts);
                    }
                }
                Op::Name { name, before, .. } => {
                    let (name, before) = (name.clone(), before.clone());
                    self.set_name(&name, before.as_deref());
                }
            }
        }
        self.workbook.end_batch();
        self.redo.push(ops);
        true
    }

    /// Redoes the last undone transaction; false when there is none.
    pub fn redo(&mut self) -> bool {
        if self.depth > 0 {
            return false;
        }
        let Some(ops) = self.redo.pop() else {
            return false;
        };
        self.workbook.begin_batch();
        let mut replayed = Vec::with_capacity(ops.len());
        for op in ops {
            match op {
                Op::Cell {
                    sheet,
                    row,
                    col,
                    ref after,
                    ..
                } => {
                    let _ = self.workbook.put_cell(sheet, row, col, after.clone());
                    replayed.push(op);
                }
                Op::Structure { edit, .. } => {
                    // The cells to restore are taken afresh from the redone edit.
                    if let Ok(restore) = self.workbook.structure_edit(edit) {
                        let formats = self.move_formats(&edit);
                        replayed.push(Op::Structure {
                            edit,
                            restore,
                            formats,
                        });
                    }
                }
                Op::Block {
                    sheet,
                    top,
                    left,
                    width,
                    ref inputs,
                    ..
                } => {
                    let _ = apply_block(&mut self.workbook, sheet, top, left, width, inputs);
                    replayed.push(op);
                }
                Op::Sheet {
                    id,
                    added,
                    mut taken,
                } => {
                    self.toggle_sheet(id, !added, &mut taken);
                    replayed.push(Op::Sheet { id, added, taken });
                }
                Op::Rename { id, ref after, .. } => {
                    let _ = self.workbook.rename_sheet(id, after);
                    replayed.push(op);
                }
                Op::Name {
                    ref name,
                    ref after,
                    ..
                } => {
                    let (name, after) = (name.clone(), after.clone());
                    self.set_name(&name, after.as_deref());
                    replayed.push(op);
                }
            }
        }
        self.workbook.end_batch();
        self.undo.push(replayed);
        true
    }

    /// Number of undo steps available.
    #[must_use]
    pub fn undo_len(&self) -> usize {
        self.undo.len()
    }
}

/// The cell of the `i`-th input of a block.
fn block_cell(top: u32, left: u32, width: u32, i: usize) -> (u32, u32) {
    let i = u32::try_from(i).unwrap_or(u32::MAX);
    (
        top.saturating_add(i / width),
        left.saturating_add(i % width),
    )
}

/// Applies a block's inputs; returns how many were applied, and the error
/// that stopped it.
fn apply_block(
    wb: &mut Workbook,
    sheet: SheetId,
    top: u32,
    left: u32,
    width: u32,
    inputs: &[Input],
) -> (usize, Result<()>) {
    for (i, input) in inputs.iter().enumerate() {
        let (r, c) = block_cell(top, left, width, i);
        let step = match input {
            Input::Clear => wb.clear(sheet, r, c),
            Input::Value(v) => wb.set_value(sheet, r, c, v.clone()),
            Input::Typed(_) | Input::TypedPart(..) => {
                wb.set_input(sheet, r, c, input.typed().unwrap_or(""))
            }
        };
        if let Err(e) = step {
            return (i, Err(e));
        }
    }
    (inputs.len(), Ok(()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(d: &Document, row: u32, col: u32) -> String {
        let s = d.workbook().sheet_at(0).unwrap();
        d.workbook().display(s, row, col)
    }

    #[test]
    fn cell_edits_undo_and_redo() {
        let mut d = Document::new();
        let s = d.workbook().sheet_at(0).unwrap();
        d.set_input(s, 0, 0, "1").unwrap();
        d.set_input(s, 0, 1, "=A1*10").unwrap();
        d.set_input(s, 0, 0, "2").unwrap();
        assert_eq!(shown(&d, 0, 1), "20");
        assert!(d.undo());
        assert_eq!(shown(&d, 0, 1), "10");
        assert!(d.undo());
        assert_eq!(shown(&d, 0, 1), "");
        assert!(d.redo());
        assert_eq!(shown(&d, 0, 1), "10");
        assert_eq!(d.workbook().formula(s, 0, 1).as_deref(), Some("=A1*10"));
        // A new edit clears the redo stack.
        d.set_input(s, 0, 0, "5").unwrap();
        assert!(!d.redo());
        assert_eq!(shown(&d, 0, 1), "50");
    }

    #[test]
    fn transactions_are_one_step() {
        let mut d = Document::new();
        let s = d.workbook().sheet_at(0).unwrap();
        d.transaction(|d| {
            d.set_input(s, 0, 0, "1").unwrap();
            d.set_input(s, 1, 0, "2").unwrap();
            d.set_input(s, 2, 0, "=A1+A2").unwrap();
            d.set_format(s, 2, 0, Some("0.00")).unwrap();
        });
        assert_eq!(shown(&d, 2, 0), "3.00");
        assert_eq!(d.undo_len(), 1);
        assert!(d.undo());
        assert_eq!(shown(&d, 0, 0), "");
        assert_eq!(shown(&d, 2, 0), "");
        assert!(!d.can_undo());
        assert!(d.redo());
        assert_eq!(shown(&d, 2, 0), "3.00");
    }

    #[test]
    fn structure_edits_undo_exactly() {
        let mut d = Document::new();
        let s = d.workbook().sheet_at(0).unwrap();
        d.set_range(
            s,
            0,
            0,
            &[vec!["1".into()], vec!["2".into()], vec!["3".into()]],
        )
        .unwrap();
        d.set_input(s, 0, 1, "=SUM(A1:A3)").unwrap();
        d.set_input(s, 1, 1, "=A2*100").unwrap();
        d.delete_rows(s, 1, 1).unwrap();
        assert_eq!(
            d.workbook().formula(s, 0, 1).as_deref(),
            Some("=SUM(A1:A2)")
        );
        assert_eq!(shown(&d, 0, 1), "4");
        assert!(d.undo());
        assert_eq!(
            d.workbook().formula(s, 0, 1).as_deref(),
            Some("=SUM(A1:A3)")
        );
        assert_eq!(d.workbook().formula(s, 1, 1).as_deref(), Some("=A2*100"));
        assert_eq!(shown(&d, 1, 1), "200");
        assert_eq!(shown(&d, 0, 1), "6");
        d.insert_cols(s, 0, 2).unwrap();
        assert_eq!(
            d.workbook().formula(s, 0, 3).as_deref(),
            Some("=SUM(C1:C3)")
        );
        assert!(d.undo());
        assert_eq!(
            d.workbook().formula(s, 0, 1).as_deref(),
            Some("=SUM(A1:A3)")
        );
        assert!(d.redo());
        assert_eq!(
            d.workbook().formula(s, 0, 3).as_deref(),
            Some("=SUM(C1:C3)")
        );
    }

    #[test]
    fn history_is_unlimited() {
        let mut d = Document::new();
        let s = d.workbook().sheet_at(0).unwrap();
        for i in 0..5000 {
            d.set_input(s, 0, 0, &i.to_string()).unwrap();
        }
        for _ in 0..4999 {
            assert!(d.undo());
        }
        assert_eq!(shown(&d, 0, 0), "0");
        assert!(d.undo());
        assert!(!d.undo());
    }

    #[test]
    fn failed_edits_leave_no_history() {
        let mut d = Document::new();
        let s = d.workbook().sheet_at(0).unwrap();
        assert!(d.set_input(s, 0, 0, "=1+").is_err());
        assert!(!d.can_undo());
    }

    #[test]
    fn sheet_management_and_names_undo() {
        let mut d = Document::new();
        let s = d.workbook().sheet_at(0).unwrap();
        let data = d.add_sheet("Data").unwrap();
        d.set_input(data, 0, 0, "21").unwrap();
        d.set_input(s, 0, 0, "=Data!A1 * 2").unwrap();
        d.define_name("Rate", "=Data!$A$1").unwrap();
        d.set_input(s, 1, 0, "=Rate+1").unwrap();
        assert_eq!(shown(&d, 0, 0), "42");
        assert_eq!(shown(&d, 1, 0), "22");
        d.rename_sheet(data, "Inputs").unwrap();
        assert_eq!(
            d.workbook().formula(s, 0, 0).as_deref(),
            Some("=Inputs!A1*2")
        );
        d.remove_sheet(data).unwrap();
        assert_eq!(shown(&d, 0, 0), "#REF!");
        assert_eq!(shown(&d, 1, 0), "#REF!");
        // Undo the removal: the sheet, its cells, the formulas and the name come back.
        assert!(d.undo());
        assert_eq!(d.workbook().sheet_by_name("Inputs"), Some(data));
        assert_eq!(
            d.workbook().formula(s, 0, 0).as_deref(),
            Some("=Inputs!A1*2")
        );
        assert_eq!(shown(&d, 0, 0), "42");
        assert_eq!(shown(&d, 1, 0), "22");
        d.set_input(data, 0, 0, "5").unwrap();
        assert_eq!(shown(&d, 0, 0), "10");
        assert!(d.undo());
        // Undo the rename: the formula reads as typed again.
        assert!(d.undo());
        assert_eq!(d.workbook().sheet_by_name("Data"), Some(data));
        assert_eq!(
            d.workbook().formula(s, 0, 0).as_deref(),
            Some("=Data!A1 * 2")
        );
        // Redo the rename and the edit; remove the sheet once more and undo.
        assert!(d.redo());
        assert!(d.redo());
        assert_eq!(shown(&d, 0, 0), "10");
        d.remove_sheet(data).unwrap();
        assert_eq!(d.workbook().sheets().len(), 1);
        assert_eq!(shown(&d, 0, 0), "#REF!");
        assert!(d.undo());
        assert_eq!(shown(&d, 0, 0), "10");
        assert!(d.undo());
        assert!(d.undo());
        assert_eq!(shown(&d, 0, 0), "42");
        // Names: redefinition and removal undo.
        d.define_name("Rate", "=2").unwrap();
        assert_eq!(shown(&d, 1, 0), "3");
        assert!(d.remove_name("rate"));
        assert_eq!(shown(&d, 1, 0), "#NAME?");
        assert!(d.undo());
        assert_eq!(shown(&d, 1, 0), "3");
        assert!(d.undo());
        assert_eq!(shown(&d, 1, 0), "22");
        assert_eq!(
            d.workbook().name_formula("RATE").as_deref(),
            Some("=Data!$A$1")
        );
        // Back to before the sheet was added, and forward again.
        while d.undo() {}
        assert_eq!(d.workbook().sheets().len(), 1);
        assert!(d.workbook().name_formula("Rate").is_none());
        while d.redo() {}
        assert_eq!(d.workbook().sheet_by_name("Data"), Some(data));
        // Redo ends after the name's removal.
        assert_eq!(shown(&d, 0, 0), "42");
        assert_eq!(shown(&d, 1, 0), "#NAME?");
    }

    #[test]
    fn spilled_arrays_undo_and_redo() {
        let mut d = Document::new();
        let s = d.workbook().sheet_at(0).unwrap();
        d.set_input(s, 1, 0, "5").unwrap();
        d.set_input(s, 0, 0, "=SEQUENCE(3)").unwrap();
        assert_eq!(shown(&d, 0, 0), "#SPILL!");
        d.clear(s, 1, 0).unwrap();
        assert_eq!(shown(&d, 1, 0), "2");
        assert_eq!(shown(&d, 2, 0), "3");
        // Undo puts the blocker back: the array cannot spill again.
        assert!(d.undo());
        assert_eq!(shown(&d, 1, 0), "5");
        assert_eq!(shown(&d, 0, 0), "#SPILL!");
        assert_eq!(shown(&d, 2, 0), "");
        assert!(d.undo());
        assert_eq!(shown(&d, 0, 0), "");
        assert!(d.redo());
        assert!(d.redo());
        assert_eq!(shown(&d, 2, 0), "3");
        // A block over spilled cells keeps no copy of them: undo leaves the array.
        d.set_range(s, 0, 1, &[vec!["=A1#*2".to_string()]]).unwrap();
        d.set_block(
            s,
            0,
            2,
            1,
            vec![Input::Typed("x".into()), Input::Typed("y".into())],
        )
        .unwrap();
        assert_eq!(shown(&d, 2, 1), "6");
        assert!(d.undo());
        assert!(d.undo());
        assert_eq!(shown(&d, 1, 1), "");
        assert_eq!(shown(&d, 1, 0), "2");
    }

    #[test]
    fn block_edits_undo_and_redo() {
        let mut d = Document::new();
        let s = d.workbook().sheet_at(0).unwrap();
        d.set_input(s, 0, 0, "old").unwrap();
        d.set_format(s, 1, 1, Some("0.00")).unwrap();
        d.set_input(s, 1, 1, "7").unwrap();
        let inputs = vec![
            Input::Value(Value::Number(1.0)),
            Input::Typed("=A1*2".into()),
            Input::Clear,
            Input::Typed("=A1+B1".into()),
        ];
        d.set_block(s, 0, 0, 2, inputs).unwrap();
        assert_eq!(shown(&d, 0, 1), "2");
        assert_eq!(shown(&d, 1, 1), "3.00");
        assert_eq!(shown(&d, 1, 0), "");
        assert!(d.undo());
        assert_eq!(shown(&d, 0, 0), "old");
        assert_eq!(shown(&d, 0, 1), "");
        assert_eq!(shown(&d, 1, 1), "7.00");
        assert!(d.redo());
        assert_eq!(shown(&d, 1, 1), "3.00");
        assert_eq!(d.workbook().formula(s, 1, 1).as_deref(), Some("=A1+B1"));
        // A bad formula stops the block; what came before it is one step.
        let err = d.set_block(
            s,
            5,
            0,
            3,
            vec![
                Input::Typed("5".into()),
                Input::Typed("=1+".into()),
                Input::Typed("6".into()),
            ],
        );
        assert!(err.is_err());
        assert_eq!(shown(&d, 5, 0), "5");
        assert_eq!(shown(&d, 5, 2), "");
        assert!(d.undo());
        assert_eq!(shown(&d, 5, 0), "");
        assert_eq!(shown(&d, 1, 1), "3.00");
    }

    fn ranges_and_formulas(d: &Document, sheet: SheetId) -> Vec<(String, String)> {
        use sheet_core::conditional::{range_name, RuleKind};
        d.conditional()
            .get(&sheet)
            .map(|f| {
                f.rules()
                    .map(|r| {
                        let text = match &r.kind {
                            RuleKind::Formula { formula, .. } => formula.clone(),
                            RuleKind::CellValue { values, .. } => values.join(" "),
                            _ => String::new(),
                        };
                        (range_name(r.range), text)
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn conditional_formats_follow_row_and_column_edits_and_undo() {
        use sheet_core::conditional::{ConditionalFormat, Highlight, Operator, Rgb, RuleKind};
        let mut d = Document::new();
        let s = d.workbook().sheet_at(0).unwrap();
        let other = d.add_sheet("Other").unwrap();
        let red = Highlight {
            background: Some(Rgb(255, 0, 0)),
            ..Highlight::default()
        };
        let rule = |range: &str, kind: RuleKind| ConditionalFormat {
            range: sheet_core::conditional::parse_range(range).unwrap(),
            kind,
        };
        d.add_conditional_format(
            s,
            rule(
                "B3:B10",
                RuleKind::Formula {
                    formula: "=B3>$A$1".into(),
                    highlight: red.clone(),
                },
            ),
        )
        .unwrap();
        d.add_conditional_format(
            s,
            rule(
                "D5:E6",
                RuleKind::CellValue {
                    operator: Operator::GreaterThan,
                    values: vec!["=$A$2".into()],
                    highlight: red.clone(),
                },
            ),
        )
        .unwrap();
        d.add_conditional_format(
            other,
            rule(
                "A1:A3",
                RuleKind::Formula {
                    formula: "=A1>Sheet1!$A$4".into(),
                    highlight: red,
                },
            ),
        )
        .unwrap();
        let start = ranges_and_formulas(&d, s);

        // Two rows inserted above row 2: ranges below move, references too,
        // also in the other sheet's rule; references above stay.
        d.insert_rows(s, 1, 2).unwrap();
        assert_eq!(
            ranges_and_formulas(&d, s),
            vec![
                ("B5:B12".to_owned(), "=B5>$A$1".to_owned()),
                ("D7:E8".to_owned(), "=$A$4".to_owned()),
            ]
        );
        assert_eq!(
            ranges_and_formulas(&d, other),
            vec![("A1:A3".to_owned(), "=A1>Sheet1!$A$6".to_owned())]
        );
        // Deleting rows inside a range shrinks it; a range deleted whole goes.
        d.delete_rows(s, 6, 4).unwrap();
        assert_eq!(
            ranges_and_formulas(&d, s),
            vec![("B5:B8".to_owned(), "=B5>$A$1".to_owned())]
        );
        // Columns: inserting before B moves the range right.
        d.insert_cols(s, 0, 1).unwrap();
        assert_eq!(
            ranges_and_formulas(&d, s),
            vec![("C5:C8".to_owned(), "=C5>$B$1".to_owned())]
        );
        // Undo walks back through every state; redo forward again.
        assert!(d.undo());
        assert!(d.undo());
        assert_eq!(ranges_and_formulas(&d, s)[1].0, "D7:E8");
        assert!(d.undo());
        assert_eq!(ranges_and_formulas(&d, s), start);
        assert_eq!(
            ranges_and_formulas(&d, other),
            vec![("A1:A3".to_owned(), "=A1>Sheet1!$A$4".to_owned())]
        );
        assert!(d.redo());
        assert!(d.redo());
        assert!(d.redo());
        assert_eq!(
            ranges_and_formulas(&d, s),
            vec![("C5:C8".to_owned(), "=C5>$B$1".to_owned())]
        );
        // The moved rules still evaluate: C5 > B1.
        d.set_input(s, 0, 1, "10").unwrap();
        d.set_input(s, 4, 2, "11").unwrap();
        d.set_input(s, 5, 2, "9").unwrap();
        let looks = d.conditional()[&s].looks(d.workbook(), s, sheet_core::Rect::new(4, 2, 5, 2));
        assert!(looks[0].is_some(), "11 > 10");
        assert!(looks[1].is_none(), "9 <= 10");
    }
}
