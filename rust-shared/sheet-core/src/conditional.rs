//! Conditional formatting, as Excel has it: rules on a rectangle of cells
//! that change how the cells look depending on their values.
//!
//! - `CellValue`: the cell compared with one or two values or formulas
//!   (greater than, between...), with Excel's comparison rules.
//! - `Formula`: a formula written for the rectangle's top-left cell and
//!   moved to each cell like a copied formula; true highlights the cell.
//! - `ColorScale`: two or three colours spread over the numbers of the
//!   rectangle (lowest, 50th percentile, highest).
//! - `DataBar`: a bar whose length follows the number.
//!
//! Rules are evaluated by the engine for the cells a renderer asks for
//! ([`ConditionalFormats::looks`]); earlier rules win when two set the same
//! property.

use std::rc::Rc;

use sheet_formula::address::{cell_name, parse_cell_name};
use sheet_formula::ast::{AreaKind, AreaRef, BinOp};
use sheet_formula::eval::binary;
use sheet_formula::{Ctx, Expr, Rect, SheetId, StructureEdit, Value};

use crate::workbook::{Result, SheetError, Workbook};

/// How a `CellValue` rule compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operator {
    GreaterThan,
    GreaterThanOrEqual,
    LessThan,
    LessThanOrEqual,
    Equal,
    NotEqual,
    Between,
    NotBetween,
}

impl Operator {
    /// Excel's name (`greaterThan`...), as in XLSX files.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Operator::GreaterThan => "greaterThan",
            Operator::GreaterThanOrEqual => "greaterThanOrEqual",
            Operator::LessThan => "lessThan",
            Operator::LessThanOrEqual => "lessThanOrEqual",
            Operator::Equal => "equal",
            Operator::NotEqual => "notEqual",
            Operator::Between => "between",
            Operator::NotBetween => "notBetween",
        }
    }

    /// The operator named `name` (Excel's names).
    #[must_use]
    pub fn parse(name: &str) -> Option<Operator> {
        Some(match name {
            "greaterThan" => Operator::GreaterThan,
            "greaterThanOrEqual" => Operator::GreaterThanOrEqual,
            "lessThan" => Operator::LessThan,
            "lessThanOrEqual" => Operator::LessThanOrEqual,
            "equal" => Operator::Equal,
            "notEqual" => Operator::NotEqual,
            "between" => Operator::Between,
            "notBetween" => Operator::NotBetween,
            _ => return None,
        })
    }

    /// How many values it compares with.
    #[must_use]
    pub fn operands(self) -> usize {
        match self {
            Operator::Between | Operator::NotBetween => 2,
            _ => 1,
        }
    }
}

/// An RGB colour, written `#rrggbb`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// `#rrggbb` (or `rrggbb`, or Excel's `AARRGGBB`).
    #[must_use]
    pub fn parse(text: &str) -> Option<Rgb> {
        let hex = text.trim().trim_start_matches('#');
        let hex = if hex.len() == 8 { &hex[2..] } else { hex };
        if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
        Some(Rgb(byte(0)?, byte(2)?, byte(4)?))
    }

    #[must_use]
    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }

    fn mix(self, other: Rgb, t: f64) -> Rgb {
        let m = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * t).round() as u8;
        Rgb(m(self.0, other.0), m(self.1, other.1), m(self.2, other.2))
    }
}

/// What a matching `CellValue` or `Formula` rule does to the cell.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Highlight {
    pub background: Option<Rgb>,
    pub color: Option<Rgb>,
    pub bold: bool,
    pub italic: bool,
}

/// What a rule tests.
#[derive(Clone, Debug, PartialEq)]
pub enum RuleKind {
    CellValue {
        operator: Operator,
        /// The values as written (`5`, `=$B$1`, `"done"`).
        values: Vec<String>,
        highlight: Highlight,
    },
    Formula {
        /// Written for the rectangle's top-left cell, with its `=`.
        formula: String,
        highlight: Highlight,
    },
    /// Lowest, (50th percentile,) highest.
    ColorScale {
        colors: Vec<Rgb>,
    },
    DataBar {
        color: Rgb,
    },
}

/// One rule on one rectangle.
#[derive(Clone, Debug, PartialEq)]
pub struct ConditionalFormat {
    pub range: Rect,
    pub kind: RuleKind,
}

/// A rule with its formulas parsed.
#[derive(Clone, Debug)]
struct Compiled {
    rule: ConditionalFormat,
    exprs: Vec<Rc<Expr>>,
}

