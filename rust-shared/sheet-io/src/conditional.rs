//! Conditional formatting in XLSX files: written with rust_xlsxwriter, read
//! from the worksheet XML (calamine does not read it) with zip and
//! quick-xml: `cellIs`, `expression`, `colorScale` and `dataBar` rules with
//! their differential formats (fill, font colour, bold, italic).

use std::collections::{BTreeMap, HashMap};
use std::io::{Cursor, Read};

use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};
use rust_xlsxwriter::{
    Color, ConditionalFormat2ColorScale, ConditionalFormat3ColorScale, ConditionalFormatCell,
    ConditionalFormatCellRule, ConditionalFormatDataBar, ConditionalFormatFormula,
    ConditionalFormatValue, Format, Formula, Worksheet,
};
use sheet_core::conditional::{
    parse_range, ConditionalFormat, ConditionalFormats, Highlight, Operator, Rgb, RuleKind,
};
use sheet_core::{parse_input, SheetError, SheetId, Value, Workbook};

use crate::{io_error, Result};

fn color(c: Rgb) -> Color {
    Color::RGB((u32::from(c.0) << 16) | (u32::from(c.1) << 8) | u32::from(c.2))
}

fn format_of(h: &Highlight) -> Format {
    let mut f = Format::new();
    if let Some(bg) = h.background {
        f = f.set_background_color(color(bg));
    }
    if let Some(fg) = h.color {
        f = f.set_font_color(color(fg));
    }
    if h.bold {
        f = f.set_bold();
    }
    if h.italic {
        f = f.set_italic();
    }
    f
}

/// A rule's value as the file stores it: a formula, a number, a boolean or text.
fn value_of(text: &str) -> ConditionalFormatValue {
    if text.starts_with('=') {
        return Formula::new(text).into();
    }
    match parse_input(text) {
        Value::Number(n) => n.into(),
        Value::Bool(b) => b.into(),
        _ => text.into(),
    }
}

/// Adds a sheet's rules to a worksheet being written.
pub(crate) fn write_rules(ws: &mut Worksheet, rules: &[ConditionalFormat]) -> Result<()> {
    for rule in rules {
        let r = rule.range;
        let col = |c: u32| {
            u16::try_from(c).map_err(|_| SheetError::OutOfRange {
                row: 0,
                col: u64::from(c),
            })
        };
        let (c1, c2) = (col(r.c1)?, col(r.c2)?);
        let added = match &rule.kind {
            RuleKind::CellValue {
                operator,
                values,
                highlight,
            } => {
                let a = value_of(&values[0]);
                let b = || value_of(values.get(1).map_or("", String::as_str));
                let cell_rule = match operator {
                    Operator::GreaterThan => ConditionalFormatCellRule::GreaterThan(a),
                    Operator::GreaterThanOrEqual => {
                        ConditionalFormatCellRule::GreaterThanOrEqualTo(a)
                    }
                    Operator::LessThan => ConditionalFormatCellRule::LessThan(a),
                    Operator::LessThanOrEqual => ConditionalFormatCellRule::LessThanOrEqualTo(a),
                    Operator::Equal => ConditionalFormatCellRule::EqualTo(a),
                    Operator::NotEqual => ConditionalFormatCellRule::NotEqualTo(a),
                    Operator::Between => ConditionalFormatCellRule::Between(a, b()),
                    Operator::NotBetween => ConditionalFormatCellRule::NotBetween(a, b()),
                };
                let cf = ConditionalFormatCell::new()
                    .set_rule(cell_rule)
                    .set_format(format_of(highlight));
                ws.add_conditional_format(r.r1, c1, r.r2, c2, &cf)
            }
            RuleKind::Formula { formula, highlight } => {
                let cf = ConditionalFormatFormula::new()
                    .set_rule(formula.as_str())
                    .set_format(format_of(highlight));
                ws.add_conditional_format(r.r1, c1, r.r2, c2, &cf)
            }
            RuleKind::ColorScale { colors } => match colors.as_slice() {
                [lo, hi] => {
                    let cf = ConditionalFormat2ColorScale::new()
                        .set_minimum_color(color(*lo))
                        .set_maximum_color(color(*hi));
                    ws.add_conditional_format(r.r1, c1, r.r2, c2, &cf)
                }
                [lo, mid, hi] => {
                    let cf = ConditionalFormat3ColorScale::new()
                        .set_minimum_color(color(*lo))
                        .set_midpoint_color(color(*mid))
                        .set_maximum_color(color(*hi));
                    ws.add_conditional_format(r.r1, c1, r.r2, c2, &cf)
                }
                _ => continue,
            },
            RuleKind::DataBar { color: c } => {
                let cf = ConditionalFormatDataBar::new().set_fill_color(color(*c));
                ws.add_conditional_format(r.r1, c1, r.r2, c2, &cf)
            }
        };
        added.map_err(|e| io_error("XLSX conditional format", e))?;
    }
    Ok(())
}

