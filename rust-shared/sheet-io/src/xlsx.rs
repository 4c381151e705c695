//! XLSX import/export: read with calamine, written with rust_xlsxwriter.

use std::collections::BTreeMap;
use std::io::Cursor;

use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
use rust_xlsxwriter::{Format, Formula};
use sheet_core::conditional::ConditionalFormats;
use sheet_core::{SheetError, SheetId, Value, Workbook};

use crate::transfer::{CellData, WorkbookData};
use crate::{conditional, io_error, Result};

/// Reads an XLSX file into a new workbook and computes every formula.
pub fn read_xlsx(data: &[u8]) -> Result<Workbook> {
    let mut book: Xlsx<_> =
        open_workbook_from_rs(Cursor::new(data)).map_err(|e| io_error("XLSX", e))?;
    let mut wb = Workbook::empty();
    let names = book.sheet_names();
    if names.is_empty() {
        return Err(SheetError::Io("XLSX: the file has no worksheets".into()));
    }
    let mut ids = Vec::new();
    for name in &names {
        ids.push(wb.add_sheet(name)?);
    }
    // Serial numbers in the file count from its epoch.
    wb.set_date1904(book.has_1904_epoch());
    wb.begin_batch();
    let mut computed = Vec::new();
    let result = load_sheets(&mut book, &mut wb, &names, &ids, &mut computed);
    for (name, formula) in book.defined_names().to_vec() {
        // Names that do not parse (external links...) are skipped.
        let _ = wb.define_name(&name, &format!("={formula}"));
    }
    wb.end_batch();
    result?;
    wb.recalculate_all();
    // Excel stores the spilled values of a dynamic array as constants beside
    // its formula: they are its cached result, not blockers, unless the file
    // says the formula showed an error (calamine has no #SPILL! of its own).
    for (sheet, row, col) in computed {
        if let Some(rect) = wb.blocked_spill_range(sheet, row, col) {
            release_cached_spill(&mut wb, sheet, row, col, rect)?;
        }
    }
    Ok(wb)
}

fn load_sheets(
    book: &mut Xlsx<Cursor<&[u8]>>,
    wb: &mut Workbook,
    names: &[String],
    ids: &[SheetId],
    computed: &mut Vec<(SheetId, u32, u32)>,
) -> Result<()> {
    for (name, &id) in names.iter().zip(ids) {
        let values = book
            .worksheet_range(name)
            .map_err(|e| io_error(&format!("XLSX sheet {name}"), e))?;
        if let Some((r0, c0)) = values.start() {
            for (r, c, data) in values.used_cells() {
                let (row, col) = (r0 + r as u32, c0 + c as u32);
                let (value, format) = data_value(data);
                wb.set_value(id, row, col, value)?;
                if let Some(f) = format {
                    wb.set_format(id, row, col, Some(f))?;
                }
            }
        }
        let formulas = book
            .worksheet_formula(name)
            .map_err(|e| io_error(&format!("XLSX sheet {name}"), e))?;
        if let Some((r0, c0)) = formulas.start() {
            for (r, c, text) in formulas.used_cells() {
                // Empty, or an error constant written by `write_xlsx` (its value is already set).
                if text.is_empty()
                    || sheet_formula::ErrorKind::parse(text.trim_start_matches('=')).is_some()
                {
                    continue;
                }
                let (row, col) = (r0 + r as u32, c0 + c as u32);
                // Newer functions are stored with a `_xlfn.` (`_xlws.`)
                // prefix that Excel never shows; the formula keeps the text
                // as a user would type it.
                let shown =
                    single_from_file(&text.replace("_xlfn._xlws.", "").replace("_xlfn.", ""));
                wb.set_formula(id, row, col, &shown)?;
                let cached_error = match values.get_value((row, col)) {
                    Some(Data::Error(_)) => true,
                    Some(Data::String(t)) => t == "#SPILL!",
                    _ => false,
                };
                if !cached_error {
                    computed.push((id, row, col));
                }
            }
        }
    }
    Ok(())
}

