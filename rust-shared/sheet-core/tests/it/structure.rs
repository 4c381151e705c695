//! Row and column insertion/deletion rewrite references like Excel.

use sheet_core::{ErrorKind, Value, Workbook};

fn setup() -> (Workbook, u32) {
    let mut wb = Workbook::new();
    let s = wb.sheet_at(0).unwrap();
    for r in 0..5u32 {
        wb.set_input(s, r, 0, &(r + 1).to_string()).unwrap();
    }
    wb.set_input(s, 0, 2, "=SUM(A1:A5)").unwrap();
    wb.set_input(s, 1, 2, "=A3*10").unwrap();
    wb.set_input(s, 2, 2, "=$A$5").unwrap();
    wb.set_input(s, 3, 2, "=SUM(A:A)").unwrap();
    (wb, s)
}

#[test]
fn inserting_rows_moves_cells_and_grows_ranges() {
    let (mut wb, s) = setup();
    wb.insert_rows(s, 2, 2).unwrap(); // two rows before row 3
    assert_eq!(wb.get(s, 4, 0), Value::Number(3.0));
    assert_eq!(wb.formula(s, 0, 2).as_deref(), Some("=SUM(A1:A7)"));
    assert_eq!(wb.formula(s, 1, 2).as_deref(), Some("=A5*10"));
    assert_eq!(wb.formula(s, 4, 2).as_deref(), Some("=$A$7"));
    assert_eq!(wb.formula(s, 5, 2).as_deref(), Some("=SUM(A:A)"));
    assert_eq!(wb.get(s, 1, 2), Value::Number(30.0));
    wb.set_input(s, 2, 0, "100").unwrap(); // inside the grown range
    assert_eq!(wb.get(s, 0, 2), Value::Number(115.0));
}

#[test]
fn deleting_rows_shrinks_ranges_and_breaks_references() {
    let (mut wb, s) = setup();
    let removed = wb.delete_rows(s, 2, 1).unwrap(); // row 3
    assert_eq!(wb.formula(s, 0, 2).as_deref(), Some("=SUM(A1:A4)"));
    assert_eq!(wb.formula(s, 1, 2).as_deref(), Some("=#REF!*10"));
    assert_eq!(wb.get(s, 1, 2), Value::Error(ErrorKind::Ref));
    assert_eq!(wb.get(s, 0, 2), Value::Number(12.0));
    // The =$A$5 formula was in row 3 and is gone; it is in the undo list.
    assert!(removed.iter().any(|c| (c.row, c.col) == (2, 2)));
    assert!(removed.iter().any(|c| (c.row, c.col) == (1, 2)));
    // Deleting every row of a range makes it #REF!.
    wb.set_input(s, 9, 4, "=SUM(A2:A3)").unwrap();
    wb.delete_rows(s, 1, 2).unwrap();
    assert_eq!(wb.formula(s, 7, 4).as_deref(), Some("=SUM(#REF!)"));
    assert_eq!(wb.display(s, 7, 4), "#REF!");
}

#[test]
fn columns_work_the_same_way() {
    let mut wb = Workbook::new();
    let s = wb.sheet_at(0).unwrap();
    wb.set_input(s, 0, 0, "1").unwrap();
    wb.set_input(s, 0, 1, "2").unwrap();
    wb.set_input(s, 0, 2, "=A1+B1").unwrap();
    wb.set_input(s, 1, 2, "=SUM(A1:B1)").unwrap();
    wb.insert_cols(s, 1, 1).unwrap();
    assert_eq!(wb.formula(s, 0, 3).as_deref(), Some("=A1+C1"));
    assert_eq!(wb.formula(s, 1, 3).as_deref(), Some("=SUM(A1:C1)"));
    wb.delete_cols(s, 0, 1).unwrap();
    assert_eq!(wb.formula(s, 0, 2).as_deref(), Some("=#REF!+B1"));
    assert_eq!(wb.formula(s, 1, 2).as_deref(), Some("=SUM(A1:B1)"));
    assert_eq!(wb.get(s, 1, 2), Value::Number(2.0));
}

#[test]
fn other_sheets_and_names_follow() {
    let mut wb = Workbook::new();
    let s = wb.sheet_at(0).unwrap();
    let t = wb.add_sheet("Other").unwrap();
    wb.set_input(s, 4, 0, "5").unwrap();
    wb.set_input(t, 0, 0, "=Sheet1!A5").unwrap();
    wb.define_name("Five", "=Sheet1!$A$5").unwrap();
    wb.set_input(t, 1, 0, "=Five").unwrap();
    wb.insert_rows(s, 0, 3).unwrap();
    assert_eq!(wb.formula(t, 0, 0).as_deref(), Some("=Sheet1!A8"));
    assert_eq!(wb.names()[0].1, "=Sheet1!$A$8");
    assert_eq!(wb.get(t, 1, 0), Value::Number(5.0));
    // Rows inserted in Other do not touch references to Sheet1.
    wb.insert_rows(t, 0, 1).unwrap();
    assert_eq!(wb.formula(t, 1, 0).as_deref(), Some("=Sheet1!A8"));
}

#[test]
fn inserting_past_the_last_row_is_refused() {
    let mut wb = Workbook::new();
    let s = wb.sheet_at(0).unwrap();
    wb.set_input(s, 1_048_575, 0, "x").unwrap();
    assert!(wb.insert_rows(s, 0, 1).is_err());
    assert_eq!(wb.get(s, 1_048_575, 0), Value::from("x"));
}
