//! Recalculation order, incremental recomputation, cycles, deep chains,
//! names, formats, errors at the boundary.

use sheet_core::{ErrorKind, Rect, SheetError, Value, Workbook};

fn book() -> (Workbook, u32) {
    let wb = Workbook::new();
    let s = wb.sheet_at(0).unwrap();
    (wb, s)
}

#[test]
fn formulas_see_their_precedents_computed_first() {
    let (mut wb, s) = book();
    // Entered in reverse dependency order.
    wb.set_input(s, 3, 0, "=A3*2").unwrap();
    wb.set_input(s, 2, 0, "=A2+1").unwrap();
    wb.set_input(s, 1, 0, "=A1+1").unwrap();
    wb.set_input(s, 0, 0, "5").unwrap();
    assert_eq!(wb.get(s, 3, 0), Value::Number(14.0));
    wb.set_input(s, 0, 0, "10").unwrap();
    assert_eq!(wb.get(s, 3, 0), Value::Number(24.0));
}

#[test]
fn an_edit_recomputes_only_its_dependents() {
    let (mut wb, s) = book();
    wb.batch(|wb| {
        for r in 0..100 {
            wb.set_input(s, r, 0, &r.to_string()).unwrap();
            wb.set_input(s, r, 1, &format!("=A{}*2", r + 1)).unwrap();
        }
        wb.set_input(s, 0, 2, "=SUM(B1:B10)").unwrap();
        wb.set_input(s, 1, 2, "=SUM(B50:B60)").unwrap();
    });
    let before = wb.evaluations();
    wb.set_input(s, 4, 0, "1000").unwrap(); // A5: B5 and C1 only
    assert_eq!(wb.evaluations() - before, 2);
    assert_eq!(wb.get(s, 0, 2), Value::Number(2.0 * (45.0 - 4.0 + 1000.0)));
    assert_eq!(
        wb.get(s, 1, 2),
        Value::Number(2.0 * f64::from((49..=59).sum::<u32>()))
    );
    let before = wb.evaluations();
    wb.set_input(s, 99, 0, "7").unwrap(); // A100: only B100
    assert_eq!(wb.evaluations() - before, 1);
}

#[test]
fn running_sums_over_growing_ranges() {
    let (mut wb, s) = book();
    wb.batch(|wb| {
        for r in 0..1000u32 {
            wb.set_input(s, r, 0, "1").unwrap();
            wb.set_input(s, r, 3, &format!("=SUM(A$1:A{})", r + 1))
                .unwrap();
        }
    });
    assert_eq!(wb.get(s, 999, 3), Value::Number(1000.0));
    wb.set_input(s, 0, 0, "11").unwrap();
    assert_eq!(wb.get(s, 0, 3), Value::Number(11.0));
    assert_eq!(wb.get(s, 999, 3), Value::Number(1010.0));
    wb.set_input(s, 500, 0, "text").unwrap();
    assert_eq!(wb.get(s, 499, 3), Value::Number(510.0));
    assert_eq!(wb.get(s, 500, 3), Value::Number(510.0));
    assert_eq!(wb.get(s, 999, 3), Value::Number(1009.0));
}

#[test]
fn cycles_are_reported_and_recover() {
    let (mut wb, s) = book();
    wb.set_input(s, 0, 0, "=B1+1").unwrap();
    wb.set_input(s, 0, 1, "=A1+1").unwrap();
    wb.set_input(s, 0, 2, "=A1*2").unwrap();
    assert_eq!(wb.get(s, 0, 0), Value::Error(ErrorKind::Cycle));
    assert_eq!(wb.get(s, 0, 1), Value::Error(ErrorKind::Cycle));
    assert_eq!(wb.get(s, 0, 2), Value::Error(ErrorKind::Cycle));
    assert_eq!(wb.display(s, 0, 2), "#CYCLE!");
    wb.set_input(s, 0, 1, "4").unwrap();
    assert_eq!(wb.get(s, 0, 0), Value::Number(5.0));
    assert_eq!(wb.get(s, 0, 2), Value::Number(10.0));
}

