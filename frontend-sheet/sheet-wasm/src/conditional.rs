//! Conditional formatting of the active sheet: rules set from JavaScript
//! (one call per rule, fields as plain strings: no JSON parser in the
//! module), and how the visible cells look after them, in one call per
//! frame like the viewport.

use std::fmt::Write as _;

use sheet_core::conditional::{
    parse_range, range_name, ConditionalFormat, Highlight, Operator, Rgb, RuleKind,
};
use wasm_bindgen::prelude::*;

use crate::viewport::CELL_SEPARATOR;
use crate::{count, js_error, position, Engine};

/// Separates the values and colours inside one field.
const ITEM_SEPARATOR: char = '\u{1d}';
/// Separates the fields of one rule in [`Engine::conditional_formats`].
const FIELD_SEPARATOR: char = '\u{1f}';
/// Ends each rule in [`Engine::conditional_formats`].
const RULE_SEPARATOR: char = '\u{1e}';

fn colour(text: &str, what: &str) -> Result<Option<Rgb>, JsError> {
    if text.is_empty() {
        return Ok(None);
    }
    Rgb::parse(text).map(Some).ok_or_else(|| {
        JsError::new(&format!(
            "{what} must be a colour like #ff0000, got {text:?}"
        ))
    })
}

fn items(text: &str) -> Vec<String> {
    if text.is_empty() {
        Vec::new()
    } else {
        text.split(ITEM_SEPARATOR).map(str::to_owned).collect()
    }
}

fn hex(c: Option<Rgb>) -> String {
    c.map(Rgb::hex).unwrap_or_default()
}

#[wasm_bindgen]
impl Engine {
    /// Removes every conditional format of the active sheet.
    #[wasm_bindgen(js_name = clearConditionalFormats)]
    pub fn clear_conditional_formats(&mut self) {
        self.doc.conditional_mut().remove(&self.sheet);
    }

    /// Adds a rule after the others (lower priority) on the active sheet.
    /// `kind` is `cellValue`, `formula`, `colorScale` or `dataBar`; `values`
    /// (the compared values, or the formula) and `colors` are lists joined
    /// by U+001D; the highlight is `background`, `color`, `bold`, `italic`.
    #[wasm_bindgen(js_name = addConditionalFormat)]
    #[allow(clippy::too_many_arguments, clippy::fn_params_excessive_bools)]
    pub fn add_conditional_format(
        &mut self,
        kind: &str,
        range: &str,
        operator: &str,
        values: &str,
        background: &str,
        color: &str,
        bold: bool,
        italic: bool,
        colors: &str,
    ) -> Result<(), JsError> {
        let range = parse_range(range).map_err(|e| js_error(&e))?;
        let highlight = Highlight {
            background: colour(background, "background")?,
            color: colour(color, "color")?,
            bold,
            italic,
        };
        let values = items(values);
        let rule_kind = match kind {
            "cellValue" => RuleKind::CellValue {
                operator: Operator::parse(operator).ok_or_else(|| {
                    JsError::new(&format!(
                        "unknown operator {operator:?}: greaterThan, greaterThanOrEqual, lessThan, \
                         lessThanOrEqual, equal, notEqual, between or notBetween"
                    ))
                })?,
                values,
                highlight,
            },
            "formula" => RuleKind::Formula {
                formula: values
                    .into_iter()
                    .next()
                    .ok_or_else(|| JsError::new("a formula rule needs its formula"))?,
                highlight,
            },
            "colorScale" => RuleKind::ColorScale {
                colors: items(colors)
                    .iter()
                    .map(|c| {
                        colour(c, "a colour scale colour")?
                            .ok_or_else(|| JsError::new("empty colour"))
                    })
                    .collect::<Result<_, _>>()?,
            },
            "dataBar" => RuleKind::DataBar {
                color: colour(colors, "a data bar colour")?
                    .ok_or_else(|| JsError::new("a data bar needs its colour"))?,
            },
            other => {
                return Err(JsError::new(&format!(
                    "unknown rule type {other:?}: cellValue, formula, colorScale or dataBar"
                )))
            }
        };
        self.doc
            .add_conditional_format(
                self.sheet,
                ConditionalFormat {
                    range,
                    kind: rule_kind,
                },
            )
            .map_err(|e| js_error(&e))
    }

