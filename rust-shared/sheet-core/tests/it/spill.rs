//! Dynamic arrays: a formula returning an array spills into the cells below
//! and to the right; #SPILL! when they are not empty; spilled cells are
//! read-only and follow their formula; `A1#` reads the spilled range.

use sheet_core::{SheetError, Workbook};
use sheet_formula::{ErrorKind, Rect, Value};

fn book() -> (Workbook, u32) {
    let wb = Workbook::new();
    let s = wb.sheet_at(0).unwrap();
    (wb, s)
}

fn num(wb: &Workbook, s: u32, r: u32, c: u32) -> Value {
    wb.get(s, r, c)
}

#[test]
fn an_array_spills_down_and_right() {
    let (mut wb, s) = book();
    wb.set_input(s, 0, 0, "=SEQUENCE(3,2)").unwrap();
    for (i, want) in [1.0, 2.0, 3.0, 4.0, 5.0, 6.0].iter().enumerate() {
        let (r, c) = (i as u32 / 2, i as u32 % 2);
        assert_eq!(num(&wb, s, r, c), Value::Number(*want), "cell {r},{c}");
    }
    assert_eq!(wb.spill_range(s, 0, 0), Some(Rect::new(0, 0, 2, 1)));
    assert_eq!(wb.spill_anchor(s, 2, 1), Some((0, 0)));
    assert_eq!(wb.spill_anchor(s, 0, 0), None);
    // Only the anchor has a formula.
    assert_eq!(wb.formula(s, 0, 0).as_deref(), Some("=SEQUENCE(3,2)"));
    assert_eq!(wb.formula(s, 1, 0), None);
    // A range in a cell spills too (Excel 365).
    wb.set_input(s, 0, 4, "=A1:A3*10").unwrap();
    assert_eq!(num(&wb, s, 2, 4), Value::Number(50.0));
}

#[test]
fn a_blocked_range_gives_spill_error_until_it_is_cleared() {
    let (mut wb, s) = book();
    wb.set_input(s, 2, 0, "x").unwrap();
    wb.set_input(s, 0, 0, "=SEQUENCE(3)").unwrap();
    assert_eq!(num(&wb, s, 0, 0), Value::Error(ErrorKind::Spill));
    assert_eq!(wb.display(s, 0, 0), "#SPILL!");
    assert_eq!(num(&wb, s, 1, 0), Value::Empty, "nothing spilled");
    assert_eq!(wb.spill_range(s, 0, 0), None);
    // Clearing the blocker lets the array spill.
    wb.set_input(s, 2, 0, "").unwrap();
    assert_eq!(num(&wb, s, 0, 0), Value::Number(1.0));
    assert_eq!(num(&wb, s, 2, 0), Value::Number(3.0));
    // A formula blocks too, and so does another array.
    wb.set_input(s, 0, 1, "=SEQUENCE(1,1)").unwrap();
    wb.set_input(s, 1, 1, "=1").unwrap();
    wb.set_input(s, 0, 1, "=SEQUENCE(2)").unwrap();
    assert_eq!(num(&wb, s, 0, 1), Value::Error(ErrorKind::Spill));
    wb.set_input(s, 2, 1, "").unwrap();
    wb.set_input(s, 1, 1, "").unwrap();
    assert_eq!(num(&wb, s, 1, 1), Value::Number(2.0));
    wb.set_input(s, 1, 2, "=TRANSPOSE(SEQUENCE(3))").unwrap();
    // C2:E2 is free; now put an array that would cross it.
    wb.set_input(s, 0, 3, "=SEQUENCE(2)").unwrap();
    assert_eq!(num(&wb, s, 0, 3), Value::Error(ErrorKind::Spill));
    // Shrinking the first array frees the cell: the second spills.
    wb.set_input(s, 1, 2, "=TRANSPOSE(SEQUENCE(1))").unwrap();
    assert_eq!(num(&wb, s, 0, 3), Value::Number(1.0));
    assert_eq!(num(&wb, s, 1, 3), Value::Number(2.0));
    // Off the sheet.
    wb.set_input(s, 1_048_575, 0, "=SEQUENCE(2)").unwrap();
    assert_eq!(num(&wb, s, 1_048_575, 0), Value::Error(ErrorKind::Spill));
}