#[test]
fn a_cell_summing_a_range_that_contains_it_is_a_cycle() {
    let (mut wb, s) = book();
    wb.set_input(s, 0, 0, "1").unwrap();
    wb.set_input(s, 4, 0, "=SUM(A1:A10)").unwrap();
    assert_eq!(wb.get(s, 4, 0), Value::Error(ErrorKind::Cycle));
    wb.set_input(s, 0, 0, "=A1").unwrap();
    assert_eq!(wb.get(s, 0, 0), Value::Error(ErrorKind::Cycle));
}

#[test]
fn a_million_cell_chain_needs_no_deep_stack() {
    let (mut wb, s) = book();
    let n = 1_000_000u32;
    // Each cell reads the one BELOW it, so computing A1 first needs the whole
    // chain under it: a recursive evaluator would need a million frames.
    wb.batch(|wb| {
        for r in 0..n - 1 {
            wb.set_formula(s, r, 0, &format!("=A{}+1", r + 2)).unwrap();
        }
        wb.set_input(s, n - 1, 0, "1").unwrap();
    });
    assert_eq!(wb.get(s, 0, 0), Value::Number(f64::from(n)));
    wb.set_input(s, n - 1, 0, "2").unwrap();
    assert_eq!(wb.get(s, 0, 0), Value::Number(f64::from(n) + 1.0));
}

#[test]
fn whole_column_and_million_row_references() {
    let (mut wb, s) = book();
    wb.set_input(s, 0, 0, "1").unwrap();
    wb.set_input(s, 1_048_575, 0, "2").unwrap();
    wb.set_input(s, 0, 1, "=SUM(A:A)").unwrap();
    wb.set_input(s, 1, 1, "=SUM(A1:A1048576)").unwrap();
    let other = wb.add_sheet("Other").unwrap();
    wb.set_input(other, 0, 0, "=COUNT(Sheet1!1:1048576)")
        .unwrap();
    assert_eq!(wb.get(s, 0, 1), Value::Number(3.0));
    assert_eq!(wb.get(s, 1, 1), Value::Number(3.0));
    assert_eq!(wb.get(other, 0, 0), Value::Number(4.0));
    let err = wb.set_input(s, 3, 1, "=A1048577").unwrap_err();
    assert!(matches!(err, SheetError::Parse { .. }), "{err}");
    let err = wb.set_input(s, 1_048_576, 0, "1").unwrap_err();
    assert_eq!(
        err,
        SheetError::OutOfRange {
            row: 1_048_576,
            col: 0
        }
    );
}

#[test]
fn malformed_formulas_are_refused_with_a_position() {
    let (mut wb, s) = book();
    wb.set_input(s, 0, 0, "1").unwrap();
    for bad in [
        "=1+",
        "=SUM(1,2",
        "=\"abc",
        "=A1 B1",
        "=Nope!A1",
        "=SUM(1)(2)",
        "=IF(1,2,3,4)",
        "=#FOO!",
    ] {
        match wb.set_input(s, 0, 0, bad) {
            Err(SheetError::Parse { formula, error }) => {
                assert_eq!(formula, bad);
                assert!(!error.message.is_empty());
            }
            other => panic!("{bad}: {other:?}"),
        }
        assert_eq!(
            wb.get(s, 0, 0),
            Value::Number(1.0),
            "the cell keeps its value after {bad}"
        );
    }
    let deep = format!("={}1{}", "(".repeat(5000), ")".repeat(5000));
    assert!(matches!(
        wb.set_input(s, 0, 0, &deep),
        Err(SheetError::Parse { .. })
    ));
    assert_eq!(
        wb.set_input(s, 0, 1, "=NOSUCHFUNC(1)")
            .map(|()| wb.display(s, 0, 1)),
        Ok("#NAME?".into())
    );
}

