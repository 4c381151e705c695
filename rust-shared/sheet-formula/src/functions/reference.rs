//! References computed while a formula runs: INDIRECT and OFFSET.
//!
//! Both are volatile (recomputed on every recalculation) and report every
//! reference they produce to the grid ([`crate::eval::Grid::note_reference`]),
//! so the engine can compute the cells they point at first.

use super::{r, volatile, Def};
use crate::address::{Rect, SheetId, MAX_COLS, MAX_ROWS};
use crate::ast::{Expr, SheetNames};
use crate::eval::{Ctx, Operand};
use crate::parser::parse;
use crate::value::ErrorKind;

pub(crate) const DEFS: &[Def] = &[
    volatile(r("INDIRECT", 1, 2, indirect)),
    volatile(r("OFFSET", 3, 5, offset)),
];

/// Sheet names as the grid knows them, for parsing INDIRECT's text.
struct GridSheets<'a>(&'a Ctx<'a>);

impl SheetNames for GridSheets<'_> {
    fn sheet_id(&self, name: &str) -> Option<SheetId> {
        self.0.grid.sheet_id(name)
    }
    fn sheet_name(&self, _id: SheetId) -> Option<String> {
        None
    }
}

fn indirect(c: &Ctx, a: &[Expr]) -> Result<Operand, ErrorKind> {
    let text = c.text(&a[0])?;
    let a1 = c.bool_or(a, 1, true)?;
    let text = text.trim();
    if text.is_empty() || text.len() > 1000 {
        return Err(ErrorKind::Ref);
    }
    let (sheet, rect) = if a1 {
        let expr = parse(text, &GridSheets(c)).map_err(|_| ErrorKind::Ref)?;
        if !matches!(
            expr,
            Expr::Cell(_) | Expr::Area(_) | Expr::Spill(_) | Expr::Name(_)
        ) {
            return Err(ErrorKind::Ref);
        }
        match c.eval(&expr) {
            Operand::Area(sheet, rect) => (sheet, rect),
            Operand::Value(_) => return Err(ErrorKind::Ref),
        }
    } else {
        let (sheet_part, refs) = match text.rsplit_once('!') {
            Some((s, r)) => (Some(s), r),
            None => (None, text),
        };
        let sheet = match sheet_part {
            Some(name) => {
                let name = name
                    .strip_prefix('\'')
                    .and_then(|n| n.strip_suffix('\''))
                    .map_or_else(|| name.to_string(), |n| n.replace("''", "'"));
                c.grid.sheet_id(&name).ok_or(ErrorKind::Ref)?
            }
            None => c.sheet,
        };
        let (first, second) = match refs.split_once(':') {
            Some((x, y)) => (x, Some(y)),
            None => (refs, None),
        };
        let (r1, c1) = r1c1(first, c.row, c.col).ok_or(ErrorKind::Ref)?;
        let (r2, c2) = match second {
            Some(s) => r1c1(s, c.row, c.col).ok_or(ErrorKind::Ref)?,
            None => (r1, c1),
        };
        (
            sheet,
            Rect {
                r1: r1.min(r2),
                c1: c1.min(c2),
                r2: r1.max(r2),
                c2: c1.max(c2),
            },
        )
    };
    c.grid.note_reference(sheet, rect);
    Ok(Operand::Area(sheet, rect))
}

/// One R1C1 cell: `R2C3` (absolute), `R[-1]C[2]` (relative to the formula's
/// cell), `RC` (the formula's own row and column). Zero-based result.
fn r1c1(s: &str, row: u32, col: u32) -> Option<(u32, u32)> {
    let s = s.trim().to_ascii_uppercase();
    let rest = s.strip_prefix('R')?;
    let (row_part, col_part) = rest.split_once('C')?;
    let r = axis(row_part, row, MAX_ROWS)?;
    let c = axis(col_part, col, MAX_COLS)?;
    Some((r, c))
}

fn axis(part: &str, here: u32, limit: u32) -> Option<u32> {
    let v = if part.is_empty() {
        i64::from(here)
    } else if let Some(inner) = part.strip_prefix('[').and_then(|p| p.strip_suffix(']')) {
        i64::from(here) + inner.parse::<i64>().ok()?
    } else {
        part.parse::<i64>().ok()? - 1
    };
    u32::try_from(v).ok().filter(|v| *v < limit)
}

fn offset(c: &Ctx, a: &[Expr]) -> Result<Operand, ErrorKind> {
    let Operand::Area(sheet, base) = c.eval(&a[0]) else {
        return Err(ErrorKind::Value);
    };
    let rows = c.num(&a[1])?.trunc();
    let cols = c.num(&a[2])?.trunc();
    let height = match a.get(3) {
        None | Some(Expr::Missing) => f64::from(base.rows()),
        Some(e) => c.num(e)?.trunc(),
    };
    let width = match a.get(4) {
        None | Some(Expr::Missing) => f64::from(base.cols()),
        Some(e) => c.num(e)?.trunc(),
    };
    if height < 1.0 || width < 1.0 {
        return Err(ErrorKind::Ref);
    }
    let r1 = f64::from(base.r1) + rows;
    let c1 = f64::from(base.c1) + cols;
    let r2 = r1 + height - 1.0;
    let c2 = c1 + width - 1.0;
    if r1 < 0.0 || c1 < 0.0 || r2 >= f64::from(MAX_ROWS) || c2 >= f64::from(MAX_COLS) {
        return Err(ErrorKind::Ref);
    }
    let rect = Rect {
        r1: r1 as u32,
        c1: c1 as u32,
        r2: r2 as u32,
        c2: c2 as u32,
    };
    c.grid.note_reference(sheet, rect);
    Ok(Operand::Area(sheet, rect))
}
