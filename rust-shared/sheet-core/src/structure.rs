//! Row and column insertion and deletion. Cells move, and every formula and
//! defined name is rewritten the way Excel does it (see
//! `sheet_formula::Expr::rewrite`): references past the edit follow their
//! cells, ranges across it grow or shrink, references to deleted cells
//! become #REF!.

use std::rc::Rc;

use sheet_formula::{SheetId, StructureEdit};

use crate::workbook::{Cell, Result, SheetError, Workbook, MAX_COLS, MAX_ROWS};

/// A cell as it was before a structure edit, for undo.
#[derive(Clone, Debug)]
pub struct CellSnapshot {
    pub sheet: SheetId,
    pub row: u32,
    pub col: u32,
    pub cell: Cell,
}

impl Workbook {
    pub fn insert_rows(
        &mut self,
        sheet: SheetId,
        at: u32,
        count: u32,
    ) -> Result<Vec<CellSnapshot>> {
        self.structure_edit(StructureEdit {
            sheet,
            rows: true,
            at,
            count: i64::from(count),
        })
    }

    pub fn delete_rows(
        &mut self,
        sheet: SheetId,
        at: u32,
        count: u32,
    ) -> Result<Vec<CellSnapshot>> {
        self.structure_edit(StructureEdit {
            sheet,
            rows: true,
            at,
            count: -i64::from(count),
        })
    }

    pub fn insert_cols(
        &mut self,
        sheet: SheetId,
        at: u32,
        count: u32,
    ) -> Result<Vec<CellSnapshot>> {
        self.structure_edit(StructureEdit {
            sheet,
            rows: false,
            at,
            count: i64::from(count),
        })
    }

    pub fn delete_cols(
        &mut self,
        sheet: SheetId,
        at: u32,
        count: u32,
    ) -> Result<Vec<CellSnapshot>> {
        self.structure_edit(StructureEdit {
            sheet,
            rows: false,
            at,
            count: -i64::from(count),
        })
    }

    /// Applies a structure edit. Returns the cells an undo must put back
    /// after the inverse edit: the deleted cells and the formulas whose text
    /// the edit changed, as they were.
    pub fn structure_edit(&mut self, edit: StructureEdit) -> Result<Vec<CellSnapshot>> {
        let limit = if edit.rows { MAX_ROWS } else { MAX_COLS };
        let count = u32::try_from(edit.count.unsigned_abs()).unwrap_or(u32::MAX);
        let idx = self
            .sheets
            .iter()
            .position(|s| s.id == edit.sheet)
            .ok_or_else(|| SheetError::NoSheet(format!("#{}", edit.sheet)))?;
        if count == 0 || edit.at >= limit || count > limit - edit.at {
            return Err(if edit.rows {
                SheetError::OutOfRange {
                    row: u64::from(edit.at) + u64::from(count),
                    col: 0,
                }
            } else {
                SheetError::OutOfRange {
                    row: 0,
                    col: u64::from(edit.at) + u64::from(count),
                }
            });
        }
        let used = if edit.rows {
            self.sheets[idx].extent.0
        } else {
            self.sheets[idx].extent.1
        };
        if edit.count > 0 && u64::from(used.max(edit.at)) + u64::from(count) > u64::from(limit) {
            // Excel refuses an insertion that would push cells off the sheet.
            return Err(SheetError::OutOfRange {
                row: if edit.rows {
                    u64::from(used) + u64::from(count)
                } else {
                    0
                },
                col: if edit.rows {
                    0
                } else {
                    u64::from(used) + u64::from(count)
                },
            });
        }

        // Spilled arrays are recomputed after the move, not moved.
        self.clear_all_spills();
        let mut undo = Vec::new();
        // Rewrite every formula, keeping the ones whose text changes, as they
        // were (the deleted cells are kept as they were by the move below).
        for s in &mut self.sheets {
            let id = s.id;
            for (r, c, cell) in s.cells.iter_mut() {
                let inside = edit.sheet == id && edit.count < 0 && {
                    let p = if edit.rows { r } else { c };
                    p >= edit.at && p < edit.at + count
                };
                if inside {
                    continue;
                }
                let Some(f) = &cell.formula else { continue };
                let mut rewritten = (*f.expr).clone();
                if rewritten.rewrite(id, &edit) {
                    undo.push(CellSnapshot {
                        sheet: id,
                        row: r,
                        col: c,
                        cell: cell.clone(),
                    });
                    if let Some(f) = &mut cell.formula {
                        f.expr = Rc::new(rewritten);
                        f.text = None;
                    }
                }
            }
        }
        // Move the cells of the edited sheet.
        let sheet = &mut self.sheets[idx];
        let cells = sheet.cells.drain_all();
        let mut extent = (0, 0);
        for (r, c, cell) in cells {
            let p = if edit.rows { r } else { c };
            let moved = if edit.count > 0 {
                if p >= edit.at {
                    Some(p + count)
                } else {
                    Some(p)
                }
            } else if p < edit.at {
                Some(p)
            } else if p < edit.at + count {
                None
            } else {
                Some(p - count)
            };
            match moved {
                Some(np) => {
                    let (nr, nc) = if edit.rows { (np, c) } else { (r, np) };
                    extent = (extent.0.max(nr + 1), extent.1.max(nc + 1));
                    sheet.cells.insert(nr, nc, cell);
                }
                None => undo.push(CellSnapshot {
                    sheet: edit.sheet,
                    row: r,
                    col: c,
                    cell,
                }),
            }
        }
        sheet.extent = extent;
        // Rewrite every name.
        let first = self.sheets.first().map_or(0, |s| s.id);
        for n in self.names.values_mut() {
            let mut e = (*n.expr).clone();
            if e.rewrite(first, &edit) {
                n.expr = Rc::new(e);
            }
        }
        self.rebuild();
        Ok(undo)
    }

    /// A copy of a cell (empty when nothing is stored there).
    #[must_use]
    pub fn cell_snapshot(&self, sheet: SheetId, row: u32, col: u32) -> Cell {
        let cell = self
            .sheet(sheet)
            .and_then(|s| s.cell(row, col))
            .cloned()
            .unwrap_or_default();
        if self.spill_anchor(sheet, row, col).is_some() {
            // A spilled value belongs to its formula, not to the cell.
            return Cell {
                format: cell.format,
                ..Cell::default()
            };
        }
        cell
    }

    /// Puts a copied cell back (value or formula, and format).
    pub fn put_cell(&mut self, sheet: SheetId, row: u32, col: u32, cell: Cell) -> Result<()> {
        let format = cell.format.clone();
        // Putting a cell back over a spilled array takes the cell out of it
        // (the array's formula then shows #SPILL!).
        if cell.formula.is_some() || !cell.value.is_empty() {
            self.release_spilled(crate::graph::key(sheet, row, col));
        }
        match cell.formula {
            Some(f) => {
                self.sheet(sheet)
                    .ok_or_else(|| SheetError::NoSheet(format!("#{sheet}")))?;
                if row >= MAX_ROWS || col >= MAX_COLS {
                    return Err(SheetError::OutOfRange {
                        row: u64::from(row),
                        col: u64::from(col),
                    });
                }
                self.set_formula_parts(sheet, row, col, f.expr, f.text);
            }
            None => self.set_value(sheet, row, col, cell.value)?,
        }
        self.set_format(sheet, row, col, format.as_deref())
    }
}