#[test]
fn operators_follow_excel_precedence() {
    let (mut wb, s) = book();
    for (f, want) in [
        ("=-2^2", "4"),
        ("=2^3^2", "64"),
        ("=1+2*3", "7"),
        ("=(1+2)*3", "9"),
        ("=50%*4", "2"),
        ("=1+2&\"x\"", "3x"),
        ("=1+1=2", "TRUE"),
        ("=\"a\"<\"B\"", "TRUE"),
        ("=2>\"1\"", "FALSE"),
        ("=1/0", "#DIV/0!"),
        ("=\"x\"+1", "#VALUE!"),
        ("=\"3\"*2", "6"),
        ("=SUM({1,2;3,4})", "10"),
        ("=#N/A", "#N/A"),
        ("=0.1+0.2", "0.3"),
    ] {
        wb.set_input(s, 0, 0, f).unwrap();
        assert_eq!(wb.display(s, 0, 0), want, "{f}");
    }
}

#[test]
fn the_seed_example_concatenates() {
    let (mut wb, s) = book();
    wb.set_input(s, 0, 0, "Hello").unwrap();
    wb.set_input(s, 0, 1, "World").unwrap();
    wb.set_input(s, 1, 0, "=A1 & \" \" & B1").unwrap();
    assert_eq!(wb.display(s, 1, 0), "Hello World");
    // The formula reads back as typed; the normalized form drops the spaces.
    assert_eq!(wb.formula(s, 1, 0).as_deref(), Some("=A1 & \" \" & B1"));
    assert_eq!(
        wb.formula_normalized(s, 1, 0).as_deref(),
        Some("=A1&\" \"&B1")
    );
}

#[test]
fn cross_sheet_references_and_renames() {
    let (mut wb, s) = book();
    let data = wb.add_sheet("Data Sheet").unwrap();
    wb.set_input(data, 0, 0, "21").unwrap();
    wb.set_input(s, 0, 0, "='Data Sheet'!A1*2").unwrap();
    assert_eq!(wb.get(s, 0, 0), Value::Number(42.0));
    wb.set_input(data, 0, 0, "50").unwrap();
    assert_eq!(wb.get(s, 0, 0), Value::Number(100.0));
    wb.rename_sheet(data, "Inputs").unwrap();
    assert_eq!(wb.formula(s, 0, 0).as_deref(), Some("=Inputs!A1*2"));
    assert_eq!(
        wb.add_sheet("inputs"),
        Err(SheetError::DuplicateSheet("inputs".into()))
    );
    wb.remove_sheet(data).unwrap();
    assert_eq!(wb.get(s, 0, 0), Value::Error(ErrorKind::Ref));
    assert_eq!(wb.remove_sheet(s), Err(SheetError::LastSheet));
}

#[test]
fn named_ranges() {
    let (mut wb, s) = book();
    for r in 0..3 {
        wb.set_input(s, r, 0, &(r + 1).to_string()).unwrap();
    }
    wb.define_name("Values", "=Sheet1!$A$1:$A$3").unwrap();
    wb.define_name("Rate", "=0.5").unwrap();
    wb.set_input(s, 0, 1, "=SUM(Values)*Rate").unwrap();
    assert_eq!(wb.get(s, 0, 1), Value::Number(3.0));
    wb.set_input(s, 2, 0, "7").unwrap();
    assert_eq!(wb.get(s, 0, 1), Value::Number(5.0));
    wb.define_name("Rate", "=2").unwrap();
    assert_eq!(wb.get(s, 0, 1), Value::Number(20.0));
    assert!(wb.remove_name("rate"));
    assert_eq!(wb.get(s, 0, 1), Value::Error(ErrorKind::Name));
    assert!(matches!(
        wb.define_name("A1", "=1"),
        Err(SheetError::BadName(_))
    ));
    assert!(matches!(
        wb.define_name("has space", "=1"),
        Err(SheetError::BadName(_))
    ));
    assert_eq!(
        wb.names(),
        vec![("Values".to_string(), "=Sheet1!$A$1:$A$3".to_string())]
    );
}