/// How one cell looks after the rules (None: as its own style says).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Look {
    pub background: Option<Rgb>,
    pub color: Option<Rgb>,
    pub bold: bool,
    pub italic: bool,
    /// A data bar: its length (0 to 1) and colour.
    pub bar: Option<(f64, Rgb)>,
}

impl Look {
    fn is_plain(&self) -> bool {
        *self == Look::default()
    }

    fn take(&mut self, h: &Highlight) {
        if self.background.is_none() {
            self.background = h.background;
        }
        if self.color.is_none() {
            self.color = h.color;
        }
        self.bold |= h.bold;
        self.italic |= h.italic;
    }
}

/// `A1:B10` (or one cell, `C3`) as a rectangle.
pub fn parse_range(text: &str) -> Result<Rect> {
    let bad = || SheetError::Io(format!("{text:?} is not a range like A1:B10"));
    let cleaned = text.replace('$', "");
    let mut parts = cleaned.split(':');
    let a = parts.next().and_then(parse_cell_name).ok_or_else(bad)?;
    let b = match parts.next() {
        Some(p) => parse_cell_name(p).ok_or_else(bad)?,
        None => a,
    };
    if parts.next().is_some() {
        return Err(bad());
    }
    Ok(Rect::new(a.0, a.1, b.0, b.1))
}

/// A rectangle in A1 notation (`A1:B10`, or `C3` for one cell).
#[must_use]
pub fn range_name(rect: Rect) -> String {
    if rect.is_cell() {
        cell_name(rect.r1, rect.c1)
    } else {
        format!(
            "{}:{}",
            cell_name(rect.r1, rect.c1),
            cell_name(rect.r2, rect.c2)
        )
    }
}

/// The conditional formatting of one sheet: its rules, in priority order.
#[derive(Clone, Debug, Default)]
pub struct ConditionalFormats {
    rules: Vec<Compiled>,
}

/// A value written in a rule: a formula when it starts with `=`, otherwise
/// a constant read as a cell would read it (`5`, `TRUE`, text).
fn operand(text: &str, wb: &Workbook) -> Result<Expr> {
    let formula = match text.strip_prefix('=') {
        Some(f) => f.to_owned(),
        None => match crate::workbook::parse_input(text) {
            Value::Number(n) => sheet_formula::value::number_to_text(n),
            Value::Bool(b) => if b { "TRUE" } else { "FALSE" }.to_owned(),
            _ => format!("\"{}\"", text.replace('"', "\"\"")),
        },
    };
    sheet_formula::parse(&formula, wb).map_err(|error| SheetError::Parse {
        formula: text.to_owned(),
        error,
    })
}

impl ConditionalFormats {
    /// Adds a rule after the others (lower priority), checking its formulas.
    pub fn add(&mut self, wb: &Workbook, rule: ConditionalFormat) -> Result<()> {
        let exprs = match &rule.kind {
            RuleKind::CellValue {
                operator, values, ..
            } => {
                if values.len() != operator.operands() {
                    return Err(SheetError::Io(format!(
                        "{} compares with {} value(s), got {}",
                        operator.name(),
                        operator.operands(),
                        values.len()
                    )));
                }
                values
                    .iter()
                    .map(|v| operand(v, wb).map(Rc::new))
                    .collect::<Result<Vec<_>>>()?
            }
            RuleKind::Formula { formula, .. } => {
                let body = formula.strip_prefix('=').unwrap_or(formula);
                vec![Rc::new(sheet_formula::parse(body, wb).map_err(
                    |error| SheetError::Parse {
                        formula: formula.clone(),
                        error,
                    },
                )?)]
            }
            RuleKind::ColorScale { colors } => {
                if !(2..=3).contains(&colors.len()) {
                    return Err(SheetError::Io(format!(
                        "a colour scale has 2 or 3 colours, got {}",
                        colors.len()
                    )));
                }
                Vec::new()
            }
            RuleKind::DataBar { .. } => Vec::new(),
        };
        self.rules.push(Compiled { rule, exprs });
        Ok(())
    }

    pub fn clear(&mut self) {
        self.rules.clear();
    }

