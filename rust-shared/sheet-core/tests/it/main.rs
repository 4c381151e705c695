//! Integration tests of the spreadsheet engine (one test binary).

#![allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]

mod functions;
mod recalc;
mod spill;
mod structure;

use sheet_core::{SheetId, Workbook};

/// A workbook with the fixture data every function test reads:
/// A1:A5 1..5, B1:B5 10..50, C1:C5 fruit names, D1:D4 TRUE/FALSE/"text"/empty,
/// E1 #DIV/0!, F1:F5 2,4,4,4,5, G1:G3 dates (2024-01-15, 2024-02-15, 2024-03-15),
/// H1:H3 cash flows -100, 60, 60.
#[must_use]
pub fn fixture() -> (Workbook, SheetId) {
    let mut wb = Workbook::new();
    let s = wb.sheet_at(0).unwrap();
    wb.batch(|wb| {
        for i in 0..5u32 {
            wb.set_input(s, i, 0, &(i + 1).to_string()).unwrap();
            wb.set_input(s, i, 1, &((i + 1) * 10).to_string()).unwrap();
        }
        for (i, fruit) in ["apple", "banana", "cherry", "date", "elder"]
            .iter()
            .enumerate()
        {
            wb.set_input(s, i as u32, 2, fruit).unwrap();
        }
        wb.set_input(s, 0, 3, "TRUE").unwrap();
        wb.set_input(s, 1, 3, "FALSE").unwrap();
        wb.set_input(s, 2, 3, "text").unwrap();
        wb.set_input(s, 0, 4, "#DIV/0!").unwrap();
        for (i, v) in [2, 4, 4, 4, 5].iter().enumerate() {
            wb.set_input(s, i as u32, 5, &v.to_string()).unwrap();
        }
        for (i, v) in [45306, 45337, 45366].iter().enumerate() {
            wb.set_input(s, i as u32, 6, &v.to_string()).unwrap();
        }
        for (i, v) in [-100, 60, 60].iter().enumerate() {
            wb.set_input(s, i as u32, 7, &v.to_string()).unwrap();
        }
    });
    (wb, s)
}

/// Evaluates a formula in Z100 of the fixture and returns what it shows.
pub fn eval(wb: &mut Workbook, s: SheetId, formula: &str) -> String {
    wb.set_input(s, 99, 25, formula)
        .unwrap_or_else(|e| panic!("{formula}: {e}"));
    wb.display(s, 99, 25)
}
