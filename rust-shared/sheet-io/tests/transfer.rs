//! The binary hand-over between the engine's WebAssembly module and the XLSX
//! module: what goes in comes out, and damaged bytes give errors.

use std::collections::BTreeMap;

use sheet_core::conditional::{
    ConditionalFormat, ConditionalFormats, Highlight, Operator, Rgb, RuleKind,
};
use sheet_core::{ErrorKind, Rect, Value, Workbook};
use sheet_io::WorkbookData;

fn sample() -> (Workbook, BTreeMap<u32, ConditionalFormats>) {
    let mut wb = Workbook::new();
    let s = wb.sheet_at(0).unwrap();
    let t = wb.add_sheet("Other Sheet").unwrap();
    wb.set_input(s, 0, 0, "1.5").unwrap();
    wb.set_input(s, 1, 0, "text").unwrap();
    wb.set_input(s, 2, 0, "TRUE").unwrap();
    wb.set_input(s, 3, 0, "#N/A").unwrap();
    wb.set_input(s, 0, 1, "=A1*2").unwrap();
    wb.set_format(s, 0, 1, Some("0.00")).unwrap();
    wb.set_input(s, 0, 3, "=SEQUENCE(3)").unwrap();
    wb.set_input(t, 4, 2, "=SUM(Sheet1!A1:A3)+Rate").unwrap();
    wb.set_format(t, 9, 9, Some("yyyy-mm-dd")).unwrap();
    wb.define_name("Rate", "=Sheet1!$A$1").unwrap();
    wb.set_date1904(true);
    let mut formats = ConditionalFormats::default();
    let rules = [
        RuleKind::CellValue {
            operator: Operator::Between,
            values: vec!["1".into(), "=$B$1".into()],
            highlight: Highlight {
                background: Some(Rgb(255, 0, 0)),
                color: None,
                bold: true,
                italic: false,
            },
        },
        RuleKind::Formula {
            formula: "=A1>1".into(),
            highlight: Highlight {
                background: None,
                color: Some(Rgb(1, 2, 3)),
                bold: false,
                italic: true,
            },
        },
        RuleKind::ColorScale {
            colors: vec![Rgb(0, 0, 0), Rgb(9, 9, 9), Rgb(255, 255, 255)],
        },
        RuleKind::DataBar {
            color: Rgb(0, 128, 255),
        },
    ];
    for kind in rules {
        formats
            .add(
                &wb,
                ConditionalFormat {
                    range: Rect::new(0, 0, 9, 1),
                    kind,
                },
            )
            .unwrap();
    }
    (wb, BTreeMap::from([(s, formats)]))
}

#[test]
fn contents_survive_encoding_and_rebuilding() {
    let (wb, conditional) = sample();
    let data = WorkbookData::of(&wb, &conditional);
    assert_eq!(data.sheets.len(), 2);
    assert!(data.date1904);
    let spilled = data.sheets[0].cells.iter().filter(|c| c.spilled).count();
    assert_eq!(spilled, 2, "D2 and D3 come from D1's array");
    let bytes = data.encode();
    let back = WorkbookData::decode(&bytes).unwrap();
    assert_eq!(back, data);

    let (rebuilt, rules) = back.build().unwrap();
    assert!(rebuilt.date1904());
    assert_eq!(rebuilt.names(), wb.names());
    let (s, t) = (rebuilt.sheet_at(0).unwrap(), rebuilt.sheet_at(1).unwrap());
    assert_eq!(rebuilt.sheets()[1].1, "Other Sheet");
    assert_eq!(rebuilt.get(s, 0, 1), Value::Number(3.0));
    assert_eq!(rebuilt.display(s, 0, 1), "3.00");
    assert_eq!(rebuilt.get(s, 3, 0), Value::Error(ErrorKind::NA));
    assert_eq!(rebuilt.get(s, 2, 0), Value::Bool(true));
    assert_eq!(rebuilt.spill_range(s, 0, 3), Some(Rect::new(0, 3, 2, 3)));
    assert_eq!(rebuilt.get(s, 2, 3), Value::Number(3.0));
    assert_eq!(rebuilt.formula(s, 2, 3), None);
    assert_eq!(rebuilt.get(t, 4, 2), Value::Number(3.0));
    assert_eq!(wb.get(wb.sheet_at(1).unwrap(), 4, 2), Value::Number(3.0));
    assert_eq!(rebuilt.format(t, 9, 9).as_deref(), Some("yyyy-mm-dd"));
    assert_eq!(
        rules[&s].rules().collect::<Vec<_>>(),
        conditional[&wb.sheet_at(0).unwrap()]
            .rules()
            .collect::<Vec<_>>()
    );
}

#[test]
fn damaged_bytes_give_errors_not_panics() {
    let (wb, conditional) = sample();
    let bytes = WorkbookData::of(&wb, &conditional).encode();
    let err = WorkbookData::decode(b"XLSX....").unwrap_err();
    assert!(err.to_string().contains("wrong header"), "{err}");
    for cut in [5, 20, bytes.len() / 2, bytes.len() - 1] {
        let err = WorkbookData::decode(&bytes[..cut]).unwrap_err();
        assert!(
            err.to_string().contains("workbook transfer"),
            "{cut}: {err}"
        );
    }
    let mut longer = bytes.clone();
    longer.push(0);
    let err = WorkbookData::decode(&longer).unwrap_err();
    assert!(err.to_string().contains("left after the end"), "{err}");
    // Every single-byte change either decodes or is refused: never a panic.
    for i in 0..bytes.len() {
        let mut b = bytes.clone();
        b[i] ^= 0xff;
        let _ = WorkbookData::decode(&b).map(|d| d.build());
    }
}