#[test]
fn number_formats_change_the_display_only() {
    let (mut wb, s) = book();
    wb.set_input(s, 0, 0, "1234.5678").unwrap();
    wb.set_format(s, 0, 0, Some("#,##0.00")).unwrap();
    assert_eq!(wb.display(s, 0, 0), "1,234.57");
    assert_eq!(wb.get(s, 0, 0), Value::Number(1234.5678));
    wb.set_input(s, 1, 0, "=DATE(2024,1,15)").unwrap();
    wb.set_format(s, 1, 0, Some("yyyy-mm-dd")).unwrap();
    assert_eq!(wb.display(s, 1, 0), "2024-01-15");
    wb.set_format(s, 0, 0, None).unwrap();
    assert_eq!(wb.display(s, 0, 0), "1234.5678");
}

#[test]
fn batches_recalculate_once_at_the_end() {
    let (mut wb, s) = book();
    wb.set_input(s, 0, 1, "=A1+A2").unwrap();
    let before = wb.evaluations();
    wb.begin_batch();
    wb.set_input(s, 0, 0, "1").unwrap();
    wb.set_input(s, 1, 0, "2").unwrap();
    assert_eq!(wb.evaluations(), before);
    assert_eq!(wb.pending_formulas(), 0);
    wb.end_batch();
    assert_eq!(wb.evaluations() - before, 1);
    assert_eq!(wb.get(s, 0, 1), Value::Number(3.0));
}

#[test]
fn change_tracking_lists_each_changed_cell_once() {
    let (mut wb, s) = book();
    wb.set_input(s, 0, 1, "=A1*2").unwrap();
    wb.track_changes(true);
    wb.set_input(s, 0, 0, "4").unwrap();
    let mut changes = wb.take_changes();
    changes.sort_unstable();
    assert_eq!(changes, vec![(s, 0, 0), (s, 0, 1)]);
    assert!(wb.take_changes().is_empty());
}

#[test]
fn rectangular_reads() {
    let (mut wb, s) = book();
    for r in 0..50u32 {
        for c in 0..20u32 {
            if (r + c) % 3 == 0 {
                wb.set_value(s, r, c, Value::Number(f64::from(r * 100 + c)))
                    .unwrap();
            }
        }
    }
    let block = wb.range_values(s, Rect::new(10, 5, 12, 7));
    assert_eq!(block[0][0], Value::Number(1005.0));
    assert_eq!(block[1][2], Value::Number(1107.0));
    assert_eq!(block[2][1], Value::Number(1206.0));
    assert_eq!(block[0][1], Value::Empty);
}

#[test]
fn formulas_behind_a_cycle_are_computed_after_it() {
    let (mut wb, s) = book();
    wb.batch(|wb| {
        wb.set_input(s, 0, 0, "=B1").unwrap(); // A1 <-> B1
        wb.set_input(s, 0, 1, "=A1").unwrap();
        wb.set_input(s, 0, 2, "=IFERROR(A1,7)").unwrap(); // reads the cycle
        wb.set_input(s, 0, 3, "=C1*2").unwrap(); // behind that
        wb.set_input(s, 0, 4, "=D1+1").unwrap();
    });
    assert_eq!(wb.get(s, 0, 0), Value::Error(ErrorKind::Cycle));
    assert_eq!(wb.get(s, 0, 1), Value::Error(ErrorKind::Cycle));
    assert_eq!(wb.get(s, 0, 2), Value::Number(7.0));
    assert_eq!(wb.get(s, 0, 3), Value::Number(14.0));
    assert_eq!(wb.get(s, 0, 4), Value::Number(15.0));
    // A self-reference through a single cell.
    wb.set_input(s, 5, 0, "=A6+1").unwrap();
    assert_eq!(wb.get(s, 5, 0), Value::Error(ErrorKind::Cycle));
    wb.set_input(s, 0, 1, "3").unwrap();
    assert_eq!(wb.get(s, 0, 4), Value::Number(7.0));
}