/// Clears the constants in the range a formula's array needs (its cached
/// result in an Excel file), so that it spills.
fn release_cached_spill(
    wb: &mut Workbook,
    sheet: SheetId,
    row: u32,
    col: u32,
    rect: sheet_core::Rect,
) -> Result<()> {
    let mut constants = Vec::new();
    if let Some(s) = wb.sheet(sheet) {
        s.cells_in(rect, |r, c, cell| {
            if (r, c) != (row, col) && cell.formula.is_none() && !cell.value.is_empty() {
                constants.push((r, c));
            }
        });
    }
    wb.begin_batch();
    for (r, c) in constants {
        if let Err(e) = wb.clear(sheet, r, c) {
            wb.end_batch();
            return Err(e);
        }
    }
    wb.end_batch();
    Ok(())
}

fn data_value(data: &Data) -> (Value, Option<&'static str>) {
    match data {
        Data::Int(i) => (Value::Number(*i as f64), None),
        Data::Float(f) => (Value::number(*f), None),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => {
            (Value::from(s.as_str()), None)
        }
        Data::Bool(b) => (Value::Bool(*b), None),
        Data::DateTime(dt) => {
            let serial = dt.as_f64();
            (
                Value::Number(serial),
                Some(if serial.fract() == 0.0 {
                    "yyyy-mm-dd"
                } else {
                    "yyyy-mm-dd hh:mm:ss"
                }),
            )
        }
        Data::Error(e) => (
            sheet_formula::ErrorKind::parse(&e.to_string())
                .map_or(Value::from(e.to_string()), Value::Error),
            None,
        ),
        Data::Empty => (Value::Empty, None),
    }
}

/// Writes a workbook as XLSX: every sheet, values, formulas with their
/// cached results, number formats and defined names.
pub fn write_xlsx(workbook: &Workbook) -> Result<Vec<u8>> {
    write_xlsx_with(workbook, &BTreeMap::new())
}

/// [`write_xlsx`], with each sheet's conditional formatting.
pub fn write_xlsx_with(
    workbook: &Workbook,
    conditional: &BTreeMap<SheetId, ConditionalFormats>,
) -> Result<Vec<u8>> {
    write_xlsx_data(&WorkbookData::of(workbook, conditional))
}

/// Writes a workbook's contents (see [`transfer`]) as XLSX.
pub fn write_xlsx_data(workbook: &WorkbookData) -> Result<Vec<u8>> {
    let mut out = rust_xlsxwriter::Workbook::new();
    for sheet in &workbook.sheets {
        let name = &sheet.name;
        let ws = out.add_worksheet();
        ws.set_name(name)
            .map_err(|e| io_error(&format!("XLSX sheet {name}"), e))?;
        conditional::write_rules(ws, &sheet.conditional)?;
        for cell in &sheet.cells {
            write_cell(ws, cell)?;
        }
    }
    for (name, formula) in &workbook.names {
        out.define_name(name, formula)
            .map_err(|e| io_error(&format!("XLSX name {name}"), e))?;
    }
    let bytes = out.save_to_buffer().map_err(|e| io_error("XLSX", e))?;
    if workbook.date1904 {
        return mark_date1904(&bytes);
    }
    Ok(bytes)
}

