//! A workbook's contents as plain data, and a compact binary form of it.
//!
//! The engine's WebAssembly module leaves XLSX out (calamine, rust_xlsxwriter
//! and zip are most of its size); a second module reads and writes XLSX and
//! hands workbooks over in this form. Sheets, cells (value, formula, number
//! format, spill range), defined names, the date system and conditional
//! formats travel; spilled cells are marked so a reader rebuilds them from
//! their formula. The codec is written here rather than with serde and a
//! binary format crate so the engine's module gains a few kilobytes, not a
//! serializer per type.

use std::collections::BTreeMap;
use std::rc::Rc;

use sheet_core::conditional::{
    ConditionalFormat, ConditionalFormats, Highlight, Operator, Rgb, RuleKind,
};
use sheet_core::{ErrorKind, Rect, SheetError, SheetId, Value, Workbook};

use crate::Result;

const MAGIC: &[u8; 4] = b"RSW1";

/// One stored cell.
#[derive(Clone, Debug, PartialEq)]
pub struct CellData {
    pub row: u32,
    pub col: u32,
    /// The value shown (a formula's cached result).
    pub value: Value,
    /// The formula, with its `=`.
    pub formula: Option<String>,
    pub format: Option<String>,
    /// The rectangle a formula's array result fills.
    pub spill: Option<Rect>,
    /// A value spilled from another cell's formula (not an input).
    pub spilled: bool,
}

/// One sheet: its name, its cells in storage order, its conditional formats.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SheetData {
    pub name: String,
    pub cells: Vec<CellData>,
    pub conditional: Vec<ConditionalFormat>,
}

/// A workbook's contents.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WorkbookData {
    pub sheets: Vec<SheetData>,
    /// (name, formula with its `=`).
    pub names: Vec<(String, String)>,
    pub date1904: bool,
}

impl WorkbookData {
    /// The contents of `wb` with each sheet's conditional formats.
    #[must_use]
    pub fn of(wb: &Workbook, conditional: &BTreeMap<SheetId, ConditionalFormats>) -> Self {
        let sheets = wb
            .sheets()
            .into_iter()
            .map(|(id, name)| {
                let cells = wb.sheet(id).map_or_else(Vec::new, |s| {
                    s.cells()
                        .map(|(row, col, cell)| CellData {
                            row,
                            col,
                            value: match &cell.value {
                                Value::Array(_) => Value::Error(ErrorKind::Value),
                                v => v.clone(),
                            },
                            formula: wb.formula(id, row, col),
                            format: cell.format.as_deref().map(str::to_owned),
                            spill: wb.spill_range(id, row, col),
                            spilled: wb.spill_anchor(id, row, col).is_some(),
                        })
                        .collect()
                });
                let conditional = conditional
                    .get(&id)
                    .map(|c| c.rules().cloned().collect())
                    .unwrap_or_default();
                SheetData {
                    name,
                    cells,
                    conditional,
                }
            })
            .collect();
        WorkbookData {
            sheets,
            names: wb.names(),
            date1904: wb.date1904(),
        }
    }

    /// A workbook with these contents, every formula computed again.
    pub fn build(&self) -> Result<(Workbook, BTreeMap<SheetId, ConditionalFormats>)> {
        let mut wb = Workbook::empty();
        let mut ids = Vec::with_capacity(self.sheets.len());
        for sheet in &self.sheets {
            ids.push(wb.add_sheet(&sheet.name)?);
        }
        if ids.is_empty() {
            ids.push(wb.add_sheet("Sheet1")?);
        }
        wb.set_date1904(self.date1904);
        wb.begin_batch();
        let loaded = self.load_cells(&mut wb, &ids);
        for (name, formula) in &self.names {
            // A name that no longer parses is left out, as on XLSX import.
            let _ = wb.define_name(name, formula);
        }
        wb.end_batch();
        loaded?;
        let mut conditional = BTreeMap::new();
        for (sheet, &id) in self.sheets.iter().zip(&ids) {
            if sheet.conditional.is_empty() {
                continue;
            }
            let mut formats = ConditionalFormats::default();
            for rule in &sheet.conditional {
                formats.add(&wb, rule.clone())?;
            }
            conditional.insert(id, formats);
        }
        Ok((wb, conditional))
    }