#[test]
fn repeated_edits_reuse_the_order_until_the_graph_changes() {
    let (mut wb, s) = book();
    wb.batch(|wb| {
        for r in 0..50u32 {
            wb.set_input(s, r, 0, "1").unwrap();
            wb.set_input(s, r, 1, &format!("=A{}*2", r + 1)).unwrap();
            let prev = if r == 0 {
                "0".to_string()
            } else {
                format!("C{r}")
            };
            wb.set_input(s, r, 2, &format!("={prev}+B{}", r + 1))
                .unwrap();
        }
    });
    assert_eq!(wb.get(s, 49, 2), Value::Number(100.0));
    for v in 2..5 {
        let before = wb.evaluations();
        wb.set_input(s, 0, 0, &v.to_string()).unwrap();
        assert_eq!(wb.evaluations() - before, 51);
        assert_eq!(wb.get(s, 49, 2), Value::Number(98.0 + 2.0 * f64::from(v)));
    }
    // A new reader of A1: the next edit of A1 must reach it too.
    wb.set_input(s, 0, 3, "=A1*100").unwrap();
    wb.set_input(s, 0, 0, "10").unwrap();
    assert_eq!(wb.get(s, 0, 3), Value::Number(1000.0));
    assert_eq!(wb.get(s, 49, 2), Value::Number(118.0));
    // A formula removed from the chain: the old order must not be reused.
    wb.set_input(s, 25, 2, "0").unwrap();
    wb.set_input(s, 0, 0, "11").unwrap();
    assert_eq!(wb.get(s, 49, 2), Value::Number(48.0));
    assert_eq!(wb.get(s, 24, 2), Value::Number(22.0 + 48.0));
}

#[test]
fn change_events_carry_the_old_value() {
    let (mut wb, s) = book();
    let other = wb.add_sheet("Other").unwrap();
    wb.set_input(s, 0, 0, "2").unwrap();
    wb.set_input(s, 0, 1, "=A1*2").unwrap();
    wb.set_input(other, 0, 0, "=Sheet1!B1+1").unwrap();
    wb.set_input(s, 1, 1, "=A1>0").unwrap();
    wb.track_changes(true);
    wb.set_input(s, 0, 0, "5").unwrap();
    let mut events = wb.take_change_events();
    events.sort_by_key(|e| (e.sheet, e.row, e.col));
    let seen: Vec<_> = events
        .iter()
        .map(|e| {
            (
                (e.sheet, e.row, e.col),
                e.old.clone(),
                wb.get(e.sheet, e.row, e.col),
            )
        })
        .collect();
    // B2 (A1>0) stays TRUE: not an event.
    assert_eq!(
        seen,
        vec![
            ((s, 0, 0), Value::Number(2.0), Value::Number(5.0)),
            ((s, 0, 1), Value::Number(4.0), Value::Number(10.0)),
            ((other, 0, 0), Value::Number(5.0), Value::Number(11.0)),
        ]
    );
    // Two edits of one cell before reading: one event, the first old value.
    wb.set_input(s, 0, 0, "6").unwrap();
    wb.set_input(s, 0, 0, "7").unwrap();
    let events = wb.take_change_events();
    let a1 = events.iter().find(|e| (e.row, e.col) == (0, 0)).unwrap();
    assert_eq!(a1.old, Value::Number(5.0));
    assert_eq!(events.len(), 3);
}