    /// Follows rows or columns inserted or deleted by `edit`, as Excel does:
    /// on `sheet` (the sheet of these rules) each rule's range moves, grows
    /// or shrinks, and a rule whose whole range was deleted goes; references
    /// in the rules' formulas to the edited sheet move with their cells
    /// (deleted ones become #REF!). Returns whether anything changed.
    pub fn structure_edit(&mut self, wb: &Workbook, sheet: SheetId, edit: &StructureEdit) -> bool {
        let mut changed = false;
        self.rules.retain_mut(|c| {
            if edit.sheet == sheet {
                let mut area = Expr::Area(AreaRef {
                    sheet: None,
                    rect: c.rule.range,
                    kind: AreaKind::Cells,
                    abs: [false; 4],
                });
                if area.rewrite(sheet, edit) {
                    changed = true;
                    match area {
                        Expr::Area(a) => c.rule.range = a.rect,
                        _ => return false,
                    }
                }
            }
            let mut texts = Vec::new();
            for (i, e) in c.exprs.iter_mut().enumerate() {
                if Rc::make_mut(e).rewrite(sheet, edit) {
                    texts.push((i, format!("={}", e.to_formula(wb))));
                }
            }
            for (i, text) in texts {
                changed = true;
                match &mut c.rule.kind {
                    RuleKind::CellValue { values, .. } => {
                        if let Some(v) = values.get_mut(i) {
                            *v = text;
                        }
                    }
                    RuleKind::Formula { formula, .. } => *formula = text,
                    RuleKind::ColorScale { .. } | RuleKind::DataBar { .. } => {}
                }
            }
            true
        });
        changed
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The rules, in priority order.
    pub fn rules(&self) -> impl Iterator<Item = &ConditionalFormat> {
        self.rules.iter().map(|c| &c.rule)
    }

    /// How every cell of `rect` looks, row-major; None where no rule applies.
    #[must_use]
    pub fn looks(&self, wb: &Workbook, sheet: SheetId, rect: Rect) -> Vec<Option<Look>> {
        let (rows, cols) = (rect.rows() as usize, rect.cols() as usize);
        let mut out: Vec<Look> = vec![Look::default(); rows * cols];
        for compiled in &self.rules {
            let range = compiled.rule.range;
            let Some(area) = intersect(range, rect) else {
                continue;
            };
            let stats = match &compiled.rule.kind {
                RuleKind::ColorScale { .. } | RuleKind::DataBar { .. } => {
                    Some(Stats::of(wb, sheet, range))
                }
                _ => None,
            };
            for r in area.r1..=area.r2 {
                for c in area.c1..=area.c2 {
                    let look = &mut out[(r - rect.r1) as usize * cols + (c - rect.c1) as usize];
                    apply(compiled, stats.as_ref(), wb, sheet, r, c, look);
                }
            }
        }
        out.into_iter()
            .map(|l| (!l.is_plain()).then_some(l))
            .collect()
    }
}

fn intersect(a: Rect, b: Rect) -> Option<Rect> {
    let r1 = a.r1.max(b.r1);
    let c1 = a.c1.max(b.c1);
    let r2 = a.r2.min(b.r2);
    let c2 = a.c2.min(b.c2);
    (r1 <= r2 && c1 <= c2).then(|| Rect::new(r1, c1, r2, c2))
}

/// The numbers of a rule's rectangle, for colour scales and data bars.
struct Stats {
    min: f64,
    mid: f64,
    max: f64,
}

impl Stats {
    fn of(wb: &Workbook, sheet: SheetId, range: Rect) -> Stats {
        let mut numbers = Vec::new();
        sheet_formula::Grid::for_each_value(wb, sheet, range, &mut |_, _, v| {
            if let Value::Number(n) = v {
                numbers.push(*n);
            }
        });
        numbers.sort_by(f64::total_cmp);
        let Some((&min, &max)) = numbers.first().zip(numbers.last()) else {
            return Stats {
                min: 0.0,
                mid: 0.0,
                max: 0.0,
            };
        };
        // Excel's PERCENTILE (inclusive) at 50%.
        let pos = (numbers.len() - 1) as f64 * 0.5;
        let lo = numbers[pos.floor() as usize];
        let hi = numbers[pos.ceil() as usize];
        Stats {
            min,
            mid: lo + (hi - lo) * pos.fract(),
            max,
        }
    }
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Number(n) => *n != 0.0,
        _ => false,
    }
}

