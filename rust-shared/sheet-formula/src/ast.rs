//! The formula syntax tree, its printer, its references, and the reference
//! rewriting Excel applies when rows or columns are inserted or deleted.

use std::fmt::Write as _;
use std::rc::Rc;

use crate::address::{column_name, quote_sheet_name, Rect, SheetId, MAX_COLS, MAX_ROWS};
use crate::functions;
use crate::value::{number_to_text, Array, ErrorKind, Value};

/// A reference to one cell. `sheet` is None for "the formula's own sheet".
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CellRef {
    pub sheet: Option<SheetId>,
    pub row: u32,
    pub col: u32,
    pub row_abs: bool,
    pub col_abs: bool,
}

/// What kind of rectangle an area reference spells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AreaKind {
    /// `A1:B2`
    Cells,
    /// `A:C` (whole columns)
    Columns,
    /// `1:3` (whole rows)
    Rows,
}

/// A reference to a rectangle of cells.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AreaRef {
    pub sheet: Option<SheetId>,
    pub rect: Rect,
    pub kind: AreaKind,
    /// `$` markers of r1, c1, r2, c2.
    pub abs: [bool; 4],
}

/// A call target: a built-in function (by index in the registry) or an
/// unknown name, kept for printing and evaluated as #NAME?.
#[derive(Clone, Debug, PartialEq)]
pub enum Function {
    Builtin(u16),
    Unknown(Rc<str>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
    Concat,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl BinOp {
    #[must_use]
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Pow => "^",
            BinOp::Concat => "&",
            BinOp::Eq => "=",
            BinOp::Ne => "<>",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
        }
    }
}

/// A parsed formula (without the leading `=`).
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Number(f64),
    Text(Rc<str>),
    Bool(bool),
    Error(ErrorKind),
    /// An omitted argument: `IF(A1,,1)`.
    Missing,
    Cell(CellRef),
    Area(AreaRef),
    /// `A1#`: the range the dynamic array of the formula in that cell
    /// spills into.
    Spill(CellRef),
    Name(Rc<str>),
    Neg(Box<Expr>),
    Plus(Box<Expr>),
    Percent(Box<Expr>),
    Paren(Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    Call(Function, Vec<Expr>),
    Array(Rc<Array>),
}

/// Names of sheets, for printing cross-sheet references.
pub trait SheetNames {
    fn sheet_id(&self, name: &str) -> Option<SheetId>;
    fn sheet_name(&self, id: SheetId) -> Option<String>;
}

/// A workbook of one unnamed sheet: formulas without cross-sheet references.
pub struct NoSheets;

impl SheetNames for NoSheets {
    fn sheet_id(&self, _name: &str) -> Option<SheetId> {
        None
    }
    fn sheet_name(&self, _id: SheetId) -> Option<String> {
        None
    }
}

/// A reference found in a formula, for the dependency graph.
#[derive(Clone, Debug, PartialEq)]
pub enum Reference {
    Cell(Option<SheetId>, u32, u32),
    Area(Option<SheetId>, Rect),
    Name(Rc<str>),
}

impl Expr {
    /// Prints the formula (without `=`), naming other sheets through `sheets`.
    #[must_use]
    pub fn to_formula(&self, sheets: &dyn SheetNames) -> String {
        let mut out = String::new();
        self.write(&mut out, sheets, None);
        out
    }

    /// Appends the formula as [`Expr::to_formula`] prints it to `out`
    /// (which is not cleared), without allocating a new string.
    pub fn write_formula(&self, out: &mut String, sheets: &dyn SheetNames) {
        self.write(out, sheets, None);
    }

    /// Prints the formula (without `=`) in R1C1 notation for a formula in
    /// (`row`, `col`): `R[-1]C` is the cell above, `R1C1` is A1.
    #[must_use]
    pub fn to_formula_r1c1(&self, sheets: &dyn SheetNames, row: u32, col: u32) -> String {
        let mut out = String::new();
        self.write(&mut out, sheets, Some((row, col)));
        out
    }