#[test]
fn formulas_keep_their_typed_text_until_rewritten() {
    let (mut wb, s) = book();
    let data = wb.add_sheet("Data").unwrap();
    wb.set_input(s, 0, 1, "=sum( A1 , 2 )").unwrap();
    wb.set_input(s, 1, 1, "= Data!A1 * 2").unwrap();
    wb.set_formula(s, 2, 1, "A1+1").unwrap();
    assert_eq!(wb.formula(s, 0, 1).as_deref(), Some("=sum( A1 , 2 )"));
    assert_eq!(wb.formula(s, 1, 1).as_deref(), Some("= Data!A1 * 2"));
    assert_eq!(wb.formula(s, 2, 1).as_deref(), Some("=A1+1"));
    // Renaming the sheet a formula names re-prints that formula only.
    wb.rename_sheet(data, "Inputs").unwrap();
    assert_eq!(wb.formula(s, 1, 1).as_deref(), Some("=Inputs!A1*2"));
    assert_eq!(wb.formula(s, 0, 1).as_deref(), Some("=sum( A1 , 2 )"));
    // A structure edit that moves A1 rewrites the reference.
    wb.insert_rows(s, 0, 1).unwrap();
    assert_eq!(wb.formula(s, 1, 1).as_deref(), Some("=SUM(A2,2)"));
}

#[test]
fn computed_references_read_up_to_date_cells() {
    let (mut wb, s) = book();
    wb.batch(|wb| {
        wb.set_input(s, 0, 2, "1").unwrap(); // C1
        wb.set_input(s, 0, 1, "=C1*10").unwrap(); // B1
        wb.set_input(s, 0, 0, "B1").unwrap(); // A1: the text of a reference
        wb.set_input(s, 0, 3, "=INDIRECT(A1)*2").unwrap(); // D1
        wb.set_input(s, 0, 4, "=D1+1").unwrap(); // E1
        wb.set_input(s, 1, 3, "=SUM(OFFSET(B1,0,0,1,2))").unwrap(); // D2 = B1+C1
    });
    assert_eq!(wb.get(s, 0, 3), Value::Number(20.0));
    assert_eq!(wb.get(s, 0, 4), Value::Number(21.0));
    assert_eq!(wb.get(s, 1, 3), Value::Number(11.0));
    // D1 reads B1 through INDIRECT only: it must wait for B1 all the same.
    wb.set_input(s, 0, 2, "2").unwrap();
    assert_eq!(wb.get(s, 0, 3), Value::Number(40.0));
    assert_eq!(wb.get(s, 0, 4), Value::Number(41.0));
    assert_eq!(wb.get(s, 1, 3), Value::Number(22.0));
    // Pointing the text elsewhere.
    wb.set_input(s, 0, 0, "C1").unwrap();
    assert_eq!(wb.get(s, 0, 4), Value::Number(5.0));
    // Circular through computed references.
    wb.set_input(s, 5, 0, "=INDIRECT(\"A6\")").unwrap();
    assert_eq!(wb.get(s, 5, 0), Value::Error(ErrorKind::Cycle));
    wb.set_input(s, 6, 0, "=INDIRECT(\"B7\")").unwrap();
    wb.set_input(s, 6, 1, "=A7+1").unwrap();
    assert_eq!(wb.get(s, 6, 0), Value::Error(ErrorKind::Cycle));
    assert_eq!(wb.get(s, 6, 1), Value::Error(ErrorKind::Cycle));
    wb.set_input(s, 6, 1, "5").unwrap();
    assert_eq!(wb.get(s, 6, 0), Value::Number(5.0));
}

#[test]
fn untaken_changes_stay_bounded_by_the_cells_changed() {
    let (mut wb, s) = book();
    wb.set_input(s, 0, 1, "=A1*2").unwrap();
    wb.track_changes(true);
    // 600,000 edits of one cell (each also recomputing B1), never taken.
    for i in 0..600_000u32 {
        wb.set_value(s, 0, 0, Value::Number(f64::from(i))).unwrap();
    }
    let events = wb.take_change_events();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].old, Value::Empty);
    assert!(events
        .iter()
        .any(|e| e.col == 1 && e.old == Value::Number(0.0)));
}