#[test]
fn spilled_cells_are_read_only() {
    let (mut wb, s) = book();
    wb.set_input(s, 0, 0, "=SEQUENCE(3)").unwrap();
    let err = wb.set_input(s, 1, 0, "5").unwrap_err();
    assert_eq!(
        err,
        SheetError::SpillCell {
            row: 1,
            col: 0,
            anchor_row: 0,
            anchor_col: 0
        }
    );
    assert!(
        err.to_string()
            .contains("A2 is part of the array spilled by the formula in A1"),
        "{err}"
    );
    assert!(matches!(
        wb.set_input(s, 2, 0, "=1"),
        Err(SheetError::SpillCell { .. })
    ));
    // Clearing a spilled cell changes nothing.
    wb.set_input(s, 1, 0, "").unwrap();
    assert_eq!(num(&wb, s, 1, 0), Value::Number(2.0));
    // A format is allowed.
    wb.set_format(s, 1, 0, Some("0.00")).unwrap();
    assert_eq!(wb.display(s, 1, 0), "2.00");
}

#[test]
fn spilled_cells_follow_their_formula_and_readers_recalculate() {
    let (mut wb, s) = book();
    wb.set_input(s, 0, 0, "3").unwrap();
    wb.set_input(s, 0, 1, "=SEQUENCE(A1)").unwrap();
    // Readers of single spilled cells and of the range.
    wb.set_input(s, 0, 3, "=B3*100").unwrap();
    wb.set_input(s, 1, 3, "=SUM(B1:B10)").unwrap();
    wb.set_input(s, 2, 3, "=SUM(B1#)").unwrap();
    wb.set_input(s, 3, 3, "=ROWS(B1#)").unwrap();
    assert_eq!(num(&wb, s, 0, 3), Value::Number(300.0));
    assert_eq!(num(&wb, s, 1, 3), Value::Number(6.0));
    assert_eq!(num(&wb, s, 2, 3), Value::Number(6.0));
    assert_eq!(num(&wb, s, 3, 3), Value::Number(3.0));
    // Grow.
    wb.set_input(s, 0, 0, "5").unwrap();
    assert_eq!(num(&wb, s, 4, 1), Value::Number(5.0));
    assert_eq!(num(&wb, s, 1, 3), Value::Number(15.0));
    assert_eq!(num(&wb, s, 2, 3), Value::Number(15.0));
    assert_eq!(num(&wb, s, 3, 3), Value::Number(5.0));
    // Shrink: the cells left behind are empty again, readers follow.
    wb.set_input(s, 0, 0, "2").unwrap();
    assert_eq!(num(&wb, s, 2, 1), Value::Empty);
    assert_eq!(num(&wb, s, 0, 3), Value::Number(0.0));
    assert_eq!(num(&wb, s, 1, 3), Value::Number(3.0));
    assert_eq!(num(&wb, s, 3, 3), Value::Number(2.0));
    // A scalar result removes the array; `B1#` is then #REF!.
    wb.set_input(s, 0, 1, "=7").unwrap();
    assert_eq!(num(&wb, s, 1, 1), Value::Empty);
    assert_eq!(num(&wb, s, 2, 3), Value::Error(ErrorKind::Ref));
    assert_eq!(wb.formula(s, 2, 3).as_deref(), Some("=SUM(B1#)"));
    // Arrays feeding arrays.
    wb.set_input(s, 0, 5, "=SEQUENCE(4)").unwrap();
    wb.set_input(s, 0, 6, "=F1#*2").unwrap();
    wb.set_input(s, 0, 7, "=SUM(G1#)").unwrap();
    assert_eq!(num(&wb, s, 3, 6), Value::Number(8.0));
    assert_eq!(num(&wb, s, 0, 7), Value::Number(20.0));
    wb.set_input(s, 0, 5, "=SEQUENCE(2,1,10)").unwrap();
    assert_eq!(num(&wb, s, 1, 6), Value::Number(22.0));
    assert_eq!(num(&wb, s, 2, 6), Value::Empty);
    assert_eq!(num(&wb, s, 0, 7), Value::Number(42.0));
    // Deleting the formula removes its array.
    wb.set_input(s, 0, 5, "").unwrap();
    assert_eq!(num(&wb, s, 0, 6), Value::Error(ErrorKind::Ref));
    assert_eq!(num(&wb, s, 1, 5), Value::Empty);
}