// ---- reading ----

fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .and_then(|a| {
            a.normalized_value(XmlVersion::Implicit1_0)
                .ok()
                .map(std::borrow::Cow::into_owned)
        })
}

fn entry(zip: &mut zip::ZipArchive<Cursor<&[u8]>>, name: &str) -> Result<Option<String>> {
    let mut file = match zip.by_name(name) {
        Ok(f) => f,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(io_error(&format!("XLSX {name}"), e)),
    };
    let mut text = String::new();
    file.read_to_string(&mut text)
        .map_err(|e| io_error(&format!("XLSX {name}"), e))?;
    Ok(Some(text))
}

/// Walks the XML events of `text`, calling `f` with each start (or empty)
/// element, each text run and each end.
fn walk(text: &str, what: &str, mut f: impl FnMut(Event<'_>)) -> Result<()> {
    let mut reader = Reader::from_str(text);
    loop {
        match reader.read_event() {
            Ok(Event::Eof) => return Ok(()),
            Ok(e) => f(e),
            Err(e) => return Err(io_error(&format!("XLSX {what}"), e)),
        }
    }
}

/// The differential formats of styles.xml, in order.
fn dxfs(text: &str) -> Result<Vec<Highlight>> {
    let mut out = Vec::new();
    let (mut in_dxfs, mut cur, mut in_font, mut in_fill) = (false, None::<Highlight>, false, false);
    let on = |e: &BytesStart<'_>| attr(e, "val").is_none_or(|v| v != "0" && v != "false");
    walk(text, "styles.xml", |ev| match ev {
        // `<dxf/>`: a rule that changes nothing.
        Event::Empty(e) if in_dxfs && e.local_name().as_ref() == "dxf" => {
            out.push(Highlight::default());
        }
        Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
            "dxfs" => in_dxfs = true,
            "dxf" if in_dxfs => cur = Some(Highlight::default()),
            "font" => in_font = true,
            "fill" => in_fill = true,
            "b" if in_font => {
                if let Some(h) = cur.as_mut() {
                    h.bold = on(&e);
                }
            }
            "i" if in_font => {
                if let Some(h) = cur.as_mut() {
                    h.italic = on(&e);
                }
            }
            "color" if in_font => {
                if let Some(h) = cur.as_mut() {
                    h.color = attr(&e, "rgb").and_then(|c| Rgb::parse(&c));
                }
            }
            // A dxf's solid fill keeps its colour in bgColor (fgColor in some writers).
            "bgColor" | "fgColor" if in_fill => {
                if let Some(h) = cur.as_mut() {
                    let c = attr(&e, "rgb").and_then(|c| Rgb::parse(&c));
                    if e.local_name().as_ref() == "bgColor" {
                        h.background = c.or(h.background);
                    } else if h.background.is_none() {
                        h.background = c;
                    }
                }
            }
            _ => {}
        },
        Event::End(e) => match e.local_name().as_ref() {
            "dxfs" => in_dxfs = false,
            "dxf" => out.extend(cur.take()),
            "font" => in_font = false,
            "fill" => in_fill = false,
            _ => {}
        },
        _ => {}
    })?;
    Ok(out)
}

/// The text an XML entity reference (`gt`, `#62`, `#x3E`) stands for.
fn entity(name: &str) -> Option<char> {
    Some(match name {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "quot" => '"',
        "apos" => '\'',
        _ => {
            let num = name.strip_prefix('#')?;
            let code = match num.strip_prefix('x') {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => num.parse().ok()?,
            };
            return char::from_u32(code);
        }
    })
}

/// One `<cfRule>` being read.
#[derive(Default)]
struct RawRule {
    kind: String,
    operator: Option<String>,
    dxf: Option<usize>,
    priority: i64,
    formulas: Vec<String>,
    colors: Vec<Rgb>,
}