    fn load_cells(&self, wb: &mut Workbook, ids: &[SheetId]) -> Result<()> {
        for (sheet, &id) in self.sheets.iter().zip(ids) {
            for cell in &sheet.cells {
                let (row, col) = (cell.row, cell.col);
                if !cell.spilled {
                    match &cell.formula {
                        Some(f) => wb.set_formula(id, row, col, f)?,
                        None if !cell.value.is_empty() => {
                            wb.set_value(id, row, col, cell.value.clone())?;
                        }
                        None => {}
                    }
                }
                if let Some(f) = &cell.format {
                    wb.set_format(id, row, col, Some(f.as_str()))?;
                }
            }
        }
        Ok(())
    }

    /// The binary form.
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer(Vec::with_capacity(64 + 24 * self.cell_count()));
        w.0.extend_from_slice(MAGIC);
        w.u8(u8::from(self.date1904));
        w.len(self.names.len());
        for (name, formula) in &self.names {
            w.str(name);
            w.str(formula);
        }
        w.len(self.sheets.len());
        for sheet in &self.sheets {
            w.str(&sheet.name);
            w.len(sheet.cells.len());
            for cell in &sheet.cells {
                w.cell(cell);
            }
            w.len(sheet.conditional.len());
            for rule in &sheet.conditional {
                w.rule(rule);
            }
        }
        w.0
    }

    fn cell_count(&self) -> usize {
        self.sheets.iter().map(|s| s.cells.len()).sum()
    }

    /// Reads what [`WorkbookData::encode`] wrote.
    pub fn decode(bytes: &[u8]) -> Result<WorkbookData> {
        let mut r = Reader { bytes, at: 0 };
        if r.take(MAGIC.len())? != MAGIC {
            return Err(SheetError::Io(
                "not a workbook transfer (wrong header)".into(),
            ));
        }
        let date1904 = r.u8()? != 0;
        let mut names = Vec::new();
        for _ in 0..r.len()? {
            names.push((r.string()?, r.string()?));
        }
        let mut sheets = Vec::new();
        for _ in 0..r.len()? {
            let name = r.string()?;
            let n = r.len()?;
            let mut cells = Vec::with_capacity(n.min(bytes.len() / 9));
            for _ in 0..n {
                cells.push(r.cell()?);
            }
            let mut conditional = Vec::new();
            for _ in 0..r.len()? {
                conditional.push(r.rule()?);
            }
            sheets.push(SheetData {
                name,
                cells,
                conditional,
            });
        }
        if r.at != bytes.len() {
            return Err(SheetError::Io(
                "workbook transfer: bytes left after the end".into(),
            ));
        }
        Ok(WorkbookData {
            sheets,
            names,
            date1904,
        })
    }
}

// Cell flags: the value's kind in the low 3 bits.
const KIND_MASK: u8 = 0b111;
const HAS_FORMULA: u8 = 1 << 3;
const HAS_FORMAT: u8 = 1 << 4;
const HAS_SPILL: u8 = 1 << 5;
const SPILLED: u8 = 1 << 6;

struct Writer(Vec<u8>);

