//! `sheet-eval FILE.xlsx`: loads a workbook, recalculates every formula with
//! this engine and prints one line per formula cell:
//! `sheet<TAB>A1<TAB>type<TAB>value` (type: n, s, b, e). The differential
//! test (frontend-sheet/tests/differential) compares these lines with a
//! reference engine.

use std::io::Write as _;
use std::process::ExitCode;

use sheet_core::Value;

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: sheet-eval FILE.xlsx");
        return ExitCode::from(2);
    };
    let data = match std::fs::read(&path) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("sheet-eval: cannot read {path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let wb = match sheet_io::read_xlsx(&data) {
        Ok(wb) => wb,
        Err(e) => {
            eprintln!("sheet-eval: {path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for (id, name) in wb.sheets() {
        let Some(sheet) = wb.sheet(id) else { continue };
        for (r, c, cell) in sheet.cells() {
            if cell.formula.is_none() {
                continue;
            }
            let (kind, text) = match &cell.value {
                Value::Number(n) => ("n", format!("{n:?}")),
                Value::Text(s) => ("s", s.replace(['\t', '\n'], " ")),
                Value::Bool(b) => ("b", b.to_string()),
                Value::Error(e) => ("e", e.as_str().to_string()),
                Value::Empty => ("n", "0.0".to_string()),
                Value::Array(_) => ("e", "#VALUE!".to_string()),
            };
            let _ = writeln!(
                out,
                "{name}\t{}\t{kind}\t{text}",
                sheet_formula::address::cell_name(r, c)
            );
        }
    }
    ExitCode::SUCCESS
}