impl RawRule {
    fn into_kind(self, dxfs: &[Highlight]) -> Option<RuleKind> {
        let highlight = self
            .dxf
            .and_then(|i| dxfs.get(i).cloned())
            .unwrap_or_default();
        // Rule values are stored without `=`: a plain number stays a constant.
        let value = |f: &String| {
            if f.parse::<f64>().is_ok() {
                f.clone()
            } else {
                format!("={f}")
            }
        };
        match self.kind.as_str() {
            "cellIs" => Some(RuleKind::CellValue {
                operator: Operator::parse(self.operator.as_deref()?)?,
                values: self.formulas.iter().map(value).collect(),
                highlight,
            }),
            "expression" => Some(RuleKind::Formula {
                formula: format!("={}", self.formulas.first()?),
                highlight,
            }),
            "colorScale" if (2..=3).contains(&self.colors.len()) => Some(RuleKind::ColorScale {
                colors: self.colors,
            }),
            "dataBar" => Some(RuleKind::DataBar {
                color: *self.colors.first()?,
            }),
            _ => None,
        }
    }
}

/// The `<cfRule>`s of one worksheet's XML, with their priority and range.
fn sheet_rules(xml: &str, path: &str) -> Result<Vec<(i64, String, RawRule)>> {
    let mut found: Vec<(i64, String, RawRule)> = Vec::new();
    let (mut sqref, mut rule, mut in_formula, mut text) =
        (String::new(), None::<RawRule>, false, String::new());
    walk(xml, path, |ev| match ev {
        Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
            "conditionalFormatting" => sqref = attr(&e, "sqref").unwrap_or_default(),
            "cfRule" => {
                rule = Some(RawRule {
                    kind: attr(&e, "type").unwrap_or_default(),
                    operator: attr(&e, "operator"),
                    dxf: attr(&e, "dxfId").and_then(|v| v.parse().ok()),
                    priority: attr(&e, "priority")
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(i64::MAX),
                    ..RawRule::default()
                });
            }
            "formula" => {
                in_formula = true;
                text.clear();
            }
            "color" => {
                if let (Some(r), Some(c)) =
                    (rule.as_mut(), attr(&e, "rgb").and_then(|c| Rgb::parse(&c)))
                {
                    r.colors.push(c);
                }
            }
            _ => {}
        },
        Event::Text(t) if in_formula => {
            text.push_str(&t);
        }
        Event::GeneralRef(r) if in_formula => {
            if let Some(c) = entity(&r) {
                text.push(c);
            }
        }
        Event::End(e) => match e.local_name().as_ref() {
            "formula" => {
                in_formula = false;
                if let Some(r) = rule.as_mut() {
                    r.formulas.push(std::mem::take(&mut text));
                }
            }
            "cfRule" => {
                if let Some(r) = rule.take() {
                    found.push((r.priority, sqref.clone(), r));
                }
            }
            _ => {}
        },
        _ => {}
    })?;
    Ok(found)
}