#[test]
fn formulas_in_r1c1_notation() {
    let mut wb = sheet_core::Workbook::new();
    let s = wb.sheet_at(0).unwrap();
    let data = wb.add_sheet("My Data").unwrap();
    for r in 0..4u32 {
        wb.set_input(s, r, 0, &(r + 1).to_string()).unwrap();
    }
    wb.set_input(data, 2, 1, "100").unwrap();
    // Relative parts count from the formula's cell (B5 here), absolute are one-based.
    wb.set_formula_r1c1(s, 4, 1, "=SUM(R1C1:R[-1]C[-1])+R[-4]C[-1]*'My Data'!R3C2")
        .unwrap();
    assert_eq!(wb.get(s, 4, 1), sheet_core::Value::Number(110.0));
    assert_eq!(
        wb.formula(s, 4, 1).as_deref(),
        Some("=SUM($A$1:A4)+A1*'My Data'!$B$3")
    );
    assert_eq!(
        wb.formula_r1c1(s, 4, 1).as_deref(),
        Some("=SUM(R1C1:R[-1]C[-1])+R[-4]C[-1]*'My Data'!R3C2")
    );
    // A1 formulas print in R1C1 too: whole rows, columns, spill references.
    wb.set_input(s, 0, 3, "=SUM(A:A)+SUM($2:3)").unwrap();
    assert_eq!(
        wb.formula_r1c1(s, 0, 3).as_deref(),
        Some("=SUM(C[-3]:C[-3])+SUM(R2:R[2])")
    );
    wb.set_formula_r1c1(s, 0, 4, "=SEQUENCE(2)").unwrap();
    wb.set_formula_r1c1(
        s,
        0,
        5,
        "=SUM(RC[-1]#)+SUM(C[-5])+SUM(R3:R4)-ROUND(RC[-1],0)",
    )
    .unwrap();
    assert_eq!(
        wb.formula(s, 0, 5).as_deref(),
        Some("=SUM(E1#)+SUM(A:A)+SUM($3:$4)-ROUND(E1,0)")
    );
    assert_eq!(
        wb.get(s, 0, 5),
        sheet_core::Value::Number(3.0 + 10.0 + 7.0 - 1.0)
    );
    // Names and functions starting with R or C are not references.
    wb.define_name("Rate", "=Sheet1!$A$2").unwrap();
    wb.set_formula_r1c1(s, 1, 5, "=Rate*CEILING(R[-1]C[-5],1)")
        .unwrap();
    assert_eq!(wb.get(s, 1, 5), sheet_core::Value::Number(2.0));
    // Off the sheet, or A1 text in R1C1 mode.
    assert!(wb.set_formula_r1c1(s, 0, 0, "=R[-1]C").is_err());
    assert!(wb.set_formula_r1c1(s, 0, 0, "=R0C1").is_err());
    let err = wb
        .set_formula_r1c1(s, 0, 6, "=A1+1")
        .unwrap_err()
        .to_string();
    assert!(err.contains("A1-style reference A1"), "{err}");
}