    fn write(&self, out: &mut String, sheets: &dyn SheetNames, at: Option<(u32, u32)>) {
        if let Some(origin) = at {
            if write_r1c1(self, out, sheets, origin) {
                return;
            }
        }
        match self {
            Expr::Number(n) => out.push_str(&format_number_literal(*n)),
            Expr::Text(s) => {
                out.push('"');
                out.push_str(&s.replace('"', "\"\""));
                out.push('"');
            }
            Expr::Bool(b) => out.push_str(if *b { "TRUE" } else { "FALSE" }),
            Expr::Error(e) => out.push_str(e.as_str()),
            Expr::Missing => {}
            Expr::Cell(c) => {
                write_sheet(out, c.sheet, sheets);
                write_cell(out, c.row, c.col, c.row_abs, c.col_abs);
            }
            Expr::Spill(c) => {
                write_sheet(out, c.sheet, sheets);
                write_cell(out, c.row, c.col, c.row_abs, c.col_abs);
                out.push('#');
            }
            Expr::Area(a) => {
                write_sheet(out, a.sheet, sheets);
                let r = a.rect;
                match a.kind {
                    AreaKind::Cells => {
                        write_cell(out, r.r1, r.c1, a.abs[0], a.abs[1]);
                        out.push(':');
                        write_cell(out, r.r2, r.c2, a.abs[2], a.abs[3]);
                    }
                    AreaKind::Columns => {
                        let _ = write!(
                            out,
                            "{}{}:{}{}",
                            if a.abs[1] { "$" } else { "" },
                            column_name(r.c1),
                            if a.abs[3] { "$" } else { "" },
                            column_name(r.c2)
                        );
                    }
                    AreaKind::Rows => {
                        let _ = write!(
                            out,
                            "{}{}:{}{}",
                            if a.abs[0] { "$" } else { "" },
                            r.r1 + 1,
                            if a.abs[2] { "$" } else { "" },
                            r.r2 + 1
                        );
                    }
                }
            }
            Expr::Name(n) => out.push_str(n),
            Expr::Neg(e) => {
                out.push('-');
                e.write(out, sheets, at);
            }
            Expr::Plus(e) => {
                out.push('+');
                e.write(out, sheets, at);
            }
            Expr::Percent(e) => {
                e.write(out, sheets, at);
                out.push('%');
            }
            Expr::Paren(e) => {
                out.push('(');
                e.write(out, sheets, at);
                out.push(')');
            }
            Expr::Binary(op, l, r) => {
                l.write(out, sheets, at);
                out.push_str(op.symbol());
                r.write(out, sheets, at);
            }
            Expr::Call(Function::Builtin(i), args)
                if args.len() == 1 && functions::name(*i) == "SINGLE" =>
            {
                // Shown as Excel 365 shows it: `@A1:A10`, `@(A1:A3*2)`.
                out.push('@');
                let bare = matches!(
                    args[0],
                    Expr::Cell(_)
                        | Expr::Area(_)
                        | Expr::Spill(_)
                        | Expr::Name(_)
                        | Expr::Call(..)
                        | Expr::Paren(_)
                );
                if !bare {
                    out.push('(');
                }
                args[0].write(out, sheets, at);
                if !bare {
                    out.push(')');
                }
            }
            Expr::Call(f, args) => {
                match f {
                    Function::Builtin(i) => out.push_str(functions::name(*i)),
                    Function::Unknown(n) => out.push_str(n),
                }
                out.push('(');
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    a.write(out, sheets, at);
                }
                out.push(')');
            }
            Expr::Array(a) => {
                out.push('{');
                for r in 0..a.rows {
                    if r > 0 {
                        out.push(';');
                    }
                    for c in 0..a.cols {
                        if c > 0 {
                            out.push(',');
                        }
                        match a.get(r, c) {
                            Value::Text(s) => {
                                let _ = write!(out, "\"{}\"", s.replace('"', "\"\""));
                            }
                            v => out.push_str(&match v {
                                Value::Number(n) => format_number_literal(*n),
                                other => other.display(),
                            }),
                        }
                    }
                }
                out.push('}');
            }
        }
    }

    /// Calls `f` with every reference in the formula.
    pub fn for_each_reference(&self, f: &mut dyn FnMut(Reference)) {
        match self {
            Expr::Cell(c) | Expr::Spill(c) => f(Reference::Cell(c.sheet, c.row, c.col)),
            Expr::Area(a) => f(Reference::Area(a.sheet, a.rect)),
            Expr::Name(n) => f(Reference::Name(n.clone())),
            Expr::Neg(e) | Expr::Plus(e) | Expr::Percent(e) | Expr::Paren(e) => {
                e.for_each_reference(f);
            }
            Expr::Binary(_, l, r) => {
                l.for_each_reference(f);
                r.for_each_reference(f);
            }
            Expr::Call(_, args) => {
                for a in args {
                    a.for_each_reference(f);
                }
            }
            _ => {}
        }
    }

    /// Whether the formula calls a function whose value changes without an
    /// edit (NOW, TODAY, RAND, RANDBETWEEN).
    #[must_use]
    pub fn is_volatile(&self) -> bool {
        match self {
            Expr::Call(Function::Builtin(i), args) => {
                functions::is_volatile(*i) || args.iter().any(Expr::is_volatile)
            }
            Expr::Call(Function::Unknown(_), args) => args.iter().any(Expr::is_volatile),
            Expr::Neg(e) | Expr::Plus(e) | Expr::Percent(e) | Expr::Paren(e) => e.is_volatile(),
            Expr::Binary(_, l, r) => l.is_volatile() || r.is_volatile(),
            _ => false,
        }
    }

    /// Rewrites references after rows or columns were inserted or deleted in
    /// sheet `edit.sheet`, as Excel does: references past the edit move,
    /// ranges across it grow or shrink, references to deleted cells become
    /// #REF!. `own_sheet` is the sheet the formula lives on. Returns whether
    /// anything changed.
    pub fn rewrite(&mut self, own_sheet: SheetId, edit: &StructureEdit) -> bool {
        match self {
            Expr::Cell(c) | Expr::Spill(c) => {
                if c.sheet.unwrap_or(own_sheet) != edit.sheet {
                    return false;
                }
                let (pos, limit) = if edit.rows {
                    (&mut c.row, MAX_ROWS)
                } else {
                    (&mut c.col, MAX_COLS)
                };
                match shift_point(*pos, edit, limit) {
                    Some(p) if p == *pos => false,
                    Some(p) => {
                        *pos = p;
                        true
                    }
                    None => {
                        *self = Expr::Error(ErrorKind::Ref);
                        true
                    }
                }
            }
            Expr::Area(a) => {
                if a.sheet.unwrap_or(own_sheet) != edit.sheet {
                    return false;
                }
                if (edit.rows && a.kind == AreaKind::Columns)
                    || (!edit.rows && a.kind == AreaKind::Rows)
                {
                    return false;
                }
                let limit = if edit.rows { MAX_ROWS } else { MAX_COLS };
                let (lo, hi) = if edit.rows {
                    (a.rect.r1, a.rect.r2)
                } else {
                    (a.rect.c1, a.rect.c2)
                };
                match shift_span(lo, hi, edit, limit) {
                    Some((l, h)) if (l, h) == (lo, hi) => false,
                    Some((l, h)) => {
                        if edit.rows {
                            a.rect.r1 = l;
                            a.rect.r2 = h;
                        } else {
                            a.rect.c1 = l;
                            a.rect.c2 = h;
                        }
                        true
                    }
                    None => {
                        *self = Expr::Error(ErrorKind::Ref);
                        true
                    }
                }
            }
            Expr::Neg(e) | Expr::Plus(e) | Expr::Percent(e) | Expr::Paren(e) => {
                e.rewrite(own_sheet, edit)
            }
            Expr::Binary(_, l, r) => {
                let a = l.rewrite(own_sheet, edit);
                let b = r.rewrite(own_sheet, edit);
                a || b
            }
            Expr::Call(_, args) => {
                let mut changed = false;
                for a in args {
                    changed |= a.rewrite(own_sheet, edit);
                }
                changed
            }
            _ => false,
        }
    }

    /// Replaces references to a deleted sheet with #REF!.
    pub fn forget_sheet(&mut self, sheet: SheetId) -> bool {
        match self {
            Expr::Cell(CellRef { sheet: Some(s), .. })
            | Expr::Spill(CellRef { sheet: Some(s), .. })
            | Expr::Area(AreaRef { sheet: Some(s), .. })
                if *s == sheet =>
            {
                *self = Expr::Error(ErrorKind::Ref);
                true
            }
            Expr::Neg(e) | Expr::Plus(e) | Expr::Percent(e) | Expr::Paren(e) => {
                e.forget_sheet(sheet)
            }
            Expr::Binary(_, l, r) => {
                let a = l.forget_sheet(sheet);
                let b = r.forget_sheet(sheet);
                a || b
            }
            Expr::Call(_, args) => {
                let mut changed = false;
                for a in args {
                    changed |= a.forget_sheet(sheet);
                }
                changed
            }
            _ => false,
        }
    }
}