fn write_cell(ws: &mut rust_xlsxwriter::Worksheet, cell: &CellData) -> Result<()> {
    let r = cell.row;
    let col = u16::try_from(cell.col).map_err(|_| SheetError::OutOfRange {
        row: u64::from(r),
        col: u64::from(cell.col),
    })?;
    let format = cell
        .format
        .as_deref()
        .map(|f| Format::new().set_num_format(f));
    // A spilled value is written by its formula's dynamic-array range
    // (Excel recomputes it on load), unless it has a format.
    if cell.spilled {
        if let Some(f) = &format {
            ws.write_blank(r, col, f).map_err(|e| io_error("XLSX", e))?;
        }
        return Ok(());
    }
    let written = if let Some(text) = &cell.formula {
        let formula = Formula::new(single_to_file(text)).set_result(cell.value.display());
        if let Some(rect) = cell.spill {
            let last_col = u16::try_from(rect.c2).unwrap_or(u16::MAX);
            match &format {
                Some(f) => ws
                    .write_dynamic_array_formula_with_format(r, col, rect.r2, last_col, formula, f)
                    .map(|_| ()),
                None => ws
                    .write_dynamic_array_formula(r, col, rect.r2, last_col, formula)
                    .map(|_| ()),
            }
        } else {
            match &format {
                Some(f) => ws.write_formula_with_format(r, col, formula, f).map(|_| ()),
                None => ws.write_formula(r, col, formula).map(|_| ()),
            }
        }
    } else {
        match (&cell.value, &format) {
            (Value::Number(n), Some(f)) => ws.write_number_with_format(r, col, *n, f).map(|_| ()),
            (Value::Number(n), None) => ws.write_number(r, col, *n).map(|_| ()),
            (Value::Text(s), Some(f)) => ws
                .write_string_with_format(r, col, s.as_ref(), f)
                .map(|_| ()),
            (Value::Text(s), None) => ws.write_string(r, col, s.as_ref()).map(|_| ()),
            (Value::Bool(b), Some(f)) => ws.write_boolean_with_format(r, col, *b, f).map(|_| ()),
            (Value::Bool(b), None) => ws.write_boolean(r, col, *b).map(|_| ()),
            // An error constant is stored as a formula returning it.
            (Value::Error(e), _) => ws
                .write_formula(
                    r,
                    col,
                    Formula::new(format!("={}", e.as_str())).set_result(e.as_str()),
                )
                .map(|_| ()),
            (Value::Empty, Some(f)) => ws.write_blank(r, col, f).map(|_| ()),
            _ => Ok(()),
        }
    };
    written.map_err(|e| {
        io_error(
            &format!(
                "XLSX cell {}",
                sheet_formula::address::cell_name(r, cell.col)
            ),
            e,
        )
    })
}

/// Sets `date1904="1"` on the workbook properties of an XLSX package
/// (rust_xlsxwriter writes the 1900 system only); the other parts are
/// written again unchanged.
fn mark_date1904(bytes: &[u8]) -> Result<Vec<u8>> {
    use std::io::{Read, Write};
    let fail = |e: &dyn std::fmt::Display| io_error("XLSX (1904 date system)", e);
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| fail(&e))?;
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::with_capacity(bytes.len() + 64)));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut data = Vec::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).map_err(|e| fail(&e))?;
        let name = file.name().map_err(|e| fail(&e))?.to_string();
        data.clear();
        file.read_to_end(&mut data).map_err(|e| fail(&e))?;
        if name == "xl/workbook.xml" {
            let marked = {
                let xml = String::from_utf8_lossy(&data);
                if let Some(at) = xml.find("<workbookPr") {
                    let at = at + "<workbookPr".len();
                    format!("{} date1904=\"1\"{}", &xml[..at], &xml[at..])
                } else if let Some(at) = xml.find("<bookViews") {
                    format!("{}<workbookPr date1904=\"1\"/>{}", &xml[..at], &xml[at..])
                } else {
                    return Err(SheetError::Io(
                        "XLSX (1904 date system): no place for workbookPr in xl/workbook.xml"
                            .into(),
                    ));
                }
            };
            data = marked.into_bytes();
        }
        // Every part is written again the way rust_xlsxwriter wrote it
        // (deflated), which keeps the code shared with it.
        out.start_file(name, options).map_err(|e| fail(&e))?;
        out.write_all(&data).map_err(|e| fail(&e))?;
    }
    let done = out.finish().map_err(|e| fail(&e))?;
    Ok(done.into_inner())
}