#[test]
fn arrays_that_read_their_own_spill_are_circular() {
    let (mut wb, s) = book();
    wb.set_input(s, 0, 0, "=SEQUENCE(3)+A3").unwrap();
    assert_eq!(num(&wb, s, 0, 0), Value::Error(ErrorKind::Cycle));
    assert_eq!(num(&wb, s, 2, 0), Value::Empty);
    // Through another formula: bounded passes, then #CYCLE!.
    wb.set_input(s, 0, 2, "=SEQUENCE(3)+D1").unwrap();
    wb.set_input(s, 0, 3, "=C3").unwrap();
    assert_eq!(num(&wb, s, 0, 2), Value::Error(ErrorKind::Cycle));
}

#[test]
fn spills_survive_structure_edits_batches_and_change_events() {
    let (mut wb, s) = book();
    wb.track_changes(true);
    wb.batch(|wb| {
        wb.set_input(s, 0, 0, "=SEQUENCE(3)").unwrap();
        wb.set_input(s, 0, 1, "=SUM(A1#)").unwrap();
    });
    assert_eq!(num(&wb, s, 0, 1), Value::Number(6.0));
    let changed: Vec<(u32, u32)> = wb
        .take_change_events()
        .into_iter()
        .map(|c| (c.row, c.col))
        .collect();
    for cell in [(0, 0), (1, 0), (2, 0), (0, 1)] {
        assert!(changed.contains(&cell), "{cell:?} in {changed:?}");
    }
    // Rows inserted inside the array: the formula stays, the array respills.
    wb.insert_rows(s, 1, 2).unwrap();
    assert_eq!(num(&wb, s, 0, 0), Value::Number(1.0));
    assert_eq!(num(&wb, s, 2, 0), Value::Number(3.0));
    assert_eq!(num(&wb, s, 3, 0), Value::Empty);
    assert_eq!(num(&wb, s, 0, 1), Value::Number(6.0));
    // Rows inserted above move the formula and its array.
    wb.insert_rows(s, 0, 1).unwrap();
    assert_eq!(wb.formula(s, 1, 0).as_deref(), Some("=SEQUENCE(3)"));
    assert_eq!(num(&wb, s, 3, 0), Value::Number(3.0));
    assert_eq!(num(&wb, s, 0, 0), Value::Empty);
    assert_eq!(wb.formula(s, 1, 1).as_deref(), Some("=SUM(A2#)"));
    assert_eq!(num(&wb, s, 1, 1), Value::Number(6.0));
}

#[test]
fn a_huge_array_is_an_error_not_a_hang() {
    let (mut wb, s) = book();
    wb.set_input(s, 0, 0, "=SEQUENCE(100000,100)").unwrap();
    assert_eq!(num(&wb, s, 0, 0), Value::Error(ErrorKind::Num));
    wb.set_input(s, 0, 0, "=SEQUENCE(2000000)").unwrap();
    assert_eq!(num(&wb, s, 0, 0), Value::Error(ErrorKind::Spill));
}