impl Writer {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn len(&mut self, n: usize) {
        self.u32(u32::try_from(n).unwrap_or(u32::MAX));
    }
    fn str(&mut self, s: &str) {
        self.len(s.len());
        self.0.extend_from_slice(s.as_bytes());
    }
    fn rect(&mut self, r: Rect) {
        for v in [r.r1, r.c1, r.r2, r.c2] {
            self.u32(v);
        }
    }
    fn rgb(&mut self, c: Rgb) {
        self.0.extend_from_slice(&[c.0, c.1, c.2]);
    }
    fn cell(&mut self, cell: &CellData) {
        let kind = match &cell.value {
            Value::Empty | Value::Array(_) => 0,
            Value::Number(_) => 1,
            Value::Text(_) => 2,
            Value::Bool(_) => 3,
            Value::Error(_) => 4,
        };
        let mut flags = kind;
        for (on, bit) in [
            (cell.formula.is_some(), HAS_FORMULA),
            (cell.format.is_some(), HAS_FORMAT),
            (cell.spill.is_some(), HAS_SPILL),
            (cell.spilled, SPILLED),
        ] {
            if on {
                flags |= bit;
            }
        }
        self.u32(cell.row);
        self.u32(cell.col);
        self.u8(flags);
        match &cell.value {
            Value::Number(n) => self.0.extend_from_slice(&n.to_le_bytes()),
            Value::Text(t) => self.str(t),
            Value::Bool(b) => self.u8(u8::from(*b)),
            Value::Error(e) => self.str(e.as_str()),
            Value::Empty | Value::Array(_) => {}
        }
        if let Some(f) = &cell.formula {
            self.str(f);
        }
        if let Some(f) = &cell.format {
            self.str(f);
        }
        if let Some(r) = cell.spill {
            self.rect(r);
        }
    }
    fn highlight(&mut self, h: &Highlight) {
        let flags = u8::from(h.background.is_some())
            | u8::from(h.color.is_some()) << 1
            | u8::from(h.bold) << 2
            | u8::from(h.italic) << 3;
        self.u8(flags);
        for c in [h.background, h.color].into_iter().flatten() {
            self.rgb(c);
        }
    }
    fn rule(&mut self, rule: &ConditionalFormat) {
        self.rect(rule.range);
        match &rule.kind {
            RuleKind::CellValue {
                operator,
                values,
                highlight,
            } => {
                self.u8(0);
                self.str(operator.name());
                self.len(values.len());
                for v in values {
                    self.str(v);
                }
                self.highlight(highlight);
            }
            RuleKind::Formula { formula, highlight } => {
                self.u8(1);
                self.str(formula);
                self.highlight(highlight);
            }
            RuleKind::ColorScale { colors } => {
                self.u8(2);
                self.len(colors.len());
                for c in colors {
                    self.rgb(*c);
                }
            }
            RuleKind::DataBar { color } => {
                self.u8(3);
                self.rgb(*color);
            }
        }
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

fn corrupt(what: &str) -> SheetError {
    SheetError::Io(format!("workbook transfer: {what}"))
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| corrupt("cut short"))?;
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }
    fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Result<u32> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn len(&mut self) -> Result<usize> {
        Ok(self.u32()? as usize)
    }
    fn string(&mut self) -> Result<String> {
        let n = self.len()?;
        let b = self.take(n)?;
        std::str::from_utf8(b)
            .map(str::to_owned)
            .map_err(|_| corrupt("text is not UTF-8"))
    }
    fn rect(&mut self) -> Result<Rect> {
        Ok(Rect::new(
            self.u32()?,
            self.u32()?,
            self.u32()?,
            self.u32()?,
        ))
    }
    fn rgb(&mut self) -> Result<Rgb> {
        let b = self.take(3)?;
        Ok(Rgb(b[0], b[1], b[2]))
    }
    fn cell(&mut self) -> Result<CellData> {
        let row = self.u32()?;
        let col = self.u32()?;
        let flags = self.u8()?;
        let value = match flags & KIND_MASK {
            0 => Value::Empty,
            1 => {
                let b = self.take(8)?;
                let mut n = [0u8; 8];
                n.copy_from_slice(b);
                Value::Number(f64::from_le_bytes(n))
            }
            2 => Value::Text(Rc::from(self.string()?)),
            3 => Value::Bool(self.u8()? != 0),
            4 => {
                let text = self.string()?;
                Value::Error(ErrorKind::parse(&text).ok_or_else(|| corrupt("unknown error"))?)
            }
            _ => return Err(corrupt("unknown value kind")),
        };
        let formula = if flags & HAS_FORMULA != 0 {
            Some(self.string()?)
        } else {
            None
        };
        let format = if flags & HAS_FORMAT != 0 {
            Some(self.string()?)
        } else {
            None
        };
        let spill = if flags & HAS_SPILL != 0 {
            Some(self.rect()?)
        } else {
            None
        };
        Ok(CellData {
            row,
            col,
            value,
            formula,
            format,
            spill,
            spilled: flags & SPILLED != 0,
        })
    }
    fn highlight(&mut self) -> Result<Highlight> {
        let flags = self.u8()?;
        Ok(Highlight {
            background: if flags & 1 != 0 {
                Some(self.rgb()?)
            } else {
                None
            },
            color: if flags & 2 != 0 {
                Some(self.rgb()?)
            } else {
                None
            },
            bold: flags & 4 != 0,
            italic: flags & 8 != 0,
        })
    }
    fn rule(&mut self) -> Result<ConditionalFormat> {
        let range = self.rect()?;
        let kind = match self.u8()? {
            0 => {
                let name = self.string()?;
                let operator = Operator::parse(&name).ok_or_else(|| corrupt("unknown operator"))?;
                let mut values = Vec::new();
                for _ in 0..self.len()? {
                    values.push(self.string()?);
                }
                RuleKind::CellValue {
                    operator,
                    values,
                    highlight: self.highlight()?,
                }
            }
            1 => RuleKind::Formula {
                formula: self.string()?,
                highlight: self.highlight()?,
            },
            2 => {
                let mut colors = Vec::new();
                for _ in 0..self.len()? {
                    colors.push(self.rgb()?);
                }
                RuleKind::ColorScale { colors }
            }
            3 => RuleKind::DataBar { color: self.rgb()? },
            _ => return Err(corrupt("unknown conditional format kind")),
        };
        Ok(ConditionalFormat { range, kind })
    }
}
