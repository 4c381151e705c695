#![cfg(feature = "xlsx")]
//! A file written and read back is the same: values, formulas, formats,
//! sheets, names.

use sheet_core::{ErrorKind, Value, Workbook};

fn sample() -> Workbook {
    let mut wb = Workbook::new();
    let s = wb.sheet_at(0).unwrap();
    let t = wb.add_sheet("Second Sheet").unwrap();
    wb.set_input(s, 0, 0, "1.5").unwrap();
    wb.set_input(s, 1, 0, "hello, \"world\"").unwrap();
    wb.set_input(s, 2, 0, "TRUE").unwrap();
    wb.set_input(s, 3, 0, "#N/A").unwrap();
    wb.set_input(s, 4, 0, "0.1").unwrap();
    wb.set_input(s, 5, 0, "'007").unwrap();
    wb.set_input(s, 0, 1, "=A1*2").unwrap();
    wb.set_input(s, 1, 1, "=UPPER(A2)").unwrap();
    wb.set_input(s, 2, 1, "=XLOOKUP(1.5,A1:A5,A1:A5)").unwrap();
    wb.set_input(t, 0, 0, "=SUM(Sheet1!A1:A3)+Rate").unwrap();
    wb.set_input(t, 1, 0, "45306").unwrap();
    wb.set_format(t, 1, 0, Some("yyyy-mm-dd")).unwrap();
    wb.define_name("Rate", "=Sheet1!$A$1").unwrap();
    wb
}

#[test]
fn xlsx_round_trip_keeps_everything() {
    let wb = sample();
    let bytes = sheet_io::write_xlsx(&wb).unwrap();
    let back = sheet_io::read_xlsx(&bytes).unwrap();
    assert_eq!(
        back.sheets()
            .iter()
            .map(|(_, n)| n.clone())
            .collect::<Vec<_>>(),
        vec!["Sheet1", "Second Sheet"]
    );
    let (s, t) = (back.sheet_at(0).unwrap(), back.sheet_at(1).unwrap());
    for (sheet_a, sheet_b) in [(wb.sheet_at(0).unwrap(), s), (wb.sheet_at(1).unwrap(), t)] {
        for r in 0..6 {
            for c in 0..2 {
                assert_eq!(
                    back.get(sheet_b, r, c),
                    wb.get(sheet_a, r, c),
                    "value at ({r},{c})"
                );
                assert_eq!(
                    back.formula(sheet_b, r, c),
                    wb.formula(sheet_a, r, c),
                    "formula at ({r},{c})"
                );
                assert_eq!(
                    back.display(sheet_b, r, c),
                    wb.display(sheet_a, r, c),
                    "display at ({r},{c})"
                );
            }
        }
    }
    assert_eq!(back.get(t, 0, 0), Value::Number(3.0));
    assert_eq!(back.display(t, 1, 0), "2024-01-15");
    assert_eq!(back.get(s, 3, 0), Value::Error(ErrorKind::NA));
    assert_eq!(back.names(), wb.names());
}

#[test]
fn csv_round_trip_keeps_values() {
    let wb = sample();
    let s = wb.sheet_at(0).unwrap();
    let csv = sheet_io::write_csv(&wb, s).unwrap();
    let text = String::from_utf8(csv.clone()).unwrap();
    assert!(
        text.starts_with("1.5,3\n\"hello, \"\"world\"\"\",\"HELLO, \"\"WORLD\"\"\"\n"),
        "{text}"
    );
    let mut back = Workbook::new();
    let b = back.sheet_at(0).unwrap();
    sheet_io::read_csv(&mut back, b, &csv).unwrap();
    for r in 0..6 {
        for c in 0..2 {
            assert_eq!(back.get(b, r, c), wb.get(s, r, c), "({r},{c})");
        }
    }
}

#[test]
fn csv_formulas_are_read_as_formulas() {
    let mut wb = Workbook::new();
    let s = wb.sheet_at(0).unwrap();
    sheet_io::read_csv(&mut wb, s, b"1,2,=A1+B1\n").unwrap();
    assert_eq!(wb.get(s, 0, 2), Value::Number(3.0));
    let err = sheet_io::read_csv(&mut wb, s, b"=1+\n").unwrap_err();
    assert!(err.to_string().contains("cannot parse formula"), "{err}");
}

#[test]
fn broken_files_give_errors() {
    let err = sheet_io::read_xlsx(b"not a zip file").err().unwrap();
    assert!(err.to_string().starts_with("XLSX"), "{err}");
}

