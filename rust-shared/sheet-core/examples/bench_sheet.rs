//! Native timings of the scenarios (run by `nox -s bench -- sheet`
//! through frontend-sheet/benchmarks/bench_sheet.py):
//!
//! - S1: 100,000 rows of A=n, B=A*2, C=C(prev)+B; edit A1, recalculate.
//! - S2: S1 plus D=SUM(A$1:An) on every row; edit A1, recalculate.
//! - S3: build (enter and compute) the S2 sheet.
//!
//! Prints one JSON object per scenario: {"scenario": .., "ms": ..}.
//!
//!     cargo run --release -p sheet-core --example bench_sheet -- [rows] [S1|S2|S3] [runs]
//!
//! Naming one scenario runs only it (`runs` times, for a profiler).

#![allow(clippy::print_stdout, clippy::cast_precision_loss)]

use std::time::Instant;

use sheet_core::{SheetId, Value, Workbook};

fn build(rows: u32, with_sum: bool) -> (Workbook, SheetId) {
    let mut wb = Workbook::new();
    let s = wb.sheet_at(0).unwrap();
    wb.batch(|wb| {
        for r in 0..rows {
            let n = r + 1;
            wb.set_value(s, r, 0, Value::Number(f64::from(n))).unwrap();
            wb.set_formula(s, r, 1, &format!("=A{n}*2")).unwrap();
            if r == 0 {
                wb.set_formula(s, r, 2, "=B1").unwrap();
            } else {
                wb.set_formula(s, r, 2, &format!("=C{}+B{n}", n - 1))
                    .unwrap();
            }
            if with_sum {
                wb.set_formula(s, r, 3, &format!("=SUM(A$1:A{n})")).unwrap();
            }
        }
    });
    (wb, s)
}

fn best_of(runs: usize, mut f: impl FnMut() -> f64) -> f64 {
    (0..runs).map(|_| f()).fold(f64::INFINITY, f64::min)
}

fn main() {
    let rows: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let only = std::env::args().nth(2);
    let runs: usize = std::env::args()
        .nth(3)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5);
    let wanted = |name: &str| only.as_deref().is_none_or(|o| o == name);
    for (name, with_sum) in [("S1", false), ("S2", true)] {
        if !wanted(name) {
            continue;
        }
        let (mut wb, s) = build(rows, with_sum);
        let mut v = 2.0;
        // The first edit after building also finds the formulas to recompute
        // and their order; later edits of the same cell reuse that order.
        let t = Instant::now();
        wb.set_value(s, 0, 0, Value::Number(v)).unwrap();
        let first = t.elapsed().as_secs_f64() * 1000.0;
        println!("{{\"scenario\": \"{name} first edit\", \"ms\": {first:.3}}}");
        let ms = best_of(runs, || {
            v += 1.0;
            let t = Instant::now();
            wb.set_value(s, 0, 0, Value::Number(v)).unwrap();
            t.elapsed().as_secs_f64() * 1000.0
        });
        let total = 2.0 * (f64::from(rows) * (f64::from(rows) + 1.0) / 2.0 - 1.0 + v);
        assert_eq!(
            wb.get(s, rows - 1, 2),
            Value::Number(total),
            "{name}: wrong result"
        );
        println!("{{\"scenario\": \"{name}\", \"ms\": {ms:.3}}}");
    }
    if !wanted("S3") {
        return;
    }
    let ms = best_of(runs.min(3), || {
        let t = Instant::now();
        let (wb, s) = build(rows, true);
        let elapsed = t.elapsed().as_secs_f64() * 1000.0;
        assert_eq!(
            wb.get(s, rows - 1, 3),
            Value::Number(f64::from(rows) * (f64::from(rows) + 1.0) / 2.0)
        );
        elapsed
    });
    println!("{{\"scenario\": \"S3\", \"ms\": {ms:.3}}}");
}
