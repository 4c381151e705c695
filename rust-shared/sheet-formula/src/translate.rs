//! Copying a formula to another cell, as Excel's copy/paste and fill handle
//! do: relative parts of references move with the formula, parts marked `$`
//! stay, and a reference pushed off the sheet becomes `#REF!`.

use crate::address::{Rect, MAX_COLS, MAX_ROWS};
use crate::ast::{AreaKind, Expr};
use crate::value::ErrorKind;

/// `pos + delta` when it stays inside `0..limit`.
fn moved(pos: u32, delta: i64, limit: u32) -> Option<u32> {
    let p = i64::from(pos) + delta;
    u32::try_from(p).ok().filter(|p| *p < limit)
}

/// One coordinate of a reference: moved unless absolute.
fn part(pos: u32, absolute: bool, delta: i64, limit: u32) -> Option<u32> {
    if absolute {
        Some(pos)
    } else {
        moved(pos, delta, limit)
    }
}

impl Expr {
    /// The formula as it reads when copied `rows` down and `cols` right
    /// (negative: up and left) of the cell it is in. Whole-column areas keep
    /// their rows and whole-row areas their columns.
    #[must_use]
    pub fn translated(&self, rows: i64, cols: i64) -> Expr {
        let mut copy = self.clone();
        copy.translate(rows, cols);
        copy
    }

    fn translate(&mut self, rows: i64, cols: i64) {
        match self {
            Expr::Cell(c) | Expr::Spill(c) => {
                let row = part(c.row, c.row_abs, rows, MAX_ROWS);
                let col = part(c.col, c.col_abs, cols, MAX_COLS);
                match (row, col) {
                    (Some(r), Some(k)) => {
                        c.row = r;
                        c.col = k;
                    }
                    _ => *self = Expr::Error(ErrorKind::Ref),
                }
            }
            Expr::Area(a) => {
                let [r1_abs, c1_abs, r2_abs, c2_abs] = a.abs;
                let rect = a.rect;
                let (dr, dc) = match a.kind {
                    AreaKind::Cells => (rows, cols),
                    AreaKind::Columns => (0, cols),
                    AreaKind::Rows => (rows, 0),
                };
                let corners = (
                    part(rect.r1, r1_abs, dr, MAX_ROWS),
                    part(rect.c1, c1_abs, dc, MAX_COLS),
                    part(rect.r2, r2_abs, dr, MAX_ROWS),
                    part(rect.c2, c2_abs, dc, MAX_COLS),
                );
                let (Some(r1), Some(c1), Some(r2), Some(c2)) = corners else {
                    *self = Expr::Error(ErrorKind::Ref);
                    return;
                };
                // A fixed corner and a moving one can cross: the rectangle
                // flips, and each `$` follows its coordinate.
                let (r1_abs, r2_abs) = if r1 <= r2 {
                    (r1_abs, r2_abs)
                } else {
                    (r2_abs, r1_abs)
                };
                let (c1_abs, c2_abs) = if c1 <= c2 {
                    (c1_abs, c2_abs)
                } else {
                    (c2_abs, c1_abs)
                };
                a.rect = Rect::new(r1, c1, r2, c2);
                a.abs = [r1_abs, c1_abs, r2_abs, c2_abs];
            }
            Expr::Neg(e) | Expr::Plus(e) | Expr::Percent(e) | Expr::Paren(e) => {
                e.translate(rows, cols);
            }
            Expr::Binary(_, l, r) => {
                l.translate(rows, cols);
                r.translate(rows, cols);
            }
            Expr::Call(_, args) => {
                for a in args {
                    a.translate(rows, cols);
                }
            }
            Expr::Number(_)
            | Expr::Text(_)
            | Expr::Bool(_)
            | Expr::Error(_)
            | Expr::Missing
            | Expr::Name(_)
            | Expr::Array(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::ast::NoSheets;
    use crate::parse;

    fn copied(formula: &str, rows: i64, cols: i64) -> String {
        let expr = parse(formula, &NoSheets).unwrap();
        expr.translated(rows, cols).to_formula(&NoSheets)
    }

    #[test]
    fn relative_parts_move_and_absolute_parts_stay() {
        assert_eq!(copied("A1*2", 1, 0), "A2*2");
        assert_eq!(copied("A1+B$1+$C1+$D$1", 2, 1), "B3+C$1+$C3+$D$1");
        assert_eq!(copied("SUM(A1:B2)", 3, 2), "SUM(C4:D5)");
        assert_eq!(copied("SUM($A$1:A1)", 4, 0), "SUM($A$1:A5)");
        assert_eq!(copied("B2-1", -1, -1), "A1-1");
    }

    #[test]
    fn whole_rows_and_columns_move_along_one_axis() {
        assert_eq!(copied("SUM(A:A)", 5, 1), "SUM(B:B)");
        assert_eq!(copied("SUM(1:2)", 5, 1), "SUM(6:7)");
    }

    #[test]
    fn off_the_sheet_is_a_ref_error() {
        assert_eq!(copied("A1+1", -1, 0), "#REF!+1");
        assert_eq!(copied("SUM(A1:B2)", 0, -1), "SUM(#REF!)");
        assert_eq!(copied("XFD1", 0, 1), "#REF!");
    }

    #[test]
    fn crossing_corners_flip_the_rectangle() {
        // A$5:A10 copied up by 8: the moving corner passes the fixed one.
        assert_eq!(copied("SUM(A$5:A10)", -8, 0), "SUM(A2:A$5)");
    }

    #[test]
    fn names_text_and_constants_do_not_move() {
        assert_eq!(copied("Total*\"A1\"", 3, 3), "Total*\"A1\"");
    }
}