#[test]
fn formulas_of_one_shape_parse_alike_wherever_they_are() {
    // Formulas typed along a column (a fill) reuse one parse, translated:
    // every one must read and compute exactly as if parsed on its own.
    let mut wb = sheet_core::Workbook::new();
    let s = wb.sheet_at(0).unwrap();
    let other = wb.add_sheet("AB1").unwrap();
    wb.set_input(other, 0, 0, "7").unwrap();
    let n = 50u32;
    wb.batch(|wb| {
        for r in 0..n {
            let i = r + 1;
            wb.set_input(s, r, 0, &i.to_string()).unwrap();
            wb.set_input(s, r, 1, &format!("=A{i}*2+$A$1+A$2+'AB1'!A1+LOG10(100)"))
                .unwrap();
            wb.set_input(s, r, 2, &format!("=SUM(A$1:A{i})&\"A{i}\""))
                .unwrap();
            wb.set_input(s, r, 3, &format!("=AB1!$A$1+b{i}")).unwrap();
        }
    });
    for r in 0..n {
        let i = f64::from(r + 1);
        assert_eq!(
            wb.get(s, r, 1),
            sheet_core::Value::Number(i * 2.0 + 1.0 + 2.0 + 7.0 + 2.0)
        );
        assert_eq!(
            wb.display(s, r, 2),
            format!("{}A{}", i * (i + 1.0) / 2.0, r + 1)
        );
        assert_eq!(
            wb.get(s, r, 3),
            sheet_core::Value::Number(7.0 + i * 2.0 + 12.0)
        );
        assert_eq!(
            wb.formula_normalized(s, r, 1).as_deref(),
            Some(format!("=A{}*2+$A$1+A$2+'AB1'!A1+LOG10(100)", r + 1).as_str())
        );
        assert_eq!(
            wb.formula_normalized(s, r, 3).as_deref(),
            Some(format!("='AB1'!$A$1+B{}", r + 1).as_str())
        );
    }
    // A formula near the edge whose shape was cached far from it.
    wb.set_input(s, 0, 5, "=F2+1").unwrap();
    wb.set_input(s, 1_048_575, 5, "=F1048577+1").unwrap_err();
    wb.set_input(s, 1_048_574, 5, "=F1048576+1").unwrap();
    assert_eq!(
        wb.formula_normalized(s, 1_048_574, 5).as_deref(),
        Some("=F1048576+1")
    );
    // Renaming a sheet changes what a name means: no stale parse.
    wb.rename_sheet(other, "Other").unwrap();
    assert!(wb.set_input(s, 0, 6, "=AB1!A1").is_err());
    let third = wb.add_sheet("AB1").unwrap();
    wb.set_input(third, 0, 0, "5").unwrap();
    wb.set_input(s, 1, 6, "=AB1!A1").unwrap();
    assert_eq!(wb.get(s, 1, 6), sheet_core::Value::Number(5.0));
}

#[test]
fn formulas_of_one_shape_keep_whole_rows_and_columns() {
    // Same text in two rows and two columns: a shared parse must not move
    // whole-row or whole-column references with the cell.
    let (mut wb, s) = book();
    for (r, c) in [(0, 1), (5, 1), (5, 4)] {
        wb.set_formula(s, r, c, "=SUM(1:1)+COUNT(A:A)").unwrap();
        assert_eq!(
            wb.formula_normalized(s, r, c).as_deref(),
            Some("=SUM(1:1)+COUNT(A:A)"),
            "cell ({r}, {c})"
        );
    }
    // A cell range of the same shape does move.
    wb.set_formula(s, 0, 6, "=SUM(A1:B2)").unwrap();
    wb.set_formula(s, 3, 7, "=SUM(A1:B2)").unwrap();
    assert_eq!(
        wb.formula_normalized(s, 3, 7).as_deref(),
        Some("=SUM(A1:B2)")
    );
}

#[test]
fn typed_text_is_given_back_as_typed() {
    let (mut wb, s) = book();
    // Printed form, lower case, spaces: each reads back as typed, also when
    // the second of a shape comes from the shared parse.
    for (r, text) in [
        (0, "=A1*2"),
        (1, "=A2*2"),
        (2, "=a3*2"),
        (3, "=A4 * 2"),
        (4, "=sum(A1:A5)"),
        (5, "=SUM(A2:A6)"),
        (6, "B7+1"),
    ] {
        wb.set_formula(s, r, 9, text).unwrap();
        let want = if text.starts_with('=') {
            text.to_owned()
        } else {
            format!("={text}")
        };
        assert_eq!(wb.formula(s, r, 9), Some(want), "row {r}");
    }
    assert_eq!(wb.formula_normalized(s, 2, 9).as_deref(), Some("=A3*2"));
    assert_eq!(
        wb.formula_normalized(s, 4, 9).as_deref(),
        Some("=SUM(A1:A5)")
    );
}