    /// The active sheet's rules, each ended by U+001E, fields separated by
    /// U+001F: kind, range, operator, values, background, color, bold (1/0),
    /// italic, colors (lists joined by U+001D).
    #[wasm_bindgen(js_name = conditionalFormats)]
    #[must_use]
    pub fn conditional_formats(&self) -> String {
        let mut out = String::new();
        let Some(formats) = self.doc.conditional().get(&self.sheet) else {
            return out;
        };
        let join = |v: &[String]| v.join(&ITEM_SEPARATOR.to_string());
        for rule in formats.rules() {
            let (kind, operator, values, h, colors) = match &rule.kind {
                RuleKind::CellValue {
                    operator,
                    values,
                    highlight,
                } => (
                    "cellValue",
                    operator.name(),
                    join(values),
                    Some(highlight),
                    String::new(),
                ),
                RuleKind::Formula { formula, highlight } => (
                    "formula",
                    "",
                    formula.clone(),
                    Some(highlight),
                    String::new(),
                ),
                RuleKind::ColorScale { colors } => {
                    let c: Vec<String> = colors.iter().map(|c| c.hex()).collect();
                    ("colorScale", "", String::new(), None, join(&c))
                }
                RuleKind::DataBar { color } => ("dataBar", "", String::new(), None, color.hex()),
            };
            let default = Highlight::default();
            let h = h.unwrap_or(&default);
            let _ = write!(
                out,
                "{kind}{FIELD_SEPARATOR}{}{FIELD_SEPARATOR}{operator}{FIELD_SEPARATOR}{values}{FIELD_SEPARATOR}{}{FIELD_SEPARATOR}{}{FIELD_SEPARATOR}{}{FIELD_SEPARATOR}{}{FIELD_SEPARATOR}{colors}{RULE_SEPARATOR}",
                range_name(rule.range),
                hex(h.background),
                hex(h.color),
                u8::from(h.bold),
                u8::from(h.italic),
            );
        }
        out
    }

    /// How the cells of a rectangle of the active sheet look after its
    /// rules, row-major, each cell ended by U+001F: empty where no rule
    /// applies, else `background,color,bold,italic,bar length,bar colour`
    /// (empty fields where a rule sets nothing).
    #[wasm_bindgen(js_name = conditionalViewport)]
    pub fn conditional_viewport(
        &self,
        top: f64,
        left: f64,
        rows: f64,
        cols: f64,
    ) -> Result<String, JsError> {
        let (r0, c0) = position(top, left)?;
        let (h, w) = (count(rows)?, count(cols)?);
        let r1 = r0.saturating_add(h).min(sheet_core::MAX_ROWS) - 1;
        let c1 = c0.saturating_add(w).min(sheet_core::MAX_COLS) - 1;
        let Some(formats) = self.doc.conditional().get(&self.sheet) else {
            return Ok(String::new());
        };
        let wb = self.doc.workbook();
        let looks = formats.looks(wb, self.sheet, sheet_core::Rect::new(r0, c0, r1, c1));
        let mut out = String::with_capacity(looks.len());
        for look in looks {
            if let Some(l) = look {
                let (len, bar) = l.bar.map_or((String::new(), String::new()), |(len, c)| {
                    (format!("{len:.4}"), c.hex())
                });
                let _ = write!(
                    out,
                    "{},{},{},{},{len},{bar}",
                    hex(l.background),
                    hex(l.color),
                    u8::from(l.bold),
                    u8::from(l.italic)
                );
            }
            out.push(CELL_SEPARATOR);
        }
        Ok(out)
    }
}