fn apply(
    compiled: &Compiled,
    stats: Option<&Stats>,
    wb: &Workbook,
    sheet: SheetId,
    row: u32,
    col: u32,
    look: &mut Look,
) {
    let range = compiled.rule.range;
    let (dr, dc) = (
        i64::from(row) - i64::from(range.r1),
        i64::from(col) - i64::from(range.c1),
    );
    let ctx = Ctx::new(wb, sheet, row, col);
    let at_cell = |e: &Expr| ctx.scalar(&e.translated(dr, dc));
    match &compiled.rule.kind {
        RuleKind::CellValue {
            operator,
            highlight,
            ..
        } => {
            let v = wb.get(sheet, row, col);
            let test = |op: BinOp, e: &Expr| truthy(&binary(op, &v, &at_cell(e)));
            let e = &compiled.exprs;
            let hit = match operator {
                Operator::GreaterThan => test(BinOp::Gt, &e[0]),
                Operator::GreaterThanOrEqual => test(BinOp::Ge, &e[0]),
                Operator::LessThan => test(BinOp::Lt, &e[0]),
                Operator::LessThanOrEqual => test(BinOp::Le, &e[0]),
                Operator::Equal => test(BinOp::Eq, &e[0]),
                Operator::NotEqual => test(BinOp::Ne, &e[0]),
                Operator::Between | Operator::NotBetween => {
                    let (a, b) = (at_cell(&e[0]), at_cell(&e[1]));
                    // Either order of bounds, as Excel.
                    let inside = (truthy(&binary(BinOp::Ge, &v, &a))
                        && truthy(&binary(BinOp::Le, &v, &b)))
                        || (truthy(&binary(BinOp::Ge, &v, &b))
                            && truthy(&binary(BinOp::Le, &v, &a)));
                    inside == (*operator == Operator::Between)
                }
            };
            if hit {
                look.take(highlight);
            }
        }
        RuleKind::Formula { highlight, .. } => {
            if truthy(&at_cell(&compiled.exprs[0])) {
                look.take(highlight);
            }
        }
        RuleKind::ColorScale { colors } => {
            let (Value::Number(n), Some(s)) = (wb.get(sheet, row, col), stats) else {
                return;
            };
            if look.background.is_some() {
                return;
            }
            let t = |lo: f64, hi: f64| {
                if hi > lo {
                    ((n - lo) / (hi - lo)).clamp(0.0, 1.0)
                } else {
                    0.0
                }
            };
            look.background = Some(match colors.as_slice() {
                [a, b] => a.mix(*b, t(s.min, s.max)),
                [a, m, b] if n <= s.mid => a.mix(*m, t(s.min, s.mid)),
                [_, m, b] => m.mix(*b, t(s.mid, s.max)),
                _ => return,
            });
        }
        RuleKind::DataBar { color } => {
            let (Value::Number(n), Some(s)) = (wb.get(sheet, row, col), stats) else {
                return;
            };
            if look.bar.is_some() {
                return;
            }
            // Excel's automatic bounds: the bar starts at zero when every number is positive.
            let lo = s.min.min(0.0);
            let hi = s.max.max(0.0);
            let len = if hi > lo {
                ((n - lo) / (hi - lo)).clamp(0.0, 1.0)
            } else {
                0.0
            };
            look.bar = Some((len, *color));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn book(cells: &[(u32, u32, &str)]) -> (Workbook, SheetId) {
        let mut wb = Workbook::new();
        let s = wb.sheet_at(0).unwrap();
        for (r, c, v) in cells {
            wb.set_input(s, *r, *c, v).unwrap();
        }
        (wb, s)
    }

    /// Adds a rule that must be accepted.
    fn rule(cf: &mut ConditionalFormats, wb: &Workbook, range: &str, kind: RuleKind) {
        let range = parse_range(range).unwrap();
        cf.add(wb, ConditionalFormat { range, kind }).unwrap();
    }

    fn red() -> Highlight {
        Highlight {
            background: Some(Rgb(255, 0, 0)),
            ..Highlight::default()
        }
    }

    #[test]
    fn cell_value_rules_compare_like_excel() {
        let (wb, s) = book(&[(0, 0, "3"), (1, 0, "7"), (2, 0, "x"), (0, 1, "5")]);
        let mut cf = ConditionalFormats::default();
        rule(
            &mut cf,
            &wb,
            "A1:A4",
            RuleKind::CellValue {
                operator: Operator::GreaterThan,
                values: vec!["=$B$1".into()],
                highlight: red(),
            },
        );
        let looks = cf.looks(&wb, s, Rect::new(0, 0, 3, 0));
        let hit: Vec<bool> = looks.iter().map(Option::is_some).collect();
        // 3 > 5 no; 7 > 5 yes; text is greater than any number (Excel); empty is 0.
        assert_eq!(hit, [false, true, true, false]);
        assert_eq!(looks[1].as_ref().unwrap().background, Some(Rgb(255, 0, 0)));
    }

    #[test]
    fn between_takes_its_bounds_in_either_order() {
        let (wb, s) = book(&[(0, 0, "1"), (1, 0, "5"), (2, 0, "10")]);
        for (op, want) in [
            (Operator::Between, [false, true, false]),
            (Operator::NotBetween, [true, false, true]),
        ] {
            let mut cf = ConditionalFormats::default();
            rule(
                &mut cf,
                &wb,
                "A1:A3",
                RuleKind::CellValue {
                    operator: op,
                    values: vec!["8".into(), "2".into()],
                    highlight: red(),
                },
            );
            let hit: Vec<bool> = cf
                .looks(&wb, s, Rect::new(0, 0, 2, 0))
                .iter()
                .map(Option::is_some)
                .collect();
            assert_eq!(hit, want, "{op:?}");
        }
    }

    #[test]
    fn formula_rules_move_with_each_cell_and_earlier_rules_win() {
        let (wb, s) = book(&[(0, 0, "1"), (0, 1, "2"), (1, 0, "4"), (1, 1, "3")]);
        let mut cf = ConditionalFormats::default();
        let blue = Highlight {
            background: Some(Rgb(0, 0, 255)),
            bold: true,
            ..Highlight::default()
        };
        // Row where A > B: the whole row (both columns, $A and $B fixed).
        rule(
            &mut cf,
            &wb,
            "A1:B2",
            RuleKind::Formula {
                formula: "=$A1>$B1".into(),
                highlight: blue.clone(),
            },
        );
        rule(
            &mut cf,
            &wb,
            "A1:B2",
            RuleKind::CellValue {
                operator: Operator::GreaterThanOrEqual,
                values: vec!["3".into()],
                highlight: red(),
            },
        );
        let looks = cf.looks(&wb, s, Rect::new(0, 0, 1, 1));
        assert_eq!(looks[0], None);
        assert_eq!(looks[1], None);
        // Row 2 matches the first rule: blue wins over red for B2 (3 >= 3).
        assert_eq!(looks[2].as_ref().unwrap().background, Some(Rgb(0, 0, 255)));
        assert_eq!(looks[3].as_ref().unwrap().background, Some(Rgb(0, 0, 255)));
        assert!(looks[3].as_ref().unwrap().bold);
    }

    #[test]
    fn colour_scales_and_data_bars_follow_the_numbers() {
        let (wb, s) = book(&[(0, 0, "0"), (1, 0, "5"), (2, 0, "10"), (3, 0, "n/a")]);
        let mut cf = ConditionalFormats::default();
        let (lo, mid, hi) = (Rgb(248, 105, 107), Rgb(255, 235, 132), Rgb(99, 190, 123));
        rule(
            &mut cf,
            &wb,
            "A1:A4",
            RuleKind::ColorScale {
                colors: vec![lo, mid, hi],
            },
        );
        rule(
            &mut cf,
            &wb,
            "A1:A4",
            RuleKind::DataBar {
                color: Rgb(99, 142, 198),
            },
        );
        let looks = cf.looks(&wb, s, Rect::new(0, 0, 3, 0));
        let bg: Vec<_> = looks
            .iter()
            .map(|l| l.as_ref().and_then(|l| l.background))
            .collect();
        assert_eq!(bg, [Some(lo), Some(mid), Some(hi), None]);
        let bars: Vec<_> = looks
            .iter()
            .map(|l| l.as_ref().and_then(|l| l.bar).map(|b| b.0))
            .collect();
        assert_eq!(bars, [Some(0.0), Some(0.5), Some(1.0), None]);
        // Only the asked rectangle is computed; stats still cover the whole range.
        let one = cf.looks(&wb, s, Rect::cell(1, 0));
        assert_eq!(one[0].as_ref().unwrap().background, Some(mid));
    }

    #[test]
    fn bad_rules_are_refused_with_the_reason() {
        let (wb, _) = book(&[]);
        let mut cf = ConditionalFormats::default();
        let err = cf
            .add(
                &wb,
                ConditionalFormat {
                    range: parse_range("A1").unwrap(),
                    kind: RuleKind::Formula {
                        formula: "=SUM(".into(),
                        highlight: red(),
                    },
                },
            )
            .unwrap_err();
        assert!(err.to_string().contains("=SUM("), "{err}");
        let err = cf
            .add(
                &wb,
                ConditionalFormat {
                    range: parse_range("A1").unwrap(),
                    kind: RuleKind::CellValue {
                        operator: Operator::Between,
                        values: vec!["1".into()],
                        highlight: red(),
                    },
                },
            )
            .unwrap_err();
        assert!(err.to_string().contains("between compares with 2"), "{err}");
        assert!(parse_range("A1:B").is_err());
        assert_eq!(range_name(parse_range("$B$2:A1").unwrap()), "A1:B2");
        assert_eq!(Rgb::parse("FF63BE7B"), Some(Rgb(99, 190, 123)));
        assert_eq!(Rgb::parse("#zz0000"), None);
        assert!(cf.is_empty());
    }
}