// ---- the implicit-intersection operator in files ----
//
// Excel shows `@A1:A10` and stores `_xlfn.SINGLE(A1:A10)`.

/// The end (exclusive) of the parenthesized group starting at `open`,
/// skipping text in double quotes and sheet names in single quotes.
fn group_end(chars: &[char], open: usize) -> usize {
    let mut depth = 0usize;
    let mut i = open;
    while i < chars.len() {
        match chars[i] {
            q @ ('"' | '\'') => {
                i += 1;
                while i < chars.len() && chars[i] != q {
                    i += 1;
                }
            }
            '(' => depth += 1,
            ')' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    chars.len()
}

/// Copies the quoted text starting at `i` (text or a sheet name) to `out`;
/// returns where it ends.
fn copy_quoted(chars: &[char], i: usize, out: &mut String) -> usize {
    let quote = chars[i];
    let mut end = i + 1;
    while end < chars.len() && chars[end] != quote {
        end += 1;
    }
    let end = (end + 1).min(chars.len());
    out.extend(&chars[i..end]);
    end
}

fn is_reference_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '.' | '$' | ':' | '!' | '#' | '\\')
}

/// The end of the operand of `@` starting at `i`: a parenthesized
/// expression, or a reference, name or function call.
fn operand_end(chars: &[char], mut i: usize) -> usize {
    if chars.get(i) == Some(&'(') {
        return group_end(chars, i);
    }
    if chars.get(i) == Some(&'\'') {
        i += 1;
        while i < chars.len() {
            if chars[i] == '\'' {
                if chars.get(i + 1) == Some(&'\'') {
                    i += 2;
                    continue;
                }
                break;
            }
            i += 1;
        }
        i += 1;
    }
    while i < chars.len() && is_reference_char(chars[i]) {
        i += 1;
    }
    if chars.get(i) == Some(&'(') {
        return group_end(chars, i);
    }
    i.min(chars.len())
}

/// `=@A1:A10*2` as an XLSX file stores it: `=_xlfn.SINGLE(A1:A10)*2`.
pub(crate) fn single_to_file(formula: &str) -> String {
    if !formula.contains('@') {
        return formula.to_owned();
    }
    let chars: Vec<char> = formula.chars().collect();
    let mut out = String::with_capacity(formula.len() + 16);
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '"' | '\'' => i = copy_quoted(&chars, i, &mut out),
            '@' => {
                let mut start = i + 1;
                while chars.get(start).is_some_and(|c| c.is_whitespace()) {
                    start += 1;
                }
                let end = operand_end(&chars, start);
                let inner: String = chars[start..end].iter().collect();
                out.push_str("_xlfn.SINGLE(");
                out.push_str(&single_to_file(&inner));
                out.push(')');
                i = end;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// `SINGLE(A1:A10)` (read from a file, prefix removed) as Excel shows it:
/// `@A1:A10`.
pub(crate) fn single_from_file(formula: &str) -> String {
    const CALL: &str = "SINGLE(";
    let chars: Vec<char> = formula.chars().collect();
    let call: Vec<char> = CALL.chars().collect();
    let mut out = String::with_capacity(formula.len());
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '"' | '\'' => i = copy_quoted(&chars, i, &mut out),
            _ if chars[i..].starts_with(&call) && (i == 0 || !is_reference_char(chars[i - 1])) => {
                let open = i + call.len() - 1;
                let end = group_end(&chars, open);
                let close = if chars.get(end - 1) == Some(&')') {
                    end - 1
                } else {
                    end
                };
                let inner: String = chars[open + 1..close.max(open + 1)].iter().collect();
                let inner = single_from_file(&inner);
                let inner_chars: Vec<char> = inner.chars().collect();
                out.push('@');
                if !inner_chars.is_empty() && operand_end(&inner_chars, 0) == inner_chars.len() {
                    out.push_str(&inner);
                } else {
                    out.push('(');
                    out.push_str(&inner);
                    out.push(')');
                }
                i = end;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}