#[test]
fn spilled_arrays_round_trip_through_xlsx() {
    let mut wb = Workbook::new();
    let s = wb.sheet_at(0).unwrap();
    wb.set_input(s, 0, 0, "=SEQUENCE(3,2)").unwrap();
    wb.set_input(s, 0, 3, "=SUM(A1#)").unwrap();
    wb.set_input(s, 5, 0, "x").unwrap();
    wb.set_input(s, 4, 0, "=SEQUENCE(2)").unwrap();
    assert_eq!(wb.get(s, 4, 0), Value::Error(ErrorKind::Spill));
    let bytes = sheet_io::write_xlsx(&wb).unwrap();
    let back = sheet_io::read_xlsx(&bytes).unwrap();
    let t = back.sheet_at(0).unwrap();
    assert_eq!(back.formula(t, 0, 0).as_deref(), Some("=SEQUENCE(3,2)"));
    assert_eq!(back.formula(t, 2, 1), None);
    assert_eq!(back.get(t, 2, 1), Value::Number(6.0));
    assert_eq!(back.spill_range(t, 0, 0), wb.spill_range(s, 0, 0));
    assert_eq!(back.get(t, 0, 3), Value::Number(21.0));
    assert_eq!(back.formula(t, 0, 3).as_deref(), Some("=SUM(A1#)"));
    assert_eq!(back.get(t, 4, 0), Value::Error(ErrorKind::Spill));
    assert_eq!(back.get(t, 5, 0), Value::from("x"));
}

#[test]
fn excel_cached_spill_values_are_not_blockers() {
    // Excel writes a dynamic array's other cells as plain values.
    let mut out = rust_xlsxwriter::Workbook::new();
    let ws = out.add_worksheet();
    ws.write_dynamic_array_formula(
        0,
        0,
        2,
        0,
        rust_xlsxwriter::Formula::new("=SEQUENCE(3)").set_result("1"),
    )
    .unwrap();
    ws.write_number(1, 0, 2.0).unwrap();
    ws.write_number(2, 0, 3.0).unwrap();
    let bytes = out.save_to_buffer().unwrap();
    let back = sheet_io::read_xlsx(&bytes).unwrap();
    let s = back.sheet_at(0).unwrap();
    assert_eq!(back.get(s, 0, 0), Value::Number(1.0));
    assert_eq!(back.spill_anchor(s, 2, 0), Some((0, 0)));
    assert_eq!(back.get(s, 2, 0), Value::Number(3.0));
}

#[test]
fn the_1904_date_system_round_trips_through_xlsx() {
    let mut wb = Workbook::new();
    let s = wb.sheet_at(0).unwrap();
    wb.set_date1904(true);
    wb.set_input(s, 0, 0, "0").unwrap();
    wb.set_format(s, 0, 0, Some("yyyy-mm-dd")).unwrap();
    wb.set_input(s, 0, 1, "=DATE(2024,1,15)").unwrap();
    let bytes = sheet_io::write_xlsx(&wb).unwrap();
    let back = sheet_io::read_xlsx(&bytes).unwrap();
    assert!(back.date1904());
    let t = back.sheet_at(0).unwrap();
    assert_eq!(back.display(t, 0, 0), "1904-01-01");
    assert_eq!(back.get(t, 0, 1), Value::Number(43844.0));
    // A 1900 workbook stays 1900.
    let plain = sheet_io::read_xlsx(&sheet_io::write_xlsx(&Workbook::new()).unwrap()).unwrap();
    assert!(!plain.date1904());
}

#[test]
fn implicit_intersection_is_stored_as_single() {
    let mut wb = Workbook::new();
    let s = wb.sheet_at(0).unwrap();
    for r in 0..5 {
        wb.set_input(s, r, 0, &(r + 1).to_string()).unwrap();
    }
    wb.set_input(s, 2, 1, "=@A1:A5*10").unwrap();
    wb.set_input(s, 3, 1, "=@(A1:A5*2)+SUM(@A:A)").unwrap();
    wb.set_input(s, 4, 1, "=\"@A1\"&@A1:A5").unwrap();
    let bytes = sheet_io::write_xlsx(&wb).unwrap();
    // The worksheet XML has Excel's stored form.
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&bytes[..])).unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("xl/worksheets/sheet1.xml").unwrap(),
        &mut xml,
    )
    .unwrap();
    assert!(xml.contains("_xlfn.SINGLE(A1:A5)*10"), "{xml}");
    assert!(
        xml.contains("_xlfn.SINGLE((A1:A5*2))+SUM(_xlfn.SINGLE(A:A))"),
        "{xml}"
    );
    assert!(xml.contains("\"@A1\"&amp;_xlfn.SINGLE(A1:A5)"), "{xml}");
    let back = sheet_io::read_xlsx(&bytes).unwrap();
    let t = back.sheet_at(0).unwrap();
    assert_eq!(back.formula(t, 2, 1).as_deref(), Some("=@A1:A5*10"));
    assert_eq!(back.get(t, 2, 1), Value::Number(30.0));
    assert_eq!(
        back.formula(t, 3, 1).as_deref(),
        Some("=@(A1:A5*2)+SUM(@A:A)")
    );
    assert_eq!(back.get(t, 3, 1), Value::Number(6.0));
    assert_eq!(back.get(t, 4, 1), Value::from("@A15"));
}