/// Rows or columns inserted (`count > 0`) or deleted (`count < 0`) at
/// zero-based index `at` of a sheet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StructureEdit {
    pub sheet: SheetId,
    /// true: rows; false: columns.
    pub rows: bool,
    pub at: u32,
    pub count: i64,
}

fn shift_point(p: u32, edit: &StructureEdit, limit: u32) -> Option<u32> {
    let at = edit.at;
    if edit.count >= 0 {
        let n = u32::try_from(edit.count).ok()?;
        if p < at {
            return Some(p);
        }
        let moved = p.checked_add(n)?;
        (moved < limit).then_some(moved)
    } else {
        let n = u32::try_from(-edit.count).ok()?;
        if p < at {
            Some(p)
        } else if p < at.saturating_add(n) {
            None
        } else {
            Some(p - n)
        }
    }
}

fn shift_span(lo: u32, hi: u32, edit: &StructureEdit, limit: u32) -> Option<(u32, u32)> {
    let at = edit.at;
    if edit.count >= 0 {
        let n = u32::try_from(edit.count).ok()?;
        let l = if lo >= at { lo.checked_add(n)? } else { lo };
        let h = if hi >= at {
            hi.saturating_add(n).min(limit - 1)
        } else {
            hi
        };
        (l < limit).then_some((l, h))
    } else {
        let n = u32::try_from(-edit.count).ok()?;
        let end = at.saturating_add(n);
        if lo >= at && hi < end {
            return None;
        }
        let l = if lo < at {
            lo
        } else if lo < end {
            at
        } else {
            lo - n
        };
        let h = if hi < at {
            hi
        } else if hi < end {
            at - 1
        } else {
            hi - n
        };
        Some((l, h))
    }
}