/// The conditional formatting of every sheet of an XLSX file, for the
/// workbook `read_xlsx` made from it. Rules of kinds the engine does not
/// evaluate (top 10, duplicates, icon sets...) are left out.
pub fn read_conditional_formats(
    data: &[u8],
    wb: &Workbook,
) -> Result<BTreeMap<SheetId, ConditionalFormats>> {
    let mut zip = zip::ZipArchive::new(Cursor::new(data)).map_err(|e| io_error("XLSX", e))?;
    let workbook_xml = entry(&mut zip, "xl/workbook.xml")?.unwrap_or_default();
    let rels = entry(&mut zip, "xl/_rels/workbook.xml.rels")?.unwrap_or_default();
    let styles = entry(&mut zip, "xl/styles.xml")?.unwrap_or_default();
    let dxfs = dxfs(&styles)?;
    let mut targets = HashMap::new();
    walk(&rels, "workbook.xml.rels", |ev| {
        if let Event::Start(e) | Event::Empty(e) = ev {
            if e.local_name().as_ref() == "Relationship" {
                if let (Some(id), Some(target)) = (attr(&e, "Id"), attr(&e, "Target")) {
                    let path = match target.strip_prefix('/') {
                        Some(abs) => abs.to_owned(),
                        None => format!("xl/{target}"),
                    };
                    targets.insert(id, path);
                }
            }
        }
    })?;
    let mut sheets = Vec::new();
    walk(&workbook_xml, "workbook.xml", |ev| {
        if let Event::Start(e) | Event::Empty(e) = ev {
            if e.local_name().as_ref() == "sheet" {
                if let (Some(name), Some(id)) = (attr(&e, "name"), attr(&e, "id")) {
                    sheets.push((name, id));
                }
            }
        }
    })?;
    let mut out = BTreeMap::new();
    for (name, rel) in sheets {
        let (Some(path), Some(sheet)) = (targets.get(&rel), wb.sheet_by_name(&name)) else {
            continue;
        };
        let Some(xml) = entry(&mut zip, path)? else {
            continue;
        };
        let mut found = sheet_rules(&xml, path)?;
        found.sort_by_key(|(p, _, _)| *p);
        let mut formats = ConditionalFormats::default();
        for (_, sqref, raw) in found {
            let Some(kind) = raw.into_kind(&dxfs) else {
                continue;
            };
            for part in sqref.split_whitespace() {
                let Ok(range) = parse_range(part) else {
                    continue;
                };
                // A rule the engine cannot parse is left out, not fatal.
                let _ = formats.add(
                    wb,
                    ConditionalFormat {
                        range,
                        kind: kind.clone(),
                    },
                );
            }
        }
        if !formats.is_empty() {
            out.insert(sheet, formats);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{read_xlsx, write_xlsx_with};
    use sheet_core::conditional::range_name;

    #[test]
    fn rules_survive_an_xlsx_round_trip() {
        let mut wb = Workbook::new();
        let s = wb.sheet_at(0).unwrap();
        let other = wb.add_sheet("Scores").unwrap();
        for (r, v) in ["3", "9", "12"].iter().enumerate() {
            wb.set_input(s, r as u32, 0, v).unwrap();
        }
        wb.set_input(s, 0, 1, "5").unwrap();
        let pink = Highlight {
            background: Some(Rgb(255, 199, 206)),
            color: Some(Rgb(156, 0, 6)),
            bold: true,
            italic: false,
        };
        let rules = vec![
            ConditionalFormat {
                range: parse_range("A1:A3").unwrap(),
                kind: RuleKind::CellValue {
                    operator: Operator::GreaterThan,
                    values: vec!["=$B$1".into()],
                    highlight: pink.clone(),
                },
            },
            ConditionalFormat {
                range: parse_range("A1:A3").unwrap(),
                kind: RuleKind::CellValue {
                    operator: Operator::Between,
                    values: vec!["1".into(), "4".into()],
                    highlight: Highlight {
                        italic: true,
                        ..Highlight::default()
                    },
                },
            },
            ConditionalFormat {
                range: parse_range("C1:C3").unwrap(),
                kind: RuleKind::Formula {
                    formula: "=AND($A1>2,$A1<10)".into(),
                    highlight: Highlight {
                        background: Some(Rgb(198, 239, 206)),
                        ..Highlight::default()
                    },
                },
            },
            ConditionalFormat {
                range: parse_range("A1:A3").unwrap(),
                kind: RuleKind::ColorScale {
                    colors: vec![Rgb(248, 105, 107), Rgb(255, 235, 132), Rgb(99, 190, 123)],
                },
            },
            ConditionalFormat {
                range: parse_range("D1:D9").unwrap(),
                kind: RuleKind::DataBar {
                    color: Rgb(99, 142, 198),
                },
            },
        ];
        let mut formats = ConditionalFormats::default();
        for rule in &rules {
            formats.add(&wb, rule.clone()).unwrap();
        }
        let mut two = ConditionalFormats::default();
        two.add(
            &wb,
            ConditionalFormat {
                range: parse_range("B2").unwrap(),
                kind: RuleKind::ColorScale {
                    colors: vec![Rgb(255, 255, 255), Rgb(0, 0, 0)],
                },
            },
        )
        .unwrap();
        let all = BTreeMap::from([(s, formats), (other, two)]);
        let bytes = write_xlsx_with(&wb, &all).unwrap();

        let back = read_xlsx(&bytes).unwrap();
        let read = read_conditional_formats(&bytes, &back).unwrap();
        let first = back.sheet_at(0).unwrap();
        let got: Vec<ConditionalFormat> = read[&first].rules().cloned().collect();
        assert_eq!(got, rules);
        let scores = back.sheet_by_name("Scores").unwrap();
        let got: Vec<String> = read[&scores].rules().map(|r| range_name(r.range)).collect();
        assert_eq!(got, ["B2"]);
        // And they evaluate on the read workbook: 9 and 12 are over B1's 5.
        let looks = read[&first].looks(&back, first, sheet_core::Rect::new(0, 0, 2, 0));
        assert_eq!(
            looks[1].as_ref().unwrap().background,
            Some(Rgb(255, 199, 206))
        );
        assert!(looks[0].as_ref().unwrap().italic);
    }

    #[test]
    fn a_file_without_rules_reads_as_none() {
        let wb = Workbook::new();
        let bytes = crate::write_xlsx(&wb).unwrap();
        let back = read_xlsx(&bytes).unwrap();
        assert!(read_conditional_formats(&bytes, &back).unwrap().is_empty());
        assert!(read_conditional_formats(b"not a zip", &back).is_err());
    }
}
