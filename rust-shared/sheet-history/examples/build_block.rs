//! Scenario S3 through the path the WebAssembly API takes (`Document::set_block`
//! with typed inputs, one undo step): build the 100,000-row S2 sheet.
//!
//!     cargo run --release -p sheet-history --example build_block -- [rows] [runs]
//!
//! Prints {"scenario": "S3 (block)", "ms": ..}, the best of `runs`.

#![allow(clippy::print_stdout, clippy::cast_precision_loss)]

use std::rc::Rc;
use std::time::Instant;

use sheet_core::Value;
use sheet_history::{Document, Input};

/// The inputs as the WebAssembly API passes them: every text in one string.
fn inputs(rows: u32) -> Vec<Input> {
    let mut texts = String::new();
    let mut ranges = Vec::with_capacity(rows as usize * 3);
    let mut push = |texts: &mut String, t: &str| {
        let start = u32::try_from(texts.len()).unwrap();
        texts.push_str(t);
        ranges.push(start..u32::try_from(texts.len()).unwrap());
    };
    for r in 0..rows {
        let n = r + 1;
        push(&mut texts, &format!("=A{n}*2"));
        if r == 0 {
            push(&mut texts, "=B1");
        } else {
            push(&mut texts, &format!("=C{}+B{n}", n - 1));
        }
        push(&mut texts, &format!("=SUM(A$1:A{n})"));
    }
    let shared: Rc<str> = Rc::from(texts);
    let mut ranges = ranges.into_iter();
    let mut out = Vec::with_capacity(rows as usize * 4);
    for r in 0..rows {
        out.push(Input::Value(Value::Number(f64::from(r + 1))));
        for _ in 0..3 {
            out.push(Input::TypedPart(shared.clone(), ranges.next().unwrap()));
        }
    }
    out
}

fn main() {
    let mut args = std::env::args().skip(1);
    let rows: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let runs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(3);
    let mut best = f64::INFINITY;
    // Kept until the end: dropping a workbook is not part of the scenario.
    let mut built = Vec::new();
    for _ in 0..runs {
        let data = inputs(rows);
        let t = Instant::now();
        let mut doc = Document::new();
        let s = doc.workbook().sheet_at(0).unwrap();
        doc.set_block(s, 0, 0, 4, data).unwrap();
        best = best.min(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(
            doc.workbook().get(s, rows - 1, 3),
            Value::Number(f64::from(rows) * (f64::from(rows) + 1.0) / 2.0)
        );
        built.push(doc);
    }
    println!("{{\"scenario\": \"S3 (block)\", \"ms\": {best:.3}}}");
    std::process::exit(0);
}