fn write_sheet(out: &mut String, sheet: Option<SheetId>, sheets: &dyn SheetNames) {
    if let Some(id) = sheet {
        match sheets.sheet_name(id) {
            Some(name) => out.push_str(&quote_sheet_name(&name)),
            None => out.push_str("#REF"),
        }
        out.push('!');
    }
}

/// Writes a reference in R1C1 notation; false for anything else.
fn write_r1c1(e: &Expr, out: &mut String, sheets: &dyn SheetNames, at: (u32, u32)) -> bool {
    match e {
        Expr::Cell(c) | Expr::Spill(c) => {
            write_sheet(out, c.sheet, sheets);
            r1c1_axis(out, 'R', c.row, c.row_abs, at.0);
            r1c1_axis(out, 'C', c.col, c.col_abs, at.1);
            if matches!(e, Expr::Spill(_)) {
                out.push('#');
            }
        }
        Expr::Area(a) => {
            write_sheet(out, a.sheet, sheets);
            let r = a.rect;
            match a.kind {
                AreaKind::Cells => {
                    r1c1_axis(out, 'R', r.r1, a.abs[0], at.0);
                    r1c1_axis(out, 'C', r.c1, a.abs[1], at.1);
                    out.push(':');
                    r1c1_axis(out, 'R', r.r2, a.abs[2], at.0);
                    r1c1_axis(out, 'C', r.c2, a.abs[3], at.1);
                }
                AreaKind::Rows => {
                    r1c1_axis(out, 'R', r.r1, a.abs[0], at.0);
                    out.push(':');
                    r1c1_axis(out, 'R', r.r2, a.abs[2], at.0);
                }
                AreaKind::Columns => {
                    r1c1_axis(out, 'C', r.c1, a.abs[1], at.1);
                    out.push(':');
                    r1c1_axis(out, 'C', r.c2, a.abs[3], at.1);
                }
            }
        }
        _ => return false,
    }
    true
}

/// `R3` (absolute, one-based), `R[-2]` (relative), `R` (same row).
fn r1c1_axis(out: &mut String, letter: char, pos: u32, abs: bool, here: u32) {
    out.push(letter);
    if abs {
        let _ = write!(out, "{}", u64::from(pos) + 1);
    } else {
        let delta = i64::from(pos) - i64::from(here);
        if delta != 0 {
            let _ = write!(out, "[{delta}]");
        }
    }
}

fn write_cell(out: &mut String, row: u32, col: u32, row_abs: bool, col_abs: bool) {
    if col_abs {
        out.push('$');
    }
    out.push_str(&column_name(col));
    if row_abs {
        out.push('$');
    }
    let _ = write!(out, "{}", row + 1);
}

fn format_number_literal(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        return number_to_text(n);
    }
    let s = format!("{n}");
    if s.len() > 20 {
        format!("{n:E}")
    } else {
        s
    }
}
